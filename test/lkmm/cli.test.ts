// `cowlab litmus`: exit codes against the documented Result: line, bad input,
// --explain and --dot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function cowlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/cowlab.mjs', 'litmus', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'cowlab-litmus-'));
const write = (name: string, src: string) => {
  const p = join(tmp, name);
  writeFileSync(p, src);
  return p;
};
const MP = (result: string) =>
  `C MP\n(*\n * Result: ${result}\n *)\n{}\nP0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); }\n` +
  'P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); r1 = READ_ONCE(*x); }\nexists (1:r0=1 /\\ 1:r1=0)\n';

test('exit 0 when the result matches the documented one, for several files', () => {
  const r = cowlab('examples/litmus/kernel/SB+fencembonceonces.litmus', 'examples/litmus/ksm-no-pte-change.litmus');
  assert.equal(r.code, 0);
  assert.match(r.out, /^Observation SB\+fencembonceonces Never 0 3$/m);
  assert.match(r.out, /^Observation ksm-no-pte-change Never 0 8$/m);
  assert.equal(r.err, '');
});

test('exit 1 when the result contradicts the documented one', () => {
  const r = cowlab(write('mp-wrong.litmus', MP('Never')));
  assert.equal(r.code, 1);
  assert.match(r.out, /^Observation MP Sometimes 1 3$/m);
  assert.match(r.err, /documented Result: Never, the model says Sometimes/);
});

test('exit 0 when there is no Result: line', () => {
  const r = cowlab(write('mp-none.litmus', MP('').replace(' * Result: \n', '')));
  assert.equal(r.code, 0);
});

test('exit 2 with file:line:column on a syntax error, no stack trace', () => {
  const p = write('bad.litmus', 'C bad\n{}\nP0(int *x)\n{\n  WRITE_ONCE(*x, 1)\n}\nexists (x=1)\n');
  const r = cowlab(p);
  assert.equal(r.code, 2);
  assert.equal(r.err, `cowlab: ${p}:6:1: expected ';' but found '}'\n`);
});

test('exit 2 on an unknown primitive, naming its position', () => {
  const p = write('prim.litmus', 'C prim\n{}\nP0(int *x)\n{\n  smp_frobnicate(x);\n}\nexists (x=1)\n');
  const r = cowlab(p);
  assert.equal(r.code, 2);
  assert.equal(r.err, `cowlab: ${p}:5:3: unknown primitive 'smp_frobnicate'\n`);
});

test('exit 2 on a missing file', () => {
  const r = cowlab(join(tmp, 'nope.litmus'));
  assert.equal(r.code, 2);
  assert.match(r.err, /nope\.litmus:1:1: cannot read file/);
});

test('--explain names the writes each read took and the unordered po steps', () => {
  const r = cowlab('--explain', 'examples/litmus/gup-fast-vs-share-anon+no-mb__after_atomic-B.litmus');
  assert.equal(r.code, 0);
  assert.match(r.out, /^Explain gup-fast-vs-share-anon\+no-mb__after_atomic-B: /m);
  assert.match(r.out, /read pincount=0 from the initial value of pincount/);
  assert.match(r.out, /read pte=1 from the initial value of pte/);
  assert.match(r.out, /-po-> .*: nothing: no dependency, fence, release\/acquire or lock orders this pair \(not in ppo\)/);
  assert.match(r.out, /the cycle has 1 strong fence\(s\) for 2 non-rf link\(s\)/);
});

test('--dot writes the witness graph with po and rf edges', () => {
  const dir = join(tmp, 'dots');
  const r = cowlab('--dot', dir, 'examples/litmus/kernel/MP+poonceonces.litmus');
  assert.equal(r.code, 0);
  const dot = readFileSync(join(dir, 'MP+poonceonces.dot'), 'utf8');
  assert.match(dot, /^digraph "MP\+poonceonces" \{/);
  assert.match(dot, /e2 \[label="a: W\[ONCE\] x=1"\];/);
  assert.match(dot, /e3 -> e4 \[label="rf", color=red, fontcolor=red\];/);
});

test('exit 2 naming the thread header when threads are out of order', () => {
  const p = write('order.litmus', 'C order\n{}\nP1(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n');
  const r = cowlab(p);
  assert.equal(r.code, 2);
  assert.equal(r.err, `cowlab: ${p}:3:1: expected P0 but found P1\n`);
});

test('exit 2 on loops, which litmus thread bodies do not support', () => {
  const p = write('loop.litmus', 'C loop\n{}\nP0(int *x) { while (1) { } }\nexists (x=1)\n');
  const r = cowlab(p);
  assert.equal(r.code, 2);
  assert.equal(r.err, `cowlab: ${p}:3:14: 'while' is not supported in litmus thread bodies\n`);
});

test('--explain on a Never outcome names the axiom that rejects it', () => {
  const r = cowlab('--explain', 'examples/litmus/kernel/MP+fencewmbonceonce+fencermbonceonce.litmus');
  assert.equal(r.code, 0);
  assert.match(r.out, /^Explain MP\+fencewmbonceonce\+fencermbonceonce: a candidate execution with the outcome, rejected by the happens-before axiom$/m);
  assert.match(r.out, /^ {2}a -po-> c: wmb \(smp_wmb\(\)\); in ppo$/m);
  assert.match(r.out, /^ {2}d -po-> f: rmb \(smp_rmb\(\)\); in ppo$/m);
});
