// Runs a scenario text and keeps what the kernel functions logged and the last state.
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import type { KernelState } from '../../src/model/types.js';

export function run(src: string, kernel: string, arch = 'x86_64'): { r: RunResult; log: string[]; last: KernelState } {
  const log: string[] = [];
  let last: KernelState | null = null;
  const r = runScenario(parseScenario(src, 't.cow'), {
    kernel,
    arch,
    onStep: (e) => {
      log.push(...e.log);
      last = e.after;
    },
  });
  return { r, log, last: last! };
}
