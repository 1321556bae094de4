// x86 swap-PTE layouts: 64-bit, 32-bit 2-level and 32-bit PAE.
import { range, run, type LayoutSpec } from './layout.js';

// Bit names from arch/x86/include/asm/pgtable_types.h.
const P = 0; // _PAGE_BIT_PRESENT
const RW = 1; // _PAGE_BIT_RW: _PAGE_SWP_SOFT_DIRTY
const USER = 2; // _PAGE_BIT_USER: _PAGE_SWP_UFFD_WP
const PWT = 3; // _PAGE_BIT_PWT: _PAGE_SWP_EXCLUSIVE on 64-bit (5.19)
const PSE = 7; // _PAGE_BIT_PSE: _PAGE_SWP_EXCLUSIVE on 32-bit (6.3)
const PROTNONE = 8; // _PAGE_BIT_PROTNONE aliases _PAGE_BIT_GLOBAL

export const x86Layouts: LayoutSpec[] = [
  {
    arch: 'x86',
    variant: 'x86_64',
    aliases: ['x86', 'x86-64', 'amd64', 'x64'],
    title: 'x86 64-bit (4- and 5-level paging)',
    config: ['CONFIG_X86_64'],
    source: [
      'arch/x86/include/asm/pgtable_64.h (__swp_entry, __swp_type, __swp_offset)',
      'arch/x86/include/asm/pgtable_64_types.h (_PAGE_SWP_EXCLUSIVE, 1493a1913e34, v5.19)',
      'arch/x86/include/asm/pgtable_types.h (_PAGE_SWP_SOFT_DIRTY, _PAGE_SWP_UFFD_WP)',
    ],
    pteBits: 64,
    longBits: 64,
    // TYPE in 59-63, ~OFFSET in 9-58: the offset is stored inverted since the
    // L1TF mitigation (v4.18) so a swap PTE never points at real memory.
    type: run(59, 5),
    offset: { runs: [{ shift: 9, bits: 50 }], inverted: true },
    exclusiveBit: PWT,
    exclusiveSince: '5.19',
    softDirtyBit: RW, // CONFIG_MEM_SOFT_DIRTY
    uffdWpBit: USER, // CONFIG_HAVE_ARCH_USERFAULTFD_WP
    // pte_present() tests P and PROTNONE; bit 7 stays clear because
    // pmd_present() also looks at PSE (the header comment's "0|0" at 8 and 7).
    presentBits: [P, PROTNONE],
    mustBeClear: [P, PSE, PROTNONE],
    mustBeSet: [],
    notes: [
      'Bits 1-4 are unused by the entry: soft-dirty (1), uffd-wp (2) and exclusive (3) live there; 4 (PCD) is free.',
      'A (5) and D (6) are avoided: an erratum can set them in non-present PTEs.',
    ],
  },
  {
    arch: 'x86',
    variant: 'i386',
    aliases: ['i386-2level', 'x86-32', 'x86_32', 'i386-nopae', 'x86-2level', 'i686', 'ia32'],
    title: 'x86 32-bit, 2-level page tables (no PAE)',
    config: ['CONFIG_X86_32', '!CONFIG_X86_PAE'],
    source: [
      'arch/x86/include/asm/pgtable-2level.h (v6.3: "x86/mm: support __HAVE_ARCH_PTE_SWP_EXCLUSIVE also on 32bit")',
    ],
    pteBits: 32,
    longBits: 32,
    type: run(1, 5),
    offset: run(9, 23),
    // 6.3 borrowed bit 7 (_PAGE_PSE), unused in swap PTEs; the fields did not move.
    exclusiveBit: PSE,
    exclusiveSince: '6.3',
    softDirtyBit: null, // HAVE_ARCH_SOFT_DIRTY is selected only for X86_64
    uffdWpBit: null, // HAVE_ARCH_USERFAULTFD_WP likewise
    presentBits: [P, PROTNONE],
    mustBeClear: [P, PROTNONE],
    mustBeSet: [],
    before: {},
    notes: ['Bit 6 (D) is unused; bits 1-5 hold the type, 9-31 the offset.'],
  },
  {
    arch: 'x86',
    variant: 'i386-pae',
    aliases: ['x86-pae', 'pae', 'x86_32-pae', 'i386pae', 'i686-pae'],
    title: 'x86 32-bit with PAE (3-level, 64-bit PTEs)',
    config: ['CONFIG_X86_32', 'CONFIG_X86_PAE'],
    source: [
      'arch/x86/include/asm/pgtable-3level.h (__swp_pteval_entry, __pteval_swp_offset; v6.3 adds _PAGE_SWP_EXCLUSIVE)',
    ],
    pteBits: 64,
    longBits: 32,
    // The PTE is laid out like x86_64 (type on top, inverted offset from bit 9)
    // but the arch swp_entry_t is a 32-bit "type | offset << 5", so only 27
    // offset bits survive a round trip through __pte_to_swp_entry().
    type: run(59, 5),
    offset: { runs: [{ shift: 9, bits: 50 }], inverted: true, valueBits: 27 },
    entry: { bits: 32, type: run(0, 5), offset: run(5, 27) },
    exclusiveBit: PSE,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [P, PROTNONE],
    mustBeClear: [...range(0, 6), PROTNONE],
    mustBeSet: [],
    before: { mustBeClear: range(0, 8) },
    notes: [
      'The swap entry lives in the high word; the low word holds only the exclusive marker.',
      'The offset is inverted (L1TF, v4.18) so the unused high offset bits read back as ones.',
    ],
  },
];
