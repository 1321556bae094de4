// 32-bit ARM swap-PTE layouts: classic 2-level tables and LPAE.
import { run, type LayoutSpec } from './layout.js';

// v6.3 took bit 7 (L_PTE_RDONLY on 2-level) and moved the offset up by one,
// halving the swap space per file from 128 GiB to 64 GiB.
const common = {
  arch: 'arm',
  longBits: 32 as const,
  type: run(2, 5),
  offset: run(8, 24),
  exclusiveBit: 7,
  exclusiveSince: '6.3' as const,
  softDirtyBit: null,
  uffdWpBit: null,
  mustBeSet: [],
  before: { offset: run(7, 25) },
};

export const armLayouts: LayoutSpec[] = [
  {
    ...common,
    variant: 'arm',
    aliases: ['arm-2level', 'arm32'],
    title: 'ARM 32-bit, classic 2-level page tables',
    config: ['CONFIG_ARM', 'CONFIG_MMU', '!CONFIG_ARM_LPAE'],
    source: [
      'arch/arm/include/asm/pgtable.h (__SWP_TYPE_SHIFT, __SWP_OFFSET_SHIFT)',
      'arch/arm/include/asm/pgtable-2level.h (L_PTE_SWP_EXCLUSIVE = L_PTE_RDONLY, v6.3)',
    ],
    pteBits: 32,
    presentBits: [0], // L_PTE_PRESENT
    mustBeClear: [0, 1],
  },
  {
    ...common,
    variant: 'arm-lpae',
    aliases: ['arm-3level'],
    title: 'ARM 32-bit with LPAE (3-level, 64-bit PTEs)',
    config: ['CONFIG_ARM', 'CONFIG_ARM_LPAE'],
    source: [
      'arch/arm/include/asm/pgtable.h (__SWP_TYPE_SHIFT, __SWP_OFFSET_SHIFT)',
      'arch/arm/include/asm/pgtable-3level.h (L_PTE_SWP_EXCLUSIVE bit 7, v6.3)',
    ],
    pteBits: 64,
    // L_PTE_PRESENT is bits 0-1 on LPAE; L_PTE_NONE (57) marks PROT_NONE.
    presentBits: [0, 1],
    mustBeClear: [0, 1, 57],
    notes: ['The 32-bit swp_entry_t fills only the low word; the high word of a swap PTE is zero.'],
  },
];
