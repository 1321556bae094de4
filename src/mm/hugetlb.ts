// hugetlb (mm/hugetlb.c): pools with reservations, private and memfd
// mappings, hugetlb_fault / hugetlb_no_page / hugetlb_wp, fork and GUP.
// Reuse stays mapcount-based in every era (hugetlb_wp), which is why the
// vmsplice cases of cow.c fail on hugetlb.
// userfaultfd: missing faults (4.11) and uffd-wp (5.19) on huge PTEs. A
// hugetlb VMA has no PTE-level entries, so a huge PTE marker is kept in
// mm.ptes at the first page of its huge page.
import type { File, Folio, HugePte, Mm, Vma } from '../model/types.js';
import { EEXIST, EFAULT, EINVAL, ENOMEM, ENOSPC, FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, VM_SHARED, VM_WRITE, isCowMapping } from '../model/flags.js';
import { type Kernel, trace, folio, vpn } from './context.js';
import { PageAnonExclusive, folio_alloc, folio_put } from './folio.js';
import { page_add_file_rmap, page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap, page_needs_cow_for_dma, page_try_dup_anon_rmap } from './rmap.js';
import type { FaultResult } from './memory.js';
import { filled, spliceRuns, writeBytes } from '../model/bytes.js';
import { zap_pte_range } from './memory.js';
import { handle_userfault, userfaultfd_missing, userfaultfd_wp, userfaultfd_wp_async } from './userfaultfd.js';
import { zap_huge_pmd } from './huge_memory.js';

const OK: FaultResult = { write: false, error: null };
const WROTE: FaultResult = { write: true, error: null };

function pool(k: Kernel, kb: number) {
  return k.s.hugetlb[String(kb)];
}

/** hugetlb_reserve_pages(): a private mapping reserves its pages at mmap() time; false if the pool cannot. */
export function hugetlb_reserve_pages(k: Kernel, kb: number, nr: number): boolean {
  const p = pool(k, kb);
  if (!p || p.free - p.resv < nr) {
    trace(k, 'hugetlb_reserve_pages', `${nr} x ${kb} kB: not enough free huge pages`);
    return false;
  }
  p.resv += nr;
  return true;
}

/** hugetlb_vm_op_close(): give back what the mapping reserved and never used. */
export function hugetlb_unreserve(k: Kernel, vma: Vma): void {
  if (!vma.hugetlb) return;
  const p = pool(k, vma.hugetlb.kb);
  if (p) p.resv -= vma.hugetlb.resv;
  vma.hugetlb.resv = 0;
}

/** alloc_hugetlb_folio(): from the VMA's reservation, else from the unreserved free pages. */
export function alloc_hugetlb_folio(k: Kernel, kb: number, vma: Vma | null): Folio | null {
  const p = pool(k, kb);
  if (!p) return null;
  if (vma?.hugetlb && vma.hugetlb.resv > 0) {
    vma.hugetlb.resv--;
    p.resv--;
  } else if (p.free - p.resv <= 0) {
    trace(k, 'alloc_hugetlb_folio', `no free ${kb} kB huge page`);
    return null;
  }
  p.free--;
  const ps = k.s.config.pageSize;
  const f = folio_alloc(k, filled(kb * 1024, 0), Math.log2((kb * 1024) / ps));
  f.pages = [{ mapcount: 0, anonExclusive: false }];
  f.hugetlbKB = kb;
  f.lru = true;
  return f;
}

function hugeSize(vma: Vma): number {
  return vma.hugetlb!.kb * 1024;
}

/** hugetlb_fault(): dispatch for a VM_HUGETLB mapping. */
export function hugetlb_fault(k: Kernel, mm: Mm, vma: Vma, addr: number, flags: number): FaultResult {
  const size = hugeSize(vma);
  const start = addr - (addr % size);
  let e = mm.huge[vpn(k, start)];
  // huge_pte_none_mostly(): a marker is faulted in like a none entry.
  if (!e) return hugetlb_no_page(k, mm, vma, start, flags);
  // hugetlb_fault() (166f3ecc0daf, 5.19): a write to a uffd-wp huge PTE goes to the monitor before any COW; unsharing is not a write.
  if (flags & FAULT_FLAG_WRITE && !e.write && e.uffdWp && userfaultfd_wp(vma)) {
    if (!userfaultfd_wp_async(k, vma)) handle_userfault(k, vma, start, flags, 'wp');
    // 6.7 WP_ASYNC: the bit is dropped and the write goes on.
    e = { ...e, uffdWp: false };
    mm.huge[vpn(k, start)] = e;
    trace(k, 'hugetlb_fault', `UFFD_FEATURE_WP_ASYNC: uffd-wp cleared at 0x${start.toString(16)}`);
  }
  if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE) && !e.write) return hugetlb_wp(k, mm, vma, start, flags);
  mm.huge[vpn(k, start)] = { ...e, young: true, ...(flags & FAULT_FLAG_WRITE ? { dirty: true } : {}) };
  return OK;
}

/** Is there a huge PTE marker (PTE_MARKER_UFFD_WP) for the huge page at start? */
export function huge_pte_marker(k: Kernel, mm: Mm, start: number): boolean {
  return mm.ptes[vpn(k, start)]?.kind === 'marker';
}

function set_huge_pte_marker(k: Kernel, mm: Mm, start: number): void {
  mm.ptes[vpn(k, start)] = { kind: 'marker', uffdWp: true };
}

function huge_pte_clear_marker(k: Kernel, mm: Mm, start: number): void {
  delete mm.ptes[vpn(k, start)];
}

function mk_huge_pte(pfn: number, size: number, write: boolean): HugePte {
  return { kind: 'huge', pfn, size, write, dirty: write, young: true, softDirty: false, uffdWp: false, hugeZero: false };
}

/** The hugetlbfs page-cache folio of a file at a huge-page index (a free pool page; private mappings' reservations are for their COW copies). */
export function hugetlbfs_get_folio(k: Kernel, file: File, index: number): Folio | null {
  const pfn = file.pages[index];
  if (pfn !== undefined) return folio(k, pfn);
  const f = alloc_hugetlb_folio(k, file.hugetlbKB!, null);
  if (!f) return null;
  f.mapping = { ino: file.ino, index };
  f.refcount = 1;
  file.pages[index] = f.pfn;
  trace(k, 'hugetlb_add_to_page_cache', `${file.name} huge page ${index} -> pfn ${f.pfn}`);
  return f;
}

/**
 * hugetlb_no_page(): a new anon huge page, or the page-cache page (mapped
 * R/O in a private mapping). A missing page of a VM_UFFD_MISSING VMA goes
 * to the monitor first (hugetlb_handle_userfault, 4.11: at the huge page's
 * address); an entry that replaces a uffd-wp marker is mapped uffd-wp and
 * write-protected (5.19).
 */
function hugetlb_no_page(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): FaultResult {
  const size = hugeSize(vma);
  if (vma.hugetlb!.unmapped) {
    // "PID %d killed due to inadequate hugepage pool": any missing page of a mapping unmap_ref_private() emptied.
    trace(k, 'hugetlb_no_page', `0x${start.toString(16)}: the owner took this mapping's pages (HPAGE_RESV_UNMAPPED): killed due to inadequate hugepage pool, SIGBUS`);
    return { write: false, error: 'sigbus' };
  }
  const marker = huge_pte_marker(k, mm, start);
  const key = vpn(k, start);
  const wp = (e: HugePte): HugePte => (marker ? { ...e, write: false, uffdWp: true } : e);
  if (vma.file) {
    const file = k.s.files[vma.file.ino]!;
    const index = vma.file.pgoff / (size / k.s.config.pageSize) + (start - vma.start) / size;
    // i_size first: a fault past the end of the file (after truncation) is SIGBUS, whatever marker is left.
    if (index * size >= file.size) {
      trace(k, 'hugetlb_no_page', `huge page ${index} is beyond i_size ${file.size}: VM_FAULT_SIGBUS`);
      return { write: false, error: 'sigbus' };
    }
    if (file.pages[index] === undefined && userfaultfd_missing(vma)) handle_userfault(k, vma, start, flags, 'missing');
    // 7677f7fd8be7 (5.13): a page already in the page cache is a minor fault for a VM_UFFD_MINOR VMA (before any marker).
    if (file.pages[index] !== undefined && vma.uffdMinor) handle_userfault(k, vma, start, flags, 'minor');
    const f = hugetlbfs_get_folio(k, file, index);
    if (!f) return { write: false, error: 'sigbus' };
    f.refcount++;
    page_add_file_rmap(k, f.pfn, true);
    const shared = (vma.flags & VM_SHARED) !== 0;
    if (marker) huge_pte_clear_marker(k, mm, start);
    mm.huge[key] = wp(mk_huge_pte(f.pfn, size, shared && (vma.flags & VM_WRITE) !== 0));
    trace(k, 'hugetlb_no_page', `map page-cache huge page pfn ${f.pfn}${shared ? '' : ' R/O (private)'}${marker ? ', uffd-wp from the marker' : ''}`);
    if (flags & FAULT_FLAG_WRITE && !shared) return hugetlb_wp(k, mm, vma, start, flags);
    return OK;
  }
  if (userfaultfd_missing(vma)) handle_userfault(k, vma, start, flags, 'missing');
  const f = alloc_hugetlb_folio(k, vma.hugetlb!.kb, vma);
  if (!f) return { write: false, error: 'sigbus' };
  page_add_new_anon_rmap(k, f, vma, true);
  if (marker) huge_pte_clear_marker(k, mm, start);
  mm.huge[key] = wp(mk_huge_pte(f.pfn, size, false));
  trace(k, 'hugetlb_no_page', `new anon huge page pfn ${f.pfn} (${size >> 10} kB)${marker ? ', uffd-wp from the marker' : ''}`);
  // The CoW optimization: a write fault goes on into hugetlb_wp() at once.
  if (flags & FAULT_FLAG_WRITE) return hugetlb_wp(k, mm, vma, start, flags);
  return OK;
}

/** hugetlb_wp(): reuse if this is the only mapping of an anon page (mapcount, in every era), else copy. */
export function hugetlb_wp(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): FaultResult {
  const key = vpn(k, start);
  const e = mm.huge[key]!;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  // "fix uffd wr-protection for CoW optimization path" (6.3): only hugetlb_no_page() gets here with a uffd-wp entry; leave it to the next fault.
  if (!unshare && e.uffdWp && k.p.hugetlbWpSkipsUffdWp) {
    trace(k, 'hugetlb_wp', `0x${start.toString(16)} is uffd-wp: no CoW`);
    return OK;
  }
  // 1d8d14641fd9 (6.0): a shared mapping is never copied; it only needs its write bit (a uffd-wp or writenotify fault).
  if (vma.flags & VM_SHARED && k.p.hugetlbWpShared) {
    if (unshare) return OK;
    mm.huge[key] = { ...e, write: true, dirty: true, young: true };
    trace(k, 'hugetlb_wp', `shared mapping: pfn ${e.pfn} made writable`);
    return WROTE;
  }
  const old = folio(k, e.pfn);
  if (old.anon && (old.entireMapcount ?? 0) === 1) {
    if (!PageAnonExclusive(k, old.pfn)) page_move_anon_rmap(k, old.pfn, vma);
    if (unshare) return OK;
    mm.huge[key] = { ...e, write: (vma.flags & VM_WRITE) !== 0, dirty: true, young: true };
    trace(k, 'hugetlb_wp', `pfn ${old.pfn} mapcount 1: reuse`);
    return WROTE;
  }
  // The owner copies an anon page without its reservation (outside_reserve): the reservation was used at the first fault.
  const outsideReserve = vma.hugetlb!.owner === true && old.anon;
  const f = alloc_hugetlb_folio(k, vma.hugetlb!.kb, outsideReserve ? null : vma);
  if (!f) {
    if (!outsideReserve) {
      trace(k, 'hugetlb_wp', `no free huge page to copy pfn ${old.pfn}: VM_FAULT_SIGBUS`);
      return { write: false, error: 'sigbus' };
    }
    // The owner must not fail: it takes the page away from every other mapping, then reuses it.
    unmap_ref_private(k, mm, vma, old);
    if ((old.entireMapcount ?? 0) === 1) return hugetlb_wp(k, mm, vma, start, flags);
    return { write: false, error: 'sigbus' };
  }
  f.data = old.data;
  page_add_new_anon_rmap(k, f, vma, true);
  // make_huge_pte() builds a fresh entry; 0f230bc24b6e (6.4) carries the uffd-wp bit over for an unshare copy.
  const keepWp = unshare && e.uffdWp && k.p.hugetlbUnshareKeepsUffdWp;
  mm.huge[key] = { ...mk_huge_pte(f.pfn, e.size, !unshare && (vma.flags & VM_WRITE) !== 0), softDirty: e.softDirty, uffdWp: keepWp };
  page_remove_rmap(k, old.pfn, true);
  folio_put(k, old.pfn);
  trace(k, 'hugetlb_wp', `pfn ${old.pfn} (mapcount ${old.entireMapcount}${old.anon ? '' : ', page cache'}) copied to pfn ${f.pfn}${unshare ? ' (unshare: R/O)' : ''}`);
  return WROTE;
}

/**
 * unmap_ref_private(): the owner of a private mapping could not copy a page
 * other processes still map (children after fork(), the pool is empty). It
 * unmaps that page from their mappings of the same file and marks those
 * HPAGE_RESV_UNMAPPED: their next fault there gets SIGBUS.
 */
function unmap_ref_private(k: Kernel, mm: Mm, vma: Vma, page: Folio): void {
  const ps = k.s.config.pageSize;
  for (const other of Object.values(k.s.mms)) {
    for (const v of other.vmas) {
      if ((other === mm && v === vma) || !v.hugetlb || v.hugetlb.owner) continue;
      for (const [key, e] of Object.entries(other.huge)) {
        const addr = Number(key) * ps;
        if (addr < v.start || addr >= v.end || e.pfn !== page.pfn) continue;
        zap_huge_pmd(k, other, addr);
        v.hugetlb.unmapped = true;
        trace(k, 'unmap_ref_private', `mm ${other.id}: pfn ${page.pfn} unmapped at 0x${addr.toString(16)}, mapping marked HPAGE_RESV_UNMAPPED`);
      }
    }
  }
}

/**
 * hugetlb_change_protection() for UFFDIO_WRITEPROTECT (5.19): present
 * entries get (or lose) the bit, none entries a marker. Un-protecting
 * rebuilds the entry from vm_get_page_prot(vm_flags), writable in a shared
 * mapping, until uffd_wp_range() takes vm_page_prot (6.3), which has
 * write-notify for uffd-wp VMAs since 51d3d5eb74ff (6.2).
 */
export function hugetlb_change_protection(k: Kernel, mm: Mm, vma: Vma, start: number, end: number, enable: boolean): void {
  const size = hugeSize(vma);
  for (let a = start; a < end; a += size) {
    const key = vpn(k, a);
    const e = mm.huge[key];
    if (e) {
      const writable = (vma.flags & VM_SHARED) !== 0 && (vma.flags & VM_WRITE) !== 0 && !k.p.uffdUnprotectWritable;
      mm.huge[key] = enable ? { ...e, write: false, uffdWp: true } : { ...e, write: e.write || writable, uffdWp: false };
    } else if (huge_pte_marker(k, mm, a)) {
      if (!enable) huge_pte_clear_marker(k, mm, a);
    } else if (enable) {
      set_huge_pte_marker(k, mm, a);
    }
  }
  trace(k, 'hugetlb_change_protection', `0x${start.toString(16)}-0x${end.toString(16)} ${enable ? 'uffd-wp' : 'uffd-wp resolved'}`);
}

/**
 * __unmap_hugepage_range(): a zapped huge PTE with the uffd-wp bit leaves a
 * marker unless the caller drops markers (5.19: munmap, truncation).
 */
export function huge_pte_install_uffd_wp_if_needed(k: Kernel, mm: Mm, start: number, e: HugePte, dropMarkers: boolean): void {
  if (!e.uffdWp || dropMarkers) return;
  set_huge_pte_marker(k, mm, start);
  trace(k, '__unmap_hugepage_range', `0x${start.toString(16)}: uffd-wp marker left in place of the huge PTE`);
}

/**
 * hugetlb_mfill_atomic_pte() / hugetlb_mcopy_atomic_pte() (8fb5debc5fcd,
 * 4.11): UFFDIO_COPY of one huge page: a new anon huge page in a private
 * mapping, a new page-cache page in a shared one (-EEXIST if there is one);
 * a marker counts as none. MODE_WP maps it write-protected (5.19).
 */
export function hugetlb_mcopy_atomic_pte(k: Kernel, mm: Mm, vma: Vma, dst: number, bytes: Uint8Array, wp: boolean): number {
  const size = hugeSize(vma);
  const key = vpn(k, dst);
  if (mm.huge[key]) return -EEXIST;
  let f: Folio | null;
  const shared = (vma.flags & VM_SHARED) !== 0;
  if (vma.file && shared) {
    const file = k.s.files[vma.file.ino]!;
    const index = vma.file.pgoff / (size / k.s.config.pageSize) + (dst - vma.start) / size;
    if (index * size >= file.size) return -EFAULT;
    if (file.pages[index] !== undefined) return -EEXIST;
    f = hugetlbfs_get_folio(k, file, index);
    if (!f) return -ENOMEM;
    f.refcount++;
    page_add_file_rmap(k, f.pfn, true);
  } else {
    f = alloc_hugetlb_folio(k, vma.hugetlb!.kb, vma);
    if (!f) return -ENOMEM;
    page_add_new_anon_rmap(k, f, vma, true);
  }
  f.data = writeBytes(f.data, 0, bytes);
  huge_pte_clear_marker(k, mm, dst);
  mm.huge[key] = { ...mk_huge_pte(f.pfn, size, !wp && (vma.flags & VM_WRITE) !== 0), dirty: true, uffdWp: wp };
  trace(k, 'hugetlb_mcopy_atomic_pte', `${size >> 10} kB at 0x${dst.toString(16)}: pfn ${f.pfn}${wp ? ' (uffd-wp)' : ''}`);
  return size;
}

/**
 * hugetlb_mfill_atomic_pte() with MFILL_ATOMIC_CONTINUE (f619147104c8,
 * 5.13): UFFDIO_CONTINUE maps the page-cache huge page that is already
 * there; -EEXIST over a huge PTE (a marker counts as none), -EFAULT when
 * the page is not cached or is past i_size. Writable only in a shared
 * writable mapping; MODE_WP (6.4) maps it uffd-wp and read-only. A marker
 * is overwritten: without MODE_WP its protection is gone.
 */
export function hugetlb_mcontinue_atomic_pte(k: Kernel, mm: Mm, vma: Vma, dst: number, wp: boolean): number {
  const size = hugeSize(vma);
  const key = vpn(k, dst);
  if (mm.huge[key]) return -EEXIST;
  const file = vma.file ? k.s.files[vma.file.ino] : undefined;
  if (!file) return -EFAULT;
  const index = vma.file!.pgoff / (size / k.s.config.pageSize) + (dst - vma.start) / size;
  const pfn = file.pages[index];
  if (pfn === undefined || index * size >= file.size) return -EFAULT;
  const f = folio(k, pfn);
  f.refcount++;
  page_add_file_rmap(k, f.pfn, true);
  const marker = huge_pte_marker(k, mm, dst);
  if (marker) huge_pte_clear_marker(k, mm, dst);
  const writable = !wp && (vma.flags & VM_SHARED) !== 0 && (vma.flags & VM_WRITE) !== 0;
  mm.huge[key] = { ...mk_huge_pte(f.pfn, size, writable), dirty: true, uffdWp: wp };
  trace(k, 'hugetlb_mfill_atomic_pte', `UFFDIO_CONTINUE: page-cache huge page pfn ${f.pfn} at 0x${dst.toString(16)}${wp ? ' (uffd-wp)' : marker ? ' over a uffd-wp marker, which is dropped' : ''}`);
  return size;
}

/**
 * hugetlb_vmdelete_list() -> unmap_hugepage_range(): zap the huge pages of
 * file indices [start, end) (end null: to the end) in every mapping of the
 * file, private COW copies included. dropMarkers is ZAP_FLAG_DROP_MARKER:
 * set by truncation, not by hole punch (05e90bd05eea "only drop uffd-wp
 * special pte if required", 5.19).
 */
function hugetlb_vmdelete_list(k: Kernel, file: File, start: number, end: number | null, dropMarkers: boolean): void {
  const hs = file.hugetlbKB! * 1024;
  const ps = k.s.config.pageSize;
  for (const mm of Object.values(k.s.mms)) {
    for (const vma of mm.vmas) {
      if (vma.file?.ino !== file.ino || !vma.hugetlb) continue;
      const first = (vma.file.pgoff * ps) / hs;
      const from = Math.max(vma.start, vma.start + (start - first) * hs);
      const to = end === null ? vma.end : Math.min(vma.end, vma.start + (end - first) * hs);
      if (from >= to) continue;
      trace(k, 'unmap_hugepage_range', `0x${from.toString(16)}-0x${to.toString(16)}${dropMarkers ? ' (ZAP_FLAG_DROP_MARKER)' : ''}`);
      zap_pte_range(k, mm, from, to, dropMarkers);
    }
  }
}

/** remove_inode_hugepages(): drop the huge pages of indices [start, end) from the page cache; the last reference frees them to the pool. */
function remove_inode_hugepages(k: Kernel, file: File, start: number, end: number | null): void {
  for (const [key, pfn] of Object.entries(file.pages)) {
    const index = Number(key);
    if (index < start || (end !== null && index >= end)) continue;
    delete file.pages[key];
    const f = folio(k, pfn);
    f.mapping = null;
    trace(k, 'hugetlb_delete_from_page_cache', `${file.name} huge page ${index} (pfn ${pfn}) removed`);
    folio_put(k, pfn);
  }
}

/**
 * hugetlbfs_setattr() -> hugetlb_vmtruncate(): the new size must be a
 * multiple of the huge page size (-EINVAL); shrinking unmaps everything
 * past it with ZAP_FLAG_DROP_MARKER and removes those pages.
 */
export function hugetlb_vmtruncate(k: Kernel, file: File, size: number): number {
  const hs = file.hugetlbKB! * 1024;
  if (size % hs) return -EINVAL;
  const old = file.size;
  file.size = size;
  if (size < old) {
    hugetlb_vmdelete_list(k, file, size / hs, null, true);
    remove_inode_hugepages(k, file, size / hs, null);
    trace(k, 'hugetlb_vmtruncate', `${file.name} truncated to ${size} byte(s)`);
  }
  return 0;
}

/**
 * hugetlbfs_punch_hole(): the huge pages the hole covers whole are
 * unmapped in every mapping, keeping uffd-wp markers (zap_flags 0), and
 * removed; i_size stays. The partly covered pages at either end are
 * zeroed in the page cache from 68d32527d340 (5.19), left alone before.
 */
export function hugetlbfs_punch_hole(k: Kernel, file: File, offset: number, len: number): number {
  const hs = file.hugetlbKB! * 1024;
  const holeStart = Math.ceil(offset / hs) * hs;
  const holeEnd = Math.floor((offset + len) / hs) * hs;
  const zero = (from: number, to: number): void => {
    const pfn = file.pages[Math.floor(from / hs)];
    if (pfn === undefined || from >= to) return;
    const f = folio(k, pfn);
    f.data = spliceRuns(f.data, from % hs, filled(to - from, 0));
    trace(k, 'hugetlbfs_zero_partial_page', `${file.name} bytes ${from}-${to} zeroed`);
  };
  if (k.p.hugetlbfsPunchZeroPartial) {
    if (offset < holeStart) zero(offset, Math.min(offset + len, holeStart));
    if (offset + len > holeEnd && offset + len > holeStart) zero(holeEnd, offset + len);
  }
  if (holeEnd > holeStart) {
    hugetlb_vmdelete_list(k, file, holeStart / hs, holeEnd / hs, false);
    remove_inode_hugepages(k, file, holeStart / hs, holeEnd / hs);
  }
  trace(k, 'hugetlbfs_punch_hole', `${file.name} hole ${offset}-${offset + len}`);
  return 0;
}

/**
 * copy_hugetlb_page_range(): fork shares the huge pages, except pinned ones
 * in a COW mapping, which the child gets a copy of (4eae4efa2c29, 5.12): any
 * maybe-pinned page until 5.18, page cache of a private hugetlbfs mapping
 * too; only exclusive anon pages from 5.19 (page_try_dup_anon_rmap). The copy
 * comes from the pool without the parent's reservation; with no free huge
 * page the copy fails with -ENOSPC, and so does fork(). uffd-wp
 * (bc70fbf269fd, 5.19): markers go only into a uffd-wp child; a present
 * entry's bit is copied as it is until 5a2f8d22ace4 (6.4) keeps it only for
 * a uffd-wp child, and carries it into an early copy. Returns 0 or -errno.
 */
export function copy_hugetlb_page_range(k: Kernel, parent: Mm, child: Mm, src: Vma, dst: Vma): number {
  const ps = k.s.config.pageSize;
  for (const [key, pte] of Object.entries(parent.ptes)) {
    const addr = Number(key) * ps;
    if (addr < src.start || addr >= src.end || pte.kind !== 'marker') continue;
    if (userfaultfd_wp(dst)) child.ptes[key] = { ...pte };
    else trace(k, 'copy_hugetlb_page_range', `marker at 0x${addr.toString(16)} not copied: the child is not uffd-wp`);
  }
  const keepWp = (e: HugePte): boolean => e.uffdWp && (!k.p.hugetlbForkUffdWpDstVma || userfaultfd_wp(dst));
  for (const [key, e] of Object.entries(parent.huge)) {
    const addr = Number(key) * ps;
    if (addr < src.start || addr >= src.end) continue;
    const f = folio(k, e.pfn);
    let earlyCopy = false;
    if (k.p.forkEarlyCopy === 'anon_exclusive_pinned') {
      if (f.anon) earlyCopy = page_try_dup_anon_rmap(k, f.pfn, true, src, parent.hasPinned) !== 0;
      else page_add_file_rmap(k, f.pfn, true);
    } else {
      // 5.12 .. 5.18: page_needs_cow_for_dma() does not ask whether the page is anon.
      earlyCopy = k.p.hugetlbForkEarlyCopy && page_needs_cow_for_dma(k, src, f, parent.hasPinned);
      if (earlyCopy) trace(k, 'page_needs_cow_for_dma', `${f.anon ? 'anon' : 'page-cache'} huge page pfn ${f.pfn} may be pinned: copy it for the child now`);
      else if (f.anon) f.entireMapcount = (f.entireMapcount ?? 0) + 1;
      else page_add_file_rmap(k, f.pfn, true);
    }
    if (earlyCopy) {
      // alloc_hugetlb_folio(dst_vma, addr, avoid_reserve): the free pages nobody reserved.
      const n = alloc_hugetlb_folio(k, src.hugetlb!.kb, null);
      if (!n) {
        trace(k, 'copy_hugetlb_page_range', `0x${addr.toString(16)}: no free huge page for the early copy: -ENOSPC`);
        return -ENOSPC;
      }
      n.data = f.data;
      page_add_new_anon_rmap(k, n, dst, true);
      // hugetlb_install_folio(): a fresh entry; from 5a2f8d22ace4 (6.4) it keeps uffd-wp for a uffd-wp child.
      const wp = k.p.hugetlbForkUffdWpDstVma && keepWp(e);
      child.huge[key] = { ...mk_huge_pte(n.pfn, e.size, !wp && (dst.flags & VM_WRITE) !== 0), softDirty: e.softDirty, uffdWp: wp };
      trace(k, 'copy_hugetlb_page_range', `pinned huge page pfn ${f.pfn} copied for the child: pfn ${n.pfn}`);
      continue;
    }
    f.refcount++;
    let pe = e;
    if (isCowMapping(src.flags) && e.write) {
      pe = { ...e, write: false };
      parent.huge[key] = pe;
    }
    child.huge[key] = { ...pe, uffdWp: keepWp(pe) };
    if (pe.uffdWp && !userfaultfd_wp(dst)) {
      trace(k, 'copy_hugetlb_page_range', `0x${addr.toString(16)}: ${keepWp(pe) ? 'the child keeps the uffd-wp bit of a VMA it does not protect' : 'uffd-wp bit cleared in the child'}`);
    }
  }
  return 0;
}

/**
 * Invariants of the hugetlb state: every huge page in use is a live folio
 * (nr - free of its pool) and reservations never exceed the free pages,
 * held only by the mapping that made them;
 * the page cache of a hugetlbfs file holds huge pages of the file's size
 * that point back at it; a hugetlb VMA has no PTE-level entries
 * but a huge PTE marker at a huge page's first page, where no huge PTE is.
 */
export function hugetlb_invariants(s: Kernel['s']): { invariant: string; detail: string }[] {
  const out: { invariant: string; detail: string }[] = [];
  const live: Record<string, number> = {};
  for (const f of Object.values(s.folios)) if (f.hugetlbKB !== undefined) live[f.hugetlbKB] = (live[f.hugetlbKB] ?? 0) + 1;
  for (const [kb, p] of Object.entries(s.hugetlb)) {
    if ((live[kb] ?? 0) !== p.nr - p.free || p.resv < 0 || p.resv > p.free) {
      out.push({ invariant: 'hugetlb-pool', detail: `${kb} kB pool: ${p.nr} pages, ${p.free} free, ${p.resv} reserved, ${live[kb] ?? 0} in use` });
    }
  }
  // Only the private mapping that made reservations holds any (HPAGE_RESV_OWNER), never a child's copy of it.
  for (const mm of Object.values(s.mms)) {
    for (const v of mm.vmas) {
      if (v.hugetlb && v.hugetlb.resv > 0 && !v.hugetlb.owner) {
        out.push({ invariant: 'hugetlb-pool', detail: `mm ${mm.id} VMA 0x${v.start.toString(16)} holds ${v.hugetlb.resv} reservation(s) without HPAGE_RESV_OWNER` });
      }
    }
  }
  // Shmem files (large folios included) are checked with the page-cache references in src/mm/invariants.ts.
  for (const file of Object.values(s.files)) {
    if (file.hugetlbKB === undefined) continue;
    for (const [index, pfn] of Object.entries(file.pages)) {
      const f = s.folios[pfn];
      if (!f || f.mapping?.ino !== file.ino || f.mapping.index !== Number(index) || f.hugetlbKB !== file.hugetlbKB) {
        out.push({ invariant: 'page-cache', detail: `${file.name} (ino ${file.ino}) index ${index}: pfn ${pfn} does not belong there` });
      }
    }
  }
  const ps = s.config.pageSize;
  for (const mm of Object.values(s.mms)) {
    const vmas = mm.vmas.filter((v) => v.hugetlb);
    if (!vmas.length) continue;
    for (const [v, pte] of Object.entries(mm.ptes)) {
      const addr = Number(v) * ps;
      const vma = vmas.find((x) => x.start <= addr && addr < x.end);
      if (!vma) continue;
      if (pte.kind !== 'marker' || addr % (vma.hugetlb!.kb * 1024) !== 0 || mm.huge[v]) {
        out.push({ invariant: 'hugetlb-pte', detail: `mm ${mm.id}: ${pte.kind} entry at 0x${addr.toString(16)} in a hugetlb VMA` });
      }
    }
  }
  return out;
}
