// madvise() (mm/madvise.c). MADV_PAGEOUT isolates the pages here and hands
// them to reclaim (src/mm/vmscan.ts), which runs as later steps.
import type { Mm } from '../model/types.js';
import {
  EINVAL, ENOMEM, MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_KEEPONFORK, MADV_PAGEOUT, MADV_COLD,
  MADV_WIPEONFORK, MADV_NORMAL, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, VM_DONTCOPY, VM_HUGETLB, VM_SHARED, VM_WIPEONFORK,
} from '../model/flags.js';
import { type Kernel, folio, trace, vpn } from './context.js';
import { __split_huge_pmd, hugepage_madvise, split_folio } from './huge_memory.js';
import { madvise_collapse } from './khugepaged.js';
import { zap_pte_range } from './memory.js';
import { split_vmas_huge, vma_merge_all } from './mmap.js';
import { folio_maybe_dma_pinned, lru_add_drain, page_mapcount } from './folio.js';
import { vm_normal_page } from './pgtable.js';
import type { ReclaimState } from './vmscan.js';

/** Returns 0, -errno, or the isolated pages MADV_PAGEOUT wants reclaimed. */
export function do_madvise(k: Kernel, mm: Mm, start: number, len: number, advice: number): number | ReclaimState {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  const known = [MADV_NORMAL, MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE];
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
      // madvise_pageout(): drain the lru_add batch, then isolate pages mapped only here.
      lru_add_drain(k);
      const pages: number[] = [];
      // A THP is only paged out if mapped once; it is split first (split PMD, then split_folio).
      for (const key of Object.keys(mm.huge)) {
        const hs = Number(key) * ps;
        const e = mm.huge[key]!;
        if (hs + e.size <= start || hs >= end || e.hugeZero) continue;
        const f = folio(k, e.pfn);
        if (f.hugetlbKB !== undefined || !f.anon || f.entireMapcount !== 1) continue;
        // A PMD the range covers whole goes to reclaim as it is; shrink_folio_list() keeps a maybe-pinned
        // folio (feb889fb40fa, 5.11) before add_to_swap() or try_to_unmap() could split it.
        if (hs >= start && hs + e.size <= end && k.p.vmscanSkipPinned && folio_maybe_dma_pinned(k, f)) {
          trace(k, 'shrink_folio_list', `THP pfn ${f.pfn} maybe pinned: keep, PMD-mapped`);
          continue;
        }
        __split_huge_pmd(k, mm, hs);
      }
      for (let a = start; a < end; a += ps) {
        const pte = mm.ptes[vpn(k, a)];
        if (pte?.kind !== 'present' || pte.special) continue;
        const large = folio(k, pte.pfn);
        if (large.order > 0 && large.anon && page_mapcount(k, pte.pfn) === 1) split_folio(k, large, 0);
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
