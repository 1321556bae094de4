// herd7-style output, line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KERNEL_DIR, herdLines, runFile, runSource } from './helpers.js';

test('MP+poonceonces prints herd7 lines', () => {
  assert.equal(
    herdLines(runFile(join(KERNEL_DIR, 'MP+poonceonces.litmus'))),
    [
      'Test MP+poonceonces Allowed',
      'States 4',
      '1:r0=0; 1:r1=0;',
      '1:r0=0; 1:r1=1;',
      '1:r0=1; 1:r1=0;',
      '1:r0=1; 1:r1=1;',
      'Ok',
      'Witnesses',
      'Positive: 1 Negative: 3',
      'Condition exists (1:r0=1 /\\ 1:r1=0)',
      'Observation MP+poonceonces Sometimes 1 3',
      '',
    ].join('\n'),
  );
});

test('a forbidden outcome prints No and Never, with pointer values by name', () => {
  assert.equal(
    herdLines(runFile(join(KERNEL_DIR, 'MP+onceassign+derefonce.litmus'))),
    [
      'Test MP+onceassign+derefonce Allowed',
      'States 2',
      '1:r0=x; 1:r1=1;',
      '1:r0=z; 1:r1=0;',
      'No',
      'Witnesses',
      'Positive: 0 Negative: 2',
      'Condition exists (1:r0=x /\\ 1:r1=0)',
      'Observation MP+onceassign+derefonce Never 0 2',
      '',
    ].join('\n'),
  );
});

test('locations add shown values; shared locations follow registers', () => {
  const out = herdLines(runFile(join(KERNEL_DIR, 'SB+rfionceonce-poonceonces.litmus')));
  assert.match(out, /^0:r1=1; 0:r2=0; 1:r3=1; 1:r4=0; x=1; y=1;$/m);
});

test('a filter that no execution passes gives no states (RM-broken)', () => {
  const out = herdLines(runFile(join(KERNEL_DIR, 'RM-broken.litmus')));
  assert.equal(out.split('\n').slice(0, 5).join('\n'), 'Test RM-broken Allowed\nStates 0\nNo\nWitnesses\nPositive: 0 Negative: 0');
  assert.match(out, /^Observation RM-broken Never 0 0$/m);
});

test('plain accesses racing are flagged as herd does', () => {
  const r = runSource('C plain-race\n{}\nP0(int *x) { *x = 1; }\nP1(int *x) { int r0; r0 = *x; }\nexists (1:r0=1)\n');
  assert.deepEqual(r.flags, ['data-race']);
  assert.match(herdLines(r), /Positive: 1 Negative: 1\nFlag data-race\nCondition exists \(1:r0=1\)\n/);
});

test('plain accesses ordered by release/acquire do not race', () => {
  const r = runSource(
    'C plain-mp\n{}\nP0(int *x, int *y) { *x = 1; smp_store_release(y, 1); }\n' +
      'P1(int *x, int *y) { int r0; int r1; r0 = smp_load_acquire(y); if (r0) r1 = *x; }\nexists (1:r0=1 /\\ 1:r1=0)\n',
  );
  assert.deepEqual(r.flags, []);
  assert.equal(r.observation, 'Never');
});

test('~exists counts witnesses the other way round and prints Forbidden', () => {
  const r = runSource(
    'C SB-not\n{}\nP0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\n' +
      'P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }\n~exists (0:r0=0 /\\ 1:r0=0)\n',
  );
  const out = herdLines(r);
  assert.match(out, /^Test SB-not Forbidden$/m);
  assert.match(out, /^No\nWitnesses\nPositive: 3 Negative: 1$/m);
  assert.match(out, /^Condition ~exists \(0:r0=0 \/\\ 1:r0=0\)$/m);
  assert.match(out, /^Observation SB-not Sometimes 1 3$/m);
});

test('forall is Required and Ok only when every execution satisfies it', () => {
  const r = runSource(
    'C SB-forall\n{}\nP0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); smp_mb(); r0 = READ_ONCE(*y); }\n' +
      'P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x); }\nforall (0:r0=1 \\/ 1:r0=1)\n',
  );
  const out = herdLines(r);
  assert.match(out, /^Test SB-forall Required$/m);
  assert.match(out, /^Ok\nWitnesses\nPositive: 3 Negative: 0$/m);
  assert.match(out, /^Observation SB-forall Always 3 0$/m);
});
