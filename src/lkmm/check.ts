// Runs a litmus test under the LKMM: every candidate execution that the
// model accepts contributes its final state; the condition is evaluated on
// each, as herd7 does, giving the positive/negative witness counts.
import type { Expr, Litmus, Prop, StateLoc, Stmt, Val } from './ast.js';
import { type Execution, forEachCandidate } from './candidates.js';
import { valEq, valKey } from './events.js';
import { type ModelResult, runModel } from './model.js';

export type Observation = 'Never' | 'Sometimes' | 'Always';

export interface Witness {
  x: Execution;
  model: ModelResult;
}

/** A thread that waits forever in spin_lock(), and the thread whose lock acquisition is never released. */
export interface Wait {
  thread: number;
  loc: string;
  text: string;
  holder: number;
}

export interface TestResult {
  test: Litmus;
  /** The locations shown in each state, in herd's order (registers by thread, then shared locations). */
  shown: StateLoc[];
  /** Distinct final states, sorted, each as its values in `shown` order. */
  states: Val[][];
  positive: number;
  negative: number;
  flags: string[];
  observation: Observation;
  /** herd's Ok/No: whether the condition as quantified holds. */
  ok: boolean;
  /** The first accepted execution satisfying the condition's proposition. */
  witness?: Witness;
  /** The first candidate satisfying the proposition that the model rejects, with the violated axiom. */
  rejected?: Witness;
  /** An execution the model accepts in which threads wait forever for locks, if the test can deadlock. */
  deadlock?: Wait[];
  /** Accepted executions, candidates examined, and the seconds spent. */
  executions: number;
  candidates: number;
  seconds: number;
}

function propLocs(p: Prop | undefined, out: StateLoc[]): void {
  if (!p) return;
  switch (p.k) {
    case 'eq':
      out.push(p.thread !== undefined ? { thread: p.thread, name: p.name } : { name: p.name });
      return;
    case 'not':
      propLocs(p.p, out);
      return;
    case 'and':
    case 'or':
      for (const q of p.ps) propLocs(q, out);
      return;
    default:
      return;
  }
}

function locKey(l: StateLoc): string {
  return l.thread !== undefined ? `${l.thread}:${l.name}` : l.name;
}

/** The value of a state location at the end of an execution. */
function finalValue(x: Execution, l: StateLoc): Val {
  if (l.thread !== undefined) return x.paths[l.thread]?.regs.get(l.name) ?? 0;
  const order = x.co.get(l.name);
  if (!order) return 0;
  return x.events[order[order.length - 1]!]!.value ?? 0;
}

export function evalProp(p: Prop, x: Execution): boolean {
  switch (p.k) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'eq':
      return valEq(finalValue(x, p.thread !== undefined ? { thread: p.thread, name: p.name } : { name: p.name }), p.value);
    case 'not':
      return !evalProp(p.p, x);
    case 'and':
      return p.ps.every((q) => evalProp(q, x));
    case 'or':
      return p.ps.some((q) => evalProp(q, x));
  }
}

function compareVals(a: Val, b: Val): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.loc.localeCompare(b.loc);
}

/** Checks a parsed test against the model. */
export function checkLitmus(test: Litmus): TestResult {
  const t0 = process.hrtime.bigint();
  const seen = new Map<string, StateLoc>();
  const ls: StateLoc[] = [...test.locations];
  propLocs(test.cond, ls);
  for (const l of ls) seen.set(locKey(l), l);
  const shown = [...seen.values()].sort((a, b) => {
    const ta = a.thread ?? Infinity;
    const tb = b.thread ?? Infinity;
    if (ta !== tb) return ta - tb;
    return a.name.localeCompare(b.name);
  });
  const lockLocs = new Set<string>();
  const states = new Map<string, Val[]>();
  const flags = new Set<string>();
  let positive = 0;
  let negative = 0;
  let executions = 0;
  let candidates = 0;
  let witness: Witness | undefined;
  let rejected: Witness | undefined;
  forEachCandidate(test, (x) => {
    candidates++;
    if (test.filter && !evalProp(test.filter, x)) return;
    const model = runModel(x);
    if (model.violated) {
      if (!rejected && evalProp(test.cond, x)) rejected = { x, model };
      return;
    }
    executions++;
    for (const f of model.flags) flags.add(f);
    for (const e of x.events) if (e.loc && (e.tags.has('LKR') || e.tags.has('UL') || e.tags.has('LF'))) lockLocs.add(e.loc);
    const vals = shown.map((l) => finalValue(x, l));
    states.set(vals.map(valKey).join(','), vals);
    if (evalProp(test.cond, x)) {
      positive++;
      if (!witness) witness = { x, model };
    } else negative++;
  });
  const deadlock = usesSpinLock(test) ? findDeadlock(test) : undefined;
  // lock.cat's lock-final: the final value of a spinlock should not be tested.
  if (shown.some((l) => l.thread === undefined && lockLocs.has(l.name))) flags.add('lock-final');
  const sorted = [...states.values()].sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      const c = compareVals(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  const observation: Observation = positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes';
  const ok = test.quantifier === 'exists' ? positive > 0 : test.quantifier === '~exists' ? positive === 0 : negative === 0;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    test, shown, states: sorted, positive, negative, flags: [...flags].sort(), observation, ok,
    ...(witness ? { witness } : {}), ...(rejected ? { rejected } : {}), ...(deadlock ? { deadlock } : {}), executions, candidates, seconds,
  };
}

function callsSpinLock(e: Expr): boolean {
  switch (e.k) {
    case 'call':
      return e.name === 'spin_lock' || e.args.some(callsSpinLock);
    case 'deref':
    case 'un':
      return callsSpinLock(e.e);
    case 'bin':
      return callsSpinLock(e.l) || callsSpinLock(e.r);
    case 'assign':
      return callsSpinLock(e.lhs) || callsSpinLock(e.rhs);
    case 'cond':
      return callsSpinLock(e.c) || callsSpinLock(e.t) || callsSpinLock(e.f);
    default:
      return false;
  }
}

function stmtCallsSpinLock(s: Stmt): boolean {
  switch (s.k) {
    case 'expr':
      return callsSpinLock(s.e);
    case 'decl':
      return s.init !== undefined && callsSpinLock(s.init);
    case 'if':
      return callsSpinLock(s.c) || stmtCallsSpinLock(s.then) || (s.else !== undefined && stmtCallsSpinLock(s.else));
    case 'block':
      return s.body.some(stmtCallsSpinLock);
  }
}

/** Only threads that call spin_lock() can wait forever. */
function usesSpinLock(test: Litmus): boolean {
  return test.threads.some((t) => t.body.some(stmtCallsSpinLock));
}

/**
 * Deadlock detection: let threads stop for good in spin_lock(); an execution
 * the model accepts (lock.cat puts a never-released LKW last in co) in which
 * every waiting thread's lock is finally held is a deadlock.
 */
function findDeadlock(test: Litmus): Wait[] | undefined {
  let found: Wait[] | undefined;
  forEachCandidate(
    test,
    (x) => {
      if (found) return;
      const waits: Wait[] = [];
      for (const p of x.paths) {
        if (!p.blocked) continue;
        const order = x.co.get(p.blocked.loc)!;
        const last = x.events[order[order.length - 1]!]!;
        if (!last.tags.has('LKW')) return;
        waits.push({ thread: p.thread, loc: p.blocked.loc, text: p.blocked.text, holder: last.thread });
      }
      if (runModel(x).violated) return;
      found = waits;
    },
    true,
  );
  return found;
}

/**
 * Whether the result matches the file's documented "Result:" line: Never,
 * Sometimes or Always against the observation; DEADLOCK when no execution
 * can complete or threads can wait forever for locks. Undefined when the file documents nothing (or something else).
 */
export function matchesDocumented(r: TestResult): boolean | undefined {
  const doc = r.test.result;
  if (!doc) return undefined;
  if (doc === 'DEADLOCK') return r.executions === 0 || r.deadlock !== undefined;
  if (doc === 'Never' || doc === 'Sometimes' || doc === 'Always') return doc === r.observation;
  return undefined;
}
