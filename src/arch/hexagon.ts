// Hexagon swap-PTE layout.
import { runs, type LayoutSpec } from './layout.js';

export const hexagonLayouts: LayoutSpec[] = [
  {
    arch: 'hexagon',
    variant: 'hexagon',
    title: 'Hexagon (Hexagon VM page tables)',
    config: ['CONFIG_HEXAGON'],
    source: ['arch/hexagon/include/asm/pgtable.h (__swp_type, __swp_offset; _PAGE_SWP_EXCLUSIVE bit 6 since v6.3)'],
    pteBits: 32,
    longBits: 32,
    type: runs([1, 5]),
    // The offset is split around the permission bits 10-12, which stay zero so
    // the TLB miss handler need not test _PAGE_PRESENT.
    offset: runs([7, 3], [13, 19]),
    exclusiveBit: 6,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0],
    mustBeClear: [0, 10, 11, 12],
    mustBeSet: [],
    before: { offset: runs([6, 4], [13, 19]) },
  },
];
