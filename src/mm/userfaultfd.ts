// userfaultfd (fs/userfaultfd.c, mm/userfaultfd.c, include/linux/userfaultfd_k.h)
// and the PTE-marker side of uffd-wp (mm/memory.c, include/linux/mm_inline.h).
// A fault the monitor must resolve queues a uffd_msg and throws UffdBlocked:
// the step that faulted ends there, and the access is retried from scratch
// once the monitor wakes it (handle_userfault() returns VM_FAULT_RETRY).
import type { Mm, MarkerPte, PresentPte, Pte, Vma } from '../model/types.js';
import type { UffdCtx, UffdMsg } from '../model/uffd.js';
import {
  UFFD_API, UFFD_EVENT_FORK, UFFD_EVENT_PAGEFAULT, UFFD_FEATURE_EVENT_FORK, UFFD_FEATURE_MISSING_HUGETLBFS, UFFD_FEATURE_PAGEFAULT_FLAG_WP,
  UFFD_FEATURE_MINOR_HUGETLBFS, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_ASYNC, UFFD_PAGEFAULT_FLAG_MINOR, UFFDIO_CONTINUE_MODE_DONTWAKE,
  UFFDIO_CONTINUE_MODE_WP,
  UFFDIO_REGISTER_MODE_MINOR, UFFD_FEATURE_WP_HUGETLBFS_SHMEM, UFFD_FEATURE_WP_UNPOPULATED, UFFD_PAGEFAULT_FLAG_WP,
  UFFD_PAGEFAULT_FLAG_WRITE, UFFDIO_COPY_MODE_DONTWAKE, UFFDIO_COPY_MODE_WP, UFFDIO_REGISTER_MODE_MISSING,
  UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT_MODE_DONTWAKE, UFFDIO_WRITEPROTECT_MODE_WP, VM_UFFD_MISSING,
  UFFD_FEATURE_MOVE, UFFD_FEATURE_POISON, UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES, UFFDIO_MOVE_MODE_DONTWAKE, UFFDIO_POISON_MODE_DONTWAKE,
  UFFDIO_ZEROPAGE_MODE_DONTWAKE,
} from '../model/uffd.js';
import {
  EBUSY, EEXIST, EFAULT, EINVAL, ENOENT, ENOMEM, FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, VM_EXEC, VM_HUGETLB, VM_LOCKED, VM_READ, VM_SHARED,
  VM_UFFD_WP, VM_WRITE,
} from '../model/flags.js';
import { type Kernel, ModelBug, findVma, folio, trace, vpn } from './context.js';
import { PageAnonExclusive, folio_add_lru, folio_alloc, folio_maybe_dma_pinned } from './folio.js';
import { migration_entry_wait } from './migrate.js';
import { anon_vma_prepare, page_add_file_rmap, page_add_new_anon_rmap } from './rmap.js';
import { filemap_get_folio } from './filemap.js';
import { decode_swap_pte } from './swapfile.js';
import { mk_pte, pte_at, pte_mkdirty, set_pte_at, vm_normal_page, vma_soft_dirty_enabled } from './pgtable.js';
import { split_vmas } from './mmap.js';
import { __split_huge_pmd, huge_at, split_folio } from './huge_memory.js';
import { writeBytes } from '../model/bytes.js';
import { hugetlb_change_protection, hugetlb_mcontinue_atomic_pte, hugetlb_mcopy_atomic_pte } from './hugetlb.js';

/** __VM_UFFD_FLAGS in the flags word; VM_UFFD_MINOR is Vma.uffdMinor. */
export const VM_UFFD_FLAGS = VM_UFFD_MISSING | VM_UFFD_WP;

/** Clears VM_UFFD_* and the context (userfaultfd_reset_ctx). */
function reset_uffd(vma: Vma): void {
  vma.flags &= ~VM_UFFD_FLAGS;
  vma.uffdCtx = null;
  vma.uffdMinor = false;
}

/** A user access or GUP sleeps in handle_userfault() until the monitor wakes message `msg`. */
export class UffdBlocked extends Error {
  override name = 'UffdBlocked';
  constructor(readonly ctx: number, readonly msg: number, readonly address: number, readonly reason: 'missing' | 'wp' | 'minor') {
    super(`blocked in handle_userfault(): userfaultfd ${ctx} ${reason === 'wp' ? 'write-protect' : reason} fault at 0x${address.toString(16)}`);
  }
}

function ctxOf(k: Kernel, id: number): UffdCtx {
  const c = k.s.uffds[id];
  if (!c) throw new ModelBug(`no userfaultfd context ${id}`);
  return c;
}

/**
 * The features UFFDIO_API grants in this era, among those the model
 * implements (UFFD_API_FEATURES lists more: REMAP, REMOVE, UNMAP, SIGBUS,
 * MINOR_*, POISON, MOVE ...; asking the model for those gives -EINVAL).
 */
export function uffd_api_features(k: Kernel): number {
  let f = 0;
  if (k.p.uffdEventFork) f |= UFFD_FEATURE_EVENT_FORK;
  if (k.p.uffdHugetlb) f |= UFFD_FEATURE_MISSING_HUGETLBFS;
  if (k.p.uffdMinorHugetlb) f |= UFFD_FEATURE_MINOR_HUGETLBFS;
  if (k.p.uffdMinorShmem) f |= UFFD_FEATURE_MINOR_SHMEM;
  if (k.p.uffdPoison) f |= UFFD_FEATURE_POISON;
  if (k.p.uffdMove) f |= UFFD_FEATURE_MOVE;
  if (!arch_has_uffd_wp(k)) return f;
  if (k.p.uffdWp) f |= UFFD_FEATURE_PAGEFAULT_FLAG_WP;
  if (k.p.uffdWpShmem) f |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
  if (k.p.uffdWpUnpopulated) f |= UFFD_FEATURE_WP_UNPOPULATED;
  if (k.p.uffdWpAsync) f |= UFFD_FEATURE_WP_ASYNC;
  return f;
}

/**
 * CONFIG_HAVE_ARCH_USERFAULTFD_WP: an architecture with uffd-wp has a
 * uffd-wp bit in its swap PTEs (x86_64 since 5.7; arm64 from 6.10,
 * 5b32510af77b), so the swap-PTE layout of the era answers for it.
 */
export function arch_has_uffd_wp(k: Kernel): boolean {
  return k.layout.decode(k.layout.encode({ type: 0, offset: 1n, exclusive: false, softDirty: false, uffdWp: true })).uffdWp;
}

/** userfaultfd(2) -> new_userfaultfd(): a context bound to the caller's mm. */
export function new_userfaultfd(k: Kernel, mm: number): UffdCtx {
  const id = k.s.next.id++;
  const c: UffdCtx = { id, mm, features: null, msgs: [], pendingFork: false };
  k.s.uffds[id] = c;
  trace(k, 'new_userfaultfd', `userfaultfd ${id} for mm ${mm}`);
  return c;
}

/** userfaultfd_api(): the handshake; asking for a feature this kernel lacks is -EINVAL. */
export function userfaultfd_api(k: Kernel, c: UffdCtx, api: number, features: number): { ret: number; features: number } {
  const have = uffd_api_features(k);
  if (c.features !== null || api !== UFFD_API) return { ret: -EINVAL, features: 0 };
  if (features & ~have) {
    trace(k, 'userfaultfd_api', `features 0x${(features & ~have).toString(16)} unknown to this kernel: -EINVAL`);
    return { ret: -EINVAL, features: 0 };
  }
  // 2bad466cc9d9 / WP_ASYNC: asynchronous write-protect implies write-protecting unpopulated memory.
  c.features = features & UFFD_FEATURE_WP_ASYNC ? features | UFFD_FEATURE_WP_UNPOPULATED : features;
  trace(k, 'userfaultfd_api', `features 0x${c.features.toString(16)}`);
  return { ret: 0, features: have };
}

function isShmem(vma: Vma): boolean {
  return vma.file !== null;
}

/** vma_can_userfault() (4.11: anonymous, shmem and hugetlb; 5.7: WP only on anonymous memory; 5.19: also shmem/hugetlbfs; MINOR: hugetlb 5.13, shmem 5.14). */
function vma_can_userfault(k: Kernel, vma: Vma, vmFlags: number, minor: boolean): boolean {
  const hugetlb = (vma.flags & VM_HUGETLB) !== 0;
  if (hugetlb && !k.p.uffdHugetlb) return false;
  if (vmFlags & VM_UFFD_WP && (isShmem(vma) || hugetlb) && !k.p.uffdWpShmem) return false;
  // Minor faults need a page cache: any hugetlb VMA (7677f7fd8be7, 5.13; private ones too), shmem (c949b097ef2e, 5.14).
  if (minor && (hugetlb ? !k.p.uffdMinorHugetlb : !isShmem(vma) || !k.p.uffdMinorShmem)) return false;
  return true;
}

/** userfaultfd_register() and the ioctls on ranges: a hugetlb VMA is only taken in whole huge pages (-EINVAL). */
function hugetlb_range_aligned(vma: Vma, start: number, end: number): boolean {
  if (!vma.hugetlb) return true;
  const size = vma.hugetlb.kb * 1024;
  return Math.max(vma.start, start) % size === 0 && Math.min(vma.end, end) % size === 0;
}

/** userfaultfd_register(): VM_UFFD_* and the context on every VMA of the range. */
export function userfaultfd_register(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (c.features === null) return -EINVAL;
  if (!mode || mode & ~(UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP | UFFDIO_REGISTER_MODE_MINOR)) return -EINVAL;
  const minor = (mode & UFFDIO_REGISTER_MODE_MINOR) !== 0;
  if (minor && !k.p.uffdMinorHugetlb && !k.p.uffdMinorShmem) return -EINVAL;
  // Before 5.7 MODE_WP was reserved: "FIXME: remove the below error constraint by implementing the wprotect tracking mode".
  if (mode & UFFDIO_REGISTER_MODE_WP && (!k.p.uffdWp || !arch_has_uffd_wp(k))) {
    trace(k, 'userfaultfd_register', `UFFDIO_REGISTER_MODE_WP not implemented in this kernel${k.p.uffdWp ? ` on ${k.layout.name}` : ''}: -EINVAL`);
    return -EINVAL;
  }
  if (start % ps || len % ps || len <= 0 || mm.id !== c.mm) return -EINVAL;
  const end = start + len;
  const vmFlags = (mode & UFFDIO_REGISTER_MODE_MISSING ? VM_UFFD_MISSING : 0) | (mode & UFFDIO_REGISTER_MODE_WP ? VM_UFFD_WP : 0);
  const covered = mm.vmas.filter((v) => v.start < end && v.end > start);
  if (covered.reduce((n, v) => n + Math.min(v.end, end) - Math.max(v.start, start), 0) !== len) return -ENOMEM;
  for (const v of covered) {
    if (!vma_can_userfault(k, v, vmFlags, minor)) {
      trace(k, 'userfaultfd_register', `VMA 0x${v.start.toString(16)} cannot take ${minor ? 'VM_UFFD_MINOR' : vmFlags & VM_UFFD_WP ? 'VM_UFFD_WP' : 'VM_UFFD_MISSING'}: -EINVAL`);
      return -EINVAL;
    }
    if (!hugetlb_range_aligned(v, start, end)) {
      trace(k, 'userfaultfd_register', `0x${start.toString(16)}-0x${end.toString(16)} does not cover whole huge pages of VMA 0x${v.start.toString(16)}: -EINVAL`);
      return -EINVAL;
    }
    if (v.uffdCtx != null && v.uffdCtx !== c.id) return -EBUSY;
  }
  for (const v of split_vmas(mm, start, end, ps)) {
    v.flags = (v.flags & ~VM_UFFD_FLAGS) | vmFlags;
    v.uffdCtx = c.id;
    v.uffdMinor = minor;
  }
  trace(k, 'userfaultfd_register', `0x${start.toString(16)}-0x${end.toString(16)} ${vmFlags & VM_UFFD_MISSING ? 'MISSING' : ''}${vmFlags === VM_UFFD_FLAGS ? '|' : ''}${vmFlags & VM_UFFD_WP ? 'WP' : ''}`);
  return 0;
}

/**
 * userfaultfd_unregister(): drop the registration. Until 6.0 leftover
 * uffd-wp bits and markers stay; "mm/uffd: reset write protection when
 * unregister with wp-mode" (6.0) un-protects a VM_UFFD_WP range first
 * (uffd_wp_range).
 */
export function userfaultfd_unregister(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number): number {
  const ps = k.s.config.pageSize;
  if (start % ps || len % ps || len <= 0) return -EINVAL;
  const end = start + len;
  if (!mm.vmas.filter((v) => v.start < end && v.end > start).every((v) => hugetlb_range_aligned(v, start, end))) return -EINVAL;
  for (const v of split_vmas(mm, start, end, ps)) {
    if (v.uffdCtx !== c.id) continue;
    if (k.p.uffdUnregisterResetWp && userfaultfd_wp(v)) uffd_wp_range(k, mm, v, v.start, v.end, false);
    reset_uffd(v);
  }
  wake_userfault(k, c, start, len);
  return 0;
}

/** userfaultfd_wp(): the VMA is registered for write-protect faults. */
export function userfaultfd_wp(vma: Vma): boolean {
  return (vma.flags & VM_UFFD_WP) !== 0;
}

/** userfaultfd_missing(). */
export function userfaultfd_missing(vma: Vma): boolean {
  return (vma.flags & VM_UFFD_MISSING) !== 0;
}

/** userfaultfd_wp_async() (6.7). */
export function userfaultfd_wp_async(k: Kernel, vma: Vma): boolean {
  const c = vma.uffdCtx != null ? k.s.uffds[vma.uffdCtx] : undefined;
  return k.p.uffdWpAsync && c?.features != null && (c.features & UFFD_FEATURE_WP_ASYNC) !== 0;
}

/** userfaultfd_wp_use_markers(): may a none PTE of this VMA carry a uffd-wp marker? */
export function userfaultfd_wp_use_markers(k: Kernel, vma: Vma): boolean {
  if (!userfaultfd_wp(vma)) return false;
  if (isShmem(vma) || vma.hugetlb) return k.p.uffdWpShmem;
  const c = vma.uffdCtx != null ? k.s.uffds[vma.uffdCtx] : undefined;
  return k.p.uffdWpUnpopulated && c?.features != null && (c.features & UFFD_FEATURE_WP_UNPOPULATED) !== 0;
}

/** userfault_msg() + handle_userfault(): queue a message and put the faulting task to sleep. */
export function handle_userfault(k: Kernel, vma: Vma, addr: number, flags: number, reason: 'missing' | 'wp' | 'minor'): never {
  if (vma.uffdCtx == null) throw new ModelBug('handle_userfault() on a VMA without a userfaultfd context');
  const c = ctxOf(k, vma.uffdCtx);
  const ps = k.s.config.pageSize;
  const address = addr - (addr % ps);
  const msg: UffdMsg = {
    id: k.s.next.id++,
    event: UFFD_EVENT_PAGEFAULT,
    address,
    flags: (flags & FAULT_FLAG_WRITE ? UFFD_PAGEFAULT_FLAG_WRITE : 0) | (reason === 'wp' ? UFFD_PAGEFAULT_FLAG_WP : 0) |
      (reason === 'minor' ? UFFD_PAGEFAULT_FLAG_MINOR : 0),
    childCtx: null,
    state: 'pending',
    waiter: null,
  };
  c.msgs.push(msg);
  trace(k, 'handle_userfault', `${reason === 'wp' ? 'VM_UFFD_WP' : reason === 'minor' ? 'VM_UFFD_MINOR' : 'VM_UFFD_MISSING'} fault at 0x${address.toString(16)}: message ${msg.id} to userfaultfd ${c.id}, the task sleeps`);
  throw new UffdBlocked(c.id, msg.id, address, reason);
}

/** Is the operation still asleep on an unresolved fault? */
export function uffd_waiting(k: Kernel, op: number): UffdMsg | null {
  for (const c of Object.values(k.s.uffds)) {
    for (const m of c.msgs) if (m.waiter === op && m.state !== 'woken') return m;
  }
  return null;
}

/** Records the operation sleeping on a message (the task parked in handle_userfault). */
export function uffd_park(k: Kernel, e: UffdBlocked, op: number): void {
  const m = ctxOf(k, e.ctx).msgs.find((x) => x.id === e.msg);
  if (m) m.waiter = op;
}

/** Drops messages of a finished operation that are no longer needed. */
export function uffd_forget(k: Kernel, op: number): void {
  for (const c of Object.values(k.s.uffds)) c.msgs = c.msgs.filter((m) => m.waiter !== op || m.state !== 'woken');
}

/** wake_userfault(): wake every fault in [start, start+len), read or not. */
export function wake_userfault(k: Kernel, c: UffdCtx, start: number, len: number): number {
  let n = 0;
  for (const m of c.msgs) {
    if (m.event !== UFFD_EVENT_PAGEFAULT || m.state === 'woken') continue;
    if (m.address < start || m.address >= start + len) continue;
    m.state = 'woken';
    n++;
  }
  c.msgs = c.msgs.filter((m) => m.state !== 'woken' || m.waiter !== null);
  if (n) trace(k, 'wake_userfault', `woke ${n} fault(s) in 0x${start.toString(16)}-0x${(start + len).toString(16)}`);
  return n;
}

/** userfaultfd_read() -> userfaultfd_ctx_read(): the oldest unread message, or null (-EAGAIN on an O_NONBLOCK fd). */
export function userfaultfd_read(k: Kernel, c: UffdCtx): UffdMsg | null {
  const m = c.msgs.find((x) => x.state === 'pending');
  if (!m) return null;
  m.state = 'read';
  if (m.event === UFFD_EVENT_FORK) {
    // resolve_userfault_fork(): the child's context becomes a new fd of the reader; the event is complete.
    const child = ctxOf(k, m.childCtx!);
    child.pendingFork = false;
    c.msgs = c.msgs.filter((x) => x !== m);
    trace(k, 'resolve_userfault_fork', `UFFD_EVENT_FORK: userfaultfd ${child.id} for the child's mm ${child.mm}`);
  } else {
    trace(k, 'userfaultfd_ctx_read', `message ${m.id}: fault at 0x${m.address.toString(16)} flags 0x${m.flags.toString(16)}`);
  }
  return { ...m };
}

/** userfaultfd_pte_wp(): a write to this PTE must go to the monitor. */
export function userfaultfd_pte_wp(vma: Vma, pte: PresentPte): boolean {
  return userfaultfd_wp(vma) && pte.uffdWp;
}

/**
 * do_wp_page()'s uffd-wp check (5.7+), before any reuse or copy decision;
 * unsharing is not a write and skips it (5.19). Either sleeps in
 * handle_userfault() or returns the PTE the write fault goes on with.
 */
export function do_wp_page_uffd(k: Kernel, mm: Mm, vma: Vma, addr: number, pte: PresentPte, flags: number): PresentPte {
  if (flags & FAULT_FLAG_UNSHARE || !userfaultfd_pte_wp(vma, pte)) return pte;
  if (!userfaultfd_wp_async(k, vma)) handle_userfault(k, vma, addr, flags, 'wp');
  // 6.7 WP_ASYNC: drop the bit (invisible to the user) and handle the fault as an ordinary write.
  const cleared: PresentPte = { ...pte, uffdWp: false };
  set_pte_at(k, mm, addr, cleared);
  trace(k, 'do_wp_page', `UFFD_FEATURE_WP_ASYNC: uffd-wp cleared at 0x${addr.toString(16)}`);
  return cleared;
}

/**
 * do_huge_pmd_wp_page()'s uffd-wp check (userfaultfd_huge_pmd_wp, 5.7): the
 * whole PMD-mapped THP is protected; WP_ASYNC clears the bit instead.
 */
export function do_huge_pmd_wp_page_uffd(k: Kernel, mm: Mm, vma: Vma, start: number, addr: number, flags: number): 'split' | 'go_on' {
  const key = vpn(k, start);
  const e = mm.huge[key];
  if (!e || flags & FAULT_FLAG_UNSHARE || !userfaultfd_wp(vma) || !e.uffdWp) return 'go_on';
  if (!userfaultfd_wp_async(k, vma)) handle_userfault(k, vma, addr, flags, 'wp');
  // d61ea1cb0095 (6.7) wp_huge_pmd(): writes are tracked per page, so split; do_wp_page() clears one PTE's bit.
  __split_huge_pmd(k, mm, start);
  trace(k, 'wp_huge_pmd', `UFFD_FEATURE_WP_ASYNC: PMD at 0x${start.toString(16)} split, the PTE fault clears uffd-wp`);
  return 'split';
}

/**
 * change_pmd_range() for uffd-wp: a PMD leaf the range covers entirely is
 * (un)protected as a whole (change_huge_pmd); one it covers partly is split
 * first, and its PTEs inherit the bit. Protecting a file VMA always splits
 * (uffd_wp_protect_file, 5.19 "Allows file-back mem to be uffd wr-protected
 * on thps"): the PMD is cleared, and change_pmd_prepare() leaves a PTE table
 * whose none PTEs then get markers.
 */
function uffd_wp_change_pmds(k: Kernel, mm: Mm, vma: Vma, start: number, end: number, enable: boolean): void {
  const ps = k.s.config.pageSize;
  const splitFile = enable && vma.file !== null && k.p.uffdWpShmem;
  for (const [key, e] of Object.entries(mm.huge)) {
    const hs = Number(key) * ps;
    if (hs + e.size <= start || hs >= end) continue;
    if (hs < start || hs + e.size > end || splitFile) {
      __split_huge_pmd(k, mm, hs);
      continue;
    }
    mm.huge[key] = enable ? { ...e, write: false, uffdWp: true } : { ...e, uffdWp: false };
  }
}

/**
 * The first part of handle_pte_fault() for a none PTE or a PTE marker, where
 * userfaultfd decides: missing faults of registered VMAs (do_anonymous_page,
 * shmem_get_folio_gfp) and handle_pte_marker(). Returns 'fallthrough' when
 * the ordinary fault should run; 'marker' when it should run and then
 * write-protect the PTE it installs (the marker's uffd-wp bit); 'retry' when
 * the marker was cleared; 'sigbus' for a marker the kernel does not expect.
 */
export function handle_pte_none_uffd(
  k: Kernel, mm: Mm, vma: Vma, addr: number, pte: Pte | undefined, flags: number,
): 'fallthrough' | 'marker' | 'retry' | 'sigbus' | 'hwpoison' {
  if (pte?.kind === 'marker') {
    if (pte.poisoned) return handle_pte_marker_poisoned(k, addr);
    if (!pte.uffdWp) throw new ModelBug('a PTE marker without a marker bit');
    // handle_pte_marker() (5.19): markers only belong to file VMAs until 2bad466cc9d9 (6.4).
    if (!vma.file && !k.p.uffdWpUnpopulated) {
      trace(k, 'handle_pte_marker', 'marker in an anonymous VMA: WARN, VM_FAULT_SIGBUS');
      k.s.findings.push({ step: k.s.steps + 1, label: 'handle_pte_marker', invariant: 'marker-in-anon-vma', detail: `PTE marker at 0x${addr.toString(16)} in an anonymous VMA` });
      return 'sigbus';
    }
    // pte_marker_handle_uffd_wp(): a leftover marker of an unregistered range is simply cleared.
    if (!userfaultfd_wp(vma)) {
      delete mm.ptes[vpn(k, addr)];
      trace(k, 'pte_marker_clear', `leftover uffd-wp marker at 0x${addr.toString(16)} cleared`);
      return 'retry';
    }
    trace(k, 'handle_pte_marker', `uffd-wp marker at 0x${addr.toString(16)}: fault it in write-protected`);
  }
  const index = vma.file ? vma.file.pgoff + Math.floor((addr - vma.start) / k.s.config.pageSize) : 0;
  const cached = vma.file ? k.s.files[vma.file.ino]?.pages[index] !== undefined : false;
  // do_anonymous_page() / shmem_get_folio_gfp(): nothing to map yet, the monitor must provide it.
  if (userfaultfd_missing(vma) && !cached) handle_userfault(k, vma, addr, flags, 'missing');
  // shmem_get_folio_gfp() (5.14): the page is cached but the monitor decides when it may be mapped.
  if (vma.uffdMinor && cached) handle_userfault(k, vma, addr, flags, 'minor');
  return pte?.kind === 'marker' ? 'marker' : 'fallthrough';
}

/**
 * After a fault on a uffd-wp marker installed a page: the marker's bit moves
 * into the PTE, write-protected (do_anonymous_page / do_set_pte: pte_mkuffd_wp).
 */
export function pte_marker_finish(k: Kernel, mm: Mm, addr: number): void {
  const pte = pte_at(k, mm, addr);
  if (pte?.kind !== 'present') return;
  set_pte_at(k, mm, addr, { ...pte, write: false, uffdWp: true });
  trace(k, 'pte_mkuffd_wp', `0x${addr.toString(16)} mapped write-protected (the marker's uffd-wp bit)`);
}

/** pte_install_uffd_wp_if_needed() (5.19): a zapped or unmapped uffd-wp file PTE leaves a marker. */
export function pte_install_uffd_wp_if_needed(k: Kernel, mm: Mm, vma: Vma | undefined, addr: number, old: Pte): void {
  if (!vma || !vma.file || !userfaultfd_wp(vma) || !k.p.uffdWpShmem) return;
  let wp = false;
  if (old.kind === 'present' || old.kind === 'marker' || old.kind === 'migration') wp = old.uffdWp;
  else wp = decode_swap_pte(k, old).uffdWp;
  if (!wp) return;
  const marker: MarkerPte = { kind: 'marker', uffdWp: true };
  set_pte_at(k, mm, addr, marker);
  trace(k, 'pte_install_uffd_wp_if_needed', `0x${addr.toString(16)}: PTE_MARKER_UFFD_WP keeps the write protection`);
}

/**
 * zap_pte_range()'s marker rule: file VMAs keep markers unless the caller
 * drops them (truncation: ZAP_FLAG_DROP_MARKER); anonymous VMAs never keep
 * them. __unmap_hugepage_range() keeps hugetlb markers by the same flag (5.19).
 */
export function zap_keeps_marker(vma: Vma | undefined, dropMarkers: boolean): boolean {
  return !!vma && (vma.file !== null || vma.hugetlb !== undefined) && !dropMarkers;
}

/** copy_nonpresent_pte()'s marker rule: before 49d6d7fb6313 (6.2) markers were copied into any child. */
export function copy_pte_marker(k: Kernel, dst: Vma, pte: MarkerPte, addr: number): MarkerPte | null {
  if (pte.poisoned) return copy_pte_marker_poisoned(dst, pte);
  if (userfaultfd_wp(dst)) return { ...pte };
  if (k.p.forkMarkerOnlyUffdWp) return null;
  trace(k, 'copy_nonpresent_pte', `WARN_ON_ONCE(!userfaultfd_wp(dst_vma)): marker at 0x${addr.toString(16)} copied into a child without uffd-wp`);
  k.s.findings.push({ step: k.s.steps + 1, label: 'copy_nonpresent_pte', invariant: 'marker-copied-to-non-uffd-wp-child', detail: `WARN_ON_ONCE(!userfaultfd_wp(dst_vma)) at 0x${addr.toString(16)}` });
  return { ...pte };
}

/** vma_needs_copy()'s uffd-wp rule (c56d1b62cce8, 5.19): a uffd-wp child needs the page tables (wp bits, markers). */
export function vma_needs_copy_uffd(k: Kernel, dst: Vma): boolean {
  return k.p.forkCopyUffdWp && userfaultfd_wp(dst);
}

/** copy_present_pte(): does the child's PTE keep uffd-wp? b569a17 (5.7) tested the parent's VMA, 8f34f1eac382 (5.13) the child's. */
export function uffd_wp_fork_keeps(k: Kernel, src: Vma, dst: Vma): boolean {
  return userfaultfd_wp(k.p.forkUffdWpDstVma ? dst : src);
}

/** Forks in progress: parent context id -> child context id (struct userfaultfd_fork_ctx list). */
export type ForkCtxs = Record<string, number>;

/** dup_userfaultfd(): the child VMA keeps VM_UFFD_* only with UFFD_FEATURE_EVENT_FORK, on a new context. */
export function dup_userfaultfd(k: Kernel, dst: Vma, childMm: number, fcs: ForkCtxs): void {
  const octx = dst.uffdCtx != null ? k.s.uffds[dst.uffdCtx] : undefined;
  if (!octx) {
    reset_uffd(dst);
    return;
  }
  if (octx.features === null || !(octx.features & UFFD_FEATURE_EVENT_FORK)) {
    reset_uffd(dst);
    trace(k, 'dup_userfaultfd', `no UFFD_FEATURE_EVENT_FORK: child VMA 0x${dst.start.toString(16)} loses VM_UFFD_*`);
    return;
  }
  let id = fcs[octx.id];
  if (id === undefined) {
    id = k.s.next.id++;
    k.s.uffds[id] = { id, mm: childMm, features: octx.features, msgs: [], pendingFork: true };
    fcs[octx.id] = id;
  }
  dst.uffdCtx = id;
  trace(k, 'dup_userfaultfd', `child VMA 0x${dst.start.toString(16)} keeps VM_UFFD_* on userfaultfd ${id}`);
}

/**
 * dup_userfaultfd_complete(): one UFFD_EVENT_FORK per context to the parent's
 * monitor; the forking task (operation `waiter`) sleeps until each is read.
 * Returns whether it has to wait.
 */
export function dup_userfaultfd_complete(k: Kernel, fcs: ForkCtxs, waiter: number): boolean {
  let n = 0;
  for (const [parent, child] of Object.entries(fcs)) {
    const c = ctxOf(k, Number(parent));
    c.msgs.push({ id: k.s.next.id++, event: UFFD_EVENT_FORK, address: 0, flags: 0, childCtx: child, state: 'pending', waiter });
    trace(k, 'dup_userfaultfd_complete', `UFFD_EVENT_FORK queued on userfaultfd ${c.id}; fork() waits for the monitor to read it`);
    n++;
  }
  return n > 0;
}

/** change_pte_range() with MM_CP_UFFD_WP / MM_CP_UFFD_WP_RESOLVE for one PTE. */
function uffd_wp_change_pte(k: Kernel, mm: Mm, vma: Vma, addr: number, enable: boolean): void {
  const v = vpn(k, addr);
  const pte = mm.ptes[v];
  if (!pte) {
    // 5.19 file VMAs, 6.4 anonymous with WP_UNPOPULATED: protect what is not populated yet.
    if (enable && userfaultfd_wp_use_markers(k, vma)) mm.ptes[v] = { kind: 'marker', uffdWp: true };
    return;
  }
  switch (pte.kind) {
    case 'present': {
      if (enable) {
        mm.ptes[v] = { ...pte, write: false, uffdWp: true };
        return;
      }
      let np: PresentPte = { ...pte, uffdWp: false };
      const softDirtyOk = !vma_soft_dirty_enabled(k, vma) || np.softDirty;
      if (!(vma.flags & VM_WRITE)) {
        // Nothing to make writable.
      } else if (!k.p.uffdUnprotectWritable) {
        // Until 931298e103c2 (6.3) uffd_wp_range() un-protected with vm_get_page_prot(vm_flags): writable
        // at once in a shared mapping, still R/O (PAGE_COPY) in a private one.
        if (vma.flags & VM_SHARED) np = { ...np, write: true };
      } else if (vma.flags & VM_SHARED) {
        // 6.3 can_change_pte_writable() for a shared mapping: only a dirty PTE skips the write-notify fault.
        if (np.dirty && softDirtyOk) np = { ...np, write: true };
      } else {
        // 6.3 can_change_pte_writable() for private memory: an exclusive anon page (no dirty test since 6.2).
        const f = vm_normal_page(k, np);
        if (f?.anon && PageAnonExclusive(k, np.pfn) && softDirtyOk) np = { ...np, write: true };
      }
      mm.ptes[v] = np;
      return;
    }
    case 'swap': {
      const d = decode_swap_pte(k, pte);
      const val = k.layout.encode({ type: d.type, offset: d.offset, exclusive: d.exclusive, softDirty: d.softDirty, uffdWp: enable });
      mm.ptes[v] = { kind: 'swap', val: '0x' + val.toString(16) };
      return;
    }
    case 'migration':
      mm.ptes[v] = { ...pte, uffdWp: enable };
      return;
    case 'marker':
      // change_pte_range(): "Ignore error swap entries unconditionally" (6.6).
      if (pte.poisoned) return;
      if (!enable) delete mm.ptes[v];
      return;
  }
}

/** uffd_wp_range(): change_protection() with MM_CP_UFFD_WP(_RESOLVE) over [from, to) of one VMA. */
function uffd_wp_range(k: Kernel, mm: Mm, vma: Vma, from: number, to: number, enable: boolean): void {
  // change_protection() hands hugetlb VMAs to hugetlb_change_protection().
  if (vma.hugetlb) {
    hugetlb_change_protection(k, mm, vma, from, to, enable);
    return;
  }
  uffd_wp_change_pmds(k, mm, vma, from, to, enable);
  for (let a = from; a < to; a += k.s.config.pageSize) {
    if (huge_at(k, mm, a)) continue;
    uffd_wp_change_pte(k, mm, vma, a, enable);
  }
}

/** UFFDIO_WRITEPROTECT -> mwriteprotect_range(); clearing also wakes sleeping faults unless DONTWAKE. */
export function mwriteprotect_range(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (!k.p.uffdWp) return -EINVAL;
  if (c.features === null || start % ps || len % ps || len <= 0) return -EINVAL;
  if (mode & ~(UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE)) return -EINVAL;
  const enable = (mode & UFFDIO_WRITEPROTECT_MODE_WP) !== 0;
  if (enable && mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE) return -EINVAL;
  const end = start + len;
  for (let a = start; a < end; a += ps) {
    const vma = findVma(mm, a);
    if (!vma || !userfaultfd_wp(vma) || vma.uffdCtx !== c.id) return -ENOENT;
  }
  const vmas = mm.vmas.filter((v) => v.start < end && v.end > start);
  if (!vmas.every((v) => hugetlb_range_aligned(v, start, end))) return -EINVAL;
  for (const v of vmas) uffd_wp_range(k, mm, v, Math.max(v.start, start), Math.min(v.end, end), enable);
  trace(k, 'mwriteprotect_range', `0x${start.toString(16)}-0x${end.toString(16)} ${enable ? 'write-protected' : 'un-protected'}`);
  if (!enable && !(mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE)) wake_userfault(k, c, start, len);
  return 0;
}

/**
 * UFFDIO_COPY -> mfill_atomic_copy(): fill a missing page with data, mapped
 * write-protected with MODE_WP (mfill_atomic_install_pte), then wake.
 * Anonymous memory gets a new anon page; shmem a new page-cache page.
 */
export function mfill_atomic_copy(k: Kernel, c: UffdCtx, mm: Mm, dst: number, data: Uint8Array, mode: number): number {
  const ps = k.s.config.pageSize;
  if (c.features === null || dst % ps || data.length % ps || data.length === 0) return -EINVAL;
  if (mode & ~(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP)) return -EINVAL;
  const wp = (mode & UFFDIO_COPY_MODE_WP) !== 0;
  if (wp && !k.p.uffdWp) return -EINVAL;
  let copied = 0;
  const first = findVma(mm, dst);
  // mfill_atomic_hugetlb(): hugetlb destinations are filled in whole huge pages.
  if (first?.hugetlb) {
    if (first.uffdCtx !== c.id) return -ENOENT;
    if (!hugetlb_range_aligned(first, dst, dst + data.length) || dst + data.length > first.end) return -EINVAL;
    if (wp && !userfaultfd_wp(first)) return -EINVAL;
    const size = first.hugetlb.kb * 1024;
    for (let a = dst; a < dst + data.length; a += size) {
      const r = hugetlb_mcopy_atomic_pte(k, mm, first, a, data.subarray(a - dst, a - dst + size), wp);
      if (r < 0) return copied ? copied : r;
      copied += r;
    }
    trace(k, 'mfill_atomic_hugetlb', `${copied} byte(s) at 0x${dst.toString(16)}${wp ? ' (UFFDIO_COPY_MODE_WP)' : ''}`);
    if (!(mode & UFFDIO_COPY_MODE_DONTWAKE)) wake_userfault(k, c, dst, data.length);
    return copied;
  }
  for (let a = dst; a < dst + data.length; a += ps) {
    const vma = findVma(mm, a);
    if (!vma || vma.uffdCtx !== c.id) return copied ? copied : -ENOENT;
    if (wp && !userfaultfd_wp(vma)) return copied ? copied : -EINVAL;
    const pte = pte_at(k, mm, a);
    if (pte && pte.kind !== 'marker') return copied ? copied : -EEXIST;
    const bytes = data.subarray(a - dst, a - dst + ps);
    let np: PresentPte;
    if (vma.file && vma.flags & VM_SHARED) {
      // shmem_mfill_atomic_pte(): the page goes into the page cache; -EEXIST if one is there already.
      const file = k.s.files[vma.file.ino]!;
      const index = vma.file.pgoff + (a - vma.start) / ps;
      if (file.pages[index] !== undefined) return copied ? copied : -EEXIST;
      const f = filemap_get_folio(k, file, index);
      f.data = writeBytes(f.data, 0, bytes);
      f.dirty = true;
      f.refcount++;
      page_add_file_rmap(k, f.pfn);
      file.size = Math.max(file.size, (index + 1) * ps);
      np = pte_mkdirty(mk_pte(f.pfn));
      if (!wp && vma.flags & VM_WRITE) np = { ...np, write: true };
    } else {
      // mfill_atomic_pte_copy(): a new exclusive anon page.
      anon_vma_prepare(k, vma);
      const f = folio_alloc(k);
      f.data = writeBytes(f.data, 0, bytes);
      page_add_new_anon_rmap(k, f, vma);
      folio_add_lru(k, f);
      np = pte_mkdirty(mk_pte(f.pfn));
      if (!wp && vma.flags & VM_WRITE) np = { ...np, write: true };
    }
    // Before 0e88904cb700 (5.18) MODE_WP only marked the PTE in a VM_WRITE VMA: mprotect(PROT_WRITE) later lost it.
    if (wp && (k.p.uffdCopyWpAlways || vma.flags & VM_WRITE)) np = { ...np, write: false, uffdWp: true };
    set_pte_at(k, mm, a, np);
    copied += ps;
  }
  trace(k, 'mfill_atomic_copy', `${copied} byte(s) at 0x${dst.toString(16)}${wp ? ' (UFFDIO_COPY_MODE_WP)' : ''}`);
  if (!(mode & UFFDIO_COPY_MODE_DONTWAKE)) wake_userfault(k, c, dst, data.length);
  return copied;
}

/**
 * UFFDIO_CONTINUE -> mfill_atomic_pte_continue(): map the page-cache pages
 * that are already there (after a minor fault), then wake. Private
 * mappings get them read-only, like a read fault. UFFDIO_CONTINUE came
 * with hugetlbfs minor faults (f619147104c8, 5.13); MODE_WP (6.4) maps
 * them uffd-wp, in a VM_UFFD_WP VMA only. hugetlb goes by whole huge pages
 * (mfill_atomic_hugetlb).
 */
export function mfill_atomic_continue(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (!(k.p.uffdMinorHugetlb || k.p.uffdMinorShmem) || c.features === null || start % ps || len % ps || len <= 0) return -EINVAL;
  const modes = UFFDIO_CONTINUE_MODE_DONTWAKE | (k.p.uffdContinueWp ? UFFDIO_CONTINUE_MODE_WP : 0);
  if (mode & ~modes) return -EINVAL;
  const wp = (mode & UFFDIO_CONTINUE_MODE_WP) !== 0;
  let mapped = 0;
  const first = findVma(mm, start);
  if (first?.hugetlb) {
    if (first.uffdCtx !== c.id || !first.uffdMinor) return -ENOENT;
    if (!hugetlb_range_aligned(first, start, start + len) || start + len > first.end) return -EINVAL;
    if (wp && !userfaultfd_wp(first)) return -EINVAL;
    const size = first.hugetlb.kb * 1024;
    for (let a = start; a < start + len; a += size) {
      const r = hugetlb_mcontinue_atomic_pte(k, mm, first, a, wp);
      if (r < 0) return mapped ? mapped : r;
      mapped += r;
    }
  } else {
    for (let a = start; a < start + len; a += ps) {
      const vma = findVma(mm, a);
      if (!vma || vma.uffdCtx !== c.id || !vma.uffdMinor || !vma.file || vma.hugetlb) return mapped ? mapped : -ENOENT;
      if (wp && !userfaultfd_wp(vma)) return mapped ? mapped : -EINVAL;
      const pte = pte_at(k, mm, a);
      if (pte && pte.kind !== 'marker') return mapped ? mapped : -EEXIST;
      const pfn = k.s.files[vma.file.ino]!.pages[vma.file.pgoff + (a - vma.start) / ps];
      if (pfn === undefined) return mapped ? mapped : -EFAULT;
      // A page of a shmem THP is mapped on its own; the reference goes to its folio.
      folio(k, pfn).refcount++;
      page_add_file_rmap(k, pfn);
      // mfill_atomic_install_pte(): dirty, writable only in a shared writable mapping and without MODE_WP; a marker is overwritten.
      let np = pte_mkdirty(mk_pte(pfn));
      if (!wp && vma.flags & VM_SHARED && vma.flags & VM_WRITE) np = { ...np, write: true };
      if (wp) np = { ...np, uffdWp: true };
      set_pte_at(k, mm, a, np);
      mapped += ps;
    }
  }
  trace(k, 'mfill_atomic_continue', `${mapped} byte(s) at 0x${start.toString(16)} mapped from the page cache${wp ? ' (UFFDIO_CONTINUE_MODE_WP)' : ''}`);
  if (!(mode & UFFDIO_CONTINUE_MODE_DONTWAKE)) wake_userfault(k, c, start, len);
  return mapped;
}

/** UFFDIO_WAKE. */
export function userfaultfd_wake(k: Kernel, c: UffdCtx, start: number, len: number): number {
  if (c.features === null) return -EINVAL;
  wake_userfault(k, c, start, len);
  return 0;
}

/** Invariant: a uffd-wp PTE is never writable (the kernel's pte_mkuffd_wp write-protects). */
export function uffd_invariants(s: Kernel['s']): { invariant: string; detail: string }[] {
  const out: { invariant: string; detail: string }[] = [];
  for (const mm of Object.values(s.mms)) {
    // for-in, not Object.entries(): this runs after every step over every PTE.
    for (const v in mm.ptes) {
      const pte = mm.ptes[v]!;
      if (pte.kind === 'present' && pte.write && pte.uffdWp) {
        out.push({ invariant: 'writable-uffd-wp', detail: `mm ${mm.id}: writable PTE with uffd-wp at 0x${(Number(v) * s.config.pageSize).toString(16)}` });
      }
    }
    for (const [v, e] of Object.entries(mm.huge)) {
      if (e.write && e.uffdWp) {
        out.push({ invariant: 'writable-uffd-wp', detail: `mm ${mm.id}: writable PMD with uffd-wp at 0x${(Number(v) * s.config.pageSize).toString(16)}` });
      }
    }
  }
  return out;
}

/** The VMA of [start, start+len) for an mfill ioctl (uffd_mfill_lock -> validate_dst_vma): the whole range in one VMA of this context. */
function mfill_dst_vma(c: UffdCtx, mm: Mm, start: number, len: number): Vma | number {
  const vma = findVma(mm, start);
  if (!vma || start + len > vma.end || vma.uffdCtx !== c.id) return -ENOENT;
  return vma;
}

/** mfill_file_over_size(): a file page at or past i_size is -EFAULT. */
function mfill_file_over_size(k: Kernel, vma: Vma, addr: number): boolean {
  if (!vma.file) return false;
  const ps = k.s.config.pageSize;
  const index = vma.file.pgoff + (addr - vma.start) / ps;
  return index >= Math.ceil(k.s.files[vma.file.ino]!.size / ps);
}

/**
 * UFFDIO_ZEROPAGE -> mfill_atomic_zeropage() (every modelled era; shmem
 * from 4.14): resolve missing faults with zeros. A private mapping gets the shared zeropage
 * (mfill_atomic_pte_zeropage, read-only and special like a read fault), a
 * shared shmem mapping a zeroed page-cache page (shmem_mfill_atomic_pte).
 * The PTE must be none: unlike UFFDIO_COPY a marker is -EEXIST (pte_none).
 * hugetlb has no zeropage: -EINVAL (mfill_atomic_hugetlb). Returns the
 * uffdio_zeropage.zeropage field: bytes zeroed, or -errno if none were.
 */
export function mfill_atomic_zeropage(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (mode & ~UFFDIO_ZEROPAGE_MODE_DONTWAKE) return -EINVAL;
  if (c.features === null || start % ps || len % ps || len <= 0) return -EINVAL;
  const vma = mfill_dst_vma(c, mm, start, len);
  if (typeof vma === 'number') return vma;
  if (vma.hugetlb) {
    trace(k, 'mfill_atomic_hugetlb', 'MFILL_ATOMIC_ZEROPAGE: no zeropage for hugetlb: -EINVAL');
    return -EINVAL;
  }
  if (vma.file && !k.p.uffdZeropageShmem) {
    trace(k, '__mcopy_atomic', 'UFFDIO_ZEROPAGE on shmem before 8d1039634206 (4.14): -EINVAL');
    return -EINVAL;
  }
  // find_vma_and_prepare_anon(): a private VMA gets its anon_vma, so fork() copies what is filled in.
  if (!(vma.flags & VM_SHARED)) anon_vma_prepare(k, vma);
  let done = 0;
  for (let a = start; a < start + len; a += ps) {
    const err = mfill_dst_pte_none(k, mm, vma, a);
    if (err) return done ? done : err;
    if (vma.file && vma.flags & VM_SHARED) {
      const file = k.s.files[vma.file.ino]!;
      const index = vma.file.pgoff + (a - vma.start) / ps;
      if (file.pages[index] !== undefined) return done ? done : -EEXIST;
      const f = filemap_get_folio(k, file, index);
      f.dirty = true;
      f.refcount++;
      page_add_file_rmap(k, f.pfn);
      // mfill_atomic_install_pte(): dirty, writable in a shared writable mapping.
      let np = pte_mkdirty(mk_pte(f.pfn));
      if (vma.flags & VM_WRITE) np = { ...np, write: true };
      set_pte_at(k, mm, a, np);
    } else {
      set_pte_at(k, mm, a, mk_pte(k.s.zeroPfn, true));
    }
    done += ps;
  }
  trace(k, 'mfill_atomic_zeropage', `${done} byte(s) at 0x${start.toString(16)} ${vma.file && vma.flags & VM_SHARED ? 'zero-filled in the page cache' : 'mapped to the zeropage'}`);
  if (!(mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE)) wake_userfault(k, c, start, done);
  return done;
}

/** The destination checks of mfill_atomic_pte_zeropage/_poison: -EEXIST over a THP, a PTE or any marker, -EFAULT past i_size, else 0. */
function mfill_dst_pte_none(k: Kernel, mm: Mm, vma: Vma, a: number): number {
  if (huge_at(k, mm, a)) return -EEXIST;
  if (mfill_file_over_size(k, vma, a)) return -EFAULT;
  return pte_at(k, mm, a) ? -EEXIST : 0;
}

/**
 * UFFDIO_POISON -> mfill_atomic_poison() (fc71884a5f59, 6.6): a
 * PTE_MARKER_POISONED marker on none PTEs (mfill_atomic_pte_poison refuses to
 * overwrite anything, even a uffd-wp marker: -EEXIST); any later access
 * gets VM_FAULT_HWPOISON, a SIGBUS. Before 6.6 the ioctl is unknown
 * (-EINVAL). hugetlb poison (hugetlb_mfill_atomic_pte) is not modelled:
 * -EINVAL here. Returns the uffdio_poison.updated field.
 */
export function mfill_atomic_poison(k: Kernel, c: UffdCtx, mm: Mm, start: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (!k.p.uffdPoison) {
    trace(k, 'userfaultfd_ioctl', 'UFFDIO_POISON unknown to this kernel: -EINVAL');
    return -EINVAL;
  }
  if (c.features === null || start % ps || len % ps || len <= 0) return -EINVAL;
  if (mode & ~UFFDIO_POISON_MODE_DONTWAKE) return -EINVAL;
  const vma = mfill_dst_vma(c, mm, start, len);
  if (typeof vma === 'number') return vma;
  if (vma.hugetlb) {
    trace(k, 'mfill_atomic_hugetlb', 'UFFDIO_POISON on hugetlb is not modelled: -EINVAL');
    return -EINVAL;
  }
  if (!(vma.flags & VM_SHARED)) anon_vma_prepare(k, vma);
  let done = 0;
  for (let a = start; a < start + len; a += ps) {
    const err = mfill_dst_pte_none(k, mm, vma, a);
    if (err) return done ? done : err;
    set_pte_at(k, mm, a, { kind: 'marker', uffdWp: false, poisoned: true });
    done += ps;
  }
  trace(k, 'mfill_atomic_poison', `${done} byte(s) at 0x${start.toString(16)}: PTE_MARKER_POISONED`);
  if (!(mode & UFFDIO_POISON_MODE_DONTWAKE)) wake_userfault(k, c, start, done);
  return done;
}

/** handle_pte_marker() for PTE_MARKER_POISONED (6.6): "Higher priority than uffd-wp when data corrupted": VM_FAULT_HWPOISON. */
export function handle_pte_marker_poisoned(k: Kernel, addr: number): 'hwpoison' {
  trace(k, 'handle_pte_marker', `PTE_MARKER_POISONED at 0x${addr.toString(16)}: VM_FAULT_HWPOISON`);
  return 'hwpoison';
}

/** copy_pte_marker() (6.6): "Always copy error entries"; the uffd-wp bit only into a uffd-wp child. */
export function copy_pte_marker_poisoned(dst: Vma, pte: MarkerPte): MarkerPte {
  return { kind: 'marker', uffdWp: pte.uffdWp && userfaultfd_wp(dst), poisoned: true };
}

/** zap_pte_range(): a poisoned marker goes whenever COWed pages do (should_zap_cows(): every zap the model makes). */
export function zap_keeps_pte_marker(vma: Vma | undefined, dropMarkers: boolean, pte: MarkerPte): boolean {
  return !pte.poisoned && zap_keeps_marker(vma, dropMarkers);
}

/** validate_move_areas() (adef440691ba, 6.8): what UFFDIO_MOVE accepts as source and destination. */
function validate_move_areas(c: UffdCtx, src: Vma, dst: Vma): number {
  const access = VM_READ | VM_WRITE | VM_EXEC;
  // Same access and protection, both mlocked or neither, writable, not hugetlb, dst registered here, both anonymous.
  if ((src.flags & access) !== (dst.flags & access)) return -EINVAL;
  if ((src.flags & VM_LOCKED) !== (dst.flags & VM_LOCKED)) return -EINVAL;
  if (!(src.flags & VM_WRITE)) return -EINVAL;
  if (src.flags & VM_HUGETLB || dst.flags & VM_HUGETLB) return -EINVAL;
  if (dst.uffdCtx !== c.id) return -EINVAL;
  if (src.file || dst.file) return -EINVAL;
  return 0;
}

/** move_swap_pte() (6.8): only a swap entry that remembers an exclusive page moves, bits and all. */
function move_swap_pte(k: Kernel, mm: Mm, dst: number, src: number, pte: Pte & { kind: 'swap' }): number {
  const d = decode_swap_pte(k, pte);
  if (!d.exclusive) {
    trace(k, 'move_swap_pte', `${d.entry} at 0x${src.toString(16)} is not exclusive: -EBUSY`);
    return -EBUSY;
  }
  delete mm.ptes[vpn(k, src)];
  set_pte_at(k, mm, dst, pte);
  trace(k, 'move_swap_pte', `${d.entry} moved 0x${src.toString(16)} -> 0x${dst.toString(16)}`);
  return 0;
}

/** move_zeropage_pte() (6.8): the zeropage is mapped at dst from dst's vm_page_prot, src is cleared. */
function move_zeropage_pte(k: Kernel, mm: Mm, dst: number, src: number): number {
  delete mm.ptes[vpn(k, src)];
  set_pte_at(k, mm, dst, mk_pte(k.s.zeroPfn, true));
  trace(k, 'move_zeropage_pte', `zeropage moved 0x${src.toString(16)} -> 0x${dst.toString(16)}`);
  return 0;
}

/**
 * move_present_pte() (6.8): an exclusive, unpinned small anon folio changes
 * address: folio_move_anon_rmap() and folio->index follow dst (the model
 * keeps no per-folio anon_vma or index), PG_anon_exclusive stays, and the
 * new PTE is dirty and writable "following mremap() behavior".
 */
function move_present_pte(k: Kernel, mm: Mm, dstVma: Vma, dst: number, src: number, pte: PresentPte): number {
  const f = vm_normal_page(k, pte)!;
  if (f.order > 0 || folio_maybe_dma_pinned(k, f) || !PageAnonExclusive(k, f.pfn)) {
    trace(k, 'move_present_pte', `pfn ${f.pfn} is large, maybe pinned or not exclusive: -EBUSY`);
    return -EBUSY;
  }
  delete mm.ptes[vpn(k, src)];
  anon_vma_prepare(k, dstVma);
  set_pte_at(k, mm, dst, { ...pte_mkdirty(mk_pte(f.pfn)), write: true });
  trace(k, 'move_present_pte', `pfn ${f.pfn} moved 0x${src.toString(16)} -> 0x${dst.toString(16)}, folio_move_anon_rmap()`);
  return 0;
}

/** move_pages_pte() (6.8): one page; the errors say why it cannot move. */
function move_pages_pte(k: Kernel, mm: Mm, dstVma: Vma, dst: number, src: number, mode: number): number {
  if (pte_at(k, mm, dst)) {
    trace(k, 'move_pages_pte', `destination 0x${dst.toString(16)} is not none: -EEXIST`);
    return -EEXIST;
  }
  const pte = pte_at(k, mm, src);
  if (!pte) {
    if (mode & UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES) return 0;
    trace(k, 'move_pages_pte', `source 0x${src.toString(16)} is a hole: -ENOENT`);
    return -ENOENT;
  }
  if (pte.kind === 'present') {
    if (pte.pfn === k.s.zeroPfn) return move_zeropage_pte(k, mm, dst, src);
    const f = vm_normal_page(k, pte);
    if (!f || !f.anon || !PageAnonExclusive(k, pte.pfn)) {
      trace(k, 'move_pages_pte', `page at 0x${src.toString(16)} is not an exclusive anon page: -EBUSY`);
      return -EBUSY;
    }
    // A PTE-mapped large folio is split first (split_folio(); it fails while anything else holds a reference).
    if (f.order > 0 && !split_folio(k, f, 0)) return -EBUSY;
    return move_present_pte(k, mm, dstVma, dst, src, pte);
  }
  if (pte.kind === 'swap') return move_swap_pte(k, mm, dst, src, pte);
  if (pte.kind === 'migration') migration_entry_wait(src);
  trace(k, 'move_pages_pte', `PTE marker at 0x${src.toString(16)}: -EFAULT`);
  return -EFAULT;
}

/**
 * UFFDIO_MOVE -> move_pages() (adef440691ba, 6.8): remap anonymous pages
 * of ctx->mm from src to dst without copying. Only exclusive pages move
 * (a page COW-shared after fork() is -EBUSY, so is a pinned one); swap
 * entries move if they remember exclusivity, the zeropage moves as such.
 * A PMD-mapped THP is split first (the kernel moves a whole aligned PMD
 * with move_pages_huge_pmd(), which the model does not). Returns the
 * uffdio_move.move field: bytes moved, or -errno if none were.
 */
export function move_pages(k: Kernel, c: UffdCtx, mm: Mm, dst: number, src: number, len: number, mode: number): number {
  const ps = k.s.config.pageSize;
  if (!k.p.uffdMove) {
    trace(k, 'userfaultfd_ioctl', 'UFFDIO_MOVE unknown to this kernel: -EINVAL');
    return -EINVAL;
  }
  if (c.features === null || src % ps || dst % ps || len % ps || len <= 0) return -EINVAL;
  if (mode & ~(UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES | UFFDIO_MOVE_MODE_DONTWAKE)) return -EINVAL;
  const dstVma = findVma(mm, dst);
  const srcVma = findVma(mm, src);
  if (!dstVma || !srcVma) return -ENOENT;
  if (srcVma.flags & VM_SHARED || src + len > srcVma.end) return -EINVAL;
  if (dstVma.flags & VM_SHARED || dst + len > dstVma.end) return -EINVAL;
  const bad = validate_move_areas(c, srcVma, dstVma);
  if (bad) return bad;
  anon_vma_prepare(k, dstVma);
  let moved = 0;
  let err = 0;
  while (moved < len) {
    const [s, d] = [src + moved, dst + moved];
    if (huge_at(k, mm, d)) {
      err = -EEXIST;
      break;
    }
    const h = huge_at(k, mm, s);
    if (h) {
      // move_pages(): a PMD that cannot move whole is split, unless its folio is shared.
      if (!h.e.hugeZero && !PageAnonExclusive(k, h.e.pfn)) {
        err = -EBUSY;
        break;
      }
      __split_huge_pmd(k, mm, h.start);
    }
    err = move_pages_pte(k, mm, dstVma, d, s, mode);
    if (err) break;
    moved += ps;
  }
  trace(k, 'move_pages', `${moved} byte(s) 0x${src.toString(16)} -> 0x${dst.toString(16)}${err ? ` then ${err}` : ''}`);
  if (moved && !(mode & UFFDIO_MOVE_MODE_DONTWAKE)) wake_userfault(k, c, dst, moved);
  return moved ? moved : err;
}

/** A PTE marker carries a marker bit (PTE_MARKER_UFFD_WP or PTE_MARKER_POISONED); make_pte_marker() of 0 is never installed. */
export function pte_marker_invariants(s: Kernel['s']): { invariant: string; detail: string }[] {
  const out: { invariant: string; detail: string }[] = [];
  for (const mm of Object.values(s.mms)) {
    for (const v in mm.ptes) {
      const pte = mm.ptes[v]!;
      if (pte.kind === 'marker' && !pte.uffdWp && !pte.poisoned) {
        out.push({ invariant: 'empty-pte-marker', detail: `mm ${mm.id}: PTE marker without a marker bit at 0x${(Number(v) * s.config.pageSize).toString(16)}` });
      }
    }
  }
  return out;
}
