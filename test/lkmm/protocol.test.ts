// Seed 004's barrier pairing: GUP-fast (B1-B5) against
// page_try_share_anon_rmap() (A1-A4), each barrier removed in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROTOCOL_DIR, runFile } from './helpers.js';

const expected: [string, 'Never' | 'Sometimes', number, number][] = [
  ['gup-fast-vs-share-anon', 'Never', 0, 8],
  ['gup-fast-vs-share-anon+no-mb-A', 'Sometimes', 1, 9],
  ['gup-fast-vs-share-anon+no-mb__after_atomic-B', 'Sometimes', 1, 9],
  ['gup-fast-vs-share-anon+no-mb__after_atomic-A', 'Never', 0, 10],
  ['gup-fast-vs-share-anon+no-rmb-B', 'Never', 0, 9],
  ['ksm-no-pte-change', 'Never', 0, 8],
  ['ksm-no-pte-change+no-mb-A', 'Sometimes', 1, 9],
  ['ksm-no-pte-change+no-mb__after_atomic-B', 'Sometimes', 1, 9],
  ['ksm-no-pte-change+no-mb__after_atomic-A', 'Sometimes', 2, 8],
  ['ksm-no-pte-change+no-rmb-B', 'Sometimes', 1, 8],
  ['gup-fast-vs-share-anon+pre-fix', 'Sometimes', 3, 9],
  ['gup-fast-ipi-vs-share-anon+pre-fix', 'Never', 0, 5],
  ['ksm-no-pte-change+pre-fix-ipi', 'Sometimes', 1, 4],
];

for (const [name, obs, pos, neg] of expected) {
  test(`${name}: ${obs}`, () => {
    const r = runFile(join(PROTOCOL_DIR, `${name}.litmus`));
    assert.equal(r.test.name, name);
    assert.equal(r.test.result, obs, 'the file documents this result');
    assert.equal(r.observation, obs);
    assert.deepEqual([r.positive, r.negative], [pos, neg]);
  });
}

test('KSM case without smp_mb__after_atomic() in P0: the witness has (B4) read the restored PTE', () => {
  const r = runFile(join(PROTOCOL_DIR, 'ksm-no-pte-change+no-mb__after_atomic-A.litmus'));
  const w = r.witness!;
  const b4 = w.x.events.find((e) => e.thread === 1 && e.text.startsWith('pte2 ='))!;
  const src = w.x.events[w.x.rf[b4.id]!]!;
  assert.equal(src.thread, 0);
  assert.match(src.text, /WRITE_ONCE\(\*pte, 1\)/);
});
