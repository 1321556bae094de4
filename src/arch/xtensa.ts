// Xtensa swap-PTE layout.
import { run, type LayoutSpec } from './layout.js';

// Attribute bits 0-3: a swap PTE has the invalid cache attribute (CA = 11 in
// bits 2-3) with bits 0-1 = e0; 1111 is PAGE_NONE and 1101 is reserved.
const CA_MASK = 0b1100n;
const CA_INVALID = 0b1100n;
const ATTRIB_MASK = 0b1111n;
const PAGE_NONE_ATTRIB = 0b1111n;

export const xtensaLayouts: LayoutSpec[] = [
  {
    arch: 'xtensa',
    variant: 'xtensa',
    title: 'Xtensa (MMU v2/v3)',
    config: ['CONFIG_XTENSA', 'CONFIG_MMU'],
    source: ['arch/xtensa/include/asm/pgtable.h (__swp_entry sets _PAGE_CA_INVALID | _PAGE_USER; _PAGE_SWP_EXCLUSIVE bit 1 since v6.3)'],
    pteBits: 32,
    longBits: 32,
    type: run(6, 5),
    offset: run(11, 21),
    exclusiveBit: 1,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [],
    presentWhen: (pte) => (pte & CA_MASK) !== CA_INVALID || (pte & ATTRIB_MASK) === PAGE_NONE_ATTRIB,
    mustBeClear: [0, 5],
    // _PAGE_CA_INVALID (bits 2-3) and the user ring (bit 4).
    mustBeSet: [2, 3, 4],
    noneValue: 0x1cn, // pte_none(): pte_val == _PAGE_CA_INVALID | _PAGE_USER
    before: { mustBeClear: [0, 1, 5] },
  },
];
