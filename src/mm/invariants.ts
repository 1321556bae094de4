// What the kernel would VM_BUG_ON / WARN about, checked after every step and
// reported as findings (separate from what the scenario observes).
import type { Folio, GupRef, KernelState } from '../model/types.js';
import { MAX_FOLIO_ORDER } from './context.js';
import type { Policies } from '../eras/policies.js';
import { FOLL_PIN, GUP_PIN_COUNTING_BIAS } from '../model/flags.js';
import { heldRefs } from '../syscalls/ops.js';
import { pte_marker_invariants, uffd_invariants } from './userfaultfd.js';
import { hugetlb_invariants } from './hugetlb.js';
import { ksm_cleared_pte, ksm_held_refs, ksm_invariants } from './ksm.js';

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
    if (op.kind === 'ksm_scan') for (const pfn of ksm_held_refs(op.scan)) lru.set(pfn, (lru.get(pfn) ?? 0) + 1);
  }
  // Page-cache references per folio: one per index (a shmem THP holds one for each of its pages).
  const cached = new Map<number, number>();
  for (const file of Object.values(s.files)) {
    for (const [index, pfn] of Object.entries(file.pages)) {
      const head = headOf(s, pfn) ?? pfn;
      cached.set(head, (cached.get(head) ?? 0) + 1);
      const f = s.folios[head];
      // A cached page sits at its own index: the folio's first index plus its offset in the folio.
      if (f && f.hugetlbKB === undefined && f.mapping && (f.mapping.ino !== file.ino || f.mapping.index + (pfn - head) !== Number(index))) {
        out.push({ invariant: 'page-cache', detail: `${file.name} index ${index} holds pfn ${pfn}, whose folio is cached at ${f.mapping.ino}:${f.mapping.index}` });
      }
    }
  }
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
    // for-in, not Object.entries(): this runs after every step over every PTE.
    for (const v in mm.ptes) {
      const pte = mm.ptes[v]!;
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
  // A PTE KSM cleared under the page table lock (write_protect_page() between (A1) and (A4)) still maps its page.
  for (const op of Object.values(s.ops)) {
    const c = op.kind === 'ksm_scan' ? ksm_cleared_pte(op.scan) : null;
    if (c) mapped.set(c.pte.pfn, (mapped.get(c.pte.pfn) ?? 0) + 1);
  }
  // GUP-fast's reference between (B3) and its (B4)/(B5) checks is speculative: it is dropped if they fail.
  const speculative = new Map<number, number>();
  for (const op of Object.values(s.ops)) {
    if (op.kind !== 'gup_user' || op.gup.fastState?.stage !== 'check' || !(op.gup.flags & FOLL_PIN)) continue;
    const last = op.gup.refs[op.gup.refs.length - 1];
    if (last) speculative.set(last.pfn, (speculative.get(last.pfn) ?? 0) + (last.nr ?? 1));
  }
  for (const f of Object.values(s.folios)) {
    if (f.zero) continue;
    const refs = held.get(f.pfn) ?? [];
    const pins = refs.filter((r) => r.pin).reduce((n, r) => n + (r.nr ?? 1), 0);
    const gets = refs.reduce((n, r) => n + (r.nr ?? 1), 0) - pins;
    const pinRefs = p.pinAccounting ? pins * (f.order > 0 ? 1 : GUP_PIN_COUNTING_BIAS) : pins;
    const maps = f.pages ? f.pages.reduce((n, pg) => n + pg.mapcount, 0) + (f.entireMapcount ?? 0) : f.mapcount;
    const expected =
      maps + (f.swapCache ? 2 ** f.order : 0) + (lru.get(f.pfn) ?? 0) + (cached.get(f.pfn) ?? 0) + gets + pinRefs;
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
    if (p.anonExclusive && f.anon && f.swapCache && f.swapEntry) {
      const [type, offset] = f.swapEntry.split(':').map(Number) as [number, number];
      const pages = f.pages ?? [{ mapcount: f.mapcount, anonExclusive: f.anonExclusive }];
      pages.forEach((pg, i) => {
        const entry = `${type}:${offset + i}`;
        if (pg.anonExclusive && pg.mapcount === 0 && swapRefs(s, entry) > 0) {
          out.push({ invariant: 'exclusive-swapcache', detail: `swap-cache pfn ${f.pfn + i} is PageAnonExclusive while swap PTEs refer to ${entry}` });
        }
      });
    }
    if (p.anonExclusive && f.anon && pins - (speculative.get(f.pfn) ?? 0) > 0 && !f.pages && !f.anonExclusive) {
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
  out.push(...ksm_invariants(s));
  out.push(...uffd_invariants(s));
  out.push(...pte_marker_invariants(s));
  out.push(...hugetlb_invariants(s));
  return out;
}

/** The swap count of an entry ("type:offset"): swap PTEs that still refer to it. */
function swapRefs(s: KernelState, entry: string | null): number {
  if (!entry) return 0;
  const [type, offset] = entry.split(':').map(Number) as [number, number];
  return s.swap[type]?.slots[offset]?.count ?? 0;
}
