// Which axiom of linux-kernel.cat rejects the forbidden outcome, and the
// named relations that do it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachCandidate, type Execution } from '../../src/lkmm/candidates.js';
import { evalProp } from '../../src/lkmm/check.js';
import { parseLitmus } from '../../src/lkmm/parse.js';
import { runModel, type ModelResult } from '../../src/lkmm/model.js';
import { KERNEL_DIR } from './helpers.js';

/** The verdicts of the model on the candidates that satisfy the test's exists clause. */
function onOutcome(file: string): { x: Execution; m: ModelResult }[] {
  const t = parseLitmus(file, readFileSync(join(KERNEL_DIR, file), 'utf8'));
  const out: { x: Execution; m: ModelResult }[] = [];
  forEachCandidate(t, (x) => {
    if (evalProp(t.cond, x)) out.push({ x, m: runModel(x) });
  });
  return out;
}

const ev = (x: Execution, thread: number, text: RegExp) => x.events.find((e) => e.thread === thread && text.test(e.text))!.id;

test('MP with smp_wmb()/smp_rmb(): the outcome closes an hb cycle through prop', () => {
  const [c, ...rest] = onOutcome('MP+fencewmbonceonce+fencermbonceonce.litmus');
  assert.equal(rest.length, 0);
  assert.equal(c!.m.violated, 'happens-before');
  const { x, m } = c!;
  const wx = ev(x, 0, /\*x/);
  const wy = ev(x, 0, /\*y/);
  const ry = ev(x, 1, /\*y/);
  const rx = ev(x, 1, /\*x/);
  assert.ok(m.rels.get('wmb')!.has(wx, wy));
  assert.ok(m.rels.get('rmb')!.has(ry, rx));
  assert.ok(m.rels.get('ppo')!.has(ry, rx));
  assert.ok(m.rels.get('prop')!.has(rx, ry), 'fre ; cumul-fence ; rfe gives prop from the read of x to the read of y');
  assert.ok(m.rels.get('hb')!.has(rx, ry));
});

test('SB with smp_mb(): hb is acyclic, pb is not', () => {
  const cs = onOutcome('SB+fencembonceonces.litmus');
  assert.equal(cs.length, 1);
  assert.equal(cs[0]!.m.violated, 'propagation');
  assert.ok(cs[0]!.m.rels.get('hb')!.acyclic());
});

test('SB without barriers: the model accepts the outcome', () => {
  const cs = onOutcome('SB+poonceonces.litmus');
  assert.equal(cs.length, 1);
  assert.equal(cs[0]!.m.violated, undefined);
});

test('a read-side critical section spanning a grace period violates rcu', () => {
  const cs = onOutcome('RCU+sync+read.litmus');
  assert.ok(cs.length > 0);
  for (const c of cs) assert.equal(c.m.violated, 'rcu');
});

test('the lock-based tests are rejected by hb or pb, never accepted', () => {
  for (const f of ['MP+polocks.litmus', 'ISA2+pooncelock+pooncelock+pombonce.litmus', 'Z6.0+pooncelock+poonceLock+pombonce.litmus']) {
    const cs = onOutcome(f);
    assert.ok(cs.length > 0, f);
    for (const c of cs) assert.ok(c.m.violated === 'happens-before' || c.m.violated === 'propagation', f);
  }
});
