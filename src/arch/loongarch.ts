// LoongArch swap-PTE layout (64-bit).
import { range, run, type LayoutSpec } from './layout.js';

export const loongarchLayouts: LayoutSpec[] = [
  {
    arch: 'loongarch',
    variant: 'loongarch64',
    aliases: ['loongarch', 'la64'],
    title: 'LoongArch 64-bit',
    config: ['CONFIG_LOONGARCH', 'CONFIG_64BIT'],
    source: [
      'arch/loongarch/include/asm/pgtable.h (mk_swap_pte, __swp_type "& 0x7f" since v6.3)',
      'arch/loongarch/include/asm/pgtable-bits.h (_PAGE_SWP_EXCLUSIVE_SHIFT 23)',
    ],
    pteBits: 64,
    longBits: 64,
    type: run(16, 7),
    offset: run(24, 40),
    exclusiveBit: 23,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [7, 10], // _PAGE_PRESENT, _PAGE_PROTNONE
    mustBeClear: range(0, 15),
    mustBeSet: [],
    noneIgnoreBits: [6], // pte_none() ignores _PAGE_GLOBAL
    before: { type: run(16, 8) },
  },
];

// 32-bit LoongArch arrived long after v6.3, with the marker from the start;
// its pre-6.3 form exists only so every layout answers for every era.
loongarchLayouts.push({
  arch: 'loongarch',
  variant: 'loongarch32',
  aliases: ['la32'],
  title: 'LoongArch 32-bit (added with the 32BIT series, posted Nov 2025)',
  config: ['CONFIG_LOONGARCH', 'CONFIG_32BIT'],
  source: [
    'arch/loongarch/include/asm/pgtable.h ("LoongArch: Adjust memory management for 32BIT/64BIT": __SWP_TYPE_SHIFT 8, 5 type bits)',
    'arch/loongarch/include/asm/pgtable-bits.h (CONFIG_32BIT: _PAGE_SWP_EXCLUSIVE_SHIFT 13)',
  ],
  pteBits: 32,
  longBits: 32,
  type: run(8, 5),
  offset: run(14, 18),
  exclusiveBit: 13,
  exclusiveSince: '6.3',
  softDirtyBit: null,
  uffdWpBit: null,
  presentBits: [7], // _PAGE_PROTNONE is 0 on 32-bit
  mustBeClear: range(0, 7),
  mustBeSet: [],
  noneIgnoreBits: [6],
  notes: ['There was no 32-bit LoongArch before v6.3; the "before" form is hypothetical.'],
});
