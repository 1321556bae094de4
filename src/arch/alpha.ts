// Alpha swap-PTE layout.
import { range, run, type LayoutSpec } from './layout.js';

export const alphaLayouts: LayoutSpec[] = [
  {
    arch: 'alpha',
    variant: 'alpha',
    title: 'Alpha (64-bit PTEs, swap entry in the high word)',
    config: ['CONFIG_ALPHA'],
    source: ['arch/alpha/include/asm/pgtable.h (mk_swap_pte, __swp_type, __swp_offset; _PAGE_SWP_EXCLUSIVE since v6.3)'],
    pteBits: 64,
    longBits: 64,
    // v6.3 narrowed the type from 8 to 7 bits ("& 0x7f") and took bit 39.
    type: run(32, 7),
    offset: run(40, 24),
    exclusiveBit: 39,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0], // _PAGE_VALID
    mustBeClear: range(0, 31),
    mustBeSet: [],
    before: { type: run(32, 8) },
    notes: ['The low 32 bits of a swap PTE are all zero; they include _PAGE_VALID.'],
  },
];
