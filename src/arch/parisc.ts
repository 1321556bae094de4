// PA-RISC swap-PTE layouts, 32- and 64-bit.
import { runs, type FieldSpec, type LayoutSpec } from './layout.js';

// The header numbers bits MSB-first (PA-RISC style); bit numbers here count
// from the least significant bit. _PAGE_PRESENT is LSB 9, _PAGE_ACCESSED 8.
function parisc(variant: string, pteBits: 32 | 64): LayoutSpec {
  const high = pteBits - 10;
  const offset: FieldSpec = runs([5, 3], [10, high]);
  return {
    arch: 'parisc',
    variant,
    aliases: pteBits === 64 ? ['parisc', 'pa-risc64', 'hppa64'] : ['hppa', 'pa-risc32'],
    title: `PA-RISC ${pteBits}-bit`,
    config: pteBits === 64 ? ['CONFIG_PARISC', 'CONFIG_64BIT'] : ['CONFIG_PARISC', '!CONFIG_64BIT'],
    source: [
      'arch/parisc/include/asm/pgtable.h (v6.3: _PAGE_SWP_EXCLUSIVE = _PAGE_ACCESSED)',
      'offset encoding from 6f9e98849eda "parisc: Fix encoding of swp_entry due to added SWP_EXCLUSIVE flag" (v6.4-rc2, 6.3.3 stable)',
    ],
    pteBits,
    longBits: pteBits,
    type: runs([0, 5]),
    offset,
    exclusiveBit: 8,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [9],
    mustBeClear: [9],
    mustBeSet: [],
    // Before v6.3: offset[0-2] in 6-8, offset[3..] from bit 11; bits 5 and 10 unused.
    before: { offset: runs([6, 3], [11, high - 1]) },
    notes: [
      'v6.3 as released took _PAGE_ACCESSED (LSB 8) but kept the old offset encoding, whose offset bit 2 also lives in LSB 8; 6f9e98849eda moved the offset to 5-7 and 10 up. The model uses the fixed encoding; the test suite keeps the v6.3.0 form as a real overlapping layout the checks must catch.',
    ],
  };
}

export const pariscLayouts: LayoutSpec[] = [parisc('parisc32', 32), parisc('parisc64', 64)];

/** parisc as v6.3.0 shipped it: exclusive bit 8 inside the offset (fixed in 6f9e98849eda). */
export function parisc630Broken(pteBits: 32 | 64 = 32): LayoutSpec {
  const base = parisc(`parisc${pteBits}-6.3.0`, pteBits);
  const old = base.before?.offset;
  if (!old) throw new Error('parisc layout without a pre-6.3 offset');
  return { ...base, aliases: [], offset: old };
}
