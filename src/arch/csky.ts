// C-SKY swap-PTE layouts: ABIv1 (CK610) and ABIv2 (CK8xx).
import { runs, type LayoutSpec } from './layout.js';

export const cskyLayouts: LayoutSpec[] = [
  {
    arch: 'csky',
    variant: 'csky-abiv1',
    aliases: ['csky1'],
    title: 'C-SKY ABIv1',
    config: ['CONFIG_CSKY', 'CONFIG_CPU_CK610'],
    source: ['arch/csky/abiv1/inc/abi/pgtable-bits.h (__swp_type, __swp_offset; _PAGE_SWP_EXCLUSIVE bit 9 since v6.3)'],
    pteBits: 32,
    longBits: 32,
    // type[0-3] in bits 2-5 and type[4] in bit 8, around _PAGE_GLOBAL/_PAGE_VALID.
    type: runs([2, 4], [8, 1]),
    offset: runs([10, 22]),
    exclusiveBit: 9,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [0, 1], // _PAGE_PRESENT, _PAGE_PROT_NONE (= _PAGE_READ)
    mustBeClear: [0, 1, 6, 7],
    mustBeSet: [],
    // v6.3 took the lowest offset bit: 16 GiB per swap file instead of 32.
    before: { offset: runs([9, 23]) },
  },
  {
    arch: 'csky',
    variant: 'csky-abiv2',
    aliases: ['csky', 'csky2'],
    title: 'C-SKY ABIv2',
    config: ['CONFIG_CSKY', '!CONFIG_CPU_CK610'],
    source: ['arch/csky/abiv2/inc/abi/pgtable-bits.h (__swp_type, __swp_offset; _PAGE_SWP_EXCLUSIVE bit 7 since v6.3)'],
    pteBits: 32,
    longBits: 32,
    type: runs([2, 5]),
    // offset[0] in bit 8, offset[1-21] in bits 11-31, around _PAGE_WRITE and _PAGE_PRESENT.
    offset: runs([8, 1], [11, 21]),
    exclusiveBit: 7,
    exclusiveSince: '6.3',
    softDirtyBit: null,
    uffdWpBit: null,
    presentBits: [10, 9], // _PAGE_PRESENT, _PAGE_PROT_NONE (= _PAGE_WRITE)
    mustBeClear: [0, 1, 9, 10],
    mustBeSet: [],
    before: { offset: runs([7, 2], [11, 21]) },
  },
];
