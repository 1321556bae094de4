// ARC swap-PTE layout (MMU v3/v4, pgtable-bits-arcv2.h).
import { range, run, type LayoutSpec } from './layout.js';

export const arcLayouts: LayoutSpec[] = [
  {
    arch: 'arc',
    variant: 'arc',
    title: 'ARC (ARCompact / ARCv2 MMU)',
    config: ['CONFIG_ARC', 'CONFIG_MMU'],
    source: ['arch/arc/include/asm/pgtable-bits-arcv2.h (__swp_entry, _PAGE_SWP_EXCLUSIVE = _PAGE_DIRTY since v6.3)'],
    pteBits: 32,
    longBits: 32,
    type: run(0, 5),
    offset: run(13, 19),
    // v6.3 borrowed bit 5 (_PAGE_DIRTY) from the zeroed 5-12 range.
    exclusiveBit: 5,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [9], // _PAGE_PRESENT
    mustBeClear: range(6, 12),
    mustBeSet: [],
    before: { mustBeClear: range(5, 12) },
    notes: ['With CONFIG_ARC_HAS_PAE40 the PTE is 64-bit but a swap entry only fills the low word.'],
  },
];
