// x86 swap-PTE layouts against values worked out by hand from the kernel headers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { archLayoutFor, resolveArchName, swapLayoutFor } from '../../src/arch/index.js';
import { UsageError } from '../../src/cli/errors.js';

const fields = (type: number, offset: bigint, exclusive = false, softDirty = false, uffdWp = false) => ({
  type,
  offset,
  exclusive,
  softDirty,
  uffdWp,
});

describe('resolveArchName', () => {
  it('maps plain and aliased names to variants', () => {
    assert.equal(resolveArchName('x86'), 'x86_64');
    assert.equal(resolveArchName('X86_64'), 'x86_64');
    assert.equal(resolveArchName('i386'), 'i386');
    assert.equal(resolveArchName('x86-32'), 'i386');
    assert.equal(resolveArchName('i386-PAE'), 'i386-pae');
    assert.equal(resolveArchName('pae'), 'i386-pae');
  });
  it('rejects unknown names with a UsageError listing the known ones', () => {
    assert.throws(
      () => resolveArchName('vax'),
      (e: unknown) => e instanceof UsageError && /unknown architecture 'vax'; known: .*x86_64, i386, i386-pae/.test(e.message),
    );
  });
});

describe('x86_64 (pgtable_64.h)', () => {
  const l = swapLayoutFor('x86', 'all');
  it('stores the type in 59-63 and the inverted offset in 9-58', () => {
    // 3 << 59 | (~0x1234 & (2^50-1)) << 9
    assert.equal(l.encode(fields(3, 0x1234n)), 0x1fffffffffdb9600n);
    assert.equal(l.encode(fields(0, 0n)), 0x07fffffffffffe00n);
    assert.equal(l.encode(fields(31, (1n << 50n) - 1n)), 0xf800000000000000n);
  });
  it('keeps exclusive in bit 3, soft-dirty in 1, uffd-wp in 2', () => {
    assert.equal(l.encode(fields(3, 0x1234n, true)), 0x1fffffffffdb9608n);
    assert.equal(l.encode(fields(3, 0x1234n, false, true)), 0x1fffffffffdb9602n);
    assert.equal(l.encode(fields(3, 0x1234n, false, false, true)), 0x1fffffffffdb9604n);
    assert.deepEqual(l.decode(0x1fffffffffdb960en), fields(3, 0x1234n, true, true, true));
  });
  it('clears only the exclusive bit', () => {
    assert.equal(l.clearExclusive(0x1fffffffffdb960en), 0x1fffffffffdb9606n);
  });
  it('has the bit from 5.19 (enterprise) but not before', () => {
    assert.equal(swapLayoutFor('x86_64', 'enterprise').hasExclusive, true);
    const old = swapLayoutFor('x86_64', 'none');
    assert.equal(old.hasExclusive, false);
    assert.equal(old.encode(fields(3, 0x1234n, true)), 0x1fffffffffdb9600n);
    assert.equal(old.decode(0x1fffffffffdb9608n).exclusive, false);
  });
  it('reports its limits', () => {
    assert.equal(l.maxType, 31);
    assert.equal(l.maxOffset, (1n << 50n) - 1n);
    assert.equal(l.pteBits, 64);
  });
});

describe('i386 2-level (pgtable-2level.h)', () => {
  it('stores type in 1-5 and offset in 9-31; 6.3 puts exclusive in bit 7 (_PAGE_PSE)', () => {
    const l = swapLayoutFor('i386', 'all');
    assert.equal(l.encode(fields(3, 0x1234n)), 0x246806n);
    assert.equal(l.encode(fields(3, 0x1234n, true)), 0x246886n);
    assert.deepEqual(l.decode(0x246886n), fields(3, 0x1234n, true));
    assert.equal(l.clearExclusive(0x246886n), 0x246806n);
    assert.equal(l.maxOffset, (1n << 23n) - 1n);
    assert.equal(l.pteBits, 32);
  });
  it('has nowhere to keep the bit before 6.3', () => {
    for (const era of ['none', 'enterprise'] as const) {
      const l = swapLayoutFor('i386', era);
      assert.equal(l.hasExclusive, false);
      assert.equal(l.encode(fields(3, 0x1234n, true)), 0x246806n);
      assert.equal(l.decode(0x246886n).exclusive, false);
    }
  });
  it('has no soft-dirty or uffd-wp swap bits (both are x86_64-only)', () => {
    const l = swapLayoutFor('i386', 'all');
    assert.equal(l.encode(fields(1, 1n, false, true, true)), l.encode(fields(1, 1n)));
  });
});

describe('i386-pae (pgtable-3level.h)', () => {
  it('keeps the entry in the high word, offset inverted, exclusive in bit 7 of the low word', () => {
    const l = archLayoutFor('i386-pae', 'all');
    assert.equal(l.encode(fields(3, 0x1234n)), 0x1fffffffffdb9600n);
    assert.equal(l.encode(fields(3, 0x1234n, true)), 0x1fffffffffdb9680n);
    assert.deepEqual(l.decode(0x1fffffffffdb9680n), fields(3, 0x1234n, true));
    // The 32-bit arch swp_entry_t is type | offset << 5.
    assert.equal(l.swpEntry(3, 0x1234n), 0x24683n);
    assert.equal(l.pteToSwpEntry(0x1fffffffffdb9600n), 0x24683n);
  });
  it('carries 27 offset bits, the width of its 32-bit swp_entry_t', () => {
    const l = archLayoutFor('i386-pae', 'all');
    assert.equal(l.maxOffset, (1n << 27n) - 1n);
    // Offset bits above 27 are lost in __pte_to_swp_entry().
    assert.equal(l.swpOffset(l.pteToSwpEntry(l.swpEntryToPte(l.swpEntry(0, 1n << 27n)))), 0n);
  });
  it('loses the exclusive marker before 6.3', () => {
    const l = swapLayoutFor('i386-pae', 'enterprise');
    assert.equal(l.hasExclusive, false);
    assert.equal(l.encode(fields(3, 0x1234n, true)), 0x1fffffffffdb9600n);
    assert.equal(l.decode(0x1fffffffffdb9680n).exclusive, false);
  });
});
