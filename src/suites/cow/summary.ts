// The era grid: rows are family x variant, columns are kernel eras, cells the verdicts.
import type { SuiteRun } from './index.js';

const CELL: Record<string, string> = { pass: 'ok', fail: 'FAIL', skip: 'SKIP', xfail: 'XFAIL', xpass: 'XPASS', error: 'ERROR' };

export interface Grid {
  versions: string[];
  rows: { test: string; cells: string[] }[];
  text: string[];
}

export function summaryGrid(runs: { version: string; run: SuiteRun }[]): Grid {
  const versions = runs.map((r) => r.version);
  const order: string[] = [];
  const cells = new Map<string, string[]>();
  runs.forEach((r, col) => {
    for (const t of r.run.results) {
      if (!cells.has(t.run)) {
        cells.set(t.run, Array(runs.length).fill('-'));
        order.push(t.run);
      }
      cells.get(t.run)![col] = CELL[t.verdict]!;
    }
  });
  const rows = order.map((test) => ({ test, cells: cells.get(test)! }));
  const w = Math.max(...order.map((t) => t.length), 4);
  const text = [`${'test'.padEnd(w)}  ${versions.map((v) => v.padStart(5)).join(' ')}`];
  for (const r of rows) text.push(`${r.test.padEnd(w)}  ${r.cells.map((c) => c.padStart(5)).join(' ')}`);
  return { versions, rows, text };
}
