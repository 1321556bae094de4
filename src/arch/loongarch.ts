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
