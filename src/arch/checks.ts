// Sanity checks of swap-PTE layouts, after mm/debug_vm_pgtable.c (v6.3:
// pte_swap_exclusive_tests, pte_swap_tests, pte_swap_soft_dirty_tests,
// swap_migration_tests, and init_args() probing the largest offset), plus the
// static and exhaustive-bit checks the kernel gets from the compiler or from
// booting: MAX_SWAPFILES_CHECK() and "no field shares a bit".
import {
  ArchSwapLayout,
  bit,
  fieldMask,
  genericOffsetBits,
  mask,
  MAX_SWAPFILES_SHIFT,
  type LayoutSpec,
} from './layout.js';
import type { SwpExclusiveSupport } from './types.js';

/** The generic (arch-independent) swp_entry_t of include/linux/swapops.h, as its two parts. */
export interface SwpEntry {
  type: number;
  offset: bigint;
}

/** Generic swp_type values with every option of a v6.3 build (include/linux/swap.h). */
export const SWAP_TYPES = {
  // MAX_SWAPFILES = 32 - SWP_DEVICE_NUM(4) - SWP_MIGRATION_NUM(3) - SWP_HWPOISON_NUM(1) - SWP_PTE_MARKER_NUM(1)
  MAX_SWAPFILES: 23,
  SWP_HWPOISON: 23,
  SWP_MIGRATION_READ: 24,
  SWP_MIGRATION_READ_EXCLUSIVE: 25,
  SWP_MIGRATION_WRITE: 26,
} as const;

/** The swapops.h layer on top of an arch layout. */
export class GenericSwap {
  readonly offsetMask: bigint;
  constructor(readonly arch: ArchSwapLayout) {
    this.offsetMask = mask(genericOffsetBits(arch.spec.longBits));
  }
  /** swp_entry(): the generic entry keeps SWP_OFFSET_MASK bits of offset. */
  swpEntry(type: number, offset: bigint): SwpEntry {
    return { type: type & Number(mask(MAX_SWAPFILES_SHIFT)), offset: offset & this.offsetMask };
  }
  /** swp_entry_to_pte(): __swp_entry_to_pte(__swp_entry(swp_type, swp_offset)). */
  swpEntryToPte(e: SwpEntry): bigint {
    return this.arch.swpEntryToPte(this.arch.swpEntry(e.type, e.offset));
  }
  /** pte_to_swp_entry(): clear the swap flags, then __pte_to_swp_entry and back to generic. */
  pteToSwpEntry(pte: bigint): SwpEntry {
    const a = this.arch;
    const clean = a.clearUffdWp(a.clearSoftDirty(a.clearExclusive(pte)));
    const archEntry = a.pteToSwpEntry(clean);
    return this.swpEntry(a.swpType(archEntry), a.swpOffset(archEntry));
  }
}

function sameEntry(a: SwpEntry, b: SwpEntry): boolean {
  return a.type === b.type && a.offset === b.offset;
}

function hex(v: bigint, bits: number): string {
  return '0x' + v.toString(16).padStart(Math.ceil(bits / 4), '0');
}

function showEntry(e: SwpEntry): string {
  return `{type ${e.type}, offset 0x${e.offset.toString(16)}}`;
}

/** Collects WARN_ON() hits of one check. */
class Warn {
  readonly failures: string[] = [];
  on(cond: boolean, what: string): void {
    if (cond) this.failures.push(what);
  }
}

export interface CheckContext {
  layout: ArchSwapLayout;
  generic: GenericSwap;
  /** args->swp_entry of init_args(): the largest type with the largest offset the arch keeps. */
  swpEntry: SwpEntry;
  maxSwapOffset: bigint;
}

export function checkContext(layout: ArchSwapLayout): CheckContext {
  const generic = new GenericSwap(layout);
  // init_args(): probe the maximum offset as generic_max_swapfile_size() does.
  const probe = generic.pteToSwpEntry(generic.swpEntryToPte(generic.swpEntry(0, mask(64))));
  const maxSwapOffset = probe.offset;
  const swpEntry = generic.swpEntry(Number(mask(MAX_SWAPFILES_SHIFT)), maxSwapOffset);
  return { layout, generic, swpEntry, maxSwapOffset };
}

export type CheckOutcome = { status: 'ok' } | { status: 'skip'; reason: string } | { status: 'fail'; failures: string[] };

export interface Check {
  name: string;
  run(ctx: CheckContext): CheckOutcome;
}

const MAX_REPORTED = 8;

function outcome(w: Warn): CheckOutcome {
  if (w.failures.length === 0) return { status: 'ok' };
  const shown = w.failures.slice(0, MAX_REPORTED);
  if (w.failures.length > MAX_REPORTED) shown.push(`... and ${w.failures.length - MAX_REPORTED} more`);
  return { status: 'fail', failures: shown };
}

/** pte_swap_exclusive_tests(): set, test and clear the bit on the fullest entry; the entry must survive. */
const pteSwapExclusiveTests: Check = {
  name: 'pte_swap_exclusive_tests',
  run(ctx) {
    const { layout: a, generic: g } = ctx;
    if (!a.hasExclusive) {
      // Before 6.3 the test sat under #ifdef __HAVE_ARCH_PTE_SWP_EXCLUSIVE; here we
      // still assert what that means: the marker cannot be stored at all.
      const pte = g.swpEntryToPte(ctx.swpEntry);
      if (a.mkExclusive(pte) !== pte || a.isExclusive(a.mkExclusive(pte))) {
        return { status: 'fail', failures: ['pte_swp_mkexclusive() changed a PTE without __HAVE_ARCH_PTE_SWP_EXCLUSIVE'] };
      }
      return { status: 'skip', reason: 'no __HAVE_ARCH_PTE_SWP_EXCLUSIVE in this era' };
    }
    const w = new Warn();
    const entry = ctx.swpEntry;
    let pte = g.swpEntryToPte(entry);
    const bits = a.pteBits;
    w.on(a.isExclusive(pte), `swp_entry_to_pte(${showEntry(entry)}) = ${hex(pte, bits)} reads back as exclusive`);
    w.on(!a.isSwapPte(pte), `${hex(pte, bits)} is not a swap PTE`);
    let entry2 = g.pteToSwpEntry(pte);
    w.on(!sameEntry(entry, entry2), `round trip ${showEntry(entry)} -> ${showEntry(entry2)}`);

    pte = a.mkExclusive(pte);
    w.on(!a.isExclusive(pte), `pte_swp_mkexclusive() not read back by pte_swp_exclusive()`);
    w.on(!a.isSwapPte(pte), `exclusive ${hex(pte, bits)} is not a swap PTE`);
    w.on(a.isSoftDirty(pte), `pte_swp_mkexclusive() made ${hex(pte, bits)} soft-dirty`);
    w.on(a.isUffdWp(pte), `pte_swp_mkexclusive() made ${hex(pte, bits)} uffd-wp`);
    entry2 = g.pteToSwpEntry(pte);
    w.on(!sameEntry(entry, entry2), `exclusive round trip ${showEntry(entry)} -> ${showEntry(entry2)}`);

    pte = a.clearExclusive(pte);
    w.on(a.isExclusive(pte), `pte_swp_clear_exclusive() left the bit set`);
    w.on(!a.isSwapPte(pte), `cleared ${hex(pte, bits)} is not a swap PTE`);
    entry2 = g.pteToSwpEntry(pte);
    w.on(!sameEntry(entry, entry2), `cleared round trip ${showEntry(entry)} -> ${showEntry(entry2)}`);

    // The smallest entry too: an exclusive bit inside a field shows up as type or offset.
    const zero = g.swpEntry(0, 0n);
    const zpte = a.mkExclusive(g.swpEntryToPte(zero));
    const zback = g.pteToSwpEntry(zpte);
    w.on(!sameEntry(zero, zback), `exclusive bit read back as ${showEntry(zback)} from ${hex(zpte, bits)}`);
    w.on(a.isExclusive(g.swpEntryToPte(zero)), `swp_entry_to_pte(${showEntry(zero)}) reads back as exclusive`);
    return outcome(w);
  },
};

/**
 * pte_swap_tests(): the fullest entry converts to a swap PTE and
 * __pte_to_swp_entry/__swp_entry_to_pte round-trip it; then every single
 * type and offset bit, with and without every swap flag.
 */
const pteSwapTests: Check = {
  name: 'pte_swap_tests',
  run(ctx) {
    const { layout: a, generic: g } = ctx;
    const w = new Warn();
    const bits = a.pteBits;
    const pte1 = g.swpEntryToPte(ctx.swpEntry);
    w.on(a.isPresent(pte1), `swap PTE ${hex(pte1, bits)} is pte_present()`);
    w.on(!a.isSwapPte(pte1), `${hex(pte1, bits)} is not a swap PTE`);
    const pte2 = a.swpEntryToPte(a.pteToSwpEntry(pte1));
    w.on(pte1 !== pte2, `__swp_entry_to_pte(__pte_to_swp_entry(${hex(pte1, bits)})) = ${hex(pte2, bits)}`);

    const typeBits = Math.min(MAX_SWAPFILES_SHIFT, bitLength(BigInt(a.maxType)));
    const offBits = bitLength(ctx.maxSwapOffset);
    const maxType = Number(mask(typeBits));
    const samples: SwpEntry[] = [g.swpEntry(0, 0n), g.swpEntry(0, ctx.maxSwapOffset)];
    for (let t = 0; t < typeBits; t++) {
      samples.push(g.swpEntry(1 << t, 0n), g.swpEntry(1 << t, ctx.maxSwapOffset));
    }
    for (let o = 0; o < offBits; o++) samples.push(g.swpEntry(0, bit(o)), g.swpEntry(maxType, bit(o)));
    for (const e of samples) {
      for (let flags = 0; flags < 8; flags++) {
        let pte = g.swpEntryToPte(e);
        if (flags & 1) pte = a.mkExclusive(pte);
        if (flags & 2) pte = a.mkSoftDirty(pte);
        if (flags & 4) pte = a.mkUffdWp(pte);
        const back = g.pteToSwpEntry(pte);
        if (!sameEntry(e, back)) {
          w.on(true, `${showEntry(e)} flags ${flags} -> ${hex(pte, bits)} -> ${showEntry(back)}`);
          continue;
        }
        w.on(a.isExclusive(pte) !== (a.hasExclusive && (flags & 1) !== 0), `${showEntry(e)} flags ${flags}: exclusive reads ${a.isExclusive(pte)}`);
        w.on(a.isSoftDirty(pte) !== (a.fields.softDirtyBit !== null && (flags & 2) !== 0), `${showEntry(e)} flags ${flags}: soft-dirty reads ${a.isSoftDirty(pte)}`);
        w.on(a.isUffdWp(pte) !== (a.fields.uffdWpBit !== null && (flags & 4) !== 0), `${showEntry(e)} flags ${flags}: uffd-wp reads ${a.isUffdWp(pte)}`);
        // Only "not present" here: the all-zero entry can be pte_none() (type 0
        // offset 0, or the largest offset where it is stored inverted), which
        // is fine, as swap slot 0 holds the swap header.
        w.on(a.isPresent(pte), `${hex(pte, bits)} is pte_present()`);
        for (const b of a.fields.mustBeClear) w.on((pte & bit(b)) !== 0n, `${hex(pte, bits)} sets bit ${b}, which a swap PTE keeps clear`);
        for (const b of a.fields.mustBeSet) w.on((pte & bit(b)) === 0n, `${hex(pte, bits)} clears bit ${b}, which a swap PTE forces set`);
      }
      if (w.failures.length > MAX_REPORTED) break;
    }
    return outcome(w);
  },
};

/** pte_swap_soft_dirty_tests(): only where the arch has _PAGE_SWP_SOFT_DIRTY. */
const pteSwapSoftDirtyTests: Check = {
  name: 'pte_swap_soft_dirty_tests',
  run(ctx) {
    const a = ctx.layout;
    if (a.fields.softDirtyBit === null) return { status: 'skip', reason: 'no swap soft-dirty bit' };
    const w = new Warn();
    const pte = ctx.generic.swpEntryToPte(ctx.swpEntry);
    w.on(!a.isSwapPte(pte), 'not a swap PTE');
    w.on(!a.isSoftDirty(a.mkSoftDirty(pte)), 'pte_swp_mksoft_dirty() not read back');
    w.on(a.isSoftDirty(a.clearSoftDirty(pte)), 'pte_swp_clear_soft_dirty() left the bit set');
    return outcome(w);
  },
};

/** The uffd-wp counterpart of pte_swap_soft_dirty_tests (pte_swp_mkuffd_wp and friends). */
const pteSwapUffdWpTests: Check = {
  name: 'pte_swap_uffd_wp_tests',
  run(ctx) {
    const a = ctx.layout;
    if (a.fields.uffdWpBit === null) return { status: 'skip', reason: 'no swap uffd-wp bit' };
    const w = new Warn();
    const pte = ctx.generic.swpEntryToPte(ctx.swpEntry);
    w.on(!a.isUffdWp(a.mkUffdWp(pte)), 'pte_swp_mkuffd_wp() not read back');
    w.on(a.isUffdWp(a.clearUffdWp(pte)), 'pte_swp_clear_uffd_wp() left the bit set');
    return outcome(w);
  },
};

/**
 * swap_migration_tests(): migration entries (types 24-26 of a v6.3 build)
 * carrying a PFN, through the arch PTE and back, also with the exclusive bit
 * set on a readable entry (the 6.3 series' stated next step).
 */
const swapMigrationTests: Check = {
  name: 'swap_migration_tests',
  run(ctx) {
    const { layout: a, generic: g } = ctx;
    const w = new Warn();
    const pfn = ctx.maxSwapOffset;
    const kinds = [
      SWAP_TYPES.SWP_MIGRATION_READ,
      SWAP_TYPES.SWP_MIGRATION_READ_EXCLUSIVE,
      SWAP_TYPES.SWP_MIGRATION_WRITE,
    ];
    for (const type of kinds) {
      const e = g.swpEntry(type, pfn);
      const pte = g.swpEntryToPte(e);
      const back = g.pteToSwpEntry(pte);
      w.on(!a.isSwapPte(pte), `migration entry type ${type} -> ${hex(pte, a.pteBits)} is not a swap PTE`);
      w.on(!sameEntry(e, back), `migration ${showEntry(e)} -> ${showEntry(back)}`);
      const ex = g.pteToSwpEntry(a.mkExclusive(pte));
      w.on(!sameEntry(e, ex), `exclusive migration ${showEntry(e)} -> ${showEntry(ex)}`);
    }
    return outcome(w);
  },
};

/** MAX_SWAPFILES_CHECK(): the arch type field must hold MAX_SWAPFILES_SHIFT bits. */
const maxSwapfilesCheck: Check = {
  name: 'MAX_SWAPFILES_CHECK',
  run(ctx) {
    const w = new Warn();
    w.on(ctx.layout.maxType < Number(mask(MAX_SWAPFILES_SHIFT)), `type holds only ${ctx.layout.maxType + 1} values, fewer than 1 << MAX_SWAPFILES_SHIFT`);
    return outcome(w);
  },
};

/** No two of type, offset, exclusive, soft-dirty, uffd-wp, must-be-clear and must-be-set share a bit. */
const swapLayoutOverlapTests: Check = {
  name: 'swap_layout_overlap_tests',
  run(ctx) {
    const a = ctx.layout;
    const f = a.fields;
    const w = new Warn();
    const parts: [string, bigint][] = [
      ['type', fieldMask(f.type)],
      ['offset', fieldMask(f.offset)],
    ];
    if (a.exclusiveBit !== null) parts.push(['exclusive', bit(a.exclusiveBit)]);
    if (f.softDirtyBit !== null) parts.push(['soft-dirty', bit(f.softDirtyBit)]);
    if (f.uffdWpBit !== null) parts.push(['uffd-wp', bit(f.uffdWpBit)]);
    parts.push(['must-be-clear', f.mustBeClear.reduce((m, b) => m | bit(b), 0n)]);
    parts.push(['must-be-set', f.mustBeSet.reduce((m, b) => m | bit(b), 0n)]);
    parts.push(['present', f.presentBits.reduce((m, b) => m | bit(b), 0n)]);
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        const [n1, m1] = parts[i]!;
        const [n2, m2] = parts[j]!;
        // pte_present()'s bits are meant to be among the must-be-clear ones.
        if (n1 === 'must-be-clear' && n2 === 'present') continue;
        const both = m1 & m2;
        w.on(both !== 0n, `${n1} and ${n2} share bit(s) ${bitList(both).join(', ')}`);
      }
    }
    const width = mask(a.pteBits);
    for (const [n, m] of parts) w.on((m & ~width) !== 0n, `${n} uses bits beyond the ${a.pteBits}-bit PTE`);
    return outcome(w);
  },
};

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

function bitList(m: bigint): number[] {
  const out: number[] = [];
  for (let b = 0; m >> BigInt(b) !== 0n; b++) if ((m >> BigInt(b)) & 1n) out.push(b);
  return out;
}

/** The checks in the order they run. */
export const checks: readonly Check[] = [
  swapLayoutOverlapTests,
  maxSwapfilesCheck,
  pteSwapTests,
  pteSwapExclusiveTests,
  pteSwapSoftDirtyTests,
  pteSwapUffdWpTests,
  swapMigrationTests,
];

export interface CheckResult {
  /** Layout label: the variant, with the era for a pre-series form. */
  label: string;
  check: string;
  outcome: CheckOutcome;
  /** A known, documented failure of a historical layout (TAP "# TODO"). */
  todo?: string;
}

/** Runs every check on one layout. */
export function runChecks(layout: ArchSwapLayout, label = defaultLabel(layout)): CheckResult[] {
  const ctx = checkContext(layout);
  const form = layout.hasExclusive ? 'now' : 'before';
  return checks.map((c) => {
    const r: CheckResult = { label, check: c.name, outcome: safeRun(c, ctx) };
    const known = layout.spec.knownIssues?.find((k) => k.form === form && k.check === c.name);
    if (known) r.todo = known.reason;
    return r;
  });
}

/** The variant name, marked with the era when the layout is a pre-series form. */
export function defaultLabel(layout: ArchSwapLayout): string {
  const last = layout.revisions[layout.revisions.length - 1];
  if (last) return `${layout.name} (${last.since})`;
  if (layout.hasExclusive) return layout.name;
  return `${layout.name} (before ${layout.spec.exclusiveSince === '5.19' ? '5.19' : '6.3'})`;
}

/** Results that count as failures: failed and not a documented historical bug. */
export function realFailures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.outcome.status === 'fail' && r.todo === undefined);
}

function safeRun(c: Check, ctx: CheckContext): CheckOutcome {
  try {
    return c.run(ctx);
  } catch (e) {
    return { status: 'fail', failures: [`threw: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

/** The eras worth checking for a spec: the form with the bit, and the form before it arrived. */
export function erasToCheck(spec: LayoutSpec): SwpExclusiveSupport[] {
  return ['all', spec.exclusiveSince === '5.19' ? 'none' : 'enterprise'];
}

/** Runs every check on both forms of every spec given, and on each later revision. */
export function runAllChecks(specs: readonly LayoutSpec[]): CheckResult[] {
  return specs.flatMap((s) => [
    ...erasToCheck(s).flatMap((era) => runChecks(new ArchSwapLayout(s, era))),
    ...(s.revisions ?? []).flatMap((_, i) => runChecks(new ArchSwapLayout(s, 'all', s.revisions!.slice(0, i + 1).map((r) => r.policy)))),
  ]);
}

/** TAP version 13 for check results. */
export function formatTap(results: readonly CheckResult[]): string {
  const lines = ['TAP version 13', `1..${results.length}`];
  results.forEach((r, i) => {
    const n = i + 1;
    const desc = `${r.label}: ${r.check}`;
    const o = r.outcome;
    const todo = r.todo === undefined ? '' : ` # TODO ${r.todo}`;
    if (o.status === 'ok') lines.push(`ok ${n} - ${desc}${todo}`);
    else if (o.status === 'skip') lines.push(`ok ${n} - ${desc} # SKIP ${o.reason}`);
    else {
      lines.push(`not ok ${n} - ${desc}${todo}`);
      lines.push('  ---');
      lines.push('  failures:');
      for (const f of o.failures) lines.push(`    - ${JSON.stringify(f)}`);
      lines.push('  ...');
    }
  });
  const failed = realFailures(results).length;
  const todo = results.filter((r) => r.outcome.status === 'fail' && r.todo !== undefined).length;
  const skipped = results.filter((r) => r.outcome.status === 'skip').length;
  const passed = results.length - failed - todo - skipped;
  lines.push(`# ${passed} passed, ${failed} failed, ${skipped} skipped, ${todo} todo (known bugs of historical layouts)`);
  return lines.join('\n') + '\n';
}
