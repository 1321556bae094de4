// mmap, munmap and mprotect (mm/mmap.c, mm/mprotect.c).
import type { Mm, Vma } from '../model/types.js';
import {
  EINVAL, ENOMEM, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE,
  VM_EXEC, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_SOFTDIRTY, VM_UFFD_WP, VM_WRITE,
} from '../model/flags.js';
import { type Kernel, trace, vpn } from './context.js';
import { zap_pte_range } from './memory.js';
import { vm_normal_page } from './pgtable.js';

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
  if (!file && shared) {
    // Shared anonymous memory is a shmem file (shmem_zero_setup()).
    const ino = k.s.next.id++;
    k.s.files[ino] = { ino, name: 'dev/zero (deleted)', kind: 'tmpfile', size, pages: {} };
    backing = { ino, pgoff: 0 };
  }
  mm.vmas.push({ start, end: start + size, flags: vmFlags, file: backing, anonVma: null });
  mm.vmas.sort((a, b) => a.start - b.start);
  trace(k, 'do_mmap', `0x${start.toString(16)}-0x${(start + size).toString(16)} ${shared ? 'shared' : 'private'} ${file ? 'file' : 'anon'}`);
  return start;
}

/** do_munmap(): zap the pages and drop the VMAs. */
export function do_munmap(k: Kernel, mm: Mm, start: number, len: number): number {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  split_vmas(mm, start, end, ps);
  // unmap_vmas() zaps with ZAP_FLAG_DROP_MARKER: the page tables go away with the VMA.
  zap_pte_range(k, mm, start, end, true);
  mm.vmas = mm.vmas.filter((v) => v.end <= start || v.start >= end);
  return 0;
}

/** mprotect_fixup() + change_pte_range(). */
export function do_mprotect(k: Kernel, mm: Mm, start: number, len: number, prot: number): number {
  const ps = k.s.config.pageSize;
  if (start % ps) return -EINVAL;
  const end = start + Math.ceil(len / ps) * ps;
  const vmas = split_vmas(mm, start, end, ps);
  if (vmas.reduce((n, v) => n + (v.end - v.start), 0) !== end - start) return -ENOMEM;
  for (const v of vmas) {
    if (prot & PROT_WRITE && !(v.flags & VM_MAYWRITE)) return -EINVAL;
    v.flags = (v.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | protToVm(prot);
    for (let a = v.start; a < v.end; a += ps) {
      const pte = mm.ptes[vpn(k, a)];
      if (pte?.kind !== 'present') continue;
      if (!(v.flags & VM_WRITE)) {
        mm.ptes[vpn(k, a)] = { ...pte, write: false };
      } else if (v.flags & VM_SHARED) {
        // A shared shmem mapping has no write-notify unless soft-dirty tracking is on (vma_wants_writenotify()).
        // 51d3d5eb74ff (6.2): a uffd-wp VMA wants write-notify too; before, its uffd-wp PTEs became writable here.
        if (v.flags & VM_SOFTDIRTY && !(k.p.uffdWpWritenotify && v.flags & VM_UFFD_WP)) mm.ptes[vpn(k, a)] = { ...pte, write: true };
      } else if (k.p.mprotectExclusiveWritable !== 'no') {
        // 64fe24a3e05e (6.0) can_change_pte_writable(): exclusive anon pages need no write fault (6.0: dirty ones only).
        const f = vm_normal_page(k, pte);
        const softDirtyOk = (v.flags & VM_SOFTDIRTY) !== 0 || pte.softDirty;
        const dirtyOk = k.p.mprotectExclusiveWritable === 'any' || pte.dirty;
        if (f?.anon && f.anonExclusive && !pte.uffdWp && softDirtyOk && dirtyOk) mm.ptes[vpn(k, a)] = { ...pte, write: true };
      }
    }
  }
  trace(k, 'mprotect_fixup', `0x${start.toString(16)}-0x${end.toString(16)} prot ${prot}`);
  return 0;
}
