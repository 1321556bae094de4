// The README's era table is the one the profiles compute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eras } from '../src/eras/profiles.js';

test('README lists every era with its version range', () => {
  const readme = readFileSync('README.md', 'utf8');
  const rows = [...readme.matchAll(/^\| ([a-z0-9-]+) \| (\d+\.\d+)(?: – (\d+\.\d+))? \|/gm)].map((m) => [m[1], m[2], m[3] ?? m[2]]);
  assert.deepEqual(rows, eras().map((e) => [e.name, e.first, e.last]));
});
