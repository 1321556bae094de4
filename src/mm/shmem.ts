// Reclaim of shmem (tmpfs, memfd, shared anonymous) pages as MADV_PAGEOUT
// drives it: try_to_unmap() clears every PTE of the page, leaving a uffd-wp
// PTE marker where the PTE was write-protected (pte_install_uffd_wp_if_needed,
// 5.19). The model does not move shmem pages to swap (shmem_writepage): the
// page stays in the page cache and the next access maps it again.
import type { File, Folio } from '../model/types.js';
import { zap_pte_range } from './memory.js';
import { type Kernel, findVma, trace } from './context.js';
import { folio_put } from './folio.js';
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
 * shmem_setattr() -> truncate_setsize(): shrinking unmaps the pages past the
 * new end in every mapping (unmap_mapping_range with even_cows, whose zap
 * carries ZAP_FLAG_DROP_MARKER: uffd-wp markers go with the page) and drops
 * them from the page cache.
 */
export function shmem_setattr_size(k: Kernel, file: File, size: number): void {
  const ps = k.s.config.pageSize;
  const first = Math.ceil(size / ps);
  if (size < file.size) {
    for (const mm of Object.values(k.s.mms)) {
      for (const vma of mm.vmas) {
        if (vma.file?.ino !== file.ino) continue;
        const from = Math.max(vma.start, vma.start + (first - vma.file.pgoff) * ps);
        if (from < vma.end) zap_pte_range(k, mm, from, vma.end, true);
      }
    }
    for (const [index, pfn] of Object.entries(file.pages)) {
      if (Number(index) < first) continue;
      delete file.pages[index];
      const f = k.s.folios[pfn];
      if (f) f.mapping = null;
      folio_put(k, pfn);
    }
    trace(k, 'truncate_setsize', `${file.name} truncated to ${size} byte(s)`);
  }
  file.size = size;
}
