// Every litmus test of the kernel's tools/memory-model/litmus-tests and
// Documentation/litmus-tests folders gives its documented result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { matchesDocumented } from '../../src/lkmm/check.js';
import { KERNEL_DIR, kernelManifest, runFile } from './helpers.js';

const manifest = kernelManifest();

test('the manifest lists every kernel litmus file exactly once', () => {
  const files = readdirSync(KERNEL_DIR).filter((f) => f.endsWith('.litmus')).sort();
  assert.deepEqual(manifest.map((m) => m.file).sort(), files);
  assert.equal(files.length, 47);
});

for (const m of manifest) {
  test(`${m.file}: ${m.result} (${m.kernel})`, () => {
    const r = runFile(join(KERNEL_DIR, m.file));
    assert.equal(r.test.result, m.result, 'the file documents the kernel result');
    if (m.result === 'DEADLOCK') {
      assert.equal(r.executions, 0);
      assert.equal(r.observation, 'Never');
    } else {
      assert.equal(r.observation, m.result);
    }
    assert.equal(matchesDocumented(r), true);
  });
}
