// Folio allocation and references (mm/page_alloc.c, include/linux/mm.h,
// mm/swap.c's lru_add batch).
import type { Folio, Pfn } from '../model/types.js';
import { filled, type PageData } from '../model/bytes.js';
import { GUP_PIN_COUNTING_BIAS } from '../model/flags.js';
import { type Kernel, folio, trace, ModelBug } from './context.js';

/** PAGEVEC_SIZE / the lru_add batch size: the batch drains itself when full. */
export const LRU_ADD_BATCH = 15;

/** folio_alloc(): a fresh order-0 folio holding one reference for the caller. */
export function folio_alloc(k: Kernel, data?: PageData): Folio {
  const pfn = k.s.next.pfn++;
  const f: Folio = {
    pfn,
    order: 0,
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
    data: data ?? filled(k.s.config.pageSize, 0),
  };
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
    if (f.mapcount > 0 || f.swapCache) throw new ModelBug(`freeing pfn ${pfn} while mapped or in the swap cache`);
    trace(k, 'free_unref_page', `pfn ${pfn} freed`);
    delete k.s.folios[pfn];
  }
}

/** folio_maybe_dma_pinned(): pincount for large folios, refcount >= bias for small ones (false positives allowed). */
export function folio_maybe_dma_pinned(k: Kernel, f: Folio): boolean {
  if (!k.p.pinAccounting) return false;
  if (f.order > 0) return f.pincount > 0;
  return f.refcount >= GUP_PIN_COUNTING_BIAS;
}

/** folio_add_lru(): new pages wait in the per-CPU batch, holding a reference, until it drains. */
export function folio_add_lru(k: Kernel, f: Folio): void {
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
