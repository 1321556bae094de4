// Page faults (mm/memory.c): handle_mm_fault and its handlers, per era.
import type { Folio, Mm, PresentPte, SwapPte, Vma } from '../model/types.js';
import type { SwapPteFields } from '../arch/types.js';
import {
  FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, VM_HUGETLB, VM_LOCKED, VM_MAYSHARE, VM_NOHUGEPAGE, VM_SHARED, VM_WRITE,
  isCowMapping,
} from '../model/flags.js';
import { type Kernel, trace, ModelBug, folio, vpn } from './context.js';
import {
  PageAnonExclusive, SetPageAnonExclusive, folio_alloc, folio_add_lru, folio_mapcount, folio_mapped, folio_nr_pages, folio_put, lru_add_drain, page_data,
  page_mapcount,
} from './folio.js';
import {
  __split_huge_pmd, do_huge_pmd_anonymous_page, do_huge_pmd_wp_page, huge_at, pmdSize, ptes_populated, thp_vma_suitable, zap_huge_pmd,
} from './huge_memory.js';
import { shmem_pmd_mappable } from './shmem.js';
import { huge_pte_install_uffd_wp_if_needed, hugetlb_fault } from './hugetlb.js';
import {
  page_add_anon_rmap, page_add_file_rmap, page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap,
  anon_vma_prepare, folio_maybe_mapped_shared,
} from './rmap.js';
import { filemap_fault } from './filemap.js';
import {
  decode_swap_pte, free_swap_and_cache, page_swap_entry, read_swap_cache_async, reuse_swap_page, swap_free, swap_slot_data, try_to_free_swap,
  parseEntry, vm_swap_full,
} from './swapfile.js';
import { maybe_mkwrite, mk_pte, pte_at, pte_clear, pte_mkdirty, set_pte_at, vm_normal_page, vma_soft_dirty_enabled } from './pgtable.js';
import { filled } from '../model/bytes.js';
import {
  VM_UFFD_FLAGS, do_huge_pmd_wp_page_uffd, do_wp_page_uffd, handle_pte_none_uffd, pte_install_uffd_wp_if_needed, pte_marker_finish,
  userfaultfd_missing, zap_keeps_pte_marker,
} from './userfaultfd.js';
import { findVma } from './context.js';
import { migration_entry_wait } from './migrate.js';

/** What a fault handler reports back (VM_FAULT_* bits the callers look at). */
export interface FaultResult {
  /** VM_FAULT_WRITE (until 6.2): do_wp_page broke COW or reused the page for writing. */
  write: boolean;
  /** VM_FAULT_SIGBUS / VM_FAULT_OOM / VM_FAULT_HWPOISON (a poisoned PTE marker, 6.6). */
  error: 'sigbus' | 'oom' | 'hwpoison' | null;
}

const OK: FaultResult = { write: false, error: null };
const WROTE: FaultResult = { write: true, error: null };

function fileOf(k: Kernel, vma: Vma) {
  const f = vma.file ? k.s.files[vma.file.ino] : undefined;
  if (!f) throw new ModelBug('file VMA without a file');
  return f;
}

function fileIndex(k: Kernel, vma: Vma, addr: number): number {
  return vma.file!.pgoff + Math.floor((addr - vma.start) / k.s.config.pageSize);
}

/** handle_mm_fault() -> handle_pte_fault(): dispatch on the PTE. */
export function handle_mm_fault(k: Kernel, mm: Mm, vma: Vma, addr: number, flags: number): FaultResult {
  const kind = flags & FAULT_FLAG_UNSHARE ? 'unshare' : flags & FAULT_FLAG_WRITE ? 'write' : 'read';
  trace(k, 'handle_mm_fault', `${kind} fault at 0x${addr.toString(16)}`);
  if (vma.flags & VM_HUGETLB) return hugetlb_fault(k, mm, vma, addr, flags);
  // __handle_mm_fault(): the PMD level first.
  const h = huge_at(k, mm, addr);
  // do_huge_pmd_anonymous_page() hands a missing fault in a VM_UFFD_MISSING VMA to handle_userfault(),
  // which the PTE path below models.
  if (!h) {
    const start = userfaultfd_missing(vma) ? null : thp_vma_suitable(k, mm, vma, addr, k.s.config.thp.pmdOrder);
    if (start !== null && do_huge_pmd_anonymous_page(k, mm, vma, start, flags) === 'done') return OK;
  } else if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE) && !h.e.write && vma.file && !h.e.hugeZero) {
    // wp_huge_pmd(): shmem has no ->huge_fault, so COW or write-notify happens at PTE level: split the PMD
    // (for a file: clear it) and fall back; the refault below maps the page cache again.
    __split_huge_pmd(k, mm, h.start);
  } else if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE) && !h.e.write) {
    // userfaultfd_huge_pmd_wp() first (src/mm/userfaultfd.ts).
    if (do_huge_pmd_wp_page_uffd(k, mm, vma, h.start, addr, flags) === 'go_on' && do_huge_pmd_wp_page(k, mm, vma, h.start, flags) === 'done') {
      return flags & FAULT_FLAG_WRITE ? WROTE : OK;
    }
  } else {
    mm.huge[vpn(k, h.start)] = { ...h.e, young: true, ...(flags & FAULT_FLAG_WRITE ? { dirty: true, softDirty: true } : {}) };
    return OK;
  }
  const pte = pte_at(k, mm, addr);
  if (!pte || pte.kind === 'marker') {
    // userfaultfd: missing and minor faults, and handle_pte_marker() (src/mm/userfaultfd.ts).
    const how = handle_pte_none_uffd(k, mm, vma, addr, pte, flags);
    if (how === 'retry') return OK;
    if (how === 'sigbus' || how === 'hwpoison') return { write: false, error: how };
    const ret = vma.file ? do_fault(k, mm, vma, addr, flags) : do_anonymous_page(k, mm, vma, addr, flags);
    if (how === 'marker') pte_marker_finish(k, mm, addr);
    return ret;
  }
  if (pte.kind === 'swap') return do_swap_page(k, mm, vma, addr, pte, flags);
  if (pte.kind === 'migration') migration_entry_wait(addr);
  if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE) && !pte.write) return do_wp_page(k, mm, vma, addr, pte, flags);
  // A write to a writable PTE only marks it dirty (handle_pte_fault: pte_mkdirty).
  set_pte_at(k, mm, addr, flags & FAULT_FLAG_WRITE ? pte_mkdirty({ ...pte, young: true }) : { ...pte, young: true });
  return OK;
}

/** do_anonymous_page(): the zeropage for reads, a new exclusive page for writes. */
export function do_anonymous_page(k: Kernel, mm: Mm, vma: Vma, addr: number, flags: number): FaultResult {
  if (!(flags & FAULT_FLAG_WRITE)) {
    set_pte_at(k, mm, addr, mk_pte(k.s.zeroPfn, true));
    trace(k, 'do_anonymous_page', `read fault: map the shared zeropage`);
    return OK;
  }
  anon_vma_prepare(k, vma);
  // 6.8 alloc_anon_folio(): the largest enabled mTHP order whose aligned range is empty and inside the VMA.
  // 6.8 alloc_anon_folio(): order 0 when userfaultfd is armed on the VMA.
  if (k.p.mthp && !(vma.flags & VM_UFFD_FLAGS)) {
    const orders = k.s.config.thp.enabledOrders.filter((o) => o < k.s.config.thp.pmdOrder).sort((a, b) => b - a);
    for (const o of orders) {
      const start = thp_vma_suitable(k, mm, vma, addr, o);
      if (start === null) continue;
      const f = folio_alloc(k, undefined, o);
      page_add_new_anon_rmap(k, f, vma);
      folio_add_lru(k, f);
      const nr = 2 ** o;
      f.refcount = nr;
      for (let i = 0; i < nr; i++) set_pte_at(k, mm, start + i * k.s.config.pageSize, maybe_mkwrite(pte_mkdirty(mk_pte(f.pfn + i)), vma));
      trace(k, 'do_anonymous_page', `new anon mTHP pfn ${f.pfn} (order ${o}) PTE-mapped at 0x${start.toString(16)}`);
      return OK;
    }
  }
  const f = folio_alloc(k);
  page_add_new_anon_rmap(k, f, vma);
  folio_add_lru(k, f);
  // Only a writable VMA gets a dirty (and soft-dirty) PTE here.
  set_pte_at(k, mm, addr, vma.flags & VM_WRITE ? { ...pte_mkdirty(mk_pte(f.pfn)), write: true } : mk_pte(f.pfn));
  trace(k, 'do_anonymous_page', `new anon pfn ${f.pfn}${f.anonExclusive ? ' (PageAnonExclusive)' : ''}`);
  return OK;
}

/**
 * do_set_pmd() (4.8), from finish_fault() while the PMD is none: map a
 * PMD-order page-cache folio whole, when the PMD range lies inside the VMA at
 * a file offset aligned like the address. The fault's reference becomes the
 * mapping's. False: fall back to PTEs. Never for a write or unshare fault in
 * a COW mapping ("mm: do not install PMD mappings when handling a COW fault",
 * posted October 2025, taken in every era here): without it an unshare fault
 * from a R/O FOLL_LONGTERM pin (6.2) maps the PMD again and GUP loops forever.
 */
function do_set_pmd(k: Kernel, mm: Mm, vma: Vma, addr: number, f: Folio, flags: number): boolean {
  if (!shmem_pmd_mappable(k, f) || vma.flags & VM_NOHUGEPAGE) return false;
  if (isCowMapping(vma.flags) && flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) return false;
  const size = pmdSize(k);
  const nr = size / k.s.config.pageSize;
  const haddr = addr - (addr % size);
  // transhuge_vma_suitable(): inside the VMA, and the file offset aligned with the virtual address.
  if (haddr < vma.start || haddr + size > vma.end) return false;
  if ((vma.start / k.s.config.pageSize - vma.file!.pgoff) % nr !== 0) return false;
  if (huge_at(k, mm, haddr) || ptes_populated(k, mm, haddr, haddr + size)) return false;
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  page_add_file_rmap(k, f.pfn, true);
  if (write) f.dirty = true;
  // maybe_pmd_mkwrite(pmd_mkdirty()) for a write; x86's pmd_mkdirty() sets soft-dirty too.
  mm.huge[vpn(k, haddr)] = {
    kind: 'huge', pfn: f.pfn, size, write: write && (vma.flags & VM_WRITE) !== 0, dirty: write, young: true,
    softDirty: write, uffdWp: false, hugeZero: false,
  };
  trace(k, 'do_set_pmd', `page-cache THP pfn ${f.pfn} PMD-mapped at 0x${haddr.toString(16)}${write ? ' writable' : ' read-only'}`);
  return true;
}

/** do_fault(): do_read_fault / do_cow_fault / do_shared_fault for file mappings. */
function do_fault(k: Kernel, mm: Mm, vma: Vma, addr: number, flags: number): FaultResult {
  const file = fileOf(k, vma);
  const index = fileIndex(k, vma, addr);
  // shmem_get_folio_gfp(): a page at or past i_size is -EINVAL, VM_FAULT_SIGBUS (a marker left past a truncation too).
  if (index * k.s.config.pageSize >= file.size) {
    trace(k, 'shmem_fault', `page ${index} is beyond i_size ${file.size}: VM_FAULT_SIGBUS`);
    return { write: false, error: 'sigbus' };
  }
  if (!(flags & FAULT_FLAG_WRITE)) {
    // do_read_fault(): map the page-cache page read-only (its whole THP through a PMD where it can).
    const f = filemap_fault(k, file, index, vma);
    if (do_set_pmd(k, mm, vma, addr, f, flags)) return OK;
    const pfn = file.pages[index]!;
    page_add_file_rmap(k, pfn);
    set_pte_at(k, mm, addr, mk_pte(pfn));
    trace(k, 'do_read_fault', `map page-cache pfn ${pfn} read-only`);
    return OK;
  }
  if (!(vma.flags & VM_SHARED)) {
    // do_cow_fault(): a private copy of the page-cache page.
    const src = filemap_fault(k, file, index, vma);
    const spfn = file.pages[index]!;
    anon_vma_prepare(k, vma);
    const f = folio_alloc(k, page_data(k, spfn));
    folio_put(k, src.pfn);
    page_add_new_anon_rmap(k, f, vma);
    folio_add_lru(k, f);
    set_pte_at(k, mm, addr, maybe_mkwrite(pte_mkdirty(mk_pte(f.pfn)), vma));
    trace(k, 'do_cow_fault', `copy of page-cache pfn ${spfn} -> anon pfn ${f.pfn}`);
    return OK;
  }
  // do_shared_fault(): write straight into the page cache.
  const f = filemap_fault(k, file, index, vma);
  if (do_set_pmd(k, mm, vma, addr, f, flags)) return OK;
  const pfn = file.pages[index]!;
  page_add_file_rmap(k, pfn);
  f.dirty = true;
  set_pte_at(k, mm, addr, maybe_mkwrite(pte_mkdirty(mk_pte(pfn)), vma));
  trace(k, 'do_shared_fault', `map page-cache pfn ${pfn} writable`);
  return OK;
}

/** wp_page_reuse(): keep the page, make the PTE writable (if the VMA is) and dirty. */
function wp_page_reuse(k: Kernel, mm: Mm, vma: Vma, addr: number, pte: PresentPte): FaultResult {
  set_pte_at(k, mm, addr, maybe_mkwrite(pte_mkdirty({ ...pte, young: true }), vma));
  trace(k, 'wp_page_reuse', `pfn ${pte.pfn} reused${vma.flags & VM_WRITE ? '' : ' (stays R/O: no VM_WRITE)'}`);
  return WROTE;
}

/** wp_page_copy(): replace the mapped page by a new exclusive copy (R/O for an unshare fault). */
function wp_page_copy(
  k: Kernel, mm: Mm, vma: Vma, addr: number, pte: PresentPte, old: Folio | null, unshare: boolean,
): FaultResult {
  anon_vma_prepare(k, vma);
  const f = folio_alloc(k, old ? page_data(k, pte.pfn) : filled(k.s.config.pageSize, 0));
  page_add_new_anon_rmap(k, f, vma);
  folio_add_lru(k, f);
  // An unshare copy stays R/O and keeps soft-dirty and uffd-wp; a write copy is dirty (soft-dirty) and writable.
  const copied = unshare
    ? { ...mk_pte(f.pfn), softDirty: pte.softDirty, uffdWp: pte.uffdWp }
    : maybe_mkwrite(pte_mkdirty(mk_pte(f.pfn)), vma);
  set_pte_at(k, mm, addr, copied);
  if (old) {
    page_remove_rmap(k, pte.pfn);
    folio_put(k, old.pfn);
  }
  trace(
    k, 'wp_page_copy',
    `${old ? `pfn ${pte.pfn}` : 'zeropage'} replaced by a copy, pfn ${f.pfn}${unshare ? ' (unshare: R/O)' : ''}`,
  );
  // VM_FAULT_WRITE only for a write: an unshare is not one (5.19 .. 6.1).
  return unshare ? OK : WROTE;
}

/** wp_can_reuse_anon_folio() (6.7; the same test inline in do_wp_page since 5.19): refcount-based exclusivity. */
function wp_can_reuse_anon_folio(k: Kernel, f: Folio, pfn: number, vma: Vma): boolean {
  const fn = k.p.wpCanReuseAnonFolio ? 'wp_can_reuse_anon_folio' : 'do_wp_page';
  if (f.order > 0 && k.p.wpReuseLargeAnon === 'never') {
    trace(k, fn, `pfn ${pfn} is a page of order-${f.order} pfn ${f.pfn}: copy (cd197c3a2040)`);
    return false;
  }
  if (f.order > 0 && k.p.wpReuseLargeAnon === 'mm_exclusive') return __wp_can_reuse_large_anon_folio(k, f, pfn);
  if (f.ksm || f.refcount > 3) {
    trace(k, fn, `pfn ${f.pfn} ${f.ksm ? 'is a KSM page' : `refcount ${f.refcount} > 3`}: copy`);
    return false;
  }
  if (!f.lru) lru_add_drain(k);
  if (f.refcount > 1 + (f.swapCache ? 1 : 0)) {
    trace(k, fn, `pfn ${f.pfn} refcount ${f.refcount} > 1 + swapcache: copy`);
    return false;
  }
  if (f.swapCache) try_to_free_swap(k, f);
  if (f.ksm || f.refcount !== 1) {
    trace(k, fn, `pfn ${f.pfn} refcount ${f.refcount} != 1: copy`);
    return false;
  }
  page_move_anon_rmap(k, pfn, vma);
  trace(k, fn, `pfn ${pfn} refcount 1: reuse`);
  return true;
}

/**
 * __wp_can_reuse_large_anon_folio() (1da190f4d0a6, 6.15): reuse a page of a
 * large folio when more than one page of it is mapped, this mm alone maps it
 * (folio_maybe_mapped_shared(), from the MM ids) and every reference is a
 * mapping; do_wp_page() then marks just this page PageAnonExclusive.
 */
function __wp_can_reuse_large_anon_folio(k: Kernel, f: Folio, pfn: number): boolean {
  const fn = '__wp_can_reuse_large_anon_folio';
  const mapcount = folio_mapcount(f);
  if (mapcount <= 1) {
    trace(k, fn, `order-${f.order} pfn ${f.pfn} mapped once: copy, and let the folio go`);
    return false;
  }
  if (folio_maybe_mapped_shared(k, f)) {
    trace(k, fn, `order-${f.order} pfn ${f.pfn} maybe mapped shared: copy`);
    return false;
  }
  if (f.swapCache) try_to_free_swap(k, f);
  if (f.refcount !== mapcount) {
    trace(k, fn, `order-${f.order} pfn ${f.pfn} refcount ${f.refcount} != mapcount ${mapcount}: copy`);
    return false;
  }
  SetPageAnonExclusive(k, pfn);
  trace(k, fn, `order-${f.order} pfn ${f.pfn} mapped by this mm alone, refcount = mapcount ${mapcount}: reuse pfn ${pfn}`);
  return true;
}

/** The era's answer to "may this write fault reuse the anon page in place?" (do_wp_page). */
function anonReuse(k: Kernel, f: Folio, pfn: number, vma: Vma): boolean {
  switch (k.p.wpReuse) {
    case 'reuse_swap_page': {
      if (f.ksm) {
        // 52d1e606ee73 (5.1-5.8): a KSM page only we reference, not in the swap cache, becomes ours again.
        const ok = k.p.wpKsmReuse && !f.swapCache && f.refcount === 1;
        if (ok) f.ksm = false;
        trace(k, 'do_wp_page', `KSM pfn ${f.pfn}: ${ok ? 'reuse' : 'copy'}`);
        if (ok) page_move_anon_rmap(k, pfn, vma);
        return ok;
      }
      // 4.x..5.8: mapcount (+ swapcount) decides; GUP references are invisible.
      if (!reuse_swap_page(k, f, pfn)) return false;
      page_move_anon_rmap(k, pfn, vma);
      return true;
    }
    case 'page_count': {
      // 09854ba94c6a (5.9): reuse only if we hold the only reference.
      const mapcount = page_mapcount(k, pfn);
      const ok = !f.ksm && f.refcount === 1 && mapcount === 1;
      trace(k, 'do_wp_page', `pfn ${pfn} page_count ${f.refcount}, mapcount ${mapcount}: ${ok ? 'reuse' : 'copy'}`);
      return ok;
    }
    case 'page_count_drain':
      // 5.18: refcount with LRU drain and swap-cache freeing.
      return wp_can_reuse_anon_folio(k, f, pfn, vma);
    case 'anon_exclusive':
      if (PageAnonExclusive(k, pfn)) {
        trace(k, 'do_wp_page', `pfn ${pfn} PageAnonExclusive: reuse`);
        return true;
      }
      return wp_can_reuse_anon_folio(k, f, pfn, vma);
  }
}

/** do_wp_page(): write (or unshare) fault on a present, read-only PTE. */
export function do_wp_page(k: Kernel, mm: Mm, vma: Vma, addr: number, orig: PresentPte, flags: number): FaultResult {
  // userfaultfd_pte_wp() comes before any reuse or copy decision (5.7).
  const pte = do_wp_page_uffd(k, mm, vma, addr, orig, flags);
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const page = vm_normal_page(k, pte);
  const shared = (vma.flags & (VM_SHARED | VM_MAYSHARE)) !== 0;
  if (shared) {
    if (unshare) return OK;
    // wp_page_shared() / wp_pfn_shared(): shared mappings never COW.
    if (page) page.dirty = true;
    return wp_page_reuse(k, mm, vma, addr, pte);
  }
  if (page && page.anon) {
    if (anonReuse(k, page, pte.pfn, vma)) {
      if (unshare) {
        trace(k, 'do_wp_page', `unshare: pfn ${pte.pfn} is exclusive now, PTE stays R/O`);
        return OK;
      }
      return wp_page_reuse(k, mm, vma, addr, pte);
    }
    return wp_page_copy(k, mm, vma, addr, pte, page, unshare);
  }
  // The zeropage or a page-cache page in a private mapping: unsharing it needs 8d6a0ac09a16 (6.2).
  if (unshare && !(k.p.unshare === 'anon+longterm' && isCowMapping(vma.flags))) return OK;
  return wp_page_copy(k, mm, vma, addr, pte, page, unshare);
}

/** should_try_to_free_swap() (5.18+). */
function should_try_to_free_swap(k: Kernel, f: Folio, vma: Vma, flags: number): boolean {
  if (!f.swapCache) return false;
  if (vm_swap_full(k, f.swapEntry!) || vma.flags & VM_LOCKED) return true;
  // The fault's reference plus the swap cache's; 4c3f96643687 (6.11) counts one per page of a large folio.
  const cacheRefs = k.p.swapinMapsLargeFolio ? folio_nr_pages(f) : 1;
  return (flags & FAULT_FLAG_WRITE) !== 0 && !f.ksm && f.refcount === 1 + cacheRefs;
}

/** The SWP_SYNCHRONOUS_IO swap-in (4.15..6.18): no page cached for the entry, and only this PTE refers to it. */
function swapin_skips_swapcache(k: Kernel, e: string): boolean {
  const si = k.s.swap[parseEntry(e).type]!;
  return k.p.swapinSkipSwapcache && si.synchronousIo === true && swap_slot_data(k, e).count === 1;
}

/**
 * 508758960b8d (6.11): how many PTEs do_swap_page() maps at once. A large
 * swap-cache folio is mapped whole when the folio's range lies in the VMA and
 * one page table, and every PTE of it is the swap PTE of the matching entry
 * with the same exclusive, soft-dirty and uffd-wp bits (swap_pte_batch());
 * otherwise only the faulting page. Returns the first address and the count.
 */
function swap_pte_batch_folio(k: Kernel, mm: Mm, vma: Vma, addr: number, f: Folio, page: number, orig: SwapPteFields): { at: number; nr: number } {
  const one = { at: addr, nr: 1 };
  if (!k.p.swapinMapsLargeFolio || f.order === 0 || !f.swapCache) return one;
  const ps = k.s.config.pageSize;
  const nr = folio_nr_pages(f);
  const at = addr - (page - f.pfn) * ps;
  const pmd = pmdSize(k);
  if (at < vma.start || at + nr * ps > vma.end || Math.floor(at / pmd) !== Math.floor((at + nr * ps - 1) / pmd)) return one;
  for (let i = 0; i < nr; i++) {
    const pte = pte_at(k, mm, at + i * ps);
    if (pte?.kind !== 'swap') return one;
    const d = decode_swap_pte(k, pte);
    if (d.entry !== page_swap_entry(f, f.pfn + i) || d.exclusive !== orig.exclusive || d.softDirty !== orig.softDirty || d.uffdWp !== orig.uffdWp) return one;
  }
  return { at, nr };
}

/** do_swap_page(): bring a swapped-out page back and decide whether it is exclusive. */
export function do_swap_page(k: Kernel, mm: Mm, vma: Vma, addr: number, spte: SwapPte, flags: number): FaultResult {
  const d = decode_swap_pte(k, spte);
  let f: Folio;
  let fresh = false;
  // The page for this entry: a page of a large folio still in the swap cache is mapped on its own (folio_file_page()).
  let page = k.s.swapCache[d.entry];
  if (page !== undefined) {
    f = folio(k, page);
    f.refcount++;
    trace(k, 'do_swap_page', `${d.entry} found in the swap cache: pfn ${page}${f.order > 0 ? ` (page ${page - f.pfn} of order-${f.order} pfn ${f.pfn})` : ''}`);
  } else if (swapin_skips_swapcache(k, d.entry)) {
    // 0bcac06f27d7 (4.15): a synchronous device and a swap count of 1: read into a fresh page, no swap cache.
    f = folio_alloc(k, swap_slot_data(k, d.entry).data ?? undefined);
    f.anon = true;
    folio_add_lru(k, f);
    page = f.pfn;
    fresh = true;
    trace(k, 'do_swap_page', `SWP_SYNCHRONOUS_IO, swap count 1: ${d.entry} read into fresh pfn ${page}, skipping the swap cache`);
  } else {
    // swapin_readahead(): read the slot into a new swap-cache page; the fault holds a reference.
    f = read_swap_cache_async(k, d.entry);
    f.refcount++;
    page = f.pfn;
  }
  if (k.p.anonExclusive && PageAnonExclusive(k, page)) throw new ModelBug(`swap-cache pfn ${page} is PageAnonExclusive`);
  const batch = swap_pte_batch_folio(k, mm, vma, addr, f, page, d);
  const first = page - (addr - batch.at) / k.s.config.pageSize;
  if (batch.nr > 1) trace(k, 'do_swap_page', `order-${f.order} pfn ${f.pfn} mapped whole: ${batch.nr} swap PTEs from 0x${batch.at.toString(16)}`);
  let write = (flags & FAULT_FLAG_WRITE) !== 0;
  let pte: PresentPte = { ...mk_pte(page), softDirty: d.softDirty, uffdWp: d.uffdWp };
  let exclusive = false;
  let ret = OK;
  switch (k.p.swapinReuse) {
    case 'reuse_swap_page':
      // ≤5.17: a write fault reuses iff reuse_swap_page(); this entry still counts until swap_free().
      if (write && reuse_swap_page(k, f, page)) {
        pte = maybe_mkwrite(pte_mkdirty(pte), vma);
        write = false;
        exclusive = true;
        ret = WROTE;
      }
      swap_free(k, d.entry);
      if (f.swapCache && (vm_swap_full(k, d.entry) || vma.flags & VM_LOCKED)) try_to_free_swap(k, f);
      break;
    case 'page_count':
    case 'exclusive': {
      let excl = false;
      if (k.p.swapinReuse === 'exclusive') {
        // 1493a1913e34: the swap PTE remembers PG_anon_exclusive, where the arch can store it.
        excl = d.exclusive;
        const si = k.s.swap[parseEntry(d.entry).type]!;
        if (excl && f.writeback && si.stableWrites) excl = false;
        trace(k, 'do_swap_page', `pte_swp_exclusive: ${d.exclusive}${k.layout.hasExclusive ? '' : ` (${k.layout.name} has no swap-PTE exclusive bit in this era)`}`);
      }
      // c145e0b47c77 (5.18), then 5.19's "folio != swapcache": a page never exposed to the swap cache is ours alone.
      if (fresh) excl = true;
      for (let i = 0; i < batch.nr; i++) swap_free(k, batch.nr === 1 ? d.entry : page_swap_entry(f, first + i));
      if (should_try_to_free_swap(k, f, vma, flags)) try_to_free_swap(k, f);
      if (!f.ksm && (excl || f.refcount === 1)) {
        exclusive = true;
        const softDirtyOk = !vma_soft_dirty_enabled(k, vma) || pte.softDirty;
        if (write) {
          pte = maybe_mkwrite(pte_mkdirty(pte), vma);
          write = false;
          ret = WROTE;
        } else if (k.p.swapinWritableOnRead && vma.flags & VM_WRITE && !pte.uffdWp && softDirtyOk) {
          // c18160dba5ff (6.11): an exclusive page is mapped writable (not dirty) even on a read fault.
          pte = { ...pte, write: true };
        }
      } else {
        trace(k, 'do_swap_page', `pfn ${page} refcount ${f.refcount}: not known exclusive, map R/O`);
      }
      break;
    }
  }
  // pte_swp_uffd_wp(): the bit comes back write-protected; a write retries into do_wp_page().
  if (pte.uffdWp) pte = { ...pte, write: false };
  // folio_ref_add(folio, nr - 1): the fault's reference becomes one of the nr mappings.
  f.refcount += batch.nr - 1;
  for (let i = 0; i < batch.nr; i++) {
    page_add_anon_rmap(k, first + i, vma, exclusive);
    set_pte_at(k, mm, batch.at + i * k.s.config.pageSize, { ...pte, pfn: first + i });
  }
  trace(k, 'do_swap_page', `pfn ${page} mapped ${pte.write ? 'writable' : 'R/O'}${PageAnonExclusive(k, page) ? ', PageAnonExclusive' : ''}`);
  if (write) return do_wp_page(k, mm, vma, addr, pte, flags);
  return ret;
}

/** zap_pte_range(): unmap pages (munmap, MADV_DONTNEED, exit); dropMarkers is ZAP_FLAG_DROP_MARKER. */
export function zap_pte_range(k: Kernel, mm: Mm, start: number, end: number, dropMarkers = false): void {
  const ps = k.s.config.pageSize;
  // zap_pmd_range(): whole PMD/PUD mappings go at once, partly covered ones are split first.
  for (const key of Object.keys(mm.huge)) {
    const e = mm.huge[key]!;
    const hs = Number(key) * ps;
    if (hs + e.size <= start || hs >= end) continue;
    if (hs >= start && hs + e.size <= end) {
      zap_huge_pmd(k, mm, hs);
      // __unmap_hugepage_range() (5.19): a uffd-wp huge PTE leaves a marker (src/mm/hugetlb.ts).
      if (findVma(mm, hs)?.hugetlb) huge_pte_install_uffd_wp_if_needed(k, mm, hs, e, dropMarkers);
    } else __split_huge_pmd(k, mm, hs);
  }
  for (const v of Object.keys(mm.ptes)) {
    const addr = Number(v) * ps;
    if (addr < start || addr >= end) continue;
    const pte = pte_at(k, mm, addr);
    if (!pte) continue;
    const vma = findVma(mm, addr);
    if (pte.kind === 'marker' && zap_keeps_pte_marker(vma, dropMarkers, pte)) continue;
    pte_clear(k, mm, addr);
    if (!dropMarkers) pte_install_uffd_wp_if_needed(k, mm, vma, addr, pte);
    if (pte.kind === 'present') {
      const f = vm_normal_page(k, pte);
      if (!f) continue;
      if (pte.dirty && !f.anon) f.dirty = true;
      page_remove_rmap(k, pte.pfn);
      trace(k, 'zap_pte_range', `unmap pfn ${pte.pfn} at 0x${addr.toString(16)}`);
      // free_pages_and_swap_cache() -> free_swap_cache(): the last unmap drops an unneeded swap-cache copy.
      if (f.swapCache && !folio_mapped(f)) try_to_free_swap(k, f);
      folio_put(k, f.pfn);
    } else if (pte.kind === 'swap') {
      const d = decode_swap_pte(k, pte);
      trace(k, 'zap_pte_range', `drop swap entry ${d.entry} at 0x${addr.toString(16)}`);
      free_swap_and_cache(k, d.entry);
    }
  }
}
