// The registry of swap-PTE layouts: name resolution, era selection and the
// metadata `cowlab arch --json` prints.
import { UsageError } from '../cli/errors.js';
import {
  ArchSwapLayout,
  exclusiveIn,
  fieldValueBits,
  type FieldLayout,
  type FieldSpec,
  type LayoutSpec,
} from './layout.js';
import type { SwpExclusiveSupport, SwapPteLayout } from './types.js';
import { alphaLayouts } from './alpha.js';
import { arcLayouts } from './arc.js';
import { armLayouts } from './arm.js';
import { arm64Layouts } from './arm64.js';
import { cskyLayouts } from './csky.js';
import { hexagonLayouts } from './hexagon.js';
import { ia64Layouts } from './ia64.js';
import { loongarchLayouts } from './loongarch.js';
import { m68kLayouts } from './m68k.js';
import { microblazeLayouts } from './microblaze.js';
import { mipsLayouts } from './mips.js';
import { nios2Layouts } from './nios2.js';
import { openriscLayouts } from './openrisc.js';
import { pariscLayouts } from './parisc.js';
import { powerpcLayouts } from './powerpc.js';
import { riscvLayouts } from './riscv.js';
import { s390Layouts } from './s390.js';
import { shLayouts } from './sh.js';
import { sparcLayouts } from './sparc.js';
import { umLayouts } from './um.js';
import { x86Layouts } from './x86.js';
import { xtensaLayouts } from './xtensa.js';

export type { SwapPteFields, SwapPteLayout, SwpExclusiveSupport } from './types.js';
export { ArchSwapLayout } from './layout.js';
export type { LayoutSpec } from './layout.js';

/** Every layout, in the order `cowlab arch` lists them. */
export const layoutSpecs: readonly LayoutSpec[] = [
  ...alphaLayouts,
  ...arcLayouts,
  ...armLayouts,
  ...arm64Layouts,
  ...cskyLayouts,
  ...hexagonLayouts,
  ...ia64Layouts,
  ...loongarchLayouts,
  ...m68kLayouts,
  ...microblazeLayouts,
  ...mipsLayouts,
  ...nios2Layouts,
  ...openriscLayouts,
  ...pariscLayouts,
  ...powerpcLayouts,
  ...riscvLayouts,
  ...s390Layouts,
  ...shLayouts,
  ...sparcLayouts,
  ...umLayouts,
  ...x86Layouts,
  ...xtensaLayouts,
];

function buildIndex(): Map<string, LayoutSpec> {
  const byName = new Map<string, LayoutSpec>();
  const add = (key: string, spec: LayoutSpec): void => {
    const k = key.toLowerCase();
    const prev = byName.get(k);
    if (prev && prev !== spec) throw new Error(`arch name ${key} is ambiguous (${prev.variant}, ${spec.variant})`);
    byName.set(k, spec);
  };
  for (const s of layoutSpecs) add(s.variant, s);
  // Aliases include each plain arch name, standing for its most common variant.
  for (const s of layoutSpecs) for (const a of s.aliases ?? []) add(a, s);
  return byName;
}

const index = buildIndex();

/** The canonical variant names, as `cowlab arch` lists them. */
export function variantNames(): string[] {
  return layoutSpecs.map((s) => s.variant);
}

/** Looks a layout up by variant name or alias, case-insensitively. */
export function findSpec(name: string): LayoutSpec | undefined {
  return index.get(name.trim().toLowerCase());
}

/**
 * The canonical variant name for an --arch value (x86 → x86_64, i386 → the
 * 2-level variant). Throws UsageError listing the known names otherwise.
 */
export function resolveArchName(name: string): string {
  const spec = findSpec(name);
  if (!spec) {
    throw new UsageError(`unknown architecture '${name}'; known: ${variantNames().join(', ')}`);
  }
  return spec.variant;
}

/** The spec of a variant (any accepted name). */
export function specFor(variant: string): LayoutSpec {
  const spec = findSpec(resolveArchName(variant));
  if (!spec) throw new UsageError(`unknown architecture '${variant}'`);
  return spec;
}

/** The layout of a variant as a kernel era has it (see SwpExclusiveSupport; `policies`: the era's boolean policies that are set). */
export function swapLayoutFor(variant: string, support: SwpExclusiveSupport, policies: readonly string[] = []): SwapPteLayout {
  return archLayoutFor(variant, support, policies);
}

/** swapLayoutFor with the full helper set (__swp_entry, pte_swp_mkexclusive, ...). */
export function archLayoutFor(variant: string, support: SwpExclusiveSupport, policies: readonly string[] = []): ArchSwapLayout {
  return new ArchSwapLayout(specFor(variant), support, policies);
}

/** Whether a variant has __HAVE_ARCH_PTE_SWP_EXCLUSIVE in an era. */
export function hasSwpExclusive(variant: string, support: SwpExclusiveSupport): boolean {
  return exclusiveIn(specFor(variant).exclusiveSince, support);
}

// --- JSON metadata ---------------------------------------------------------

export interface FieldJson {
  shift: number;
  bits: number;
  inverted?: boolean;
  /** Bits the field occupies in the PTE when more than `bits` are usable. */
  storedBits?: number;
  segments?: { shift: number; bits: number }[];
}

export interface LayoutJson {
  arch: string;
  variant: string;
  title: string;
  config: string[];
  pteBits: number;
  longBits: number;
  type: FieldJson;
  offset: FieldJson;
  exclusiveBit: number;
  softDirtyBit: number | null;
  uffdWpBit: number | null;
  mustBeClear: number[];
  mustBeSet: number[];
  exclusiveSince: string;
  /** The layout before exclusiveSince, where the series moved fields for the bit. */
  before?: Omit<LayoutJson, 'arch' | 'variant' | 'title' | 'config' | 'pteBits' | 'longBits' | 'exclusiveBit' | 'exclusiveSince' | 'before' | 'source' | 'aliases'>;
  aliases: string[];
  source: string[];
  /** Later changes of the layout (LayoutRevision), each with the fields as they became. */
  revisions?: ({ since: string; commit: string } & ReturnType<typeof fieldsJson>)[];
}

function fieldJson(f: FieldSpec): FieldJson {
  const first = f.runs[0];
  if (!first) throw new Error('field without bits');
  const stored = f.runs.reduce((n, r) => n + r.bits, 0);
  const out: FieldJson = { shift: first.shift, bits: fieldValueBits(f) };
  if (f.inverted) out.inverted = true;
  if (stored !== out.bits) out.storedBits = stored;
  if (f.runs.length > 1) out.segments = f.runs.map((r) => ({ shift: r.shift, bits: r.bits }));
  return out;
}

function fieldsJson(f: FieldLayout) {
  return {
    type: fieldJson(f.type),
    offset: fieldJson(f.offset),
    softDirtyBit: f.softDirtyBit,
    uffdWpBit: f.uffdWpBit,
    mustBeClear: [...f.mustBeClear].sort((a, b) => a - b),
    mustBeSet: [...f.mustBeSet].sort((a, b) => a - b),
  };
}

/** The `cowlab arch --json` record of one layout. */
export function layoutJson(s: LayoutSpec): LayoutJson {
  const now = new ArchSwapLayout(s, 'all').fields;
  const out: LayoutJson = {
    arch: s.arch,
    variant: s.variant,
    title: s.title,
    config: s.config,
    pteBits: s.pteBits,
    longBits: s.longBits,
    ...fieldsJson(now),
    exclusiveBit: s.exclusiveBit,
    exclusiveSince: s.exclusiveSince,
    aliases: s.aliases ?? [],
    source: s.source,
  };
  if (s.before && Object.keys(s.before).length > 0) {
    out.before = fieldsJson(new ArchSwapLayout(s, 'none').fields);
  }
  if (s.revisions?.length) {
    out.revisions = s.revisions.map((r, i) => ({
      since: r.since,
      commit: r.commit,
      ...fieldsJson(new ArchSwapLayout(s, 'all', s.revisions!.slice(0, i + 1).map((x) => x.policy)).fields),
    }));
  }
  return out;
}

/** All layouts as `cowlab arch --json` prints them. */
export function allLayoutsJson(): LayoutJson[] {
  return layoutSpecs.map(layoutJson);
}
