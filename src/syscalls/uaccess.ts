// User-space loads and stores: the CPU walks the page table and, where the
// PTE does not allow the access, takes a page fault (arch fault handler ->
// handle_mm_fault), then retries. One access is one atomic step.
import { readBytes, writeBytes } from '../model/bytes.js';
import { FAULT_FLAG_WRITE, VM_READ, VM_WRITE } from '../model/flags.js';
import { type Kernel, findVma, folio, mmOf, trace } from '../mm/context.js';
import { handle_mm_fault } from '../mm/memory.js';
import { pte_at, set_pte_at } from '../mm/pgtable.js';

/** The process touched memory it may not: outside any VMA, or against the VMA's protection. */
export class Segv extends Error {
  override name = 'Segv';
  constructor(readonly addr: number, readonly why: string) {
    super(`SIGSEGV at 0x${addr.toString(16)}: ${why}`);
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
    const pte = pte_at(k, mm, addr);
    if (pte?.kind === 'present' && (!write || pte.write)) {
      // The MMU sets the accessed and dirty bits (x86: dirty implies soft-dirty).
      if (!pte.young || (write && !pte.dirty)) {
        set_pte_at(k, mm, addr, write ? { ...pte, young: true, dirty: true, softDirty: true } : { ...pte, young: true });
      }
      return pte.pfn;
    }
    if (mm.mmapLockedBy !== null) {
      throw new WouldBlock(`the page fault at 0x${addr.toString(16)} waits for mmap_lock, held by an unfinished fork(); finish it first`);
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
    out.set(readBytes(folio(k, pfn).data, off, off + n), done);
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
    const f = folio(k, pfn);
    f.data = writeBytes(f.data, off, bytes.subarray(done, done + n));
    done += n;
  }
  trace(k, 'store', `${bytes.length} byte(s) at 0x${addr.toString(16)}`);
}
