// Model-based property with userfaultfd write-protect: random programs that
// protect and un-protect pages, swap them, pin them and fork keep the kernel
// invariants (including "no writable PTE with the uffd-wp bit"). A write to a
// protected page with nobody to resolve it ends the program as a deadlock.
import { test } from 'node:test';
import fc from 'fast-check';
import { MAINLINE, compareVersions } from '../../src/eras/profiles.js';
import { type Program, assertNoFindings, programText } from './random-program.js';

const page = fc.integer({ min: 0, max: 2 });
const op = fc.oneof(
  fc.tuple(page, fc.integer({ min: 0, max: 255 })).map(([p, b]) => `mem[${p * 4096 + 9}] = ${b}`),
  page.map((p) => `x = mem[${p * 4096}]`),
  page.map((p) => `uffdio_writeprotect(uffd, mem + ${p * 4096}, 4096, UFFDIO_WRITEPROTECT_MODE_WP)`),
  page.map((p) => `uffdio_writeprotect(uffd, mem + ${p * 4096}, 4096, 0)`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_PAGEOUT)`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_DONTNEED)`),
  page.map((p) => `vmsplice(p, mem + ${p * 4096}, 4096)`),
  page.map((p) => `pin_user_pages(mem + ${p * 4096}, 4096, FOLL_LONGTERM)`),
  fc.constant('clear_refs(4)'),
  fc.constant('swapoff()'),
  page.map((p) => `mprotect(mem + ${p * 4096}, 4096, PROT_READ)`),
  fc.constant('mprotect(mem, 12288, PROT_READ|PROT_WRITE)'),
);

const program = fc.record({
  kernel: fc.constantFrom(...MAINLINE.filter((v) => compareVersions(v, '5.7') >= 0)),
  before: fc.array(op, { maxLength: 8 }),
  child: fc.array(op.filter((s) => !s.includes('uffd')), { maxLength: 4 }),
  after: fc.array(op, { maxLength: 8 }),
});

function text(p: Program): string {
  return programText(
    [
      'mem = mmap(12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)',
      'mem[0..12288] = 0x11',
      'p = pipe()',
      'uffd = userfaultfd()',
      'uffdio_api(uffd)',
      'uffdio_register(uffd, mem, 12288, UFFDIO_REGISTER_MODE_WP)',
    ],
    p,
  );
}

test('random programs with uffd-wp keep the kernel invariants', () => {
  fc.assert(
    fc.property(program, (p) => {
      assertNoFindings(text(p), p.kernel, 'x86_64', /SIGSEGV|deadlock/);
    }),
    { numRuns: 300, seed: 20261125 },
  );
});
