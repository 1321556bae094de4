// Page-table access helpers (include/linux/pgtable.h, mm/memory.c vm_normal_page()).
import type { Folio, Mm, PresentPte, Pte, Vma } from '../model/types.js';
import { VM_SOFTDIRTY, VM_WRITE } from '../model/flags.js';
import { type Kernel, folio, vpn } from './context.js';

export function pte_at(k: Kernel, mm: Mm, addr: number): Pte | undefined {
  return mm.ptes[vpn(k, addr)];
}

export function set_pte_at(k: Kernel, mm: Mm, addr: number, pte: Pte): void {
  mm.ptes[vpn(k, addr)] = pte;
}

export function pte_clear(k: Kernel, mm: Mm, addr: number): void {
  delete mm.ptes[vpn(k, addr)];
}

/** mk_pte(): a clean, old, read-only PTE for a page. */
export function mk_pte(pfn: number, special = false): PresentPte {
  return { kind: 'present', pfn, write: false, dirty: false, young: true, softDirty: false, uffdWp: false, special };
}

/** pte_mkdirty(): on x86 this also sets the soft-dirty bit. */
export function pte_mkdirty(pte: PresentPte): PresentPte {
  return { ...pte, dirty: true, softDirty: true };
}

/** maybe_mkwrite(): writable only if the VMA is. */
export function maybe_mkwrite(pte: PresentPte, vma: Vma): PresentPte {
  return vma.flags & VM_WRITE ? { ...pte, write: true } : pte;
}

/** vm_normal_page(): the folio behind a present PTE, or null for the zeropage (a special PTE). */
export function vm_normal_page(k: Kernel, pte: PresentPte): Folio | null {
  if (pte.special) return null;
  return folio(k, pte.pfn);
}

export function pageAlign(k: Kernel, addr: number): number {
  return addr - (addr % k.s.config.pageSize);
}

/**
 * CONFIG_MEM_SOFT_DIRTY needs HAVE_ARCH_SOFT_DIRTY, and every architecture with
 * it has a swap-PTE soft-dirty bit, so the swap-PTE layout answers (arm64: no).
 */
export function arch_has_soft_dirty(k: Kernel): boolean {
  return k.layout.decode(k.layout.encode({ type: 0, offset: 1n, exclusive: false, softDirty: true, uffdWp: false })).softDirty;
}

/** vma_soft_dirty_enabled(): soft-dirty tracking is on for this VMA (VM_SOFTDIRTY cleared by clear_refs), where the arch has it. */
export function vma_soft_dirty_enabled(k: Kernel, vma: Vma): boolean {
  return arch_has_soft_dirty(k) && !(vma.flags & VM_SOFTDIRTY);
}
