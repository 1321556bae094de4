// --explain: one witness execution in words — which write each read took
// its value from, the coherence order, the po/com cycle the outcome needs,
// and for each po step of that cycle which LKMM relation (if any) orders it.
import type { TestResult, Witness } from './check.js';
import type { Event } from './events.js';
import { showVal } from './events.js';
import { eventLabel, eventName, eventSource } from './describe.js';
import type { Rel } from './relation.js';

interface Step {
  from: number;
  to: number;
  label: string;
}

/** The shortest cycle through po and external communication (rfe, coe, fre) edges. */
function criticalCycle(events: Event[], rels: Map<string, Rel>): Step[] | undefined {
  const po = rels.get('po')!;
  const rf = rels.get('rf')!;
  const co = rels.get('co')!;
  const fr = rels.get('fr')!;
  const mem = events.filter((e) => !e.init && e.kind !== 'F').map((e) => e.id);
  const edges = new Map<number, Step[]>();
  const add = (s: Step) => {
    const l = edges.get(s.from) ?? [];
    l.push(s);
    edges.set(s.from, l);
  };
  for (const a of mem) {
    for (const b of mem) {
      if (a === b) continue;
      const ext = events[a]!.thread !== events[b]!.thread;
      if (po.has(a, b)) add({ from: a, to: b, label: 'po' });
      if (ext && rf.has(a, b)) add({ from: a, to: b, label: 'rfe' });
      if (ext && co.has(a, b)) add({ from: a, to: b, label: 'coe' });
      if (ext && fr.has(a, b)) add({ from: a, to: b, label: 'fre' });
    }
  }
  let best: Step[] | undefined;
  for (const start of mem) {
    const prev = new Map<number, Step>();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length) {
      const v = queue.shift()!;
      for (const s of edges.get(v) ?? []) {
        if (s.to === start) {
          const path: Step[] = [s];
          let cur = v;
          while (cur !== start) {
            const p = prev.get(cur)!;
            path.unshift(p);
            cur = p.from;
          }
          if (path.some((p) => p.label !== 'po') && (!best || path.length < best.length)) best = path;
          continue;
        }
        if (seen.has(s.to)) continue;
        seen.add(s.to);
        prev.set(s.to, s);
        queue.push(s.to);
      }
    }
  }
  return best;
}

/** Which relations of linux-kernel.cat order a po step, in words. */
function poOrdering(a: number, b: number, rels: Map<string, Rel>): { ordered: boolean; strong: boolean; why: string } {
  const has = (k: string) => rels.get(k)?.has(a, b) ?? false;
  const parts: string[] = [];
  if (has('mb')) parts.push('mb (a full barrier: smp_mb(), a full-barrier RMW, or smp_mb__{before,after}_atomic() around an RMW)');
  if (has('gp')) parts.push('gp (a grace period)');
  if (has('rmb')) parts.push('rmb (smp_rmb())');
  if (has('wmb')) parts.push('wmb (smp_wmb())');
  if (has('acq-po')) parts.push('acq-po (an acquire)');
  if (has('po-rel')) parts.push('po-rel (a release)');
  if (has('po-unlock-lock-po')) parts.push('po-unlock-lock-po (an unlock then a lock)');
  if (has('addr')) parts.push('addr (address dependency)');
  if (has('data')) parts.push('data (data dependency)');
  if (has('ctrl')) parts.push('ctrl (control dependency)');
  const ordered = has('ppo');
  const strong = has('strong-fence');
  if (parts.length === 0) {
    return { ordered, strong, why: ordered ? 'ppo' : 'nothing: no dependency, fence, release/acquire or lock orders this pair (not in ppo)' };
  }
  return { ordered, strong, why: `${parts.join(', ')}${ordered ? '; in ppo' : '; not in ppo for this pair'}${strong ? ', a strong fence' : ''}` };
}

function describeExecution(w: Witness, out: string[]): { cycle?: Step[]; nm: (e: Event) => string } {
  const { x, model } = w;
  const first = x.events.findIndex((e) => !e.init);
  const nm = (e: Event) => eventName(e, first);
  out.push('Events:');
  for (const e of x.events) if (!e.init) out.push(`  ${nm(e)}: P${e.thread} ${eventLabel(e)}  (${e.text})`);
  out.push('Reads-from:');
  for (const e of x.events) {
    if (e.kind !== 'R') continue;
    const src = x.events[x.rf[e.id]!]!;
    const from = src.init ? eventSource(src) : `${nm(src)} (${eventSource(src)})`;
    out.push(`  ${nm(e)} read ${e.loc}=${showVal(e.value!)} from ${from}`);
  }
  out.push('Coherence order:');
  for (const [loc, order] of x.co) {
    if (order.length < 2) continue;
    out.push(`  ${loc}: ${order.map((i) => (x.events[i]!.init ? `init(${showVal(x.events[i]!.value!)})` : `${nm(x.events[i]!)}(${showVal(x.events[i]!.value!)})`)).join(' -> ')}`);
  }
  const cycle = criticalCycle(x.events, model.rels);
  if (cycle) out.push(`Cycle: ${cycle.map((s) => `${nm(x.events[s.from]!)} -${s.label}->`).join(' ')} ${nm(x.events[cycle[0]!.from]!)}`);
  return { ...(cycle ? { cycle } : {}), nm };
}

/** For each po step of the cycle, what orders it; returns the counts the axioms care about. */
function describeOrderings(w: Witness, cycle: Step[], nm: (e: Event) => string, out: string[]) {
  out.push('Orderings on the cycle:');
  let unordered = 0;
  let strong = 0;
  for (const s of cycle) {
    if (s.label !== 'po') continue;
    const o = poOrdering(s.from, s.to, w.model.rels);
    if (!o.ordered) unordered++;
    if (o.strong) strong++;
    out.push(`  ${nm(w.x.events[s.from]!)} -po-> ${nm(w.x.events[s.to]!)}: ${o.why}`);
  }
  return { unordered, strong, nonRf: cycle.filter((s) => s.label === 'coe' || s.label === 'fre').length };
}

/** --explain for an outcome the model allows: one witness execution and why nothing forbids it. */
export function explainWitness(r: TestResult): string {
  const w = r.witness;
  if (!w) return '';
  const out: string[] = [`Explain ${r.test.name}: an execution the model allows that satisfies the condition`];
  const { cycle, nm } = describeExecution(w, out);
  if (!cycle) {
    out.push('No po/com cycle: the outcome needs no reordering at all.');
    return out.join('\n') + '\n';
  }
  const { unordered, strong, nonRf } = describeOrderings(w, cycle, nm, out);
  out.push('Why no axiom forbids it:');
  if (nonRf === 0) {
    out.push(`  happens-before: a cycle of rfe and po needs every po step in ppo; ${unordered} step(s) are not, so hb stays acyclic.`);
  } else {
    out.push(`  happens-before: the cycle has ${nonRf} non-rf link(s) (coe/fre), which hb does not contain.`);
    out.push(`  propagation: pb needs a strong fence for the non-rf links; the cycle has ${strong} strong fence(s) for ${nonRf} non-rf link(s)${unordered ? ` and ${unordered} unordered po step(s)` : ''}, so pb stays acyclic.`);
  }
  out.push(`  rcu: ${w.model.rels.get('rb')?.isEmpty() === false ? 'rb is irreflexive for this execution.' : 'no grace period orders the cycle (rb is empty).'}`);
  return out.join('\n') + '\n';
}

const AXIOM_WORDS: Record<string, string> = {
  'happens-before': 'hb is cyclic: every po step of the cycle is in ppo and every link between threads is rfe or an internal prop',
  propagation: 'pb is cyclic: the non-rf links of the cycle are covered by strong fences',
  rcu: 'rb is reflexive: a grace period outlasts a read-side critical section on the cycle',
  'plain-coherence': 'plain accesses are read or overwritten against the visibility order',
};

/** --explain for an outcome the model forbids: one candidate with that outcome and the axiom it violates. */
export function explainRejected(r: TestResult): string {
  const w = r.rejected;
  if (!w) return '';
  const axiom = w.model.violated!;
  const out: string[] = [`Explain ${r.test.name}: a candidate execution with the outcome, rejected by the ${axiom} axiom`];
  const { cycle, nm } = describeExecution(w, out);
  if (cycle) describeOrderings(w, cycle, nm, out);
  out.push(`Why it is forbidden: ${AXIOM_WORDS[axiom] ?? axiom}.`);
  return out.join('\n') + '\n';
}
