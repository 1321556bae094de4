// hugetlb fork and COW paths, per era: the early copy of pinned pages and its
// failure, lazy page-table copies, and unmap_ref_private().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from '../../src/scenario/run.js';
import { MAINLINE, compareVersions } from '../../src/eras/profiles.js';
import { run } from './support.js';

const failures = (r: RunResult) => r.expectations.filter((e) => !e.ok).map((e) => e.message);
const from = (v: string, first: string) => compareVersions(v, first) >= 0;

const PINNED = (pool: number) => `
nr_hugepages(2048, ${pool})
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
mem[0] = 0x11
pin = pin_user_pages(mem, 4096, FOLL_LONGTERM|FOLL_WRITE)
c = fork()
expect c != -ENOMEM else "fork() failed"
`;

test('fork() of a pinned private huge page: the early copy needs a free huge page, else fork() fails with -ENOMEM (4eae4efa2c29, 5.12)', () => {
  for (const v of MAINLINE) {
    const { r, log, last } = run(PINNED(1), v);
    // Before 5.12 copy_hugetlb_page_range() shares the pinned page like any other.
    assert.deepEqual(failures(r), from(v, '5.12') ? ['fork() failed'] : [], v);
    assert.deepEqual(r.findings, [], v);
    if (!from(v, '5.12')) continue;
    assert.ok(log.includes('copy_hugetlb_page_range: 0x7f0000000000: no free huge page for the early copy: -ENOSPC'), v);
    // The half-built child is gone; the parent keeps its page, its pin and its mapping.
    assert.deepEqual(Object.keys(last.processes), ['1'], v);
    assert.deepEqual(Object.keys(last.mms), ['1'], v);
    assert.deepEqual(last.hugetlb['2048'], { nr: 1, free: 0, resv: 0 }, v);
    assert.equal(last.mms[1]!.mmapLockedBy, null, v);
    assert.equal(last.mms[1]!.huge[String(0x7f0000000000 / 4096)]!.pfn, 512, v);
  }
});

test('with a free huge page the child gets its own copy of the pinned page at fork (5.12+)', () => {
  for (const v of ['5.11', '5.12', '5.18', '5.19', '6.18']) {
    const { r, last } = run(PINNED(2), v);
    assert.deepEqual(failures(r), [], v);
    const child = Object.values(last.mms).find((m) => m.id !== 1)!;
    const pfn = child.huge[String(0x7f0000000000 / 4096)]!.pfn;
    assert.equal(pfn !== 512, from(v, '5.12'), v);
    assert.equal(last.hugetlb['2048']!.free, from(v, '5.12') ? 0 : 1, v);
  }
});

test('5.12 .. 5.18 also copy a pinned page-cache huge page of a private mapping at fork (page_needs_cow_for_dma() ignores PageAnon)', () => {
  const src = `nr_hugepages(2048, 3)
fd = memfd_create("huge", MFD_HUGETLB)
fallocate(fd, 0, 0, 0x200000)
shared = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
shared[0] = 0x11
priv = mmap(0x200000, PROT_READ, MAP_PRIVATE, fd)
x = priv[0]
pin = pin_user_pages(priv, 4096, 0)
c = fork()
shared[0] = 0x22
thread c:
  expect priv[0] == 0x22 else "the child's private mapping no longer follows the file"
  exit(0)
`;
  for (const v of MAINLINE) {
    const { r, log } = run(src, v);
    const copied = from(v, '5.12') && !from(v, '5.19');
    // 5.8 (17839856fd58) broke COW at GUP time: the parent pinned a private copy, which the child shares.
    const diverged = copied || v === '5.8';
    assert.deepEqual(failures(r), diverged ? ["the child's private mapping no longer follows the file"] : [], v);
    assert.equal(log.some((l) => l.startsWith('page_needs_cow_for_dma: page-cache huge page pfn')), copied, v);
    assert.deepEqual(r.findings, [], v);
  }
});

test('a shared hugetlb VMA without anon_vma is not copied at fork from bcd51a3c679d (6.0): the child refaults', () => {
  const src = `nr_hugepages(2048, 2)
fd = memfd_create("huge", MFD_HUGETLB)
fallocate(fd, 0, 0, 0x200000)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
mem[0] = 0x11
c = fork()
thread c:
  expect pm_present(mem) == 1 else "the child's huge PTE is empty after fork()"
  expect mem[0] == 0x11 else "the child does not see the shared page"
  mem[1] = 0x22
  exit(0)
thread main:
  expect mem[1] == 0x22 else "the child's write is not visible"
`;
  for (const v of MAINLINE) {
    const { r } = run(src, v);
    assert.deepEqual(failures(r), from(v, '6.0') ? ["the child's huge PTE is empty after fork()"] : [], v);
    assert.deepEqual(r.findings, [], v);
  }
  // A private hugetlb VMA has an anon_vma once a page was written, so it is still copied.
  const priv = `nr_hugepages(2048, 2)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
mem[0] = 0x11
c = fork()
thread c:
  expect pm_present(mem) == 1 else "the child's huge PTE is empty after fork()"
`;
  assert.deepEqual(failures(run(priv, '6.18').r), []);
});

const OWNER = `nr_hugepages(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
mem[0] = 0x11
c = fork()
mem[0] = 0x22
expect mem[0] == 0x22 else "the owner's write is lost"
`;

test("unmap_ref_private(): the owner's COW with an empty pool takes the page from the child, whose next access gets SIGBUS (every era)", () => {
  for (const v of MAINLINE) {
    const { r, log, last } = run(OWNER, v);
    assert.deepEqual(failures(r), [], v);
    assert.deepEqual(r.findings, [], v);
    assert.ok(log.includes('unmap_ref_private: mm 4: pfn 512 unmapped at 0x7f0000000000, mapping marked HPAGE_RESV_UNMAPPED'), v);
    assert.ok(log.includes('hugetlb_wp: pfn 512 mapcount 1: reuse'), v);
    const child = last.mms[4]!;
    assert.deepEqual(child.huge, {}, v);
    assert.deepEqual(child.vmas[0]!.hugetlb, { kb: 2048, resv: 0, unmapped: true }, v);
    // SIGBUS kills the forked child (the parent's wait() sees 128 + 7); its later statements never run.
    const killed = run(`${OWNER}thread c:\n  x = mem[4096]\n  expect 0 == 1 else "the child survived its SIGBUS"\nthread main:\n  expect wait(c) == 135 else "the child was not killed by SIGBUS"\n`, v);
    assert.deepEqual(failures(killed.r), [], v);
    assert.ok(killed.log.some((l) => l.startsWith('do_sigbus')), v);
  }
});

test('a child that is not the owner gets SIGBUS when its COW finds no free huge page; the owner keeps its page', () => {
  const src = `nr_hugepages(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
mem[0] = 0x11
c = fork()
thread c:
  mem[0] = 0x33
`;
  for (const v of ['4.4', '5.19', '6.18']) {
    const killed = run(`${src}thread main:\n  expect wait(c) == 135 else "the child was not killed by SIGBUS"\n  expect mem[0] == 0x11 else "the owner lost its page"\n`, v);
    assert.deepEqual(failures(killed.r), [], v);
  }
  // With a second page the child copies; the owner's reservation is not touched for it.
  const ok = run(src.replace('nr_hugepages(2048, 1)', 'nr_hugepages(2048, 2)') + 'thread main:\n  expect mem[0] == 0x11 else "the child wrote into the parent"\n', '6.18');
  assert.deepEqual(failures(ok.r), []);
});

test('the hugetlb pool invariant: free + in-use pages = nr, reservations within the free pages and only on the owner', async () => {
  const { checkInvariants } = await import('../../src/mm/invariants.js');
  const { profileFor } = await import('../../src/eras/profiles.js');
  const { last } = run(OWNER, '6.18');
  const p = profileFor('6.18').policies;
  assert.deepEqual(checkInvariants(last, p).filter((v) => v.invariant === 'hugetlb-pool'), []);
  const leaked = structuredClone(last);
  leaked.hugetlb['2048']!.free++;
  assert.deepEqual(checkInvariants(leaked, p).filter((v) => v.invariant === 'hugetlb-pool').map((v) => v.detail), ['2048 kB pool: 1 pages, 1 free, 0 reserved, 1 in use']);
  const childResv = structuredClone(last);
  childResv.mms[4]!.vmas[0]!.hugetlb!.resv = 1;
  childResv.hugetlb['2048']!.resv = 0;
  assert.deepEqual(checkInvariants(childResv, p).filter((v) => v.invariant === 'hugetlb-pool').map((v) => v.detail), ['mm 4 VMA 0x7f0000000000 holds 1 reservation(s) without HPAGE_RESV_OWNER']);
});

test('a uffd-wp child (EVENT_FORK) still gets the shared hugetlb VMA copied, bits and markers, before and after bcd51a3c679d', () => {
  const src = `nr_hugepages(2048, 4)
fd = memfd_create("huge", MFD_HUGETLB)
fallocate(fd, 0, 0, 0x400000)
mem = mmap(0x400000, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
mem[0] = 0x11
mem[0x200000] = 0x11
uffd = userfaultfd()
uffdio_api(uffd, UFFD_FEATURE_EVENT_FORK)
expect uffdio_register(uffd, mem, 0x400000, UFFDIO_REGISTER_MODE_WP) == 0 else "no uffd-wp on hugetlb"
uffdio_writeprotect(uffd, mem, 0x400000, UFFDIO_WRITEPROTECT_MODE_WP)
madvise(mem + 0x200000, 0x200000, MADV_DONTNEED)
child = start fork()
thread monitor:
  ev = uffd_read_msg(uffd)
  cuffd = msg_uffd(ev)
thread main:
  wait(child)
thread child:
  w = start store(mem, 0x22)
  w2 = start store(mem + 0x200000, 0x33)
thread monitor:
  m = uffd_read_msg(cuffd)
  expect msg_flags(m) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the child's write to a write-protected huge page was not reported"
  m2 = uffd_read_msg(cuffd)
  expect msg_flags(m2) == UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP else "the child's write behind a huge PTE marker was not reported"
  uffdio_writeprotect(cuffd, mem, 0x400000, 0)
thread child:
  expect wait(w) + wait(w2) == 2 else "the child's stores did not complete"
`;
  for (const v of ['5.19', '6.0', '6.4', '6.18']) {
    const { r, log } = run(src, v);
    assert.deepEqual(failures(r), [], v);
    assert.deepEqual(r.findings, [], v);
    assert.ok(!log.some((l) => l.includes('has no anon_vma: the child refaults')), v);
  }
});
