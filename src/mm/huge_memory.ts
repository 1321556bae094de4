// Transparent huge pages (mm/huge_memory.c): PMD-mapped anonymous folios,
// the huge zeropage, PMD splits, and the THP paths of the write fault, fork
// and GUP, per era.
import type { Folio, HugePte, Mm, PresentPte, Vma } from '../model/types.js';
import { FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, VM_HUGEPAGE, VM_HUGETLB, VM_NOHUGEPAGE, VM_WRITE } from '../model/flags.js';
import { type Kernel, trace, folio, vpn } from './context.js';
import {
  PageAnonExclusive, SetPageAnonExclusive, folio_add_lru, folio_alloc, folio_nr_pages, folio_put, page_pte_mapcount_add,
} from './folio.js';
import { page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap } from './rmap.js';
import { try_to_free_swap } from './swapfile.js';
import { filled, sliceRuns } from '../model/bytes.js';

export type HugeFault = 'done' | 'fallback';

export function pmdSize(k: Kernel): number {
  return k.s.config.pageSize * 2 ** k.s.config.thp.pmdOrder;
}

/** The leaf PMD/PUD entry mapping addr, if any, with the virtual address it starts at. */
export function huge_at(k: Kernel, mm: Mm, addr: number): { start: number; e: HugePte } | null {
  for (const key of Object.keys(mm.huge)) {
    const e = mm.huge[key]!;
    const start = Number(key) * k.s.config.pageSize;
    if (start <= addr && addr < start + e.size) return { start, e };
  }
  return null;
}

/** Any PTE populated in [start, end)? (The model's stand-in for "a PTE table hangs off the PMD".) */
export function ptes_populated(k: Kernel, mm: Mm, start: number, end: number): boolean {
  const ps = k.s.config.pageSize;
  for (let a = start; a < end; a += ps) if (mm.ptes[vpn(k, a)]) return true;
  return false;
}

/** thp_vma_allowable_orders() / __transparent_hugepage_enabled(): may this VMA get a folio of this order here? */
export function thp_vma_suitable(k: Kernel, mm: Mm, vma: Vma, addr: number, order: number): number | null {
  if (vma.file || vma.flags & (VM_NOHUGEPAGE | VM_HUGETLB)) return null;
  if (!k.s.config.thp.enabledOrders.includes(order)) return null;
  const size = k.s.config.pageSize * 2 ** order;
  const start = addr - (addr % size);
  if (start < vma.start || start + size > vma.end) return null;
  if (huge_at(k, mm, start) || ptes_populated(k, mm, start, start + size)) return null;
  return start;
}

/** The huge zeropage, allocated on first use (mm_get_huge_zero_page()). */
function huge_zero_folio(k: Kernel): Folio {
  if (k.s.hugeZeroPfn !== null) return folio(k, k.s.hugeZeroPfn);
  const f = folio_alloc(k, filled(pmdSize(k), 0), k.s.config.thp.pmdOrder);
  f.zero = true;
  k.s.hugeZeroPfn = f.pfn;
  return f;
}

function mk_huge_pmd(pfn: number, size: number, hugeZero = false): HugePte {
  return { kind: 'huge', pfn, size, write: false, dirty: false, young: true, softDirty: false, uffdWp: false, hugeZero };
}

/** do_huge_pmd_anonymous_page(): a PMD-mapped THP for a write, the huge zeropage for a read (use_zero_page). */
export function do_huge_pmd_anonymous_page(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): HugeFault {
  const size = pmdSize(k);
  if (!(flags & FAULT_FLAG_WRITE) && k.s.config.thp.useZeroPage) {
    const z = huge_zero_folio(k);
    mm.huge[vpn(k, start)] = mk_huge_pmd(z.pfn, size, true);
    trace(k, 'do_huge_pmd_anonymous_page', `read fault: map the huge zeropage at 0x${start.toString(16)}`);
    return 'done';
  }
  const f = folio_alloc(k, undefined, k.s.config.thp.pmdOrder);
  page_add_new_anon_rmap(k, f, vma, true);
  folio_add_lru(k, f);
  const e = mk_huge_pmd(f.pfn, size);
  mm.huge[vpn(k, start)] = { ...e, dirty: true, softDirty: true, write: (vma.flags & VM_WRITE) !== 0 };
  trace(k, 'do_huge_pmd_anonymous_page', `THP pfn ${f.pfn} (${size >> 10} kB) PMD-mapped at 0x${start.toString(16)}`);
  return 'done';
}

/** __split_huge_pmd(): replace a PMD mapping by PTEs mapping the folio's pages (the huge zeropage: the small zeropage). */
export function __split_huge_pmd(k: Kernel, mm: Mm, start: number): void {
  const e = mm.huge[vpn(k, start)];
  if (!e) return;
  const ps = k.s.config.pageSize;
  const nr = e.size / ps;
  delete mm.huge[vpn(k, start)];
  if (e.hugeZero) {
    for (let i = 0; i < nr; i++) {
      mm.ptes[vpn(k, start + i * ps)] = { kind: 'present', pfn: k.s.zeroPfn, write: false, dirty: false, young: e.young, softDirty: e.softDirty, uffdWp: e.uffdWp, special: true };
    }
    trace(k, '__split_huge_zero_page_pmd', `huge zeropage at 0x${start.toString(16)} -> ${nr} zeropage PTEs`);
    return;
  }
  const f = folio(k, e.pfn);
  if (!f.anon && f.hugetlbKB === undefined) {
    // __split_huge_pmd_locked() for a file VMA (4.8): just clear the PMD; the pages stay in the page cache.
    if (e.dirty) f.dirty = true;
    page_remove_rmap(k, f.pfn, true);
    folio_put(k, f.pfn);
    trace(k, '__split_huge_pmd', `file PMD at 0x${start.toString(16)} cleared (THP pfn ${f.pfn} stays in the page cache)`);
    return;
  }
  // 6.2 __split_huge_pmd_locked(): every page inherits the head's PG_anon_exclusive; each PTE holds a reference.
  const exclusive = f.anon && PageAnonExclusive(k, f.pfn);
  for (let i = 0; i < nr; i++) {
    // Before 0ccf7f168e17 (6.1) the PTEs came out clean; the folio keeps PG_dirty.
    const dirty = k.p.thpSplitKeepsDirty && e.dirty;
    const pte: PresentPte = { kind: 'present', pfn: f.pfn + i, write: e.write, dirty, young: e.young, softDirty: e.softDirty, uffdWp: e.uffdWp, special: false };
    mm.ptes[vpn(k, start + i * ps)] = pte;
    page_pte_mapcount_add(k, f.pfn + i, 1);
    if (exclusive) SetPageAnonExclusive(k, f.pfn + i);
  }
  f.refcount += nr - 1;
  if (e.dirty) f.dirty = true;
  page_remove_rmap(k, f.pfn, true);
  trace(k, '__split_huge_pmd', `PMD at 0x${start.toString(16)} -> ${nr} PTEs of pfn ${f.pfn}${exclusive ? ' (PageAnonExclusive on every page)' : ''}`);
}

/** split_huge_pmd_address(): a VMA boundary or a partial operation inside a PMD mapping splits it (not hugetlb). */
export function split_huge_pmd_address(k: Kernel, mm: Mm, addr: number): void {
  const h = huge_at(k, mm, addr);
  if (!h || h.start === addr) return;
  const f = k.s.folios[h.e.pfn];
  if (f?.hugetlbKB !== undefined) return;
  __split_huge_pmd(k, mm, h.start);
}

/** do_huge_pmd_wp_page(): write or unshare fault on a R/O PMD; 'fallback' after splitting it. */
export function do_huge_pmd_wp_page(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): HugeFault {
  const key = vpn(k, start);
  const e = mm.huge[key]!;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const reuse = (): HugeFault => {
    if (unshare) {
      trace(k, 'do_huge_pmd_wp_page', `unshare: THP pfn ${e.pfn} is exclusive, PMD stays R/O`);
      return 'done';
    }
    mm.huge[key] = { ...e, young: true, dirty: true, softDirty: true, write: (vma.flags & VM_WRITE) !== 0 };
    trace(k, 'do_huge_pmd_wp_page', `THP pfn ${e.pfn} reused`);
    return 'done';
  };
  const fallback = (why: string): HugeFault => {
    if (k.p.thpWpCopyWhole && !unshare) return copy_whole(why);
    trace(k, 'do_huge_pmd_wp_page', `${why}: split the PMD, fall back to PTEs`);
    __split_huge_pmd(k, mm, start);
    return 'fallback';
  };
  // Before 3917c80280c9 (5.8): a new THP holds a copy of all pages (zeroes for the huge zeropage).
  const copy_whole = (why: string, fn = 'do_huge_pmd_wp_page'): HugeFault => {
    const old = e.hugeZero ? null : folio(k, e.pfn);
    const f = folio_alloc(k, old ? old.data : undefined, k.s.config.thp.pmdOrder);
    page_add_new_anon_rmap(k, f, vma, true);
    folio_add_lru(k, f);
    mm.huge[key] = { ...mk_huge_pmd(f.pfn, e.size), dirty: true, softDirty: true, uffdWp: false, write: (vma.flags & VM_WRITE) !== 0 };
    if (old) {
      page_remove_rmap(k, old.pfn, true);
      folio_put(k, old.pfn);
    }
    trace(k, fn, `${why}: ${old ? `THP pfn ${old.pfn} copied whole into` : 'replaced by a zeroed'} THP pfn ${f.pfn}`);
    return 'done';
  };
  if (e.hugeZero) {
    // The huge zeropage is replaced by a fresh zeroed THP (≤5.7 alloc:, 1ced09e0331f do_huge_zero_wp_pmd() from 6.13),
    // writable if the VMA is, also for an unshare fault; 5.8 .. 6.12 split it and let do_wp_page() copy one page.
    // Until 5.7 the alloc: path also needed __transparent_hugepage_enabled(vma); do_huge_zero_wp_pmd() does not ask.
    const enabled = k.s.config.thp.enabledOrders.includes(k.s.config.thp.pmdOrder) && !(vma.flags & VM_NOHUGEPAGE);
    if (k.p.hugeZeroWpThp && (enabled || !k.p.thpWpCopyWhole)) {
      return copy_whole('huge zeropage', k.p.thpWpCopyWhole ? 'do_huge_pmd_wp_page' : 'do_huge_zero_wp_pmd');
    }
    trace(k, 'do_huge_pmd_wp_page', 'huge zeropage: split the PMD, fall back to PTEs');
    __split_huge_pmd(k, mm, start);
    return 'fallback';
  }
  const f = folio(k, e.pfn);
  if (!f.anon) return fallback('not anon');
  const nr = folio_nr_pages(f);
  if (k.p.thpWpReuse === 'reuse_swap_page') {
    // ≤5.17: reuse_swap_page(head) counts mappings (page_trans_huge_mapcount); references are invisible.
    const mapcount = (f.entireMapcount ?? 0) + Math.max(...f.pages!.map((p) => p.mapcount));
    trace(k, 'reuse_swap_page', `THP pfn ${f.pfn} mapcount ${mapcount}`);
    return mapcount <= 1 && !f.swapCache ? reuse() : fallback(`mapcount ${mapcount}`);
  }
  if (k.p.thpWpReuse === 'anon_exclusive' && PageAnonExclusive(k, f.pfn)) return reuse();
  // 5.18 (and 5.19+ for a non-exclusive THP): only the mapping's own reference may remain.
  if (f.refcount > 1 + (f.swapCache ? nr : 0)) return fallback(`refcount ${f.refcount}`);
  if (f.swapCache) try_to_free_swap(k, f);
  if (f.refcount !== 1) return fallback(`refcount ${f.refcount}`);
  page_move_anon_rmap(k, f.pfn, vma);
  return reuse();
}

/** zap_huge_pmd(): unmap a whole PMD mapping. */
export function zap_huge_pmd(k: Kernel, mm: Mm, start: number): void {
  const e = mm.huge[vpn(k, start)];
  if (!e) return;
  delete mm.huge[vpn(k, start)];
  if (e.hugeZero) return;
  const f = folio(k, e.pfn);
  if (e.dirty && !f.anon) f.dirty = true;
  page_remove_rmap(k, f.pfn, true);
  trace(k, 'zap_huge_pmd', `unmap ${f.hugetlbKB !== undefined ? 'hugetlb' : 'THP'} pfn ${f.pfn} at 0x${start.toString(16)}`);
  folio_put(k, f.pfn);
}

/** The PMD mappings of a folio split into PTEs, as an rmap walk with TTU_SPLIT_HUGE_PMD does (split_huge_pmd_address()). */
export function split_huge_pmds(k: Kernel, f: Folio): void {
  for (const mm of Object.values(k.s.mms)) {
    for (const [v, e] of Object.entries(mm.huge)) {
      if (e.pfn === f.pfn && !e.hugeZero) __split_huge_pmd(k, mm, Number(v) * k.s.config.pageSize);
    }
  }
}

/**
 * split_folio() / split_huge_page(): a PTE-mapped large anon folio becomes
 * small folios; fails with extra references (can_split_folio()). The caller
 * holds extraRefs on the head; with `toList` (split_huge_page_to_list() from
 * reclaim) every new folio holds extraRefs, as each goes on reclaim's list.
 */
export function split_folio(k: Kernel, f: Folio, extraRefs: number, toList = false): Folio[] | null {
  if (!f.pages || f.hugetlbKB !== undefined || (f.entireMapcount ?? 0) > 0) return null;
  const nr = folio_nr_pages(f);
  const mapped = f.pages.reduce((n, p) => n + p.mapcount, 0);
  if (f.swapCache || f.refcount !== mapped + extraRefs) {
    trace(k, 'split_folio', `pfn ${f.pfn}: refcount ${f.refcount} != mapcount ${mapped} + ${extraRefs}: cannot split`);
    return null;
  }
  const ps = k.s.config.pageSize;
  const out: Folio[] = [];
  delete k.s.folios[f.pfn];
  for (let i = 0; i < nr; i++) {
    const p = f.pages[i]!;
    const small: Folio = {
      ...f, pfn: f.pfn + i, order: 0, refcount: p.mapcount + (i === 0 || toList ? extraRefs : 0), mapcount: p.mapcount, pincount: 0,
      anonExclusive: p.anonExclusive, data: sliceRuns(f.data, i * ps, (i + 1) * ps),
    };
    delete small.pages;
    delete small.entireMapcount;
    if (small.refcount === 0) continue;
    k.s.folios[small.pfn] = small;
    out.push(small);
  }
  trace(k, 'split_folio', `pfn ${f.pfn} (order ${f.order}) split into ${out.length} ${toList ? 'isolated' : 'mapped'} small folio(s)`);
  return out;
}

/** MADV_HUGEPAGE / MADV_NOHUGEPAGE (hugepage_madvise()). */
export function hugepage_madvise(vma: Vma, on: boolean): void {
  vma.flags = on ? (vma.flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE : (vma.flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE;
}
