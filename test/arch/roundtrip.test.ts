// Property tests: every layout, in every era, round-trips type and offset with
// any combination of the swap flags, and the flags read back only where the
// era has them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { layoutSpecs } from '../../src/arch/index.js';
import { ArchSwapLayout } from '../../src/arch/layout.js';
import type { SwpExclusiveSupport } from '../../src/arch/types.js';

const eras: SwpExclusiveSupport[] = ['none', 'enterprise', 'all'];

describe('round trips', () => {
  for (const spec of layoutSpecs) {
    it(`${spec.variant}`, () => {
      for (const era of eras) {
        const l = new ArchSwapLayout(spec, era);
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: Math.min(l.maxType, 31) }),
            fc.bigInt({ min: 0n, max: l.maxOffset }),
            fc.boolean(),
            fc.boolean(),
            fc.boolean(),
            (type, offset, exclusive, softDirty, uffdWp) => {
              const pte = l.encode({ type, offset, exclusive, softDirty, uffdWp });
              assert.ok(pte >= 0n && pte < 1n << BigInt(l.pteBits));
              const d = l.decode(pte);
              assert.equal(d.type, type);
              assert.equal(d.offset, offset);
              assert.equal(d.exclusive, exclusive && l.hasExclusive);
              assert.equal(d.softDirty, softDirty && l.fields.softDirtyBit !== null);
              assert.equal(d.uffdWp, uffdWp && l.fields.uffdWpBit !== null);
              const cleared = l.decode(l.clearExclusive(pte));
              assert.deepEqual(cleared, { ...d, exclusive: false });
            },
          ),
          { numRuns: 200 },
        );
      }
    });
  }
});
