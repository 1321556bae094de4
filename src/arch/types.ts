// The contract between the swap path of the model (src/mm/swap*.ts) and the
// per-architecture swap-PTE layouts (src/arch/*). Bit numbers count from
// bit 0 = value 1 of pte_val(); values are BigInt so 64-bit layouts are exact.

/** The fields a swap PTE carries, decoded. */
export interface SwapPteFields {
  /** Swap type (swap device index) as __swp_type() returns it. */
  type: number;
  /** Swap offset (slot) as __swp_offset() returns it. */
  offset: bigint;
  /** pte_swp_exclusive(): the remembered PG_anon_exclusive. */
  exclusive: boolean;
  /** pte_swp_soft_dirty(). */
  softDirty: boolean;
  /** pte_swp_uffd_wp(). */
  uffdWp: boolean;
}

/**
 * Which architectures implement __HAVE_ARCH_PTE_SWP_EXCLUSIVE in a kernel era
 * (an era policy, chosen by the kernel profile):
 * - 'none': before 1493a1913e34 (v5.19)
 * - 'enterprise': v5.19 .. v6.2: x86_64, arm64, s390, powerpc book3s/64
 * - 'all': v6.3+ (seed 000's series; "mm: remove __HAVE_ARCH_PTE_SWP_EXCLUSIVE")
 */
export type SwpExclusiveSupport = 'none' | 'enterprise' | 'all';

/** One architecture's swap-PTE layout as the model's swap path uses it. */
export interface SwapPteLayout {
  /** Variant name as `cowlab arch` lists it, e.g. "x86_64", "i386", "i386-pae". */
  name: string;
  /** PTE width in bits (32 or 64). */
  pteBits: number;
  /** Largest swap type and offset the layout can hold. */
  maxType: number;
  maxOffset: bigint;
  /** True when this layout has a swap-PTE exclusive bit in the selected era. */
  hasExclusive: boolean;
  /** __swp_entry + __swp_entry_to_pte + pte_swp_mk{exclusive,soft_dirty,uffd_wp}. */
  encode(fields: SwapPteFields): bigint;
  /** __pte_to_swp_entry + __swp_type/__swp_offset + pte_swp_{exclusive,soft_dirty,uffd_wp}. */
  decode(pte: bigint): SwapPteFields;
  /** pte_swp_clear_exclusive(): what fork's copy_nonpresent_pte does to the parent's swap PTE. */
  clearExclusive(pte: bigint): bigint;
}
