// Errors in a scenario file, always reported as file:line:column.
import type { Pos } from './ast.js';
import { UsageError } from '../cli/errors.js';

/** A malformed or ill-typed scenario, or a run-time fault the scenario caused (e.g. SIGSEGV). */
export class ScenarioError extends UsageError {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly pos: Pos,
    readonly detail: string,
  ) {
    super(`${file}:${pos.line}:${pos.column}: ${detail}`);
  }
}
