// Nios II swap-PTE layout.
import { range, run, type LayoutSpec } from './layout.js';

export const nios2Layouts: LayoutSpec[] = [
  {
    arch: 'nios2',
    variant: 'nios2',
    title: 'Nios II',
    config: ['CONFIG_NIOS2'],
    source: [
      'arch/nios2/include/asm/pgtable.h (v6.3 "nios2/mm: refactor swap PTE layout": 5 type bits at 26-30)',
      'arch/nios2/include/asm/pgtable-bits.h (_PAGE_SWP_EXCLUSIVE bit 31, v6.3)',
    ],
    pteBits: 32,
    longBits: 32,
    type: run(26, 5),
    offset: run(0, 20),
    exclusiveBit: 31,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [25], // _PAGE_PRESENT
    mustBeClear: range(20, 25),
    mustBeSet: [],
    // Before the refactor the type had 2 bits (26-27): too few for core MM,
    // which is why nios2 never enabled swap (ARCH_NO_SWAP).
    before: { type: run(26, 2), mustBeClear: [...range(20, 25), ...range(28, 31)] },
    knownIssues: [
      { form: 'before', check: 'MAX_SWAPFILES_CHECK', reason: 'only 2 type bits before v6.3; nios2 had swap disabled' },
      { form: 'before', check: 'swap_migration_tests', reason: 'migration types 24-26 do not fit 2 type bits before v6.3' },
    ],
  },
];
