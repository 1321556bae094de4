// Reverse-map accounting and PG_anon_exclusive (mm/rmap.c, include/linux/rmap.h).
import type { Folio, Mm, Vma } from '../model/types.js';
import { EBUSY, isCowMapping } from '../model/flags.js';
import { type Kernel, trace } from './context.js';
import { folio_maybe_dma_pinned, folio_put } from './folio.js';
import { pte_at, pte_clear, set_pte_at } from './pgtable.js';
import { mk_swap_pte, swap_duplicate, swap_free } from './swapfile.js';

/** Ensure the VMA has an anon_vma (anon_vma_prepare()). */
export function anon_vma_prepare(k: Kernel, vma: Vma): void {
  if (vma.anonVma === null) vma.anonVma = k.s.next.anonVma++;
}

/** page_add_new_anon_rmap() (5.19: folio_add_new_anon_rmap later): a new page, exclusive from birth. */
export function page_add_new_anon_rmap(k: Kernel, f: Folio, vma: Vma): void {
  anon_vma_prepare(k, vma);
  f.anon = true;
  f.mapcount = 1;
  if (k.p.anonExclusive) f.anonExclusive = true;
}

/** page_add_anon_rmap(..., RMAP_EXCLUSIVE?): map an existing anon page (swap-in, unuse_pte). */
export function page_add_anon_rmap(k: Kernel, f: Folio, vma: Vma, exclusive: boolean): void {
  anon_vma_prepare(k, vma);
  f.anon = true;
  f.mapcount++;
  if (exclusive && k.p.anonExclusive) f.anonExclusive = true;
}

/** page_add_file_rmap() / page_dup_file_rmap(). */
export function page_add_file_rmap(_k: Kernel, f: Folio): void {
  f.mapcount++;
}

export function page_remove_rmap(_k: Kernel, f: Folio): void {
  f.mapcount--;
}

/** page_needs_cow_for_dma() (5.18+): a COW mapping of an mm that pinned, and the page may be pinned. */
export function page_needs_cow_for_dma(k: Kernel, vma: Vma, f: Folio, hasPinned: boolean): boolean {
  return isCowMapping(vma.flags) && hasPinned && folio_maybe_dma_pinned(k, f);
}

/** page_try_dup_anon_rmap() (5.19, fb3d824d1a46): fork shares an anon page, unless it is exclusive and may be pinned. */
export function page_try_dup_anon_rmap(k: Kernel, f: Folio, srcVma: Vma, hasPinned: boolean): number {
  if (f.anonExclusive) {
    if (page_needs_cow_for_dma(k, srcVma, f, hasPinned)) {
      trace(k, 'page_try_dup_anon_rmap', `pfn ${f.pfn} exclusive and maybe pinned: -EBUSY, copy now`);
      return -EBUSY;
    }
    f.anonExclusive = false;
    trace(k, 'page_try_dup_anon_rmap', `pfn ${f.pfn} ClearPageAnonExclusive`);
  }
  f.mapcount++;
  return 0;
}

/** page_try_share_anon_rmap() (5.19; barriers since 6.1): unmap paths drop exclusivity unless pinned. */
export function page_try_share_anon_rmap(k: Kernel, f: Folio): number {
  if (folio_maybe_dma_pinned(k, f)) {
    trace(k, 'page_try_share_anon_rmap', `pfn ${f.pfn} maybe pinned: -EBUSY`);
    return -EBUSY;
  }
  f.anonExclusive = false;
  trace(k, 'page_try_share_anon_rmap', `pfn ${f.pfn} ClearPageAnonExclusive`);
  return 0;
}

/** page_move_anon_rmap(): a reused page now belongs to this VMA alone (sets PG_anon_exclusive from 5.19). */
export function page_move_anon_rmap(k: Kernel, f: Folio, vma: Vma): void {
  anon_vma_prepare(k, vma);
  if (k.p.anonExclusive && !f.anonExclusive) {
    f.anonExclusive = true;
    trace(k, 'page_move_anon_rmap', `pfn ${f.pfn} SetPageAnonExclusive`);
  }
}

/** rmap walk: every (mm, address) whose PTE maps the folio. */
export function folio_mappings(k: Kernel, f: Folio): { mm: Mm; addr: number }[] {
  const out: { mm: Mm; addr: number }[] = [];
  for (const mm of Object.values(k.s.mms)) {
    for (const [v, pte] of Object.entries(mm.ptes)) {
      if (pte.kind === 'present' && pte.pfn === f.pfn && !pte.special) {
        out.push({ mm, addr: Number(v) * k.s.config.pageSize });
      }
    }
  }
  return out;
}

/** try_to_unmap_one() for a swap-backed anon page: replace the PTE by a swap PTE. False: keep it mapped. */
export function try_to_unmap_one(k: Kernel, f: Folio, mm: Mm, addr: number): boolean {
  const pte = pte_at(k, mm, addr);
  if (!pte || pte.kind !== 'present' || !f.swapEntry) return false;
  const anonExclusive = k.p.anonExclusive && f.anonExclusive;
  pte_clear(k, mm, addr);
  swap_duplicate(k, f.swapEntry);
  if (anonExclusive && page_try_share_anon_rmap(k, f) !== 0) {
    // 5.19+: never lose PG_anon_exclusive of a page that may be pinned: restore the PTE.
    swap_free(k, f.swapEntry);
    set_pte_at(k, mm, addr, pte);
    return false;
  }
  const swp = mk_swap_pte(k, f.swapEntry, { exclusive: anonExclusive, softDirty: pte.softDirty, uffdWp: pte.uffdWp });
  set_pte_at(k, mm, addr, swp);
  if (pte.dirty) f.dirty = true;
  page_remove_rmap(k, f);
  folio_put(k, f.pfn);
  const kept = k.layout.decode(BigInt(swp.val)).exclusive;
  trace(
    k, 'try_to_unmap_one',
    `0x${addr.toString(16)}: pfn ${f.pfn} -> swap PTE ${swp.val} (${f.swapEntry}${anonExclusive ? (kept ? ', exclusive' : `, exclusive LOST: ${k.layout.name} has no swap-PTE exclusive bit in this era`) : ''})`,
  );
  return true;
}
