// Model-based property: random programs on random kernels never break the
// kernel's accounting invariants (refcount = mappings + caches + GUP users,
// mapcount = mapping PTEs, PG_anon_exclusive only on anon pages ...), and the
// same program always gives the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseScenario } from '../../src/scenario/parse.js';
import { Machine } from '../../src/syscalls/machine.js';
import { MAINLINE } from '../../src/eras/profiles.js';
import { runScenario } from '../../src/scenario/run.js';
import { type Program, assertNoFindings, programText } from './random-program.js';
import { hashState } from '../../src/model/state.js';

const PAGES = 3;
const page = fc.integer({ min: 0, max: PAGES - 1 });
const op = fc.oneof(
  fc.tuple(page, fc.integer({ min: 0, max: 255 })).map(([p, b]) => `mem[${p * 4096 + 17}] = ${b}`),
  page.map((p) => `x = mem[${p * 4096 + 4095}]`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_PAGEOUT)`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_DONTNEED)`),
  page.map((p) => `vmsplice(p, mem + ${p * 4096}, 4096)`),
  fc.constant('x = read(p, 4096)'),
  page.map((p) => `pin_user_pages(mem + ${p * 4096}, 4096, FOLL_LONGTERM)`),
  page.map((p) => `pin_user_pages(mem + ${p * 4096}, 4096, FOLL_LONGTERM|FOLL_WRITE, fast=1)`),
  page.map((p) => `get_user_pages(mem + ${p * 4096}, 4096, FOLL_WRITE)`),
  fc.constant('clear_refs(4)'),
  fc.constant('mprotect(mem, 12288, PROT_READ)'),
  fc.constant('mprotect(mem, 12288, PROT_READ|PROT_WRITE)'),
  page.map((p) => `write_proc_mem(mem + ${p * 4096 + 5}, "xy")`),
  fc.constant('swap_writeback_end()'),
  fc.constant('swapoff()'),
  fc.constant('madvise(mem, 12288, MADV_MERGEABLE)'),
  fc.constant('ksm_scan()'),
  fc.constant('madvise(mem, 12288, MADV_UNMERGEABLE)'),
);

/** A program: the parent works, forks once, the child works and exits, the parent goes on. */
const program = fc.record({
  kernel: fc.constantFrom(...MAINLINE),
  arch: fc.constantFrom('x86_64', 'i386'),
  stable: fc.integer({ min: 0, max: 1 }),
  async: fc.integer({ min: 0, max: 1 }),
  before: fc.array(op, { maxLength: 8 }),
  child: fc.array(op, { maxLength: 6 }),
  after: fc.array(op, { maxLength: 8 }),
});

function text(p: Program & { stable?: number; async?: number }): string {
  return programText(
    [
      `swapon(stable_writes=${p.stable ?? 0}, async_writeback=${p.async ?? 0})`,
      'mem = mmap(12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)',
      'p = pipe()',
    ],
    p,
  );
}

test('random programs keep the accounting invariants on every era', () => {
  fc.assert(
    fc.property(program, (p) => assertNoFindings(text(p), p.kernel, p.arch)),
    { numRuns: 400, seed: 20261125 },
  );
});

test('the same program gives the same state, byte for byte', () => {
  const src = text({
    before: ['mem[0] = 1', 'vmsplice(p, mem, 4096)', 'madvise(mem, 4096, MADV_PAGEOUT)'],
    child: ['x = mem[0]', 'mem[4096] = 2'],
    after: ['mem[0] = 3', 'x = read(p, 4096)'],
  });
  const hashes = [0, 1].map(() => {
    const m = new Machine({ kernel: '6.1', arch: 'x86_64' });
    const sc = parseScenario(src, 'det.cow');
    void m;
    const states: string[] = [];
    runScenario(sc, { kernel: '6.1', arch: 'x86_64', onStep: (e) => states.push(hashState(e.after)) });
    return states;
  });
  assert.ok(hashes[0]!.length > 10);
  assert.deepEqual(hashes[0], hashes[1]);
});
