// madvise() (mm/madvise.c). MADV_PAGEOUT isolates the pages here and hands
// them to reclaim (src/mm/vmscan.ts), which runs as later steps.
import type { Folio, Mm } from '../model/types.js';
import {
  EINVAL, ENOMEM, MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_KEEPONFORK, MADV_PAGEOUT, MADV_COLD,
  MADV_WIPEONFORK, MADV_NORMAL, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_MERGEABLE, MADV_UNMERGEABLE, VM_DONTCOPY, VM_HUGETLB, VM_LOCKED, VM_SHARED, VM_WIPEONFORK,
} from '../model/flags.js';
import { type Kernel, folio, trace, vpn } from './context.js';
import { __split_huge_pmd, hugepage_madvise, pmdSize, split_folio } from './huge_memory.js';
import { madvise_collapse } from './khugepaged.js';
import { ksm_madvise } from './ksm.js';
import { zap_pte_range } from './memory.js';
import { split_vmas_huge, vma_merge_all } from './mmap.js';
import { folio_mapcount, folio_nr_pages, lru_add_drain, page_mapcount } from './folio.js';
import { vm_normal_page } from './pgtable.js';
import type { ReclaimState } from './vmscan.js';
import { shmem_split_folio } from './shmem.js';

/** folio_pte_batch(): consecutive PTEs from addr (up to end) mapping consecutive pages of the folio. */
function folio_pte_batch(k: Kernel, mm: Mm, addr: number, end: number, f: Folio): number {
  const ps = k.s.config.pageSize;
  const first = mm.ptes[vpn(k, addr)];
  if (first?.kind !== 'present') return 0;
  let nr = 0;
  for (let a = addr; a < end; a += ps, nr++) {
    const pte = mm.ptes[vpn(k, a)];
    if (pte?.kind !== 'present' || pte.pfn !== first.pfn + nr || pte.pfn >= f.pfn + folio_nr_pages(f)) break;
  }
  return nr;
}

/** Returns 0, -errno, or the isolated pages MADV_PAGEOUT wants reclaimed. */
export function do_madvise(k: Kernel, mm: Mm, start: number, len: number, advice: number): number | ReclaimState {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  const known = [MADV_NORMAL, MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_MERGEABLE, MADV_UNMERGEABLE];
  if (k.p.madvPageout) known.push(MADV_COLD, MADV_PAGEOUT);
  if (k.p.madvCollapse) known.push(MADV_COLLAPSE);
  if (!known.includes(advice)) {
    trace(k, 'madvise', `advice ${advice} unknown to this kernel: -EINVAL`);
    return -EINVAL;
  }
  const covered = mm.vmas.filter((v) => v.start < end && v.end > start).reduce((n, v) => n + Math.min(v.end, end) - Math.max(v.start, start), 0);
  if (covered !== end - start) return -ENOMEM;
  switch (advice) {
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
      for (const v of split_vmas_huge(k, mm, start, end)) if (!(v.flags & VM_HUGETLB)) hugepage_madvise(v, advice === MADV_HUGEPAGE);
      vma_merge_all(k, mm);
      return 0;
    case MADV_COLLAPSE:
      return madvise_collapse(k, mm, start, end);
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
      return ksm_madvise(k, mm, start, end, advice);
    case MADV_DONTNEED:
      // madvise_walk_vmas(): one VMA after the other; a VMA that refuses stops the walk with -EINVAL.
      for (const v of mm.vmas.filter((x) => x.start < end && x.end > start)) {
        const from = Math.max(v.start, start);
        let to = Math.min(v.end, end);
        if (v.hugetlb) {
          // madvise_dontneed_free_valid_vma(): hugetlb is refused until 90e7e7f5ef3f (5.18); then the start must be
          // huge-page aligned and the end is rounded up to a huge page, down from 8ebe0a5eaaeb (6.1).
          const hs = v.hugetlb.kb * 1024;
          if (!k.p.madvDontneedHugetlb || from % hs) {
            trace(k, 'madvise_dontneed_free_valid_vma', `hugetlb VMA 0x${v.start.toString(16)}: -EINVAL`);
            return -EINVAL;
          }
          if (to % hs) to = k.p.madvDontneedHugetlbRoundDown ? to - (to % hs) : to - (to % hs) + hs;
          if (to <= from) continue;
        }
        trace(k, 'madvise_dontneed_single_vma', `zap 0x${from.toString(16)}-0x${to.toString(16)}`);
        zap_pte_range(k, mm, from, to);
      }
      return 0;
    case MADV_DONTFORK:
    case MADV_DOFORK:
      for (const v of split_vmas_huge(k, mm, start, end)) v.flags = advice === MADV_DONTFORK ? v.flags | VM_DONTCOPY : v.flags & ~VM_DONTCOPY;
      vma_merge_all(k, mm);
      return 0;
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK: {
      const vmas = split_vmas_huge(k, mm, start, end);
      if (vmas.some((v) => v.file || v.flags & VM_SHARED)) return -EINVAL;
      for (const v of vmas) v.flags = advice === MADV_WIPEONFORK ? v.flags | VM_WIPEONFORK : v.flags & ~VM_WIPEONFORK;
      return 0;
    }
    case MADV_PAGEOUT: {
      // can_madv_lru_vma(): no MADV_PAGEOUT on VM_LOCKED or VM_HUGETLB VMAs (the kernel fails at the first such
      // VMA after handling those before it; the model checks the whole range first).
      if (mm.vmas.some((v) => v.start < end && v.end > start && v.flags & (VM_LOCKED | VM_HUGETLB))) {
        trace(k, 'madvise_pageout', 'VM_LOCKED or VM_HUGETLB VMA: -EINVAL');
        return -EINVAL;
      }
      // madvise_pageout(): drain the lru_add batch, then isolate pages mapped only here.
      lru_add_drain(k);
      const pages: number[] = [];
      // madvise_cold_or_pageout_pte_range(): a THP mapped only here goes to reclaim whole when the range covers
      // its PMD; add_to_swap() decides whether it is swapped whole (THP_SWAP) or split. A partly covered one is split.
      for (const key of Object.keys(mm.huge)) {
        const hs = Number(key) * ps;
        const e = mm.huge[key]!;
        if (hs + e.size <= start || hs >= end || e.hugeZero) continue;
        const f = folio(k, e.pfn);
        if (!f.anon && f.hugetlbKB === undefined) {
          // madvise_cold_or_pageout_pte_range(): a shmem THP mapped only here goes to reclaim whole when the range
          // covers its PMD (src/mm/shmem.ts unmaps it); a partly covered one is split_folio()ed, which unmaps all of it.
          if (page_mapcount(k, f.pfn) !== 1) continue;
          if (hs < start || hs + e.size > end) {
            shmem_split_folio(k, f);
            continue;
          }
          if (!f.lru) continue;
          f.lru = false;
          f.refcount++;
          pages.push(f.pfn);
          continue;
        }
        if (f.hugetlbKB !== undefined || !f.anon) continue;
        const shared = page_mapcount(k, f.pfn) !== 1;
        if (hs >= start && hs + e.size <= end) {
          // 12e967fd8e4e (5.6) skips a THP other processes map too; 5.4 and 5.5 reclaimed it from all of them.
          if (!f.lru || (k.p.pageoutSkipShared && shared)) continue;
          f.lru = false;
          f.refcount++;
          pages.push(f.pfn);
          continue;
        }
        if (!shared) __split_huge_pmd(k, mm, hs);
      }
      for (let a = start; a < end; a += ps) {
        const pte = mm.ptes[vpn(k, a)];
        if (pte?.kind !== 'present' || pte.special) continue;
        const large = folio(k, pte.pfn);
        if (large.order > 0 && large.anon && large.hugetlbKB === undefined) {
          const nr = k.p.pageoutKeepsLargeFolios ? folio_pte_batch(k, mm, a, end, large) : 0;
          if (nr === folio_nr_pages(large)) {
            // 3931b871c493 (6.10): a large folio the range maps whole, and only here, goes to reclaim unsplit.
            if (large.lru && folio_mapcount(large) === nr) {
              large.lru = false;
              large.refcount++;
              pages.push(large.pfn);
            }
            a += (nr - 1) * ps;
            continue;
          }
          const split = page_mapcount(k, pte.pfn) === 1 && split_folio(k, large, 0) !== null;
          if (!split && !k.p.pageoutKeepsLargeFolios) {
            // Until 3931b871c493 (6.10) a shared large folio, or one that cannot split, ends the walk of this PMD (break).
            const pmd = pmdSize(k);
            a = Math.min(end, Math.floor(a / pmd) * pmd + pmd) - ps;
            continue;
          }
        }
        if (large.order > 0 && !large.anon && large.hugetlbKB === undefined && page_mapcount(k, pte.pfn) === 1) {
          // A PTE-mapped shmem THP mapped once is split too; splitting a file folio unmaps all of it.
          shmem_split_folio(k, large);
          continue;
        }
        const f = vm_normal_page(k, pte);
        // 12e967fd8e4e (5.6): leave pages other processes map too; before it they were unmapped everywhere.
        // Page-cache pages too (madvise_cold_or_pageout_pte_range); src/mm/shmem.ts unmaps them.
        if (!f || f.order > 0 || (!f.anon && !f.mapping) || !f.lru || (k.p.pageoutSkipShared && f.mapcount !== 1)) continue;
        f.lru = false;
        f.refcount++;
        pages.push(f.pfn);
      }
      trace(k, 'madvise_pageout', `isolated ${pages.length} page(s)`);
      return { pages, phase: 'unmap' };
    }
    default:
      return 0;
  }
}
