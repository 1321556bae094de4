// User-space loads and stores: the CPU walks the page table and, where the
// PTE does not allow the access, takes a page fault (arch fault handler ->
// handle_mm_fault), then retries. One access is one atomic step.
import { type PageData, concatRuns, filled, readBytes, sliceRuns, spliceRuns, writeBytes } from '../model/bytes.js';
import { page_data, set_page_data } from '../mm/folio.js';
import { FAULT_FLAG_WRITE, VM_READ, VM_WRITE } from '../model/flags.js';
import { type Kernel, findVma, folio, mmOf, trace, vpn } from '../mm/context.js';
import { huge_at } from '../mm/huge_memory.js';
import { handle_mm_fault } from '../mm/memory.js';
import { ksm_holds_ptl } from '../mm/ksm.js';
import { pte_at, set_pte_at } from '../mm/pgtable.js';

/**
 * The process touched memory it may not: outside any VMA, or against the
 * VMA's protection (SIGSEGV); or the fault failed with VM_FAULT_SIGBUS or
 * VM_FAULT_HWPOISON (SIGBUS).
 */
export class Segv extends Error {
  override name = 'Segv';
  /** A failed fault (VM_FAULT_SIGBUS: past the end of a file, no free huge page, a poisoned PTE) kills with SIGBUS. */
  readonly signal: 'SIGSEGV' | 'SIGBUS';
  constructor(readonly addr: number, readonly why: string) {
    const signal = why === 'sigbus' || why === 'hwpoison' ? 'SIGBUS' : 'SIGSEGV';
    const what = why === 'hwpoison' ? 'hwpoison (a poisoned page)' : why === 'sigbus' ? 'VM_FAULT_SIGBUS' : why;
    super(`${signal} at 0x${addr.toString(16)}: ${what}`);
    this.signal = signal;
  }
}

/** The access needs a page fault, and the fault would wait for mmap_lock held by an unfinished fork(). */
export class WouldBlock extends Error {
  override name = 'WouldBlock';
}

/** Resolves one page for a user access, faulting as the CPU would; returns its pfn. */
function resolve(k: Kernel, mmId: number, addr: number, write: boolean): number {
  const mm = mmOf(k, mmId);
  const vma = findVma(mm, addr);
  if (!vma) throw new Segv(addr, 'no mapping');
  if (write ? !(vma.flags & VM_WRITE) : !(vma.flags & VM_READ)) {
    throw new Segv(addr, `${write ? 'write to' : 'read from'} a mapping without ${write ? 'PROT_WRITE' : 'PROT_READ'}`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const h = huge_at(k, mm, addr);
    if (h && (!write || h.e.write)) {
      if (!h.e.young || (write && !h.e.dirty)) mm.huge[vpn(k, h.start)] = write ? { ...h.e, young: true, dirty: true } : { ...h.e, young: true };
      return h.e.pfn + (addr - h.start) / k.s.config.pageSize;
    }
    const pte = pte_at(k, mm, addr);
    if (pte?.kind === 'present' && (!write || pte.write)) {
      // The MMU sets the accessed and dirty bits; soft-dirty is software's (pte_mkdirty() in a fault), not the MMU's.
      if (!pte.young || (write && !pte.dirty)) {
        set_pte_at(k, mm, addr, write ? { ...pte, young: true, dirty: true } : { ...pte, young: true });
      }
      return pte.pfn;
    }
    if (mm.mmapLockedBy !== null) {
      throw new WouldBlock(`the page fault at 0x${addr.toString(16)} waits for mmap_lock, held by an unfinished fork(); finish it first`);
    }
    if (ksm_holds_ptl(k, mm.id, addr)) {
      throw new WouldBlock(`the page fault at 0x${addr.toString(16)} waits for the page table lock, held by ksm_scan() in write_protect_page(); resume it first`);
    }
    const ret = handle_mm_fault(k, mm, vma, addr, write ? FAULT_FLAG_WRITE : 0);
    if (ret.error) throw new Segv(addr, ret.error);
  }
  throw new Segv(addr, 'fault did not resolve');
}

export function user_read(k: Kernel, mmId: number, addr: number, len: number): Uint8Array {
  const ps = k.s.config.pageSize;
  const out = new Uint8Array(len);
  for (let done = 0; done < len; ) {
    const at = addr + done;
    const off = at % ps;
    const n = Math.min(ps - off, len - done);
    const pfn = resolve(k, mmId, at - off, false);
    out.set(readBytes(page_data(k, pfn), off, off + n), done);
    done += n;
  }
  trace(k, 'load', `${len} byte(s) at 0x${addr.toString(16)}`);
  return out;
}

export function user_write(k: Kernel, mmId: number, addr: number, bytes: Uint8Array): void {
  const ps = k.s.config.pageSize;
  for (let done = 0; done < bytes.length; ) {
    const at = addr + done;
    const off = at % ps;
    const n = Math.min(ps - off, bytes.length - done);
    const pfn = resolve(k, mmId, at - off, true);
    set_page_data(k, pfn, writeBytes(page_data(k, pfn), off, bytes.subarray(done, done + n)));
    done += n;
  }
  trace(k, 'store', `${bytes.length} byte(s) at 0x${addr.toString(16)}`);
}

/** A load of [addr, addr+len) returned as runs (memcpy() of a large buffer in the test programs). */
export function user_read_runs(k: Kernel, mmId: number, addr: number, len: number): PageData {
  const ps = k.s.config.pageSize;
  const parts: PageData[] = [];
  for (let done = 0; done < len; ) {
    const at = addr + done;
    const off = at % ps;
    const pfn = resolve(k, mmId, at - off, false);
    // Within a huge mapping the rest of the entry needs no further walk.
    const n = Math.min(mappedBytes(k, mmId, at) - off, len - done);
    const f = folio(k, pfn);
    const base = (pfn - f.pfn) * ps + off;
    parts.push(f.order === 0 ? sliceRuns(f.data, off, off + n) : sliceRuns(f.data, base, base + n));
    done += n;
  }
  trace(k, 'load', `${len} byte(s) at 0x${addr.toString(16)}`);
  return concatRuns(parts);
}

/** memset(addr, byte, len) in user space: one store per page, faulting as needed. */
export function user_memset(k: Kernel, mmId: number, addr: number, byte: number, len: number): void {
  const ps = k.s.config.pageSize;
  for (let done = 0; done < len; ) {
    const at = addr + done;
    const off = at % ps;
    const pfn = resolve(k, mmId, at - off, true);
    const n = Math.min(mappedBytes(k, mmId, at) - off, len - done);
    const f = folio(k, pfn);
    f.data = spliceRuns(f.data, (pfn - f.pfn) * ps + off, filled(n, byte));
    done += n;
  }
  trace(k, 'store', `memset 0x${byte.toString(16)} x ${len} at 0x${addr.toString(16)}`);
}

/** Bytes from the page containing addr to the end of its mapping unit (a page, or a PMD/PUD leaf). */
function mappedBytes(k: Kernel, mmId: number, addr: number): number {
  const ps = k.s.config.pageSize;
  const h = huge_at(k, mmOf(k, mmId), addr);
  const page = addr - (addr % ps);
  return h ? h.start + h.e.size - page : ps;
}
