// fork(): dup_mmap() and copy_page_range() (kernel/fork.c, mm/memory.c), per era.
import type { HugePte, Mm, PresentPte, Pte, Vma } from '../model/types.js';
import { VM_DONTCOPY, VM_HUGETLB, VM_SHARED, VM_UFFD_WP, VM_WIPEONFORK, isCowMapping } from '../model/flags.js';
import { type Kernel, folio, trace } from './context.js';
import { folio_alloc, folio_add_lru, folio_maybe_dma_pinned, page_data } from './folio.js';
import { __split_huge_pmd } from './huge_memory.js';
import { copy_hugetlb_page_range } from './hugetlb.js';
import { page_add_file_rmap, page_add_new_anon_rmap, page_try_dup_anon_rmap } from './rmap.js';
import { decode_swap_pte, swap_duplicate } from './swapfile.js';
import { maybe_mkwrite, pte_mkdirty, mk_pte, vm_normal_page } from './pgtable.js';

/** copy_present_page(): the child gets its own copy now (the parent's page may be pinned). */
function copy_present_page(k: Kernel, child: Mm, dst: Vma, addr: number, src: PresentPte): void {
  const f = folio_alloc(k, page_data(k, src.pfn));
  page_add_new_anon_rmap(k, f, dst);
  folio_add_lru(k, f);
  const pte = maybe_mkwrite(pte_mkdirty(mk_pte(f.pfn)), dst);
  child.ptes[String(addr / k.s.config.pageSize)] = src.uffdWp && dst.flags & VM_UFFD_WP ? { ...pte, write: false, uffdWp: true } : pte;
  trace(k, 'copy_present_page', `0x${addr.toString(16)}: maybe-pinned pfn ${src.pfn} copied for the child: pfn ${f.pfn}`);
}

/** copy_present_pte(): share the page with the child, write-protecting both sides in a COW mapping. */
function copy_present_pte(k: Kernel, parent: Mm, child: Mm, src: Vma, dst: Vma, v: string, pte: PresentPte): void {
  const addr = Number(v) * k.s.config.pageSize;
  const page = vm_normal_page(k, pte);
  if (page) {
    const pol = k.p.forkEarlyCopy;
    if (pol === 'maybe_pinned' && isCowMapping(src.flags) && parent.hasPinned && folio_maybe_dma_pinned(k, page)) {
      // 70e806e4e645 (5.9): any maybe-pinned page in a COW mapping is copied at fork.
      return copy_present_page(k, child, dst, addr, pte);
    }
    if (page.anon && pol === 'anon_exclusive_pinned') {
      page.refcount++;
      if (page_try_dup_anon_rmap(k, pte.pfn, false, src, parent.hasPinned) !== 0) {
        page.refcount--;
        return copy_present_page(k, child, dst, addr, pte);
      }
    } else {
      page.refcount++;
      page_add_file_rmap(k, pte.pfn);
    }
  }
  let childPte: PresentPte = { ...pte, young: false };
  if (isCowMapping(src.flags) && pte.write) {
    parent.ptes[v] = { ...pte, write: false };
    childPte = { ...childPte, write: false };
  }
  if (src.flags & VM_SHARED) childPte = { ...childPte, dirty: false };
  if (!(dst.flags & VM_UFFD_WP)) childPte = { ...childPte, uffdWp: false };
  child.ptes[v] = childPte;
}

/** copy_nonpresent_pte(): swap entries gain a reference; 5.19+ clears the exclusive marker in the parent. */
function copy_nonpresent_pte(k: Kernel, parent: Mm, child: Mm, v: string, pte: Pte): void {
  if (pte.kind === 'swap') {
    const d = decode_swap_pte(k, pte);
    swap_duplicate(k, d.entry);
    let val = pte.val;
    if (k.p.anonExclusive && d.exclusive) {
      val = '0x' + k.layout.clearExclusive(BigInt(pte.val)).toString(16);
      parent.ptes[v] = { kind: 'swap', val };
      trace(k, 'copy_nonpresent_pte', `${d.entry}: pte_swp_clear_exclusive in the parent`);
    }
    child.ptes[v] = { kind: 'swap', val };
  } else if (pte.kind === 'migration') {
    child.ptes[v] = { ...pte, type: 'read' };
    parent.ptes[v] = { ...pte, type: 'read' };
  } else if (pte.kind === 'marker') {
    child.ptes[v] = { ...pte };
  }
}

/** copy_huge_pmd(): share a PMD-mapped THP (or the huge zeropage); a THP that must be copied now is split first (-EAGAIN). */
function copy_huge_pmd(k: Kernel, parent: Mm, child: Mm, src: Vma, v: string, e: HugePte): void {
  if (e.hugeZero) {
    child.huge[v] = { ...e };
    return;
  }
  const f = folio(k, e.pfn);
  const pol = k.p.forkEarlyCopy;
  const addr = Number(v) * k.s.config.pageSize;
  // 5.9 "mm/thp: Split huge pmds/puds if they're pinned when fork()"; 5.19 page_try_dup_anon_rmap(compound) failing.
  const split = pol === 'anon_exclusive_pinned'
    ? page_try_dup_anon_rmap(k, f.pfn, true, src, parent.hasPinned) !== 0
    : pol === 'maybe_pinned' && parent.hasPinned && folio_maybe_dma_pinned(k, f);
  if (split) {
    trace(k, 'copy_huge_pmd', `THP pfn ${f.pfn} may be pinned: split the PMD, copy PTE by PTE`);
    __split_huge_pmd(k, parent, addr);
    return;
  }
  if (pol !== 'anon_exclusive_pinned') f.entireMapcount = (f.entireMapcount ?? 0) + 1;
  f.refcount++;
  const wp = { ...e, write: false };
  parent.huge[v] = wp;
  child.huge[v] = { ...wp, young: false };
}

/** vma_needs_copy() (c56d1b62cce8; earlier the same test inline): VMAs without anon pages refault from the file. */
function vma_needs_copy(dst: Vma, src: Vma): boolean {
  if (dst.flags & VM_UFFD_WP) return true;
  return src.anonVma !== null;
}

/** copy_page_range() for one VMA, inside write_protect_seq for COW mappings (57efa1fe5957). */
function copy_page_range(k: Kernel, parent: Mm, child: Mm, src: Vma, dst: Vma): void {
  if (src.flags & VM_HUGETLB) return copy_hugetlb_page_range(k, parent, child, src, dst);
  if (!vma_needs_copy(dst, src)) return;
  const ps = k.s.config.pageSize;
  const cow = isCowMapping(src.flags);
  if (cow) parent.writeProtectSeq++;
  for (const [v, e] of Object.entries(parent.huge)) {
    const addr = Number(v) * ps;
    if (addr >= src.start && addr < src.end) copy_huge_pmd(k, parent, child, src, v, e);
  }
  for (const [v, pte] of Object.entries(parent.ptes)) {
    const addr = Number(v) * ps;
    if (addr < src.start || addr >= src.end) continue;
    if (pte.kind === 'present') copy_present_pte(k, parent, child, src, dst, v, pte);
    else copy_nonpresent_pte(k, parent, child, v, pte);
  }
  if (cow) parent.writeProtectSeq++;
}

/** dup_mmap(): the child's VMAs and page tables. */
export function dup_mmap(k: Kernel, parent: Mm, child: Mm): void {
  for (const src of parent.vmas) {
    if (src.flags & VM_DONTCOPY) {
      trace(k, 'dup_mmap', `skip VM_DONTCOPY VMA 0x${src.start.toString(16)}`);
      continue;
    }
    const dst: Vma = { ...src, file: src.file && { ...src.file }, flags: src.flags & ~VM_UFFD_WP };
    // Hugetlb reservations belong to the mapping's owner; the child has none (HPAGE_RESV_OWNER).
    if (src.hugetlb) dst.hugetlb = { kb: src.hugetlb.kb, resv: 0 };
    child.vmas.push(dst);
    if (src.flags & VM_WIPEONFORK) {
      dst.anonVma = null;
      trace(k, 'dup_mmap', `VM_WIPEONFORK VMA 0x${src.start.toString(16)}: child starts empty`);
      continue;
    }
    if (src.anonVma !== null) dst.anonVma = k.s.next.anonVma++;
    copy_page_range(k, parent, child, src, dst);
  }
  child.hasPinned = false;
  trace(k, 'dup_mmap', `copied ${child.vmas.length} VMA(s)`);
}
