// User-mode Linux swap-PTE layouts.
import { run, type LayoutSpec } from './layout.js';

function um(bits: 32 | 64): LayoutSpec {
  return {
    arch: 'um',
    variant: `um${bits}`,
    aliases: bits === 64 ? ['um', 'uml'] : ['uml32'],
    title: `User-mode Linux, ${bits}-bit`,
    config: ['CONFIG_UML', bits === 64 ? 'CONFIG_64BIT' : '!CONFIG_64BIT'],
    source: ['arch/um/include/asm/pgtable.h (__swp_type ">> 5", __swp_offset ">> 11"; _PAGE_SWP_EXCLUSIVE 0x400 since v6.3)'],
    pteBits: bits,
    longBits: bits,
    type: run(5, 5),
    offset: run(11, bits - 11),
    exclusiveBit: 10,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0, 4], // _PAGE_PRESENT, _PAGE_PROTNONE
    mustBeClear: [0, 2, 3, 4],
    // set_pte() always sets _PAGE_NEWPAGE (bit 1); __pte_to_swp_entry() clears it again.
    mustBeSet: [1],
    before: { mustBeClear: [0, 2, 3, 4] },
    bitLabels: { 1: 'N' },
  };
}

export const umLayouts: LayoutSpec[] = [um(32), um(64)];
