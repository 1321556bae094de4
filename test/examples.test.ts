// Every reproducer in examples/ on every mainline version: the verdict each
// era must give, worked out from the kernel history (the model never reads
// this table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { MAINLINE, compareVersions } from '../src/eras/profiles.js';
import { UFFD_VERDICTS } from './uffd/verdicts.js';

/** [first, last, failing expectation message or null for a pass]; ranges cover 4.4..latest. */
type Verdicts = [string, string, string | null][];

const PAGEOUT = 'MADV_PAGEOUT failed';
const ODIRECT_LOST = 'O_DIRECT data lost: the DMA went to a page that was replaced during COW';
const PIN_LOST = 'Longterm R/O pin is not reliable: the pinned page is no longer mapped';

const EXPECTED: Record<string, { arch?: string; verdicts: Verdicts }[]> = {
  test_swp_exclusive: [
    {
      verdicts: [
        // MADV_PAGEOUT appeared in 5.4 (1a4e58cce84e).
        ['4.4', '5.3', PAGEOUT],
        // reuse_swap_page(): mapcount 1 and no other swap PTE, so the write reuses the page.
        ['5.4', '5.8', null],
        // 09854ba94c6a (5.9) .. 5.18: the pipe's reference makes page_count > 1: copy.
        ['5.9', '5.18', 'page was replaced during COW'],
        // 1493a1913e34 (5.19): x86_64 keeps PG_anon_exclusive in the swap PTE.
        ['5.19', '6.18', null],
      ],
    },
    ...['i386', 'i386-pae'].map((arch) => ({
      arch,
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        ['5.4', '5.8', null],
        // 32-bit x86 has no swap-PTE exclusive bit until the all-arch series (6.3), as seed 000 reports.
        ['5.9', '6.2', 'page was replaced during COW'],
        ['6.3', '6.18', null],
      ] as Verdicts,
    })),
  ],
  swapin_exclusive_zram: [
    ...['i386', 'x86_64'].map((arch) => ({
      arch,
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        // reuse_swap_page(): mapcount 1, the fresh page is not in the swap cache.
        ['5.4', '5.8', null],
        // 09854ba94c6a (5.9) .. 5.18: the read fault maps it R/O, and at the write the pipe's reference makes page_count > 1.
        ['5.9', '5.18', 'page was replaced during COW'],
        // 6c287605fd56 (5.19): a page read without the swap cache (0bcac06f27d7, SWP_SYNCHRONOUS_IO) is exclusive; i386 needs no swap-PTE bit for it.
        ['5.19', '6.18', null],
      ] as Verdicts,
    })),
  ],
  swapoff_exclusive: [
    {
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        // try_to_unuse() empties the swap cache: reuse_swap_page() sees mapcount 1.
        ['5.4', '5.8', null],
        ['5.9', '5.18', 'page was replaced during COW after swapoff'],
        // 1493a1913e34: unuse_pte() maps with RMAP_EXCLUSIVE when pte_swp_exclusive().
        ['5.19', '6.18', null],
      ],
    },
    {
      arch: 'i386',
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        ['5.4', '5.8', null],
        ['5.9', '6.2', 'page was replaced during COW after swapoff'],
        ['6.3', '6.18', null],
      ],
    },
  ],
  odirect_swapout: [
    {
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        // Mapcount-based reuse after swap-in keeps the page the DMA writes to.
        ['5.4', '5.8', null],
        // page_count era: the O_DIRECT reference forces a copy after swap-in (Andrea's report).
        ['5.9', '5.18', ODIRECT_LOST],
        // 5.19: the exclusive swap-PTE bit; 6.4: O_DIRECT pins and reclaim skips pinned pages.
        ['5.19', '6.18', null],
      ],
    },
  ],
  clear_refs_odirect: [
    {
      verdicts: [
        ['4.4', '5.8', null],
        // 9348b73c2e1b only skips FOLL_PIN'ed pages; O_DIRECT takes FOLL_GET here.
        ['5.9', '5.18', ODIRECT_LOST],
        // 6c287605fd56: the page stays PageAnonExclusive across clear_refs.
        ['5.19', '6.18', null],
      ],
    },
  ],
  cve_2020_29374: [
    {
      verdicts: [
        ['4.4', '5.7', 'leak from parent into child: the child reads data the parent wrote after fork()'],
        // 17839856fd58 (5.8) breaks COW in the child at GUP; 5.9+ page_count; 5.19+ PG_anon_exclusive.
        ['5.8', '6.18', null],
      ],
    },
  ],
  ...Object.fromEntries(
    ['ro_longterm_pin_zeropage', 'ro_longterm_pin_memfd', 'ro_longterm_pin_tmpfile'].map((name) => [
      name,
      [
        {
          verdicts: [
            ['4.4', '5.7', PIN_LOST],
            // 17839856fd58 (5.8 only): GUP in a COW mapping takes the page for writing, i.e. a private copy.
            ['5.8', '5.8', null],
            ['5.9', '6.1', PIN_LOST],
            // 84209e87c696 (6.2): R/O long-term pins unshare first.
            ['6.2', '6.18', null],
          ] as Verdicts,
        },
      ],
    ]),
  ),
  dirty_cow: [
    {
      verdicts: [
        ['4.4', '4.8', 'Dirty COW: the read-only file was written'],
        // 19be0eaffa3a (4.9): FOLL_COW instead of dropping FOLL_WRITE.
        ['4.9', '6.18', null],
      ],
    },
  ],
  huge_dirty_cow: [
    {
      verdicts: [
        // Dirty COW itself: FOLL_WRITE dropped after the COW, the read lookup returns the huge zeropage.
        ['4.4', '4.8', 'huge Dirty COW: the huge zeropage was written'],
        // 19be0eaffa3a fixed PTEs only: follow_trans_huge_pmd() wants pmd_write(), so GUP faults forever.
        ['4.9', '4.9', 'the /proc/self/mem write did not complete'],
        // 8310d48b125d (4.10) can_follow_write_pmd() trusts pmd_dirty(), which touch_pmd() set on a read.
        ['4.10', '4.14', 'huge Dirty COW: the huge zeropage was written'],
        // a8f97366452e (4.15): touch_pmd() dirties only for FOLL_WRITE (CVE-2017-1000405).
        ['4.15', '6.18', null],
      ],
    },
  ],
  gupfast_fork_race: [
    {
      verdicts: [
        // Before 70e806e4e645 (5.9) fork never kept pinned pages; 5.9 and 5.10 check "pinned?" before
        // GUP-fast pins in the window before the parent's PTE is write-protected.
        ['4.4', '5.10', "the pin lost the parent's page: GUP-fast pinned it while fork() shared it"],
        // 57efa1fe5957 (5.11): GUP-fast backs off while write_protect_seq is odd.
        ['5.11', '6.18', null],
      ],
    },
  ],
  ksm_gupfast_ro_pin: [
    {
      verdicts: [
        ['4.4', '5.3', PAGEOUT],
        // write_protect_page() skips a clean R/O PTE without a refcount check: the page is merged, the pin lands on the KSM page.
        ['5.4', '5.7', 'the R/O pin lost the page: the write went to a copy of a KSM page'],
        // 17839856fd58 (5.8): the pin breaks COW (dirty PTE), so KSM clears the PTE and its refcount check refuses.
        ['5.8', '5.8', null],
        ['5.9', '5.18', 'the R/O pin lost the page: the write went to a copy of a KSM page'],
        // 6c287605fd56 (5.19): KSM clears PageAnonExclusive at (A3); GUP-fast's (B5) sees it and backs off to an unshare.
        ['5.19', '6.18', null],
      ],
    },
  ],
  fork_after_pin: [
    {
      verdicts: [
        // No io_uring before 5.1.
        ['4.4', '5.0', 'io_uring buffer registration failed'],
        ['5.1', '5.8', "the pinned buffer no longer backs the parent's memory after fork()"],
        // 70e806e4e645 (5.9): fork copies maybe-pinned pages for the child.
        ['5.9', '6.18', null],
      ],
    },
  ],
};

function expectedFor(verdicts: Verdicts, v: string): string | null {
  const r = verdicts.find(([a, b]) => compareVersions(a, v) <= 0 && compareVersions(v, b) <= 0);
  assert.ok(r, `no expected verdict for ${v}`);
  return r[2];
}

for (const [name, configs] of Object.entries(EXPECTED)) {
  const file = `examples/${name}.cow`;
  const sc = parseScenario(readFileSync(file, 'utf8'), file);
  for (const { arch = 'x86_64', verdicts } of configs) {
    test(`${name} on ${arch}, every mainline version`, () => {
      for (const v of MAINLINE) {
        const r = runScenario(sc, { kernel: v, arch });
        const failed = r.expectations.filter((e) => !e.ok).map((e) => e.message);
        const want = expectedFor(verdicts, v);
        assert.deepEqual(
          { verdict: r.result, firstFailure: failed[0] ?? null },
          { verdict: want ? 'fail' : 'pass', firstFailure: want },
          `${name} on ${v} (${arch})`,
        );
      }
    });
  }
}

test('every example has expected verdicts', async () => {
  const { readdirSync } = await import('node:fs');
  const files = readdirSync('examples').filter((f) => f.endsWith('.cow')).map((f) => f.replace('.cow', ''));
  assert.deepEqual(files.sort(), [...Object.keys(EXPECTED), ...Object.keys(UFFD_VERDICTS)].sort());
});
