// Benchmarks: simulated steps per second, and the cost of cloning and hashing
// the state, for machines with 1, 100 and 10,000 pages. Prints numbers only.
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { Machine } from '../src/syscalls/machine.js';
import { SYSCALLS } from '../src/syscalls/table.js';
import { cloneState, hashState } from '../src/model/state.js';
import { user_write } from '../src/syscalls/uaccess.js';

function time<T>(fn: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

/** A machine with `pages` anonymous pages populated with distinct contents, half of them swapped out. */
function machineWith(pages: number, checks: boolean): Machine {
  const m = new Machine({ kernel: '6.18', arch: 'x86_64', swapSlots: pages + 16 });
  m.checks = checks;
  const call = (name: string, ...args: bigint[]) => SYSCALLS[name]!.run({ m, tid: 1, args, named: {}, target: null });
  const mem = Number(call('mmap', BigInt(pages * 4096), 3n, 0x22n) as bigint);
  for (let i = 0; i < pages; i++) m.step(1, 'store', (k) => user_write(k, 1, mem + i * 4096, Uint8Array.of(i & 0xff, 1, 2, 3)));
  const r = call('madvise', BigInt(mem), BigInt((pages / 2) * 4096 || 4096), 21n);
  if (typeof r === 'object' && 'start' in r) {
    const id = m.addOp(r.start);
    m.runOp(1, id, {});
  }
  return m;
}

const rows: string[] = [];
for (const pages of [1, 100, 10_000]) {
  const [m, build] = time(() => machineWith(pages, true));
  const [, unchecked] = time(() => machineWith(pages, false));
  const steps = m.s.steps;
  const reps = pages >= 10_000 ? 3 : 50;
  const [, clone] = time(() => {
    for (let i = 0; i < reps; i++) cloneState(m.s);
  });
  const [, hash] = time(() => {
    for (let i = 0; i < reps; i++) hashState(m.s);
  });
  rows.push(
    `${String(pages).padStart(6)} pages: ${steps} steps in ${build.toFixed(1)} ms (${Math.round((steps / build) * 1000)} steps/s; ` +
      `${Math.round((steps / unchecked) * 1000)} steps/s without invariant checks), ` +
      `clone ${(clone / reps).toFixed(3)} ms, hash ${(hash / reps).toFixed(3)} ms`,
  );
}

// A whole reproducer, end to end: parse once, run on every era.
const sc = parseScenario(
  `thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0..4096] = 0xff
  p = pipe()
  vmsplice(p, mem, 4096)
  madvise(mem, 4096, MADV_PAGEOUT)
  x = mem[0]
  mem[0] = 0
  x = read(p, 1)
`,
  'bench.cow',
);
const runs = 200;
let totalSteps = 0;
const [, ms] = time(() => {
  for (let i = 0; i < runs; i++) {
    runScenario(sc, {
      kernel: '6.2',
      arch: 'x86_64',
      onStep: () => {
        totalSteps++;
      },
    });
  }
});
rows.push(`test_swp_exclusive x${runs}: ${(ms / runs).toFixed(3)} ms per run, ${Math.round((totalSteps / ms) * 1000)} steps/s`);
for (const r of rows) console.log(r);
