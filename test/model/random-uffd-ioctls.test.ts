// Model-based property with UFFDIO_ZEROPAGE, UFFDIO_POISON and UFFDIO_MOVE:
// random programs that fill, poison and move pages between the pages of one
// registered mapping, interleaved with stores, write protection, swap-out,
// pins and fork, keep the kernel invariants (including "every PTE marker has
// a marker bit"). A store to a missing page that nobody resolves ends the
// program as a deadlock, an access to a poisoned page as a SIGBUS.
import { test } from 'node:test';
import fc from 'fast-check';
import { MAINLINE, compareVersions } from '../../src/eras/profiles.js';
import { type Program, assertNoFindings, programText } from './random-program.js';

const page = fc.integer({ min: 0, max: 3 });
const op = fc.oneof(
  fc.tuple(page, fc.integer({ min: 0, max: 255 })).map(([p, b]) => `mem[${p * 4096 + 9}] = ${b}`),
  page.map((p) => `x = mem[${p * 4096}]`),
  page.map((p) => `uffdio_zeropage(uffd, mem + ${p * 4096}, 4096)`),
  page.map((p) => `uffdio_poison(uffd, mem + ${p * 4096}, 4096)`),
  page.map((p) => `uffdio_copy(uffd, mem + ${p * 4096}, fill(4096, ${p + 1}))`),
  fc.tuple(page, page, fc.boolean()).map(([d, s, holes]) =>
    `uffdio_move(uffd, mem + ${d * 4096}, mem + ${s * 4096}, 4096${holes ? ', UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES' : ''})`),
  page.map((p) => `uffdio_writeprotect(uffd, mem + ${p * 4096}, 4096, UFFDIO_WRITEPROTECT_MODE_WP)`),
  page.map((p) => `uffdio_writeprotect(uffd, mem + ${p * 4096}, 4096, 0)`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_PAGEOUT)`),
  page.map((p) => `madvise(mem + ${p * 4096}, 4096, MADV_DONTNEED)`),
  page.map((p) => `pin_user_pages(mem + ${p * 4096}, 4096, FOLL_LONGTERM)`),
  fc.constant('swapoff()'),
);

const program = fc.record({
  kernel: fc.constantFrom(...MAINLINE.filter((v) => compareVersions(v, '6.6') >= 0)),
  before: fc.array(op, { maxLength: 10 }),
  child: fc.array(op.filter((s) => !s.includes('uffd')), { maxLength: 4 }),
  after: fc.array(op, { maxLength: 10 }),
});

function text(p: Program): string {
  return programText(
    [
      'mem = mmap(16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)',
      'mem[0..8192] = 0x11',
      'uffd = userfaultfd()',
      'uffdio_api(uffd)',
      'uffdio_register(uffd, mem, 16384, UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP)',
    ],
    p,
  );
}

test('random programs with UFFDIO_ZEROPAGE, UFFDIO_POISON and UFFDIO_MOVE keep the kernel invariants', () => {
  fc.assert(
    fc.property(program, (p) => {
      assertNoFindings(text(p), p.kernel, 'x86_64', /SIGSEGV|deadlock|SIGBUS/);
    }),
    { numRuns: 300, seed: 20261125 },
  );
});
