// What the kernel would VM_BUG_ON / WARN about, checked after every step and
// reported as findings (separate from what the scenario observes).
import type { Folio, GupRef, KernelState } from '../model/types.js';
import { MAX_FOLIO_ORDER } from './context.js';
import type { Policies } from '../eras/policies.js';
import { GUP_PIN_COUNTING_BIAS } from '../model/flags.js';
import { heldRefs } from '../syscalls/ops.js';
import { uffd_invariants } from './userfaultfd.js';

export interface Violation {
  invariant: string;
  detail: string;
}

/** The head pfn of the folio containing pfn (folios are naturally aligned). */
function headOf(s: KernelState, pfn: number): number | undefined {
  for (let o = 0; o <= MAX_FOLIO_ORDER; o++) {
    const head = pfn - (pfn % 2 ** o);
    const f = s.folios[head];
    if (f && head + 2 ** f.order > pfn) return head;
  }
  return undefined;
}

function exclusiveAt(f: Folio, pfn: number): boolean {
  if (!f.pages) return f.anonExclusive;
  return f.pages[Math.min(pfn - f.pfn, f.pages.length - 1)]!.anonExclusive;
}

export function checkInvariants(s: KernelState, p: Readonly<Policies>): Violation[] {
  const out: Violation[] = [];
  const held = new Map<number, GupRef[]>();
  for (const [pfn, refs] of heldRefs(s)) {
    const head = headOf(s, pfn) ?? pfn;
    const list = held.get(head);
    if (list) list.push(...refs);
    else held.set(head, [...refs]);
  }
  const lru = new Map<number, number>();
  for (const pfn of s.lruAdd) lru.set(pfn, (lru.get(pfn) ?? 0) + 1);
  // Reclaim's isolation reference (folio_isolate_lru) on pages it still has to process.
  for (const op of Object.values(s.ops)) {
    if (op.kind === 'reclaim') for (const pfn of op.r.pages) lru.set(pfn, (lru.get(pfn) ?? 0) + 1);
    if (op.kind === 'migrate') for (const pfn of op.m.held) lru.set(pfn, (lru.get(pfn) ?? 0) + 1);
  }
  const cached = new Set<number>();
  for (const f of Object.values(s.files)) for (const pfn of Object.values(f.pages)) cached.add(pfn);
  // copy_present_pte() shared a page whose parent PTE fork still holds under the PTL, about to write-protect it.
  const underPtl = new Set<string>();
  for (const op of Object.values(s.ops)) {
    if (op.kind === 'fork' && op.f.wrprotect !== null) underPtl.add(`${op.f.parentMm}:${op.f.wrprotect}`);
  }
  const mapped = new Map<number, number>();
  const entire = new Map<number, number>();
  for (const mm of Object.values(s.mms)) {
    for (const e of Object.values(mm.huge)) {
      if (e.hugeZero) continue;
      entire.set(e.pfn, (entire.get(e.pfn) ?? 0) + 1);
      const f = s.folios[e.pfn];
      if (!f) out.push({ invariant: 'pte-maps-freed-page', detail: `a huge entry maps freed pfn ${e.pfn}` });
      else if (e.write && f.anon && p.anonExclusive && !exclusiveAt(f, f.pfn)) {
        out.push({ invariant: 'writable-shared-anon', detail: `writable huge entry to pfn ${f.pfn}, which may be shared` });
      }
    }
    for (const [v, pte] of Object.entries(mm.ptes)) {
      if (pte.kind !== 'present' || pte.special) continue;
      mapped.set(pte.pfn, (mapped.get(pte.pfn) ?? 0) + 1);
      const head = s.folios[pte.pfn] ? pte.pfn : headOf(s, pte.pfn);
      const f = head === undefined ? undefined : s.folios[head];
      if (!f) {
        out.push({ invariant: 'pte-maps-freed-page', detail: `a PTE maps freed pfn ${pte.pfn}` });
        continue;
      }
      // "For anonymous pages that are mapped R/W, PG_anon_exclusive can be assumed to always be set." (78fbe906cc90)
      if (pte.write && f.anon && !underPtl.has(`${mm.id}:${v}`)) {
        if (p.anonExclusive ? !exclusiveAt(f, pte.pfn) : !f.pages && f.mapcount > 1) {
          out.push({ invariant: 'writable-shared-anon', detail: `writable PTE to pfn ${f.pfn}, which may be shared` });
        }
      }
    }
  }
  for (const f of Object.values(s.folios)) {
    if (f.zero) continue;
    const refs = held.get(f.pfn) ?? [];
    const pins = refs.filter((r) => r.pin).reduce((n, r) => n + (r.nr ?? 1), 0);
    const gets = refs.reduce((n, r) => n + (r.nr ?? 1), 0) - pins;
    const pinRefs = p.pinAccounting ? pins * (f.order > 0 ? 1 : GUP_PIN_COUNTING_BIAS) : pins;
    const maps = f.pages ? f.pages.reduce((n, pg) => n + pg.mapcount, 0) + (f.entireMapcount ?? 0) : f.mapcount;
    const expected =
      maps + (f.swapCache ? 1 : 0) + (lru.get(f.pfn) ?? 0) + (cached.has(f.pfn) ? 1 : 0) + gets + pinRefs;
    if (f.refcount !== expected) {
      out.push({
        invariant: 'refcount',
        detail: `pfn ${f.pfn} refcount ${f.refcount}, but mappings, caches and GUP users account for ${expected}`,
      });
    }
    if (!f.pages && (mapped.get(f.pfn) ?? 0) !== f.mapcount) {
      out.push({ invariant: 'mapcount', detail: `pfn ${f.pfn} mapcount ${f.mapcount}, mapped by ${mapped.get(f.pfn) ?? 0} PTE(s)` });
    }
    if (f.pages) {
      if ((entire.get(f.pfn) ?? 0) !== (f.entireMapcount ?? 0)) {
        out.push({ invariant: 'mapcount', detail: `pfn ${f.pfn} entire mapcount ${f.entireMapcount}, mapped by ${entire.get(f.pfn) ?? 0} huge entr(ies)` });
      }
      if (f.hugetlbKB === undefined) {
        f.pages.forEach((pg, i) => {
          if ((mapped.get(f.pfn + i) ?? 0) !== pg.mapcount) {
            out.push({ invariant: 'mapcount', detail: `pfn ${f.pfn + i} mapcount ${pg.mapcount}, mapped by ${mapped.get(f.pfn + i) ?? 0} PTE(s)` });
          }
        });
      }
    }
    if ((f.anonExclusive || f.pages?.some((pg) => pg.anonExclusive)) && !f.anon) {
      out.push({ invariant: 'exclusive-non-anon', detail: `PG_anon_exclusive on non-anon pfn ${f.pfn}` });
    }
    // do_swap_page()/unuse_pte() BUG_ON a PageAnonExclusive swap-cache page that a swap PTE still refers to.
    if (p.anonExclusive && f.anon && f.swapCache && f.anonExclusive && f.mapcount === 0 && swapRefs(s, f.swapEntry) > 0) {
      out.push({ invariant: 'exclusive-swapcache', detail: `swap-cache pfn ${f.pfn} is PageAnonExclusive while swap PTEs refer to ${f.swapEntry}` });
    }
    if (p.anonExclusive && f.anon && pins > 0 && !f.pages && !f.anonExclusive) {
      out.push({ invariant: 'pinned-not-exclusive', detail: `pinned anon pfn ${f.pfn} is not PageAnonExclusive` });
    }
  }
  // A pinned page the page table no longer maps at the pinned address: the pin lost its mapping.
  for (const pin of Object.values(s.pins)) {
    const proc = s.processes[pin.pid];
    const mm = proc?.mm != null ? s.mms[proc.mm] : undefined;
    if (!mm) continue;
    let i = 0;
    pin.refs.forEach((r) => {
      const v = String(Math.floor(pin.addr / s.config.pageSize) + i);
      i += r.nr ?? 1;
      const pte = mm.ptes[v];
      const inVma = mm.vmas.some((vma) => vma.start <= Number(v) * s.config.pageSize && Number(v) * s.config.pageSize < vma.end);
      if (inVma && pte?.kind === 'present' && pte.pfn !== r.pfn) {
        out.push({
          invariant: 'pinned-page-replaced',
          detail: `${pin.owner} pin of pfn ${r.pfn} at 0x${(Number(v) * s.config.pageSize).toString(16)}: the page table now maps pfn ${pte.pfn}`,
        });
      }
    });
  }
  out.push(...hugetlb_invariants(s));
  out.push(...uffd_invariants(s));
  return out;
}

/**
 * hugetlb pool accounting (mm/hugetlb.c): every huge page is free or in a
 * folio, reservations never exceed the free pages (resv_huge_pages <=
 * free_huge_pages), and only the private mapping that made them holds any
 * (HPAGE_RESV_OWNER), never a child's copy of it.
 */
function hugetlb_invariants(s: KernelState): Violation[] {
  const out: Violation[] = [];
  const used = new Map<string, number>();
  for (const f of Object.values(s.folios)) if (f.hugetlbKB !== undefined) used.set(String(f.hugetlbKB), (used.get(String(f.hugetlbKB)) ?? 0) + 1);
  for (const mm of Object.values(s.mms)) {
    for (const v of mm.vmas) {
      if (!v.hugetlb) continue;
      if (v.hugetlb.resv > 0 && !v.hugetlb.owner) {
        out.push({ invariant: 'hugetlb-pool', detail: `mm ${mm.id} VMA 0x${v.start.toString(16)} holds ${v.hugetlb.resv} reservation(s) without HPAGE_RESV_OWNER` });
      }
    }
  }
  for (const [kb, p] of Object.entries(s.hugetlb)) {
    const inUse = used.get(kb) ?? 0;
    if (p.free + inUse !== p.nr) out.push({ invariant: 'hugetlb-pool', detail: `${kb} kB pool: ${p.free} free + ${inUse} in use != ${p.nr}` });
    if (p.resv < 0 || p.resv > p.free) out.push({ invariant: 'hugetlb-pool', detail: `${kb} kB pool: ${p.resv} reserved of ${p.free} free` });
  }
  return out;
}

/** The swap count of an entry ("type:offset"): swap PTEs that still refer to it. */
function swapRefs(s: KernelState, entry: string | null): number {
  if (!entry) return 0;
  const [type, offset] = entry.split(':').map(Number) as [number, number];
  return s.swap[type]?.slots[offset]?.count ?? 0;
}
