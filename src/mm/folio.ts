// Folio allocation and references (mm/page_alloc.c, include/linux/mm.h,
// mm/swap.c's lru_add batch).
import type { Folio, PageState, Pfn } from '../model/types.js';
import { filled, sliceRuns, spliceRuns, type PageData } from '../model/bytes.js';
import { GUP_PIN_COUNTING_BIAS } from '../model/flags.js';
import { type Kernel, folio, trace, ModelBug } from './context.js';

/** PAGEVEC_SIZE / the lru_add batch size: the batch drains itself when full. */
export const LRU_ADD_BATCH = 15;

/** folio_alloc(): a fresh folio holding one reference for the caller; large folios are naturally aligned. */
export function folio_alloc(k: Kernel, data?: PageData, order = 0): Folio {
  const nr = 2 ** order;
  const pfn = Math.ceil(k.s.next.pfn / nr) * nr;
  k.s.next.pfn = pfn + nr;
  const f: Folio = {
    pfn,
    order,
    refcount: 1,
    mapcount: 0,
    pincount: 0,
    anon: false,
    ksm: false,
    anonExclusive: false,
    swapCache: false,
    swapEntry: null,
    dirty: false,
    writeback: false,
    lru: false,
    mapping: null,
    zero: false,
    data: data ?? filled(k.s.config.pageSize * nr, 0),
  };
  if (order > 0) {
    f.pages = Array.from({ length: nr }, () => ({ mapcount: 0, anonExclusive: false }));
    f.entireMapcount = 0;
  }
  k.s.folios[pfn] = f;
  return f;
}

export function folio_get(k: Kernel, pfn: Pfn, refs = 1): void {
  folio(k, pfn).refcount += refs;
}

/** folio_put(): drop references; the last one frees the folio. */
export function folio_put(k: Kernel, pfn: Pfn, refs = 1): void {
  const f = folio(k, pfn);
  f.refcount -= refs;
  if (f.refcount < 0) throw new ModelBug(`refcount underflow on pfn ${pfn}`);
  if (f.refcount === 0 && !f.zero) {
    if (folio_mapped(f) || f.swapCache) throw new ModelBug(`freeing pfn ${pfn} while mapped or in the swap cache`);
    trace(k, 'free_unref_page', `pfn ${f.pfn}${f.order ? ` (order ${f.order})` : ''} freed`);
    delete k.s.folios[f.pfn];
    if (f.hugetlbKB !== undefined) free_huge_folio(k, f);
  }
}

/** folio_maybe_dma_pinned(): pincount for large folios, refcount >= bias for small ones (false positives allowed). */
export function folio_maybe_dma_pinned(k: Kernel, f: Folio): boolean {
  if (!k.p.pinAccounting) return false;
  if (f.order > 0) return f.pincount > 0;
  return f.refcount >= GUP_PIN_COUNTING_BIAS;
}

/** free_huge_folio(): back to its hugetlb pool. */
function free_huge_folio(k: Kernel, f: Folio): void {
  const pool = k.s.hugetlb[String(f.hugetlbKB)];
  if (pool) pool.free++;
}

/** folio_add_lru(): new pages wait in the per-CPU batch, holding a reference, until it drains; large folios go straight to the LRU (6.2 folio_add_lru). */
export function folio_add_lru(k: Kernel, f: Folio): void {
  if (f.order > 0) {
    f.lru = true;
    return;
  }
  f.refcount++;
  k.s.lruAdd.push(f.pfn);
  if (k.s.lruAdd.length >= LRU_ADD_BATCH) lru_add_drain(k);
}

/** lru_add_drain(): move the batch onto the LRU, dropping the batch's references. */
export function lru_add_drain(k: Kernel): void {
  if (k.s.lruAdd.length === 0) return;
  const batch = k.s.lruAdd;
  k.s.lruAdd = [];
  trace(k, 'lru_add_drain', `${batch.length} page(s) moved to the LRU`);
  for (const pfn of batch) {
    folio(k, pfn).lru = true;
    folio_put(k, pfn);
  }
}

/** The bytes of one page (a slice of a large folio's bytes). */
export function page_data(k: Kernel, pfn: Pfn): PageData {
  const f = folio(k, pfn);
  if (f.order === 0) return f.data;
  const ps = k.s.config.pageSize;
  const at = (pfn - f.pfn) * ps;
  return sliceRuns(f.data, at, at + ps);
}

export function set_page_data(k: Kernel, pfn: Pfn, d: PageData): void {
  const f = folio(k, pfn);
  if (f.order === 0) f.data = d;
  else f.data = spliceRuns(f.data, (pfn - f.pfn) * k.s.config.pageSize, d);
}

export { folio as page_folio } from './context.js';

/** folio_nr_pages(). */
export function folio_nr_pages(f: Folio): number {
  return 2 ** f.order;
}

/** The per-page state of a page of a large folio (hugetlb folios: the head page stands for all). */
function pageState(f: Folio, pfn: Pfn): PageState {
  const pages = f.pages!;
  return pages[Math.min(pfn - f.pfn, pages.length - 1)]!;
}

/** PageAnonExclusive(). */
export function PageAnonExclusive(k: Kernel, pfn: Pfn): boolean {
  const f = folio(k, pfn);
  return f.order === 0 ? f.anonExclusive : pageState(f, pfn).anonExclusive;
}

export function SetPageAnonExclusive(k: Kernel, pfn: Pfn): void {
  const f = folio(k, pfn);
  if (f.order === 0) f.anonExclusive = true;
  else pageState(f, pfn).anonExclusive = true;
}

export function ClearPageAnonExclusive(k: Kernel, pfn: Pfn): void {
  const f = folio(k, pfn);
  if (f.order === 0) f.anonExclusive = false;
  else pageState(f, pfn).anonExclusive = false;
}

/** The page's own PTE mapcount (without PMD mappings of its folio). */
export function page_pte_mapcount(k: Kernel, pfn: Pfn): number {
  const f = folio(k, pfn);
  return f.order === 0 ? f.mapcount : pageState(f, pfn).mapcount;
}

export function page_pte_mapcount_add(k: Kernel, pfn: Pfn, delta: number): void {
  const f = folio(k, pfn);
  if (f.order === 0) f.mapcount += delta;
  else pageState(f, pfn).mapcount += delta;
}

/** page_mapcount(): PTE mappings of the page plus mappings of its whole folio. */
export function page_mapcount(k: Kernel, pfn: Pfn): number {
  const f = folio(k, pfn);
  return page_pte_mapcount(k, pfn) + (f.entireMapcount ?? 0);
}

/** folio_mapcount(): every mapping of any page of the folio. */
export function folio_mapcount(f: Folio): number {
  if (f.order === 0) return f.mapcount;
  return (f.entireMapcount ?? 0) + f.pages!.reduce((n, p) => n + p.mapcount, 0);
}

/** Any page of the folio mapped by a PTE, or the folio by a PMD. */
export function folio_mapped(f: Folio): boolean {
  return folio_mapcount(f) > 0;
}
