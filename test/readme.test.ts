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

test("README's --trace excerpt is what cowlab prints", async () => {
  const { spawnSync } = await import('node:child_process');
  const readme = readFileSync('README.md', 'utf8');
  const block = /--arch i386 --trace\n```\n\n```\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'no trace excerpt in README');
  const out = spawnSync(process.execPath, ['bin/cowlab.mjs', 'run', 'examples/test_swp_exclusive.cow', '--kernel', '6.2', '--arch', 'i386', '--trace'], { encoding: 'utf8' }).stdout.split('\n');
  for (const line of block[1]!.split('\n').filter((l) => l && l.trim() !== '...')) assert.ok(out.includes(line), line);
});
