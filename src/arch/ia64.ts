// ia64 swap-PTE layout (the architecture was removed in v6.7).
import { runs, type LayoutSpec } from './layout.js';

export const ia64Layouts: LayoutSpec[] = [
  {
    arch: 'ia64',
    variant: 'ia64',
    aliases: ['itanium'],
    title: 'IA-64 (Itanium), removed in v6.7',
    config: ['CONFIG_IA64'],
    source: ['arch/ia64/include/asm/pgtable.h, v6.3 .. v6.6 (__swp_type "& 0x3f", _PAGE_SWP_EXCLUSIVE bit 7)'],
    pteBits: 64,
    longBits: 64,
    type: runs([1, 6]),
    // __swp_offset() shifts left by one first, dropping bit 63 (_PAGE_PROTNONE).
    offset: runs([8, 55]),
    exclusiveBit: 7,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0, 63], // _PAGE_P, _PAGE_PROTNONE
    mustBeClear: [0, 63],
    mustBeSet: [],
    before: { type: runs([1, 7]) },
  },
];
