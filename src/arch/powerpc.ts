// PowerPC swap-PTE layouts: book3s/32, book3s/64 (4K and 64K pages), the
// nohash/32 families and nohash/64 (Book3E).
import { range, run, type LayoutSpec } from './layout.js';

// book3s/64: type in bits 0-4, offset in PTE_RPN_MASK (PAGE_SHIFT .. _PAGE_PA_MAX-1 = 52),
// _PAGE_PTE (62) forced set by __swp_entry_to_pte(), _PAGE_PRESENT (63) and
// _PAGE_INVALID (61) clear.
function book3s64(pageShift: 12 | 16): LayoutSpec {
  const k = pageShift === 12 ? '4k' : '64k';
  return {
    arch: 'powerpc',
    variant: `ppc64-book3s-${k}`,
    aliases: pageShift === 16 ? ['powerpc', 'ppc', 'ppc64', 'powerpc64', 'ppc64le', 'ppc64-book3s'] : ['ppc64-4k'],
    title: `PowerPC 64-bit Book3S (hash/radix), ${pageShift === 12 ? '4K' : '64K'} pages`,
    config: ['CONFIG_PPC_BOOK3S_64', pageShift === 12 ? 'CONFIG_PPC_4K_PAGES' : 'CONFIG_PPC_64K_PAGES'],
    source: [
      'arch/powerpc/include/asm/book3s/64/pgtable.h (__swp_entry, PTE_RPN_MASK, _PAGE_PA_MAX 53)',
      'same file: _PAGE_SWP_EXCLUSIVE = _PAGE_NON_IDEMPOTENT, _PAGE_SWP_SOFT_DIRTY = _PAGE_SOFT_DIRTY (1493a1913e34 series, v5.19)',
    ],
    pteBits: 64,
    longBits: 64,
    type: run(0, 5),
    offset: run(pageShift, 53 - pageShift),
    exclusiveBit: 5,
    exclusiveSince: '5.19',
    softDirtyBit: 9, // _RPAGE_SW3
    uffdWpBit: null,
    presentBits: [63, 61], // _PAGE_PRESENT, _PAGE_INVALID
    mustBeClear: [61, 63],
    mustBeSet: [62], // _PAGE_PTE
    // Before 5.19 the swap soft-dirty bit was _PAGE_NON_IDEMPOTENT (0x20), which 5.19 gave to the exclusive marker.
    before: { softDirtyBit: 5 },
    bitLabels: { 62: 'T' },
  };
}

// nohash/32 and book3s/32 share the encoding: the arch entry is the PTE
// shifted right by 3, type in entry bits 0-4, offset above; since v6.3 LSB 2
// is the exclusive marker. They differ in where _PAGE_PRESENT is.
function ppc32(
  variant: string,
  title: string,
  config: string[],
  header: string,
  pteBits: 32 | 64,
  present: number,
  aliases: string[] = [],
): LayoutSpec {
  return {
    arch: 'powerpc',
    variant,
    aliases,
    title,
    config,
    source: [header],
    pteBits,
    longBits: 32,
    entryShift: 3,
    type: run(3, 5),
    // The 32-bit swp_entry_t is shifted left by 3 in unsigned long, so even a
    // 64-bit PTE only gets 24 offset bits (bits 8-31).
    offset: run(8, 24),
    exclusiveBit: 2,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [present],
    mustBeClear: [0, 1],
    mustBeSet: [],
    before: { mustBeClear: [0, 1, 2] },
  };
}

const nohash32 = 'arch/powerpc/include/asm/nohash/32/pgtable.h (__swp_entry, __pte_to_swp_entry ">> 3"; _PAGE_SWP_EXCLUSIVE LSB 2 since v6.3)';

export const powerpcLayouts: LayoutSpec[] = [
  {
    ...ppc32(
      'ppc32-book3s',
      'PowerPC 32-bit Book3S (hash MMU: 603, 604, 7xx, 74xx)',
      ['CONFIG_PPC_BOOK3S_32'],
      'arch/powerpc/include/asm/book3s/32/pgtable.h (__pte_to_swp_entry ">> 3"; _PAGE_SWP_EXCLUSIVE = _PAGE_USER since v6.3)',
      32,
      0,
      ['ppc32', 'powerpc32', 'ppc-book3s32'],
    ),
    bitLabels: { 0: 'P', 1: 'H' },
    notes: ['_PAGE_HASHPTE (bit 1) must stay clear besides _PAGE_PRESENT.'],
  },
  book3s64(12),
  book3s64(16),
  ppc32('ppc-40x', 'PowerPC 40x (nohash/32)', ['CONFIG_40x'], `${nohash32}; arch/powerpc/include/asm/nohash/32/pte-40x.h (_PAGE_PRESENT 0x002)`, 32, 1, ['ppc40x']),
  ppc32('ppc-44x', 'PowerPC 44x (nohash/32, 64-bit PTEs)', ['CONFIG_44x', 'CONFIG_PTE_64BIT'], `${nohash32}; arch/powerpc/include/asm/nohash/32/pte-44x.h (_PAGE_PRESENT 0x001)`, 64, 0, ['ppc44x']),
  ppc32('ppc-8xx', 'PowerPC 8xx (nohash/32)', ['CONFIG_PPC_8xx'], `${nohash32}; arch/powerpc/include/asm/nohash/32/pte-8xx.h (_PAGE_PRESENT 0x0001)`, 32, 0, ['ppc8xx']),
  ppc32('ppc-85xx', 'PowerPC 85xx (nohash/32, 32-bit PTEs)', ['CONFIG_PPC_85xx', '!CONFIG_PTE_64BIT'], `${nohash32}; arch/powerpc/include/asm/nohash/32/pte-85xx.h (_PAGE_PRESENT 0x001)`, 32, 0, ['ppc85xx']),
  ppc32('ppc-e500', 'PowerPC e500 32-bit with 64-bit PTEs (nohash/32)', ['CONFIG_PPC_85xx', 'CONFIG_PTE_64BIT'], `${nohash32}; arch/powerpc/include/asm/nohash/pte-e500.h (_PAGE_PRESENT 0x000001)`, 64, 0, ['ppc-e500-32']),
  {
    arch: 'powerpc',
    variant: 'ppc64-nohash',
    aliases: ['ppc64-book3e', 'ppc64e'],
    title: 'PowerPC 64-bit nohash (Book3E, e5500/e6500)',
    config: ['CONFIG_PPC64', 'CONFIG_PPC_BOOK3E_64'],
    source: [
      'arch/powerpc/include/asm/nohash/64/pgtable.h (__swp_type ">> 2", __swp_offset ">> PTE_RPN_SHIFT"; _PAGE_SWP_EXCLUSIVE 0x80 since v6.3)',
      'arch/powerpc/include/asm/nohash/pte-e500.h (PTE_RPN_SHIFT 24)',
    ],
    pteBits: 64,
    longBits: 64,
    type: run(2, 5),
    offset: run(24, 40),
    exclusiveBit: 7, // MSB-0 bit 56
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0],
    mustBeClear: [0, 1, ...range(8, 23)],
    mustBeSet: [],
    before: { mustBeClear: [0, 1, ...range(7, 23)] },
  },
];
