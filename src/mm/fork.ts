// fork(): dup_mmap() and copy_page_range() (kernel/fork.c, mm/memory.c), per era.
import type { HugePte, Mm, PresentPte, Pte, Vma } from '../model/types.js';
import { ENOMEM, VM_DONTCOPY, VM_HUGETLB, VM_SHARED, VM_UFFD_WP, VM_WIPEONFORK, isCowMapping } from '../model/flags.js';
import { type Kernel, folio, trace } from './context.js';
import { ksm_holds_mmap_read_lock } from './ksm.js';
import { folio_alloc, folio_add_lru, folio_maybe_dma_pinned, page_data } from './folio.js';
import { __split_huge_pmd } from './huge_memory.js';
import { copy_hugetlb_page_range, hugetlb_unreserve } from './hugetlb.js';
import { zap_pte_range } from './memory.js';
import { page_add_file_rmap, page_add_new_anon_rmap, page_try_dup_anon_rmap } from './rmap.js';
import { decode_swap_pte, swap_duplicate } from './swapfile.js';
import { maybe_mkwrite, pte_mkdirty, mk_pte, vm_normal_page } from './pgtable.js';
import { type ForkCtxs, uffd_wp_fork_keeps, copy_pte_marker, dup_userfaultfd, dup_userfaultfd_complete, vma_needs_copy_uffd } from './userfaultfd.js';

/** copy_present_page(): the child gets its own copy now (the parent's page may be pinned). */
function copy_present_page(k: Kernel, child: Mm, dst: Vma, addr: number, src: PresentPte): void {
  const f = folio_alloc(k, page_data(k, src.pfn));
  page_add_new_anon_rmap(k, f, dst);
  folio_add_lru(k, f);
  const pte = maybe_mkwrite(pte_mkdirty(mk_pte(f.pfn)), dst);
  // 8f34f1eac382 (5.13) carries the uffd-wp bit over to a uffd-wp child; before, the copy never had it.
  child.ptes[String(addr / k.s.config.pageSize)] = src.uffdWp && k.p.forkUffdWpDstVma && dst.flags & VM_UFFD_WP ? { ...pte, write: false, uffdWp: true } : pte;
  trace(k, 'copy_present_page', `0x${addr.toString(16)}: maybe-pinned pfn ${src.pfn} copied for the child: pfn ${f.pfn}`);
}

/**
 * copy_present_pte(): share the page with the child (R/O in a COW mapping).
 * Returns the parent PTE that ptep_set_wrprotect() must still write-protect.
 */
function copy_present_pte(k: Kernel, parent: Mm, child: Mm, src: Vma, dst: Vma, v: string, pte: PresentPte): string | null {
  const addr = Number(v) * k.s.config.pageSize;
  const page = vm_normal_page(k, pte);
  if (page) {
    const pol = k.p.forkEarlyCopy;
    if (pol === 'maybe_pinned' && isCowMapping(src.flags) && parent.hasPinned && folio_maybe_dma_pinned(k, page)) {
      // 70e806e4e645 (5.9): any maybe-pinned page in a COW mapping is copied at fork.
      copy_present_page(k, child, dst, addr, pte);
      return null;
    }
    if (page.anon && pol === 'anon_exclusive_pinned') {
      page.refcount++;
      if (page_try_dup_anon_rmap(k, pte.pfn, false, src, parent.hasPinned) !== 0) {
        page.refcount--;
        copy_present_page(k, child, dst, addr, pte);
        return null;
      }
    } else {
      page.refcount++;
      page_add_file_rmap(k, pte.pfn);
    }
  }
  let childPte: PresentPte = { ...pte, young: false };
  const wrprotect = isCowMapping(src.flags) && pte.write;
  if (wrprotect) childPte = { ...childPte, write: false };
  if (src.flags & VM_SHARED) childPte = { ...childPte, dirty: false };
  if (!uffd_wp_fork_keeps(k, src, dst)) childPte = { ...childPte, uffdWp: false };
  child.ptes[v] = childPte;
  trace(k, 'copy_present_pte', `0x${addr.toString(16)}: ${page ? `pfn ${pte.pfn}` : 'zeropage'} shared with the child${wrprotect ? ' (R/O)' : ''}`);
  return wrprotect ? v : null;
}

/** copy_huge_pmd(): share a PMD-mapped THP (or the huge zeropage); a THP that must be copied now is split first (-EAGAIN). */
function copy_huge_pmd(k: Kernel, parent: Mm, child: Mm, src: Vma, v: string, e: HugePte): void {
  // "Skip if can be re-fill on fault" (4.8): a file PMD is not copied; the child faults the page cache in.
  if (src.file && !e.hugeZero) {
    trace(k, 'copy_huge_pmd', `0x${(Number(v) * k.s.config.pageSize).toString(16)}: file PMD not copied, the child refaults`);
    return;
  }
  if (e.hugeZero) {
    child.huge[v] = { ...e };
    return;
  }
  const f = folio(k, e.pfn);
  const pol = k.p.forkEarlyCopy;
  const addr = Number(v) * k.s.config.pageSize;
  // 5.9 "mm/thp: Split huge pmds/puds if they're pinned when fork()"; 5.19: page_try_dup_anon_rmap(compound) fails.
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
  trace(k, 'copy_huge_pmd', `0x${addr.toString(16)}: THP pfn ${f.pfn} shared with the child (R/O)`);
}

/** copy_nonpresent_pte(): swap entries gain a reference; 5.19+ clears the exclusive marker in the parent. */
function copy_nonpresent_pte(k: Kernel, parent: Mm, child: Mm, dst: Vma, v: string, pte: Pte): void {
  // Before 8f34f1eac382 (5.13) swap and migration entries kept the uffd-wp bit in any child.
  const uffdWp = !k.p.forkUffdWpDstVma || (dst.flags & VM_UFFD_WP) !== 0;
  if (pte.kind === 'swap') {
    const d = decode_swap_pte(k, pte);
    swap_duplicate(k, d.entry);
    let val = pte.val;
    if (k.p.anonExclusive && d.exclusive) {
      val = '0x' + k.layout.clearExclusive(BigInt(pte.val)).toString(16);
      parent.ptes[v] = { kind: 'swap', val };
      trace(k, 'copy_nonpresent_pte', `${d.entry}: pte_swp_clear_exclusive in the parent`);
    }
    // pte_swp_clear_uffd_wp() unless the child is uffd-wp too.
    if (d.uffdWp && !uffdWp) val = '0x' + k.layout.encode({ ...k.layout.decode(BigInt(val)), uffdWp: false }).toString(16);
    child.ptes[v] = { kind: 'swap', val };
  } else if (pte.kind === 'migration') {
    child.ptes[v] = { ...pte, type: 'read', uffdWp: pte.uffdWp && uffdWp };
    parent.ptes[v] = { ...pte, type: 'read' };
  } else if (pte.kind === 'marker') {
    const m = copy_pte_marker(k, dst, pte, Number(v) * k.s.config.pageSize);
    if (m) child.ptes[v] = m;
  }
}

/** vma_needs_copy() (c56d1b62cce8; earlier the same test inline): VMAs without anon pages refault from the file. */
function vma_needs_copy(k: Kernel, dst: Vma, src: Vma): boolean {
  if (vma_needs_copy_uffd(k, dst)) return true;
  return src.anonVma !== null;
}

/**
 * fork() between its steps. dup_mmap() holds the parent's mmap_lock for
 * writing throughout, so page faults and GUP's slow path wait; GUP-fast does
 * not, which is why copy_present_pte() and the write-protection of the
 * parent's PTE are separate steps here, and why write_protect_seq exists.
 */
export interface ForkState {
  parentPid: number;
  parentMm: number;
  childPid: number | null;
  childMm: number | null;
  /** Name of the child's thread (the scenario variable fork() is assigned to). */
  childThread: string;
  /** Index of the parent VMA being copied. */
  vma: number;
  /** Page numbers of that VMA still to copy. */
  todo: string[];
  /** A parent PTE that copy_present_pte() shared and must still write-protect (ptep_set_wrprotect). */
  wrprotect: string | null;
  /** 'uffd': waiting until the monitor has read UFFD_EVENT_FORK (userfaultfd_event_wait_completion). */
  phase: 'start' | 'vma' | 'pte' | 'uffd';
  /** dup_userfaultfd()'s list of new userfaultfd contexts (parent ctx -> child ctx). */
  uffd: ForkCtxs;
}

export function fork_init(parentPid: number, parentMm: number, childThread: string): ForkState {
  return { parentPid, parentMm, childPid: null, childMm: null, childThread, vma: 0, todo: [], wrprotect: null, phase: 'start', uffd: {} };
}

/**
 * dup_mmap() failed: copy_process() drops the half-built mm (mmput() ->
 * exit_mmap(), which gives back what was copied) and the child, and
 * copy_mm() makes fork() return -ENOMEM whatever dup_mmap() returned.
 */
function fork_fail(k: Kernel, f: ForkState): { label: string; error: number } {
  const parent = k.s.mms[f.parentMm]!;
  const child = k.s.mms[f.childMm!]!;
  for (const v of child.vmas) {
    zap_pte_range(k, child, v.start, v.end, true);
    hugetlb_unreserve(k, v);
  }
  for (const id of Object.values(f.uffd)) delete k.s.uffds[id];
  for (const [tid, t] of Object.entries(k.s.tasks)) if (t.pid === f.childPid) delete k.s.tasks[tid];
  delete k.s.processes[f.childPid!];
  delete k.s.mms[child.id];
  parent.mmapLockedBy = null;
  trace(k, 'dup_mmap', `failed: the child's mm is torn down, mmap_lock released; fork() returns -ENOMEM`);
  return { label: 'dup_mmap', error: -ENOMEM };
}

/** One step of fork(); returns its label and, when fork() is done, the child's pid or -errno. */
export function fork_step(k: Kernel, f: ForkState, opId: number): { label: string; child?: number; error?: number; blocked?: boolean } {
  const parent = k.s.mms[f.parentMm]!;
  if (f.phase === 'start' && ksm_holds_mmap_read_lock(k, parent.id)) {
    // ksmd holds mmap_read_lock while write_protect_page() has a PTE cleared ((A1)-(A4)): mmap_write_lock() waits.
    trace(k, 'mmap_write_lock', 'waits: ksmd holds mmap_lock for reading');
    return { label: 'mmap_write_lock', blocked: true };
  }
  if (f.phase === 'start') {
    // copy_process() -> dup_mm(): a new mm; dup_mmap() takes mmap_write_lock(oldmm).
    const pid = k.s.next.id++;
    const mmId = k.s.next.id++;
    const p = k.s.processes[f.parentPid]!;
    k.s.mms[mmId] = { id: mmId, vmas: [], ptes: {}, huge: {}, hasPinned: false, writeProtectSeq: 0, mmapLockedBy: null, nextMmapBase: parent.nextMmapBase };
    k.s.processes[pid] = { pid, ppid: f.parentPid, mm: mmId, fds: structuredClone(p.fds), exitCode: null, signal: null, gupTestPin: null, rings: {} };
    const tid = k.s.next.id++;
    k.s.tasks[tid] = { tid, pid, name: f.childThread };
    parent.mmapLockedBy = opId;
    f.childPid = pid;
    f.childMm = mmId;
    f.phase = 'vma';
    trace(k, 'dup_mm', `child process ${pid}, mm ${mmId}; parent mmap_lock held for writing`);
    return { label: 'dup_mm' };
  }
  if (f.phase === 'uffd') {
    trace(k, 'userfaultfd_event_wait_completion', 'UFFD_EVENT_FORK was read: fork() returns');
    return { label: 'userfaultfd_event_wait_completion', child: f.childPid! };
  }
  const child = k.s.mms[f.childMm!]!;
  if (f.phase === 'vma') {
    const src = parent.vmas[f.vma];
    if (!src) {
      parent.mmapLockedBy = null;
      trace(k, 'dup_mmap', `copied ${child.vmas.length} VMA(s); mmap_lock released`);
      // dup_userfaultfd_complete(): with fork events queued, fork() sleeps until the monitor reads them.
      if (dup_userfaultfd_complete(k, f.uffd, opId)) {
        f.phase = 'uffd';
        return { label: 'dup_userfaultfd_complete' };
      }
      return { label: 'dup_mmap', child: f.childPid! };
    }
    f.vma++;
    if (src.flags & VM_DONTCOPY) {
      trace(k, 'dup_mmap', `skip VM_DONTCOPY VMA 0x${src.start.toString(16)}`);
      return { label: 'dup_mmap' };
    }
    const dst: Vma = { ...src, file: src.file && { ...src.file } };
    dup_userfaultfd(k, dst, child.id, f.uffd);
    // Hugetlb reservations belong to the mapping's owner; the child has none (HPAGE_RESV_OWNER).
    if (src.hugetlb) dst.hugetlb = { kb: src.hugetlb.kb, resv: 0 };
    child.vmas.push(dst);
    if (src.flags & VM_WIPEONFORK) {
      dst.anonVma = null;
      trace(k, 'dup_mmap', `VM_WIPEONFORK VMA 0x${src.start.toString(16)}: child starts empty`);
      return { label: 'dup_mmap' };
    }
    if (src.anonVma !== null) dst.anonVma = k.s.next.anonVma++;
    // Until bcd51a3c679d (6.0) vma_needs_copy() always copied VM_HUGETLB VMAs.
    if (!vma_needs_copy(k, dst, src) && (k.p.hugetlbForkLazy || !(src.flags & VM_HUGETLB))) {
      trace(k, 'copy_page_range', `VMA 0x${src.start.toString(16)} has no anon_vma: the child refaults`);
      return { label: 'dup_mmap' };
    }
    if (src.flags & VM_HUGETLB) {
      const err = copy_hugetlb_page_range(k, parent, child, src, dst);
      if (err) return fork_fail(k, f);
      return { label: 'copy_hugetlb_page_range' };
    }
    // copy_page_range(): 57efa1fe5957 raw_write_seqcount_begin() for COW mappings.
    if (isCowMapping(src.flags)) parent.writeProtectSeq++;
    const ps = k.s.config.pageSize;
    // copy_pmd_range(): PMD leaves are copied (or split) before their range's PTEs.
    for (const [hv, e] of Object.entries(parent.huge)) {
      const a = Number(hv) * ps;
      if (a >= src.start && a < src.end) copy_huge_pmd(k, parent, child, src, hv, e);
      // copy_huge_pmd(): pmd_clear_uffd_wp() unless the child keeps uffd-wp (src/mm/userfaultfd.ts).
      const ce = child.huge[hv];
      if (ce?.uffdWp && !uffd_wp_fork_keeps(k, src, dst)) child.huge[hv] = { ...ce, uffdWp: false };
    }
    f.todo = Object.keys(parent.ptes)
      .filter((v) => Number(v) * ps >= src.start && Number(v) * ps < src.end)
      .sort((a, b) => Number(a) - Number(b));
    f.phase = 'pte';
    return { label: 'copy_page_range' };
  }
  const src = parent.vmas[f.vma - 1]!;
  const dst = child.vmas[child.vmas.length - 1]!;
  if (f.wrprotect !== null) {
    const pte = parent.ptes[f.wrprotect] as PresentPte;
    parent.ptes[f.wrprotect] = { ...pte, write: false };
    trace(k, 'ptep_set_wrprotect', `parent PTE 0x${(Number(f.wrprotect) * k.s.config.pageSize).toString(16)} write-protected`);
    f.wrprotect = null;
    return { label: 'ptep_set_wrprotect' };
  }
  const v = f.todo.shift();
  if (v === undefined) {
    if (isCowMapping(src.flags)) parent.writeProtectSeq++;
    f.phase = 'vma';
    return { label: 'copy_page_range' };
  }
  const pte = parent.ptes[v];
  if (!pte) return { label: 'copy_pte_range' };
  if (pte.kind === 'present') {
    f.wrprotect = copy_present_pte(k, parent, child, src, dst, v, pte);
    return { label: 'copy_present_pte' };
  }
  copy_nonpresent_pte(k, parent, child, dst, v, pte);
  return { label: 'copy_nonpresent_pte' };
}
