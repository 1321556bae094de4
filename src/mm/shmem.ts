// Reclaim of shmem (tmpfs, memfd, shared anonymous) pages as MADV_PAGEOUT
// drives it: try_to_unmap() clears every PTE of the page, leaving a uffd-wp
// PTE marker where the PTE was write-protected (pte_install_uffd_wp_if_needed,
// 5.19). The model does not move shmem pages to swap (shmem_writepage): the
// page stays in the page cache and the next access maps it again.
import type { File, Folio } from '../model/types.js';
import { zap_pte_range } from './memory.js';
import { type Kernel, findVma, trace } from './context.js';
import { folio_put, page_data, set_page_data } from './folio.js';
import { filled, pageSize, sliceRuns, spliceRuns } from '../model/bytes.js';
import { folio_mappings, page_remove_rmap } from './rmap.js';
import { pte_at, pte_clear } from './pgtable.js';
import { pte_install_uffd_wp_if_needed } from './userfaultfd.js';

/** try_to_unmap() -> try_to_unmap_one() for a page-cache page. */
export function shmem_try_to_unmap(k: Kernel, f: Folio): void {
  for (const { mm, addr } of folio_mappings(k, f)) {
    const pte = pte_at(k, mm, addr);
    if (pte?.kind !== 'present') continue;
    pte_clear(k, mm, addr);
    pte_install_uffd_wp_if_needed(k, mm, findVma(mm, addr), addr, pte);
    if (pte.dirty) f.dirty = true;
    page_remove_rmap(k, f.pfn);
    folio_put(k, f.pfn);
    trace(k, 'try_to_unmap_one', `0x${addr.toString(16)}: page-cache pfn ${f.pfn} unmapped`);
  }
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
 * shmem_undo_range() / truncate_inode_pages_range(): pages [lstart, lend)
 * covers whole leave the page cache; the partly covered ones are zeroed
 * there (truncate_inode_partial_folio); bytes kept outside the page cache
 * are zeroed too.
 */
function shmem_truncate_range(k: Kernel, file: File, lstart: number, lend: number): void {
  const ps = k.s.config.pageSize;
  for (const [key, pfn] of Object.entries(file.pages)) {
    const s = Number(key) * ps;
    const lo = Math.max(s, lstart);
    const hi = Math.min(s + ps, lend);
    if (lo >= hi) continue;
    if (lo === s && hi === s + ps) {
      delete file.pages[key];
      const f = k.s.folios[pfn];
      if (f) f.mapping = null;
      folio_put(k, pfn);
    } else {
      set_page_data(k, pfn, spliceRuns(page_data(k, pfn), lo - s, filled(hi - lo, 0)));
    }
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
