// Benchmark: time per litmus test for the kernel's two litmus-test folders
// (examples/litmus/kernel) and the seed 004 protocol tests. Prints numbers only.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseLitmus } from '../src/lkmm/parse.js';
import { checkLitmus } from '../src/lkmm/check.js';

const REPEAT = Number(process.env.REPEAT ?? 3);

function bench(dir: string): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort();
  let total = 0;
  process.stdout.write(`${dir}\n`);
  process.stdout.write(`${'test'.padEnd(62)} ${'ms/run'.padStart(9)} ${'cands'.padStart(7)} ${'execs'.padStart(6)}\n`);
  for (const f of files) {
    const test = parseLitmus(f, readFileSync(join(dir, f), 'utf8'));
    let best = Infinity;
    let cands = 0;
    let execs = 0;
    for (let i = 0; i < REPEAT; i++) {
      const t0 = process.hrtime.bigint();
      const r = checkLitmus(test);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      best = Math.min(best, ms);
      cands = r.candidates;
      execs = r.executions;
    }
    total += best;
    process.stdout.write(`${test.name.padEnd(62)} ${best.toFixed(1).padStart(9)} ${String(cands).padStart(7)} ${String(execs).padStart(6)}\n`);
  }
  process.stdout.write(`${`total (${files.length} tests, best of ${REPEAT})`.padEnd(62)} ${total.toFixed(1).padStart(9)}\n\n`);
  return total;
}

bench('examples/litmus/kernel');
bench('examples/litmus');
