// Reclaim of anonymous pages as MADV_PAGEOUT drives it (mm/madvise.c
// madvise_pageout, mm/vmscan.c shrink_folio_list / __remove_mapping). The
// page is unmapped, written, and freed in separate steps: other threads and
// in-flight I/O can run in between.
import type { Folio } from '../model/types.js';
import { type Kernel, trace, folio } from './context.js';
import { folio_mapcount, folio_mapped, folio_maybe_dma_pinned, folio_nr_pages, folio_put } from './folio.js';
import { split_folio, split_huge_pmds } from './huge_memory.js';
import { try_to_unmap } from './rmap.js';
import { shmem_try_to_unmap } from './shmem.js';
import { add_to_swap_cache, delete_from_swap_cache, get_swap_page, parseEntry, swap_writepage } from './swapfile.js';

export interface ReclaimState {
  /** Isolated pages (each holds the isolation reference) still to process. */
  pages: number[];
  phase: 'unmap' | 'pageout' | 'remove';
}

/** putback_lru_page(): back on the LRU, dropping the isolation reference. */
function putback(k: Kernel, f: Folio): void {
  f.lru = true;
  folio_put(k, f.pfn);
}

/**
 * CONFIG_THP_SWAP: may this large folio go into the swap cache whole? Only on
 * an architecture that selects ARCH_WANTS_THP_SWAP in this era, and only a
 * PMD-size folio until mTHP swapout (845982eb264b, 6.10).
 */
function thp_swap_whole(k: Kernel, f: Folio): boolean {
  if (!k.p.thpSwapArchs.includes(k.s.config.arch)) return false;
  return f.order === k.s.config.thp.pmdOrder || k.p.thpSwapAllOrders;
}

/**
 * add_to_swap() / folio_alloc_swap() for an isolated anon folio. A large folio
 * takes a whole swap cluster where THP_SWAP allows it; otherwise (or when no
 * free cluster is left: THP_SWPOUT_FALLBACK) it is split and its pages go on
 * reclaim's list, each to be swapped on its own. Returns the folio to go on
 * with, or null to keep it.
 */
function add_to_swap(k: Kernel, r: ReclaimState, f: Folio): Folio | null {
  const nr = folio_nr_pages(f);
  let e = nr === 1 || thp_swap_whole(k, f) ? get_swap_page(k, nr) : null;
  if (!e && nr > 1) {
    split_huge_pmds(k, f);
    const parts = split_folio(k, f, 1, true);
    if (!parts) return null;
    r.pages.splice(0, 1, ...parts.map((p) => p.pfn));
    f = parts[0]!;
    e = get_swap_page(k);
  }
  if (!e) {
    trace(k, 'add_to_swap', `no free swap slot: keep pfn ${f.pfn}`);
    return null;
  }
  add_to_swap_cache(k, f, e);
  f.dirty = true;
  trace(k, 'add_to_swap', `pfn ${f.pfn}${nr > 1 && f.order > 0 ? ` (order ${f.order})` : ''} -> swap cache ${e}`);
  return f;
}

/** One step of shrink_folio_list() for the first isolated folio; returns the step's label. */
export function shrink_step(k: Kernel, r: ReclaimState): string {
  let f = folio(k, r.pages[0]!);
  const next = (): void => {
    r.pages.shift();
    r.phase = 'unmap';
  };
  const keep = (): void => {
    putback(k, f);
    next();
  };
  // The references only the isolation and the swap cache may hold (is_page_cache_freeable(), __remove_mapping()).
  const expected = (): number => 1 + folio_nr_pages(f);
  switch (r.phase) {
    case 'unmap': {
      if (f.mapping) {
        // A shmem page: unmapped (src/mm/shmem.ts), then kept in the page cache.
        shmem_try_to_unmap(k, f);
        keep();
        return 'try_to_unmap';
      }
      if (!f.swapCache) {
        if (k.p.vmscanSkipPinned && folio_maybe_dma_pinned(k, f)) {
          // feb889fb40fa (5.11): don't put pinned pages into the swap cache.
          trace(k, 'shrink_folio_list', `pfn ${f.pfn} maybe pinned: keep`);
          keep();
          return 'shrink_folio_list';
        }
        if (f.order > 0 && f.refcount !== folio_mapcount(f) + 1) {
          // can_split_huge_page() (b8f593cd0896, 4.13): a large folio with extra references is kept before add_to_swap.
          trace(k, 'shrink_folio_list', `large pfn ${f.pfn} refcount ${f.refcount}: cannot split, keep`);
          keep();
          return 'shrink_folio_list';
        }
        const added = add_to_swap(k, r, f);
        if (!added) {
          f = folio(k, r.pages[0]!);
          keep();
          return 'add_to_swap';
        }
        f = added;
      }
      try_to_unmap(k, f);
      if (folio_mapped(f)) {
        trace(k, 'try_to_unmap', `pfn ${f.pfn} still mapped: keep`);
        keep();
      } else {
        r.phase = 'pageout';
      }
      return 'try_to_unmap';
    }
    case 'pageout': {
      if (f.dirty && f.refcount !== expected()) {
        // pageout(): is_page_cache_freeable() -- someone else holds a reference: PAGE_KEEP, nothing written.
        trace(k, 'pageout', `pfn ${f.pfn} refcount ${f.refcount}: PAGE_KEEP, stays dirty in the swap cache`);
        keep();
        return 'pageout';
      }
      if (f.dirty) {
        // pageout() -> swap_writepage(): the device gets the bytes as they are now, a large folio at once.
        f.dirty = false;
        f.writeback = true;
        swap_writepage(k, f);
        const dev = k.s.swap[parseEntry(f.swapEntry!).type]!;
        if (!dev.asyncWriteback) f.writeback = false;
        trace(k, 'pageout', `pfn ${f.pfn} written to ${f.swapEntry}${f.order > 0 ? ` (${folio_nr_pages(f)} slots)` : ''}${f.writeback ? ' (writeback in flight)' : ''}`);
      }
      if (f.writeback) {
        // shrink_folio_list(): a page still under writeback is kept for a later pass.
        keep();
        return 'pageout';
      }
      r.phase = 'remove';
      return 'pageout';
    }
    case 'remove': {
      // __remove_mapping(): only the isolation and swap-cache references may remain (1 + nr, bd4c82c22c36).
      if (!f.dirty && !f.writeback && f.refcount === expected()) {
        delete_from_swap_cache(k, f);
        trace(k, '__remove_mapping', `pfn ${f.pfn} dropped from the swap cache`);
        folio_put(k, f.pfn);
      } else {
        trace(k, '__remove_mapping', `pfn ${f.pfn} refcount ${f.refcount} != ${expected()}: stays in the swap cache`);
        putback(k, f);
      }
      next();
      return '__remove_mapping';
    }
  }
}
