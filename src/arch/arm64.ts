// arm64 swap-PTE layout.
import { run, type LayoutSpec } from './layout.js';

export const arm64Layouts: LayoutSpec[] = [
  {
    arch: 'arm64',
    variant: 'arm64',
    aliases: ['aarch64'],
    title: 'arm64 (AArch64)',
    config: ['CONFIG_ARM64'],
    source: [
      'arch/arm64/include/asm/pgtable.h (__SWP_TYPE_SHIFT 3, __SWP_OFFSET_SHIFT 8; v5.19 .. v6.9)',
      'arch/arm64/include/asm/pgtable-prot.h (PTE_SWP_EXCLUSIVE bit 2, 1493a1913e34 series, v5.19)',
    ],
    pteBits: 64,
    longBits: 64,
    // 5.19 took bit 2 from the type, which had 6 bits while core MM uses 5.
    type: run(3, 5),
    offset: run(8, 50),
    exclusiveBit: 2,
    exclusiveSince: '5.19',
    softDirtyBit: null, // arm64 has no HAVE_ARCH_SOFT_DIRTY
    uffdWpBit: null, // PTE_SWP_UFFD_WP arrived with the v6.10 layout change
    presentBits: [0, 58], // PTE_VALID, PTE_PROT_NONE
    mustBeClear: [0, 1, 58],
    mustBeSet: [],
    before: { type: run(2, 6) },
    notes: ['v6.10 later moved PTE_PROT_NONE and the fields (type 6-10, offset 12-61); modelled here is the v5.19-v6.9 form.'],
  },
];
