// userfaultfd on hugetlb: registration per era, whole-huge-page ranges,
// UFFDIO_WRITEPROTECT and UFFDIO_COPY on huge PTEs, huge PTE markers,
// fork, unregistering, and the shared-mapping write fault.
import { test } from 'node:test';
import { failures, run, storeFaults } from './support.js';
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import type { KernelState } from '../../src/model/types.js';
import { hugetlb_invariants } from '../../src/mm/hugetlb.js';


const HUGE = 2097152;

const PRIVATE = `
thread main:
  nr_hugepages(2048, 4)
  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
  uffd = userfaultfd()
  uffdio_api(uffd)
`;

const SHARED = `
thread main:
  nr_hugepages(2048, 4)
  fd = memfd_create("huge", MFD_HUGETLB)
  fallocate(fd, 0, 0, ${HUGE})
  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  mem[0] = 0x11
  uffd = userfaultfd()
  uffdio_api(uffd)
`;

function registerResult(mode: string, v: string, len = HUGE): bigint {
  const r = run(`${PRIVATE}  expect uffdio_register(uffd, mem, ${len}, ${mode}) == 0 else "register"\n`, v);
  const a = r.expectations[0]!.actual;
  return a.startsWith('-') ? -BigInt(a.slice(1)) : BigInt(a);
}

test('UFFDIO_REGISTER on hugetlb: MISSING from 4.11, MINOR from 5.13, WP from 5.19, only whole huge pages', () => {
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_MISSING', '4.10'), -22n);
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_MISSING', '4.11'), 0n);
  // A private anonymous hugetlb mapping is not vma_is_anonymous(): WP waits for 5.19 like hugetlbfs.
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_WP', '5.18'), -22n);
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_WP', '5.19'), 0n);
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_MISSING', 'latest', 4096), -22n);
  // vma_can_userfault() takes MINOR on any hugetlb VMA, private anonymous ones too (whose page cache stays empty).
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_MINOR', '5.12'), -22n);
  assert.equal(registerResult('UFFDIO_REGISTER_MODE_MINOR', '5.13'), 0n);
});

test('UFFDIO_WRITEPROTECT on hugetlb: whole huge pages; a none entry gets a marker the next fault turns into a uffd-wp entry', () => {
  const r = run(`${PRIVATE}  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  expect uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP) == -EINVAL else "protected part of a huge page"
  expect uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "protect"
  expect pm_swap(mem) + pm_present(mem) == 0 else "a huge marker is neither present nor swap in pagemap"
  expect pm_uffd_wp(mem) + pm_uffd_wp(mem + 4096) == 2 else "a huge marker reads as PM_UFFD_WP on every page"
  expect mem[4096] == 0 else "read"
  expect pm_present(mem) + pm_uffd_wp(mem) == 2 else "the read fault did not map the huge page uffd-wp"
  expect uffdio_writeprotect(uffd, mem, ${HUGE}, 0) == 0 else "un-protect"
  expect pm_uffd_wp(mem) == 0 else "un-protecting left the bit"
  mem[0] = 1
  expect mem[0] == 1 else "write"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('un-protecting a marker drops it; MADV_DONTNEED keeps an existing marker; munmap drops it', () => {
  const r = run(`${PRIVATE}  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  madvise(mem, ${HUGE}, MADV_DONTNEED)
  expect pm_uffd_wp(mem) == 1 else "MADV_DONTNEED dropped the marker"
  uffdio_writeprotect(uffd, mem, ${HUGE}, 0)
  expect pm_uffd_wp(mem) + pm_swap(mem) == 0 else "un-protecting left the marker"
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  munmap(mem, ${HUGE})
  expect pm_uffd_wp(mem) + pm_swap(mem) == 0 else "munmap left the marker"
`);
  assert.deepEqual(failures(r), []);
});

test('UFFDIO_COPY_MODE_WP into hugetlb maps the huge page write-protected; the write is reported', () => {
  const r = run(`${PRIVATE}  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP)
  expect uffdio_copy(uffd, mem, fill(${HUGE}, 0x33), UFFDIO_COPY_MODE_WP) == ${HUGE} else "copy"
  expect pm_uffd_wp(mem) == 1 else "not uffd-wp"
  w = start store(mem + 4096, 0x44)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the write was not reported"
  expect msg_address(m) == mem else "a hugetlb fault is reported at the huge page's address"
  uffdio_writeprotect(uffd, mem, ${HUGE}, 0)
thread main:
  expect wait(w) == 1 else "store"
  expect mem[4096] == 0x44 else "data"
  expect mem[0] == 0x33 else "copied data"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('UFFDIO_COPY into a shared hugetlb mapping adds the page to the page cache', () => {
  const r = run(`
thread main:
  nr_hugepages(2048, 2)
  fd = memfd_create("huge", MFD_HUGETLB)
  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_MISSING)
  r = start load(mem, 1)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_address(m) == mem else "missing fault"
  expect uffdio_copy(uffd, mem, fill(${HUGE}, 0x66)) == ${HUGE} else "copy"
thread main:
  expect wait(r) == [0x66] else "load"
  expect read(fd, 1, 0) == [0x66] else "the page cache has no copy"
`, '4.11');
  assert.deepEqual(failures(r), []);
});

test('fork with UFFD_FEATURE_EVENT_FORK copies hugetlb markers and bits into the uffd-wp child; without it, no marker', () => {
  const body = (features: string): string => `
thread main:
  nr_hugepages(2048, 4)
  mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd, ${features})
  uffdio_register(uffd, mem, ${2 * HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${2 * HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  child = start fork()
thread monitor:
  ev = uffd_read_msg(uffd)
thread main:
  wait(child)
thread child:
  expect pm_uffd_wp(mem) == 1 else "the child lost the bit"
  expect pm_uffd_wp(mem + ${HUGE}) == 1 else "the child lost the marker"
`;
  assert.deepEqual(failures(run(body('UFFD_FEATURE_EVENT_FORK'), '5.19')), []);
  const r = run(body('UFFD_FEATURE_EVENT_FORK'), '6.18');
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  const plain = run(`${PRIVATE.replace(`mmap(${HUGE}`, `mmap(${2 * HUGE}`)}  uffdio_register(uffd, mem, ${2 * HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${2 * HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  child = fork()
thread child:
  expect pm_uffd_wp(mem + ${HUGE}) + pm_swap(mem + ${HUGE}) == 0 else "a marker was copied into a child without uffd-wp"
`, '5.19');
  assert.deepEqual(failures(plain), []);
  assert.deepEqual(plain.findings, []);
});

test('a write fault on a R/O shared hugetlb entry: copied before 1d8d14641fd9 (6.0), made writable after', () => {
  const text = `${SHARED}  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  uffdio_unregister(uffd, mem, ${HUGE})
  mem[0] = 0x22
  expect read(fd, 1, 0) == [0x22] else "the write to the shared mapping missed the page cache"
`;
  // 5.19: unregister leaves the entry R/O with its bit; hugetlb_cow() copies it into an anon page.
  assert.deepEqual(failures(run(text, '5.19')), ['the write to the shared mapping missed the page cache: [0x11]']);
  assert.deepEqual(failures(run(text, '6.0')), []);
  assert.deepEqual(failures(run(text, 'latest')), []);
});

test('un-protecting a shared hugetlb entry: writable from vm_get_page_prot() until 6.2, from 6.3 vm_page_prot (write-notify) leaves the write a fault', () => {
  const text = `${SHARED}  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${HUGE}, 0)
  mem[0] = 0x22
  expect read(fd, 1, 0) == [0x22] else "write"
`;
  const faults = (v: string): number => storeFaults(text, v);
  // The first store (mem[0] = 0x11) faults the page in, in both eras.
  assert.equal(faults('6.2'), 1);
  assert.equal(faults('6.3'), 2);
  assert.deepEqual(failures(run(text, '6.3')), []);
});

test('UFFD_FEATURE_WP_ASYNC (6.7) on hugetlb: the write clears the bit without a message', () => {
  const r = run(`${PRIVATE}  mem[0] = 1
  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  mem[0] = 2
  expect pm_uffd_wp(mem) == 0 else "the write left the bit"
  m = uffd_read_msg(uffd)
  expect msg_event(m) == 0 else "an asynchronous fault was reported"
`.replace('uffdio_api(uffd)', 'uffdio_api(uffd, UFFD_FEATURE_WP_ASYNC)'), '6.7');
  assert.deepEqual(failures(r), []);
});

/** Runs a scenario and keeps the state after every step, by step label. */
function runStates(text: string, kernel = 'latest'): { r: ReturnType<typeof run>; after: (label: string, nth?: number) => KernelState } {
  const steps: { label: string; after: KernelState }[] = [];
  const r = runScenario(parseScenario(text, 't.cow'), { kernel, arch: 'x86_64', onStep: (e) => steps.push({ label: e.label, after: structuredClone(e.after) }) });
  return {
    r,
    after(label, nth = 0) {
      const s = steps.filter((x) => x.label === label)[nth];
      assert.ok(s, `no step ${label} #${nth}`);
      return s.after;
    },
  };
}

const BASE = 0x7f0000000000;
const vpnOf = (addr: number): string => String(addr / 4096);
const hugetlbFile = (s: KernelState) => Object.values(s.files).find((f) => f.hugetlbKB === 2048)!;
const mmOfMain = (s: KernelState) => Object.values(s.mms)[0]!;

const PUNCH = `
thread main:
  nr_hugepages(2048, 4)
  fd = memfd_create("huge", MFD_HUGETLB)
  fallocate(fd, 0, 0, ${2 * HUGE})
  mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  mem[0] = 0x11
  mem[${HUGE}] = 0x33
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, ${2 * HUGE}, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, ${2 * HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  expect fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, ${HUGE}) == 0 else "punch"
  expect ftruncate(fd, ${HUGE} + 4096) == -EINVAL else "hugetlbfs took a size that is not a multiple of the huge page size"
  expect ftruncate(fd, ${HUGE}) == 0 else "truncate"
  expect mem[0] == 0 else "the hole kept data"
`;

test('hugetlbfs hole punch: the huge PTE becomes a marker, the page leaves the page cache for the pool; truncation drops the marker and the page', () => {
  const { r, after } = runStates(PUNCH);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  const wp = after('mwriteprotect_range');
  assert.deepEqual(wp.hugetlb['2048'], { nr: 4, free: 2, resv: 0 });
  const punched = after('hugetlbfs_fallocate', 1);
  const mm = mmOfMain(punched);
  assert.equal(mm.huge[vpnOf(BASE)], undefined);
  assert.deepEqual(mm.ptes[vpnOf(BASE)], { kind: 'marker', uffdWp: true });
  assert.equal(mm.huge[vpnOf(BASE + HUGE)]?.uffdWp, true);
  assert.deepEqual(Object.keys(hugetlbFile(punched).pages), ['1']);
  assert.equal(hugetlbFile(punched).size, 2 * HUGE, 'a hole punch keeps i_size');
  assert.deepEqual(punched.hugetlb['2048'], { nr: 4, free: 3, resv: 0 });
  const truncated = after('hugetlbfs_setattr', 1);
  const tm = mmOfMain(truncated);
  assert.equal(tm.huge[vpnOf(BASE + HUGE)], undefined);
  assert.equal(tm.ptes[vpnOf(BASE + HUGE)], undefined, 'ZAP_FLAG_DROP_MARKER: no marker past the end');
  assert.deepEqual(tm.ptes[vpnOf(BASE)], { kind: 'marker', uffdWp: true }, 'the hole keeps its marker');
  assert.deepEqual(hugetlbFile(truncated).pages, {});
  assert.deepEqual(truncated.hugetlb['2048'], { nr: 4, free: 4, resv: 0 });
  // The read fault in the hole: a new zeroed page-cache page, mapped uffd-wp and read-only from the marker.
  const refault = after('load');
  const e = mmOfMain(refault).huge[vpnOf(BASE)]!;
  assert.deepEqual([e.uffdWp, e.write, mmOfMain(refault).ptes[vpnOf(BASE)]], [true, false, undefined]);
  assert.equal(hugetlbFile(refault).pages['0'], e.pfn);
  assert.deepEqual(refault.hugetlb['2048'], { nr: 4, free: 3, resv: 0 });
});

test('hugetlbfs: a fault past i_size after truncation is SIGBUS', () => {
  const err = (() => {
    try {
      run(`${PUNCH}  x = mem[${HUGE}]\n`);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  assert.match(err, /^t\.cow:17:7: SIGBUS at 0x7f0000200000: VM_FAULT_SIGBUS/);
});

test('a hugetlbfs hole punch also discards private COW copies; a shmem one keeps them ("hole-punching leaves COWed pages")', () => {
  const hugetlb = run(`
thread main:
  nr_hugepages(2048, 4)
  fd = memfd_create("huge", MFD_HUGETLB)
  fallocate(fd, 0, 0, ${HUGE})
  shared = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  shared[0] = 0x11
  priv = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd)
  priv[0] = 0x44
  fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, ${HUGE})
  expect pm_present(priv) == 0 else "the private COW copy is still mapped"
  expect priv[0] == 0 else "the private COW copy survived"
`);
  assert.deepEqual(failures(hugetlb), []);
  assert.deepEqual(hugetlb.findings, []);
  const shmem = run(`
thread main:
  fd = memfd_create()
  ftruncate(fd, 8192)
  shared = mmap(8192, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  shared[0..8192] = 0x11
  priv = mmap(8192, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd)
  priv[0] = 0x44
  x = priv[4096]
  expect fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 8192) == -EOPNOTSUPP else "a hole punch without FALLOC_FL_KEEP_SIZE"
  expect fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 8192) == 0 else "punch"
  expect priv[0] == 0x44 else "the private COW copy was discarded"
  expect pm_present(priv + 4096) == 0 else "the page-cache page is still mapped privately"
  expect priv[4096] == 0 else "the page-cache page survived"
  expect shared[0] == 0 else "the shared page survived"
`);
  assert.deepEqual(failures(shmem), []);
  assert.deepEqual(shmem.findings, []);
});

test('hugetlbfs hole punch of part of a huge page: zeroed in the page cache from 68d32527d340 (5.19), untouched before; the page stays mapped', () => {
  const text = `
thread main:
  nr_hugepages(2048, 2)
  fd = memfd_create("huge", MFD_HUGETLB)
  fallocate(fd, 0, 0, ${HUGE})
  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  mem[0..8192] = 0x11
  expect fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 4096, 4096) == 0 else "punch"
  expect pm_present(mem) == 1 else "the huge page was unmapped"
  expect mem[0] == 0x11 else "bytes outside the hole"
  expect mem[4096..8192] == 0 else "the partial hole was not zeroed"
`;
  assert.deepEqual(failures(run(text, '5.19')), []);
  assert.deepEqual(failures(run(text, '5.18')), ['the partial hole was not zeroed: [0x11 x 4096]']);
});

test('shmem hole punch keeps uffd-wp markers (unmap_mapping_range without ZAP_FLAG_DROP_MARKER) and i_size; the page in the hole comes back uffd-wp', () => {
  const { r, after } = runStates(`
thread main:
  fd = memfd_create()
  ftruncate(fd, 8192)
  mem = mmap(8192, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  mem[0..8192] = 0x11
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, 8192, UFFDIO_REGISTER_MODE_WP)
  uffdio_writeprotect(uffd, mem, 8192, UFFDIO_WRITEPROTECT_MODE_WP)
  expect fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 6144) == 0 else "punch"
  expect pm_swap(mem) + pm_uffd_wp(mem) == 2 else "the hole punch dropped the marker"
  expect pm_present(mem + 4096) + pm_uffd_wp(mem + 4096) == 2 else "the partly punched page was unmapped"
  expect mem[4096..6144] == 0 else "the partial hole was not zeroed"
  expect mem[6144] == 0x11 else "bytes past the hole"
  expect mem[0] == 0 else "the hole kept data"
  expect pm_present(mem) + pm_uffd_wp(mem) == 2 else "the refaulted page is not uffd-wp"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  const s = after('shmem_fallocate');
  const file = Object.values(s.files).find((f) => f.kind === 'memfd')!;
  assert.equal(file.size, 8192);
  assert.deepEqual(Object.keys(file.pages), ['1']);
});

const MINOR = `
thread main:
  nr_hugepages(2048, 4)
  fd = memfd_create("huge", MFD_HUGETLB)
  fallocate(fd, 0, 0, ${HUGE})
  alias = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  alias[0] = 0x11
  mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
  uffd = userfaultfd()
  uffdio_api(uffd)
`;

test('UFFDIO_CONTINUE on hugetlbfs: the cached page, writable in a shared mapping; -EFAULT when nothing is cached; over a marker without MODE_WP the protection is gone', () => {
  const { r, after } = runStates(`${MINOR}  uffdio_register(uffd, mem, ${2 * HUGE}, UFFDIO_REGISTER_MODE_MINOR|UFFDIO_REGISTER_MODE_WP)
  expect uffdio_continue(uffd, mem + ${HUGE}, ${HUGE}) == -EFAULT else "UFFDIO_CONTINUE without a cached page"
  expect uffdio_continue(uffd, mem, ${HUGE}) == ${HUGE} else "continue"
  uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)
  madvise(mem, ${HUGE}, MADV_DONTNEED)
  expect pm_uffd_wp(mem) == 1 else "no marker"
  expect uffdio_continue(uffd, mem, ${HUGE}) == ${HUGE} else "continue over the marker"
  expect pm_uffd_wp(mem) == 0 else "UFFDIO_CONTINUE kept the marker's protection"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
  // The first UFFDIO_CONTINUE: a writable, dirty huge PTE to the page-cache page, which two mappings now map.
  const s = after('mfill_atomic_continue', 1);
  const mm = mmOfMain(s);
  const memStart = mm.vmas.filter((v) => v.hugetlb)[1]!.start;
  const file = hugetlbFile(s);
  const entry = mm.huge[vpnOf(memStart)]!;
  assert.equal(entry.pfn, file.pages['0']);
  assert.deepEqual([entry.write, entry.dirty, entry.uffdWp], [true, true, false]);
  assert.equal(s.folios[entry.pfn]!.entireMapcount, 2);
  assert.equal(mm.huge[vpnOf(memStart + HUGE)], undefined);
});

test('hugetlbfs minor faults: MODE_MINOR on a private mapping maps the page read-only; a page past i_size is SIGBUS before any minor fault', () => {
  const r = run(`${MINOR.replace(`mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)`, `mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd)`)}  expect uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_MINOR) == 0 else "register"
  l = start load(mem, 1)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_MINOR else "minor"
  expect uffdio_continue(uffd, mem, ${HUGE}) == ${HUGE} else "continue"
thread main:
  expect wait(l) == [0x11] else "load"
  expect pm_present(mem) == 1 else "present"
  mem[0] = 0x55
  expect alias[0] == 0x11 else "the private write reached the page cache"
`);
  assert.deepEqual(failures(r), []);
  assert.deepEqual(r.findings, []);
});

test('the hugetlb invariants catch a leaked pool page, a stray page-cache entry and a PTE-level entry in a hugetlb VMA', () => {
  const { after } = runStates(PUNCH);
  const s = after('hugetlbfs_setattr', 1);
  assert.deepEqual(hugetlb_invariants(s), []);
  const leak = structuredClone(s);
  leak.hugetlb['2048']!.free--;
  assert.deepEqual(hugetlb_invariants(leak).map((v) => v.invariant), ['hugetlb-pool']);
  const stray = structuredClone(s);
  hugetlbFile(stray).pages['3'] = Number(Object.keys(stray.folios)[0]);
  assert.deepEqual(hugetlb_invariants(stray).map((v) => v.invariant), ['page-cache']);
  const pte = structuredClone(s);
  mmOfMain(pte).ptes[vpnOf(BASE + 4096)] = { kind: 'marker', uffdWp: true };
  assert.deepEqual(hugetlb_invariants(pte).map((v) => v.invariant), ['hugetlb-pte']);
});
