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
      'arch/arm64/include/asm/pgtable.h (__SWP_TYPE_SHIFT 6, __SWP_OFFSET_SHIFT 12; v6.10)',
      'arch/arm64/include/asm/pgtable-prot.h (PTE_SWP_UFFD_WP bit 3, PTE_PRESENT_INVALID = PTE_NG bit 11; v6.10)',
    ],
    pteBits: 64,
    longBits: 64,
    // 5.19 took bit 2 from the type, which had 6 bits while core MM uses 5.
    type: run(3, 5),
    offset: run(8, 50),
    exclusiveBit: 2,
    exclusiveSince: '5.19',
    softDirtyBit: null, // arm64 has no HAVE_ARCH_SOFT_DIRTY
    uffdWpBit: null, // PTE_SWP_UFFD_WP arrived with the v6.10 layout (revisions below)
    presentBits: [0, 58], // PTE_VALID, PTE_PROT_NONE
    mustBeClear: [0, 1, 58],
    mustBeSet: [],
    before: { type: run(2, 6) },
    // v6.10 dropped PTE_PROT_NONE for PTE_PRESENT_INVALID (= PTE_NG, bit 11), moved type and offset
    // up and selected HAVE_ARCH_USERFAULTFD_WP with the swap uffd-wp bit at 3.
    revisions: [
      {
        policy: 'arm64UffdWp',
        since: 'v6.10',
        commit: '5b32510af77b',
        fields: { type: run(6, 5), offset: run(12, 50), uffdWpBit: 3, presentBits: [0, 11], mustBeClear: [0, 1, 11] },
      },
    ],
    notes: [
      'v5.19 .. v6.9: PTE_PROT_NONE (bit 58) marks a present PROT_NONE PTE, no uffd-wp.',
      'v6.10: "bits 0-1 present (must be zero), bit 2 PG_anon_exclusive, bit 3 uffd-wp state, bits 6-10 swap type, bit 11 PTE_PRESENT_INVALID (must be zero), bits 12-61 swap offset".',
    ],
  },
];
