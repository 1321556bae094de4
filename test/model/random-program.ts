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

/**
 * Runs the program. A scenario error matching `ends` is the program's own
 * end, not the model's fault: a SIGSEGV (stores after mprotect(PROT_READ)) by
 * default; a property may add a deadlock (a write to a protected page nobody
 * resolves) or a SIGBUS (past the end of a file, a poisoned page).
 */
export function assertNoFindings(text: string, kernel: string, arch: string, ends: RegExp = /SIGSEGV/): void {
  let r;
  try {
    r = runScenario(parseScenario(text, 'random.cow'), { kernel, arch });
  } catch (e) {
    if (e instanceof ScenarioError && ends.test(e.message)) return;
    throw e;
  }
  // A disconnected pin is what unreliable eras really do; every other finding is a model bug.
  const broken = r.findings.filter((f) => f.invariant !== 'pinned-page-replaced');
  assert.deepEqual(broken, [], text);
}
