// userfaultfd on hugetlb: registration per era, whole-huge-page ranges,
// UFFDIO_WRITEPROTECT and UFFDIO_COPY on huge PTEs, huge PTE markers,
// fork, unregistering, and the shared-mapping write fault.
import { test } from 'node:test';
import { failures, run, storeFaults } from './support.js';
import assert from 'node:assert/strict';


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
