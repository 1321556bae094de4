// Shmem (tmpfs, memfd, shared anonymous) pages: huge pages in the page cache
// (shmem THP, 4.8), reclaim as MADV_PAGEOUT drives it, and truncation.
// Reclaim unmaps every PTE and PMD of the page, leaving a uffd-wp PTE marker
// where a PTE was write-protected (pte_install_uffd_wp_if_needed, 5.19). The
// model does not move shmem pages to swap (shmem_writepage, which would also
// split a THP first): the page stays in the page cache and the next access
// maps it again.
import type { File, Folio, ShmemHuge, Vma } from '../model/types.js';
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from '../model/flags.js';
import { concatRuns, filled, pageSize, sliceRuns, spliceRuns } from '../model/bytes.js';
import { zap_pte_range } from './memory.js';
import { type Kernel, findVma, folio, trace } from './context.js';
import { folio_add_lru, folio_alloc, folio_mapcount, folio_nr_pages, folio_put, page_data, set_page_data } from './folio.js';
import { __split_huge_pmd } from './huge_memory.js';
import { folio_mappings, page_remove_rmap } from './rmap.js';
import { pte_at, pte_clear } from './pgtable.js';
import { pte_install_uffd_wp_if_needed } from './userfaultfd.js';

export const SHMEM_HUGE_MODES: readonly ShmemHuge[] = ['never', 'always', 'within_size', 'advise', 'deny', 'force'];

/** The huge= option of the file's superblock: shm_mnt follows shmem_enabled (shmem_enabled_store), tmpfs its mount. */
function sb_huge(k: Kernel, file: File): ShmemHuge {
  const cfg = k.s.config.shmemHuge;
  if (!cfg) return 'never';
  return file.kind === 'memfd' || file.shmMnt ? cfg.enabled : cfg.tmpfs;
}

/**
 * shmem_is_huge() (4.8: shmem_getpage_gfp's switch; later renamed
 * shmem_huge_global_enabled()): may the page at index come from a PMD-sized
 * folio? vma is the faulting VMA, or null for write(2) and fallocate().
 */
export function shmem_is_huge(k: Kernel, file: File, index: number, vma: Vma | null): boolean {
  if (!k.p.shmemThp || file.hugetlbKB !== undefined || file.kind === 'proc') return false;
  if (vma && vma.flags & VM_NOHUGEPAGE) return false;
  const global = k.s.config.shmemHuge?.enabled ?? 'never';
  if (global === 'deny') return false;
  if (global === 'force') return true;
  switch (sb_huge(k, file)) {
    case 'always':
      return true;
    case 'within_size': {
      // The whole huge page must lie inside i_size; otherwise fadvise/madvise hints still count.
      const nr = 2 ** k.s.config.thp.pmdOrder;
      const ps = k.s.config.pageSize;
      if (Math.ceil(file.size / ps) >= Math.ceil((index + 1) / nr) * nr) return true;
      return vma !== null && (vma.flags & VM_HUGEPAGE) !== 0;
    }
    case 'advise':
      return vma !== null && (vma.flags & VM_HUGEPAGE) !== 0;
    default:
      return false;
  }
}

/** shmem_get_unmapped_area() (4.8): align a mapping of at least a PMD unless THPs are denied or its mount never uses them. */
export function shmem_get_unmapped_area_aligns(k: Kernel, file: File, len: number): boolean {
  if (!k.p.shmemThp || file.hugetlbKB !== undefined || file.kind === 'proc') return false;
  const global = k.s.config.shmemHuge?.enabled ?? 'never';
  if (global === 'deny' || len < k.s.config.pageSize * 2 ** k.s.config.thp.pmdOrder) return false;
  return global === 'force' || sb_huge(k, file) !== 'never';
}

/**
 * shmem_alloc_and_add_folio(huge): a PMD-order folio for the aligned range
 * around index, added to the page cache at all of its indexes, each holding
 * a reference (shmem_add_to_page_cache: folio_ref_add(nr)). Null when any
 * page of the range is cached already (-E2BIG: fall back to a small page).
 */
export function shmem_alloc_and_add_huge_folio(k: Kernel, file: File, index: number): Folio | null {
  const nr = 2 ** k.s.config.thp.pmdOrder;
  const ps = k.s.config.pageSize;
  const hindex = index - (index % nr);
  for (let i = hindex; i < hindex + nr; i++) if (file.pages[i] !== undefined) return null;
  const base = file.backing ?? [];
  const size = pageSize(base);
  const written = sliceRuns(base, Math.min(hindex * ps, size), Math.min((hindex + nr) * ps, size));
  const f = folio_alloc(k, concatRuns([written, filled(nr * ps - pageSize(written), 0)]), k.s.config.thp.pmdOrder);
  f.mapping = { ino: file.ino, index: hindex };
  f.refcount = nr;
  for (let i = 0; i < nr; i++) file.pages[hindex + i] = f.pfn + i;
  folio_add_lru(k, f);
  trace(k, 'shmem_alloc_and_add_folio', `${file.name} pages ${hindex}..${hindex + nr - 1} -> THP pfn ${f.pfn} (order ${f.order})`);
  return f;
}

/** split_huge_pmd_address() for every PMD mapping the folio (TTU_SPLIT_HUGE_PMD): a file PMD is simply cleared. */
function unmap_folio_pmds(k: Kernel, f: Folio): void {
  for (const mm of Object.values(k.s.mms)) {
    for (const [key, e] of Object.entries(mm.huge)) {
      if (e.pfn === f.pfn && !e.hugeZero) __split_huge_pmd(k, mm, Number(key) * k.s.config.pageSize);
    }
  }
}

/** try_to_unmap() -> try_to_unmap_one() for a page-cache folio: its PMDs, then its PTEs. */
export function shmem_try_to_unmap(k: Kernel, f: Folio): void {
  if (f.order > 0) unmap_folio_pmds(k, f);
  for (const { mm, addr } of folio_mappings(k, f)) {
    const pte = pte_at(k, mm, addr);
    if (pte?.kind !== 'present') continue;
    pte_clear(k, mm, addr);
    pte_install_uffd_wp_if_needed(k, mm, findVma(mm, addr), addr, pte);
    if (pte.dirty) f.dirty = true;
    page_remove_rmap(k, pte.pfn);
    folio_put(k, f.pfn);
    trace(k, 'try_to_unmap_one', `0x${addr.toString(16)}: page-cache pfn ${pte.pfn} unmapped`);
  }
}

/**
 * split_huge_page() of a shmem THP: unmap_folio() clears every mapping (a
 * file folio is not remapped, the next access faults), then the split needs
 * the page cache's references alone; a GUP reference makes it fail (the
 * folio stays whole). Returns whether it split.
 */
export function shmem_split_folio(k: Kernel, f: Folio): boolean {
  shmem_try_to_unmap(k, f);
  const nr = folio_nr_pages(f);
  if (!f.mapping || folio_mapcount(f) !== 0 || f.refcount !== nr) {
    trace(k, 'split_huge_page', `THP pfn ${f.pfn}: refcount ${f.refcount} != ${nr} page-cache references: cannot split`);
    return false;
  }
  const ps = k.s.config.pageSize;
  delete k.s.folios[f.pfn];
  for (let i = 0; i < nr; i++) {
    const small: Folio = {
      ...f, pfn: f.pfn + i, order: 0, refcount: 1, mapcount: 0, pincount: 0, anonExclusive: false,
      mapping: { ino: f.mapping.ino, index: f.mapping.index + i }, data: sliceRuns(f.data, i * ps, (i + 1) * ps),
    };
    delete small.pages;
    delete small.entireMapcount;
    k.s.folios[small.pfn] = small;
  }
  trace(k, 'split_huge_page', `THP pfn ${f.pfn} split into ${nr} page-cache pages`);
  return true;
}

/** delete_from_page_cache(): every index of the folio goes, with its reference. */
function truncate_inode_folio(k: Kernel, file: File, f: Folio): void {
  const nr = folio_nr_pages(f);
  const first = f.mapping!.index;
  for (let i = 0; i < nr; i++) delete file.pages[first + i];
  f.mapping = null;
  folio_put(k, f.pfn, nr);
}

/**
 * unmap_mapping_range() over the file's bytes [from, to) in every mapping:
 * unmap_mapping_pages() passes no ZAP_FLAG_DROP_MARKER (only unmap_vmas()
 * and unmap_mapping_folio() do, 5.19), so uffd-wp markers stay. Without
 * evenCows the private COW copies (anon pages, swap entries) stay too.
 */
function unmap_mapping_range(k: Kernel, file: File, from: number, to: number, evenCows: boolean): void {
  const ps = k.s.config.pageSize;
  for (const mm of Object.values(k.s.mms)) {
    for (const vma of mm.vmas) {
      if (vma.file?.ino !== file.ino || vma.hugetlb) continue;
      const lo = Math.max(vma.start, vma.start + from - vma.file.pgoff * ps);
      const hi = Math.min(vma.end, vma.start + to - vma.file.pgoff * ps);
      if (lo >= hi) continue;
      if (evenCows) {
        zap_pte_range(k, mm, lo, hi);
        continue;
      }
      for (let a = lo; a < hi; a += ps) {
        const pte = pte_at(k, mm, a);
        if (pte?.kind !== 'present' || pte.special) continue;
        if (k.s.folios[pte.pfn]?.mapping?.ino !== file.ino) continue;
        zap_pte_range(k, mm, a, a + ps);
      }
    }
  }
}

/**
 * shmem_undo_range() / truncate_inode_pages_range(): folios [lstart, lend)
 * covers whole leave the page cache (every index, with its reference); a
 * partly covered one is zeroed there (truncate_inode_partial_folio) and a
 * THP is split so its covered pages can go (5.17; split_huge_page in
 * shmem_undo_range before); if it cannot split it stays whole. Bytes kept
 * outside the page cache are zeroed too.
 */
function shmem_truncate_range(k: Kernel, file: File, lstart: number, lend: number): void {
  const ps = k.s.config.pageSize;
  const done = new Set<number>();
  for (const [key, pfn] of Object.entries(file.pages)) {
    if (file.pages[key] === undefined) continue;
    const f = folio(k, pfn);
    if (done.has(f.pfn) || !f.mapping) continue;
    done.add(f.pfn);
    const s = f.mapping.index * ps;
    const e = s + folio_nr_pages(f) * ps;
    const lo = Math.max(s, lstart);
    const hi = Math.min(e, lend);
    if (lo >= hi) continue;
    if (lo === s && hi === e) {
      truncate_inode_folio(k, file, f);
      continue;
    }
    if (f.order === 0) {
      set_page_data(k, f.pfn, spliceRuns(page_data(k, f.pfn), lo - s, filled(hi - lo, 0)));
      continue;
    }
    f.data = spliceRuns(f.data, lo - s, filled(hi - lo, 0));
    f.dirty = true;
    if (!shmem_split_folio(k, f)) continue;
    for (let i = Math.ceil(lo / ps); i < Math.floor(hi / ps); i++) truncate_inode_folio(k, file, folio(k, file.pages[i]!));
  }
  if (file.backing) {
    const have = pageSize(file.backing);
    if (lstart < have) file.backing = spliceRuns(file.backing, lstart, filled(Math.min(have, lend) - lstart, 0));
  }
}

/**
 * shmem_fallocate(FALLOC_FL_PUNCH_HOLE): unmap the pages the hole covers
 * whole (unmap_mapping_range with even_cows 0: "hole-punching leaves COWed
 * pages"), keeping uffd-wp markers, then drop them and zero the partly
 * covered ones; i_size stays.
 */
export function shmem_punch_hole(k: Kernel, file: File, offset: number, len: number): number {
  const ps = k.s.config.pageSize;
  const unmapStart = Math.ceil(offset / ps) * ps;
  const unmapEnd = Math.floor((offset + len) / ps) * ps;
  if (unmapEnd > unmapStart) unmap_mapping_range(k, file, unmapStart, unmapEnd, false);
  shmem_truncate_range(k, file, offset, offset + len);
  trace(k, 'shmem_fallocate', `${file.name} hole ${offset}-${offset + len} punched`);
  return 0;
}

/**
 * shmem_setattr() shrinking: unmap_mapping_range(holebegin, 0, even_cows 1)
 * unmaps the pages past the new end in every mapping, private COW copies
 * included, and keeps uffd-wp markers (no ZAP_FLAG_DROP_MARKER); then
 * shmem_truncate_range() drops the pages and zeroes the tail of the last.
 */
export function shmem_setattr_size(k: Kernel, file: File, size: number): void {
  const ps = k.s.config.pageSize;
  if (size < file.size) {
    const holeBegin = Math.ceil(size / ps) * ps;
    unmap_mapping_range(k, file, holeBegin, Infinity, true);
    shmem_truncate_range(k, file, size, Infinity);
    if (file.backing && pageSize(file.backing) > size) file.backing = sliceRuns(file.backing, 0, size);
    trace(k, 'truncate_setsize', `${file.name} truncated to ${size} byte(s)`);
  }
  file.size = size;
}

/** The page-cache folio is PMD-mappable here: shmem THP of the PMD order (folio_test_pmd_mappable). */
export function shmem_pmd_mappable(k: Kernel, f: Folio): boolean {
  return f.order === k.s.config.thp.pmdOrder && !f.anon && f.hugetlbKB === undefined && f.mapping !== null;
}
