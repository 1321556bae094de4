// Shared helpers for the LKMM tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLitmus } from '../../src/lkmm/parse.js';
import { checkLitmus, type TestResult } from '../../src/lkmm/check.js';
import { formatResult } from '../../src/lkmm/output.js';

export const KERNEL_DIR = 'examples/litmus/kernel';
export const PROTOCOL_DIR = 'examples/litmus';

export function runFile(path: string): TestResult {
  return checkLitmus(parseLitmus(path, readFileSync(path, 'utf8')));
}

export function runSource(src: string, file = 'inline.litmus'): TestResult {
  return checkLitmus(parseLitmus(file, src));
}

/** herd-style output without the Time line, which varies from run to run. */
export function herdLines(r: TestResult): string {
  return formatResult(r, false);
}

export interface ManifestEntry {
  file: string;
  kernel: string;
  result: string;
}

export function kernelManifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(KERNEL_DIR, 'manifest.json'), 'utf8')) as { tests: ManifestEntry[] }).tests;
}
