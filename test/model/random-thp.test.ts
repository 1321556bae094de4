// Model-based property on large folios: random programs over a THP-backed
// region (PMD mappings, partial mprotect/munmap/MADV_DONTNEED splits, swapout,
// GUP, fork) keep the accounting invariants on every era that has THP.
import { test } from 'node:test';
import fc from 'fast-check';
import { MAINLINE } from '../../src/eras/profiles.js';
import { type Program, assertNoFindings, programText } from './random-program.js';

const HUGE = 2 * 1024 * 1024;
const off = fc.constantFrom(0, 4096, HUGE / 2, HUGE - 4096, HUGE, HUGE + 8192);
const op = fc.oneof(
  fc.tuple(off, fc.integer({ min: 0, max: 255 })).map(([o, b]) => `mem[${o + 3}] = ${b}`),
  off.map((o) => `x = mem[${o}]`),
  off.map((o) => `madvise(mem + ${o}, 4096, MADV_DONTNEED)`),
  fc.constant(`madvise(mem, ${2 * HUGE}, MADV_PAGEOUT)`),
  off.map((o) => `madvise(mem + ${o}, 4096, MADV_PAGEOUT)`),
  off.map((o) => `mprotect(mem + ${o}, 4096, PROT_READ)`),
  fc.constant(`mprotect(mem, ${2 * HUGE}, PROT_READ|PROT_WRITE)`),
  off.map((o) => `vmsplice(p, mem + ${o}, 4096)`),
  fc.constant('x = read(p, 4096)'),
  off.map((o) => `pin_user_pages(mem + ${o}, 8192, FOLL_LONGTERM)`),
  off.map((o) => `pin_user_pages(mem + ${o}, 4096, FOLL_LONGTERM|FOLL_WRITE, fast=1)`),
  fc.constant('clear_refs(4)'),
);

const program = fc.record({
  kernel: fc.constantFrom(...MAINLINE),
  before: fc.array(op, { maxLength: 6 }),
  child: fc.array(op, { maxLength: 4 }),
  after: fc.array(op, { maxLength: 6 }),
});

function text(p: Program): string {
  return programText(
    [
      // The first mapping of a fresh machine is PMD-aligned.
      `mem = mmap(${2 * HUGE}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)`,
      'thp_enabled(2048, 1)',
      `madvise(mem, ${2 * HUGE}, MADV_HUGEPAGE)`,
      `mem[0..${2 * HUGE}] = 0x11`,
      'p = pipe()',
    ],
    p,
  );
}

test('random programs on THP keep the accounting invariants', () => {
  fc.assert(
    fc.property(program, (p) => assertNoFindings(text(p), p.kernel, 'x86_64')),
    { numRuns: 25, seed: 20261125 },
  );
});
