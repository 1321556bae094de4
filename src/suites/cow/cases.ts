// The test families of cow.c and the memory they run on, as the test program
// does them: v6.2's tools/testing/selftests/vm/cow.c and the newer
// tools/testing/selftests/mm/cow.c (mTHP sizes, XFAIL, the THP collapse family).
// Every verdict comes from bytes: the child's memcmp() exit status, what the
// pipe returns, what the pin reads, what the other mapping shows.
import { type PageData, memcmpRuns } from '../../model/bytes.js';
import {
  EINVAL, MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT, MAP_ANONYMOUS,
  MAP_HUGETLB, MAP_HUGE_SHIFT, MAP_PRIVATE, MAP_SHARED, MFD_HUGETLB, MFD_HUGE_SHIFT, MREMAP_FIXED, MREMAP_MAYMOVE,
  PROT_NONE, PROT_READ, PROT_WRITE,
} from '../../model/flags.js';
import { gupTestReadRuns } from '../../syscalls/table.js';
import { Killed, Proc } from './program.js';
import type { Ksft } from './ksft.js';
import type { CowOptions } from './config.js';
import { PAGE_SIZE } from './config.js';

export interface Ctx {
  ks: Ksft;
  o: CowOptions;
  /** gup_fd >= 0: /sys/kernel/debug/gup_test exists. */
  gup: boolean;
  pmdsize: number;
}

export type AnonTest = (c: Ctx, p: Proc, mem: number, size: number, hugetlb: boolean) => void;
export type NonAnonTest = (c: Ctx, p: Proc, mem: number, smem: number, size: number) => void;

const ps = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;

function failed(v: number): boolean {
  return v < 0;
}

/** The child's memcmp() result as exit() passes it on (the low byte). */
function exitStatusOf(cmp: number): number {
  return cmp & 0xff;
}

/** child_memcmp_fn(): back up, let the parent write, compare. */
function child_memcmp_fn(child: Proc, mem: number, size: number): () => number {
  const old = child.load(mem, size);
  return () => memcmpRuns(old, child.load(mem, size));
}

/** child_vmsplice_memcmp_fn(): vmsplice (R/O FOLL_GET), unmap, let the parent write, read the pipe back. */
function child_vmsplice_memcmp_fn(child: Proc, mem: number, size: number): () => number {
  const old = child.load(mem, size);
  const pipe = child.handle('pipe');
  const transferred = child.num('vmsplice', pipe, mem, size);
  if (transferred < 0) return () => transferred;
  if (transferred === 0) return () => -EINVAL;
  if (failed(child.num('munmap', mem, size))) return () => -1;
  return () => {
    const got = child.bytes('read', pipe, transferred);
    return memcmpRuns(oldPrefix(old, transferred), toRuns(got));
  };
}

function toRuns(b: Uint8Array): PageData {
  const out: number[] = [];
  for (let i = 0; i < b.length; ) {
    let j = i + 1;
    while (j < b.length && b[j] === b[i]) j++;
    out.push(b[i]!, j - i);
    i = j;
  }
  return out;
}

function oldPrefix(d: PageData, n: number): PageData {
  const out: number[] = [];
  let left = n;
  for (let i = 0; i < d.length && left > 0; i += 2) {
    const c = Math.min(left, d[i + 1]!);
    out.push(d[i]!, c);
    left -= c;
  }
  return out;
}

/** Runs a child's body; a child killed by a signal leaves no exit status. */
function inChild(child: Proc, body: () => number): void {
  try {
    child.exit(exitStatusOf(body()));
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  }
}

function do_test_cow_in_parent(c: Ctx, p: Proc, mem: number, size: number, mprotect: boolean, vmsplice: boolean, xfail: boolean): void {
  const child = p.fork();
  let rest: () => number;
  try {
    rest = vmsplice ? child_vmsplice_memcmp_fn(child, mem, size) : child_memcmp_fn(child, mem, size);
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
    rest = () => 0;
  }
  if (mprotect) {
    const r = p.num('mprotect', mem, size, PROT_READ) | p.num('mprotect', mem, size, RW);
    if (r) {
      c.ks.test_result_fail('mprotect() failed');
      inChild(child, rest);
      return;
    }
  }
  p.memset(mem, 0xff, size);
  if (child.m.process(child.pid).exitCode === null && child.m.process(child.pid).signal === null) inChild(child, rest);
  const st = p.waitStatus(child);
  const ret = st === null ? -EINVAL : st;
  if (c.o.suite === '6.2') c.ks.test_result(!ret, 'No leak from parent into child');
  else if (!ret) c.ks.test_result_pass('No leak from parent into child');
  else if (xfail) c.ks.test_result_xfail('Leak from parent into child');
  else c.ks.test_result_fail('Leak from parent into child');
}

function do_test_vmsplice_in_parent(c: Ctx, p: Proc, mem: number, size: number, beforeFork: boolean, xfail: boolean): void {
  const old = p.load(mem, size);
  const pipe = p.handle('pipe');
  let transferred = 0;
  if (beforeFork) {
    transferred = p.num('vmsplice', pipe, mem, size);
    if (transferred <= 0) return c.ks.test_result_fail('vmsplice() failed');
  }
  const child = p.fork();
  if (!beforeFork) {
    transferred = p.num('vmsplice', pipe, mem, size);
    if (transferred <= 0) {
      inChild(child, () => 0);
      return c.ks.test_result_fail('vmsplice() failed');
    }
  }
  if (failed(p.num('munmap', mem, size))) return c.ks.test_result_fail('munmap() failed');
  inChild(child, () => {
    child.memset(mem, 0xff, size);
    return 0;
  });
  if (p.waitStatus(child) === null) return c.ks.test_result_fail('wait() failed');
  const got = toRuns(p.bytes('read', pipe, transferred));
  const same = memcmpRuns(oldPrefix(old, transferred), got) === 0;
  if (c.o.suite === '6.2') c.ks.test_result(same, 'No leak from child into parent');
  else if (same) c.ks.test_result_pass('No leak from child into parent');
  else if (xfail) c.ks.test_result_xfail('Leak from child into parent');
  else c.ks.test_result_fail('Leak from child into parent');
}

function do_test_iouring(c: Ctx, p: Proc, mem: number, size: number, useFork: boolean): void {
  const fd = p.num('tmpfile');
  const ring = p.num('io_uring_setup');
  if (ring < 0) return c.ks.test_result_skip('io_uring_queue_init() failed');
  if (p.num('io_uring_register_buffers', ring, mem, size) < 0) return c.ks.test_result_skip('io_uring_register_buffers() failed');
  let child: Proc | null = null;
  if (useFork) child = p.fork();
  else {
    let r = p.num('mprotect', mem, size, PROT_READ);
    p.num('clear_refs', 4);
    r |= p.num('mprotect', mem, size, RW);
    if (r) return c.ks.test_result_fail('mprotect() failed');
  }
  p.memset(mem, 0xff, size);
  const res = p.num('io_uring_write_fixed', ring, fd, size, 0);
  if (res !== size) c.ks.test_result_fail('write_fixed failed');
  else {
    const file = p.m.s.files[Object.values(p.m.process(p.pid).fds).flatMap((e) => (e.kind === 'file' ? [e.ino] : [])).at(-1)!]!;
    const tmp = p.m.step(p.tid, 'shmem_file_read_iter', (k) => fileRuns(k, file.ino, size));
    c.ks.test_result(memcmpRuns(p.load(mem, size), tmp) === 0, 'Longterm R/W pin is reliable');
  }
  if (child) inChild(child, () => 0);
}

import { file_read_runs } from '../../mm/filemap.js';
import type { Kernel } from '../../mm/context.js';
function fileRuns(k: Kernel, ino: number, size: number): PageData {
  return file_read_runs(k, k.s.files[ino]!, 0, size);
}

type RoPin = 'plain' | 'shared' | 'previously_shared' | 'ro_exclusive';

function do_test_ro_pin(c: Ctx, p: Proc, mem: number, size: number, test: RoPin, fast: boolean): void {
  if (!c.gup) return c.ks.test_result_skip('gup_test not available');
  let child: Proc | null = null;
  if (test === 'shared' || test === 'previously_shared') {
    child = p.fork();
    if (test === 'previously_shared') {
      inChild(child, () => 0);
      child = null;
    }
  } else if (test === 'ro_exclusive') {
    let r = p.num('mprotect', mem, size, PROT_READ);
    p.num('clear_refs', 4);
    r |= p.num('mprotect', mem, size, RW);
    if (r) return c.ks.test_result_fail('mprotect() failed');
  }
  const ret = p.num('pin_longterm_test_start', mem, size, 0, fast ? 1 : 0);
  if (ret < 0) {
    if (ret === -EINVAL) c.ks.test_result_skip('PIN_LONGTERM_TEST_START failed');
    else c.ks.test_result_fail('PIN_LONGTERM_TEST_START failed');
  } else {
    p.memset(mem, 0xff, size);
    const tmp = gupTestReadRuns(p.m, p.tid, size);
    if (!tmp) c.ks.test_result_fail('PIN_LONGTERM_TEST_READ failed');
    else c.ks.test_result(memcmpRuns(p.load(mem, size), tmp) === 0, 'Longterm R/O pin is reliable');
    p.num('pin_longterm_test_stop');
  }
  if (child) inChild(child, () => 0);
}

export interface Family<T> {
  desc: string;
  fn: T;
  liburing?: boolean;
}

export const ANON_FAMILIES: Family<AnonTest>[] = [
  { desc: 'Basic COW after fork()', fn: (c, p, m, s) => do_test_cow_in_parent(c, p, m, s, false, false, false) },
  { desc: 'Basic COW after fork() with mprotect() optimization', fn: (c, p, m, s) => do_test_cow_in_parent(c, p, m, s, true, false, false) },
  { desc: 'vmsplice() + unmap in child', fn: (c, p, m, s, h) => do_test_cow_in_parent(c, p, m, s, false, true, h) },
  { desc: 'vmsplice() + unmap in child with mprotect() optimization', fn: (c, p, m, s, h) => do_test_cow_in_parent(c, p, m, s, true, true, h) },
  { desc: 'vmsplice() before fork(), unmap in parent after fork()', fn: (c, p, m, s, h) => do_test_vmsplice_in_parent(c, p, m, s, true, h) },
  { desc: 'vmsplice() + unmap in parent after fork()', fn: (c, p, m, s, h) => do_test_vmsplice_in_parent(c, p, m, s, false, h) },
  { desc: 'R/O-mapping a page registered as iouring fixed buffer', fn: (c, p, m, s) => do_test_iouring(c, p, m, s, false), liburing: true },
  { desc: 'fork() with an iouring fixed buffer', fn: (c, p, m, s) => do_test_iouring(c, p, m, s, true), liburing: true },
  { desc: 'R/O GUP pin on R/O-mapped shared page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'shared', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped shared page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'shared', true) },
  { desc: 'R/O GUP pin on R/O-mapped previously-shared page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'previously_shared', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped previously-shared page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'previously_shared', true) },
  { desc: 'R/O GUP pin on R/O-mapped exclusive page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'ro_exclusive', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped exclusive page', fn: (c, p, m, s) => do_test_ro_pin(c, p, m, s, 'ro_exclusive', true) },
];

function test_cow(c: Ctx, p: Proc, mem: number, smem: number, size: number): void {
  const old = p.load(smem, size);
  p.memset(mem, 0xff, size);
  c.ks.test_result(memcmpRuns(p.load(smem, size), old) === 0, 'Other mapping not modified');
}

export const NON_ANON_FAMILIES: Family<NonAnonTest>[] = [
  { desc: 'Basic COW', fn: test_cow },
  { desc: 'R/O longterm GUP pin', fn: (c, p, m, _s, size) => do_test_ro_pin(c, p, m, size, 'plain', false) },
  { desc: 'R/O longterm GUP-fast pin', fn: (c, p, m, _s, size) => do_test_ro_pin(c, p, m, size, 'plain', true) },
];

/** The newer cow.c's anon THP collapse family: MADV_COLLAPSE is not modelled, so these report as unmodelled. */
export const ANON_THP_FAMILIES: string[] = [
  'Basic COW after fork() when collapsing before fork()',
  'Basic COW after fork() when collapsing after fork() (fully shared)',
  'Basic COW after fork() when collapsing after fork() (lower shared)',
  'Basic COW after fork() when collapsing after fork() (upper shared)',
];

// ---- where the tests run ----

/** do_run_with_base_page(). */
export function run_with_base_page(c: Ctx, p: Proc, fn: AnonTest, swapout: boolean): void {
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mem)) return c.ks.test_result_fail('mmap() failed');
  const ret = p.num('madvise', mem, ps, MADV_NOHUGEPAGE);
  if (ret && ret !== -EINVAL) return c.ks.test_result_fail('MADV_NOHUGEPAGE failed');
  p.memset(mem, c.o.suite === '6.2' ? 0 : 1, ps);
  if (swapout) {
    p.num('madvise', mem, ps, MADV_PAGEOUT);
    if (!p.num('pm_swap', mem)) return c.ks.test_result_skip('MADV_PAGEOUT did not work, is swap enabled?');
  }
  fn(c, p, mem, ps, false);
}

export type ThpRun = 'pmd' | 'pmd_swapout' | 'pte' | 'pte_swapout' | 'single_pte' | 'single_pte_swapout' | 'partial_mremap' | 'partial_shared';

/** do_run_with_thp(). */
export function run_with_thp(c: Ctx, p: Proc, fn: AnonTest, run: ThpRun, thpsize: number): void {
  const mmapSize = 2 * thpsize;
  const mmapMem = p.num('mmap', mmapSize, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapMem)) return c.ks.test_result_fail('mmap() failed');
  const mem = (mmapMem + thpsize) - ((mmapMem + thpsize) % thpsize);
  if (p.num('madvise', mem, thpsize, MADV_HUGEPAGE)) return c.ks.test_result_fail('MADV_HUGEPAGE failed');
  p.memset(mem, c.o.suite === '6.2' ? 0 : 1, 1);
  const probe = c.o.suite === '6.2' ? mem + ps : mem + thpsize - ps;
  if (!p.num('pm_present', probe)) return c.ks.test_result_skip('Did not get a THP populated');
  p.memset(mem, c.o.suite === '6.2' ? 0 : 1, thpsize);
  let size = thpsize;
  switch (run) {
    case 'pte':
    case 'pte_swapout':
      if (p.num('mprotect', mem + ps, ps, PROT_READ)) return c.ks.test_result_fail('mprotect() failed');
      if (p.num('mprotect', mem + ps, ps, RW)) return c.ks.test_result_fail('mprotect() failed');
      break;
    case 'single_pte':
    case 'single_pte_swapout':
      if (p.num('madvise', mem + ps, thpsize - ps, MADV_DONTNEED)) return c.ks.test_result_fail('MADV_DONTNEED failed');
      size = ps;
      break;
    case 'partial_mremap': {
      const mremapSize = thpsize / 2;
      const mremapMem = p.num('mmap', mremapSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
      if (failed(mremapMem)) return c.ks.test_result_fail('mmap() failed');
      const tmp = p.num('mremap', mem + mremapSize, mremapSize, mremapSize, MREMAP_MAYMOVE | MREMAP_FIXED, mremapMem);
      if (tmp !== mremapMem) return c.ks.test_result_fail('mremap() failed');
      size = mremapSize;
      break;
    }
    case 'partial_shared': {
      if (p.num('madvise', mem + ps, thpsize - ps, MADV_DONTFORK)) return c.ks.test_result_fail('MADV_DONTFORK failed');
      const child = p.fork();
      inChild(child, () => 0);
      if (p.num('madvise', mem + ps, thpsize - ps, MADV_DOFORK)) return c.ks.test_result_fail('MADV_DOFORK failed');
      break;
    }
    default:
      break;
  }
  if (run === 'pmd_swapout' || run === 'pte_swapout' || run === 'single_pte_swapout') {
    p.num('madvise', mem, size, MADV_PAGEOUT);
    for (let a = mem; a < mem + size; a += ps) {
      if (!p.num('pm_swap', a)) return c.ks.test_result_skip('MADV_PAGEOUT did not work, is swap enabled?');
    }
  }
  fn(c, p, mem, size, false);
}

/** run_with_hugetlb(). */
export function run_with_hugetlb(c: Ctx, p: Proc, fn: AnonTest, hugetlbsize: number): void {
  const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (Math.log2(hugetlbsize) << MAP_HUGE_SHIFT);
  const mem = p.num('mmap', hugetlbsize, RW, flags);
  if (failed(mem)) return c.ks.test_result_skip('need more free huge pages');
  p.memset(mem, c.o.suite === '6.2' ? 0 : 1, hugetlbsize);
  const dummy = p.num('mmap', hugetlbsize, RW, flags);
  if (failed(dummy)) return c.ks.test_result_skip('need more free huge pages');
  p.num('munmap', dummy, hugetlbsize);
  fn(c, p, mem, hugetlbsize, true);
}

/** run_with_zeropage(). */
export function run_with_zeropage(c: Ctx, p: Proc, fn: NonAnonTest): void {
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mem)) return c.ks.test_result_fail('mmap() failed');
  const smem = p.num('mmap', ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(smem)) return c.ks.test_result_fail('mmap() failed');
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, ps);
}

/** run_with_huge_zeropage(). */
export function run_with_huge_zeropage(c: Ctx, p: Proc, fn: NonAnonTest): void {
  if (!c.o.hugeZeropage) return c.ks.test_result_skip('Huge zeropage not enabled');
  const size = c.pmdsize;
  const mmapMem = p.num('mmap', 2 * size, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapMem)) return c.ks.test_result_fail('mmap() failed');
  const mmapSmem = p.num('mmap', 2 * size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapSmem)) return c.ks.test_result_fail('mmap() failed');
  const mem = mmapMem + size - ((mmapMem + size) % size);
  const smem = mmapSmem + size - ((mmapSmem + size) % size);
  if (p.num('madvise', mem, size, MADV_HUGEPAGE) | p.num('madvise', smem, size, MADV_HUGEPAGE)) return c.ks.test_result_fail('MADV_HUGEPAGE failed');
  p.load(mem, 1);
  p.load(smem, 1);
  if (!p.num('pm_present', mem + ps) || !p.num('pm_present', smem + ps)) return c.ks.test_result_skip('Did not get THPs populated');
  fn(c, p, mem, smem, size);
}

/** run_with_memfd() / run_with_tmpfile(). */
export function run_with_file(c: Ctx, p: Proc, fn: NonAnonTest, kind: 'memfd' | 'tmpfile'): void {
  const fd = kind === 'memfd' ? p.num('memfd_create', new TextEncoder().encode('test'), 0) : p.num('tmpfile');
  if (failed(fd)) return c.ks.test_result_fail(`${kind === 'memfd' ? 'memfd_create' : 'tmpfile'}() failed`);
  if (p.num('fallocate', fd, 0, 0, ps)) return c.ks.test_result_fail('fallocate() failed');
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE, fd, 0);
  if (failed(mem)) return c.ks.test_result_fail('mmap() failed');
  const smem = p.num('mmap', ps, PROT_READ, MAP_SHARED, fd, 0);
  if (failed(smem)) return c.ks.test_result_fail('mmap() failed');
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, ps);
}

/** run_with_memfd_hugetlb(). */
export function run_with_memfd_hugetlb(c: Ctx, p: Proc, fn: NonAnonTest, hugetlbsize: number): void {
  const fd = p.num('memfd_create', new TextEncoder().encode('test'), MFD_HUGETLB | (Math.log2(hugetlbsize) << MFD_HUGE_SHIFT));
  if (failed(fd)) return c.ks.test_result_skip('memfd_create() failed');
  if (p.num('fallocate', fd, 0, 0, hugetlbsize)) return c.ks.test_result_skip('need more free huge pages');
  const mem = p.num('mmap', hugetlbsize, RW, MAP_PRIVATE, fd, 0);
  if (failed(mem)) return c.ks.test_result_skip('need more free huge pages');
  const smem = p.num('mmap', hugetlbsize, PROT_READ, MAP_SHARED, fd, 0);
  if (failed(smem)) return c.ks.test_result_fail('mmap() failed');
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, hugetlbsize);
}
