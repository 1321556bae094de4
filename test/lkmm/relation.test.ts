// The relation algebra behind the cat definitions, checked against a naive model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EvSet, Rel } from '../../src/lkmm/relation.js';

const N = 9;
const pairs = fc.array(fc.tuple(fc.nat(N - 1), fc.nat(N - 1)), { maxLength: 20 });
const key = (r: Rel) => r.pairs().map(([a, b]) => `${a}-${b}`).sort().join(',');

function naiveSeq(a: [number, number][], b: [number, number][]): string {
  const out = new Set<string>();
  for (const [i, k] of a) for (const [k2, j] of b) if (k === k2) out.add(`${i}-${j}`);
  return [...out].sort().join(',');
}

test('seq is relational composition', () => {
  fc.assert(
    fc.property(pairs, pairs, (a, b) => key(Rel.fromPairs(N, a).seq(Rel.fromPairs(N, b))) === naiveSeq(a, b)),
  );
});

test('plus is the least transitive relation containing r', () => {
  fc.assert(
    fc.property(pairs, (a) => {
      const r = Rel.fromPairs(N, a);
      const p = r.plus();
      assert.equal(key(p.seq(p).union(p)), key(p));
      assert.equal(key(r.diff(p)), '');
      let q = r;
      for (let i = 0; i < N; i++) q = q.union(q.seq(r));
      assert.equal(key(q), key(p));
    }),
  );
});

test('acyclic: a 3-cycle is cyclic, a chain is not', () => {
  assert.equal(Rel.fromPairs(4, [[0, 1], [1, 2], [2, 0]]).acyclic(), false);
  assert.equal(Rel.fromPairs(4, [[0, 1], [1, 2], [2, 3]]).acyclic(), true);
});

test('restrict, inverse, domain and range', () => {
  const r = Rel.fromPairs(5, [[0, 1], [2, 3], [4, 0]]);
  const s = EvSet.of(5, (i) => i % 2 === 0);
  assert.equal(key(r.restrict(s, EvSet.of(5, () => true))), '0-1,2-3,4-0');
  assert.equal(key(r.restrict(s, s)), '4-0');
  assert.equal(key(r.inv()), '0-4,1-0,3-2');
  assert.deepEqual(r.domain().members(), [0, 2, 4]);
  assert.deepEqual(r.range().members(), [0, 1, 3]);
});
