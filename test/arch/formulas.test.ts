// Each layout against the shift-and-mask arithmetic of its kernel header
// (v6.3 __swp_entry/__swp_entry_to_pte and _PAGE_SWP_EXCLUSIVE), written out
// independently of the declarative field tables, on random type/offset pairs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { archLayoutFor } from '../../src/arch/index.js';

const M32 = (1n << 32n) - 1n;
const M64 = (1n << 64n) - 1n;

interface Formula {
  /** The swap PTE the header builds for (type, offset), as stored by set_pte(). */
  pte(t: bigint, o: bigint): bigint;
  /** _PAGE_SWP_EXCLUSIVE as a mask of pte_val(). */
  exclusive: bigint;
  softDirty?: bigint;
}

const formulas: Record<string, Formula> = {
  alpha: { pte: (t, o) => (((t & 0x7fn) << 32n) | (o << 40n)) & M64, exclusive: 0x8000000000n },
  arc: { pte: (t, o) => ((t & 0x1fn) | (o << 13n)) & M32, exclusive: 1n << 5n },
  arm: { pte: (t, o) => (((t & 0x1fn) << 2n) | (o << 8n)) & M32, exclusive: 1n << 7n },
  'arm-lpae': { pte: (t, o) => (((t & 0x1fn) << 2n) | (o << 8n)) & M32, exclusive: 1n << 7n },
  arm64: { pte: (t, o) => ((t & 0x1fn) << 3n) | ((o & ((1n << 50n) - 1n)) << 8n), exclusive: 1n << 2n },
  'csky-abiv1': { pte: (t, o) => (((t & 0xfn) << 2n) | ((t & 0x10n) << 4n) | (o << 10n)) & M32, exclusive: 1n << 9n },
  'csky-abiv2': { pte: (t, o) => ((t & 0x1fn) << 2n) | ((o & 1n) << 8n) | ((o & 0x3ffffen) << 10n), exclusive: 1n << 7n },
  hexagon: { pte: (t, o) => ((t & 0x1fn) << 1n) | ((o & 0x3ffff8n) << 10n) | ((o & 7n) << 7n), exclusive: 1n << 6n },
  ia64: { pte: (t, o) => (((t & 0x3fn) << 1n) | (o << 8n)) & M64, exclusive: 1n << 7n },
  loongarch32: { pte: (t, o) => (((t & 0x1fn) << 8n) | (o << 14n)) & M32, exclusive: 1n << 13n },
  loongarch64: { pte: (t, o) => (((t & 0x7fn) << 16n) | (o << 24n)) & M64, exclusive: 1n << 23n },
  'm68k-coldfire': { pte: (t, o) => ((t & 0x7fn) | (o << 11n)) & M32, exclusive: 0x80n },
  'm68k-motorola': { pte: (t, o) => (((t & 0x7fn) << 4n) | (o << 12n)) & M32, exclusive: 0x800n },
  'm68k-sun3': { pte: (t, o) => ((t & 0x3fn) | ((o << 7n) & ~0x80000000n)) & M32, exclusive: 0x40n },
  microblaze: { pte: (t, o) => ((((t & 0x1fn) | (o << 6n)) & M32) << 2n) & M32, exclusive: 0x80n },
  'mips-r3000': { pte: (t, o) => (((t & 0x1fn) << 10n) | (o << 15n)) & M32, exclusive: 1n << 7n },
  mips32: { pte: (t, o) => (((t & 0x1fn) << 8n) | (o << 13n)) & M32, exclusive: 1n << 1n },
  // pte_t { pte_low, pte_high }: __swp_entry_to_pte() is { 0, entry }, pte_val() = low | high << 32.
  'mips32-64bitphys': { pte: (t, o) => ((((t & 0x1fn) << 2n) | (o << 7n)) & M32) << 32n, exclusive: 1n << 7n },
  'mips32-xpa': { pte: (t, o) => ((((t & 0x1fn) << 4n) | (o << 9n)) & M32) << 32n, exclusive: 1n << 25n },
  mips64: { pte: (t, o) => (((t & 0x7fn) << 16n) | (o << 24n)) & M64, exclusive: 1n << 23n },
  nios2: { pte: (t, o) => ((t & 0x1fn) << 26n) | (o & 0xfffffn), exclusive: 1n << 31n },
  openrisc: { pte: (t, o) => (((t & 0x3fn) << 5n) | (o << 12n)) & M32, exclusive: 1n << 11n },
  parisc32: { pte: (t, o) => ((t & 0x1fn) | ((o & 7n) << 5n) | ((o >> 3n) << 10n)) & M32, exclusive: 0x100n },
  parisc64: { pte: (t, o) => ((t & 0x1fn) | ((o & 7n) << 5n) | ((o >> 3n) << 10n)) & M64, exclusive: 0x100n },
  'ppc32-book3s': { pte: (t, o) => ((((t & 0x1fn) | (o << 5n)) & M32) << 3n) & M32, exclusive: 4n },
  // The entry is shifted in 32-bit unsigned long before it widens to the 64-bit PTE.
  'ppc-44x': { pte: (t, o) => ((((t & 0x1fn) | (o << 5n)) & M32) << 3n) & M32, exclusive: 4n },
  'ppc-40x': { pte: (t, o) => ((((t & 0x1fn) | (o << 5n)) & M32) << 3n) & M32, exclusive: 4n },
  'ppc64-book3s-4k': {
    pte: (t, o) => t | ((o << 12n) & (((1n << 53n) - 1n) & ~0xfffn)) | (1n << 62n),
    exclusive: 0x20n,
    softDirty: 0x200n,
  },
  'ppc64-book3s-64k': {
    pte: (t, o) => t | ((o << 16n) & (((1n << 53n) - 1n) & ~0xffffn)) | (1n << 62n),
    exclusive: 0x20n,
    softDirty: 0x200n,
  },
  'ppc64-nohash': { pte: (t, o) => (((t & 0x1fn) << 2n) | (o << 24n)) & M64, exclusive: 0x80n },
  riscv32: { pte: (t, o) => (((t & 0x1fn) << 7n) | (o << 12n)) & M32, exclusive: 1n << 6n },
  riscv64: { pte: (t, o) => (((t & 0x1fn) << 7n) | (o << 12n)) & M64, exclusive: 1n << 6n },
  s390: {
    pte: (t, o) => 0x400n | 0x200n | ((o & ((1n << 52n) - 1n)) << 12n) | ((t & 0x1fn) << 2n),
    exclusive: 0x800n,
    softDirty: 0x2n,
  },
  sh: { pte: (t, o) => ((((t & 0x1fn) | (o << 10n)) & M32) << 1n) & M32, exclusive: 0x40n },
  'sh-x2tlb': { pte: (t, o) => (((t & 0x1fn) | (o << 5n)) & M32) << 32n, exclusive: 0x40n },
  sparc32: { pte: (t, o) => ((t & 0x1fn) << 7n) | ((o & 0xfffffn) << 12n), exclusive: 0x40n },
  sparc64: { pte: (t, o) => (((t & 0x7fn) << 13n) | (o << 21n)) & M64, exclusive: 1n << 20n },
  // set_pte() adds _PAGE_NEWPAGE (bit 1).
  um32: { pte: (t, o) => ((((t & 0x1fn) << 5n) | (o << 11n)) & M32) | 2n, exclusive: 0x400n },
  um64: { pte: (t, o) => ((((t & 0x1fn) << 5n) | (o << 11n)) & M64) | 2n, exclusive: 0x400n },
  x86_64: {
    pte: (t, o) => ((((~o & M64) << 14n) & M64) >> 5n) | ((t & 0x1fn) << 59n),
    exclusive: 0x8n,
    softDirty: 0x2n,
  },
  i386: { pte: (t, o) => (((t & 0x1fn) << 1n) | (o << 9n)) & M32, exclusive: 0x80n },
  'i386-pae': { pte: (t, o) => ((((~o & M64) << 14n) & M64) >> 5n) | ((t & 0x1fn) << 59n), exclusive: 0x80n },
  xtensa: { pte: (t, o) => ((((t & 0x1fn) << 6n) | (o << 11n)) & M32) | 0x0cn | 0x10n, exclusive: 0x2n },
};

describe('layouts match the header arithmetic', () => {
  for (const [variant, f] of Object.entries(formulas)) {
    it(variant, () => {
      const l = archLayoutFor(variant, 'all');
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 31 }), fc.bigInt({ min: 0n, max: l.maxOffset }), (type, offset) => {
          const expected = f.pte(BigInt(type), offset);
          const plain = { type, offset, exclusive: false, softDirty: false, uffdWp: false };
          assert.equal(l.encode(plain), expected);
          assert.equal(l.encode({ ...plain, exclusive: true }), expected | f.exclusive);
          if (f.softDirty !== undefined) assert.equal(l.encode({ ...plain, softDirty: true }), expected | f.softDirty);
          assert.deepEqual(l.decode(expected | f.exclusive), { ...plain, exclusive: true });
        }),
        { numRuns: 100 },
      );
    });
  }
});
