// Declarative swap-PTE layouts and the one engine that encodes and decodes
// them. Every architecture file describes its layout as data (bit positions
// taken from its kernel headers); this file turns the data into the kernel's
// __swp_entry/__swp_type/__swp_offset/__swp_entry_to_pte/__pte_to_swp_entry and
// pte_swp_{mk,clear_,}{exclusive,soft_dirty,uffd_wp} on real bit patterns.
import type { SwapPteFields, SwapPteLayout, SwpExclusiveSupport } from './types.js';

/** A run of consecutive PTE bits holding part of a field. */
export interface BitRun {
  /** Lowest PTE bit of the run (bit 0 = value 1 of pte_val()). */
  shift: number;
  /** Number of bits in the run. */
  bits: number;
}

/**
 * Where a field (swap type or offset) lives. Runs are listed from the least
 * significant bits of the value upwards, so a field split around reserved
 * bits (as on x86 2-level before 2.6.x, parisc, ...) is several runs.
 */
export interface FieldSpec {
  runs: BitRun[];
  /** The PTE stores the one's complement of the value (x86_64, x86 PAE: L1TF). */
  inverted?: boolean;
  /**
   * Usable value bits when fewer than the runs hold, e.g. x86 PAE keeps a
   * 50-bit inverted field but its 32-bit swp_entry_t carries 27 offset bits.
   */
  valueBits?: number;
}

/** An alternative arch swp_entry_t format, for archs whose entry is not the PTE value. */
export interface EntryFormat {
  bits: number;
  type: FieldSpec;
  offset: FieldSpec;
}

/** The part of a layout that the 6.3 series (or 5.19 for the first group) may have changed. */
export interface FieldLayout {
  type: FieldSpec;
  offset: FieldSpec;
  /** Arch swp_entry_t layout when it differs from the PTE layout (x86 PAE, MIPS XPA). */
  entry?: EntryFormat;
  /** pte = entry << entryShift (powerpc nohash/32 and others keep the entry shifted). */
  entryShift?: number;
  /** Bits a swap PTE keeps clear: present, PROT_NONE, and anything pte_present()/pte_none() read. */
  mustBeClear: number[];
  /** Bits __swp_entry_to_pte() forces set. */
  mustBeSet: number[];
  /** Bits pte_present() tests; a PTE with any of them set is present. */
  presentBits: number[];
  /** pte_none() ignores these bits (MIPS ignores _PAGE_GLOBAL). */
  noneIgnoreBits?: number[];
  /** The value pte_none() compares with, where an empty PTE is not 0 (s390, xtensa). */
  noneValue?: bigint;
  /** pte_present() where it is more than "any of presentBits" (sparc32, xtensa). */
  presentWhen?: (pte: bigint) => boolean;
  softDirtyBit: number | null;
  uffdWpBit: number | null;
}

export type ExclusiveSince = '5.19' | '6.3';

/** One architecture variant's swap-PTE layout, as data. */
export interface LayoutSpec extends FieldLayout {
  /** Architecture directory name under arch/ in the kernel tree. */
  arch: string;
  /** Variant name as `cowlab arch` lists it. */
  variant: string;
  /** Other names accepted by --arch (lower case). */
  aliases?: string[];
  /** One line describing the variant. */
  title: string;
  /** Kconfig options that select this layout. */
  config: string[];
  /** Header files (and version) the layout is read from. */
  source: string[];
  pteBits: 32 | 64;
  /** BITS_PER_LONG: the width of the generic swp_entry_t. */
  longBits: 32 | 64;
  /** The exclusive bit as of the release in exclusiveSince. */
  exclusiveBit: number;
  exclusiveSince: ExclusiveSince;
  /** The layout before exclusiveSince, where the series moved fields to make room. */
  before?: Partial<FieldLayout>;
  /** Why the layout looks the way it does, for `cowlab arch NAME` and docs. */
  notes?: string[];
  /** Labels for single bits in the drawing (e.g. { 0: 'P' }). */
  bitLabels?: Record<number, string>;
  /**
   * Checks a historical form is known to fail, with the reason; `arch --check`
   * reports them as TAP "# TODO" so they document the bug instead of hiding it.
   */
  knownIssues?: KnownIssue[];
  /** __swp_entry() masks the type with this value instead of the field mask (a real typo, see tests). */
  entryTypeMask?: number;
  /** Later layout changes, oldest first (arm64 v6.10). */
  revisions?: LayoutRevision[];
}

/**
 * A later change of a layout that already has its exclusive bit, in force
 * from the kernel era whose boolean policy (src/eras/policies.ts) is set.
 */
export interface LayoutRevision {
  /** The era policy that turns it on, e.g. 'arm64UffdWp'. */
  policy: string;
  /** First release with it, e.g. 'v6.10'. */
  since: string;
  commit: string;
  /** The fields that changed, over the form with the exclusive bit. */
  fields: Partial<FieldLayout>;
}

export interface KnownIssue {
  /** 'before': the pre-series form; 'now': the form with the exclusive bit. */
  form: 'before' | 'now';
  check: string;
  reason: string;
}

const ONE = 1n;

export function mask(bits: number): bigint {
  return (ONE << BigInt(bits)) - ONE;
}

export function bit(n: number): bigint {
  return ONE << BigInt(n);
}

function runsBits(f: FieldSpec): number {
  return f.runs.reduce((n, r) => n + r.bits, 0);
}

/** Number of value bits a field can carry. */
export function fieldValueBits(f: FieldSpec): number {
  return f.valueBits ?? runsBits(f);
}

/** PTE mask of every bit a field occupies. */
export function fieldMask(f: FieldSpec): bigint {
  return f.runs.reduce((m, r) => m | (mask(r.bits) << BigInt(r.shift)), 0n);
}

/** Places a value into a field's runs, complementing it first if the field is inverted. */
export function placeField(f: FieldSpec, value: bigint): bigint {
  const total = runsBits(f);
  let v = value & mask(fieldValueBits(f));
  if (f.inverted) v = ~v & mask(total);
  let out = 0n;
  for (const r of f.runs) {
    out |= (v & mask(r.bits)) << BigInt(r.shift);
    v >>= BigInt(r.bits);
  }
  return out;
}

/** Reads a field's value back out of its runs. */
export function extractField(f: FieldSpec, word: bigint): bigint {
  const total = runsBits(f);
  let v = 0n;
  let at = 0n;
  for (const r of f.runs) {
    v |= ((word >> BigInt(r.shift)) & mask(r.bits)) << at;
    at += BigInt(r.bits);
  }
  if (f.inverted) v = ~v & mask(total);
  return v & mask(fieldValueBits(f));
}

/** Generic swp_entry_t of include/linux/swapops.h: type above BITS_PER_XA_VALUE - 5. */
export const MAX_SWAPFILES_SHIFT = 5;

export function genericOffsetBits(longBits: number): number {
  return longBits - 1 - MAX_SWAPFILES_SHIFT;
}

/** The layout of a variant in one era, with the kernel's swap-PTE helpers. */
export class ArchSwapLayout implements SwapPteLayout {
  readonly name: string;
  readonly pteBits: number;
  readonly maxType: number;
  readonly maxOffset: bigint;
  readonly hasExclusive: boolean;
  readonly exclusiveBit: number | null;
  readonly fields: FieldLayout;
  readonly support: SwpExclusiveSupport;
  /** The later revisions in force (see LayoutRevision). */
  readonly revisions: readonly LayoutRevision[];
  private readonly pteMask: bigint;

  /** `policies` names the era's boolean policies that are set; they pick the layout's revisions. */
  constructor(
    readonly spec: LayoutSpec,
    support: SwpExclusiveSupport,
    policies: readonly string[] = [],
  ) {
    this.support = support;
    this.name = spec.variant;
    this.pteBits = spec.pteBits;
    this.pteMask = mask(spec.pteBits);
    this.hasExclusive = exclusiveIn(spec.exclusiveSince, support);
    this.revisions = this.hasExclusive ? (spec.revisions ?? []).filter((r) => policies.includes(r.policy)) : [];
    let fields = this.hasExclusive ? pickFields(spec) : { ...pickFields(spec), ...(spec.before ?? {}) };
    for (const r of this.revisions) fields = { ...fields, ...r.fields };
    this.fields = fields;
    this.exclusiveBit = this.hasExclusive ? spec.exclusiveBit : null;
    const typeBits = fieldValueBits(this.fields.entry?.type ?? this.fields.type);
    const offBits = Math.min(
      fieldValueBits(this.fields.entry?.offset ?? this.fields.offset),
      fieldValueBits(this.fields.offset),
    );
    this.maxType = Number(mask(Math.min(typeBits, fieldValueBits(this.fields.type))));
    this.maxOffset = mask(offBits);
  }

  // --- arch swp_entry_t <-> type/offset ---------------------------------

  /** __swp_entry(type, offset): the arch-dependent swp_entry_t value. */
  swpEntry(type: number, offset: bigint): bigint {
    if (this.spec.entryTypeMask !== undefined) type &= this.spec.entryTypeMask;
    const e = this.fields.entry;
    if (e) return placeField(e.type, BigInt(type)) | placeField(e.offset, offset);
    const pteForm = placeField(this.fields.type, BigInt(type)) | placeField(this.fields.offset, offset);
    return pteForm >> BigInt(this.fields.entryShift ?? 0);
  }

  /** __swp_type(entry). */
  swpType(entry: bigint): number {
    const e = this.fields.entry;
    if (e) return Number(extractField(e.type, entry));
    return Number(extractField(this.fields.type, entry << BigInt(this.fields.entryShift ?? 0)));
  }

  /** __swp_offset(entry). */
  swpOffset(entry: bigint): bigint {
    const e = this.fields.entry;
    if (e) return extractField(e.offset, entry);
    return extractField(this.fields.offset, entry << BigInt(this.fields.entryShift ?? 0));
  }

  /** __swp_entry_to_pte(entry). */
  swpEntryToPte(entry: bigint): bigint {
    let pte: bigint;
    if (this.fields.entry) {
      pte =
        placeField(this.fields.type, BigInt(this.swpType(entry))) |
        placeField(this.fields.offset, this.swpOffset(entry));
    } else {
      pte = entry << BigInt(this.fields.entryShift ?? 0);
    }
    for (const b of this.fields.mustBeSet) pte |= bit(b);
    return pte & this.pteMask;
  }

  /** __pte_to_swp_entry(pte). */
  pteToSwpEntry(pte: bigint): bigint {
    if (this.fields.entry) {
      return this.swpEntry(
        Number(extractField(this.fields.type, pte)),
        extractField(this.fields.offset, pte),
      );
    }
    return (pte & this.pteMask) >> BigInt(this.fields.entryShift ?? 0);
  }

  // --- pte flags ----------------------------------------------------------

  /** pte_swp_mkexclusive(): a no-op where the era has no __HAVE_ARCH_PTE_SWP_EXCLUSIVE. */
  mkExclusive(pte: bigint): bigint {
    return this.exclusiveBit === null ? pte : pte | bit(this.exclusiveBit);
  }
  /** pte_swp_exclusive(): always false without the bit (include/linux/pgtable.h fallback). */
  isExclusive(pte: bigint): boolean {
    return this.exclusiveBit !== null && (pte & bit(this.exclusiveBit)) !== 0n;
  }
  clearExclusive(pte: bigint): bigint {
    return this.exclusiveBit === null ? pte : pte & ~bit(this.exclusiveBit);
  }
  mkSoftDirty(pte: bigint): bigint {
    const b = this.fields.softDirtyBit;
    return b === null ? pte : pte | bit(b);
  }
  isSoftDirty(pte: bigint): boolean {
    const b = this.fields.softDirtyBit;
    return b !== null && (pte & bit(b)) !== 0n;
  }
  clearSoftDirty(pte: bigint): bigint {
    const b = this.fields.softDirtyBit;
    return b === null ? pte : pte & ~bit(b);
  }
  mkUffdWp(pte: bigint): bigint {
    const b = this.fields.uffdWpBit;
    return b === null ? pte : pte | bit(b);
  }
  isUffdWp(pte: bigint): boolean {
    const b = this.fields.uffdWpBit;
    return b !== null && (pte & bit(b)) !== 0n;
  }
  clearUffdWp(pte: bigint): bigint {
    const b = this.fields.uffdWpBit;
    return b === null ? pte : pte & ~bit(b);
  }

  /** pte_present(). */
  isPresent(pte: bigint): boolean {
    if (this.fields.presentWhen) return this.fields.presentWhen(pte);
    return this.fields.presentBits.some((b) => (pte & bit(b)) !== 0n);
  }
  /** pte_none(). */
  isNone(pte: bigint): boolean {
    let ignore = 0n;
    for (const b of this.fields.noneIgnoreBits ?? []) ignore |= bit(b);
    return (pte & ~ignore) === (this.fields.noneValue ?? 0n);
  }
  /** is_swap_pte(): !pte_none() && !pte_present(). */
  isSwapPte(pte: bigint): boolean {
    return !this.isNone(pte) && !this.isPresent(pte);
  }

  // --- the contract -----------------------------------------------------

  encode(f: SwapPteFields): bigint {
    let pte = this.swpEntryToPte(this.swpEntry(f.type, f.offset));
    if (f.exclusive) pte = this.mkExclusive(pte);
    if (f.softDirty) pte = this.mkSoftDirty(pte);
    if (f.uffdWp) pte = this.mkUffdWp(pte);
    return pte;
  }

  decode(pte: bigint): SwapPteFields {
    // pte_to_swp_entry() clears the flags (pte_swp_clear_flags) before __pte_to_swp_entry().
    const clean = this.clearUffdWp(this.clearSoftDirty(this.clearExclusive(pte)));
    const entry = this.pteToSwpEntry(clean);
    return {
      type: this.swpType(entry),
      offset: this.swpOffset(entry),
      exclusive: this.isExclusive(pte),
      softDirty: this.isSoftDirty(pte),
      uffdWp: this.isUffdWp(pte),
    };
  }
}

function pickFields(s: LayoutSpec): FieldLayout {
  const f: FieldLayout = {
    type: s.type,
    offset: s.offset,
    mustBeClear: s.mustBeClear,
    mustBeSet: s.mustBeSet,
    presentBits: s.presentBits,
    softDirtyBit: s.softDirtyBit,
    uffdWpBit: s.uffdWpBit,
  };
  if (s.entry) f.entry = s.entry;
  if (s.entryShift !== undefined) f.entryShift = s.entryShift;
  if (s.noneIgnoreBits) f.noneIgnoreBits = s.noneIgnoreBits;
  if (s.noneValue !== undefined) f.noneValue = s.noneValue;
  if (s.presentWhen) f.presentWhen = s.presentWhen;
  return f;
}

/** Whether a variant has __HAVE_ARCH_PTE_SWP_EXCLUSIVE in an era. */
export function exclusiveIn(since: ExclusiveSince, support: SwpExclusiveSupport): boolean {
  if (support === 'all') return true;
  if (support === 'enterprise') return since === '5.19';
  return false;
}

/** A field split over several runs, listed from the value's low bits up. */
export function runs(...r: [shift: number, bits: number][]): FieldSpec {
  return { runs: r.map(([shift, bits]) => ({ shift, bits })) };
}

/** Shorthand for a single-run field. */
export function run(shift: number, bits: number): FieldSpec {
  return { runs: [{ shift, bits }] };
}

/** Bits shift..shift+bits-1 as a list. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let b = from; b <= to; b++) out.push(b);
  return out;
}
