// Every userfaultfd and soft-dirty reproducer on every mainline version, on x86_64 (and some on other architectures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../../src/scenario/parse.js';
import { runScenario } from '../../src/scenario/run.js';
import { MAINLINE, compareVersions } from '../../src/eras/profiles.js';
import { UFFD_ARCH_VERDICTS, UFFD_VERDICTS, type Verdicts } from './verdicts.js';

function expectedFor(verdicts: Verdicts, v: string): string | null {
  const r = verdicts.find(([a, b]) => compareVersions(a, v) <= 0 && compareVersions(v, b) <= 0);
  assert.ok(r, `no expected verdict for ${v}`);
  return r[2];
}

for (const [name, verdicts] of Object.entries(UFFD_VERDICTS)) {
  test(`${name}, every mainline version`, () => {
    const file = `examples/${name}.cow`;
    const sc = parseScenario(readFileSync(file, 'utf8'), file);
    for (const v of MAINLINE) {
      const r = runScenario(sc, { kernel: v, arch: 'x86_64' });
      const failed = r.expectations.filter((e) => !e.ok).map((e) => e.message);
      const want = expectedFor(verdicts, v);
      assert.deepEqual(
        { verdict: r.result, firstFailure: failed[0] ?? null },
        { verdict: want ? 'fail' : 'pass', firstFailure: want },
        `${name} on ${v}`,
      );
    }
  });
}

for (const [name, arch, verdicts] of UFFD_ARCH_VERDICTS) {
  test(`${name} on ${arch}, every mainline version`, () => {
    const file = `examples/${name}.cow`;
    const sc = parseScenario(readFileSync(file, 'utf8'), file);
    for (const v of MAINLINE) {
      const r = runScenario(sc, { kernel: v, arch });
      const failed = r.expectations.filter((e) => !e.ok).map((e) => e.message);
      const want = expectedFor(verdicts, v);
      assert.deepEqual(
        { verdict: r.result, firstFailure: failed[0] ?? null },
        { verdict: want ? 'fail' : 'pass', firstFailure: want },
        `${name} on ${arch} ${v}`,
      );
    }
  });
}
