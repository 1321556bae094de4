// Shmem THP: PMD-order page-cache folios, do_set_pmd(), the file PMD split
// (which only clears the PMD), uffd-wp markers after it, MADV_DONTNEED,
// truncation, reclaim, fork and GUP, checked on the state the steps leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import type { Folio, KernelState } from '../../src/model/types.js';
import { failures } from './support.js';

const HUGE = 0x200000;
const NR = 512;

interface Run {
  r: RunResult;
  last: KernelState;
  /** A copy of the state after the last step with this label. */
  at: Map<string, KernelState>;
  log: string[];
}

function go(text: string, kernel = 'latest'): Run {
  const at = new Map<string, KernelState>();
  const log: string[] = [];
  let last: KernelState | null = null;
  const r = runScenario(parseScenario(text, 't.cow'), {
    kernel, arch: 'x86_64',
    onStep: (e) => {
      log.push(...e.log);
      last = e.after;
      at.set(e.label, structuredClone(e.after));
    },
  });
  return { r, last: last!, at, log };
}

function memfd(mode = 'always', size = HUGE, len = HUGE, flags = 'MAP_SHARED'): string {
  return `
thread main:
  expect shmem_enabled("${mode}") == 0 else "shmem_enabled"
  fd = memfd_create()
  ftruncate(fd, ${size})
  mem = mmap(${len}, PROT_READ|PROT_WRITE, ${flags}, fd)
`;
}

function theFile(s: KernelState) {
  const f = Object.values(s.files).find((x) => x.kind === 'memfd');
  assert.ok(f, 'the memfd');
  return f;
}

function cached(s: KernelState, index: number): Folio {
  const pfn = theFile(s).pages[index];
  assert.ok(pfn !== undefined, `page ${index} is cached`);
  const f = Object.values(s.folios).find((x) => x.pfn <= pfn && pfn < x.pfn + 2 ** x.order);
  assert.ok(f, `the folio of pfn ${pfn}`);
  return f;
}

function ok(run: Run): void {
  assert.deepEqual(failures(run.r), []);
  assert.deepEqual(run.r.findings, []);
}

test('a read fault maps a new shmem THP with a PMD; every page-cache index holds one of its pages and a reference', () => {
  const run = go(`${memfd()}  x = mem[0x3000]\n  expect pm_present(mem + 0x1ff000) == 1 else "PMD"\n`);
  ok(run);
  const s = run.at.get('load')!;
  const mm = s.mms[1]!;
  const huge = Object.entries(mm.huge);
  assert.equal(huge.length, 1);
  const [key, e] = huge[0]!;
  assert.equal(Number(key) * 4096 % HUGE, 0);
  assert.equal(e.write, false, 'a read fault maps the PMD read-only');
  const f = cached(s, 0);
  assert.equal(f.order, 9);
  assert.equal(e.pfn, f.pfn);
  const file = theFile(s);
  assert.equal(Object.keys(file.pages).length, NR);
  for (let i = 0; i < NR; i++) assert.equal(file.pages[i], f.pfn + i);
  assert.deepEqual(f.mapping, { ino: file.ino, index: 0 });
  assert.equal(f.refcount, NR + 1, 'the page cache holds 512 references, the PMD one');
  assert.equal(f.entireMapcount, 1);
  assert.ok(f.pages!.every((p) => p.mapcount === 0));
  assert.equal(Object.keys(mm.ptes).length, 0);
});

test('pagemap: PM_FILE on a PMD-mapped shmem THP only from 3f9f022e975d (6.11); PM_MMAP_EXCLUSIVE all along', () => {
  const text = `${memfd()}  x = mem[0]
  expect pm_exclusive(mem + 0x1000) == 1 else "exclusive"
  expect pm_file(mem + 0x1000) == FILE else "PM_FILE"
`;
  ok(go(text.replace('FILE', '0'), '6.10'));
  ok(go(text.replace('FILE', '1'), '6.11'));
  // A PTE-mapped page cache page always had PM_FILE.
  ok(go(`${memfd('never')}  x = mem[0]
  expect pm_file(mem) == 1 else "PM_FILE"
`, '6.10'));
});

test('a write to the R/O PMD clears it (wp_huge_pmd) and the refault maps it writable again', () => {
  const run = go(`${memfd()}  x = mem[0]\n  mem[0x5000] = 7\n  expect read(fd, 1, 0x5000) == [7] else "write(2) view"\n`);
  ok(run);
  assert.ok(run.log.some((l) => l.startsWith('__split_huge_pmd: file PMD at 0x')));
  const s = run.last;
  const e = Object.values(s.mms[1]!.huge)[0]!;
  assert.equal(e.write, true);
  assert.equal(e.dirty, true);
  const f = cached(s, 5);
  assert.equal(f.refcount, NR + 1);
  assert.equal(f.entireMapcount, 1);
  assert.equal(f.dirty, true);
});

test('shmem_enabled: never (the default) and advise without MADV_HUGEPAGE give small pages; advise with it a THP; none before 4.8', () => {
  const order = (text: string, kernel = 'latest'): number => {
    const run = go(text, kernel);
    ok(run);
    return cached(run.last, 1).order;
  };
  assert.equal(order(`${memfd('never')}  mem[0x1000] = 1\n`), 0);
  assert.equal(order(`${memfd('advise')}  mem[0x1000] = 1\n`), 0);
  assert.equal(order(`${memfd('advise')}  madvise(mem, ${HUGE}, MADV_HUGEPAGE)\n  mem[0x1000] = 1\n`), 9);
  assert.equal(order(`${memfd('deny')}  madvise(mem, ${HUGE}, MADV_HUGEPAGE)\n  mem[0x1000] = 1\n`), 0);
  // within_size: only a huge page the file size covers entirely.
  assert.equal(order(`${memfd('within_size', HUGE - 4096)}  mem[0x1000] = 1\n`), 0);
  assert.equal(order(`${memfd('within_size')}  mem[0x1000] = 1\n`), 9);
  assert.equal(order(`${memfd('always')}  mem[0x1000] = 1\n`, '4.8'), 9);
  const old = go(`thread main:\n  expect shmem_enabled("always") == -ENOENT else "no sysfs file"\n  expect tmpfs_huge("always") == -EINVAL else "no mount option"\n`, '4.7');
  ok(old);
  const bad = go(`thread main:\n  expect shmem_enabled("sometimes") == -EINVAL else "bad word"\n  expect tmpfs_huge("force") == -EINVAL else "force is no mount option"\n`);
  ok(bad);
});

test('tmpfs huge= governs tmpfile(); shmem_enabled governs memfd and shared anonymous memory', () => {
  const tmp = (opt: string): number => {
    const run = go(`thread main:\n  expect shmem_enabled("always") == 0 else "sysfs"\n  ${opt}\n  fd = tmpfile()\n  ftruncate(fd, ${HUGE})\n  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)\n  mem[0] = 1\n`);
    ok(run);
    return Object.keys(run.last.mms[1]!.huge).length;
  };
  assert.equal(tmp(''), 0, 'the tmpfs mount defaults to huge=never');
  assert.equal(tmp('expect tmpfs_huge("always") == 0 else "mount"'), 1);
  const anon = go(`thread main:\n  shmem_enabled("always")\n  mem = mmap(${HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS)\n  mem[0] = 1\n`);
  ok(anon);
  assert.equal(Object.keys(anon.last.mms[1]!.huge).length, 1);
});

test('a VMA smaller than the PMD maps the THP with PTEs, one page each (page_add_file_rmap)', () => {
  const run = go(`${memfd('always', HUGE, 0x100000)}  mem[0x3000] = 9\n  x = mem[0x4000]\n`);
  ok(run);
  const s = run.last;
  const mm = s.mms[1]!;
  assert.equal(Object.keys(mm.huge).length, 0);
  const f = cached(s, 3);
  assert.equal(f.order, 9);
  assert.equal(f.entireMapcount, 0);
  assert.equal(f.pages![3]!.mapcount, 1);
  assert.equal(f.pages![4]!.mapcount, 1);
  assert.equal(f.refcount, NR + 2);
  const ptes = Object.values(mm.ptes);
  assert.deepEqual(ptes.map((p) => (p.kind === 'present' ? [p.pfn - f.pfn, p.write] : null)), [[3, true], [4, false]]);
});

const WP = `${memfd()}  mem[0..${HUGE}] = 0x11
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP) == 0 else "register"
  expect uffdio_writeprotect(uffd, mem, ${HUGE}, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "protect"
`;

test('UFFDIO_WRITEPROTECT on a PMD-mapped shmem THP clears the PMD and leaves a marker in each of its 512 PTEs', () => {
  const run = go(`${WP}  expect mem[0x2000] == 0x11 else "read"\n`);
  ok(run);
  const s = run.at.get('mwriteprotect_range')!;
  const mm = s.mms[1]!;
  assert.deepEqual(mm.huge, {});
  const ptes = Object.values(mm.ptes);
  assert.equal(ptes.length, NR);
  assert.ok(ptes.every((p) => p.kind === 'marker' && p.uffdWp));
  const f = cached(s, 0);
  assert.equal(f.order, 9, 'the THP stays whole in the page cache');
  assert.equal(f.refcount, NR);
  assert.equal(f.entireMapcount, 0);
  // The read refaults one page through its marker: a R/O uffd-wp PTE, no PMD (the PTE table exists).
  const after = run.last.mms[1]!;
  assert.deepEqual(after.huge, {});
  const pte = after.ptes[String(0x7f0000000000 / 4096 + 2)];
  assert.ok(pte?.kind === 'present' && pte.uffdWp && !pte.write && pte.pfn === f.pfn + 2);
  assert.equal(cached(run.last, 2).pages![2]!.mapcount, 1);
});

test('protecting part of the PMD range clears the whole PMD; only the covered PTEs get markers', () => {
  const run = go(`${memfd()}  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  expect uffdio_writeprotect(uffd, mem + 0x1000, 0x2000, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "protect"
  expect pm_uffd_wp(mem) + pm_uffd_wp(mem + 0x1000) + pm_uffd_wp(mem + 0x2000) + pm_uffd_wp(mem + 0x3000) == 2 else "markers"
  expect pm_present(mem) == 0 else "the PMD is gone"
  mem[0] = 2
  expect pm_present(mem) == 1 else "refault"
`);
  ok(run);
  // The write at 0 refaults with a PTE: the markers populate the PMD's PTE table.
  assert.equal(Object.keys(run.last.mms[1]!.huge).length, 0);
});

test('MADV_DONTNEED on a PMD-mapped shmem THP zaps the PMD, leaves no marker, keeps the page cache', () => {
  const run = go(`${memfd()}  mem[0..${HUGE}] = 0x11
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP)
  expect madvise(mem, ${HUGE}, MADV_DONTNEED) == 0 else "dontneed"
  expect pm_present(mem) + pm_uffd_wp(mem) == 0 else "no marker without a protected PTE"
  expect read(fd, 1, 0x1000) == [0x11] else "page cache"
`);
  ok(run);
  const s = run.at.get('madvise')!;
  assert.deepEqual(s.mms[1]!.huge, {});
  assert.deepEqual(s.mms[1]!.ptes, {});
  const f = cached(s, 0);
  assert.equal(f.refcount, NR);
  assert.equal(f.entireMapcount, 0);
});

test('truncation inside a shmem THP zeroes its tail and splits it; the pages past the end leave the page cache', () => {
  const run = go(`${memfd()}  mem[0..${HUGE}] = 0x11
  expect ftruncate(fd, 0x101000) == 0 else "truncate"
  expect read(fd, 1, 0x100000) == [0x11] else "kept page"
  expect mem[0x100000] == 0x11 else "kept page, refaulted"
`);
  ok(run);
  const s = run.at.get('shmem_setattr')!;
  const file = theFile(s);
  assert.equal(Object.keys(file.pages).length, 0x101);
  assert.deepEqual(s.mms[1]!.huge, {});
  const f = cached(s, 0x100);
  assert.equal(f.order, 0);
  assert.equal(f.refcount, 1);
  assert.deepEqual(f.mapping, { ino: file.ino, index: 0x100 });
  assert.ok(run.log.some((l) => l.startsWith('split_huge_page: THP pfn')));
});

test('a pinned shmem THP cannot split on truncation: it stays whole, zeroed past the new end', () => {
  const run = go(`${memfd()}  mem[0..${HUGE}] = 0x11
  pin_user_pages(mem, 0x2000, FOLL_LONGTERM)
  expect ftruncate(fd, 0x101000) == 0 else "truncate"
`);
  ok(run);
  const s = run.last;
  const f = cached(s, 0);
  assert.equal(f.order, 9);
  assert.equal(Object.keys(theFile(s).pages).length, NR);
  assert.equal(f.pincount, 2);
  assert.equal(f.refcount, NR + 2);
  assert.equal(f.entireMapcount, 0, 'unmap_folio() does not remap a file folio');
  assert.ok(run.log.some((l) => l.includes('cannot split')));
});

test('MADV_PAGEOUT of a PMD-mapped shmem THP unmaps it; it stays in the page cache, whole', () => {
  const run = go(`${memfd()}  mem[0..${HUGE}] = 0x11
  expect madvise(mem, ${HUGE}, MADV_PAGEOUT) == 0 else "pageout"
  expect pm_present(mem) == 0 else "still mapped"
  expect mem[0x1000] == 0x11 else "data"
`, '6.1');
  ok(run);
  const unmapped = run.at.get('try_to_unmap')!;
  assert.deepEqual(unmapped.mms[1]!.huge, {});
  assert.equal(cached(unmapped, 0).refcount, NR, 'only the page cache holds it, back on the LRU');
  assert.equal(cached(unmapped, 0).entireMapcount, 0);
  const f = cached(run.last, 0);
  assert.equal(f.order, 9);
  assert.equal(f.lru, true);
  assert.equal(f.refcount, NR + 1, 'mapped again by the read');
});

test('MADV_PAGEOUT over part of a PMD-mapped shmem THP splits the folio, which unmaps all of it', () => {
  const run = go(`${memfd()}  mem[0..${HUGE}] = 0x11
  expect madvise(mem + 0x1000, 0x1000, MADV_PAGEOUT) == 0 else "pageout"
  expect pm_present(mem) + pm_present(mem + 0x1000) + pm_present(mem + 0x1ff000) == 0 else "still mapped"
  expect read(fd, 1, 0x1ff000) == [0x11] else "data"
`);
  ok(run);
  const s = run.last;
  assert.deepEqual(s.mms[1]!.huge, {});
  assert.deepEqual(s.mms[1]!.ptes, {});
  const file = theFile(s);
  assert.equal(Object.keys(file.pages).length, NR);
  for (const i of [0, 1, 511]) {
    const f = cached(s, i);
    assert.equal(f.order, 0);
    assert.equal(f.refcount, 1);
  }
});

test('MADV_PAGEOUT of a PTE-mapped shmem THP splits it: every PTE goes, a uffd-wp one leaves a marker', () => {
  const run = go(`${memfd('always', HUGE, 0x100000)}  mem[0..0x3000] = 0x11
  uffd = userfaultfd()
  uffdio_api(uffd)
  uffdio_register(uffd, mem, 0x100000, UFFDIO_REGISTER_MODE_WP)
  expect uffdio_writeprotect(uffd, mem + 0x1000, 0x1000, UFFDIO_WRITEPROTECT_MODE_WP) == 0 else "protect"
  expect madvise(mem + 0x2000, 0x1000, MADV_PAGEOUT) == 0 else "pageout"
  expect pm_present(mem) + pm_present(mem + 0x1000) + pm_present(mem + 0x2000) == 0 else "still mapped"
  expect pm_uffd_wp(mem + 0x1000) == 1 else "the split lost the uffd-wp bit"
  expect pm_uffd_wp(mem) + pm_uffd_wp(mem + 0x2000) == 0 else "markers where no PTE was protected"
`);
  ok(run);
  const mm = run.last.mms[1]!;
  assert.deepEqual(Object.values(mm.ptes), [{ kind: 'marker', uffdWp: true }]);
  assert.equal(cached(run.last, 1).order, 0);
  assert.equal(cached(run.last, 1).refcount, 1);
});

test('fork does not copy a shared file PMD (copy_huge_pmd skips it); the child maps the same THP on its own fault', () => {
  const run = go(`${memfd()}  mem[0] = 5
  c = fork()

thread c:
  expect mem[0x1000] == 0 else "child read"
  mem[0x2000] = 6

thread main:
  expect mem[0x2000] == 6 else "shared"
`);
  ok(run);
  const s = run.at.get('dup_mmap')!;
  const child = Object.values(s.mms).find((m) => m.id !== 1)!;
  assert.deepEqual(child.huge, {});
  const f = cached(run.last, 0);
  assert.equal(f.entireMapcount, 2);
  assert.equal(f.refcount, NR + 2);
});

test('a private mapping reads through the PMD and copies one page on a write, clearing the PMD', () => {
  const run = go(`${memfd('always', HUGE, HUGE, 'MAP_PRIVATE')}  write(fd, [1, 2], 0x1000)
  expect mem[0x1000] == 1 else "read"
  mem[0x1001] = 9
  expect read(fd, 2, 0x1000) == [1, 2] else "the file kept its bytes"
  expect mem[0x1000..0x1002] == [1, 9] else "private copy"
`);
  ok(run);
  const s = run.last;
  const mm = s.mms[1]!;
  assert.deepEqual(mm.huge, {});
  const pte = mm.ptes[String(0x7f0000000000 / 4096 + 1)];
  assert.ok(pte?.kind === 'present');
  assert.equal(s.folios[pte.pfn]!.anon, true);
  const f = cached(s, 1);
  assert.equal(f.order, 9, 'write(2) allocated the THP (no VMA: always)');
  assert.equal(f.refcount, NR);
});

test('a R/O long-term pin of a private PMD-mapped shmem THP unshares one page into an anon PTE (6.2), never the PMD again', () => {
  const text = `${memfd('always', HUGE, HUGE, 'MAP_PRIVATE')}  write(fd, [4], 0x3000)
  x = mem[0]
  pin_user_pages(mem + 0x3000, 0x1000, FOLL_LONGTERM)
  expect mem[0x3000] == 4 else "data"
`;
  const run = go(text, '6.2');
  ok(run);
  const mm = run.last.mms[1]!;
  assert.deepEqual(mm.huge, {});
  const pte = mm.ptes[String(0x7f0000000000 / 4096 + 3)];
  assert.ok(pte?.kind === 'present');
  assert.equal(run.last.folios[pte.pfn]!.anon, true);
  // Before 84209e87c696 (6.2) the pin takes the page-cache page through the PMD.
  const old = go(text, '6.1');
  ok(old);
  assert.equal(Object.keys(old.last.mms[1]!.huge).length, 1);
  assert.equal(cached(old.last, 0).pincount, 1);
});

test('GUP pins a PMD-mapped shmem THP through the PMD', () => {
  const run = go(`${memfd()}  mem[0] = 3
  pin_user_pages(mem + 0x1000, 0x3000, FOLL_LONGTERM|FOLL_WRITE)
  pin_user_pages(mem + 0x8000, 0x1000, FOLL_LONGTERM, fast=1)
`);
  ok(run);
  const f = cached(run.last, 0);
  assert.equal(f.pincount, 4);
  assert.equal(f.refcount, NR + 1 + 4);
  assert.equal(f.entireMapcount, 1);
});

test('UFFDIO_REGISTER_MODE_WP on a shmem THP: -EINVAL before 5.19, the PMD stays', () => {
  const run = go(`${memfd()}  mem[0] = 1
  uffd = userfaultfd()
  uffdio_api(uffd)
  expect uffdio_register(uffd, mem, ${HUGE}, UFFDIO_REGISTER_MODE_WP) == -EINVAL else "register"
`, '5.18');
  ok(run);
  assert.equal(Object.keys(run.last.mms[1]!.huge).length, 1);
});
