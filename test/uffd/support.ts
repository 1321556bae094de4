// Shared by the userfaultfd tests: run a scenario, list failed expectations,
// count the page faults user stores took.
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';

export function run(text: string, kernel = 'latest'): RunResult {
  return runScenario(parseScenario(text, 't.cow'), { kernel, arch: 'x86_64' });
}

export function failures(r: RunResult): string[] {
  return r.expectations.filter((e) => !e.ok).map((e) => `${e.message}: ${e.actual}`);
}

/** How many page faults the scenario's user stores took on this kernel. */
export function storeFaults(text: string, kernel: string): number {
  let n = 0;
  runScenario(parseScenario(text, 't.cow'), {
    kernel,
    arch: 'x86_64',
    onStep: (e) => {
      if (e.label === 'store') n += e.log.filter((l) => l.startsWith('handle_mm_fault')).length;
    },
  });
  return n;
}
