// Runs one thread of a litmus test symbolically: every read may return any
// value of its location's domain, so one run per choice sequence gives all of
// the thread's paths. Each path is the thread's events in program order with
// their addr/data/ctrl dependencies (taken through registers as herd does) and
// the final register values. The primitives follow linux-kernel.def.
import type { Expr, Litmus, Stmt, Thread, Val } from './ast.js';
import { LitmusSyntaxError } from './parse.js';
import { type EvKind, type Tag, truthy, valEq } from './events.js';

/** An event as the thread produced it; ids and deps are thread-local indices. */
export interface LocalEvent {
  kind: EvKind;
  loc?: string;
  value?: Val;
  tags: Set<Tag>;
  addr: number[];
  data: number[];
  ctrl: number[];
  text: string;
  pos: { line: number; col: number };
}

export interface ThreadPath {
  thread: number;
  events: LocalEvent[];
  /** Pairs of (read, write) local indices of successful RMW instructions (the bell's rmw). */
  rmw: [number, number][];
  /** lock.cat's lk-rmw: spin_lock's LKR and LKW. */
  lkRmw: [number, number][];
  regs: Map<string, Val>;
  /** When the thread stopped in spin_lock() waiting forever: the lock and the statement. */
  blocked?: { loc: string; text: string };
}

/** Values each location can hold, keyed by location name. */
export type Domain = Map<string, Val[]>;

interface TVal {
  v: Val;
  deps: number[];
}

class DeadPath extends Error {}

/** The thread waits forever in spin_lock() (only explored when looking for deadlocks). */
class Blocked extends Error {
  constructor(readonly loc: string, readonly text: string) {
    super('blocked');
  }
}

/** Chooses among alternatives; replays a prefix and records the widths seen. */
class Oracle {
  pos = 0;
  widths: number[] = [];
  constructor(readonly choices: number[]) {}
  choose(n: number): number {
    if (n === 0) throw new DeadPath();
    const c = this.pos < this.choices.length ? this.choices[this.pos]! : 0;
    this.widths[this.pos] = n;
    this.pos++;
    return c;
  }
}

const ORDER_SUFFIX: Record<string, Tag> = { '': 'MB', _relaxed: 'ONCE', _acquire: 'ACQUIRE', _release: 'RELEASE' };

const FENCES: Record<string, Tag> = {
  smp_mb: 'Mb',
  smp_rmb: 'Rmb',
  smp_wmb: 'Wmb',
  smp_mb__before_atomic: 'Before-atomic',
  smp_mb__after_atomic: 'After-atomic',
  smp_mb__after_spinlock: 'After-spinlock',
  smp_mb__after_unlock_lock: 'After-unlock-lock',
  smp_mb__after_srcu_read_unlock: 'After-srcu-read-unlock',
  barrier: 'Barrier',
  rcu_read_lock: 'Rcu-lock',
  rcu_read_unlock: 'Rcu-unlock',
  synchronize_rcu: 'Sync-rcu',
  synchronize_rcu_expedited: 'Sync-rcu',
};

type ArithOp = (a: number, b: number) => number;
const OPS: Record<string, ArithOp> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  and: (a, b) => a & b,
  or: (a, b) => a | b,
  xor: (a, b) => a ^ b,
  andnot: (a, b) => a & ~b,
};

function union(...ls: number[][]): number[] {
  return [...new Set(ls.flat())].sort((a, b) => a - b);
}

/** Executes one thread under one choice sequence. */
class Run {
  events: LocalEvent[] = [];
  rmw: [number, number][] = [];
  lkRmw: [number, number][] = [];
  regs = new Map<string, TVal>();
  ctrl: number[] = [];
  text = '';
  pos = { line: 0, col: 0 };

  constructor(
    readonly test: Litmus,
    readonly thread: Thread,
    readonly domain: Domain,
    readonly oracle: Oracle,
    readonly locations: Set<string>,
    readonly mayBlock: boolean,
  ) {
    for (const p of thread.params) this.regs.set(p, { v: { loc: p }, deps: [] });
    for (const e of test.init) if (e.thread === thread.id) this.regs.set(e.name, { v: e.value, deps: [] });
  }

  private fail(pos: { line: number; col: number }, msg: string): never {
    throw new LitmusSyntaxError(this.test.file, pos, msg);
  }

  private emit(kind: EvKind, tags: Tag[], o: { loc?: string; value?: Val; addr?: number[]; data?: number[] }): number {
    const ev: LocalEvent = {
      kind,
      tags: new Set(tags),
      addr: o.addr ?? [],
      data: o.data ?? [],
      ctrl: this.ctrl.slice(),
      text: this.text,
      pos: this.pos,
    };
    if (o.loc !== undefined) ev.loc = o.loc;
    if (o.value !== undefined) ev.value = o.value;
    this.events.push(ev);
    return this.events.length - 1;
  }

  /** A read of loc returning a value chosen from the domain (or the fixed value lock reads see). */
  private read(loc: string, tags: Tag[], addr: number[], fixed?: Val): { id: number; v: Val } {
    let v: Val;
    if (fixed !== undefined) v = fixed;
    else {
      const dom = this.domain.get(loc) ?? [0];
      v = dom[this.oracle.choose(dom.length)]!;
    }
    return { id: this.emit('R', tags, { loc, value: v, addr }), v };
  }

  private write(loc: string, tags: Tag[], v: TVal, addr: number[]): number {
    return this.emit('W', tags, { loc, value: v.v, addr, data: v.deps });
  }

  private locOf(p: TVal, pos: { line: number; col: number }): string {
    if (typeof p.v === 'number') throw new DeadPath();
    if (!this.locations.has(p.v.loc)) this.fail(pos, `unknown location '${p.v.loc}'`);
    return p.v.loc;
  }

  /** The location an lvalue such as *x names, with its address dependencies. */
  private lvalue(e: Expr): { loc: string; addr: number[] } {
    if (e.k === 'deref') {
      const p = this.eval(e.e);
      return { loc: this.locOf(p, e.pos), addr: p.deps };
    }
    if (e.k === 'var' && !this.regs.has(e.name) && this.locations.has(e.name)) return { loc: e.name, addr: [] };
    this.fail(e.pos, 'expected a memory location such as *x');
  }

  private pointer(e: Expr | undefined, pos: { line: number; col: number }): { loc: string; addr: number[] } {
    if (!e) this.fail(pos, 'missing argument');
    const p = this.eval(e);
    return { loc: this.locOf(p, e.pos), addr: p.deps };
  }

  exec(s: Stmt): void {
    switch (s.k) {
      case 'block':
        for (const b of s.body) this.exec(b);
        return;
      case 'decl':
        this.text = s.text;
        this.pos = s.pos;
        this.regs.set(s.name, s.init ? this.eval(s.init) : { v: 0, deps: [] });
        return;
      case 'expr':
        this.text = s.text;
        this.pos = s.pos;
        this.eval(s.e);
        return;
      case 'if': {
        this.text = s.text;
        this.pos = s.pos;
        const c = this.eval(s.c);
        // herd's control dependency reaches every event po-after the branch.
        this.ctrl = union(this.ctrl, c.deps);
        if (truthy(c.v)) this.exec(s.then);
        else if (s.else) this.exec(s.else);
        return;
      }
    }
  }

  eval(e: Expr): TVal {
    switch (e.k) {
      case 'num':
        return { v: e.v, deps: [] };
      case 'var': {
        const r = this.regs.get(e.name);
        if (r) return r;
        if (this.locations.has(e.name)) return { v: { loc: e.name }, deps: [] };
        return this.fail(e.pos, `unknown name '${e.name}'`);
      }
      case 'addr':
        if (!this.locations.has(e.name)) this.fail(e.pos, `unknown location '${e.name}'`);
        return { v: { loc: e.name }, deps: [] };
      case 'deref': {
        // A plain C access: no annotation tag, so the bell leaves it out of Marked.
        const p = this.eval(e.e);
        const r = this.read(this.locOf(p, e.pos), [], p.deps);
        return { v: r.v, deps: [r.id] };
      }
      case 'un': {
        const a = this.eval(e.e);
        if (typeof a.v !== 'number') {
          if (e.op === '!') return { v: 0, deps: a.deps };
          throw new DeadPath();
        }
        const v = e.op === '-' ? -a.v : e.op === '!' ? (a.v === 0 ? 1 : 0) : ~a.v;
        return { v, deps: a.deps };
      }
      case 'bin': {
        const a = this.eval(e.l);
        const b = this.eval(e.r);
        return { v: binop(e.op, a.v, b.v), deps: union(a.deps, b.deps) };
      }
      case 'cond': {
        const c = this.eval(e.c);
        this.ctrl = union(this.ctrl, c.deps);
        return truthy(c.v) ? this.eval(e.t) : this.eval(e.f);
      }
      case 'assign': {
        const v = this.eval(e.rhs);
        if (e.lhs.k === 'var' && (this.regs.has(e.lhs.name) || !this.locations.has(e.lhs.name))) {
          this.regs.set(e.lhs.name, v);
          return v;
        }
        const { loc, addr } = this.lvalue(e.lhs);
        this.write(loc, [], v, addr);
        return v;
      }
      case 'call':
        return this.call(e.name, e.args, e.pos);
    }
  }

  private call(name: string, args: Expr[], pos: { line: number; col: number }): TVal {
    const arity = (n: number) => {
      if (args.length !== n) this.fail(pos, `${name} takes ${n} argument${n === 1 ? '' : 's'}`);
    };
    const fence = FENCES[name];
    if (fence) {
      arity(0);
      this.emit('F', [fence], {});
      return { v: 0, deps: [] };
    }
    switch (name) {
      case 'READ_ONCE':
      case 'rcu_dereference': {
        arity(1);
        const { loc, addr } = this.lvalue(args[0]!);
        const r = this.read(loc, ['ONCE'], addr);
        return { v: r.v, deps: [r.id] };
      }
      case 'WRITE_ONCE':
      case 'rcu_assign_pointer':
      case 'smp_store_mb': {
        arity(2);
        const { loc, addr } = this.lvalue(args[0]!);
        const v = this.eval(args[1]!);
        this.write(loc, [name === 'rcu_assign_pointer' ? 'RELEASE' : 'ONCE'], v, addr);
        if (name === 'smp_store_mb') this.emit('F', ['Mb'], {});
        return v;
      }
      case 'smp_load_acquire':
      case 'atomic_read':
      case 'atomic_read_acquire': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        const r = this.read(loc, [name === 'atomic_read' ? 'ONCE' : 'ACQUIRE'], addr);
        return { v: r.v, deps: [r.id] };
      }
      case 'smp_store_release':
      case 'atomic_set':
      case 'atomic_set_release': {
        arity(2);
        const { loc, addr } = this.pointer(args[0], pos);
        const v = this.eval(args[1]!);
        this.write(loc, [name === 'atomic_set' ? 'ONCE' : 'RELEASE'], v, addr);
        return v;
      }
      case 'spin_lock': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        if (this.mayBlock && this.oracle.choose(2) === 1) throw new Blocked(loc, this.text);
        this.lock(loc, addr);
        return { v: 0, deps: [] };
      }
      case 'spin_unlock': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        this.emit('W', ['UL'], { loc, value: 0, addr });
        return { v: 0, deps: [] };
      }
      case 'spin_trylock': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        if (this.oracle.choose(2) === 0) {
          const r = this.lock(loc, addr);
          return { v: 1, deps: [r] };
        }
        // lock.cat's LF: a failed trylock reads the lock while another holds it.
        const r = this.read(loc, ['LF'], addr, 1);
        return { v: 0, deps: [r.id] };
      }
      case 'spin_is_locked': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        const held = this.oracle.choose(2) === 0;
        const r = this.read(loc, [held ? 'RL' : 'RU'], addr, held ? 1 : 0);
        return { v: held ? 1 : 0, deps: [r.id] };
      }
      case 'srcu_read_lock':
      case 'srcu_down_read': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        const id = this.emit('F', ['Srcu-lock'], { loc, addr });
        return { v: 0, deps: [id] };
      }
      case 'srcu_read_unlock':
      case 'srcu_up_read': {
        arity(2);
        const { loc, addr } = this.pointer(args[0], pos);
        const c = this.eval(args[1]!);
        this.emit('F', ['Srcu-unlock'], { loc, addr, data: c.deps });
        return { v: 0, deps: [] };
      }
      case 'synchronize_srcu':
      case 'synchronize_srcu_expedited': {
        arity(1);
        const { loc, addr } = this.pointer(args[0], pos);
        this.emit('F', ['Sync-srcu'], { loc, addr });
        return { v: 0, deps: [] };
      }
      case 'atomic_add_unless': {
        // __atomic_add_unless{MB}(X,V,W): adds V unless the value is W; a failed one is a lone read.
        arity(3);
        const { loc, addr } = this.pointer(args[0], pos);
        const a = this.eval(args[1]!);
        const u = this.eval(args[2]!);
        const r = this.read(loc, ['MB', 'RMW'], addr);
        if (valEq(r.v, u.v)) return { v: 0, deps: [r.id] };
        const w = this.write(loc, ['MB', 'RMW'], { v: binop('+', r.v, a.v), deps: union([r.id], a.deps) }, addr);
        this.rmw.push([r.id, w]);
        return { v: 1, deps: [r.id] };
      }
    }
    const xm = /^(atomic_)?(xchg|cmpxchg)(|_relaxed|_acquire|_release)$/.exec(name);
    if (xm) {
      const tag = ORDER_SUFFIX[xm[3]!]!;
      const isCmp = xm[2] === 'cmpxchg';
      arity(isCmp ? 3 : 2);
      const { loc, addr } = this.pointer(args[0], pos);
      const expected = isCmp ? this.eval(args[1]!) : undefined;
      const nv = this.eval(args[isCmp ? 2 : 1]!);
      const r = this.read(loc, [tag, 'RMW'], addr);
      if (expected && !valEq(r.v, expected.v)) return { v: r.v, deps: [r.id] };
      const w = this.write(loc, [tag, 'RMW'], nv, addr);
      this.rmw.push([r.id, w]);
      return { v: r.v, deps: [r.id] };
    }
    const am = /^atomic_(fetch_)?(add|sub|inc|dec|and|or|xor|andnot)(_return)?(|_relaxed|_acquire|_release)$/.exec(name);
    if (am) {
      const fetch = !!am[1];
      const ret = !!am[3];
      if (fetch && ret) this.fail(pos, `unknown primitive '${name}'`);
      if (!fetch && !ret && am[4] !== '') this.fail(pos, `unknown primitive '${name}'`);
      let op = am[2]!;
      let operand: TVal;
      let ptrArg: Expr | undefined;
      if (op === 'inc' || op === 'dec') {
        arity(1);
        ptrArg = args[0];
        operand = { v: 1, deps: [] };
        op = op === 'inc' ? 'add' : 'sub';
      } else {
        arity(2);
        operand = this.eval(args[0]!);
        ptrArg = args[1];
      }
      // Non-value-returning atomics carry 'NORETURN (no ordering); the others their order suffix.
      const tag: Tag = !fetch && !ret ? 'NORETURN' : ORDER_SUFFIX[am[4]!]!;
      return this.atomicOp(ptrArg, pos, tag, OPS[op]!, operand, fetch ? 'old' : 'new');
    }
    const tm = /^atomic_(sub_and_test|dec_and_test|inc_and_test|add_negative)(|_relaxed|_acquire|_release)$/.exec(name);
    if (tm) {
      const tag = ORDER_SUFFIX[tm[2]!]!;
      const kind = tm[1]!;
      let res: TVal;
      if (kind === 'dec_and_test' || kind === 'inc_and_test') {
        arity(1);
        res = this.atomicOp(args[0], pos, tag, kind === 'inc_and_test' ? OPS.add! : OPS.sub!, { v: 1, deps: [] }, 'new');
      } else {
        arity(2);
        const operand = this.eval(args[0]!);
        res = this.atomicOp(args[1], pos, tag, kind === 'add_negative' ? OPS.add! : OPS.sub!, operand, 'new');
      }
      const n = typeof res.v === 'number' ? res.v : 1;
      return { v: kind === 'add_negative' ? (n < 0 ? 1 : 0) : n === 0 ? 1 : 0, deps: res.deps };
    }
    this.fail(pos, `unknown primitive '${name}'`);
  }

  private atomicOp(ptr: Expr | undefined, pos: { line: number; col: number }, tag: Tag, f: ArithOp, operand: TVal, ret: 'old' | 'new'): TVal {
    const { loc, addr } = this.pointer(ptr, pos);
    const r = this.read(loc, [tag, 'RMW'], addr);
    if (typeof r.v !== 'number' || typeof operand.v !== 'number') throw new DeadPath();
    const nv = f(r.v, operand.v);
    const w = this.write(loc, [tag, 'RMW'], { v: nv, deps: union([r.id], operand.deps) }, addr);
    this.rmw.push([r.id, w]);
    return { v: ret === 'old' ? r.v : nv, deps: [r.id] };
  }

  /** spin_lock(): lock.cat's LKR (reading the lock free) then LKW, paired in lk-rmw. */
  private lock(loc: string, addr: number[]): number {
    const r = this.read(loc, ['LKR'], addr, 0);
    const w = this.emit('W', ['LKW'], { loc, value: 1, addr });
    this.lkRmw.push([r.id, w]);
    return r.id;
  }
}

function binop(op: string, a: Val, b: Val): Val {
  if (op === '==') return valEq(a, b) ? 1 : 0;
  if (op === '!=') return valEq(a, b) ? 0 : 1;
  if (op === '&&') return truthy(a) && truthy(b) ? 1 : 0;
  if (op === '||') return truthy(a) || truthy(b) ? 1 : 0;
  if (typeof a !== 'number' || typeof b !== 'number') throw new DeadPath();
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': if (b === 0) throw new DeadPath(); return Math.trunc(a / b);
    case '%': if (b === 0) throw new DeadPath(); return a % b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
  }
  throw new DeadPath();
}

/** All paths of one thread under the given value domain. */
export function threadPaths(test: Litmus, thread: Thread, domain: Domain, locations: Set<string>, mayBlock = false): ThreadPath[] {
  const out: ThreadPath[] = [];
  let choices: number[] = [];
  for (;;) {
    const oracle = new Oracle(choices);
    const run = new Run(test, thread, domain, oracle, locations, mayBlock);
    const finish = (blocked?: { loc: string; text: string }) => {
      const regs = new Map<string, Val>();
      for (const [k, v] of run.regs) if (!thread.params.includes(k)) regs.set(k, v.v);
      out.push({ thread: thread.id, events: run.events, rmw: run.rmw, lkRmw: run.lkRmw, regs, ...(blocked ? { blocked } : {}) });
    };
    try {
      for (const s of thread.body) run.exec(s);
      finish();
    } catch (e) {
      if (e instanceof Blocked) finish({ loc: e.loc, text: e.text });
      else if (!(e instanceof DeadPath)) throw e;
    }
    // Next choice sequence: bump the last position that has alternatives left.
    const w = oracle.widths.slice(0, oracle.pos);
    const c = w.map((_, i) => (i < choices.length ? choices[i]! : 0));
    let k = c.length - 1;
    while (k >= 0 && c[k]! + 1 >= w[k]!) k--;
    if (k < 0) return out;
    choices = c.slice(0, k + 1);
    choices[k]!++;
  }
}
