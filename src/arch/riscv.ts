// RISC-V swap-PTE layouts (Sv32 and Sv39/48/57).
import { run, type LayoutSpec } from './layout.js';

function riscv(xlen: 32 | 64): LayoutSpec {
  return {
    arch: 'riscv',
    variant: `riscv${xlen}`,
    aliases: xlen === 64 ? ['riscv', 'rv64'] : ['rv32'],
    title: `RISC-V ${xlen}-bit`,
    config: ['CONFIG_RISCV', xlen === 64 ? 'CONFIG_64BIT' : 'CONFIG_32BIT'],
    source: [
      'arch/riscv/include/asm/pgtable.h (__SWP_TYPE_SHIFT 7 since v6.3, was 6)',
      'arch/riscv/include/asm/pgtable-bits.h (_PAGE_SWP_EXCLUSIVE = _PAGE_ACCESSED, v6.3)',
    ],
    pteBits: xlen,
    longBits: xlen,
    type: run(7, 5),
    offset: run(12, xlen - 12),
    exclusiveBit: 6,
    exclusiveSince: '6.3',
    softDirtyBit: null, // riscv swap soft-dirty/uffd-wp bits came after v6.3
    uffdWpBit: null,
    presentBits: [0, 5], // _PAGE_PRESENT, _PAGE_PROT_NONE (= _PAGE_GLOBAL)
    mustBeClear: [0, 1, 2, 3, 5],
    mustBeSet: [],
    // v6.3 moved type and offset up by one to free bit 6 (16 GiB per swap file on rv32).
    before: { type: run(6, 5), offset: run(11, xlen - 11) },
    notes: ['The v6.3 header comment says "bits 11 to XLEN-1: swap offset"; __SWP_OFFSET_SHIFT is 12.'],
  };
}

export const riscvLayouts: LayoutSpec[] = [riscv(32), riscv(64)];
