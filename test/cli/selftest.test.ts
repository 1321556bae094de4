// `cowlab selftest cow` as a user meets it: exact lines and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function cowlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/cowlab.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const small = ['--thp-sizes', '', '--hugetlb-sizes', '', '--no-liburing'];

test('v6.2 suite on 6.2 without THP and hugetlb: 33 tests, all pass, exit 0', () => {
  const r = cowlab('selftest', 'cow', '--suite', '6.2', '--kernel', '6.2', ...small);
  assert.equal(r.code, 0);
  const lines = r.out.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 5), [
    '# [INFO] huge zeropage is enabled',
    'TAP version 13',
    '1..33',
    '# [INFO] Anonymous memory tests in private mappings',
    '# [RUN] Basic COW after fork() ... with base page',
  ]);
  assert.equal(lines.at(-1), '# Totals: pass:33 fail:0 xfail:0 xpass:0 skip:0 error:0');
});

test('--no-gup-test: the pin families skip as the real test does without /sys/kernel/debug/gup_test', () => {
  const r = cowlab('selftest', 'cow', '--suite', '6.2', '--kernel', '6.2', '--no-gup-test', ...small);
  assert.equal(r.code, 0);
  assert.match(r.out, /^ok 13 # SKIP gup_test not available$/m);
});

test('a failing run ends with Bail out! and exit 1 (v6.2 suite on 5.7)', () => {
  const r = cowlab('selftest', 'cow', '--suite', '6.2', '--kernel', '5.7', ...small);
  assert.equal(r.code, 1);
  assert.match(r.out, /^not ok 5 No leak from parent into child$/m);
  assert.match(r.out, /^Bail out! \d+ out of 33 tests failed$/m);
});

test('--json gives the results as data', () => {
  const r = cowlab('selftest', 'cow', '--suite', 'latest', '--kernel', '6.18', '--json', ...small);
  const j = JSON.parse(r.out) as { kernel: string; exitCode: number; results: { num: number; run: string; verdict: string }[] };
  assert.equal(j.kernel, '6.18');
  assert.equal(j.results[0]!.run, 'Basic COW after fork() ... with base page');
  assert.equal(j.results[0]!.verdict, 'pass');
});

test('bad flags are usage errors', () => {
  assert.equal(cowlab('selftest', 'cow', '--suite', '6.3').code, 2);
  assert.equal(cowlab('selftest', 'cow', '--hugetlb-sizes', '3000').code, 2);
});

test('--trace N prints the kernel functions of test N to stderr, the TAP stays unchanged', () => {
  const plain = cowlab('selftest', 'cow', '--suite', '6.2', '--kernel', '6.2', ...small);
  const r = cowlab('selftest', 'cow', '--suite', '6.2', '--kernel', '6.2', '--trace', '5', ...small);
  assert.equal(r.out, plain.out);
  assert.match(r.err, /^test 5, kernel 6\.2:$/m);
  assert.match(r.err, /vmsplice_to_pipe: pipe \d+ holds pfn \d+/);
});
