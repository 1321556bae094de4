// What a step changed, in kernel terms: PTEs, folio counts and flags, swap slots.
import type { Folio, KernelState, Pte } from '../model/types.js';
import type { Kernel } from '../mm/context.js';
import { decode_swap_pte } from '../mm/swapfile.js';

function ptePretty(k: Kernel, pte: Pte | undefined): string {
  if (!pte) return 'none';
  switch (pte.kind) {
    case 'present': {
      const bits = [pte.write ? 'W' : 'R/O', pte.dirty && 'dirty', pte.softDirty && 'soft-dirty', pte.uffdWp && 'uffd-wp', pte.special && 'special'];
      return `${pte.special ? 'zeropage' : `pfn ${pte.pfn}`} [${bits.filter(Boolean).join(' ')}]`;
    }
    case 'swap': {
      const d = decode_swap_pte(k, pte);
      const bits = [d.exclusive && 'exclusive', d.softDirty && 'soft-dirty', d.uffdWp && 'uffd-wp'].filter(Boolean);
      return `swap ${d.entry} (pte ${pte.val})${bits.length ? ` [${bits.join(' ')}]` : ''}`;
    }
    case 'migration':
      return `migration ${pte.type} pfn ${pte.pfn}`;
    case 'marker':
      return `marker${pte.uffdWp || pte.poisoned ? ` [${[pte.uffdWp && 'uffd-wp', pte.poisoned && 'poisoned'].filter(Boolean).join(' ')}]` : ''}`;
  }
}

function folioPretty(f: Folio | undefined): string {
  if (!f) return 'freed';
  const flags = [
    f.anon && (f.ksm ? 'KSM' : 'anon'), f.anonExclusive && 'AnonExclusive', f.swapCache && `swapcache(${f.swapEntry})`,
    f.dirty && 'dirty', f.writeback && 'writeback', f.lru && 'lru',
  ].filter(Boolean);
  return `ref ${f.refcount} map ${f.mapcount}${f.pincount ? ` pin ${f.pincount}` : ''} [${flags.join(' ')}]`;
}

/** Lines describing how `after` differs from `before`. */
export function describeChanges(k: Kernel, before: KernelState, after: KernelState): string[] {
  const out: string[] = [];
  const ps = after.config.pageSize;
  const mmIds = new Set([...Object.keys(before.mms), ...Object.keys(after.mms)]);
  for (const id of mmIds) {
    const a = before.mms[id]?.ptes ?? {};
    const b = after.mms[id]?.ptes ?? {};
    for (const v of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[v]) === JSON.stringify(b[v])) continue;
      const addr = (Number(v) * ps).toString(16);
      const kb: Kernel = { ...k, s: before };
      out.push(`mm${id} pte 0x${addr}: ${ptePretty(kb, a[v])} -> ${ptePretty(k, b[v])}`);
    }
  }
  for (const pfn of new Set([...Object.keys(before.folios), ...Object.keys(after.folios)])) {
    const x = before.folios[pfn];
    const y = after.folios[pfn];
    if (x && y && JSON.stringify(x) === JSON.stringify(y)) continue;
    const what = y?.zero || x?.zero ? 'zeropage' : `pfn ${pfn}`;
    const data = x && y && JSON.stringify(x.data) !== JSON.stringify(y.data) ? ' (contents changed)' : '';
    out.push(`${what}: ${x ? folioPretty(x) : 'new'} -> ${folioPretty(y)}${data}`);
  }
  after.swap.forEach((dev, t) => {
    const a = before.swap[t]?.slots ?? {};
    for (const off of new Set([...Object.keys(a), ...Object.keys(dev.slots)])) {
      const x = a[off];
      const y = dev.slots[off];
      if (JSON.stringify(x) === JSON.stringify(y)) continue;
      const d = (s: typeof x): string => (s ? `count ${s.count}${s.hasCache ? ' +cache' : ''}${s.data ? ' written' : ''}` : 'free');
      out.push(`swap ${t}:${off}: ${d(x)} -> ${d(y)}`);
    }
  });
  return out;
}
