// Shared by the random-program property tests: a program is a setup, the
// parent's statements, fork(), the child's statements and exit, then the
// parent's again; running it must leave no kernel-invariant finding.
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import { ScenarioError } from '../../src/scenario/errors.js';

export interface Program {
  before: string[];
  child: string[];
  after: string[];
}

export function programText(setup: string[], p: Program): string {
  return [
    'thread main:',
    ...setup.map((s) => `  ${s}`),
    ...p.before.map((s) => `  ${s}`),
    '  c = fork()',
    'thread c:',
    ...p.child.map((s) => `  ${s}`),
    '  exit(0)',
    'thread main:',
    ...p.after.map((s) => `  ${s}`),
  ].join('\n');
}

/** Runs the program; a SIGSEGV it causes (stores after mprotect(PROT_READ)) is the program's fault, not the model's. */
export function assertNoFindings(text: string, kernel: string, arch: string): void {
  let r;
  try {
    r = runScenario(parseScenario(text, 'random.cow'), { kernel, arch });
  } catch (e) {
    if (e instanceof ScenarioError && /SIGSEGV/.test(e.message)) return;
    throw e;
  }
  // A disconnected pin is what unreliable eras really do; every other finding is a model bug.
  const broken = r.findings.filter((f) => f.invariant !== 'pinned-page-replaced');
  assert.deepEqual(broken, [], text);
}
