// MADV_COLLAPSE (mm/khugepaged.c, 7d6e2d963845 in 6.1): collapse the PTE-mapped
// anonymous memory of a PMD range into a new PMD-mapped THP, synchronously.
import type { Mm, Vma } from '../model/types.js';
import { EAGAIN, EINVAL, VM_HUGETLB, VM_NOHUGEPAGE, VM_WRITE } from '../model/flags.js';
import { type Kernel, folio, trace, vpn } from './context.js';
import { filled, concatRuns, type PageData } from '../model/bytes.js';
import { folio_add_lru, folio_alloc, folio_mapcount, folio_put, lru_add_drain, page_data } from './folio.js';
import { page_add_new_anon_rmap, page_remove_rmap } from './rmap.js';
import { huge_at, pmdSize } from './huge_memory.js';

type ScanResult = 'succeed' | 'pmd_mapped' | 'page_ro' | 'page_count' | 'page_anon' | 'swap_pte';

/** madvise_collapse_errno(). */
function madvise_collapse_errno(r: ScanResult): number {
  return r === 'page_count' ? -EAGAIN : -EINVAL;
}

/** hpage_collapse_scan_pmd() for MADV_COLLAPSE (not khugepaged: no limits on none or shared PTEs). */
function hpage_collapse_scan_pmd(k: Kernel, mm: Mm, start: number): ScanResult {
  if (huge_at(k, mm, start)) return 'pmd_mapped';
  const ps = k.s.config.pageSize;
  let writable = false;
  const seen = new Set<number>();
  for (let a = start; a < start + pmdSize(k); a += ps) {
    const pte = mm.ptes[vpn(k, a)];
    if (!pte) continue;
    if (pte.kind !== 'present') return 'swap_pte';
    if (pte.special) continue;
    const f = folio(k, pte.pfn);
    if (!f.anon) return 'page_anon';
    writable ||= pte.write;
    if (seen.has(f.pfn)) continue;
    seen.add(f.pfn);
    // is_refcount_suitable(): only mappings (and the swap cache) may hold references; a GUP reference blocks collapse.
    if (f.refcount !== folio_mapcount(f) + (f.swapCache ? 2 ** f.order : 0)) {
      trace(k, 'hpage_collapse_scan_pmd', `pfn ${f.pfn} refcount ${f.refcount} != mapcount ${folio_mapcount(f)}: SCAN_PAGE_COUNT`);
      return 'page_count';
    }
  }
  if (!writable) {
    trace(k, 'hpage_collapse_scan_pmd', `no writable PTE in 0x${start.toString(16)}: SCAN_PAGE_RO`);
    return 'page_ro';
  }
  return 'succeed';
}

/** collapse_huge_page(): copy the range into a new THP, unmap the old pages, map the THP by a PMD (exclusive, writable). */
function collapse_huge_page(k: Kernel, mm: Mm, vma: Vma, start: number): void {
  const ps = k.s.config.pageSize;
  const parts: PageData[] = [];
  for (let a = start; a < start + pmdSize(k); a += ps) {
    const pte = mm.ptes[vpn(k, a)];
    parts.push(pte?.kind === 'present' && !pte.special ? page_data(k, pte.pfn) : filled(ps, 0));
  }
  const f = folio_alloc(k, concatRuns(parts), k.s.config.thp.pmdOrder);
  for (let a = start; a < start + pmdSize(k); a += ps) {
    const pte = mm.ptes[vpn(k, a)];
    delete mm.ptes[vpn(k, a)];
    if (pte?.kind !== 'present' || pte.special) continue;
    page_remove_rmap(k, pte.pfn);
    folio_put(k, pte.pfn);
  }
  page_add_new_anon_rmap(k, f, vma, true);
  folio_add_lru(k, f);
  mm.huge[vpn(k, start)] = {
    kind: 'huge', pfn: f.pfn, size: pmdSize(k), write: (vma.flags & VM_WRITE) !== 0, dirty: true, young: true,
    softDirty: true, uffdWp: false, hugeZero: false,
  };
  trace(k, 'collapse_huge_page', `0x${start.toString(16)}: collapsed into THP pfn ${f.pfn} (PageAnonExclusive, PMD-mapped)`);
}

/** madvise_collapse(): every PMD-aligned range inside [start, end). */
export function madvise_collapse(k: Kernel, mm: Mm, start: number, end: number): number {
  const size = pmdSize(k);
  const hstart = Math.ceil(start / size) * size;
  const hend = end - (end % size);
  lru_add_drain(k);
  for (let a = hstart; a < hend; a += size) {
    const vma = mm.vmas.find((v) => v.start <= a && a + size <= v.end);
    if (!vma || vma.file || vma.flags & (VM_NOHUGEPAGE | VM_HUGETLB)) return -EINVAL;
    const r = hpage_collapse_scan_pmd(k, mm, a);
    if (r === 'pmd_mapped') continue;
    if (r !== 'succeed') return madvise_collapse_errno(r);
    collapse_huge_page(k, mm, vma, a);
  }
  return 0;
}
