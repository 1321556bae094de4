// UFFDIO_ZEROPAGE, UFFDIO_POISON and UFFDIO_MOVE: each ioctl's errors and
// what it leaves in the page tables, per era.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failures, run } from './support.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { UFFD_FEATURE_MOVE, UFFD_FEATURE_POISON } from '../../src/model/uffd.js';
import type { KernelState } from '../../src/model/types.js';

function runError(text: string, kernel = 'latest'): string {
  try {
    run(text, kernel);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  assert.fail('the scenario ran without an error');
}

/** Every kernel function the scenario ran, in order. */
function log(text: string, kernel = 'latest'): string[] {
  const out: string[] = [];
  runScenario(parseScenario(text, 't.cow'), { kernel, arch: 'x86_64', onStep: (e) => out.push(...e.log) });
  return out;
}

const MISSING_ANON = `
thread main:
  mem = mmap(16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  other = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[4096] = 0x44
  uffd = userfaultfd()
  expect uffdio_api(uffd) == 0 else "api"
  expect uffdio_register(uffd, mem, 16384, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register"
`;

test('UFFDIO_API reports POISON from 6.6 and MOVE from 6.8', () => {
  const features = (v: string): number => {
    const r = run('thread main:\n  expect uffdio_features() == 0 else "features"\n', v);
    return Number(BigInt(r.expectations[0]!.actual));
  };
  assert.equal(features('6.5') & (UFFD_FEATURE_POISON | UFFD_FEATURE_MOVE), 0);
  assert.equal(features('6.6') & (UFFD_FEATURE_POISON | UFFD_FEATURE_MOVE), UFFD_FEATURE_POISON);
  assert.equal(features('6.7') & UFFD_FEATURE_MOVE, 0);
  assert.equal(features('6.8') & (UFFD_FEATURE_POISON | UFFD_FEATURE_MOVE), UFFD_FEATURE_POISON | UFFD_FEATURE_MOVE);
});

test('UFFDIO_ZEROPAGE: errors', () => {
  const r = run(`${MISSING_ANON}
  expect uffdio_zeropage(uffd, mem + 1, 4096) == -EINVAL else "unaligned start"
  expect uffdio_zeropage(uffd, mem, 100) == -EINVAL else "unaligned length"
  expect uffdio_zeropage(uffd, mem, 4096, 2) == -EINVAL else "unknown mode bit"
  expect uffdio_zeropage(uffd, other, 4096) == -ENOENT else "range not registered"
  expect uffdio_zeropage(uffd, mem, 20480) == -ENOENT else "range past the VMA"
  expect uffdio_zeropage(uffd, mem + 4096, 4096) == -EEXIST else "populated page"
  expect uffdio_zeropage(uffd, mem, 8192) == 4096 else "stops at the populated page, reporting what it did"
  expect mem[4096] == 0x44 else "the populated page was replaced"
`, '4.4');
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_ZEROPAGE maps the special zeropage read-only; the next write copies it', () => {
  const text = `${MISSING_ANON}
  expect uffdio_zeropage(uffd, mem, 4096) == 4096 else "zeropage"
  expect pm_present(mem) == 1 else "present"
  expect pm_exclusive(mem) == 0 else "a private page, not the zeropage"
  mem[0] = 9
  expect pm_exclusive(mem) == 1 else "the write did not give a page of its own"
  expect mem[0..2] == [9, 0] else "data"
`;
  assert.deepEqual(failures(run(text)), []);
  const l = log(text);
  assert.ok(l.includes('mfill_atomic_zeropage: 4096 byte(s) at 0x7f0000000000 mapped to the zeropage'), l.join('\n'));
  // The store after it is a write-protect fault on the zeropage, not a missing fault.
  assert.ok(l.some((x) => x.startsWith('wp_page_copy: zeropage replaced by a copy')), l.join('\n'));
  assert.ok(!l.some((x) => x.startsWith('handle_userfault')), l.join('\n'));
});

test('UFFDIO_ZEROPAGE: a uffd-wp marker is not none (-EEXIST), unlike for UFFDIO_COPY', () => {
  const r = run(`
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  expect uffdio_api(uffd, UFFD_FEATURE_WP_UNPOPULATED) == 0 else "api"
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP) == 0 else "register"
  expect uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "wp"
  expect pm_uffd_wp(mem) == 1 else "marker"
  expect uffdio_zeropage(uffd, mem, 4096) == -EEXIST else "ZEROPAGE over a marker"
  expect uffdio_copy(uffd, mem, fill(4096, 5), UFFDIO_COPY_MODE_WP) == 4096 else "COPY over a marker"
`, '6.4');
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_ZEROPAGE on shared shmem allocates a zeroed page-cache page (4.14+); hugetlb has no zeropage', () => {
  const r = run(`
thread main:
  fd = memfd_create()
  ftruncate(fd, 8192)
  write(fd, fill(1, 0x77), 4096)
  mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 8192, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register"
  expect uffdio_zeropage(uffd, mem, 4096) == 4096 else "zeropage"
  expect pm_file(mem) == 1 else "not a page-cache page"
  mem[0] = 3
  expect read(fd, 2, 0) == [3, 0] else "the store did not reach the page cache"
  nr_hugepages(2048, 1)
  h = mmap(2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
  expect uffdio_register(uffd, h, 2097152, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register hugetlb"
  expect uffdio_zeropage(uffd, h, 2097152) == -EINVAL else "hugetlb zeropage"
`);
  assert.deepEqual(failures(r), []);
  const old = run(`
thread main:
  fd = memfd_create()
  ftruncate(fd, 4096)
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register"
  expect uffdio_zeropage(uffd, mem, 4096) == -EINVAL else "shmem zeropage before 4.14"
`, '4.13');
  assert.deepEqual(failures(old), []);
});

test('UFFDIO_ZEROPAGE_MODE_DONTWAKE leaves the fault asleep until UFFDIO_WAKE', () => {
  const base = `${MISSING_ANON}
  r = start load(mem, 1)
thread monitor:
  m = uffd_read_msg(uffd)
  expect uffdio_zeropage(uffd, mem, 4096, UFFDIO_ZEROPAGE_MODE_DONTWAKE) == 4096 else "zeropage"
thread main:
`;
  assert.match(runError(`${base}  wait(r)\n`), /deadlock: operation \d+ sleeps in handle_userfault\(\) on the missing fault/);
  assert.deepEqual(failures(run(`${base}  uffdio_wake(uffd, mem, 4096)\n  expect wait(r) == [0] else "load"\n`)), []);
});

test('UFFDIO_ZEROPAGE prepares the anon_vma, so fork() copies the zeropage PTE (a read fault does not)', () => {
  const text = (how: string) => `
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd)
  ${how}
  expect pm_present(mem) == 1 else "nothing mapped"
  child = fork()
thread child:
  expect pm_present(mem) == 1 else "the child has no PTE"
`;
  assert.deepEqual(failures(run(text('uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING)\n  uffdio_zeropage(uffd, mem, 4096)'))), []);
  assert.deepEqual(failures(run(text('x = mem[0]'))), ['the child has no PTE: 0x0']);
});

test('UFFDIO_POISON: unknown before 6.6; errors', () => {
  const r5 = run(`${MISSING_ANON}
  expect uffdio_poison(uffd, mem, 4096) == -EINVAL else "POISON before 6.6"
  expect pm_swap(mem) == 0 else "a marker was installed"
`, '6.5');
  assert.deepEqual(failures(r5), []);
  const r = run(`${MISSING_ANON}
  expect uffdio_poison(uffd, mem, 4096, 2) == -EINVAL else "unknown mode"
  expect uffdio_poison(uffd, other, 4096) == -ENOENT else "not registered"
  expect uffdio_poison(uffd, mem + 4096, 4096) == -EEXIST else "populated"
  expect uffdio_poison(uffd, mem + 8192, 8192) == 8192 else "two pages"
  expect uffdio_poison(uffd, mem + 8192, 4096) == -EEXIST else "a poison marker is not none"
  expect pm_swap(mem + 8192) + pm_swap(mem + 12288) == 2 else "pagemap: PM_SWAP"
  expect pm_uffd_wp(mem + 8192) == 0 else "pagemap: a poison marker is not uffd-wp"
`, '6.6');
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_POISON: an access is SIGBUS; in the first process an error at the statement', () => {
  const msg = runError(`${MISSING_ANON}
  uffdio_poison(uffd, mem, 4096)
  x = mem[0]
`);
  assert.match(msg, /^t\.cow:\d+:\d+: SIGBUS at 0x7f0000000000: hwpoison \(a poisoned page\) \(the process would be killed by SIGBUS\)$/);
});

test('UFFDIO_POISON: a forked child that touches the page dies of SIGBUS and runs nothing after it', () => {
  const r = run(`${MISSING_ANON}
  uffdio_poison(uffd, mem, 4096)
  child = fork()
thread child:
  mem[0] = 1
  mem[4096] = 0x55
thread main:
  expect wait(child) == 135 else "not killed by SIGBUS"
  expect mem[4096] == 0x44 else "the child ran on after SIGBUS"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('UFFDIO_POISON: GUP gets -EHWPOISON; UFFDIO_WRITEPROTECT leaves the marker alone', () => {
  const r = run(`
thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP) == 0 else "register"
  expect uffdio_poison(uffd, mem, 4096) == 4096 else "poison"
  expect uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "wp"
  expect uffdio_writeprotect(uffd, mem, 4096, 0) == 0 else "un-protect"
  expect pm_swap(mem) == 1 else "un-protecting dropped the poison marker"
  expect pin_user_pages(mem, 4096) == -EHWPOISON else "GUP on a poisoned page"
`);
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_POISON: fork() copies the marker into a child without uffd-wp; munmap drops it', () => {
  const r = run(`${MISSING_ANON}
  uffdio_poison(uffd, mem, 4096)
  child = fork()
thread child:
  expect pm_swap(mem) == 1 else "the child lost the poison marker"
  expect munmap(mem, 16384) == 0 else "munmap"
  exit(0)
thread main:
  expect wait(child) == 0 else "the child died"
  expect pm_swap(mem) == 1 else "the parent lost its marker"
`);
  assert.deepEqual(failures(r), []);
});

const MOVE = `
thread main:
  src = mmap(16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  dst = mmap(16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  src[0..4096] = 0x11
  src[4096..8192] = 0x22
  uffd = userfaultfd()
  expect uffdio_api(uffd) == 0 else "api"
  expect uffdio_register(uffd, dst, 16384, UFFDIO_REGISTER_MODE_MISSING) == 0 else "register"
`;

test('UFFDIO_MOVE: unknown before 6.8; argument and VMA errors', () => {
  assert.deepEqual(failures(run(`${MOVE}
  expect uffdio_move(uffd, dst, src, 4096) == -EINVAL else "MOVE before 6.8"
  expect pm_present(src) == 1 else "moved anyway"
`, '6.7')), []);
  const r = run(`${MOVE}
  fd = memfd_create()
  ftruncate(fd, 4096)
  shm = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  ro = mmap(4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)
  expect uffdio_move(uffd, dst + 1, src, 4096) == -EINVAL else "unaligned dst"
  expect uffdio_move(uffd, dst, src, 4096, 4) == -EINVAL else "unknown mode"
  expect uffdio_move(uffd, dst, src, 20480) == -EINVAL else "range past the source VMA"
  expect uffdio_move(uffd, src + 8192, src, 4096) == -EINVAL else "dst VMA not registered"
  expect uffdio_move(uffd, dst, shm, 4096) == -EINVAL else "shared source"
  expect uffdio_move(uffd, dst, ro, 4096) == -EINVAL else "different protection"
  expect uffdio_move(uffd, dst, src + 8192, 4096) == -ENOENT else "hole in the source"
  expect uffdio_move(uffd, dst, src + 8192, 8192, UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES) == 8192 else "holes allowed"
  expect pm_present(dst) == 0 else "a hole moved as a page"
`, '6.8');
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_MOVE: a populated destination is -EEXIST; a partial move reports the bytes moved', () => {
  const r = run(`${MOVE}
  expect uffdio_copy(uffd, dst + 4096, fill(4096, 0x99)) == 4096 else "copy"
  expect uffdio_move(uffd, dst, src, 8192) == 4096 else "stops before the populated page"
  expect pm_present(src) + pm_present(src + 4096) == 1 else "only the first page moved"
  expect dst[0..2] == [0x11, 0x11] else "moved data"
  expect dst[4096] == 0x99 else "the populated page was replaced"
  expect uffdio_move(uffd, dst + 4096, src + 4096, 4096) == -EEXIST else "populated destination"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('UFFDIO_MOVE keeps the page: same pfn, still exclusive, mapped writable at dst', () => {
  const l = log(`${MOVE}
  uffdio_move(uffd, dst, src, 4096)
  dst[1] = 0x12
  expect pm_exclusive(dst) == 1 else "exclusive"
`);
  const moved = l.find((x) => x.startsWith('move_present_pte'));
  assert.match(moved ?? '', /^move_present_pte: pfn \d+ moved 0x7f0000000000 -> 0x[0-9a-f]+, folio_move_anon_rmap\(\)$/);
  // mremap() behaviour: the moved PTE is dirty and writable, so the store takes no fault.
  const after = l.slice(l.indexOf(moved!));
  assert.ok(!after.some((x) => x.startsWith('handle_mm_fault')), after.join('\n'));
});

test('UFFDIO_MOVE: the folio itself moves, with PG_anon_exclusive, mapcount and refcount unchanged', () => {
  const seen: { before: KernelState | null; after: KernelState | null } = { before: null, after: null };
  runScenario(parseScenario(`${MOVE}
  uffdio_move(uffd, dst, src, 4096)
`, 't.cow'), {
    kernel: 'latest',
    arch: 'x86_64',
    onStep: (e) => {
      if (e.label === 'move_pages') Object.assign(seen, { before: e.before, after: e.after });
    },
  });
  const [b, a] = [seen.before, seen.after];
  assert.ok(b && a);
  const ps = a.config.pageSize;
  const mm = (s: KernelState) => Object.values(s.mms)[0]!;
  const [srcVma, dstVma] = mm(b).vmas;
  const old = mm(b).ptes[srcVma!.start / ps];
  assert.equal(old?.kind, 'present');
  const pfn = (old as { pfn: number }).pfn;
  assert.equal(mm(a).ptes[srcVma!.start / ps], undefined);
  assert.deepEqual(mm(a).ptes[dstVma!.start / ps], { kind: 'present', pfn, write: true, dirty: true, young: true, softDirty: true, uffdWp: false, special: false });
  const f0 = b.folios[pfn]!;
  const f1 = a.folios[pfn]!;
  assert.deepEqual([f1.anonExclusive, f1.mapcount, f1.refcount, f1.data], [true, f0.mapcount, f0.refcount, f0.data]);
});

test('UFFDIO_MOVE moves a swap entry that remembers exclusivity, and the zeropage', () => {
  const r = run(`${MOVE}
  expect madvise(src, 4096, MADV_PAGEOUT) == 0 else "pageout"
  expect pm_swap(src) == 1 else "not swapped out"
  expect uffdio_move(uffd, dst, src, 4096) == 4096 else "swap entry"
  expect pm_swap(dst) + pm_swap(src) == 1 else "the swap entry did not move"
  expect pm_swap(dst) == 1 else "the swap entry is not at dst"
  expect dst[0..2] == [0x11, 0x11] else "swap-in at dst"
  x = src[8192]
  expect uffdio_move(uffd, dst + 8192, src + 8192, 4096) == 4096 else "zeropage"
  expect pm_present(dst + 8192) - pm_exclusive(dst + 8192) == 1 else "the zeropage is not at dst"
  expect pm_present(src + 8192) == 0 else "the zeropage is still at src"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('UFFDIO_MOVE: -EBUSY for a swap entry shared with a child and for a pinned page', () => {
  const r = run(`${MOVE}
  expect madvise(src, 4096, MADV_PAGEOUT) == 0 else "pageout"
  child = fork()
thread child:
  exit(0)
thread main:
  wait(child)
  expect uffdio_move(uffd, dst, src, 4096) == -EBUSY else "fork cleared the swap PTE's exclusive bit"
  p = pin_user_pages(src + 4096, 4096, FOLL_WRITE)
  expect uffdio_move(uffd, dst + 4096, src + 4096, 4096) == -EBUSY else "a pinned page moved"
  unpin(p)
  expect uffdio_move(uffd, dst + 4096, src + 4096, 4096) == 4096 else "the unpinned page did not move"
`);
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_MOVE: no cross-mm moves, a child holding the parent\'s userfaultfd gets -EINVAL', () => {
  const r = run(`${MOVE}
  child = fork()
thread child:
  expect uffdio_move(uffd, dst, src, 4096) == -EINVAL else "moved in another mm"
  exit(0)
thread main:
  wait(child)
  expect pm_present(src) == 1 else "the parent's page moved"
`);
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_MOVE splits a PMD-mapped THP and moves one page of it', () => {
  const r = run(`
thread main:
  thp_enabled(2048, 1)
  a = mmap(2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  madvise(a, 2097152, MADV_HUGEPAGE)
  dst = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  a[0..4096] = 0x61
  expect pm_present(a + 8192) == 1 else "no THP"
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, dst, 4096, UFFDIO_REGISTER_MODE_MISSING)
  expect uffdio_move(uffd, dst, a, 4096) == 4096 else "move from a THP"
  expect dst[0] == 0x61 else "data"
  expect pm_present(a) == 0 else "still at src"
  expect pm_present(a + 4096) == 1 else "the rest of the THP went away"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});
