// Kernel profiles: a mainline version picks its policies from HISTORY.
import { BASE_POLICIES, type Policies } from './policies.js';
import { HISTORY, type Change } from './history.js';
import { UsageError } from '../cli/errors.js';

export interface Profile {
  /** The mainline version, "X.Y". */
  version: string;
  /** The era (named after the change that opened it). */
  era: string;
  policies: Readonly<Policies>;
}

/** Every mainline release the model knows, oldest first. */
export const MAINLINE: readonly string[] = [
  ...range(4, 4, 20),
  ...range(5, 0, 19),
  ...range(6, 0, 18),
];
export const LATEST = MAINLINE[MAINLINE.length - 1]!;

function range(major: number, from: number, to: number): string[] {
  const out: string[] = [];
  for (let minor = from; minor <= to; minor++) out.push(`${major}.${minor}`);
  return out;
}

export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am !== bm ? am - bm : an - bn;
}

/** "6.2", "v6.2", "6.2.1" (stable sublevels map to their mainline release), "latest". */
export function normalizeVersion(input: string): string {
  const s = input.trim().replace(/^v/, '');
  if (s === 'latest') return LATEST;
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(s);
  const v = m ? `${Number(m[1])}.${Number(m[2])}` : '';
  if (!MAINLINE.includes(v)) {
    throw new UsageError(
      `unknown kernel version '${input}': cowlab models mainline ${MAINLINE[0]} to ${LATEST} (or 'latest')`,
    );
  }
  return v;
}

const cache = new Map<string, Profile>();

export function profileFor(input: string): Profile {
  const version = normalizeVersion(input);
  let p = cache.get(version);
  if (!p) {
    let policies: Policies = { ...BASE_POLICIES };
    let era = 'dirty-cow';
    for (const c of HISTORY) {
      if (compareVersions(c.version, version) > 0) break;
      policies = { ...policies, ...c.set };
      if (c.era) era = c.era;
    }
    p = { version, era, policies: Object.freeze(policies) };
    cache.set(version, p);
  }
  return p;
}

export interface Era {
  name: string;
  first: string;
  last: string;
  /** The changes that opened the era (none for the first). */
  changes: Change[];
  policies: Readonly<Policies>;
}

/** The eras as version ranges, oldest first. */
export function eras(): Era[] {
  const out: Era[] = [];
  for (const v of MAINLINE) {
    const p = profileFor(v);
    const last = out[out.length - 1];
    if (last && last.name === p.era) {
      last.last = v;
    } else {
      out.push({
        name: p.era,
        first: v,
        last: v,
        changes: HISTORY.filter((c) => c.version === v),
        policies: p.policies,
      });
    }
  }
  return out;
}

/** The policies that differ between two profiles, as [name, before, after]. */
export function policyDiff(a: Readonly<Policies>, b: Readonly<Policies>): [string, unknown, unknown][] {
  return (Object.keys(a) as (keyof Policies)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => [k, a[k], b[k]]);
}
