// Reclaim of anonymous pages as MADV_PAGEOUT drives it (mm/madvise.c
// madvise_pageout, mm/vmscan.c shrink_folio_list / __remove_mapping). The
// page is unmapped, written, and freed in separate steps: other threads and
// in-flight I/O can run in between.
import type { Folio } from '../model/types.js';
import { type Kernel, trace, folio } from './context.js';
import { folio_maybe_dma_pinned, folio_put } from './folio.js';
import { folio_mappings, try_to_unmap_one } from './rmap.js';
import { add_to_swap_cache, delete_from_swap_cache, get_swap_page, parseEntry, swap_slot_data } from './swapfile.js';

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

/** One step of shrink_folio_list() for the first isolated page; returns the step's label. */
export function shrink_step(k: Kernel, r: ReclaimState): string {
  const pfn = r.pages[0]!;
  const f = folio(k, pfn);
  const next = (): void => {
    r.pages.shift();
    r.phase = 'unmap';
  };
  switch (r.phase) {
    case 'unmap': {
      if (!f.swapCache) {
        if (k.p.vmscanSkipPinned && folio_maybe_dma_pinned(k, f)) {
          // feb889fb40fa (5.11): don't put pinned pages into the swap cache.
          trace(k, 'shrink_folio_list', `pfn ${pfn} maybe pinned: keep`);
          putback(k, f);
          next();
          return 'shrink_folio_list';
        }
        const e = get_swap_page(k);
        if (!e) {
          trace(k, 'add_to_swap', `no free swap slot: keep pfn ${pfn}`);
          putback(k, f);
          next();
          return 'add_to_swap';
        }
        add_to_swap_cache(k, f, e);
        f.dirty = true;
        trace(k, 'add_to_swap', `pfn ${pfn} -> swap cache ${e}`);
      }
      for (const { mm, addr } of folio_mappings(k, f)) try_to_unmap_one(k, f, mm, addr);
      if (f.mapcount > 0) {
        trace(k, 'try_to_unmap', `pfn ${pfn} still mapped: keep`);
        putback(k, f);
        next();
      } else {
        r.phase = 'pageout';
      }
      return 'try_to_unmap';
    }
    case 'pageout': {
      if (f.dirty && f.refcount !== 2) {
        // pageout(): is_page_cache_freeable() -- someone else holds a reference: PAGE_KEEP, nothing written.
        trace(k, 'pageout', `pfn ${pfn} refcount ${f.refcount}: PAGE_KEEP, stays dirty in the swap cache`);
        putback(k, f);
        next();
        return 'pageout';
      }
      if (f.dirty) {
        // pageout() -> swap_writepage(): the device gets the bytes as they are now.
        f.dirty = false;
        f.writeback = true;
        swap_slot_data(k, f.swapEntry!).data = f.data;
        const dev = k.s.swap[parseEntry(f.swapEntry!).type]!;
        if (!dev.asyncWriteback) f.writeback = false;
        trace(k, 'pageout', `pfn ${pfn} written to ${f.swapEntry}${f.writeback ? ' (writeback in flight)' : ''}`);
      }
      if (f.writeback) {
        // shrink_folio_list(): a page still under writeback is kept for a later pass.
        putback(k, f);
        next();
        return 'pageout';
      }
      r.phase = 'remove';
      return 'pageout';
    }
    case 'remove': {
      // __remove_mapping(): only the isolation and swap-cache references may remain.
      if (!f.dirty && !f.writeback && f.refcount === 2) {
        delete_from_swap_cache(k, f);
        trace(k, '__remove_mapping', `pfn ${pfn} dropped from the swap cache`);
        folio_put(k, pfn);
      } else {
        trace(k, '__remove_mapping', `pfn ${pfn} refcount ${f.refcount} != 2: stays in the swap cache`);
        putback(k, f);
      }
      next();
      return '__remove_mapping';
    }
  }
}
