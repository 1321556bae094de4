// KSM (src/mm/ksm.ts): MADV_MERGEABLE, ksm_scan() passes, write faults on
// KSM pages, MADV_UNMERGEABLE per era, and write_protect_page() against pins
// and GUP-fast, checked on the state the steps leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import type { Folio, KernelState, PresentPte } from '../../src/model/types.js';
import { ksm_invariants } from '../../src/mm/ksm.js';
import { MAINLINE, compareVersions } from '../../src/eras/profiles.js';
import { run as runTraced } from './support.js';
import { Machine } from '../../src/syscalls/machine.js';
import { type StepResult, op_step } from '../../src/syscalls/ops.js';

/** Runs the scenario; every expectation must pass and, unless `findings` is set, every invariant hold. */
function run(src: string, kernel: string, opts: { findings?: boolean } = {}): ReturnType<typeof runTraced> {
  const out = runTraced(src, kernel);
  if (!opts.findings) assert.deepEqual(out.r.findings, [], `invariants on ${kernel}`);
  assert.deepEqual(out.r.expectations.filter((e) => !e.ok), [], `expectations on ${kernel}`);
  return out;
}

const BASE = 0x7f0000000000;

function pte(s: KernelState, addr: number): PresentPte {
  const p = s.mms[1]!.ptes[String(addr / 4096)];
  assert.equal(p?.kind, 'present', `PTE at 0x${addr.toString(16)}`);
  return p as PresentPte;
}

function ksmFolios(s: KernelState): Folio[] {
  return Object.values(s.folios).filter((f) => f.ksm);
}

const threePages = `mem = mmap(12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..12288] = 0x5a
mem[8192] = 0x01
expect madvise(mem, 12288, MADV_MERGEABLE) == 0
`;

test('ksm_scan(): the first pass records checksums, the second merges two identical pages into one KSM page', () => {
  for (const v of ['4.4', '5.10', '5.19', '6.18']) {
    const { last } = run(`${threePages}expect ksm_scan() == 0\nexpect ksm_scan() == 1\nexpect mem[0..2] == [0x5a, 0x5a]\n`, v);
    const [k, ...more] = ksmFolios(last);
    assert.ok(k && more.length === 0, `one KSM page on ${v}`);
    // Both addresses map it R/O and clean; the differing third page is left alone.
    assert.equal(pte(last, BASE).pfn, k.pfn);
    assert.equal(pte(last, BASE + 4096).pfn, k.pfn);
    for (const a of [BASE, BASE + 4096]) assert.deepEqual([pte(last, a).write, pte(last, a).dirty], [false, false]);
    assert.equal(k.mapcount, 2);
    // Two mappings; the lru_add batch was drained at the start of the pass, KSM dropped its references.
    assert.equal(k.refcount, 2);
    assert.equal(k.anonExclusive, false);
    assert.equal(k.dirty, true, 'SetPageDirty so that reclaim would swap it');
    assert.notEqual(pte(last, BASE + 8192).pfn, k.pfn);
    assert.equal(folio3(last, BASE + 8192).ksm, false);
    // The replaced page is freed: three pages were touched, two folios remain mapped.
    assert.equal(Object.values(last.folios).filter((f) => f.anon && f.mapcount > 0).length, 2);
    assert.deepEqual(last.ksm?.stable, [k.pfn]);
  }
});

function folio3(s: KernelState, addr: number): Folio {
  return s.folios[pte(s, addr).pfn]!;
}

test('ksm_scan(): the scanned page becomes the KSM page and the unstable tree page is replaced (try_to_merge_two_pages)', () => {
  const { last, log } = run(`${threePages}ksm_scan()\nksm_scan()\n`, '6.18');
  const k = ksmFolios(last)[0]!;
  const second = log.find((l) => /^try_to_merge_one_page: pfn \d+ is a KSM page now$/.test(l))!;
  assert.equal(second, `try_to_merge_one_page: pfn ${k.pfn} is a KSM page now`);
  const replaced = log.find((l) => l.startsWith('replace_page: 0x7f0000000000'))!;
  assert.match(replaced, new RegExp(`^replace_page: 0x7f0000000000: pfn \\d+ replaced by KSM pfn ${k.pfn}$`));
  const old = Number(/pfn (\d+) replaced/.exec(replaced)![1]);
  assert.equal(last.folios[old], undefined, 'the old page is freed');
  assert.ok(log.includes(`free_unref_page: pfn ${old} freed`));
});

test('a page identical to a KSM page joins it through the stable tree (a pass later from 6.11)', () => {
  const src = `${threePages}ksm_scan()
ksm_scan()
mem[8192] = 0x5a
expect ksm_scan() == @N@
`;
  for (const [v, first] of [['6.10', 1], ['6.11', 0], ['6.18', 0]] as const) {
    const { last, log } = run(`${src.replace('@N@', String(first))}expect ksm_scan() == ${1 - first}\n`, v);
    const k = ksmFolios(last)[0]!;
    assert.equal(k.mapcount, 3, v);
    assert.equal(pte(last, BASE + 8192).pfn, k.pfn, v);
    assert.ok(log.some((l) => l.startsWith('stable_tree_search: 0x7f0000002000')), v);
  }
});

test('smart scan (5e924ff54d08, 6.7): a page that did not merge for three visits is skipped for growing numbers of passes', () => {
  const src = `mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
mem[4096] = 1
madvise(mem, 8192, MADV_MERGEABLE)
${'expect ksm_scan() == 0\n'.repeat(4)}mem[4096] = 0x5a
`;
  for (const [v, pass] of [['6.6', 2], ['6.7', 5], ['6.18', 5]] as const) {
    // Passes after the pages became identical until the one that merges them.
    const { log, last } = run(`${src}${'expect ksm_scan() == 0\n'.repeat(pass - 1)}expect ksm_scan() == 1\n`, v);
    assert.equal(ksmFolios(last).length, 1, v);
    const skips = log.filter((l) => l.startsWith('should_skip_rmap_item: 0x7f0000001000'));
    assert.deepEqual(skips, v === '6.6' ? [] : [
      `should_skip_rmap_item: 0x7f0000001000: pfn 2 skipped (0 more pass(es) to skip)`,
      `should_skip_rmap_item: 0x7f0000001000: pfn 2 skipped (1 more pass(es) to skip)`,
      `should_skip_rmap_item: 0x7f0000001000: pfn 2 skipped (0 more pass(es) to skip)`,
    ], v);
  }
});

test('a write to a KSM page copies it (do_wp_page); KSM pages are never reused from 5.9', () => {
  for (const v of ['4.4', '5.9', '5.19', '6.18']) {
    const { last } = run(`${threePages}ksm_scan()\nksm_scan()\nmem[4096] = 0x02\nexpect mem[0] == 0x5a\nexpect mem[4096] == 0x02\nmem[0] = 0x03\n`, v);
    // Both mappings were copied; the KSM page lost its last mapping and was freed.
    assert.deepEqual(ksmFolios(last), [], v);
    for (const a of [BASE, BASE + 4096]) {
      const f = folio3(last, a);
      assert.equal(f.mapcount, 1, v);
      assert.equal(pte(last, a).write, true, v);
      if (compareVersions(v, '5.19') >= 0) assert.equal(f.anonExclusive, true, v);
    }
  }
});

test('52d1e606ee73 (5.1-5.8): a KSM page mapped once and referenced only by that mapping is reused by a write', () => {
  const src = `${threePages}ksm_scan()\nksm_scan()\nmem[4096] = 0x02\nmem[0] = 0x03\nexpect mem[0..2] == [0x03, 0x5a]\n`;
  for (const v of MAINLINE) {
    const reuse = compareVersions(v, '5.1') >= 0 && compareVersions(v, '5.8') <= 0;
    const { last, log } = run(src, v);
    const k = Number(/^try_to_merge_one_page: pfn (\d+) is a KSM page now$/m.exec(log.join('\n'))![1]);
    const f = folio3(last, BASE);
    // Reuse keeps the very page (no longer KSM); a copy maps a new one and frees the KSM page.
    assert.equal(f.pfn === k, reuse, v);
    assert.equal(log.includes(`do_wp_page: KSM pfn ${k}: reuse`), reuse, v);
    assert.deepEqual([f.ksm, f.mapcount, pte(last, BASE).write], [false, 1, true], v);
    assert.deepEqual(ksmFolios(last), [], v);
  }
});

test('MADV_UNMERGEABLE: break_ksm() write-faults until 6.1, unshares from 6cce3314b928 (6.2), leaving every page exclusive', () => {
  const src = `${threePages}ksm_scan()\nksm_scan()\nexpect madvise(mem, 12288, MADV_UNMERGEABLE) == 0\nexpect mem[0..2] == [0x5a, 0x5a]\nexpect ksm_scan() == 0\n`;
  for (const [v, how] of [['5.19', 'FAULT_FLAG_WRITE'], ['6.1', 'FAULT_FLAG_WRITE'], ['6.2', 'FAULT_FLAG_UNSHARE'], ['6.18', 'FAULT_FLAG_UNSHARE']] as const) {
    const { last, log } = run(src, v);
    assert.equal(log.filter((l) => l.startsWith('break_ksm:')).length, 2, v);
    assert.ok(log.filter((l) => l.startsWith('break_ksm:')).every((l) => l.endsWith(how)), v);
    assert.deepEqual(ksmFolios(last), [], v);
    for (const a of [BASE, BASE + 4096]) {
      const f = folio3(last, a);
      assert.deepEqual([f.ksm, f.anonExclusive, f.mapcount], [false, true, 1], v);
      // A write fault maps the copy writable; an unshare keeps it R/O.
      assert.equal(pte(last, a).write, how === 'FAULT_FLAG_WRITE', v);
    }
    assert.equal(last.mms[1]!.vmas.some((m) => (m.flags & 0x80000000) !== 0), false, `VM_MERGEABLE cleared on ${v}`);
  }
});

test('MADV_MERGEABLE leaves shared mappings alone; without it nothing is scanned', () => {
  const { last } = run(`mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
expect madvise(mem, 8192, MADV_MERGEABLE) == 0
p = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
p[0..8192] = 0x5a
ksm_scan()
expect ksm_scan() == 0
`, '6.18');
  assert.deepEqual(ksmFolios(last), []);
  assert.ok(last.mms[1]!.vmas.every((m) => (m.flags & 0x80000000) === 0));
});

const pinnedDirty = `mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
expect madvise(mem, 8192, MADV_MERGEABLE) == 0
pin = pin_user_pages(mem, 4096, FOLL_WRITE)
ksm_scan()
expect ksm_scan() == 0
mem[0] = 0x07
expect pin_read(pin, 0, 1) == [0x07]
`;

test('write_protect_page(): a pinned page behind a dirty PTE is refused by the refcount check in every era; break_cow() undoes the half merge', () => {
  for (const v of MAINLINE) {
    const { last, log } = run(pinnedDirty, v);
    assert.ok(log.some((l) => /^write_protect_page: pfn \d+ page_count \d+ != mapcount \+ 1 \+ swapcache = 2: restore the PTE, -EFAULT$/.test(l)), v);
    assert.ok(log.some((l) => l.startsWith('break_cow: 0x7f0000001000')), v);
    assert.deepEqual(ksmFolios(last).filter((f) => f.mapcount > 0), [], v);
    const f = folio3(last, BASE);
    assert.equal(f.ksm, false, v);
    assert.equal(pte(last, BASE).write, true, `the PTE is restored writable on ${v}`);
  }
});

/** Two identical pages swapped out and read back in a PROT_READ mapping: R/O, clean, exclusive from 5.19. */
const roClean = `mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
madvise(mem, 8192, MADV_MERGEABLE)
mprotect(mem, 8192, PROT_READ)
madvise(mem, 8192, MADV_PAGEOUT)
x = mem[0]
y = mem[4096]
`;

test('write_protect_page(): a clean R/O PTE is not even checked before 5.19, so a pinned page is merged away; from 5.19 PageAnonExclusive forces the check', () => {
  const src = `${roClean}pin = pin_user_pages(mem, 4096)\nksm_scan()\nexpect ksm_scan() == @N@\n`;
  for (const v of ['5.4', '5.10', '5.18']) {
    const { r, last, log } = run(src.replace('@N@', '1'), v, { findings: true });
    assert.ok(log.includes('write_protect_page: 0x7f0000000000: pfn 3 already R/O and clean: PTE unchanged'), v);
    assert.deepEqual(r.findings.map((f) => f.invariant), ['pinned-page-replaced'], v);
    assert.equal(folio3(last, BASE).ksm, true, v);
  }
  for (const v of ['5.19', '6.1', '6.18']) {
    const { last, log } = run(src.replace('@N@', '0'), v);
    assert.ok(log.includes('ptep_clear_flush: 0x7f0000000000: PTE to pfn 3 cleared'), v);
    assert.ok(log.some((l) => /^write_protect_page: pfn 3 page_count 10\d\d != mapcount \+ 1 \+ swapcache = 3/.test(l)), v);
    const f = folio3(last, BASE);
    assert.deepEqual([f.pfn, f.ksm, f.anonExclusive], [3, false, true], v);
    assert.deepEqual(pte(last, BASE), { kind: 'present', pfn: 3, write: false, dirty: false, young: true, softDirty: true, uffdWp: false, special: false }, `PTE restored as it was on ${v}`);
  }
});

/** GUP-fast R/O pin racing with KSM write_protect_page(): the schedule decides who backs off. */
function race(schedule: string): string {
  return `thread main:
${roClean.split('\n').map((l) => `  ${l}`).join('\n')}
  ksm_scan()
thread pinner:
  p = start pin_user_pages(mem, 4096, 0, fast=1) until after ptep_get_lockless
${schedule}
thread main:
  mprotect(mem, 8192, PROT_READ|PROT_WRITE)
  mem[0] = 0xff
  expect pin_read(pin, 0, 1) == [0xff]
`;
}

test('GUP-fast pins first (B3 before A2): the check after (A1) sees the pin and KSM backs off; GUP-fast keeps its pin (5.19+)', () => {
  const src = race(`  resume(p, "try_grab_folio")
thread main:
  s = start ksm_scan() until after try_to_merge_one_page
  resume(s, "ptep_clear_flush")
  resume(s, "page_try_share_anon_rmap")
thread pinner:
  pin = wait(p)
thread main:
  expect wait(s) == 0
`);
  for (const v of MAINLINE.filter((x) => compareVersions(x, '5.19') >= 0)) {
    const { last, log } = run(src, v);
    // write_protect_page()'s refcount check runs before page_try_share_anon_rmap() and already sees the pin.
    assert.ok(log.some((l) => /^write_protect_page: pfn 3 page_count 10\d\d != mapcount \+ 1 \+ swapcache = 3: restore the PTE, -EFAULT$/.test(l)), v);
    assert.ok(!log.some((l) => l.startsWith('page_try_share_anon_rmap: pfn 3')), v);
    assert.ok(!log.some((l) => l.startsWith('gup_fast: gup_must_unshare')), v);
    assert.ok(log.some((l) => l.startsWith('break_cow: 0x7f0000001000')), v);
    const f = folio3(last, BASE);
    assert.deepEqual([f.pfn, f.ksm, f.anonExclusive], [3, false, true], v);
    assert.deepEqual(ksmFolios(last).filter((g) => g.mapcount > 0), [], v);
  }
});

test('KSM clears PageAnonExclusive first (A3 before B3): the PTE is restored unchanged, (B5) backs off and the slow path unshares (5.19+)', () => {
  const src = race(`thread main:
  s = start ksm_scan() until after try_to_merge_one_page
  resume(s, "ptep_clear_flush")
  resume(s, "page_try_share_anon_rmap")
thread pinner:
  resume(p, "try_grab_folio")
thread main:
  resume(s, "set_pte_at")
thread pinner:
  pin = wait(p)
thread main:
  expect wait(s) == 0
`);
  for (const v of MAINLINE.filter((x) => compareVersions(x, '5.19') >= 0)) {
    const { last, log } = run(src, v);
    assert.ok(log.includes('page_try_share_anon_rmap: pfn 3 ClearPageAnonExclusive'), v);
    assert.ok(log.includes('gup_fast: gup_must_unshare: 0 of 1 page(s) without the slow path'), `(B5) backs off on ${v}`);
    assert.ok(log.some((l) => /^wp_page_copy: pfn 3 replaced by a copy, pfn \d+ \(unshare: R\/O\)$/.test(l)), v);
    assert.ok(log.includes('replace_page: 0x7f0000000000: pfn 3 changed (content or PTE): -EFAULT'), v);
    const f = folio3(last, BASE);
    assert.deepEqual([f.ksm, f.anonExclusive, f.mapcount], [false, true, 1], v);
    assert.notEqual(f.pfn, 3);
  }
});

test('GUP-fast reads the PTE after (A1): it finds none and the slow path waits for the page table lock', () => {
  const src = `thread main:
${roClean.split('\n').map((l) => `  ${l}`).join('\n')}
  ksm_scan()
  s = start ksm_scan() until after try_to_merge_one_page
  resume(s, "ptep_clear_flush")
thread pinner:
  p = start pin_user_pages(mem, 4096, 0, fast=1)
thread main:
  wait(s)
thread pinner:
  pin = wait(p)
thread main:
  expect pin_read(pin, 0, 1) == [0x5a]
`;
  const { last, log } = run(src, '6.18');
  assert.ok(log.includes('gup_fast: PTE not present: 0 of 1 page(s) without the slow path'));
  assert.ok(log.includes('pte_offset_map_lock: waits: the page table lock is held by ksm_scan()'));
  // KSM merged the page; the slow path then unshared the KSM page for its R/O pin.
  assert.ok(log.includes('replace_page: 0x7f0000000000: pfn 3 replaced by KSM pfn 4'));
  const f = folio3(last, BASE);
  assert.deepEqual([f.ksm, f.anonExclusive], [false, true]);
  assert.equal(folio3(last, BASE + 4096).ksm, true);
});

test('invariants: a KSM page is never PageAnonExclusive and never mapped writable', () => {
  const { last } = run(`${threePages}ksm_scan()\nksm_scan()\n`, '6.18');
  assert.deepEqual(ksm_invariants(last), []);
  const k = ksmFolios(last)[0]!;
  const bad = structuredClone(last);
  bad.folios[k.pfn]!.anonExclusive = true;
  (bad.mms[1]!.ptes[String(BASE / 4096)] as PresentPte).write = true;
  assert.deepEqual(ksm_invariants(bad).map((v) => v.invariant).sort(), ['ksm-exclusive', 'writable-ksm']);
});

/**
 * Every interleaving (up to a depth) of a R/O GUP-fast pin with KSM's
 * write_protect_page() and replace_page() on the page it pins, as single
 * steps on the machine: from 5.19 no pin ever sits on a page that is not
 * PageAnonExclusive or no longer mapped; before, some schedule pins a page
 * KSM shares or replaces.
 */
function interleavings(kernel: string, prefix = roClean): { bad: number; runs: number; changed: number; unshare: number } {
  let setup: KernelState | null = null;
  runScenario(parseScenario(`thread main:
${prefix.split('\n').map((l) => `  ${l}`).join('\n')}
  ksm_scan()
  s = start ksm_scan() until after try_to_merge_one_page
thread pinner:
  p = start pin_user_pages(mem, 4096, 0, fast=1) until after raw_read_seqcount
`, 'i.cow'), { kernel, arch: 'x86_64', onStep: (e) => { setup = structuredClone(e.after); } });
  let bad = 0;
  let runs = 0;
  let changed = 0;
  let unshare = 0;
  const depth = 9;
  for (let bits = 0; bits < 2 ** depth; bits++) {
    const m = new Machine({ kernel, arch: 'x86_64' });
    m.s = structuredClone(setup!);
    m.listener = (e) => {
      if (e.log.some((l) => l.startsWith('gup_fast: PTE changed under us'))) changed++;
      if (e.log.some((l) => l.startsWith('gup_fast: gup_must_unshare'))) unshare++;
    };
    const ids = Object.values(m.s.ops).map((o) => o.id);
    const gupId = ids.find((id) => m.s.ops[id]!.kind === 'gup_user')!;
    const ksmId = ids.find((id) => m.s.ops[id]!.kind === 'ksm_scan')!;
    const tid = Number(Object.keys(m.s.tasks)[0]);
    const stepOp = (id: number): StepResult => m.step(tid, (r: StepResult) => r.label, (k) => {
      const r = op_step(k, k.s.ops[id]!);
      if (r.done) delete k.s.ops[id];
      return r;
    });
    for (let i = 0; m.s.ops[gupId] || m.s.ops[ksmId]; i++) {
      const wantGup = i < depth ? ((bits >> i) & 1) === 1 : true;
      const id = (wantGup && m.s.ops[gupId]) || !m.s.ops[ksmId] ? gupId : ksmId;
      const r = stepOp(id);
      // The slow path waits for the page table lock KSM holds: KSM goes on.
      if (r.blocked) stepOp(ksmId);
    }
    runs++;
    const pin = Object.values(m.s.pins)[0]!;
    const pfn = pin.refs[0]!.pfn;
    const mapped = m.s.mms[1]!.ptes[String(BASE / 4096)];
    const f = m.s.folios[pfn]!;
    const ok = mapped?.kind === 'present' && mapped.pfn === pfn && !f.ksm;
    if (!ok) bad++;
    if (compareVersions(kernel, '5.19') >= 0) {
      assert.deepEqual(m.s.findings, [], `${kernel} schedule ${bits.toString(2)}`);
      assert.ok(ok && f.anonExclusive, `${kernel} schedule ${bits.toString(2)}: the pin is on the exclusive page mapped at mem`);
    } else {
      assert.deepEqual(m.s.findings.filter((x) => x.invariant !== 'pinned-page-replaced'), [], `${kernel} schedule ${bits.toString(2)}`);
    }
  }
  return { bad, runs, changed, unshare };
}

test('every interleaving of GUP-fast (B0-B5) with write_protect_page() (A1-A4) and replace_page(): reliable from 5.19', () => {
  for (const v of ['5.19', '6.0', '6.1', '6.18']) {
    const r = interleavings(v);
    // When (A4) restores the very PTE (B4) sees nothing: some schedules are caught by (B5) alone.
    assert.deepEqual([r.bad, r.unshare > 0], [0, true], v);
  }
  // A dirty R/O PTE: (A4) restores a different (clean) PTE, so (B4) can catch the change too.
  const roDirty = roClean.replace('madvise(mem, 8192, MADV_PAGEOUT)\nx = mem[0]\ny = mem[4096]\n', '');
  assert.notEqual(roDirty, roClean);
  for (const v of ['5.19', '6.18']) {
    const r = interleavings(v, roDirty);
    assert.deepEqual([r.bad, r.changed > 0], [0, true], `${v}, dirty PTE`);
  }
  for (const v of ['5.4', '5.10', '5.18']) {
    const { bad, runs } = interleavings(v);
    assert.ok(bad > 0 && runs === 512, `${v}: some schedule leaves the pin on a KSM page or off the mapping (${bad}/${runs})`);
  }
});

test("ksm_scan() waits for mmap_lock while fork() holds it; the child's pages join the KSM page through the stable tree (a pass later from 6.11)", () => {
  const src = `thread main:
  mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0..8192] = 0x5a
  madvise(mem, 8192, MADV_MERGEABLE)
  ksm_scan()
  f = start fork() until after copy_present_pte
thread k:
  s = start ksm_scan()
thread main:
  c = wait(f)
thread k:
  expect wait(s) == @N@
thread f:
  expect mem[0..2] == [0x5a, 0x5a]
  exit(0)
thread main:
  expect wait(c) == 0
`;
  for (const [v, merged] of [['5.10', 2], ['6.10', 2], ['6.11', 1], ['6.18', 1]] as const) {
    const { last, log } = run(src.replace('@N@', String(merged)), v);
    assert.ok(log.includes('mmap_read_lock: waits: mmap_lock is held for writing (fork)'), v);
    // The parent's first page, then (before 6.11) the child's, which has no checksum yet but matches the stable tree.
    assert.equal(log.filter((l) => /^replace_page: 0x7f0000000000: pfn \d+ replaced by KSM pfn \d+$/.test(l)).length, merged, v);
    assert.equal(ksmFolios(last)[0]!.mapcount, 2, `after the child exited, on ${v}`);
  }
});

test('MADV_UNMERGEABLE on uffd-wp protected KSM pages: until 6.1 the write fault gets VM_FAULT_SIGBUS and the pages stay merged; 6cce3314b928 (6.2) unshares them', () => {
  const src = `mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
madvise(mem, 8192, MADV_MERGEABLE)
ksm_scan()
expect ksm_scan() == 1
uffd = userfaultfd()
expect uffdio_api(uffd, 0) == 0
expect uffdio_register(uffd, mem, 8192, UFFDIO_REGISTER_MODE_WP) == 0
expect uffdio_writeprotect(uffd, mem, 8192, UFFDIO_WRITEPROTECT_MODE_WP) == 0
expect madvise(mem, 8192, MADV_UNMERGEABLE) == 0
expect pm_uffd_wp(mem) == 1
expect pm_uffd_wp(mem + 4096) == 1
`;
  for (const v of ['5.19', '6.1', '6.2', '6.18']) {
    const { last, log } = run(src, v);
    const stays = compareVersions(v, '6.2') < 0;
    assert.equal(log.filter((l) => l === 'handle_userfault: FAULT_FLAG_ALLOW_RETRY missing: VM_FAULT_SIGBUS, the KSM page stays').length, stays ? 2 : 0, v);
    assert.equal(ksmFolios(last).length, stays ? 1 : 0, v);
    for (const a of [BASE, BASE + 4096]) {
      assert.equal(folio3(last, a).ksm, stays, v);
      assert.deepEqual([pte(last, a).write, pte(last, a).uffdWp], [false, true], v);
    }
  }
});

test('fork() waits for mmap_lock while ksmd has a PTE of the parent cleared (write_protect_page, (A1)-(A4))', () => {
  const src = (forkAt: string) => `mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..8192] = 0x5a
madvise(mem, 8192, MADV_MERGEABLE)
ksm_scan()
s = start ksm_scan() until after ${forkAt}
f = start fork() until after dup_mm
`;
  // Between (A1) and (A4) the fork cannot take mmap_lock for writing: it is a deadlock unless ksmd goes on first.
  assert.throws(() => runScenario(parseScenario(src('ptep_clear_flush'), 't.cow'), { kernel: '6.18', arch: 'x86_64' }), /deadlock: the operation waits in mmap_write_lock/);
  const after = runScenario(parseScenario(`${src('set_pte_at')}wait(f)\nwait(s)\n`, 't.cow'), { kernel: '6.18', arch: 'x86_64' });
  assert.deepEqual(after.findings, []);
});

test('until 6cce3314b928 (6.2) break_ksm() holds its follow_page(FOLL_GET) reference across the fault: in 5.1-5.8 MADV_UNMERGEABLE copies even a KSM page mapped once', () => {
  const src = `${threePages}ksm_scan()\nksm_scan()\nmem[4096] = 0x02\nexpect madvise(mem, 4096, MADV_UNMERGEABLE) == 0\nexpect mem[0..2] == [0x5a, 0x5a]\n`;
  for (const v of ['5.4', '5.8', '6.1']) {
    const { log } = run(src, v);
    const k = Number(/^try_to_merge_one_page: pfn (\d+) is a KSM page now$/m.exec(log.join('\n'))![1]);
    assert.ok(!log.includes(`do_wp_page: KSM pfn ${k}: reuse`), v);
    assert.ok(log.some((l) => l.startsWith(`wp_page_copy: pfn ${k} replaced by a copy`)), v);
  }
});
