// SPARC swap-PTE layouts: sparc32 SRMMU and sparc64.
import { range, run, type LayoutSpec } from './layout.js';

export const sparcLayouts: LayoutSpec[] = [
  {
    arch: 'sparc',
    variant: 'sparc32',
    aliases: ['sparc-srmmu', 'srmmu'],
    title: 'SPARC 32-bit, SRMMU',
    config: ['CONFIG_SPARC32'],
    source: [
      'arch/sparc/include/asm/pgtsrmmu.h (SRMMU_SWP_TYPE_SHIFT 7, SRMMU_SWP_OFF_MASK 0xfffff; SRMMU_SWP_EXCLUSIVE = SRMMU_DIRTY since v6.3)',
      'arch/sparc/include/asm/pgtable_32.h (__swp_type, __swp_offset)',
    ],
    pteBits: 32,
    longBits: 32,
    type: run(7, 5),
    offset: run(12, 20),
    exclusiveBit: 6,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [1],
    // pte_present(): the entry type (bits 0-1) is SRMMU_ET_PTE.
    presentWhen: (pte) => (pte & 3n) === 2n,
    mustBeClear: range(0, 5),
    mustBeSet: [],
    before: { mustBeClear: range(0, 6) },
    notes: ['The pre-6.3 comment claimed 19 offset bits; SRMMU_SWP_OFF_MASK gives 20.'],
  },
  {
    arch: 'sparc',
    variant: 'sparc64',
    aliases: ['sparc'],
    title: 'SPARC 64-bit (sun4u / sun4v)',
    config: ['CONFIG_SPARC64'],
    source: ['arch/sparc/include/asm/pgtable_64.h (__swp_type ">> PAGE_SHIFT & 0x7f"; _PAGE_SWP_EXCLUSIVE bit 20 since v6.3)'],
    pteBits: 64,
    longBits: 64,
    // PAGE_SHIFT is 13 (8K pages).
    type: run(13, 7),
    offset: run(21, 43),
    exclusiveBit: 20,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [7], // _PAGE_PRESENT_4U / _PAGE_PRESENT_4V
    mustBeClear: range(0, 12),
    mustBeSet: [],
    before: { type: run(13, 8) },
  },
];
