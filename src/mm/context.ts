// The context every mm function receives: the plain state, plus what is
// derived from state.config (the profile's policies and the arch's swap-PTE
// layout) and a transient log of the kernel functions a step ran.
import type { KernelState, Mm, Folio, Vma } from '../model/types.js';
import type { Policies } from '../eras/policies.js';
import type { SwapPteLayout } from '../arch/types.js';
import { profileFor } from '../eras/profiles.js';
import { swapLayoutFor } from '../arch/index.js';

export interface Kernel {
  s: KernelState;
  p: Readonly<Policies>;
  layout: SwapPteLayout;
  /** Kernel functions run in the current step, with what they decided (for --trace). */
  log: string[];
}

export function kernelFor(s: KernelState): Kernel {
  const p = profileFor(s.config.kernel).policies;
  return { s, p, layout: swapLayoutFor(s.config.arch, p.swpExclusive, policiesSet(p)), log: [] };
}

/** The boolean policies an era sets: they pick later swap-PTE layout revisions (arm64 v6.10). */
export function policiesSet(p: Readonly<Policies>): string[] {
  return Object.entries(p).filter(([, v]) => v === true).map(([name]) => name);
}

/** Records that `fn` ran and what it decided. */
export function trace(k: Kernel, fn: string, what = ''): void {
  k.log.push(what ? `${fn}: ${what}` : fn);
}

/** A kernel bug the model hit: an impossible state, reported with the function that found it. */
export class ModelBug extends Error {
  override name = 'ModelBug';
}

/** page_folio(): the folio a page belongs to (large folios are naturally aligned, as the buddy allocator gives them). */
export function folio(k: Kernel, pfn: number): Folio {
  const direct = k.s.folios[pfn];
  if (direct) return direct;
  for (let o = 1; o <= MAX_FOLIO_ORDER; o++) {
    const head = pfn - (pfn % 2 ** o);
    const f = k.s.folios[head];
    if (f && head + 2 ** f.order > pfn) return f;
  }
  throw new ModelBug(`no folio contains pfn ${pfn}`);
}

/** Orders up to a 1 GiB hugetlb folio of 4 KiB pages. */
export const MAX_FOLIO_ORDER = 18;

export function mmOf(k: Kernel, id: number): Mm {
  const mm = k.s.mms[id];
  if (!mm) throw new ModelBug(`no mm ${id}`);
  return mm;
}

export function newId(k: Kernel): number {
  return k.s.next.id++;
}

export function pageShift(k: Kernel): number {
  return Math.log2(k.s.config.pageSize);
}

export function vpn(k: Kernel, addr: number): string {
  return String(Math.floor(addr / k.s.config.pageSize));
}

/** find_vma(): the VMA containing addr, or undefined. */
export function findVma(mm: Mm, addr: number): Vma | undefined {
  return mm.vmas.find((v) => v.start <= addr && addr < v.end);
}
