// OpenRISC swap-PTE layout.
import { range, run, type LayoutSpec } from './layout.js';

export const openriscLayouts: LayoutSpec[] = [
  {
    arch: 'openrisc',
    variant: 'openrisc',
    aliases: ['or1k'],
    title: 'OpenRISC 1000',
    config: ['CONFIG_OPENRISC'],
    source: ['arch/openrisc/include/asm/pgtable.h (__swp_type "& 0x3f"; _PAGE_SWP_EXCLUSIVE = _PAGE_U_SHARED since v6.3)'],
    pteBits: 32,
    longBits: 32,
    type: run(5, 6),
    offset: run(12, 20),
    exclusiveBit: 11,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [4], // _PAGE_PRESENT = _PAGE_A
    mustBeClear: range(0, 4),
    mustBeSet: [],
    before: { type: run(5, 7) },
  },
];
