// mmap, munmap and mprotect (mm/mmap.c, mm/mprotect.c).
import type { Mm, Pte, Vma } from '../model/types.js';
import {
  EFAULT, EINVAL, ENOMEM, MAP_ANONYMOUS, MAP_HUGETLB, MAP_HUGE_SHIFT, VM_HUGETLB, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE,
  VM_EXEC, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_SOFTDIRTY, VM_UFFD_WP, VM_WRITE,
} from '../model/flags.js';
import { type Kernel, folio, trace, vpn } from './context.js';
import { PageAnonExclusive } from './folio.js';
import { __split_huge_pmd, pmdSize, split_huge_pmd_address } from './huge_memory.js';
import { shmem_get_unmapped_area_aligns } from './shmem.js';
import { hugetlb_reserve_pages, hugetlb_unreserve } from './hugetlb.js';
import { zap_pte_range } from './memory.js';
import { vm_normal_page, vma_soft_dirty_enabled } from './pgtable.js';

function protToVm(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** Splits VMAs so that [start, end) is covered by whole VMAs; returns those VMAs. */
export function split_vmas(mm: Mm, start: number, end: number, ps: number): Vma[] {
  const out: Vma[] = [];
  const next: Vma[] = [];
  for (const v of mm.vmas) {
    if (v.end <= start || v.start >= end) {
      next.push(v);
      continue;
    }
    const fileAt = (a: number): { ino: number; pgoff: number } | null =>
      v.file && { ino: v.file.ino, pgoff: v.file.pgoff + (a - v.start) / ps };
    if (v.start < start) next.push({ ...v, end: start, file: fileAt(v.start) });
    const mid: Vma = { ...v, start: Math.max(v.start, start), end: Math.min(v.end, end), file: fileAt(Math.max(v.start, start)) };
    next.push(mid);
    out.push(mid);
    if (v.end > end) next.push({ ...v, start: end, file: fileAt(end) });
  }
  next.sort((a, b) => a.start - b.start);
  mm.vmas = next;
  return out;
}

/** vma_merge(): neighbours that became identical again (same flags, anon_vma, file offsets) are one VMA. */
export function vma_merge_all(k: Kernel, mm: Mm): void {
  const ps = k.s.config.pageSize;
  const out: Vma[] = [];
  for (const v of mm.vmas) {
    const prev = out[out.length - 1];
    const fileOk = !prev?.file && !v.file
      ? true
      : !!prev?.file && !!v.file && prev.file.ino === v.file.ino && prev.file.pgoff + (prev.end - prev.start) / ps === v.file.pgoff;
    if (prev && prev.end === v.start && prev.flags === v.flags && prev.anonVma === v.anonVma && fileOk && !prev.hugetlb && !v.hugetlb) {
      prev.end = v.end;
    } else out.push(v);
  }
  mm.vmas = out;
}

/** vma_adjust_trans_huge(): a VMA boundary inside a PMD-mapped THP splits the PMD (hugetlb ranges must be aligned). */
export function split_vmas_huge(k: Kernel, mm: Mm, start: number, end: number): Vma[] {
  split_huge_pmd_address(k, mm, start);
  split_huge_pmd_address(k, mm, end);
  return split_vmas(mm, start, end, k.s.config.pageSize);
}

/** do_mmap(): a new VMA (anonymous, or a file at offset); returns the address or -errno. */
export function do_mmap(
  k: Kernel, mm: Mm, addr: number, len: number, prot: number, flags: number, file: { ino: number; writable: boolean } | null, offset: number,
): number {
  const ps = k.s.config.pageSize;
  if (len <= 0 || offset % ps !== 0) return -EINVAL;
  const shared = (flags & MAP_SHARED) !== 0;
  if (shared === ((flags & MAP_PRIVATE) !== 0)) return -EINVAL;
  if (!file && !(flags & MAP_ANONYMOUS)) return -EINVAL;
  const size = Math.ceil(len / ps) * ps;
  let start: number;
  if (flags & MAP_FIXED) {
    if (addr % ps) return -EINVAL;
    start = addr;
    do_munmap(k, mm, start, size);
  } else {
    start = mm.nextMmapBase;
    mm.nextMmapBase += size + 16 * ps;
  }
  let vmFlags = protToVm(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_SOFTDIRTY;
  if (shared) {
    vmFlags |= VM_SHARED | VM_MAYSHARE;
    // A shared mapping of a file opened read-only may never become writable.
    if (file && !file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
  }
  let backing = file ? { ino: file.ino, pgoff: offset / ps } : null;
  const hugeKB = file ? k.s.files[file.ino]?.hugetlbKB : flags & MAP_HUGETLB ? hugetlbSizeKB(k, flags) : undefined;
  let hugetlb: Vma['hugetlb'];
  if (hugeKB !== undefined) {
    if (!k.s.hugetlb[String(hugeKB)]) return -EINVAL;
    const hs = hugeKB * 1024;
    if (size % hs) return -EINVAL;
    // Private hugetlb mappings reserve their pages now; shared file mappings use the file's pages.
    const nr = shared ? 0 : size / hs;
    if (nr && !hugetlb_reserve_pages(k, hugeKB, nr)) return -ENOMEM;
    hugetlb = shared ? { kb: hugeKB, resv: nr } : { kb: hugeKB, resv: nr, owner: true };
    vmFlags |= VM_HUGETLB;
    // hugetlbfs_file_mmap(): a writable mapping extends i_size to cover it.
    const hfile = file ? k.s.files[file.ino] : undefined;
    if (hfile && vmFlags & VM_WRITE) hfile.size = Math.max(hfile.size, offset + size);
    if (!(flags & MAP_FIXED)) {
      start = Math.ceil(start / hs) * hs;
      mm.nextMmapBase = start + size + 16 * ps;
    }
  }
  if (!file && shared) {
    // Shared anonymous memory is a shmem file on shm_mnt (shmem_zero_setup()).
    const ino = k.s.next.id++;
    k.s.files[ino] = { ino, name: 'dev/zero (deleted)', kind: 'tmpfile', size, pages: {}, shmMnt: true, ...(hugeKB !== undefined ? { hugetlbKB: hugeKB } : {}) };
    backing = { ino, pgoff: 0 };
  }
  if (!hugetlb && !(flags & MAP_FIXED) && backing && shmem_get_unmapped_area_aligns(k, k.s.files[backing.ino]!, size)) {
    // shmem_get_unmapped_area() (4.8): place the mapping so that the file's huge pages can be PMD-mapped.
    const pmd = pmdSize(k);
    start = Math.ceil(start / pmd) * pmd + ((backing.pgoff * ps) % pmd);
    mm.nextMmapBase = start + size + 16 * ps;
  }
  mm.vmas.push(hugetlb ? { start, end: start + size, flags: vmFlags, file: backing, anonVma: null, hugetlb } : { start, end: start + size, flags: vmFlags, file: backing, anonVma: null });
  mm.vmas.sort((a, b) => a.start - b.start);
  trace(k, 'do_mmap', `0x${start.toString(16)}-0x${(start + size).toString(16)} ${shared ? 'shared' : 'private'} ${file ? 'file' : 'anon'}`);
  return start;
}

/** change_huge_pmd() / hugetlb_change_protection(): R/O drops write; making it writable again needs an exclusive anon THP (6.0, can_change_pmd_writable). */
function change_huge_pmds(k: Kernel, mm: Mm, v: Vma): void {
  for (const [key, e] of Object.entries(mm.huge)) {
    const a = Number(key) * k.s.config.pageSize;
    if (a < v.start || a >= v.end) continue;
    if (!(v.flags & VM_WRITE)) mm.huge[key] = { ...e, write: false };
    else if (k.p.mprotectPmdWritable && !(v.flags & (VM_SHARED | VM_HUGETLB)) && !e.hugeZero) {
      // 6.2 can_change_pmd_writable(): an exclusive THP needs no write fault (no PMD upgrade in 6.0/6.1).
      const f = folio(k, e.pfn);
      const softDirtyOk = !vma_soft_dirty_enabled(k, v) || e.softDirty;
      if (f.anon && PageAnonExclusive(k, e.pfn) && !e.uffdWp && softDirtyOk) mm.huge[key] = { ...e, write: true };
    }
  }
}

/** do_munmap(): zap the pages and drop the VMAs. */
export function do_munmap(k: Kernel, mm: Mm, start: number, len: number): number {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  split_vmas_huge(k, mm, start, end);
  // unmap_vmas() zaps with ZAP_FLAG_DROP_MARKER: the page tables go away with the VMA.
  zap_pte_range(k, mm, start, end, true);
  for (const v of mm.vmas) if (v.start >= start && v.end <= end) hugetlb_unreserve(k, v);
  mm.vmas = mm.vmas.filter((v) => v.end <= start || v.start >= end);
  return 0;
}

/** The hugetlb page size a MAP_HUGETLB mmap asks for (MAP_HUGE_SHIFT bits, else the default 2048 kB). */
function hugetlbSizeKB(k: Kernel, flags: number): number {
  const log = (flags >>> MAP_HUGE_SHIFT) & 0x3f;
  return log ? 2 ** log / 1024 : 2048 + 0 * k.s.config.pageSize;
}

/** mremap(old, len, len, MREMAP_MAYMOVE|MREMAP_FIXED, new): move the VMA part and its page-table entries (move_page_tables). */
export function do_mremap(k: Kernel, mm: Mm, old: number, len: number, newAddr: number): number {
  const ps = k.s.config.pageSize;
  if (old % ps || newAddr % ps || len <= 0) return -EINVAL;
  const size = Math.ceil(len / ps) * ps;
  const moved = split_vmas_huge(k, mm, old, old + size);
  if (moved.reduce((n, v) => n + (v.end - v.start), 0) !== size) return -EFAULT;
  if (moved.some((v) => v.flags & VM_HUGETLB)) return -EINVAL;
  do_munmap(k, mm, newAddr, size);
  const delta = newAddr - old;
  // move_huge_pmd() needs a whole aligned PMD at both ends; otherwise the PMD was split above.
  for (const key of Object.keys(mm.huge)) {
    const a = Number(key) * ps;
    if (a < old || a >= old + size) continue;
    const e = mm.huge[key]!;
    delete mm.huge[key];
    if ((a + delta) % e.size === 0) mm.huge[vpn(k, a + delta)] = e;
    else {
      mm.huge[key] = e;
      __split_huge_pmd(k, mm, a);
    }
  }
  const moves: [string, Pte][] = [];
  for (const [v, pte] of Object.entries(mm.ptes)) {
    const a = Number(v) * ps;
    if (a < old || a >= old + size) continue;
    moves.push([vpn(k, a + delta), pte]);
    delete mm.ptes[v];
  }
  for (const [v, pte] of moves) mm.ptes[v] = pte;
  for (const v of moved) {
    v.start += delta;
    v.end += delta;
  }
  mm.vmas.sort((a, b) => a.start - b.start);
  trace(k, 'move_vma', `0x${old.toString(16)}-0x${(old + size).toString(16)} -> 0x${newAddr.toString(16)}`);
  return newAddr;
}

/** mprotect_fixup() + change_pte_range(). */
export function do_mprotect(k: Kernel, mm: Mm, start: number, len: number, prot: number): number {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  const vmas = split_vmas_huge(k, mm, start, end);
  if (vmas.reduce((n, v) => n + (v.end - v.start), 0) !== end - start) return -ENOMEM;
  for (const v of vmas) {
    if (prot & PROT_WRITE && !(v.flags & VM_MAYWRITE)) return -EINVAL;
    v.flags = (v.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | protToVm(prot);
    change_huge_pmds(k, mm, v);
    // Only populated PTEs matter; a huge VMA has few of them.
    for (const key of Object.keys(mm.ptes)) {
      const a = Number(key) * ps;
      if (a < v.start || a >= v.end) continue;
      const pte = mm.ptes[key];
      if (pte?.kind !== 'present') continue;
      if (!(v.flags & VM_WRITE)) {
        mm.ptes[vpn(k, a)] = { ...pte, write: false };
      } else if (v.flags & VM_SHARED) {
        // A shared shmem mapping has no write-notify unless soft-dirty tracking is on (vma_wants_writenotify()).
        // 51d3d5eb74ff (6.2): a uffd-wp VMA wants write-notify too; before, its uffd-wp PTEs became writable here.
        if (!vma_soft_dirty_enabled(k, v) && !(k.p.uffdWpWritenotify && v.flags & VM_UFFD_WP)) mm.ptes[vpn(k, a)] = { ...pte, write: true };
      } else if (k.p.mprotectExclusiveWritable !== 'no') {
        // 64fe24a3e05e (6.0) can_change_pte_writable(): exclusive anon pages need no write fault (6.0: dirty ones only).
        const f = vm_normal_page(k, pte);
        const softDirtyOk = !vma_soft_dirty_enabled(k, v) || pte.softDirty;
        const dirtyOk = k.p.mprotectExclusiveWritable === 'any' || pte.dirty;
        if (f?.anon && PageAnonExclusive(k, pte.pfn) && !pte.uffdWp && softDirtyOk && dirtyOk) mm.ptes[vpn(k, a)] = { ...pte, write: true };
      }
    }
  }
  vma_merge_all(k, mm);
  trace(k, 'mprotect_fixup', `0x${start.toString(16)}-0x${end.toString(16)} prot ${prot}`);
  return 0;
}
