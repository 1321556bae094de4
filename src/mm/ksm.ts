// Kernel samepage merging (mm/ksm.c): MADV_MERGEABLE / MADV_UNMERGEABLE and
// one ksmd pass over the mergeable VMAs, run on request in steps. The steps
// inside write_protect_page() are the protocol points (A1)-(A4) of
// 088b8aa537c2, so GUP-fast (B1)-(B5) can interleave with them.
import type { Folio, Mm, PresentPte, Vma } from '../model/types.js';
import {
  FAULT_FLAG_REMOTE, FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, MADV_MERGEABLE, VM_HUGETLB, VM_MAYSHARE, VM_MERGEABLE, VM_SHARED,
  VM_UFFD_WP,
} from '../model/flags.js';
import { equalData } from '../model/bytes.js';
import { type Kernel, ModelBug, findVma, folio, mmOf, trace, vpn } from './context.js';
import { PageAnonExclusive, folio_get, folio_mapped, folio_put, lru_add_drain, page_mapcount } from './folio.js';
import { handle_mm_fault } from './memory.js';
import { split_vmas_huge, vma_merge_all } from './mmap.js';
import { mk_pte, pte_at, set_pte_at } from './pgtable.js';
import { page_remove_rmap, page_try_share_anon_rmap } from './rmap.js';
import { try_to_free_swap } from './swapfile.js';

/** An rmap_item: what KSM remembers about a mapped address between passes. */
export interface KsmRmapItem {
  /** oldchecksum: the content seen at the last visit (calc_checksum()); null before the first. */
  checksum: string | null;
  /** age and remaining_skips of smart scan (5e924ff54d08, 6.7). */
  age: number;
  skips: number;
}

/** What outlives a scan: KSM pages of the stable tree, and the rmap_items. */
export interface KsmState {
  /** The stable tree, as a list of KSM page pfns (no stable_node chains, no NUMA trees). */
  stable: number[];
  /** rmap_items by "mm:vpn"; one is dropped when a pass finds no page at its address. */
  items: Record<string, KsmRmapItem>;
}

/** A page of a mergeable VMA that one pass visits. */
interface Item {
  mm: number;
  addr: number;
}

/** The page try_to_merge_one_page() works on, and what write_protect_page() has done to its PTE. */
interface MergeTarget extends Item {
  pfn: number;
  /** The PTE (A1) cleared, restored by (A4) or on failure. */
  cleared: PresentPte | null;
  /** orig_pte for replace_page(): the PTE after write-protection. */
  orig: PresentPte | null;
}

/** One ksmd pass (ksm_do_scan() over every page of the mergeable VMAs) between its steps. */
export interface KsmScanState {
  items: Item[];
  i: number;
  /** Pages this pass merged into a KSM page by replace_page() (pages_sharing gained). */
  merged: number;
  /** The unstable tree of this pass: pages whose content did not change since the last pass. */
  unstable: (Item & { pfn: number })[];
  /** References KSM holds (follow_page(FOLL_GET), get_mergeable_page(), get_ksm_page()). */
  held: number[];
  phase: 'next' | 'cmp' | 'wp' | 'wp_check' | 'wp_restore' | 'merge' | 'fail';
  /** The scanned page, with KSM's reference. */
  cur: (Item & { pfn: number }) | null;
  /**
   * The merge in progress: 'stable' maps the KSM page kpfn at cur; 'two' first
   * turns cur into a KSM page, then maps it at tree (try_to_merge_two_pages()).
   */
  job: { mode: 'stable' | 'two'; kpfn: number | null; tree: (Item & { pfn: number }) | null; target: MergeTarget } | null;
  /** The last step found mmap_lock held for writing. */
  blocked: boolean;
}

function ksmState(k: Kernel): KsmState {
  return (k.s.ksm ??= { stable: [], items: {} });
}

function isMergeable(vma: Vma): boolean {
  return (vma.flags & VM_MERGEABLE) !== 0;
}

/** The references a scan holds, for the refcount invariant. */
export function ksm_held_refs(s: KsmScanState): number[] {
  return s.held;
}

/** The PTE a scan has cleared between (A1) and (A4): it still counts as a mapping (the page table lock is held). */
export function ksm_cleared_pte(s: KsmScanState): { mm: number; addr: number; pte: PresentPte } | null {
  const t = s.job?.target;
  return t?.cleared ? { mm: t.mm, addr: t.addr, pte: t.cleared } : null;
}

/** Does a scan hold this mm's mmap_lock for reading: it has a PTE of it cleared (between (A1) and (A4))? */
export function ksm_holds_mmap_read_lock(k: Kernel, mm: number): boolean {
  return Object.values(k.s.ops).some((op) => op.kind === 'ksm_scan' && ksm_cleared_pte(op.scan)?.mm === mm);
}

/** Is this PTE cleared by a scan that holds its page table lock (between (A1) and (A4))? */
export function ksm_holds_ptl(k: Kernel, mm: number, addr: number): boolean {
  const ps = k.s.config.pageSize;
  for (const op of Object.values(k.s.ops)) {
    if (op.kind !== 'ksm_scan') continue;
    const c = ksm_cleared_pte(op.scan);
    if (c && c.mm === mm && Math.floor(c.addr / ps) === Math.floor(addr / ps)) return true;
  }
  return false;
}

/**
 * ksm_madvise(): MADV_MERGEABLE sets VM_MERGEABLE on private, non-hugetlb
 * VMAs (others are left alone, returning 0); MADV_UNMERGEABLE breaks every
 * KSM page in the range first (unmerge_ksm_pages()), then clears it.
 */
export function ksm_madvise(k: Kernel, mm: Mm, start: number, end: number, advice: number): number {
  const vmas = split_vmas_huge(k, mm, start, end);
  for (const v of vmas) {
    if (advice === MADV_MERGEABLE) {
      if (v.flags & (VM_SHARED | VM_MAYSHARE | VM_HUGETLB)) continue;
      v.flags |= VM_MERGEABLE;
      ksmState(k);
    } else {
      if (!isMergeable(v)) continue;
      if (v.anonVma !== null) {
        for (let a = v.start; a < v.end; a += k.s.config.pageSize) break_ksm(k, mm, v, a);
      }
      v.flags &= ~VM_MERGEABLE;
    }
  }
  vma_merge_all(k, mm);
  trace(k, 'ksm_madvise', `${advice === MADV_MERGEABLE ? 'VM_MERGEABLE set' : 'unmerged, VM_MERGEABLE cleared'} on 0x${start.toString(16)}-0x${end.toString(16)}`);
  return 0;
}

/** The KSM page mapped at addr, if any (break_ksm_pmd_entry() / follow_page() + PageKsm). */
function ksmPageAt(k: Kernel, mm: Mm, addr: number): Folio | null {
  const pte = pte_at(k, mm, addr);
  if (pte?.kind !== 'present' || pte.special) return null;
  const f = folio(k, pte.pfn);
  return f.ksm ? f : null;
}

/**
 * break_ksm(): fault until no KSM page is mapped at addr. A write fault until
 * 6.1; on a uffd-wp protected PTE that ends in handle_userfault() without
 * FAULT_FLAG_ALLOW_RETRY, VM_FAULT_SIGBUS, and break_ksm() returns 0 with the
 * KSM page still mapped. 6cce3314b928 (6.2) unshares instead, which uffd-wp
 * does not stop. Only VM_FAULT_OOM would be an error, and the model has none.
 */
export function break_ksm(k: Kernel, mm: Mm, vma: Vma, addr: number): number {
  const flags = (k.p.ksmBreakUnshare ? FAULT_FLAG_UNSHARE : FAULT_FLAG_WRITE) | FAULT_FLAG_REMOTE;
  for (let tries = 0; ; tries++) {
    const kpage = ksmPageAt(k, mm, addr);
    if (!kpage) return 0;
    if (tries > 2) throw new ModelBug(`break_ksm(): KSM pfn ${kpage.pfn} still mapped at 0x${addr.toString(16)} after ${tries} faults`);
    const pte = pte_at(k, mm, addr) as PresentPte;
    trace(k, 'break_ksm', `0x${addr.toString(16)}: KSM pfn ${kpage.pfn}: ${k.p.ksmBreakUnshare ? 'FAULT_FLAG_UNSHARE' : 'FAULT_FLAG_WRITE'}`);
    if (!k.p.ksmBreakUnshare && pte.uffdWp && vma.flags & VM_UFFD_WP) {
      trace(k, 'handle_userfault', 'FAULT_FLAG_ALLOW_RETRY missing: VM_FAULT_SIGBUS, the KSM page stays');
      return 0;
    }
    // Until 6cce3314b928 (6.2) break_ksm() looked the page up with follow_page(FOLL_GET) and held that
    // reference across the fault, so do_wp_page() never found the KSM page referenced once and copied it.
    if (!k.p.ksmBreakUnshare) folio_get(k, kpage.pfn);
    const failed = handle_mm_fault(k, mm, vma, addr, flags).error;
    if (!k.p.ksmBreakUnshare) folio_put(k, kpage.pfn);
    if (failed) return 0;
  }
}

/** ksm_do_scan() for one full pass: every page of every mergeable VMA, mm by mm. */
export function ksm_scan_init(k: Kernel): KsmScanState {
  const items: Item[] = [];
  const ps = k.s.config.pageSize;
  for (const id of Object.keys(k.s.mms).map(Number).sort((a, b) => a - b)) {
    for (const v of mmOf(k, id).vmas) {
      // Anon pages of private file mappings count too; a VMA without an anon_vma has none.
      if (!isMergeable(v) || v.anonVma === null || v.flags & (VM_SHARED | VM_MAYSHARE | VM_HUGETLB)) continue;
      for (let a = v.start; a < v.end; a += ps) items.push({ mm: id, addr: a });
    }
  }
  return { items, i: 0, merged: 0, unstable: [], held: [], phase: 'next', cur: null, job: null, blocked: false };
}

export function ksm_scan_done(s: KsmScanState): boolean {
  return s.phase === 'next' && s.i >= s.items.length;
}

/** The content key calc_checksum() stands for (the model compares whole pages, so no collisions). */
function checksum(f: Folio): string {
  return f.data.join(',');
}

function put(k: Kernel, s: KsmScanState, pfn: number): void {
  s.held.splice(s.held.indexOf(pfn), 1);
  folio_put(k, pfn);
}

function get(k: Kernel, s: KsmScanState, pfn: number): void {
  folio(k, pfn).refcount++;
  s.held.push(pfn);
}

/** The small anon page a mergeable address maps, for a lookup that takes no reference. */
function anonPageAt(k: Kernel, it: Item): Folio | null {
  const mm = k.s.mms[it.mm];
  if (!mm || !findVma(mm, it.addr) || !isMergeable(findVma(mm, it.addr)!)) return null;
  const pte = mm.ptes[vpn(k, it.addr)];
  if (pte?.kind !== 'present' || pte.special) return null;
  const f = folio(k, pte.pfn);
  // Large folios are left alone (the kernel would split them in try_to_merge_one_page()).
  if (!f.anon || f.order > 0 || f.zero) return null;
  return f;
}

/** get_ksm_page() on the stable tree: stale nodes (freed or no longer KSM pages) are dropped. */
function stableTree(k: Kernel): number[] {
  const st = ksmState(k);
  st.stable = st.stable.filter((pfn) => k.s.folios[pfn]?.ksm);
  return st.stable;
}

/** One step of a ksmd pass; returns its label. */
export function ksm_scan_step(k: Kernel, s: KsmScanState): string {
  // scan_get_next_rmap_item() and try_to_merge_with_ksm_page() take mmap_read_lock: they wait while fork() holds it.
  const mmId = s.phase === 'next' ? s.items[s.i]?.mm : s.phase === 'wp' ? s.job!.target.mm : undefined;
  s.blocked = mmId !== undefined && (k.s.mms[mmId]?.mmapLockedBy ?? null) !== null;
  if (s.blocked) {
    trace(k, 'mmap_read_lock', 'waits: mmap_lock is held for writing (fork)');
    return 'mmap_read_lock';
  }
  switch (s.phase) {
    case 'next':
      return scan_get_next_rmap_item(k, s);
    case 'cmp':
      return cmp_and_merge_page(k, s);
    case 'wp':
      return write_protect_page(k, s);
    case 'wp_check':
      return write_protect_check(k, s);
    case 'wp_restore':
      return write_protect_restore(k, s);
    case 'merge':
      return try_to_merge_one_page(k, s);
    case 'fail':
      return merge_failed(k, s);
  }
}

function itemKey(k: Kernel, it: Item): string {
  return `${it.mm}:${vpn(k, it.addr)}`;
}

/** skip_age(): how many passes a page that still did not merge is skipped. */
function skip_age(age: number): number {
  return age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
}

/**
 * should_skip_rmap_item() (smart scan, 5e924ff54d08, 6.7, on by default):
 * a page not yet merged after three visits is skipped for a growing number of
 * passes; KSM pages never are.
 */
function should_skip_rmap_item(k: Kernel, f: Folio, item: KsmRmapItem): boolean {
  if (!k.p.ksmSmartScan || f.ksm) return false;
  const age = item.age;
  if (age < 255) item.age++;
  if (age < 3) return false;
  if (item.skips === 0) {
    item.skips = skip_age(age);
    return false;
  }
  item.skips--;
  return true;
}

/** scan_get_next_rmap_item(): the next anon page of a mergeable VMA, with a reference (follow_page(FOLL_GET)). */
function scan_get_next_rmap_item(k: Kernel, s: KsmScanState): string {
  // "A number of pages can hang around indefinitely on per-cpu pagevecs": drained once per pass.
  if (s.i === 0) lru_add_drain(k);
  const items = ksmState(k).items;
  while (s.i < s.items.length) {
    const it = s.items[s.i++]!;
    const f = anonPageAt(k, it);
    const key = itemKey(k, it);
    if (!f) {
      // get_next_rmap_item() frees the items of addresses that no longer map a page.
      delete items[key];
      continue;
    }
    const item = (items[key] ??= { checksum: null, age: 0, skips: 0 });
    if (should_skip_rmap_item(k, f, item)) {
      trace(k, 'should_skip_rmap_item', `0x${it.addr.toString(16)}: pfn ${f.pfn} skipped (${item.skips} more pass(es) to skip)`);
      continue;
    }
    get(k, s, f.pfn);
    s.cur = { ...it, pfn: f.pfn };
    s.phase = 'cmp';
    return 'scan_get_next_rmap_item';
  }
  trace(k, 'ksm_do_scan', `pass done: ${s.merged} page(s) merged`);
  return 'ksm_do_scan';
}

function endPage(k: Kernel, s: KsmScanState): void {
  for (const pfn of [...s.held]) put(k, s, pfn);
  s.cur = null;
  s.job = null;
  s.phase = 'next';
}

function target(it: Item & { pfn: number }): MergeTarget {
  return { mm: it.mm, addr: it.addr, pfn: it.pfn, cleared: null, orig: null };
}

/**
 * cmp_and_merge_page(): a KSM page with the same content in the stable tree
 * is mapped instead; otherwise a page whose content changed since the last
 * pass only gets its checksum recorded; otherwise an identical page of the
 * unstable tree is merged with it, or it goes into the unstable tree.
 */
function cmp_and_merge_page(k: Kernel, s: KsmScanState): string {
  const cur = s.cur!;
  const f = folio(k, cur.pfn);
  const at = `0x${cur.addr.toString(16)}`;
  if (f.ksm) {
    // stable_tree_search(): "ksm page forked" -- already shared, nothing to do.
    trace(k, 'cmp_and_merge_page', `${at}: pfn ${cur.pfn} is a KSM page already`);
    endPage(k, s);
    return 'cmp_and_merge_page';
  }
  // The page is new or changing: wait a pass before trusting its content (d58a361b0350, 6.11: before the stable tree too).
  const changed = (): boolean => {
    const item = ksmState(k).items[itemKey(k, cur)]!;
    const sum = checksum(f);
    if (item.checksum === sum) return false;
    item.checksum = sum;
    trace(k, 'cmp_and_merge_page', `${at}: pfn ${cur.pfn} checksum recorded`);
    endPage(k, s);
    return true;
  };
  if (k.p.ksmChecksumFirst && changed()) return 'cmp_and_merge_page';
  const kpfn = stableTree(k).find((pfn) => pfn !== cur.pfn && equalData(folio(k, pfn).data, f.data));
  if (kpfn !== undefined) {
    get(k, s, kpfn);
    s.job = { mode: 'stable', kpfn, tree: null, target: target(cur) };
    s.phase = 'wp';
    trace(k, 'stable_tree_search', `${at}: pfn ${cur.pfn} matches KSM pfn ${kpfn}`);
    return 'stable_tree_search';
  }
  if (!k.p.ksmChecksumFirst && changed()) return 'cmp_and_merge_page';
  // unstable_tree_search_insert(): only entries still mapping the same anon page count (get_mergeable_page()).
  const tree = s.unstable.find((u) => {
    const g = anonPageAt(k, u);
    return g !== null && g.pfn === u.pfn && !g.ksm && equalData(g.data, f.data);
  });
  if (!tree) {
    s.unstable.push({ ...cur });
    trace(k, 'unstable_tree_search_insert', `${at}: pfn ${cur.pfn} inserted into the unstable tree`);
    endPage(k, s);
    return 'unstable_tree_search_insert';
  }
  if (tree.pfn === cur.pfn) {
    trace(k, 'unstable_tree_search_insert', `${at}: pfn ${cur.pfn} found itself (mapped twice)`);
    endPage(k, s);
    return 'unstable_tree_search_insert';
  }
  get(k, s, tree.pfn);
  s.job = { mode: 'two', kpfn: null, tree, target: target(cur) };
  s.phase = 'wp';
  trace(k, 'unstable_tree_search_insert', `${at}: pfn ${cur.pfn} matches pfn ${tree.pfn} of the unstable tree`);
  return 'unstable_tree_search_insert';
}

/**
 * write_protect_page(): a PTE that is writable, dirty, or maps a
 * PageAnonExclusive page (6c287605fd56, 5.19) is cleared first (A1); a clean
 * R/O PTE of a page that may be shared is left as it is, unchecked.
 */
function write_protect_page(k: Kernel, s: KsmScanState): string {
  const t = s.job!.target;
  const mm = k.s.mms[t.mm];
  const pte = mm ? pte_at(k, mm, t.addr) : undefined;
  const f = k.s.folios[t.pfn];
  if (!mm || pte?.kind !== 'present' || pte.pfn !== t.pfn || !f?.anon) {
    trace(k, 'write_protect_page', `0x${t.addr.toString(16)}: pfn ${t.pfn} no longer mapped here: -EFAULT`);
    s.phase = 'fail';
    return 'write_protect_page';
  }
  const exclusive = k.p.anonExclusive && PageAnonExclusive(k, t.pfn);
  if (!pte.write && !pte.dirty && !exclusive) {
    t.orig = pte;
    s.phase = 'merge';
    trace(k, 'write_protect_page', `0x${t.addr.toString(16)}: pfn ${t.pfn} already R/O and clean: PTE unchanged`);
    return 'write_protect_page';
  }
  // (A1) ptep_clear_flush(): from here GUP-fast cannot pin through this PTE.
  t.cleared = pte;
  delete mm.ptes[vpn(k, t.addr)];
  s.phase = 'wp_check';
  trace(k, 'ptep_clear_flush', `0x${t.addr.toString(16)}: PTE to pfn ${t.pfn} cleared`);
  return 'ptep_clear_flush';
}

function restore(k: Kernel, t: MergeTarget, pte: PresentPte): void {
  const mm = k.s.mms[t.mm];
  if (mm) set_pte_at(k, mm, t.addr, pte);
  t.cleared = null;
}

/**
 * The checks under the cleared PTE: "no O_DIRECT or similar I/O in
 * progress" (mapcount + 1 + swapcache == refcount, every era), then (A2)
 * and (A3): page_try_share_anon_rmap() backs off from a maybe-pinned page,
 * else clears PageAnonExclusive.
 */
function write_protect_check(k: Kernel, s: KsmScanState): string {
  const t = s.job!.target;
  const f = folio(k, t.pfn);
  const exclusive = k.p.anonExclusive && PageAnonExclusive(k, t.pfn);
  const expected = page_mapcount(k, t.pfn) + 1 + (f.swapCache ? 1 : 0);
  if (f.refcount !== expected) {
    trace(k, 'write_protect_page', `pfn ${t.pfn} page_count ${f.refcount} != mapcount + 1 + swapcache = ${expected}: restore the PTE, -EFAULT`);
    restore(k, t, t.cleared!);
    s.phase = 'fail';
    return exclusive ? 'page_try_share_anon_rmap' : 'write_protect_page';
  }
  if (exclusive && page_try_share_anon_rmap(k, t.pfn) !== 0) {
    restore(k, t, t.cleared!);
    s.phase = 'fail';
    return 'page_try_share_anon_rmap';
  }
  s.phase = 'wp_restore';
  return exclusive ? 'page_try_share_anon_rmap' : 'write_protect_page';
}

/** (A4) set_pte_at(): the PTE back, write-protected and clean; a dirty PTE's dirtiness moves to the page. */
function write_protect_restore(k: Kernel, s: KsmScanState): string {
  const t = s.job!.target;
  const old = t.cleared!;
  if (old.dirty) folio(k, t.pfn).dirty = true;
  const pte: PresentPte = { ...old, write: false, dirty: false };
  restore(k, t, pte);
  t.orig = pte;
  s.phase = 'merge';
  trace(k, 'set_pte_at', `0x${t.addr.toString(16)}: pfn ${t.pfn} mapped R/O and clean again`);
  return 'set_pte_at';
}

/**
 * try_to_merge_one_page() after write_protect_page() succeeded: with no KSM
 * page yet, the page itself becomes one (set_page_stable_node(), SetPageDirty
 * so that reclaim would swap it); else replace_page() maps the KSM page
 * instead, if the contents are still identical (pages_identical()).
 */
function try_to_merge_one_page(k: Kernel, s: KsmScanState): string {
  const job = s.job!;
  const t = job.target;
  if (job.kpfn === null) {
    const f = folio(k, t.pfn);
    f.ksm = true;
    f.dirty = true;
    job.kpfn = t.pfn;
    trace(k, 'try_to_merge_one_page', `pfn ${t.pfn} is a KSM page now`);
    // try_to_merge_two_pages(): now map it in place of the unstable tree's page.
    job.target = target(job.tree!);
    s.phase = 'wp';
    return 'try_to_merge_one_page';
  }
  const kpage = folio(k, job.kpfn);
  const mm = k.s.mms[t.mm];
  const now = mm ? pte_at(k, mm, t.addr) : undefined;
  if (!mm || !kpage.ksm || !equalData(folio(k, t.pfn).data, kpage.data) || JSON.stringify(now) !== JSON.stringify(t.orig)) {
    trace(k, 'replace_page', `0x${t.addr.toString(16)}: pfn ${t.pfn} changed (content or PTE): -EFAULT`);
    s.phase = 'fail';
    return 'replace_page';
  }
  replace_page(k, mm, t, kpage);
  s.merged++;
  if (job.mode === 'two') {
    ksmState(k).stable.push(kpage.pfn);
    s.unstable = s.unstable.filter((u) => u.pfn !== t.pfn);
    trace(k, 'stable_tree_insert', `KSM pfn ${kpage.pfn}`);
  }
  endPage(k, s);
  return 'replace_page';
}

/** replace_page(): map the KSM page R/O at the address and drop the page's mapping (then try_to_free_swap() if unmapped). */
function replace_page(k: Kernel, mm: Mm, t: MergeTarget, kpage: Folio): void {
  kpage.refcount++;
  kpage.mapcount++;
  // mk_pte(kpage, vma->vm_page_prot): a fresh R/O PTE, without the old one's soft-dirty or uffd-wp bit.
  set_pte_at(k, mm, t.addr, mk_pte(kpage.pfn));
  page_remove_rmap(k, t.pfn);
  const old = folio(k, t.pfn);
  if (!folio_mapped(old) && old.swapCache) try_to_free_swap(k, old);
  folio_put(k, t.pfn);
  trace(k, 'replace_page', `0x${t.addr.toString(16)}: pfn ${t.pfn} replaced by KSM pfn ${kpage.pfn}`);
}

/**
 * A merge that failed: after try_to_merge_two_pages() turned the scanned page
 * into a KSM page but could not map it in place of the other, break_cow()
 * breaks that lone KSM page again.
 */
function merge_failed(k: Kernel, s: KsmScanState): string {
  const job = s.job!;
  const cur = s.cur!;
  let label = 'try_to_merge_one_page';
  if (job.mode === 'two' && job.kpfn !== null) {
    const mm = k.s.mms[cur.mm];
    const vma = mm ? findVma(mm, cur.addr) : undefined;
    if (mm && vma) {
      trace(k, 'break_cow', `0x${cur.addr.toString(16)}: KSM pfn ${job.kpfn} has one mapping: break it`);
      break_ksm(k, mm, vma, cur.addr);
    }
    label = 'break_cow';
  }
  endPage(k, s);
  return label;
}

/** Invariants of KSM pages: never PageAnonExclusive, never mapped writable, always anon. */
export function ksm_invariants(s: import('../model/types.js').KernelState): { invariant: string; detail: string }[] {
  const out: { invariant: string; detail: string }[] = [];
  for (const f of Object.values(s.folios)) {
    if (!f.ksm) continue;
    if (f.anonExclusive) out.push({ invariant: 'ksm-exclusive', detail: `KSM pfn ${f.pfn} is PageAnonExclusive` });
    if (!f.anon || f.order > 0) out.push({ invariant: 'ksm-not-small-anon', detail: `KSM pfn ${f.pfn} is not a small anon page` });
  }
  for (const mm of Object.values(s.mms)) {
    for (const v in mm.ptes) {
      const pte = mm.ptes[v]!;
      if (pte.kind === 'present' && pte.write && s.folios[pte.pfn]?.ksm) {
        out.push({ invariant: 'writable-ksm', detail: `a writable PTE maps KSM pfn ${pte.pfn}` });
      }
    }
  }
  return out;
}
