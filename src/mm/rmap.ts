// Reverse-map accounting and PG_anon_exclusive (mm/rmap.c, include/linux/rmap.h).
import type { Folio, Mm, Pfn, Vma } from '../model/types.js';
import { EBUSY, isCowMapping } from '../model/flags.js';
import { type Kernel, folio, trace } from './context.js';
import {
  ClearPageAnonExclusive, PageAnonExclusive, SetPageAnonExclusive, folio_maybe_dma_pinned, folio_put, page_pte_mapcount_add,
} from './folio.js';
import { pte_at, pte_clear, set_pte_at } from './pgtable.js';
import { mk_swap_pte, page_swap_entry, swap_duplicate, swap_free } from './swapfile.js';
import { split_huge_pmds } from './huge_memory.js';

/** Ensure the VMA has an anon_vma (anon_vma_prepare()). */
export function anon_vma_prepare(k: Kernel, vma: Vma): void {
  if (vma.anonVma === null) vma.anonVma = k.s.next.anonVma++;
}

/** page_add_new_anon_rmap() / folio_add_new_anon_rmap(): a new folio, exclusive from birth; `compound` maps it whole (PMD). */
export function page_add_new_anon_rmap(k: Kernel, f: Folio, vma: Vma, compound = false): void {
  anon_vma_prepare(k, vma);
  f.anon = true;
  if (f.order === 0) {
    f.mapcount = 1;
    if (k.p.anonExclusive) f.anonExclusive = true;
    return;
  }
  if (compound) f.entireMapcount = 1;
  else for (const p of f.pages!) p.mapcount = 1;
  // A PMD-mapped folio keeps PG_anon_exclusive on the head page; a PTE-mapped one on every page (6.2 page_add_new_anon_rmap).
  if (k.p.anonExclusive) {
    if (compound) f.pages![0]!.anonExclusive = true;
    else for (const p of f.pages!) p.anonExclusive = true;
  }
}

/** page_add_anon_rmap(..., RMAP_EXCLUSIVE?): map an existing anon page (swap-in, unuse_pte). */
export function page_add_anon_rmap(k: Kernel, pfn: Pfn, vma: Vma, exclusive: boolean): void {
  anon_vma_prepare(k, vma);
  folio(k, pfn).anon = true;
  page_pte_mapcount_add(k, pfn, 1);
  if (exclusive && k.p.anonExclusive) SetPageAnonExclusive(k, pfn);
}

/** page_add_file_rmap() / page_dup_file_rmap(); `compound` for a whole-folio mapping. */
export function page_add_file_rmap(k: Kernel, pfn: Pfn, compound = false): void {
  const f = folio(k, pfn);
  if (compound && f.order > 0) f.entireMapcount = (f.entireMapcount ?? 0) + 1;
  else page_pte_mapcount_add(k, pfn, 1);
}

/** page_remove_rmap(); `compound` for a whole-folio mapping. */
export function page_remove_rmap(k: Kernel, pfn: Pfn, compound = false): void {
  const f = folio(k, pfn);
  if (compound && f.order > 0) f.entireMapcount = (f.entireMapcount ?? 0) - 1;
  else page_pte_mapcount_add(k, pfn, -1);
}

/** page_needs_cow_for_dma() (5.18+): a COW mapping of an mm that pinned, and the page may be pinned. */
export function page_needs_cow_for_dma(k: Kernel, vma: Vma, f: Folio, hasPinned: boolean): boolean {
  return isCowMapping(vma.flags) && hasPinned && folio_maybe_dma_pinned(k, f);
}

/** page_try_dup_anon_rmap() (5.19, fb3d824d1a46): fork shares an anon page, unless it is exclusive and may be pinned. */
export function page_try_dup_anon_rmap(k: Kernel, pfn: Pfn, compound: boolean, srcVma: Vma, hasPinned: boolean): number {
  const f = folio(k, pfn);
  if (PageAnonExclusive(k, pfn)) {
    if (page_needs_cow_for_dma(k, srcVma, f, hasPinned)) {
      trace(k, 'page_try_dup_anon_rmap', `pfn ${pfn} exclusive and maybe pinned: -EBUSY, copy now`);
      return -EBUSY;
    }
    ClearPageAnonExclusive(k, pfn);
    trace(k, 'page_try_dup_anon_rmap', `pfn ${pfn} ClearPageAnonExclusive`);
  }
  if (compound && f.order > 0) f.entireMapcount = (f.entireMapcount ?? 0) + 1;
  else page_pte_mapcount_add(k, pfn, 1);
  return 0;
}

/** page_try_share_anon_rmap() (5.19; barriers since 6.1): unmap paths drop exclusivity unless pinned. */
export function page_try_share_anon_rmap(k: Kernel, pfn: Pfn): number {
  if (folio_maybe_dma_pinned(k, folio(k, pfn))) {
    trace(k, 'page_try_share_anon_rmap', `pfn ${pfn} maybe pinned: -EBUSY`);
    return -EBUSY;
  }
  ClearPageAnonExclusive(k, pfn);
  trace(k, 'page_try_share_anon_rmap', `pfn ${pfn} ClearPageAnonExclusive`);
  return 0;
}

/** page_move_anon_rmap(): a reused page now belongs to this VMA alone (sets PG_anon_exclusive from 5.19). */
export function page_move_anon_rmap(k: Kernel, pfn: Pfn, vma: Vma): void {
  anon_vma_prepare(k, vma);
  if (k.p.anonExclusive && !PageAnonExclusive(k, pfn)) {
    SetPageAnonExclusive(k, pfn);
    trace(k, 'page_move_anon_rmap', `pfn ${pfn} SetPageAnonExclusive`);
  }
}

/** rmap walk: every (mm, address) whose PTE maps the folio. */
export function folio_mappings(k: Kernel, f: Folio): { mm: Mm; addr: number }[] {
  const out: { mm: Mm; addr: number }[] = [];
  const lo = f.pfn;
  const hi = f.pfn + 2 ** f.order;
  // The walk can stop once it has found every PTE mapping the mapcounts account for.
  const want = f.pages ? f.pages.reduce((n, p) => n + p.mapcount, 0) : f.mapcount;
  for (const id in k.s.mms) {
    const mm = k.s.mms[id]!;
    for (const v in mm.ptes) {
      if (out.length >= want) return out;
      const pte = mm.ptes[v]!;
      if (pte.kind === 'present' && pte.pfn >= lo && pte.pfn < hi && !pte.special) {
        out.push({ mm, addr: Number(v) * k.s.config.pageSize });
      }
    }
  }
  return out;
}

/**
 * folio_maybe_mapped_shared() (6.15 with CONFIG_MM_ID): is the folio mapped
 * into more than one mm? The kernel keeps two MM ids per large folio; the
 * model counts the mms whose page tables map it, which gives the same answer
 * while at most two processes map it at once (after a third did, the kernel
 * keeps answering "shared" until the folio is unmapped).
 */
export function folio_maybe_mapped_shared(k: Kernel, f: Folio): boolean {
  const mms = new Set(folio_mappings(k, f).map(({ mm }) => mm.id));
  for (const mm of Object.values(k.s.mms)) {
    if (Object.values(mm.huge).some((e) => e.pfn === f.pfn && !e.hugeZero)) mms.add(mm.id);
  }
  return mms.size > 1;
}

/**
 * try_to_unmap(folio, TTU_SPLIT_HUGE_PMD) for a swap-cache anon folio: a PMD
 * mapping is split into PTEs first (split_huge_pmd_address() in
 * try_to_unmap_one()), then every PTE becomes a swap PTE for its page's entry.
 */
export function try_to_unmap(k: Kernel, f: Folio): void {
  split_huge_pmds(k, f);
  // rmap_walk() stops at the first try_to_unmap_one() that fails (5.19+: a maybe-pinned exclusive page).
  for (const { mm, addr } of folio_mappings(k, f)) if (!try_to_unmap_one(k, f, mm, addr)) return;
}

/** try_to_unmap_one() for a swap-backed anon page: replace the PTE by a swap PTE. False: keep it mapped. */
export function try_to_unmap_one(k: Kernel, f: Folio, mm: Mm, addr: number): boolean {
  const pte = pte_at(k, mm, addr);
  if (!pte || pte.kind !== 'present' || !f.swapEntry) return false;
  const entry = page_swap_entry(f, pte.pfn);
  const anonExclusive = k.p.anonExclusive && PageAnonExclusive(k, pte.pfn);
  pte_clear(k, mm, addr);
  swap_duplicate(k, entry);
  if (anonExclusive && page_try_share_anon_rmap(k, pte.pfn) !== 0) {
    // 5.19+: never lose PG_anon_exclusive of a page that may be pinned: restore the PTE.
    swap_free(k, entry);
    set_pte_at(k, mm, addr, pte);
    return false;
  }
  const swp = mk_swap_pte(k, entry, { exclusive: anonExclusive, softDirty: pte.softDirty, uffdWp: pte.uffdWp });
  set_pte_at(k, mm, addr, swp);
  if (pte.dirty) f.dirty = true;
  page_remove_rmap(k, pte.pfn);
  folio_put(k, f.pfn);
  const kept = k.layout.decode(BigInt(swp.val)).exclusive;
  trace(
    k, 'try_to_unmap_one',
    `0x${addr.toString(16)}: pfn ${pte.pfn} -> swap PTE ${swp.val} (${entry}${anonExclusive ? (kept ? ', exclusive' : `, exclusive LOST: ${k.layout.name} has no swap-PTE exclusive bit in this era`) : ''})`,
  );
  return true;
}
