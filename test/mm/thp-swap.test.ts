// Whole-THP swapout (CONFIG_THP_SWAP) and swap-in from a large swap-cache
// folio, per era and architecture, checked on the state reclaim leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelState } from '../../src/model/types.js';
import { kernelFor } from '../../src/mm/context.js';
import { decode_swap_pte } from '../../src/mm/swapfile.js';
import { readBytes } from '../../src/model/bytes.js';
import { run as runTraced } from './support.js';

/** Runs the scenario and checks that every invariant held and every expectation passed. */
function run(src: string, kernel: string, arch = 'x86_64'): ReturnType<typeof runTraced> {
  const out = runTraced(src, kernel, arch);
  assert.deepEqual(out.r.findings, [], `invariants on ${kernel}`);
  assert.deepEqual(out.r.expectations.filter((e) => !e.ok), [], `expectations on ${kernel}`);
  return out;
}

const BASE = 0x7f0000000000 / 4096;

/** The swap PTEs of mm 1 in address order: offset and exclusive bit. */
function swapPtes(s: KernelState): { vpn: number; offset: number; exclusive: boolean }[] {
  const k = kernelFor(s);
  return Object.entries(s.mms[1]!.ptes)
    .filter(([, p]) => p.kind === 'swap')
    .map(([v, p]) => {
      const d = decode_swap_pte(k, p as never);
      return { vpn: Number(v), offset: Number(d.offset), exclusive: d.exclusive };
    })
    .sort((a, b) => a.vpn - b.vpn);
}

const pmdPageout = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x5a
mem[0x1000] = 0x01
expect madvise(mem, 0x200000, MADV_PAGEOUT) == 0
expect pm_swap(mem) == 1
expect pm_swap(mem + 0x1ff000) == 1
`;

test('THP_SWAP (bd4c82c22c36, 4.14; x86_64): a PMD-mapped THP goes to swap whole, one aligned cluster of 512 slots', () => {
  const { log, last } = run(pmdPageout, '6.18');
  assert.ok(log.some((l) => /^add_to_swap: pfn \d+ \(order 9\) -> swap cache 0:512$/.test(l)), 'added whole');
  assert.ok(log.some((l) => /^__split_huge_pmd: PMD at 0x7f0000000000 -> 512 PTEs/.test(l)), 'try_to_unmap splits only the PMD');
  assert.ok(log.some((l) => /^pageout: pfn \d+ written to 0:512 \(512 slots\)$/.test(l)), 'written at once');
  assert.ok(!log.some((l) => l.startsWith('split_folio')), 'the folio is never split');
  const ptes = swapPtes(last);
  assert.equal(ptes.length, 512);
  ptes.forEach((p, i) => {
    assert.equal(p.vpn, BASE + i);
    assert.equal(p.offset, 512 + i);
    // __split_huge_pmd_locked() gave every page the head's PG_anon_exclusive; each swap PTE keeps it.
    assert.equal(p.exclusive, true);
  });
  const slots = last.swap[0]!.slots;
  // swap_writepage() of the folio: every slot holds its own page's bytes.
  assert.deepEqual([...readBytes(slots[513]!.data!, 0, 2)], [0x01, 0x5a]);
  assert.deepEqual([...readBytes(slots[512]!.data!, 0, 1)], [0x5a]);
  assert.equal(Object.keys(last.swapCache).length, 0, 'dropped from the swap cache by __remove_mapping');
  assert.equal(Object.values(last.folios).filter((f) => !f.zero).length, 0, 'the THP is freed');
  assert.equal(Object.keys(slots).length, 512);
});

test('without ARCH_WANTS_THP_SWAP the THP is split at add_to_swap(): arm64 until d0637c505f8a (6.0)', () => {
  const old = run(pmdPageout, '5.19', 'arm64');
  assert.ok(old.log.some((l) => /^split_folio: pfn \d+ \(order 9\) split into 512 isolated small folio\(s\)$/.test(l)));
  assert.deepEqual(swapPtes(old.last).map((p) => p.offset), Array.from({ length: 512 }, (_, i) => 1 + i));
  const fixed = run(pmdPageout, '6.0', 'arm64');
  assert.ok(!fixed.log.some((l) => l.startsWith('split_folio')));
  assert.deepEqual(swapPtes(fixed.last).map((p) => p.offset), Array.from({ length: 512 }, (_, i) => 512 + i));
  // riscv64 from 6.1; i386 never.
  assert.equal(swapPtes(run(pmdPageout, '6.0', 'riscv64').last)[0]!.offset, 1);
  assert.equal(swapPtes(run(pmdPageout, '6.1', 'riscv64').last)[0]!.offset, 512);
  assert.equal(swapPtes(run(pmdPageout, '6.18', 'i386').last)[0]!.offset, 1);
});

test('THP_SWPOUT_FALLBACK: no free cluster, so the THP is split and its pages take single slots', () => {
  const { log, last } = run(`swapon(pages=1000)\n${pmdPageout}`, '6.18');
  assert.ok(log.some((l) => l.startsWith('split_folio: ')));
  const offsets = swapPtes(last).map((p) => p.offset);
  assert.deepEqual(offsets, Array.from({ length: 512 }, (_, i) => 1 + i));
});

test('bytes written whole come back per page: each 4 KiB swap-in reads its own slot', () => {
  const src = `${pmdPageout}
expect mem[0] == 0x5a
expect mem[0x1000] == 0x01
expect mem[0x1fffff] == 0x5a
`;
  for (const v of ['5.4', '6.1', '6.18']) run(src, v);
});

test('a pinned page in a THP keeps it out of swap in every era with MADV_PAGEOUT', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x5a
pin = pin_user_pages(mem + 0x3000, 4096, FOLL_LONGTERM|FOLL_WRITE)
madvise(mem, 0x200000, MADV_PAGEOUT)
expect pm_swap(mem) == 0
`;
  for (const v of ['5.4', '5.10', '5.11', '6.18']) run(src, v);
});

const ptePageout = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x5a
mprotect(mem + 0x1000, 0x1000, PROT_READ)
mprotect(mem + 0x1000, 0x1000, PROT_READ|PROT_WRITE)
expect madvise(mem, 0x200000, MADV_PAGEOUT) == 0
expect pm_swap(mem + 0x1000) == 1
`;

test('a PTE-mapped THP: split by MADV_PAGEOUT until 3931b871c493 (6.10), swapped whole after', () => {
  const old = run(ptePageout, '6.9');
  assert.ok(old.log.some((l) => /^split_folio: pfn \d+ \(order 9\) split into 512 mapped small folio\(s\)$/.test(l)));
  assert.equal(swapPtes(old.last)[0]!.offset, 1);
  const now = run(ptePageout, '6.10');
  assert.ok(!now.log.some((l) => l.startsWith('split_folio')));
  assert.ok(now.log.some((l) => /^add_to_swap: pfn \d+ \(order 9\) -> swap cache 0:512$/.test(l)));
  assert.deepEqual(swapPtes(now.last).map((p) => p.offset), Array.from({ length: 512 }, (_, i) => 512 + i));
});

const mthpPageout = `thp_enabled(64, 1)
mem = mmap(0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..0x10000] = 0x5a
expect madvise(mem, 0x10000, MADV_PAGEOUT) == 0
expect pm_swap(mem + 0xf000) == 1
expect mem[0xf000] == 0x5a
`;

test('a 64 kB mTHP: split for swap until 845982eb264b (6.10), an order-4 slot range after', () => {
  const old = run(mthpPageout, '6.9');
  assert.ok(old.log.some((l) => /^split_folio: pfn \d+ \(order 4\)/.test(l)));
  const now = run(mthpPageout, '6.10');
  assert.ok(now.log.some((l) => /^add_to_swap: pfn \d+ \(order 4\) -> swap cache 0:16$/.test(l)));
});

const swapinFromCache = `swapon(async_writeback=1)
thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x5a
expect madvise(mem, 0x200000, MADV_PAGEOUT) == 0
expect mem[0x5000] == 0x5a
`;

test('swap-in from a large swap-cache folio: one page until 508758960b8d (6.11), the whole folio after', () => {
  // The write is still in flight, so the THP stays in the swap cache after pageout.
  const old = run(swapinFromCache, '6.10');
  const present = (s: KernelState) => Object.values(s.mms[1]!.ptes).filter((p) => p.kind === 'present');
  assert.ok(old.log.some((l) => /^do_swap_page: 0:517 found in the swap cache: pfn \d+ \(page 5 of order-9 pfn \d+\)$/.test(l)));
  assert.equal(present(old.last).length, 1);
  assert.equal(swapPtes(old.last).length, 511);
  const now = run(swapinFromCache, '6.11');
  assert.ok(now.log.some((l) => /^do_swap_page: order-9 pfn \d+ mapped whole: 512 swap PTEs from 0x7f0000000000$/.test(l)));
  assert.equal(present(now.last).length, 512);
  assert.equal(swapPtes(now.last).length, 0);
});

test('reuse_swap_page() on a page of a THP in the swap cache (4.14 page_trans_huge_map_swapcount): reused in place', () => {
  const src = `swapon(async_writeback=1)
thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x5a
expect madvise(mem, 0x200000, MADV_PAGEOUT) == 0
mem[0x2000] = 0x77
expect mem[0x2000] == 0x77
`;
  const { log } = run(src, '5.10');
  // Every page counts 0 mappings + 1 swap PTE, so the maximum is 1: the page is reused in place; the
  // other pages' entries still need the swap cache, so the THP stays there.
  assert.ok(log.some((l) => /^reuse_swap_page: THP pfn \d+ page 2: map\+swap count 1: reuse$/.test(l)));
});
