// s390 swap-PTE layout.
import { run, type LayoutSpec } from './layout.js';

export const s390Layouts: LayoutSpec[] = [
  {
    arch: 's390',
    variant: 's390',
    aliases: ['s390x'],
    title: 's390x (z/Architecture)',
    config: ['CONFIG_S390'],
    source: [
      'arch/s390/include/asm/pgtable.h (mk_swap_pte, __SWP_OFFSET_SHIFT 12, __SWP_TYPE_SHIFT 2)',
      'same file: _PAGE_SWP_EXCLUSIVE = _PAGE_LARGE (1493a1913e34 series, v5.19)',
    ],
    pteBits: 64,
    longBits: 64,
    // The header numbers bits MSB-first: offset 0-51, E 52, type 57-61, S 62.
    type: run(2, 5),
    offset: run(12, 52),
    exclusiveBit: 11,
    exclusiveSince: '5.19',
    softDirtyBit: 1, // _PAGE_SWP_SOFT_DIRTY = _PAGE_SOFT_DIRTY (MSB-0 bit 62)
    uffdWpBit: null,
    presentBits: [0], // _PAGE_PRESENT
    mustBeClear: [0],
    // A swap PTE is (pte & 0x201) == 0x200: _PAGE_INVALID | _PAGE_PROTECT.
    mustBeSet: [9, 10],
    noneValue: 0x400n, // pte_none(): pte_val == _PAGE_INVALID
    bitLabels: { 9: 'R', 10: 'I' },
  },
];
