// SuperH swap-PTE layouts: 32-bit PTEs, and 64-bit PTEs with CONFIG_X2TLB.
import { range, run, type LayoutSpec } from './layout.js';

export const shLayouts: LayoutSpec[] = [
  {
    arch: 'sh',
    variant: 'sh',
    aliases: ['sh32', 'superh'],
    title: 'SuperH, 32-bit PTEs',
    config: ['CONFIG_SUPERH', 'CONFIG_MMU', '!CONFIG_X2TLB'],
    source: ['arch/sh/include/asm/pgtable_32.h (__pte_to_swp_entry ">> 1"; _PAGE_SWP_EXCLUSIVE = _PAGE_USER since v6.3)'],
    pteBits: 32,
    longBits: 32,
    // The arch entry is the PTE shifted right by 1.
    entryShift: 1,
    type: run(1, 5),
    offset: run(11, 21),
    exclusiveBit: 6,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [8, 9], // _PAGE_PRESENT, _PAGE_PROTNONE
    mustBeClear: [0, ...range(7, 10)],
    mustBeSet: [],
    // Before v6.3 __swp_type() took 8 bits (entry 0-7 = PTE 1-8), so type bit 7
    // landed on _PAGE_PRESENT; harmless as core MM uses 5 type bits.
    before: { type: run(1, 8), mustBeClear: [0, 9, 10] },
    knownIssues: [
      { form: 'before', check: 'swap_layout_overlap_tests', reason: 'the 8-bit type overlapped _PAGE_PRESENT (bit 8) before v6.3; core MM only uses 5 type bits' },
    ],
  },
  {
    arch: 'sh',
    variant: 'sh-x2tlb',
    aliases: ['x2tlb'],
    title: 'SuperH with X2TLB (64-bit PTEs)',
    config: ['CONFIG_SUPERH', 'CONFIG_X2TLB'],
    source: ['arch/sh/include/asm/pgtable_32.h (CONFIG_X2TLB: entry in pte_high; _PAGE_SWP_EXCLUSIVE = _PAGE_USER in pte_low since v6.3)'],
    pteBits: 64,
    longBits: 32,
    // As on x86 PAE the entry is the high word: type 32-36, offset 37-63.
    type: run(32, 5),
    offset: run(37, 27),
    entry: { bits: 32, type: run(0, 5), offset: run(5, 27) },
    exclusiveBit: 6,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [8, 9],
    mustBeClear: [...range(0, 5), ...range(7, 31)],
    mustBeSet: [],
    before: { mustBeClear: range(0, 31) },
  },
];
