// Primitives of linux-kernel.def on small tests whose LKMM verdict is known
// from the model's rules (ppo, strong fences, RMW semantics, locks, RCU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSource } from './helpers.js';

function sb(p0: string, p1: string): string {
  return `C SB-variant\n{}\nP0(int *x, int *y) { int r0; int r2; ${p0}; r0 = READ_ONCE(*y); }\n` +
    `P1(int *x, int *y) { int r1; int r3; ${p1}; r1 = READ_ONCE(*x); }\nexists (0:r0=0 /\\ 1:r1=0)\n`;
}

const cases: [string, string, 'Never' | 'Sometimes' | 'Always'][] = [
  ['xchg() is a full barrier', sb('r2 = xchg(x, 1)', 'r3 = xchg(y, 1)'), 'Never'],
  ['xchg_relaxed() orders nothing', sb('r2 = xchg_relaxed(x, 1)', 'r3 = xchg_relaxed(y, 1)'), 'Sometimes'],
  ['xchg_acquire() does not order its write before later reads', sb('r2 = xchg_acquire(x, 1)', 'r3 = xchg_acquire(y, 1)'), 'Sometimes'],
  ['a successful cmpxchg() is a full barrier', sb('r2 = cmpxchg(x, 0, 1)', 'r3 = cmpxchg(y, 0, 1)'), 'Never'],
  ['atomic_inc_return() is a full barrier', sb('r2 = atomic_inc_return(x)', 'r3 = atomic_inc_return(y)'), 'Never'],
  ['atomic_inc_return_relaxed() is not', sb('r2 = atomic_inc_return_relaxed(x)', 'r3 = atomic_inc_return_relaxed(y)'), 'Sometimes'],
  ['atomic_inc() then smp_mb__after_atomic() is a full barrier', sb('atomic_inc(x); smp_mb__after_atomic()', 'atomic_inc(y); smp_mb__after_atomic()'), 'Never'],
  ['smp_mb__after_atomic() without an atomic orders nothing', sb('WRITE_ONCE(*x, 1); smp_mb__after_atomic()', 'WRITE_ONCE(*y, 1); smp_mb__after_atomic()'), 'Sometimes'],
  ['smp_store_mb() is a store and a full barrier', sb('smp_store_mb(*x, 1)', 'smp_store_mb(*y, 1)'), 'Never'],
  ['barrier() orders nothing between CPUs', sb('WRITE_ONCE(*x, 1); barrier()', 'WRITE_ONCE(*y, 1); barrier()'), 'Sometimes'],
  [
    'LB with a data dependency and a control dependency',
    'C LB+data+ctrl\n{}\nP0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, r0); }\n' +
      'P1(int *x, int *y) { int r1; r1 = READ_ONCE(*y); if (r1) WRITE_ONCE(*x, 1); }\nexists (0:r0=1 /\\ 1:r1=1)\n',
    'Never',
  ],
  [
    'LB with a data dependency on one side only',
    'C LB+data+po\n{}\nP0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, r0); }\n' +
      'P1(int *x, int *y) { int r1; r1 = READ_ONCE(*y); WRITE_ONCE(*x, 1); }\nexists (0:r0=1 /\\ 1:r1=1)\n',
    'Sometimes',
  ],
  [
    'smp_mb__before_atomic() orders earlier writes before a non-returning atomic',
    'C MP+before-atomic\n{}\nP0(int *x, atomic_t *y) { WRITE_ONCE(*x, 1); smp_mb__before_atomic(); atomic_inc(y); }\n' +
      'P1(int *x, atomic_t *y) { int r0; int r1; r0 = atomic_read(y); smp_rmb(); r1 = READ_ONCE(*x); }\nexists (1:r0=1 /\\ 1:r1=0)\n',
    'Never',
  ],
  [
    'a non-returning atomic alone is unordered',
    'C MP+atomic\n{}\nP0(int *x, atomic_t *y) { WRITE_ONCE(*x, 1); atomic_inc(y); }\n' +
      'P1(int *x, atomic_t *y) { int r0; int r1; r0 = atomic_read(y); smp_rmb(); r1 = READ_ONCE(*x); }\nexists (1:r0=1 /\\ 1:r1=0)\n',
    'Sometimes',
  ],
  [
    'add_return returns the new value, fetch_add the old one',
    'C add-fetch\n{ atomic_t v = ATOMIC_INIT(1); }\nP0(atomic_t *v) { int r0; r0 = atomic_add_return(2, v); }\n' +
      'P1(atomic_t *v) { int r1; r1 = atomic_fetch_add(3, v); }\nexists (0:r0=3 /\\ 1:r1=3 /\\ v=6)\n',
    'Sometimes',
  ],
  [
    'atomic RMWs never lose an update',
    'C add-fetch-final\n{ atomic_t v = ATOMIC_INIT(1); }\nP0(atomic_t *v) { int r0; r0 = atomic_add_return(2, v); }\n' +
      'P1(atomic_t *v) { int r1; r1 = atomic_fetch_sub(3, v); }\nforall (v=0)\n',
    'Always',
  ],
  [
    'two spin_trylock() calls cannot both succeed',
    'C trylock\n{}\nP0(spinlock_t *s) { int r0; r0 = spin_trylock(s); }\nP1(spinlock_t *s) { int r1; r1 = spin_trylock(s); }\nexists (0:r0=1 /\\ 1:r1=1)\n',
    'Never',
  ],
  [
    'two spin_trylock() calls cannot both fail',
    'C trylock-fail\n{}\nP0(spinlock_t *s) { int r0; r0 = spin_trylock(s); }\nP1(spinlock_t *s) { int r1; r1 = spin_trylock(s); }\nexists (0:r0=0 /\\ 1:r1=0)\n',
    'Never',
  ],
  [
    'nested RCU read-side critical sections against synchronize_rcu()',
    'C RCU-nested\n{}\nP0(int *x, int *y) { int r0; int r1; rcu_read_lock(); rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); ' +
      'r1 = READ_ONCE(*y); rcu_read_unlock(); }\nP1(int *x, int *y) { WRITE_ONCE(*y, 1); synchronize_rcu(); WRITE_ONCE(*x, 1); }\n' +
      'exists (0:r0=1 /\\ 0:r1=0)\n',
    'Never',
  ],
  [
    'without a grace period the reader may see the writes out of order',
    'C RCU-no-gp\n{}\nP0(int *x, int *y) { int r0; int r1; rcu_read_lock(); r0 = READ_ONCE(*x); ' +
      'r1 = READ_ONCE(*y); rcu_read_unlock(); }\nP1(int *x, int *y) { WRITE_ONCE(*y, 1); WRITE_ONCE(*x, 1); }\n' +
      'exists (0:r0=1 /\\ 0:r1=0)\n',
    'Sometimes',
  ],
  [
    'synchronize_srcu() waits for readers of the same srcu_struct',
    'C SRCU-same\n{}\nP0(int *x, int *y, struct srcu_struct *s) { int r0; int r1; int i; i = srcu_read_lock(s); r0 = READ_ONCE(*x); ' +
      'r1 = READ_ONCE(*y); srcu_read_unlock(s, i); }\nP1(int *x, int *y, struct srcu_struct *s) { WRITE_ONCE(*y, 1); synchronize_srcu(s); WRITE_ONCE(*x, 1); }\n' +
      'exists (0:r0=1 /\\ 0:r1=0)\n',
    'Never',
  ],
  [
    'synchronize_srcu() does not wait for readers of another srcu_struct',
    'C SRCU-other\n{}\nP0(int *x, int *y, struct srcu_struct *s) { int r0; int r1; int i; i = srcu_read_lock(s); r0 = READ_ONCE(*x); ' +
      'r1 = READ_ONCE(*y); srcu_read_unlock(s, i); }\nP1(int *x, int *y, struct srcu_struct *t) { WRITE_ONCE(*y, 1); synchronize_srcu(t); WRITE_ONCE(*x, 1); }\n' +
      'exists (0:r0=1 /\\ 0:r1=0)\n',
    'Sometimes',
  ],
  [
    'an atomic RMW continues a release sequence (rmw-sequence)',
    'C MP+rel+inc+acq\n{}\nP0(int *x, atomic_t *y) { WRITE_ONCE(*x, 2); smp_store_release(y, 2); }\nP1(atomic_t *y) { atomic_inc(y); }\n' +
      'P2(int *x, atomic_t *y) { int r2; int r3; r2 = smp_load_acquire(y); r3 = READ_ONCE(*x); }\nexists (2:r2=3 /\\ 2:r3=0)\n',
    'Never',
  ],
  [
    'two grace periods and a full barrier forbid a cycle with two non-rf links',
    'C RW+2gp+mb\n{}\nP0(int *a, int *b) { WRITE_ONCE(*a, 1); synchronize_rcu(); WRITE_ONCE(*b, 1); }\n' +
      'P1(int *b, int *c) { int r1; int r2; r1 = READ_ONCE(*b); synchronize_rcu(); r2 = READ_ONCE(*c); }\n' +
      'P2(int *c, int *a) { int r3; WRITE_ONCE(*c, 1); smp_mb(); r3 = READ_ONCE(*a); }\nexists (1:r1=1 /\\ 1:r2=0 /\\ 2:r3=0)\n',
    'Never',
  ],
  [
    'srcu_down_read() in one thread and srcu_up_read() in another form one read-side section',
    'C SRCU-down-up\n{}\nP0(int *x, int *y, struct srcu_struct *s, int *idx, int *f) { int r2; int r3; r3 = srcu_down_read(s); ' +
      'WRITE_ONCE(*idx, r3); r2 = READ_ONCE(*y); smp_store_release(f, 1); }\n' +
      'P1(int *x, int *y, struct srcu_struct *s, int *idx, int *f) { int r1; int r3; int r4; r4 = smp_load_acquire(f); ' +
      'r1 = READ_ONCE(*x); r3 = READ_ONCE(*idx); srcu_up_read(s, r3); }\n' +
      'P2(int *x, int *y, struct srcu_struct *s) { WRITE_ONCE(*y, 1); synchronize_srcu(s); WRITE_ONCE(*x, 1); }\n' +
      'filter (1:r4=1)\nexists (1:r1=1 /\\ 0:r2=0)\n',
    'Never',
  ],
  [
    'if/else: only the taken branch executes',
    'C if-else\n{}\nP0(int *x) { int r0; int r1; r0 = READ_ONCE(*x); if (r0 == 1) { r1 = 10; } else { r1 = 20; } }\n' +
      'P1(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:r0=0 /\\ 0:r1=10)\n',
    'Never',
  ],
];

for (const [name, src, obs] of cases) {
  test(name, () => {
    assert.equal(runSource(src).observation, obs);
  });
}

test('an rcu_read_lock() without unlock is flagged', () => {
  const r = runSource('C RCU-unbalanced\n{}\nP0(int *x) { int r0; rcu_read_lock(); r0 = READ_ONCE(*x); }\nexists (0:r0=0)\n');
  assert.deepEqual(r.flags, ['unmatched-rcu-lock']);
});

test('ABBA locking is reported as a deadlock', () => {
  const r = runSource(
    'C ABBA\n(* Result: DEADLOCK *)\n{}\nP0(spinlock_t *s, spinlock_t *t) { spin_lock(s); spin_lock(t); spin_unlock(t); spin_unlock(s); }\n' +
      'P1(spinlock_t *s, spinlock_t *t) { spin_lock(t); spin_lock(s); spin_unlock(s); spin_unlock(t); }\nexists (true)\n',
  );
  assert.deepEqual(
    r.deadlock?.map((w) => [w.thread, w.loc, w.holder]),
    [[0, 't', 1], [1, 's', 0]],
  );
  assert.equal(r.executions, 2);
});

test('locks taken in the same order do not deadlock', () => {
  const r = runSource(
    'C AB-AB\n{}\nP0(spinlock_t *s, spinlock_t *t) { spin_lock(s); spin_lock(t); spin_unlock(t); spin_unlock(s); }\n' +
      'P1(spinlock_t *s, spinlock_t *t) { spin_lock(s); spin_lock(t); spin_unlock(t); spin_unlock(s); }\nexists (true)\n',
  );
  assert.equal(r.deadlock, undefined);
});

test('re-taking a held lock deadlocks the thread on itself', () => {
  const r = runSource('C self\n{}\nP0(spinlock_t *s) { spin_lock(s); spin_lock(s); spin_unlock(s); spin_unlock(s); }\nexists (true)\n');
  assert.equal(r.executions, 0);
  assert.deepEqual(r.deadlock?.map((w) => [w.thread, w.holder]), [[0, 0]]);
});
