// Which kernel releases have __HAVE_ARCH_PTE_SWP_EXCLUSIVE on which layouts.
// 1493a1913e34 ("mm/swap: remember PG_anon_exclusive via a swp pte bit",
// v5.19) added it with x86_64, arm64, s390 and powerpc book3s/64; seed 000's
// series (v6.3) added every other architecture with swap PTEs and removed the
// define ("mm: remove __HAVE_ARCH_PTE_SWP_EXCLUSIVE").
import { UsageError } from '../cli/errors.js';
import type { LayoutSpec } from './layout.js';
import type { SwpExclusiveSupport } from './types.js';
import { profileFor } from '../eras/profiles.js';

/** Parses "6.3", "v5.19", "6.3.8" or "6.3-rc1" into major.minor. */
export function parseKernelVersion(text: string): { major: number; minor: number } {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:-rc\d+)?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad kernel version '${text}' (expected e.g. 6.3 or v5.19)`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** The era policy of a kernel version, as its kernel profile chooses it (an -rc counts as its release). */
export function supportForKernel(version: string): SwpExclusiveSupport {
  const { major, minor } = parseKernelVersion(version);
  return profileFor(`${major}.${minor}`).policies.swpExclusive;
}

/** The boolean policies a kernel version sets (they pick later layout revisions, e.g. arm64 v6.10). */
export function policiesForKernel(version: string): string[] {
  const { major, minor } = parseKernelVersion(version);
  return Object.entries(profileFor(`${major}.${minor}`).policies).filter(([, v]) => v === true).map(([name]) => name);
}

/** The first release where a layout stores the exclusive marker. */
export function exclusiveSinceRelease(spec: LayoutSpec): string {
  return spec.exclusiveSince === '5.19' ? 'v5.19' : 'v6.3';
}

/** One row of the era table: per architecture, when its layouts gained the bit. */
export interface EraRow {
  arch: string;
  variants: string[];
  since: string;
}

/** The era table, one row per architecture directory. */
export function eraTable(specs: readonly LayoutSpec[]): EraRow[] {
  const rows = new Map<string, EraRow>();
  for (const s of specs) {
    const row = rows.get(s.arch) ?? { arch: s.arch, variants: [], since: exclusiveSinceRelease(s) };
    row.variants.push(s.variant);
    rows.set(s.arch, row);
  }
  return [...rows.values()];
}
