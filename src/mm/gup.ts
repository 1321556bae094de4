// get_user_pages and friends (mm/gup.c), as explicit steps: each follow_page_pte
// and each faultin_page is one atomic step, because the kernel drops the page
// table lock (and may reschedule) between them. Dirty COW lives in that gap.
import type { Folio, GupRef, HugePte, Mm, PresentPte, Vma } from '../model/types.js';
import {
  EFAULT, EHWPOISON, EINTR, FAULT_FLAG_UNSHARE, FAULT_FLAG_WRITE, FOLL_COW, FOLL_FORCE, FOLL_GET, FOLL_LONGTERM, FOLL_NAMES,
  FOLL_PIN, FOLL_WRITE, GUP_PIN_COUNTING_BIAS, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED,
  VM_HUGETLB, VM_WRITE, flagNames, isCowMapping,
} from '../model/flags.js';
import { type Kernel, trace, findVma, mmOf, folio, vpn } from './context.js';
import { PageAnonExclusive, folio_put } from './folio.js';
import { huge_at } from './huge_memory.js';
import { handle_mm_fault } from './memory.js';
import { ksm_holds_ptl } from './ksm.js';
import { pte_at, vm_normal_page, vma_soft_dirty_enabled } from './pgtable.js';


/** Faults one page may take before the model calls the retry loop endless (a real lookup needs at most three). */
const GUP_FAULT_RETRIES = 16;

/** The state of one __get_user_pages() call between its steps. */
export interface GupState {
  mm: number;
  start: number;
  nrPages: number;
  /** gup_flags as the caller passed them. */
  flags: number;
  /** foll_flags of the current page: faultin_page() may drop FOLL_WRITE or add FOLL_COW, for this page only. */
  foll: number | null;
  /** Next page to look up. */
  i: number;
  refs: GupRef[];
  /** A fault faultin_page() must take before the next lookup (unshare: FAULT_FLAG_UNSHARE). */
  pending: { unshare: boolean } | null;
  /** Negative errno once GUP failed. */
  error: number | null;
  /** The lockless GUP-fast walk in progress (get_user_pages_fast / pin_user_pages_fast), or null once done. */
  fastState: GupFastState | null;
  /** The slow path waits for mmap_lock (held for writing by fork()). */
  blocked: boolean;
  /** Faults taken for the current page; a lookup that never succeeds is the kernel's endless retry loop. */
  faults?: number;
}

/** Where GUP-fast is between its lockless steps. */
export interface GupFastState {
  stage: 'seq' | 'read' | 'grab' | 'check' | 'end';
  /** write_protect_seq as sampled at (B0), when the era checks it. */
  seq: number | null;
  /** The PTE (or PMD/PUD leaf) value read at (B1). */
  pte: PresentPte | HugePte | null;
  /** Pages (B1) found behind it: 1 for a PTE, the rest of the leaf for gup_huge_pmd(). */
  nr: number;
}

export function gup_init(mm: number, start: number, nrPages: number, flags: number, fast: boolean): GupState {
  const fastState: GupFastState | null = fast ? { stage: 'seq', seq: null, pte: null, nr: 1 } : null;
  return { mm, start, nrPages, flags, foll: null, i: 0, refs: [], pending: null, error: null, fastState, blocked: false };
}

export function gup_done(g: GupState): boolean {
  return g.error !== null || g.i >= g.nrPages;
}

/** check_vma_flags(): may this GUP touch this VMA at all? */
function check_vma_flags(k: Kernel, vma: Vma, flags: number): boolean {
  // f347454d0341 (6.2): no FOLL_FORCE write into a read-only hugetlb mapping.
  if (k.p.gupRefuseForceWriteHugetlb && flags & FOLL_WRITE && flags & FOLL_FORCE && vma.flags & VM_HUGETLB && !(vma.flags & VM_WRITE)) return false;
  if (flags & FOLL_WRITE) {
    if (!(vma.flags & VM_WRITE)) {
      if (!(flags & FOLL_FORCE)) return false;
      if (!isCowMapping(vma.flags)) return false;
    }
  } else if (!(vma.flags & VM_READ)) {
    if (!(flags & FOLL_FORCE) || !(vma.flags & VM_MAYREAD)) return false;
  }
  return true;
}

/** can_follow_write_pte(): may a FOLL_WRITE lookup use this read-only PTE? */
function can_follow_write_pte(k: Kernel, pte: PresentPte, page: Folio | null, vma: Vma, flags: number): boolean {
  if (pte.write) return true;
  switch (k.p.followWrite) {
    case 'pte_write':
      return false;
    case 'force_cow_dirty':
      return (flags & FOLL_FORCE) !== 0 && (flags & FOLL_COW) !== 0 && pte.dirty;
    case 'cow_dirty':
      return (flags & FOLL_COW) !== 0 && pte.dirty;
    case 'anon_exclusive':
      // 5535be309971 (6.0): only an exclusive anon page in a private !VM_WRITE mapping, COW already broken.
      if (!(flags & FOLL_FORCE)) return false;
      if (vma.flags & (VM_SHARED | VM_MAYSHARE)) return false;
      if (!(vma.flags & VM_MAYWRITE) || vma.flags & VM_WRITE) return false;
      if (!page || !page.anon || !PageAnonExclusive(k, pte.pfn)) return false;
      if (vma_soft_dirty_enabled(k, vma) && !pte.softDirty) return false;
      return !pte.uffdWp;
  }
}

/** gup_must_unshare(): must a R/O pin first unshare this page (FAULT_FLAG_UNSHARE)? vma is null for GUP-fast. */
export function gup_must_unshare(k: Kernel, vma: Vma | null, flags: number, pfn: number): boolean {
  const page = folio(k, pfn);
  if (k.p.unshare === 'none') return false;
  if ((flags & (FOLL_WRITE | FOLL_PIN)) !== FOLL_PIN) return false;
  if (!page.anon) {
    // 84209e87c696 (6.2): R/O long-term pins of the zeropage or page cache in COW mappings.
    if (k.p.unshare !== 'anon+longterm' || !(flags & FOLL_LONGTERM)) return false;
    if (!vma) return true;
    return isCowMapping(vma.flags);
  }
  return !PageAnonExclusive(k, pfn);
}

/** try_grab_folio(page, refs, flags): FOLL_GET takes references, FOLL_PIN pins, for `nr` consecutive pages of one folio. */
export function try_grab_page(k: Kernel, mm: Mm, pfn: number, flags: number, nr = 1): GupRef {
  const f = folio(k, pfn);
  const ref: GupRef = nr === 1 ? { pfn, pin: (flags & FOLL_PIN) !== 0 } : { pfn, pin: (flags & FOLL_PIN) !== 0, nr };
  if (flags & FOLL_PIN) {
    mm.hasPinned = true;
    if (f.zero && f.order === 0 && k.p.pinZeroPageNoRef) return ref;
    if (!k.p.pinAccounting) f.refcount += nr;
    else if (f.order > 0) {
      f.refcount += nr;
      f.pincount += nr;
    } else f.refcount += GUP_PIN_COUNTING_BIAS * nr;
    return ref;
  }
  f.refcount += nr;
  return ref;
}

/** unpin_user_page() / put_page() for a GUP reference. */
export function gup_put_ref(k: Kernel, ref: GupRef): void {
  const f = folio(k, ref.pfn);
  const nr = ref.nr ?? 1;
  if (!ref.pin) return folio_put(k, ref.pfn, nr);
  if (f.zero && f.order === 0 && k.p.pinZeroPageNoRef) return;
  if (!k.p.pinAccounting) return folio_put(k, ref.pfn, nr);
  if (f.order > 0) {
    f.pincount -= nr;
    return folio_put(k, ref.pfn, nr);
  }
  folio_put(k, ref.pfn, GUP_PIN_COUNTING_BIAS * nr);
}

type Follow = { pfn: number; nr: number } | { fault: true; unshare: boolean };

/** follow_page_pte(): look the page up under the PTL; a fault first when it cannot be used as it is. */
function follow_page_pte(k: Kernel, mm: Mm, vma: Vma, addr: number, flags: number): Follow {
  const pte = pte_at(k, mm, addr);
  if (!pte || pte.kind !== 'present') return { fault: true, unshare: false };
  const normal = vm_normal_page(k, pte);
  if (flags & FOLL_WRITE && !can_follow_write_pte(k, pte, normal, vma, flags)) {
    trace(k, 'follow_page_pte', `0x${addr.toString(16)}: FOLL_WRITE on a R/O PTE: fault`);
    return { fault: true, unshare: false };
  }
  if (!pte.write && gup_must_unshare(k, vma, flags, pte.pfn)) {
    trace(k, 'follow_page_pte', `0x${addr.toString(16)}: gup_must_unshare: -EMLINK, unshare fault`);
    return { fault: true, unshare: true };
  }
  return { pfn: pte.pfn, nr: 1 };
}

/** follow_trans_huge_pmd() / follow_hugetlb_page() (6.2): a PMD/PUD leaf; every page of it the range covers at once. */
function follow_huge(k: Kernel, mm: Mm, vma: Vma, addr: number, h: { start: number; e: HugePte }, flags: number, left: number): Follow {
  const e = h.e;
  const head = folio(k, e.pfn);
  if (flags & FOLL_WRITE && !e.write) {
    // can_follow_write_pmd() (8310d48b125d, 4.10): the same rule as for PTEs, per era; before it, only pmd_write().
    const canFollow = !k.p.canFollowWritePmd ? false
      : k.p.followWrite === 'force_cow_dirty' ? (flags & FOLL_FORCE) !== 0 && (flags & FOLL_COW) !== 0 && e.dirty
      : k.p.followWrite === 'cow_dirty' ? (flags & FOLL_COW) !== 0 && e.dirty
      : k.p.followWrite === 'anon_exclusive'
        ? (flags & FOLL_FORCE) !== 0 && !(vma.flags & VM_WRITE) && head.anon && PageAnonExclusive(k, e.pfn) &&
          // 6.0 can_follow_write_pmd(): also a soft-dirty write fault pending, or uffd-wp, sends it to the fault.
          (!vma_soft_dirty_enabled(k, vma) || e.softDirty) && !e.uffdWp
        : false;
    if (!canFollow) {
      trace(k, 'follow_trans_huge_pmd', `0x${addr.toString(16)}: FOLL_WRITE on a R/O huge entry: fault`);
      return { fault: true, unshare: false };
    }
  }
  // PG_anon_exclusive of a PMD/PUD-mapped folio lives on its head page.
  if (!e.write && gup_must_unshare(k, vma, flags, e.pfn)) {
    trace(k, 'follow_trans_huge_pmd', `0x${addr.toString(16)}: gup_must_unshare: -EMLINK, unshare fault`);
    return { fault: true, unshare: true };
  }
  // touch_pmd() (FOLL_TOUCH, set by every slow-path GUP): young, and dirty even for a read until a8f97366452e (4.15),
  // which let a later FOLL_FORCE|FOLL_COW write follow a clean R/O PMD (huge Dirty COW, CVE-2017-1000405).
  if (head.hugetlbKB === undefined) {
    const dirty = e.dirty || k.p.touchPmdDirtyAlways || (flags & FOLL_WRITE) !== 0;
    if (dirty && !e.dirty) trace(k, 'touch_pmd', `0x${h.start.toString(16)}: PMD marked dirty${flags & FOLL_WRITE ? '' : ' by a read lookup'}`);
    mm.huge[vpn(k, h.start)] = { ...e, young: true, dirty };
  }
  const ps = k.s.config.pageSize;
  const idx = (addr - h.start) / ps;
  return { pfn: e.pfn + idx, nr: Math.min(left, e.size / ps - idx) };
}

/** One step of __get_user_pages(): a lookup, or the fault a failed lookup asked for. Returns the step's label. */
export function gup_step(k: Kernel, g: GupState): string {
  const mm = mmOf(k, g.mm);
  // The slow path runs under mmap_read_lock(): it waits while fork() holds the lock for writing.
  g.blocked = mm.mmapLockedBy !== null;
  if (g.blocked) {
    trace(k, 'mmap_read_lock', `waits: mmap_lock is held for writing (fork)`);
    return 'mmap_read_lock';
  }
  const addr = g.start + g.i * k.s.config.pageSize;
  // follow_page_pte() takes the page table lock, which write_protect_page() holds between (A1) and (A4).
  g.blocked = ksm_holds_ptl(k, mm.id, addr);
  if (g.blocked) {
    trace(k, 'pte_offset_map_lock', 'waits: the page table lock is held by ksm_scan()');
    return 'pte_offset_map_lock';
  }
  const vma = findVma(mm, addr);
  if (!vma || !check_vma_flags(k, vma, g.flags)) {
    trace(k, '__get_user_pages', `0x${addr.toString(16)}: -EFAULT`);
    g.error = -EFAULT;
    return '__get_user_pages';
  }
  // __get_user_pages(): every page starts from the caller's flags.
  if (g.foll === null) {
    g.foll = g.flags;
    // 17839856fd58 (5.8): "COW can break either way": take every GUP reference in a COW mapping for writing.
    if (k.p.gupForceCowBreak && isCowMapping(vma.flags) && g.foll & (FOLL_GET | FOLL_PIN)) g.foll |= FOLL_WRITE;
  }
  const flags = g.foll;
  if (g.pending) {
    // The kernel retries as long as the fault succeeds, so a lookup that can never succeed loops until a fatal
    // signal (4.9 on a R/O THP, before can_follow_write_pmd()); the model stops it and fails the call with -EINTR.
    g.faults = (g.faults ?? 0) + 1;
    if (g.faults > GUP_FAULT_RETRIES) {
      trace(k, 'faultin_page', `0x${addr.toString(16)}: ${GUP_FAULT_RETRIES} faults and the lookup still fails: __get_user_pages() loops forever (killable); stopped with -EINTR`);
      g.pending = null;
      g.error = -EINTR;
      return 'faultin_page';
    }
    const faultFlags = g.pending.unshare ? FAULT_FLAG_UNSHARE : flags & FOLL_WRITE ? FAULT_FLAG_WRITE : 0;
    g.pending = null;
    const ret = handle_mm_fault(k, mm, vma, addr, faultFlags);
    if (ret.error) {
      // vm_fault_to_errno(): VM_FAULT_HWPOISON is -EHWPOISON, the rest -EFAULT here.
      g.error = ret.error === 'hwpoison' ? -EHWPOISON : -EFAULT;
      return 'faultin_page';
    }
    if (ret.write && !(vma.flags & VM_WRITE)) {
      if (k.p.dropWriteAfterCow) {
        // Before 19be0eaffa3a: "COW has been broken, a read lookup is enough" -- Dirty COW.
        g.foll &= ~FOLL_WRITE;
        trace(k, 'faultin_page', 'VM_FAULT_WRITE in a !VM_WRITE VMA: drop FOLL_WRITE');
      } else if (k.p.followWrite !== 'anon_exclusive') {
        g.foll |= FOLL_COW;
        trace(k, 'faultin_page', 'VM_FAULT_WRITE in a !VM_WRITE VMA: set FOLL_COW');
      }
    }
    return 'faultin_page';
  }
  const h = huge_at(k, mm, addr);
  const r = h ? follow_huge(k, mm, vma, addr, h, flags, g.nrPages - g.i) : follow_page_pte(k, mm, vma, addr, flags);
  if ('fault' in r) {
    g.pending = { unshare: r.unshare };
    return 'follow_page_pte';
  }
  g.refs.push(try_grab_page(k, mm, r.pfn, flags, r.nr));
  const f = folio(k, r.pfn);
  trace(
    k, 'follow_page_pte',
    `0x${addr.toString(16)} -> ${f.zero ? (f.order ? 'huge zeropage' : 'zeropage') : `pfn ${r.pfn}`}${r.nr > 1 ? ` +${r.nr - 1} page(s)` : ''} (${flagNames(flags & (FOLL_GET | FOLL_PIN | FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_COW), FOLL_NAMES)})`,
  );
  g.i += r.nr;
  g.foll = null;
  g.faults = 0;
  return 'follow_page_pte';
}

/**
 * GUP-fast (gup_fast / gup_pte_range), lockless, one step per protocol point
 * of 088b8aa537c2: (B0) sample write_protect_seq, (B1) read the PTE, (B3) grab
 * the folio, (B4) re-read the PTE and (B5) check gup_must_unshare(), and at the
 * end the write_protect_seq retry. Any page it cannot take as it is ends the
 * fast walk; the slow path continues from there.
 */
export function gup_fast_step(k: Kernel, g: GupState): string {
  const mm = mmOf(k, g.mm);
  const f = g.fastState!;
  const pin = (g.flags & FOLL_PIN) !== 0;
  const stop = (why: string): string => {
    trace(k, 'gup_fast', `${why}: ${g.i} of ${g.nrPages} page(s) without the slow path`);
    f.stage = 'end';
    return 'gup_pte_range';
  };
  // 5.8's internal_get_user_pages_fast() asked for writable PTEs so that COW breaks in the slow path.
  const flags = k.p.gupForceCowBreak && !(g.flags & FOLL_WRITE) ? g.flags | FOLL_WRITE : g.flags;
  switch (f.stage) {
    case 'seq':
      // (B0) 57efa1fe5957 (5.11): a FOLL_PIN walk must not race with fork()'s write-protection.
      if (pin && k.p.gupFastWriteProtectSeq) {
        if (mm.writeProtectSeq % 2 === 1) {
          g.fastState = null;
          trace(k, 'gup_fast', 'write_protect_seq odd (fork in progress): slow path');
          return 'raw_read_seqcount';
        }
        f.seq = mm.writeProtectSeq;
      }
      f.stage = 'read';
      return 'raw_read_seqcount';
    case 'read': {
      // (B1) ptep_get_lockless(), (B2) usable without a fault?
      if (g.i >= g.nrPages) return stop('done');
      const addr = g.start + g.i * k.s.config.pageSize;
      const h = huge_at(k, mm, addr);
      if (h) {
        // gup_huge_pmd() / gup_huge_pud(): the leaf as one unit.
        if (flags & FOLL_WRITE && !h.e.write) return stop('FOLL_WRITE on a R/O huge entry');
        f.pte = h.e;
        f.nr = Math.min(g.nrPages - g.i, h.e.size / k.s.config.pageSize - (addr - h.start) / k.s.config.pageSize);
        f.stage = 'grab';
        return 'pmdp_get_lockless';
      }
      const pte = pte_at(k, mm, addr);
      if (!pte || pte.kind !== 'present') return stop('PTE not present');
      if (pte.special) return stop('special PTE');
      if (flags & FOLL_WRITE && !pte.write) return stop('FOLL_WRITE on a R/O PTE');
      f.pte = pte;
      f.nr = 1;
      f.stage = 'grab';
      return 'ptep_get_lockless';
    }
    case 'grab': {
      // (B3) try_grab_folio(): fails on a folio that was freed meanwhile.
      const pfn = pageAt(k, g, f);
      const page = lookupFolio(k, pfn);
      if (!page || page.refcount === 0) return stop('folio freed under us');
      g.refs.push(try_grab_page(k, mm, pfn, g.flags, f.nr));
      f.stage = 'check';
      return 'try_grab_folio';
    }
    case 'check': {
      // (B4) the PTE must not have changed; (B5) a R/O pin of a shared anon page needs the slow path.
      const addr = g.start + g.i * k.s.config.pageSize;
      const now = f.pte!.kind === 'huge' ? huge_at(k, mm, addr)?.e : pte_at(k, mm, addr);
      const changed = JSON.stringify(now) !== JSON.stringify(f.pte);
      // For a leaf, gup_must_unshare() looks at the head page, which carries PG_anon_exclusive.
      if (changed || (!f.pte!.write && gup_must_unshare(k, null, flags, f.pte!.pfn))) {
        gup_put_ref(k, g.refs.pop()!);
        return stop(changed ? 'PTE changed under us' : 'gup_must_unshare');
      }
      g.i += f.nr;
      f.stage = 'read';
      return f.nr > 1 ? 'gup_huge_pmd' : 'gup_pte_range';
    }
    case 'end': {
      // read_seqcount_retry(): fork() ran meanwhile, so every pin of this walk may be stale.
      g.fastState = null;
      if (pin && f.seq !== null && mm.writeProtectSeq !== f.seq) {
        for (const r of g.refs) gup_put_ref(k, r);
        trace(k, 'gup_fast', `write_protect_seq changed: unpin ${g.refs.length} page(s), slow path`);
        g.refs = [];
        g.i = 0;
      }
      return 'read_seqcount_retry';
    }
  }
}

/** The page GUP-fast grabs at (B3): the PTE's page, or the page of the leaf at the current address. */
function pageAt(k: Kernel, g: GupState, f: GupFastState): number {
  const e = f.pte!;
  if (e.kind !== 'huge') return e.pfn;
  const addr = g.start + g.i * k.s.config.pageSize;
  return e.pfn + (addr % e.size) / k.s.config.pageSize;
}

/** The folio of a page, or undefined if it was freed (GUP-fast's view, without a reference). */
function lookupFolio(k: Kernel, pfn: number): Folio | undefined {
  try {
    return folio(k, pfn);
  } catch {
    return undefined;
  }
}

/** Runs whichever step comes next. */
export function gup_next(k: Kernel, g: GupState): string {
  return g.fastState ? gup_fast_step(k, g) : gup_step(k, g);
}
