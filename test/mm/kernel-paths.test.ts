// Individual kernel paths, checked through what the model's steps decided and
// what the program observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './support.js';

const swapInUnderWriteback = (stable: number) => `
swapon(stable_writes=${stable}, async_writeback=1)
mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..4096] = 0x11
expect madvise(mem, 4096, MADV_PAGEOUT) == 0
x = mem[0]
mem[0] = 0x22
swap_writeback_end()
expect mem[0] == 0x22
`;

test('SWP_STABLE_WRITES: a page still under writeback is not taken as exclusive at swap-in (1493a1913e34)', () => {
  const stable = run(swapInUnderWriteback(1), '6.2');
  assert.ok(stable.log.includes('pageout: pfn 1 written to 0:1 (writeback in flight)'));
  assert.ok(stable.log.includes('do_swap_page: pte_swp_exclusive: true'));
  assert.ok(stable.log.some((l) => /do_swap_page: pfn 1 refcount \d+: not known exclusive, map R\/O/.test(l)));
  assert.ok(stable.log.some((l) => l.startsWith('wp_page_copy: pfn 1 replaced by a copy')));
  const plain = run(swapInUnderWriteback(0), '6.2');
  assert.ok(plain.log.includes('do_swap_page: pfn 1 mapped R/O, PageAnonExclusive'));
  assert.ok(plain.log.includes('do_wp_page: pfn 1 PageAnonExclusive: reuse'));
  assert.equal(plain.r.result, 'pass');
  assert.equal(stable.r.result, 'pass');
});

test('pageout() keeps a page with extra references dirty in the swap cache, unwritten', () => {
  const { log, last } = run(
    `mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0] = 1
p = pipe()
vmsplice(p, mem, 4096)
madvise(mem, 4096, MADV_PAGEOUT)
`,
    '6.2',
  );
  assert.ok(log.includes('pageout: pfn 1 refcount 3: PAGE_KEEP, stays dirty in the swap cache'));
  assert.equal(last.swap[0]!.slots[1]!.data, null);
  assert.equal(last.folios[1]!.dirty, true);
  assert.equal(last.folios[1]!.swapCache, true);
});

test('faultin_page() changes the flags of one page only: a two-page /proc/self/mem write on 4.8 COWs both', () => {
  const { r } = run(
    `fd = tmpfile()
write(fd, fill(8192, 0x41))
map = mmap(8192, PROT_READ, MAP_PRIVATE, fd)
expect write_proc_mem(map + 4000, fill(200, 0x5a)) == 200
expect read(fd, 8192, 0) == 0x41 else "the file was written"
expect map[4000..4200] == 0x5a else "the private copy misses the write"
`,
    '4.8',
  );
  assert.deepEqual(r.expectations.map((e) => e.ok), [true, true, true]);
});

test('6.11 maps an exclusive page writable but clean on a swap-in read fault (c18160dba5ff)', () => {
  const src = `mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0] = 7
madvise(mem, 4096, MADV_PAGEOUT)
x = mem[0]
`;
  const pteAfter = (kernel: string) => {
    const { last } = run(src, kernel);
    return Object.values(last.mms[1]!.ptes)[0];
  };
  assert.deepEqual(pteAfter('6.11'), { kind: 'present', pfn: 2, write: true, dirty: false, young: true, softDirty: true, uffdWp: false, special: false });
  assert.deepEqual(pteAfter('6.10'), { kind: 'present', pfn: 2, write: false, dirty: false, young: true, softDirty: true, uffdWp: false, special: false });
});

test('MADV_PAGEOUT unmapped COW-shared pages from every process before 12e967fd8e4e (5.6)', () => {
  const src = `mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0] = 7
c = fork()
madvise(mem, 4096, MADV_PAGEOUT)
expect pm_swap(mem) == 1 else "not paged out"
`;
  assert.equal(run(src, '5.5').r.result, 'pass');
  assert.equal(run(src, '5.6').r.result, 'fail');
});

test('mprotect(PROT_READ|PROT_WRITE) maps exclusive anon pages writable: dirty ones from 6.0, clean ones from 6.2', () => {
  const src = (first: string) => `mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
${first}
mprotect(mem, 4096, PROT_READ)
mprotect(mem, 4096, PROT_READ|PROT_WRITE)
`;
  const writable = (kernel: string, first: string) => {
    const pte = Object.values(run(src(first), kernel).last.mms[1]!.ptes)[0]!;
    return pte.kind === 'present' && pte.write;
  };
  // A dirty exclusive page (written) vs a clean one (swapped in by a read fault, 6.10 maps it R/O and clean).
  assert.equal(writable('5.19', 'mem[0] = 1'), false);
  assert.equal(writable('6.0', 'mem[0] = 1'), true);
  const clean = 'mem[0] = 1\nmadvise(mem, 4096, MADV_PAGEOUT)\nx = mem[0]';
  assert.equal(writable('6.1', clean), false);
  assert.equal(writable('6.2', clean), true);
});

test('a missing fault in a THP-eligible VMA registered with userfaultfd goes to the monitor, not to a THP', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
uffd = userfaultfd()
uffdio_api(uffd)
uffdio_register(uffd, mem, 0x200000, UFFDIO_REGISTER_MODE_MISSING)
w = start store(mem, 1)
thread monitor:
  m = uffd_read_msg(uffd)
  expect msg_event(m) == UFFD_EVENT_PAGEFAULT else "no missing-fault message"
  uffdio_copy(uffd, mem, fill(4096, 7))
thread main:
  expect wait(w) == 1
  expect mem[1] == 7 else "the copied page is not mapped"
`;
  const { r } = run(src, '6.8');
  assert.deepEqual(r.expectations.filter((e) => !e.ok), []);
});

test('a THP write fault that cannot reuse copies the whole THP before 3917c80280c9 (5.8), one page after', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x11
c = fork()
mem[5] = 0x22
thread c:
  expect mem[5] == 0x11 else "the child sees the parent's write"
  exit(0)
`;
  const old = run(src, '5.7');
  assert.ok(old.log.some((l) => /^do_huge_pmd_wp_page: .*copied whole into THP pfn \d+$/.test(l)), old.log.join('\n'));
  assert.equal(Object.keys(old.last.mms[1]!.huge).length, 1);
  const now = run(src, '5.8');
  assert.ok(now.log.some((l) => /^do_huge_pmd_wp_page: .*split the PMD, fall back to PTEs$/.test(l)));
  assert.equal(Object.keys(now.last.mms[1]!.huge).length, 0);
  for (const r of [old.r, now.r]) assert.equal(r.result, 'pass');
});

test('PTEs of a split PMD are clean before 0ccf7f168e17 (6.1), dirty after', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0] = 1
mprotect(mem + 0x1000, 0x1000, PROT_READ)
`;
  const dirty = (kernel: string) => {
    const pte = run(src, kernel).last.mms[1]!.ptes[String(0x7f0000000000 / 4096)]!;
    return pte.kind === 'present' && pte.dirty;
  };
  assert.equal(dirty('6.0'), false);
  assert.equal(dirty('6.1'), true);
});

test('WP_ASYNC on a PMD-mapped THP splits it and clears uffd-wp on the written page only (d61ea1cb0095)', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x11
uffd = userfaultfd()
uffdio_api(uffd, UFFD_FEATURE_WP_ASYNC)
uffdio_register(uffd, mem, 0x200000, UFFDIO_REGISTER_MODE_WP)
uffdio_writeprotect(uffd, mem, 0x200000, UFFDIO_WRITEPROTECT_MODE_WP)
w = start store(mem, 0x22)
expect wait(w) == 1 else "the store did not complete"
expect pm_uffd_wp(mem) == 0 else "the written page still looks write-protected"
expect pm_uffd_wp(mem + 0x1000) == 1 else "a page that was not written lost its uffd-wp bit"
`;
  const { r, log } = run(src, '6.7');
  assert.deepEqual(r.expectations.filter((e) => !e.ok), []);
  assert.ok(log.some((l) => l.startsWith('wp_huge_pmd: UFFD_FEATURE_WP_ASYNC: PMD at')));
});

test('MADV_PAGEOUT leaves a pinned PMD-mapped THP PMD-mapped: can_split_huge_page (4.13) refuses it, from 5.11 folio_maybe_dma_pinned first', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x11
pin = pin_user_pages(mem, 4096, FOLL_LONGTERM|FOLL_WRITE)
madvise(mem, 0x200000, MADV_PAGEOUT)
`;
  const outcome = (kernel: string) => {
    const { last, log } = run(src, kernel);
    return { huge: Object.keys(last.mms[1]!.huge).length, why: log.find((l) => l.startsWith('shrink_folio_list:')) ?? '' };
  };
  for (const v of ['5.10', '5.11', '6.18']) assert.equal(outcome(v).huge, 1, v);
  assert.match(outcome('5.10').why, /cannot split, keep/);
  assert.match(outcome('5.11').why, /maybe pinned: keep/);
});

test('un-protecting shmem made the PTE writable at once until 931298e103c2 (6.3): the next write missed soft-dirty', () => {
  const src = `fd = memfd_create()
ftruncate(fd, 4096)
mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd)
mem[0] = 1
uffd = userfaultfd()
uffdio_api(uffd)
uffdio_register(uffd, mem, 4096, UFFDIO_REGISTER_MODE_WP)
uffdio_writeprotect(uffd, mem, 4096, UFFDIO_WRITEPROTECT_MODE_WP)
clear_refs(4)
uffdio_writeprotect(uffd, mem, 4096, 0)
mem[0] = 2
expect pm_soft_dirty(mem) == 1 else "not soft-dirty"
`;
  assert.equal(run(src, '6.2').r.result, 'fail');
  assert.equal(run(src, '6.3').r.result, 'pass');
});

test('SWP_SYNCHRONOUS_IO swap-in skips the swap cache from 0bcac06f27d7 (4.15), only while one PTE uses the entry', () => {
  const src = (fork: boolean) => `swapon(synchronous_io=1)
mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0..4096] = 0x33
expect madvise(mem, 4096, MADV_PAGEOUT) == 0
${fork ? 'c = fork()\n' : ''}x = mem[0]
expect x == 0x33
`;
  const skipped = (kernel: string, fork = false) => run(src(fork), kernel).log.some((l) => l.includes('skipping the swap cache'));
  assert.equal(skipped('6.18'), true);
  assert.equal(skipped('5.4'), true);
  // fork() duplicated the swap entry: count 2, the shared swap-cache path.
  assert.equal(skipped('6.18', true), false);
  const { last } = run(src(false), '6.18');
  // The slot is freed at once and the page is not in the swap cache.
  assert.deepEqual(last.swap[0]!.slots, {});
  assert.deepEqual(last.swapCache, {});
});

test('no HAVE_ARCH_SOFT_DIRTY on arm64: clear_refs 4 write-protects nothing and pagemap never shows PM_SOFT_DIRTY', () => {
  const src = `mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
mem[0] = 1
clear_refs(4)
mem[0] = 2
`;
  const x86 = run(`${src}expect pm_soft_dirty(mem) == 1\n`, '6.18');
  assert.deepEqual(x86.r.expectations.filter((e) => !e.ok), []);
  assert.ok(x86.log.includes('clear_soft_dirty: PTEs write-protected, soft-dirty cleared'));
  const arm = run(`${src}expect pm_soft_dirty(mem) == 0\n`, '6.18', 'arm64');
  assert.deepEqual(arm.r.expectations.filter((e) => !e.ok), []);
  assert.ok(arm.log.some((l) => l.startsWith('clear_soft_dirty: arm64') && l.endsWith('nothing to do')));
  assert.ok(!arm.log.some((l) => l.startsWith('do_wp_page')), 'the second write needs no fault');
});

test('a write fault on the huge zeropage: a new THP by PMD until 3917c80280c9 (5.8) and from 1ced09e0331f (6.13), zeropage PTEs and one new page between', () => {
  const src = `thp_enabled(2048, 1)
thp_use_zero_page(1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
x = mem[0]
mem[0x1000] = 0x22
expect mem[0x1000] == 0x22 else "the write is lost"
expect mem[0] == 0 else "not zero"
`;
  const base = 0x7f0000000000 / 4096;
  const state = (kernel: string) => {
    const { r, last, log } = run(src, kernel);
    assert.equal(r.result, 'pass', kernel);
    assert.deepEqual(last.findings, [], kernel);
    const mm = last.mms[1]!;
    return { mm, log, zero: last.zeroPfn, hugeZero: last.hugeZeroPfn! };
  };
  for (const kernel of ['5.7', '6.13', '6.18']) {
    const { mm, log, hugeZero } = state(kernel);
    const e = mm.huge[String(base)]!;
    assert.equal(e.hugeZero, false, kernel);
    assert.notEqual(e.pfn, hugeZero, kernel);
    assert.deepEqual({ write: e.write, dirty: e.dirty }, { write: true, dirty: true }, kernel);
    assert.equal(Object.keys(mm.ptes).length, 0, kernel);
    const fn = kernel === '5.7' ? 'do_huge_pmd_wp_page' : 'do_huge_zero_wp_pmd';
    assert.ok(log.includes(`${fn}: huge zeropage: replaced by a zeroed THP pfn ${e.pfn}`), kernel);
  }
  for (const kernel of ['5.8', '6.12']) {
    const { mm, zero } = state(kernel);
    assert.deepEqual(mm.huge, {}, kernel);
    const ptes = Object.entries(mm.ptes);
    assert.equal(ptes.length, 512, kernel);
    const own = ptes.filter(([, p]) => p.kind === 'present' && p.pfn !== zero);
    assert.deepEqual(own.map(([v]) => Number(v) - base), [1], kernel);
    assert.ok(ptes.every(([v, p]) => Number(v) - base === 1 || (p.kind === 'present' && p.special && !p.write)), kernel);
  }
});

test('a R/O PMD: FOLL_FORCE writes loop in 4.9 (no can_follow_write_pmd until 8310d48b125d), a GUP read dirties it until a8f97366452e (4.15)', () => {
  const src = `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x11
mprotect(mem, 0x200000, PROT_READ)
expect write_proc_mem(mem, "AB") == 2 else "the write did not complete"
expect mem[0..2] == "AB" else "the write is not visible"
`;
  const old = run(src, '4.9');
  assert.ok(old.log.some((l) => l.includes('__get_user_pages() loops forever (killable); stopped with -EINTR')));
  assert.equal(old.log.filter((l) => l.startsWith('do_huge_pmd_wp_page: THP pfn') && l.endsWith('reused')).length, 16);
  assert.equal(old.r.expectations[0]!.actual, '-0x4');
  assert.equal(run(src, '4.10').r.result, 'pass');
  const touch = `thp_enabled(2048, 1)
thp_use_zero_page(1)
mem = mmap(0x200000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
x = mem[0]
y = read_proc_mem(mem, 4)
`;
  const dirty = (kernel: string) => run(touch, kernel).last.mms[1]!.huge[String(0x7f0000000000 / 4096)]!.dirty;
  assert.equal(dirty('4.14'), true);
  assert.equal(dirty('4.15'), false);
});

test('a R/O long-term pin of the huge zeropage: 6.13 unshares into a writable PMD-mapped THP (map_anon_folio_pmd), 6.12 into one R/O page', () => {
  const src = `thp_enabled(2048, 1)
thp_use_zero_page(1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
x = mem[0]
pin = pin_user_pages(mem, 4096, FOLL_LONGTERM)
mem[0] = 0x5a
expect pin_read(pin, 0, 1) == 0x5a else "the pinned page is not the mapped one"
`;
  const base = String(0x7f0000000000 / 4096);
  const now = run(src, '6.13');
  assert.deepEqual(now.r.expectations.filter((e) => !e.ok), []);
  const e = now.last.mms[1]!.huge[base]!;
  assert.deepEqual({ hugeZero: e.hugeZero, write: e.write }, { hugeZero: false, write: true });
  const before = run(src, '6.12');
  assert.deepEqual(before.r.expectations.filter((x) => !x.ok), []);
  assert.deepEqual(before.last.mms[1]!.huge, {});
  assert.ok(before.log.some((l) => /^wp_page_copy: zeropage replaced by a copy, pfn \d+ \(unshare: R\/O\)$/.test(l)));
});

test('until 5.7 the huge zeropage write fault allocates a THP only while THP is enabled for the VMA; do_huge_zero_wp_pmd (6.13) does not ask', () => {
  const src = `thp_enabled(2048, 1)
thp_use_zero_page(1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
x = mem[0]
thp_enabled(2048, 0)
mem[0] = 1
`;
  const huge = (kernel: string) => Object.keys(run(src, kernel).last.mms[1]!.huge).length;
  assert.equal(huge('5.7'), 0);
  assert.equal(huge('6.13'), 1);
  assert.equal(huge('4.4'), 0);
  assert.equal(huge('6.12'), 0);
});

test('a write to a page of a PTE-mapped THP no one else maps: copied until 1da190f4d0a6 (6.15) reuses it; a folio mapped once is reused until cd197c3a2040 (6.9)', () => {
  const forked = (rest: string) => `thp_enabled(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
madvise(mem, 0x200000, MADV_HUGEPAGE)
mem[0..0x200000] = 0x11
mprotect(mem + 0x1000, 0x1000, PROT_READ)
mprotect(mem + 0x1000, 0x1000, PROT_READ|PROT_WRITE)
c = fork()
thread c:
  exit(0)
thread main:
  expect wait(c) == 0
${rest}  mem[0] = 0x22
  expect mem[0..2] == [0x22, 0x11]
`;
  const outcome = (src: string, kernel: string) => {
    const { r, log } = run(src, kernel);
    assert.deepEqual(r.expectations.filter((e) => !e.ok), [], kernel);
    assert.deepEqual(r.findings, [], kernel);
    const reused = log.some((l) => /^wp_page_reuse: pfn \d+ reused/.test(l));
    assert.equal(reused, !log.some((l) => l.startsWith('wp_page_copy:')), kernel);
    return { reused, log };
  };
  const whole = forked('');
  assert.equal(outcome(whole, '6.8').reused, false);
  assert.equal(outcome(whole, '6.14').reused, false);
  const now = outcome(whole, '6.15');
  assert.equal(now.reused, true);
  assert.ok(now.log.some((l) => /^__wp_can_reuse_large_anon_folio: order-9 pfn \d+ mapped by this mm alone, refcount = mapcount 512: reuse/.test(l)));
  // Only page 0 still mapped: reused as a small folio would be, until 6.9 gives such a folio back instead.
  const single = forked('  madvise(mem + 0x1000, 0x1ff000, MADV_DONTNEED)\n');
  assert.equal(outcome(single, '6.8').reused, true);
  assert.equal(outcome(single, '6.9').reused, false);
  assert.ok(outcome(single, '6.18').log.some((l) => l.includes('mapped once: copy, and let the folio go')));
});

test('MADV_PAGEOUT refuses VM_HUGETLB and VM_LOCKED VMAs (can_madv_lru_vma): -EINVAL', () => {
  const src = `nr_hugepages(2048, 1)
mem = mmap(0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB)
mem[0] = 1
expect madvise(mem, 0x200000, MADV_PAGEOUT) == -EINVAL
`;
  assert.deepEqual(run(src, '6.18').r.expectations.filter((e) => !e.ok), []);
});
