// Candidate executions, as herd builds them: pick one path per thread, then
// for every location a reads-from map and a coherence order. The coherence
// and atomic axioms of linux-kernel.cat only relate events of one location,
// so they are checked here, location by location, before the rest of the
// model runs; so is lock.cat's rule that an LKR reads from the write just
// before its LKW in co.
import type { Litmus, Val } from './ast.js';
import { type Event, valEq, valKey } from './events.js';
import { type Domain, type ThreadPath, threadPaths } from './interp.js';

export interface Execution {
  events: Event[];
  /** For each event id: the write it reads from, or -1. */
  rf: Int32Array;
  /** Per location, its writes in coherence order (initial write first). */
  co: Map<string, number[]>;
  rmw: [number, number][];
  lkRmw: [number, number][];
  paths: ThreadPath[];
}

/** Every shared location: thread parameters, the init block, and pointer targets. */
export function locationsOf(test: Litmus): Set<string> {
  const locs = new Set<string>();
  for (const t of test.threads) for (const p of t.params) locs.add(p);
  for (const e of test.init) {
    if (e.thread === undefined) locs.add(e.name);
    if (typeof e.value !== 'number') locs.add(e.value.loc);
  }
  return locs;
}

export function initialValues(test: Litmus, locs: Set<string>): Map<string, Val> {
  const m = new Map<string, Val>();
  for (const l of locs) m.set(l, 0);
  for (const e of test.init) if (e.thread === undefined) m.set(e.name, e.value);
  return m;
}

/**
 * The values each location may hold: initial values, then whatever the
 * threads can write, iterated to a fixpoint. Round k covers values made by
 * reads-from chains of k writes; no chain in one execution is longer than
 * the number of (non-lock) writes of the longest paths, which bounds the
 * rounds when arithmetic (atomic_inc() and friends) would grow forever.
 */
export function valueDomain(test: Litmus, locs: Set<string>, mayBlock = false): { domain: Domain; paths: ThreadPath[][] } {
  const domain: Domain = new Map();
  for (const [l, v] of initialValues(test, locs)) domain.set(l, [v]);
  for (let round = 1; ; round++) {
    const paths = test.threads.map((t) => threadPaths(test, t, domain, locs, mayBlock));
    const bound = paths.reduce(
      (sum, ps) => sum + Math.max(0, ...ps.map((p) => p.events.filter((e) => e.kind === 'W' && !e.tags.has('LKW') && !e.tags.has('UL')).length)),
      0,
    );
    let changed = false;
    if (round <= bound) {
      for (const ps of paths) {
        for (const p of ps) {
          for (const ev of p.events) {
            if (ev.kind !== 'W' || ev.loc === undefined || ev.value === undefined) continue;
            const dom = domain.get(ev.loc)!;
            if (!dom.some((v) => valEq(v, ev.value!))) {
              dom.push(ev.value);
              changed = true;
            }
          }
        }
      }
    }
    if (!changed) {
      for (const dom of domain.values()) dom.sort((a, b) => valKey(a).localeCompare(valKey(b)));
      return { domain, paths };
    }
  }
}

interface LocChoice {
  rf: [number, number][];
  co: number[];
}

/** All coherent (rf, co) choices for one location. */
function locationChoices(loc: string, events: Event[], rmw: [number, number][], lkRmw: [number, number][]): LocChoice[] {
  const reads = events.filter((e) => e.kind === 'R' && e.loc === loc);
  const writes = events.filter((e) => e.kind === 'W' && e.loc === loc);
  const init = writes.find((w) => w.init)!;
  const byThread = new Map<number, Event[]>();
  for (const w of writes) {
    if (w.init) continue;
    const l = byThread.get(w.thread) ?? [];
    l.push(w);
    byThread.set(w.thread, l);
  }
  // Coherence orders: interleavings of each thread's writes (po-loc must agree with co).
  const cos: number[][] = [];
  const queues = [...byThread.values()];
  const idx = queues.map(() => 0);
  const total = writes.length - 1;
  const cur: number[] = [init.id];
  const gen = () => {
    if (cur.length === total + 1) {
      cos.push(cur.slice());
      return;
    }
    for (let q = 0; q < queues.length; q++) {
      if (idx[q]! >= queues[q]!.length) continue;
      cur.push(queues[q]![idx[q]!]!.id);
      idx[q]!++;
      gen();
      idx[q]!--;
      cur.pop();
    }
  };
  gen();
  const cands = reads.map((r) => writes.filter((w) => w.value !== undefined && valEq(w.value, r.value!)).map((w) => w.id));
  if (cands.some((c) => c.length === 0)) return [];
  const out: LocChoice[] = [];
  const rmwHere = rmw.filter(([r]) => events[r]!.loc === loc);
  const lkHere = lkRmw.filter(([r]) => events[r]!.loc === loc);
  const pick: number[] = reads.map(() => 0);
  for (;;) {
    const rf = reads.map((r, i) => [r.id, cands[i]![pick[i]!]!] as [number, number]);
    for (const co of cos) if (coherent(events, reads, writes, rf, co, rmwHere, lkHere)) out.push({ rf, co });
    let k = pick.length - 1;
    while (k >= 0 && pick[k]! + 1 >= cands[k]!.length) {
      pick[k] = 0;
      k--;
    }
    if (k < 0) break;
    pick[k]!++;
  }
  return out;
}

/** acyclic po-loc | com as coherence; empty rmw & (fre ; coe) as atomic; lock.cat's LKR rf. */
function coherent(
  events: Event[],
  reads: Event[],
  writes: Event[],
  rf: [number, number][],
  co: number[],
  rmw: [number, number][],
  lkRmw: [number, number][],
): boolean {
  const coPos = new Map<number, number>();
  co.forEach((w, i) => coPos.set(w, i));
  const rfOf = new Map(rf);
  const nodes = [...reads, ...writes];
  const succ = new Map<number, number[]>();
  const edge = (a: number, b: number) => {
    const l = succ.get(a) ?? [];
    l.push(b);
    succ.set(a, l);
  };
  for (const a of nodes) {
    for (const b of nodes) {
      if (a.id === b.id) continue;
      if (a.thread >= 0 && a.thread === b.thread && a.poi < b.poi) edge(a.id, b.id);
    }
  }
  for (let i = 0; i + 1 < co.length; i++) edge(co[i]!, co[i + 1]!);
  for (const [r, w] of rf) {
    edge(w, r);
    for (let j = coPos.get(w)! + 1; j < co.length; j++) edge(r, co[j]!);
  }
  // Cycle check by depth-first search.
  const state = new Map<number, number>();
  const visit = (v: number): boolean => {
    state.set(v, 1);
    for (const s of succ.get(v) ?? []) {
      const st = state.get(s) ?? 0;
      if (st === 1) return false;
      if (st === 0 && !visit(s)) return false;
    }
    state.set(v, 2);
    return true;
  };
  for (const n of nodes) if ((state.get(n.id) ?? 0) === 0 && !visit(n.id)) return false;
  for (const [r, w] of rmw) {
    const src = coPos.get(rfOf.get(r)!)!;
    const dst = coPos.get(w)!;
    for (let j = src + 1; j < dst; j++) if (events[co[j]!]!.thread !== events[r]!.thread) return false;
  }
  for (const [r, w] of lkRmw) if (coPos.get(rfOf.get(r)!)! !== coPos.get(w)! - 1) return false;
  return true;
}

/** Lays out the events of one choice of thread paths: initial writes first, then threads in order. */
function layout(locs: Set<string>, init: Map<string, Val>, paths: ThreadPath[]) {
  const events: Event[] = [];
  for (const l of [...locs].sort()) {
    events.push({
      id: events.length, thread: -1, poi: 0, kind: 'W', init: true, loc: l, value: init.get(l)!,
      tags: new Set(), addr: [], data: [], ctrl: [], text: `initial value of ${l}`,
    });
  }
  const rmw: [number, number][] = [];
  const lkRmw: [number, number][] = [];
  for (const p of paths) {
    const base = events.length;
    p.events.forEach((le, poi) => {
      const ev: Event = {
        id: base + poi, thread: p.thread, poi, kind: le.kind, init: false, tags: le.tags,
        addr: le.addr.map((d) => d + base), data: le.data.map((d) => d + base), ctrl: le.ctrl.map((d) => d + base),
        text: le.text, pos: le.pos,
      };
      if (le.loc !== undefined) ev.loc = le.loc;
      if (le.value !== undefined) ev.value = le.value;
      events.push(ev);
    });
    for (const [r, w] of p.rmw) rmw.push([r + base, w + base]);
    for (const [r, w] of p.lkRmw) lkRmw.push([r + base, w + base]);
  }
  return { events, rmw, lkRmw };
}

/**
 * Calls visit for every candidate execution that passes the per-location
 * axioms. With mayBlock, threads may also stop for good in spin_lock(), and
 * only candidates where at least one thread did so are visited.
 */
export function forEachCandidate(test: Litmus, visit: (x: Execution) => void, mayBlock = false): void {
  const locs = locationsOf(test);
  const init = initialValues(test, locs);
  const { paths } = valueDomain(test, locs, mayBlock);
  if (paths.some((p) => p.length === 0)) return;
  const pick = paths.map(() => 0);
  for (;;) {
    let dead = false;
    const chosen = paths.map((ps, i) => ps[pick[i]!]!);
    if (mayBlock && !chosen.some((p) => p.blocked)) dead = true;
    const { events, rmw, lkRmw } = layout(locs, init, chosen);
    const perLoc: [string, LocChoice[]][] = [];
    for (const l of dead ? [] : [...locs].sort()) {
      const ch = locationChoices(l, events, rmw, lkRmw);
      if (ch.length === 0) {
        dead = true;
        break;
      }
      perLoc.push([l, ch]);
    }
    if (!dead) {
      const sel = perLoc.map(() => 0);
      for (;;) {
        const rf = new Int32Array(events.length).fill(-1);
        const co = new Map<string, number[]>();
        perLoc.forEach(([l, ch], i) => {
          const c = ch[sel[i]!]!;
          for (const [r, w] of c.rf) rf[r] = w;
          co.set(l, c.co);
        });
        visit({ events, rf, co, rmw, lkRmw, paths: chosen });
        let k = sel.length - 1;
        while (k >= 0 && sel[k]! + 1 >= perLoc[k]![1].length) {
          sel[k] = 0;
          k--;
        }
        if (k < 0) break;
        sel[k]!++;
      }
    }
    let k = pick.length - 1;
    while (k >= 0 && pick[k]! + 1 >= paths[k]!.length) {
      pick[k] = 0;
      k--;
    }
    if (k < 0) return;
    pick[k]!++;
  }
}
