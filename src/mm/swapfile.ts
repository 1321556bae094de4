// Swap slots, swap counts and the swap cache (mm/swapfile.c, mm/swap_state.c).
import type { Folio, Mm, Pfn, SwapPte, SwapSlot, Vma } from '../model/types.js';
import type { SwapPteFields } from '../arch/types.js';
import { type Kernel, folio, trace, ModelBug } from './context.js';
import { PageAnonExclusive, folio_add_lru, folio_alloc, folio_mapped, folio_nr_pages, folio_put } from './folio.js';
import { sliceRuns } from '../model/bytes.js';
import { page_add_anon_rmap } from './rmap.js';
import { mk_pte } from './pgtable.js';

export type SwapEntry = string;

export function swpEntry(type: number, offset: number): SwapEntry {
  return `${type}:${offset}`;
}

export function parseEntry(e: SwapEntry): { type: number; offset: number } {
  const [t, o] = e.split(':').map(Number) as [number, number];
  return { type: t, offset: o };
}

function slot(k: Kernel, e: SwapEntry): SwapSlot {
  const { type, offset } = parseEntry(e);
  const s = k.s.swap[type]?.slots[offset];
  if (!s) throw new ModelBug(`swap entry ${e} is not allocated`);
  return s;
}

/** Builds a swap PTE through the arch layout: swp_entry_to_pte + pte_swp_mkexclusive/soft_dirty/uffd_wp. */
export function mk_swap_pte(
  k: Kernel,
  e: SwapEntry,
  bits: { exclusive: boolean; softDirty: boolean; uffdWp: boolean },
): SwapPte {
  const { type, offset } = parseEntry(e);
  const val = k.layout.encode({ type, offset: BigInt(offset), ...bits });
  return { kind: 'swap', val: '0x' + val.toString(16) };
}

/** pte_to_swp_entry() and the swap-PTE bits, decoded through the arch layout. */
export function decode_swap_pte(k: Kernel, pte: SwapPte): SwapPteFields & { entry: SwapEntry } {
  const f = k.layout.decode(BigInt(pte.val));
  return { ...f, entry: swpEntry(f.type, Number(f.offset)) };
}

/**
 * get_swap_page() / folio_alloc_swap(): nr free slots, marked SWAP_HAS_CACHE.
 * A large folio needs a whole free cluster of nr slots, naturally aligned
 * (get_swap_pages -> swap_alloc_cluster, 4.13); slot 0, the swap header,
 * keeps the first cluster from ever being free.
 */
export function get_swap_page(k: Kernel, nr = 1): SwapEntry | null {
  for (const dev of k.s.swap) {
    if (dev.off) continue;
    for (let off = nr === 1 ? 1 : nr; off + nr <= dev.nslots; off += nr) {
      let free = true;
      for (let i = 0; i < nr && free; i++) free = !dev.slots[off + i];
      if (!free) continue;
      for (let i = 0; i < nr; i++) dev.slots[off + i] = { count: 0, hasCache: true, data: null };
      return swpEntry(dev.type, off);
    }
  }
  return null;
}

/** The swap entry of one page of a swap-cache folio: a large folio's pages use consecutive slots (swp_offset + folio_page_idx). */
export function page_swap_entry(f: Folio, pfn: Pfn): SwapEntry {
  const { type, offset } = parseEntry(f.swapEntry!);
  return swpEntry(type, offset + (pfn - f.pfn));
}

/** Every swap entry a swap-cache folio holds, first page first. */
function folio_swap_entries(f: Folio): SwapEntry[] {
  return Array.from({ length: folio_nr_pages(f) }, (_, i) => page_swap_entry(f, f.pfn + i));
}

/** swap_duplicate(): one more swap PTE references the slot. */
export function swap_duplicate(k: Kernel, e: SwapEntry): void {
  slot(k, e).count++;
}

/** swap_free(): a swap PTE referencing the slot went away. */
export function swap_free(k: Kernel, e: SwapEntry): void {
  const s = slot(k, e);
  s.count--;
  if (s.count < 0) throw new ModelBug(`swap count underflow on ${e}`);
  maybeReleaseSlot(k, e, s);
}

function maybeReleaseSlot(k: Kernel, e: SwapEntry, s: SwapSlot): void {
  if (s.count === 0 && !s.hasCache) {
    const { type, offset } = parseEntry(e);
    delete k.s.swap[type]!.slots[offset];
    trace(k, 'swap_entry_free', `slot ${e} freed`);
  }
}

/** __swap_count() / page_swapcount(): swap PTEs still referencing the slot of this page of a swap-cache folio. */
export function page_swapcount(k: Kernel, f: Folio, pfn: Pfn = f.pfn): number {
  return f.swapCache && f.swapEntry ? slot(k, page_swap_entry(f, pfn)).count : 0;
}

/** folio_swapped() (page_swapped(), swap_page_trans_huge_swapped()): a swap PTE still refers to any page of the folio. */
export function folio_swapped(k: Kernel, f: Folio): boolean {
  return f.swapCache && folio_swap_entries(f).some((e) => slot(k, e).count > 0);
}

export function swap_slot_data(k: Kernel, e: SwapEntry): SwapSlot {
  return slot(k, e);
}

/** add_to_swap_cache(): every page of the folio under its own entry; the cache holds one reference per page (4.14). */
export function add_to_swap_cache(k: Kernel, f: Folio, e: SwapEntry): void {
  f.swapCache = true;
  f.swapEntry = e;
  f.refcount += folio_nr_pages(f);
  folio_swap_entries(f).forEach((pe, i) => {
    slot(k, pe).hasCache = true;
    k.s.swapCache[pe] = f.pfn + i;
  });
}

/** delete_from_swap_cache(): drop the cache's references and its claim on the slots. */
export function delete_from_swap_cache(k: Kernel, f: Folio): void {
  const e = f.swapEntry;
  if (!e) throw new ModelBug(`pfn ${f.pfn} is not in the swap cache`);
  const entries = folio_swap_entries(f);
  f.swapCache = false;
  f.swapEntry = null;
  for (const pe of entries) {
    delete k.s.swapCache[pe];
    const s = slot(k, pe);
    s.hasCache = false;
    maybeReleaseSlot(k, pe, s);
  }
  trace(k, 'delete_from_swap_cache', `pfn ${f.pfn} left the swap cache (${e}${entries.length > 1 ? ` + ${entries.length - 1}` : ''})`);
  folio_put(k, f.pfn, entries.length);
}

/** folio_free_swap() / try_to_free_swap(): leave the swap cache if no swap PTE and no writeback needs it. */
export function try_to_free_swap(k: Kernel, f: Folio): boolean {
  if (!f.swapCache || f.writeback || folio_swapped(k, f)) return false;
  delete_from_swap_cache(k, f);
  f.dirty = true;
  return true;
}

/**
 * reuse_swap_page() (4.x..5.17, mm/swapfile.c): the mapcount-based exclusivity
 * test of the old COW. On a page of a large folio (4.14
 * page_trans_huge_map_swapcount()) the most-referenced page counts, and the
 * folio leaves the swap cache only if this page's entry is the last in use.
 */
export function reuse_swap_page(k: Kernel, f: Folio, pfn: Pfn = f.pfn): boolean {
  if (f.ksm) return false;
  const entire = f.entireMapcount ?? 0;
  const pages = f.pages ?? [{ mapcount: f.mapcount }];
  const swapcount = (i: number): number => page_swapcount(k, f, f.pfn + i);
  let count = Math.max(...pages.map((p, i) => p.mapcount + entire + swapcount(i)));
  const total = pages.reduce((n, _, i) => n + swapcount(i), 0);
  if (count === 1 && f.swapCache && total === page_swapcount(k, f, pfn)) {
    if (!f.writeback) {
      delete_from_swap_cache(k, f);
      f.dirty = true;
    } else if (k.p.reuseSwapStableWrites && k.s.swap[parseEntry(f.swapEntry!).type]!.stableWrites) {
      count = 2;
    }
  }
  trace(k, 'reuse_swap_page', `${f.order ? `THP pfn ${f.pfn} page ${pfn - f.pfn}:` : `pfn ${f.pfn}`} map+swap count ${count}: ${count <= 1 ? 'reuse' : 'copy'}`);
  return count <= 1;
}

/**
 * free_swap_and_cache(): a zapped swap PTE; once no swap PTE refers to any
 * page of the cached folio, __try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL)
 * drops it from the swap cache if no page of it is mapped or swap is more than
 * half full, unless reclaim holds the folio lock (folio_trylock() fails).
 */
export function free_swap_and_cache(k: Kernel, e: SwapEntry): void {
  const s = slot(k, e);
  const pfn = k.s.swapCache[e];
  swap_free(k, e);
  if (s.count === 0 && pfn !== undefined) {
    const f = folio(k, pfn);
    const locked = Object.values(k.s.ops).some((op) => op.kind === 'reclaim' && op.r.pages[0] === f.pfn);
    if (locked || folio_swapped(k, f)) return;
    if (!folio_mapped(f) || vm_swap_full(k, e)) try_to_free_swap(k, f);
  }
}

/** swap_writepage() of a whole folio: each page's bytes go to its own slot. */
export function swap_writepage(k: Kernel, f: Folio): void {
  const ps = k.s.config.pageSize;
  folio_swap_entries(f).forEach((e, i) => {
    slot(k, e).data = f.order === 0 ? f.data : sliceRuns(f.data, i * ps, (i + 1) * ps);
  });
}

/** end_swap_bio_write() -> folio_end_writeback() for every folio whose swap write is in flight. */
export function end_swap_writeback(k: Kernel): number {
  let n = 0;
  for (const pfn of new Set(Object.values(k.s.swapCache).map((p) => folio(k, p).pfn))) {
    const f = folio(k, pfn);
    if (!f.writeback) continue;
    f.writeback = false;
    n++;
    trace(k, 'folio_end_writeback', `pfn ${pfn} (${f.swapEntry})`);
  }
  return n;
}

/**
 * swapoff(): try_to_unuse() walks every page table and unuse_pte() maps each
 * swapped-out page back, read-only and old; 5.19+ restores PG_anon_exclusive
 * from the swap PTE, where the arch kept it.
 */
export function try_to_unuse(k: Kernel, type: number): number {
  let n = 0;
  for (const mm of Object.values(k.s.mms)) {
    for (const [v, pte] of Object.entries(mm.ptes)) {
      if (pte.kind !== 'swap') continue;
      const d = decode_swap_pte(k, pte);
      if (d.type !== type) continue;
      const addr = Number(v) * k.s.config.pageSize;
      const vma = mm.vmas.find((x) => x.start <= addr && addr < x.end);
      if (!vma) throw new ModelBug(`swap PTE outside any VMA at 0x${addr.toString(16)}`);
      unuse_pte(k, mm, vma, addr, d);
      n++;
    }
  }
  // Every cached page is unmapped from the device now; drop the cache.
  for (const [e, pfn] of Object.entries(k.s.swapCache)) {
    // A large folio left with its first entry.
    if (parseEntry(e).type !== type || k.s.swapCache[e] === undefined) continue;
    const f = folio(k, pfn);
    if (f.writeback) f.writeback = false;
    delete_from_swap_cache(k, f);
    f.dirty = true;
  }
  k.s.swap[type]!.off = true;
  return n;
}

/** unuse_pte(): the swap PTE becomes a present, read-only, old PTE. */
function unuse_pte(k: Kernel, mm: Mm, vma: Vma, addr: number, d: SwapPteFields & { entry: SwapEntry }): void {
  let pfn = k.s.swapCache[d.entry];
  if (pfn === undefined) pfn = read_swap_cache_async(k, d.entry).pfn;
  const f = folio(k, pfn);
  if (k.p.anonExclusive && PageAnonExclusive(k, pfn)) throw new ModelBug(`unuse_pte: swap-cache pfn ${pfn} is PageAnonExclusive`);
  f.refcount++;
  page_add_anon_rmap(k, f.pfn, vma, d.exclusive);
  // 14a762dd1977 (5.19): before it, unuse_pte() lost the soft-dirty and uffd-wp bits.
  const keep = k.p.unuseKeepsSwapBits;
  mm.ptes[String(addr / k.s.config.pageSize)] = { ...mk_pte(pfn), young: false, softDirty: keep && d.softDirty, uffdWp: keep && d.uffdWp };
  swap_free(k, d.entry);
  trace(k, 'unuse_pte', `0x${addr.toString(16)}: ${d.entry} -> pfn ${pfn} R/O${PageAnonExclusive(k, pfn) ? ', PageAnonExclusive' : ''}`);
}

/**
 * __read_swap_cache_async(): a new swap-cache page read from the slot. It goes
 * through the lru_add batch (one more reference until the batch drains), and a
 * one-page readahead window does not drain it.
 */
export function read_swap_cache_async(k: Kernel, e: SwapEntry): Folio {
  const data = slot(k, e).data;
  if (!data) throw new ModelBug(`swap-in of ${e} before it was written`);
  const f = folio_alloc(k, data);
  f.anon = true;
  add_to_swap_cache(k, f, e);
  folio_add_lru(k, f);
  folio_put(k, f.pfn);
  trace(k, 'swap_read_folio', `${e} read into pfn ${f.pfn}`);
  return f;
}

/** vm_swap_full() (mem_cgroup_swap_full() without memcgs): more than half of the slots are in use. */
export function vm_swap_full(k: Kernel, e: SwapEntry): boolean {
  const dev = k.s.swap[parseEntry(e).type]!;
  return Object.keys(dev.slots).length * 2 > dev.nslots;
}
