// Model-based property on shmem THPs: random programs over a memfd whose
// page cache holds PMD-order folios (PMD and PTE mappings, file PMD splits,
// uffd-wp markers, MADV_DONTNEED, reclaim, truncation, GUP, fork) keep the
// accounting invariants on every era; before 4.8 the pages are small. A write
// to a protected page with nobody to resolve it ends the program as a deadlock,
// an access past the end of the truncated file with SIGBUS.
import { test } from 'node:test';
import fc from 'fast-check';
import { MAINLINE } from '../../src/eras/profiles.js';
import { type Program, assertNoFindings, programText } from './random-program.js';

const HUGE = 2 * 1024 * 1024;
const off = fc.constantFrom(0, 4096, HUGE / 2, HUGE - 4096, HUGE, HUGE + 8192);
const op = fc.oneof(
  fc.tuple(off, fc.integer({ min: 0, max: 255 })).map(([o, b]) => `mem[${o + 3}] = ${b}`),
  off.map((o) => `x = mem[${o}]`),
  off.map((o) => `x = priv[${o}]`),
  fc.tuple(off, fc.integer({ min: 0, max: 255 })).map(([o, b]) => `priv[${o}] = ${b}`),
  off.map((o) => `madvise(mem + ${o}, 4096, MADV_DONTNEED)`),
  fc.constant(`madvise(mem, ${2 * HUGE}, MADV_DONTNEED)`),
  fc.constant(`madvise(mem, ${2 * HUGE}, MADV_PAGEOUT)`),
  off.map((o) => `mprotect(mem + ${o}, 4096, PROT_READ)`),
  fc.constant(`mprotect(mem, ${2 * HUGE}, PROT_READ|PROT_WRITE)`),
  off.map((o) => `uffdio_writeprotect(uffd, mem + ${o}, 8192, UFFDIO_WRITEPROTECT_MODE_WP)`),
  fc.constant(`uffdio_writeprotect(uffd, mem, ${2 * HUGE}, UFFDIO_WRITEPROTECT_MODE_WP)`),
  fc.constant(`uffdio_writeprotect(uffd, mem, ${2 * HUGE}, 0)`),
  off.map((o) => `ftruncate(fd, ${o + 4096})`),
  fc.constant(`ftruncate(fd, ${2 * HUGE})`),
  fc.constant(`fallocate(fd, 0, 0, ${2 * HUGE})`),
  off.map((o) => `write(fd, [7, 8], ${o})`),
  off.map((o) => `vmsplice(p, mem + ${o}, 4096)`),
  fc.constant('x = read(p, 4096)'),
  off.map((o) => `pin_user_pages(mem + ${o}, 8192, FOLL_LONGTERM)`),
  off.map((o) => `pin_user_pages(mem + ${o}, 4096, FOLL_LONGTERM|FOLL_WRITE, fast=1)`),
  off.map((o) => `pin_user_pages(priv + ${o}, 4096, FOLL_LONGTERM)`),
);

const program = fc.record({
  kernel: fc.constantFrom(...MAINLINE),
  mode: fc.constantFrom('always', 'within_size', 'advise'),
  before: fc.array(op, { maxLength: 6 }),
  child: fc.array(op.filter((s) => !s.includes('uffd')), { maxLength: 4 }),
  after: fc.array(op, { maxLength: 6 }),
});

function text(p: Program & { mode: string }): string {
  return programText(
    [
      `shmem_enabled("${p.mode}")`,
      'fd = memfd_create()',
      `ftruncate(fd, ${2 * HUGE})`,
      `mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_SHARED, fd)`,
      `priv = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd)`,
      `madvise(mem, ${2 * HUGE}, MADV_HUGEPAGE)`,
      `mem[0..${HUGE}] = 0x11`,
      'uffd = userfaultfd()',
      'uffdio_api(uffd)',
      `uffdio_register(uffd, mem, ${2 * HUGE}, UFFDIO_REGISTER_MODE_WP)`,
      'p = pipe()',
    ],
    p,
  );
}

test('random programs on shmem THPs keep the accounting invariants', () => {
  fc.assert(
    fc.property(program, (p) => {
      assertNoFindings(text(p), p.kernel, 'x86_64', /SIGSEGV|deadlock|SIGBUS/);
    }),
    { numRuns: 40, seed: 20261125 },
  );
});
