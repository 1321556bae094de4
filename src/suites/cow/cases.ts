// The test families of cow.c and the memory they run on, as the test program
// does them: v6.2's tools/testing/selftests/vm/cow.c, and the newest
// tools/testing/selftests/mm/cow.c (mTHP sizes, XFAIL, the THP collapse
// family, log_test_start()/log_test_result() naming every result line after
// its test). Every verdict comes from bytes: the child's memcmp() exit
// status, what the pipe returns, what the pin reads, what the other mapping
// shows.
import { type PageData, memcmpRuns } from '../../model/bytes.js';
import {
  EINVAL, MADV_COLLAPSE, MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT,
  MAP_ANONYMOUS, MAP_HUGETLB, MAP_HUGE_SHIFT, MAP_PRIVATE, MAP_SHARED, MFD_HUGETLB, MFD_HUGE_SHIFT, MREMAP_FIXED,
  MREMAP_MAYMOVE, PROT_NONE, PROT_READ, PROT_WRITE,
} from '../../model/flags.js';
import { gupTestReadRuns } from '../../syscalls/table.js';
import { file_read_runs } from '../../mm/filemap.js';
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

// ---- reporting, per revision ----
// v6.2 puts the message into the result line; the newest cow.c prints it as a
// "# ..." line first (ksft_print_msg / ksft_perror) and names the result after the test.

function latest(c: Ctx): boolean {
  return c.o.suite === 'latest';
}

/** A verdict from the data: the v6.2 message, and what the newest cow.c prints before a non-pass result. */
function judge(c: Ctx, ok: boolean, msg62: string, note: string, xfail = false): void {
  if (!latest(c)) return c.ks.test_result(ok, msg62);
  if (ok) return c.ks.log_test_result('pass');
  c.ks.print_msg(note);
  c.ks.log_test_result(xfail ? 'xfail' : 'fail');
}

/** A setup step failed: ksft_test_result_fail(msg) in v6.2; ksft_perror(msg) (or a message) and FAIL in the newest. */
function fail(c: Ctx, msg: string, errno?: number): void {
  if (!latest(c)) return c.ks.test_result_fail(msg);
  if (errno !== undefined) c.ks.perror(msg, errno);
  else c.ks.print_msg(msg);
  c.ks.log_test_result('fail');
}

/** The configuration cannot run the test. */
function skip(c: Ctx, msg: string, errno?: number): void {
  if (!latest(c)) return c.ks.test_result_skip(msg);
  if (errno !== undefined) c.ks.perror(msg, errno);
  else c.ks.print_msg(msg);
  c.ks.log_test_result('skip');
}

function failed(v: number): boolean {
  return v < 0;
}

// ---- the child processes ----

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
  const un = child.num('munmap', mem, size);
  if (failed(un)) return () => un;
  return () => memcmpRuns(prefix(old, transferred), toRuns(child.bytes('read', pipe, transferred)));
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

function prefix(d: PageData, n: number): PageData {
  const out: number[] = [];
  let left = n;
  for (let i = 0; i < d.length && left > 0; i += 2) {
    const take = Math.min(left, d[i + 1]!);
    out.push(d[i]!, take);
    left -= take;
  }
  return out;
}

/** exit(fn(...)) in a child; one killed by a signal leaves no exit status. */
function inChild(child: Proc, body: () => number): void {
  try {
    child.exit(body() & 0xff);
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  }
}

function alive(p: Proc): boolean {
  const pr = p.m.process(p.pid);
  return pr.exitCode === null && pr.signal === null;
}

// ---- the anonymous test families ----

function do_test_cow_in_parent(c: Ctx, p: Proc, mem: number, size: number, mprotect: boolean, vmsplice: boolean, xfail: boolean): void {
  const child = p.fork();
  let rest: () => number = () => 0;
  try {
    rest = vmsplice ? child_vmsplice_memcmp_fn(child, mem, size) : child_memcmp_fn(child, mem, size);
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  }
  if (mprotect) {
    let r = p.num('mprotect', mem, size, PROT_READ);
    if (!r) r = p.num('mprotect', mem, size, RW);
    if (r) {
      fail(c, 'mprotect() failed', -r);
      if (alive(child)) inChild(child, rest);
      return;
    }
  }
  p.memset(mem, 0xff, size);
  if (alive(child)) inChild(child, rest);
  const st = p.waitStatus(child);
  const ret = st === null ? -EINVAL : st;
  judge(c, !ret, 'No leak from parent into child', 'Leak from parent into child', xfail);
}

function do_test_vmsplice_in_parent(c: Ctx, p: Proc, mem: number, size: number, beforeFork: boolean, xfail: boolean): void {
  const old = p.load(mem, size);
  const pipe = p.handle('pipe');
  let transferred = 0;
  if (beforeFork) {
    transferred = p.num('vmsplice', pipe, mem, size);
    if (transferred <= 0) return fail(c, 'vmsplice() failed', -transferred);
  }
  const child = p.fork();
  if (!beforeFork) {
    transferred = p.num('vmsplice', pipe, mem, size);
    if (transferred <= 0) {
      inChild(child, () => 0);
      return fail(c, 'vmsplice() failed', -transferred);
    }
  }
  const un = p.num('munmap', mem, size);
  if (failed(un)) return fail(c, 'munmap() failed', -un);
  inChild(child, () => {
    child.memset(mem, 0xff, size);
    return 0;
  });
  if (p.waitStatus(child) === null) return fail(c, 'wait() failed', EINVAL);
  const same = memcmpRuns(prefix(old, transferred), toRuns(p.bytes('read', pipe, transferred))) === 0;
  judge(c, same, 'No leak from child into parent', 'Leak from child into parent', xfail);
}

function do_test_iouring(c: Ctx, p: Proc, mem: number, size: number, useFork: boolean): void {
  const fd = p.num('tmpfile');
  const ring = p.num('io_uring_setup');
  if (ring < 0) return skip(c, 'io_uring_queue_init() failed');
  if (p.num('io_uring_register_buffers', ring, mem, size) < 0) return skip(c, 'io_uring_register_buffers() failed');
  let child: Proc | null = null;
  if (useFork) child = p.fork();
  else {
    let r = p.num('mprotect', mem, size, PROT_READ);
    p.num('clear_refs', 4);
    r |= p.num('mprotect', mem, size, RW);
    if (r) return fail(c, 'mprotect() failed', -r);
  }
  p.memset(mem, 0xff, size);
  const res = p.num('io_uring_write_fixed', ring, fd, size, 0);
  if (res !== size) fail(c, 'write_fixed failed');
  else {
    const ino = (p.m.process(p.pid).fds[fd] as { ino: number }).ino;
    const tmp = p.m.step(p.tid, 'shmem_file_read_iter', (k) => file_read_runs(k, k.s.files[ino]!, 0, size));
    // The newest cow.c prints this message with its typo.
    judge(c, memcmpRuns(p.load(mem, size), tmp) === 0, 'Longterm R/W pin is reliable', 'Longtom R/W pin is not reliable');
  }
  if (child) inChild(child, () => 0);
}

type RoPin = 'plain' | 'shared' | 'previously_shared' | 'ro_exclusive';

function do_test_ro_pin(c: Ctx, p: Proc, mem: number, size: number, test: RoPin, fast: boolean): void {
  if (!c.gup) return skip(c, 'gup_test not available');
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
    if (r) return fail(c, 'mprotect() failed', -r);
  }
  const ret = p.num('pin_longterm_test_start', mem, size, 0, fast ? 1 : 0);
  if (ret < 0) {
    if (ret === -EINVAL) skip(c, 'PIN_LONGTERM_TEST_START failed', -ret);
    else fail(c, 'PIN_LONGTERM_TEST_START failed', -ret);
  } else {
    p.memset(mem, 0xff, size);
    const tmp = gupTestReadRuns(p.m, p.tid, size);
    if (!tmp) fail(c, 'PIN_LONGTERM_TEST_READ failed', EINVAL);
    else judge(c, memcmpRuns(p.load(mem, size), tmp) === 0, 'Longterm R/O pin is reliable', 'Longterm R/O pin is not reliable');
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

// ---- the anonymous THP family (newest cow.c only) ----

type Collapse = 'unshared' | 'fully_shared' | 'lower_shared' | 'upper_shared';

/** do_test_anon_thp_collapse(). */
function do_test_anon_thp_collapse(c: Ctx, p: Proc, mem: number, size: number, test: Collapse): void {
  // PTE-map the THP by mapping one page R/O for a moment, so that it can be collapsed again.
  let r = p.num('mprotect', mem + ps, ps, PROT_READ);
  if (r) return fail(c, 'mprotect() failed', -r);
  r = p.num('mprotect', mem + ps, ps, RW);
  if (r) return fail(c, 'mprotect() failed', -r);
  if (test === 'unshared') {
    r = p.num('madvise', mem, size, MADV_COLLAPSE);
    if (r) return skip(c, 'MADV_COLLAPSE failed', -r);
  } else if (test === 'lower_shared' || test === 'upper_shared') {
    r = p.num('madvise', test === 'lower_shared' ? mem + size / 2 : mem, size / 2, MADV_DONTFORK);
    if (r) return fail(c, 'MADV_DONTFORK failed', -r);
  }
  const child = p.fork();
  let rest: () => number = () => 0;
  try {
    rest = test === 'lower_shared' ? child_memcmp_fn(child, mem, size / 2)
      : test === 'upper_shared' ? child_memcmp_fn(child, mem + size / 2, size / 2)
      : child_memcmp_fn(child, mem, size);
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  }
  if (test !== 'unshared') {
    if (test !== 'fully_shared') {
      r = p.num('madvise', mem, size, MADV_DOFORK);
      if (r) {
        fail(c, 'MADV_DOFORK failed', -r);
        return inChild(child, rest);
      }
    }
    r = p.num('madvise', mem, size, MADV_COLLAPSE);
    if (r) {
      skip(c, 'MADV_COLLAPSE failed', -r);
      return inChild(child, rest);
    }
  }
  p.memset(mem, 0xff, size);
  if (alive(child)) inChild(child, rest);
  const st = p.waitStatus(child);
  judge(c, !(st === null ? -EINVAL : st), 'No leak from parent into child', 'Leak from parent into child');
}

export const ANON_THP_FAMILIES: Family<AnonTest>[] = [
  { desc: 'Basic COW after fork() when collapsing before fork()', fn: (c, p, m, s) => do_test_anon_thp_collapse(c, p, m, s, 'unshared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (fully shared)', fn: (c, p, m, s) => do_test_anon_thp_collapse(c, p, m, s, 'fully_shared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (lower shared)', fn: (c, p, m, s) => do_test_anon_thp_collapse(c, p, m, s, 'lower_shared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (upper shared)', fn: (c, p, m, s) => do_test_anon_thp_collapse(c, p, m, s, 'upper_shared') },
];

// ---- the non-anonymous test families ----

function test_cow(c: Ctx, p: Proc, mem: number, smem: number, size: number): void {
  const old = p.load(smem, size);
  p.memset(mem, 0xff, size);
  judge(c, memcmpRuns(p.load(smem, size), old) === 0, 'Other mapping not modified', 'Other mapping modified');
}

export const NON_ANON_FAMILIES: Family<NonAnonTest>[] = [
  { desc: 'Basic COW', fn: test_cow },
  { desc: 'R/O longterm GUP pin', fn: (c, p, m, _s, size) => do_test_ro_pin(c, p, m, size, 'plain', false) },
  { desc: 'R/O longterm GUP-fast pin', fn: (c, p, m, _s, size) => do_test_ro_pin(c, p, m, size, 'plain', true) },
];

// ---- where the tests run ----

/** The byte the newest cow.c populates with (1, so that populating is never a no-op); v6.2 used 0. */
function fill(c: Ctx): number {
  return latest(c) ? 1 : 0;
}

/** do_run_with_base_page(). */
export function run_with_base_page(c: Ctx, p: Proc, fn: AnonTest, swapout: boolean): void {
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mem)) return fail(c, 'mmap() failed', -mem);
  const ret = p.num('madvise', mem, ps, MADV_NOHUGEPAGE);
  if (ret && ret !== -EINVAL) return fail(c, 'MADV_NOHUGEPAGE failed', -ret);
  p.memset(mem, fill(c), ps);
  if (swapout) {
    p.num('madvise', mem, ps, MADV_PAGEOUT);
    if (!p.peek('pm_swap', mem)) return skip(c, 'MADV_PAGEOUT did not work, is swap enabled?');
  }
  fn(c, p, mem, ps, false);
}

export type ThpRun = 'pmd' | 'pmd_swapout' | 'pte' | 'pte_swapout' | 'single_pte' | 'single_pte_swapout' | 'partial_mremap' | 'partial_shared';

/** do_run_with_thp(). */
export function run_with_thp(c: Ctx, p: Proc, fn: AnonTest, run: ThpRun, thpsize: number): void {
  const mmapSize = 2 * thpsize;
  const mmapMem = p.num('mmap', mmapSize, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapMem)) return fail(c, 'mmap() failed', -mmapMem);
  const mem = mmapMem + thpsize - ((mmapMem + thpsize) % thpsize);
  let r = p.num('madvise', mem, thpsize, MADV_HUGEPAGE);
  if (r) return fail(c, 'MADV_HUGEPAGE failed', -r);
  // Touch the first page; a THP populates another one with it (v6.2 looks at the second, the newest at the last).
  p.memset(mem, fill(c), 1);
  if (!p.peek('pm_present', latest(c) ? mem + thpsize - ps : mem + ps)) return skip(c, 'Did not get a THP populated');
  p.memset(mem, fill(c), thpsize);
  let size = thpsize;
  switch (run) {
    case 'pte':
    case 'pte_swapout':
      if ((r = p.num('mprotect', mem + ps, ps, PROT_READ))) return fail(c, 'mprotect() failed', -r);
      if ((r = p.num('mprotect', mem + ps, ps, RW))) return fail(c, 'mprotect() failed', -r);
      break;
    case 'single_pte':
    case 'single_pte_swapout':
      if ((r = p.num('madvise', mem + ps, thpsize - ps, MADV_DONTNEED))) return fail(c, 'MADV_DONTNEED failed', -r);
      size = ps;
      break;
    case 'partial_mremap': {
      const mremapSize = thpsize / 2;
      const mremapMem = p.num('mmap', mremapSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
      if (failed(mremapMem)) return fail(c, 'mmap() failed', -mremapMem);
      const tmp = p.num('mremap', mem + mremapSize, mremapSize, mremapSize, MREMAP_MAYMOVE | MREMAP_FIXED, mremapMem);
      if (tmp !== mremapMem) return fail(c, 'mremap() failed', -tmp);
      size = mremapSize;
      break;
    }
    case 'partial_shared': {
      if ((r = p.num('madvise', mem + ps, thpsize - ps, MADV_DONTFORK))) return fail(c, 'MADV_DONTFORK failed', -r);
      const child = p.fork();
      inChild(child, () => 0);
      if ((r = p.num('madvise', mem + ps, thpsize - ps, MADV_DOFORK))) return fail(c, 'MADV_DOFORK failed', -r);
      break;
    }
    default:
      break;
  }
  if (run === 'pmd_swapout' || run === 'pte_swapout' || run === 'single_pte_swapout') {
    p.num('madvise', mem, size, MADV_PAGEOUT);
    // range_is_swapped()
    for (let a = mem; a < mem + size; a += ps) {
      if (!p.peek('pm_swap', a)) return skip(c, 'MADV_PAGEOUT did not work, is swap enabled?');
    }
  }
  fn(c, p, mem, size, false);
}

/** run_with_hugetlb(). */
export function run_with_hugetlb(c: Ctx, p: Proc, fn: AnonTest, hugetlbsize: number): void {
  const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (Math.log2(hugetlbsize) << MAP_HUGE_SHIFT);
  const mem = p.num('mmap', hugetlbsize, RW, flags);
  if (failed(mem)) return skip(c, 'need more free huge pages', -mem);
  p.memset(mem, fill(c), hugetlbsize);
  // A second free huge page for COW/unsharing, or the test could be killed by SIGBUS.
  const dummy = p.num('mmap', hugetlbsize, RW, flags);
  if (failed(dummy)) return skip(c, 'need more free huge pages', -dummy);
  p.num('munmap', dummy, hugetlbsize);
  fn(c, p, mem, hugetlbsize, true);
}

/** run_with_zeropage(). */
export function run_with_zeropage(c: Ctx, p: Proc, fn: NonAnonTest): void {
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mem)) return fail(c, 'mmap() failed', -mem);
  const smem = p.num('mmap', ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(smem)) return fail(c, 'mmap() failed', -smem);
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, ps);
}

/** run_with_huge_zeropage(). */
export function run_with_huge_zeropage(c: Ctx, p: Proc, fn: NonAnonTest): void {
  if (!c.o.hugeZeropage) return skip(c, 'Huge zeropage not enabled');
  const size = c.pmdsize;
  const mmapMem = p.num('mmap', 2 * size, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapMem)) return fail(c, 'mmap() failed', -mmapMem);
  const mmapSmem = p.num('mmap', 2 * size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  if (failed(mmapSmem)) return fail(c, 'mmap() failed', -mmapSmem);
  const mem = mmapMem + size - ((mmapMem + size) % size);
  const smem = mmapSmem + size - ((mmapSmem + size) % size);
  const r = p.num('madvise', mem, size, MADV_HUGEPAGE) || p.num('madvise', smem, size, MADV_HUGEPAGE);
  if (r) return fail(c, latest(c) ? 'madvise()' : 'MADV_HUGEPAGE failed', -r);
  p.load(mem, 1);
  p.load(smem, 1);
  if (!p.peek('pm_present', mem + ps) || !p.peek('pm_present', smem + ps)) return c.ks.test_result_skip('Did not get THPs populated');
  fn(c, p, mem, smem, size);
}

/** run_with_memfd() / run_with_tmpfile(). */
export function run_with_file(c: Ctx, p: Proc, fn: NonAnonTest, kind: 'memfd' | 'tmpfile'): void {
  const fd = kind === 'memfd' ? p.num('memfd_create', new TextEncoder().encode('test'), 0) : p.num('tmpfile');
  if (failed(fd)) return fail(c, `${kind}() failed`, -fd);
  let r = p.num('fallocate', fd, 0, 0, ps);
  if (r) return fail(c, 'fallocate() failed', -r);
  const mem = p.num('mmap', ps, RW, MAP_PRIVATE, fd, 0);
  if (failed(mem)) return fail(c, 'mmap() failed', -mem);
  const smem = p.num('mmap', ps, PROT_READ, MAP_SHARED, fd, 0);
  if (failed(smem)) return fail(c, 'mmap() failed', -smem);
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, ps);
}

/** run_with_memfd_hugetlb(). */
export function run_with_memfd_hugetlb(c: Ctx, p: Proc, fn: NonAnonTest, hugetlbsize: number): void {
  const fd = p.num('memfd_create', new TextEncoder().encode('test'), MFD_HUGETLB | (Math.log2(hugetlbsize) << MFD_HUGE_SHIFT));
  if (failed(fd)) return skip(c, 'memfd_create() failed', -fd);
  const r = p.num('fallocate', fd, 0, 0, hugetlbsize);
  if (r) return skip(c, 'need more free huge pages', -r);
  const mem = p.num('mmap', hugetlbsize, RW, MAP_PRIVATE, fd, 0);
  if (failed(mem)) return skip(c, 'need more free huge pages', -mem);
  const smem = p.num('mmap', hugetlbsize, PROT_READ, MAP_SHARED, fd, 0);
  if (failed(smem)) return fail(c, 'mmap() failed', -smem);
  p.load(mem, 1);
  p.load(smem, 1);
  fn(c, p, mem, smem, hugetlbsize);
}
