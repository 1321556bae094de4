// hugetlb (mm/hugetlb.c): pools with reservations, private and memfd
// mappings, hugetlb_fault / hugetlb_no_page / hugetlb_wp, fork and GUP.
// Reuse stays mapcount-based in every era (hugetlb_wp), which is why the
// vmsplice cases of cow.c fail on hugetlb.
import type { File, Folio, HugePte, Mm, Vma } from '../model/types.js';
import { FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, VM_SHARED, VM_WRITE, isCowMapping } from '../model/flags.js';
import { type Kernel, trace, folio, vpn } from './context.js';
import { PageAnonExclusive, folio_alloc, folio_put } from './folio.js';
import { page_add_file_rmap, page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap, page_needs_cow_for_dma, page_try_dup_anon_rmap } from './rmap.js';
import type { FaultResult } from './memory.js';
import { filled } from '../model/bytes.js';

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
  const e = mm.huge[vpn(k, start)];
  if (!e) return hugetlb_no_page(k, mm, vma, start, flags);
  if (flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE) && !e.write) return hugetlb_wp(k, mm, vma, start, flags);
  mm.huge[vpn(k, start)] = { ...e, young: true, ...(flags & FAULT_FLAG_WRITE ? { dirty: true } : {}) };
  return OK;
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

/** hugetlb_no_page(): a new anon huge page, or the page-cache page (mapped R/O in a private mapping). */
function hugetlb_no_page(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): FaultResult {
  const size = hugeSize(vma);
  if (vma.file) {
    const file = k.s.files[vma.file.ino]!;
    const index = vma.file.pgoff / (size / k.s.config.pageSize) + (start - vma.start) / size;
    const f = hugetlbfs_get_folio(k, file, index);
    if (!f) return { write: false, error: 'sigbus' };
    f.refcount++;
    page_add_file_rmap(k, f.pfn, true);
    const shared = (vma.flags & VM_SHARED) !== 0;
    mm.huge[vpn(k, start)] = mk_huge_pte(f.pfn, size, shared && (vma.flags & VM_WRITE) !== 0);
    trace(k, 'hugetlb_no_page', `map page-cache huge page pfn ${f.pfn}${shared ? '' : ' R/O (private)'}`);
    if (flags & FAULT_FLAG_WRITE && !shared) return hugetlb_wp(k, mm, vma, start, flags);
    return OK;
  }
  const f = alloc_hugetlb_folio(k, vma.hugetlb!.kb, vma);
  if (!f) return { write: false, error: 'sigbus' };
  page_add_new_anon_rmap(k, f, vma, true);
  mm.huge[vpn(k, start)] = mk_huge_pte(f.pfn, size, false);
  trace(k, 'hugetlb_no_page', `new anon huge page pfn ${f.pfn} (${size >> 10} kB)`);
  if (flags & FAULT_FLAG_WRITE) return hugetlb_wp(k, mm, vma, start, flags);
  return OK;
}

/** hugetlb_wp(): reuse if this is the only mapping of an anon page (mapcount, in every era), else copy. */
export function hugetlb_wp(k: Kernel, mm: Mm, vma: Vma, start: number, flags: number): FaultResult {
  const key = vpn(k, start);
  const e = mm.huge[key]!;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const old = folio(k, e.pfn);
  if (old.anon && (old.entireMapcount ?? 0) === 1) {
    if (!PageAnonExclusive(k, old.pfn)) page_move_anon_rmap(k, old.pfn, vma);
    if (unshare) return OK;
    mm.huge[key] = { ...e, write: (vma.flags & VM_WRITE) !== 0, dirty: true, young: true };
    trace(k, 'hugetlb_wp', `pfn ${old.pfn} mapcount 1: reuse`);
    return WROTE;
  }
  const f = alloc_hugetlb_folio(k, vma.hugetlb!.kb, vma);
  if (!f) return { write: false, error: 'sigbus' };
  f.data = old.data;
  page_add_new_anon_rmap(k, f, vma, true);
  mm.huge[key] = { ...mk_huge_pte(f.pfn, e.size, !unshare && (vma.flags & VM_WRITE) !== 0), softDirty: e.softDirty, uffdWp: e.uffdWp };
  page_remove_rmap(k, old.pfn, true);
  folio_put(k, old.pfn);
  trace(k, 'hugetlb_wp', `pfn ${old.pfn} (mapcount ${old.entireMapcount}${old.anon ? '' : ', page cache'}) copied to pfn ${f.pfn}${unshare ? ' (unshare: R/O)' : ''}`);
  return WROTE;
}

/** copy_hugetlb_page_range(): fork shares the huge pages, except exclusive pinned ones, which the child gets a copy of. */
export function copy_hugetlb_page_range(k: Kernel, parent: Mm, child: Mm, src: Vma, dst: Vma): void {
  const ps = k.s.config.pageSize;
  for (const [key, e] of Object.entries(parent.huge)) {
    const addr = Number(key) * ps;
    if (addr < src.start || addr >= src.end) continue;
    const f = folio(k, e.pfn);
    let earlyCopy = false;
    if (f.anon) {
      if (k.p.forkEarlyCopy === 'anon_exclusive_pinned') {
        earlyCopy = page_try_dup_anon_rmap(k, f.pfn, true, src, parent.hasPinned) !== 0;
      } else {
        earlyCopy = k.p.hugetlbForkEarlyCopy && page_needs_cow_for_dma(k, src, f, parent.hasPinned);
        if (!earlyCopy) f.entireMapcount = (f.entireMapcount ?? 0) + 1;
      }
    } else {
      page_add_file_rmap(k, f.pfn, true);
    }
    if (earlyCopy) {
      const n = alloc_hugetlb_folio(k, src.hugetlb!.kb, null);
      if (!n) continue;
      n.data = f.data;
      page_add_new_anon_rmap(k, n, dst, true);
      child.huge[key] = { ...mk_huge_pte(n.pfn, e.size, (dst.flags & VM_WRITE) !== 0), softDirty: e.softDirty };
      trace(k, 'copy_hugetlb_page_range', `pinned huge page pfn ${f.pfn} copied for the child: pfn ${n.pfn}`);
      continue;
    }
    f.refcount++;
    let pe = e;
    if (isCowMapping(src.flags) && e.write) {
      pe = { ...e, write: false };
      parent.huge[key] = pe;
    }
    child.huge[key] = { ...pe };
  }
}
