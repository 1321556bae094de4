// /proc/PID/clear_refs and /proc/PID/pagemap (fs/proc/task_mmu.c).
import type { Mm } from '../model/types.js';
import { VM_HUGETLB, VM_SOFTDIRTY, isCowMapping } from '../model/flags.js';
import { type Kernel, trace, vpn, findVma } from './context.js';
import { folio_maybe_dma_pinned, page_mapcount } from './folio.js';
import { decode_swap_pte } from './swapfile.js';
import { arch_has_soft_dirty, vm_normal_page } from './pgtable.js';

/** clear_refs_write("4") -> clear_soft_dirty(): write-protect PTEs so the next write is tracked. */
export function clear_soft_dirty(k: Kernel, mm: Mm): void {
  if (!arch_has_soft_dirty(k)) {
    // Without CONFIG_MEM_SOFT_DIRTY clear_soft_dirty() is an empty stub: nothing is write-protected.
    trace(k, 'clear_soft_dirty', `${k.layout.name} has no soft-dirty tracking: nothing to do`);
    return;
  }
  for (const vma of mm.vmas) vma.flags &= ~VM_SOFTDIRTY;
  // clear_soft_dirty_pmd(): PMD-mapped THPs too; hugetlb has no soft-dirty tracking here.
  for (const [key, e] of Object.entries(mm.huge)) {
    const vma = findVma(mm, Number(key) * k.s.config.pageSize);
    if (vma && !(vma.flags & VM_HUGETLB)) mm.huge[key] = { ...e, write: false, softDirty: false };
  }
  for (const [v, pte] of Object.entries(mm.ptes)) {
    if (pte.kind === 'present') {
      const f = vm_normal_page(k, pte);
      // 9348b73c2e1b (5.11) pte_is_pinned(): leave writable maybe-pinned COW pages alone.
      const vma = findVma(mm, Number(v) * k.s.config.pageSize);
      if (k.p.softDirtySkipPinned && pte.write && f && vma && isCowMapping(vma.flags) && mm.hasPinned && folio_maybe_dma_pinned(k, f)) {
        trace(k, 'clear_soft_dirty', `pfn ${f.pfn} maybe pinned: skipped`);
        continue;
      }
      mm.ptes[v] = { ...pte, write: false, softDirty: false };
    } else if (pte.kind === 'swap') {
      const d = decode_swap_pte(k, pte);
      const val = k.layout.encode({ type: d.type, offset: d.offset, exclusive: d.exclusive, softDirty: false, uffdWp: d.uffdWp });
      mm.ptes[v] = { kind: 'swap', val: '0x' + val.toString(16) };
    }
  }
  trace(k, 'clear_soft_dirty', 'PTEs write-protected, soft-dirty cleared');
}

export const PM_SOFT_DIRTY = 55n;
export const PM_MMAP_EXCLUSIVE = 56n;
export const PM_UFFD_WP = 57n;
export const PM_FILE = 61n;
export const PM_SWAP = 62n;
export const PM_PRESENT = 63n;

/** pagemap_pte_range() for one address: the 64-bit pagemap entry. */
export function pagemap_entry(k: Kernel, mm: Mm, addr: number): bigint {
  const pte = mm.ptes[vpn(k, addr)];
  const vma = findVma(mm, addr);
  let e = 0n;
  // pte_soft_dirty() and VM_SOFTDIRTY are constant 0 without HAVE_ARCH_SOFT_DIRTY.
  const softDirty = arch_has_soft_dirty(k);
  const bit = (b: bigint): void => {
    if (b !== PM_SOFT_DIRTY || softDirty) e |= 1n << b;
  };
  if (vma && vma.flags & VM_SOFTDIRTY) bit(PM_SOFT_DIRTY);
  if (vma?.hugetlb) {
    // pagemap_hugetlb_range() (5.19): a huge PTE marker gives every page it covers PM_UFFD_WP, but no PM_SWAP.
    const hs = addr - (addr % (vma.hugetlb.kb * 1024));
    if (mm.ptes[vpn(k, hs)]?.kind === 'marker') {
      if (k.p.pagemapUffdWp) bit(PM_UFFD_WP);
      return e;
    }
  }
  if (!pte) {
    // A PMD/PUD leaf: present, exclusive if mapped once.
    for (const [key, h] of Object.entries(mm.huge)) {
      const start = Number(key) * k.s.config.pageSize;
      if (addr < start || addr >= start + h.size) continue;
      bit(PM_PRESENT);
      if (h.softDirty) bit(PM_SOFT_DIRTY);
      if (h.uffdWp && k.p.pagemapUffdWp) bit(PM_UFFD_WP);
      const f = h.hugeZero ? null : k.s.folios[h.pfn];
      // pagemap_pmd_range() learnt about PMD-mapped file THPs only in 3f9f022e975d (6.11).
      if (f && !f.anon && k.p.pagemapPmdFile) bit(PM_FILE);
      if (f && f.entireMapcount === 1) bit(PM_MMAP_EXCLUSIVE);
    }
    return e;
  }
  if (pte.kind === 'present') {
    bit(PM_PRESENT);
    if (pte.softDirty) bit(PM_SOFT_DIRTY);
    if (pte.uffdWp && k.p.pagemapUffdWp) bit(PM_UFFD_WP);
    const f = vm_normal_page(k, pte);
    if (f && !f.anon) bit(PM_FILE);
    if (f && page_mapcount(k, pte.pfn) === 1) bit(PM_MMAP_EXCLUSIVE);
  } else if (pte.kind === 'swap') {
    bit(PM_SWAP);
    const d = decode_swap_pte(k, pte);
    if (d.softDirty) bit(PM_SOFT_DIRTY);
    if (d.uffdWp && k.p.pagemapUffdWp) bit(PM_UFFD_WP);
  } else if (pte.kind === 'migration') {
    // A migration entry is a swap-type entry too: PM_SWAP, with the bits it carries.
    bit(PM_SWAP);
    if (pte.softDirty) bit(PM_SOFT_DIRTY);
    if (pte.uffdWp && k.p.pagemapUffdWp) bit(PM_UFFD_WP);
  } else if (pte.kind === 'marker') {
    // pte_to_pagemap_entry(): a marker is a swap-type entry, so PM_SWAP is set too (5.19+).
    bit(PM_SWAP);
    if (pte.uffdWp && k.p.pagemapUffdWp) bit(PM_UFFD_WP);
  }
  return e;
}
