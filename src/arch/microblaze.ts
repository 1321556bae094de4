// MicroBlaze swap-PTE layout.
import { run, type LayoutSpec } from './layout.js';

export const microblazeLayouts: LayoutSpec[] = [
  {
    arch: 'microblaze',
    variant: 'microblaze',
    title: 'MicroBlaze (PowerPC-40x-style PTEs)',
    config: ['CONFIG_MICROBLAZE', 'CONFIG_MMU'],
    source: ['arch/microblaze/include/asm/pgtable.h (__pte_to_swp_entry shifts by 2; _PAGE_SWP_EXCLUSIVE = _PAGE_DIRTY since v6.3)'],
    pteBits: 32,
    longBits: 32,
    // The arch entry is the PTE shifted right by 2: type in entry bits 0-4,
    // offset from entry bit 6. The header numbers bits MSB-first (PowerPC style).
    entryShift: 2,
    type: run(2, 5),
    offset: run(8, 24),
    exclusiveBit: 7, // MSB-0 bit 24
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [1], // _PAGE_PRESENT 0x002
    mustBeClear: [0, 1],
    mustBeSet: [],
    before: { type: run(2, 6) },
  },
];
