// Runs a parsed scenario on the machine: statements in file order, each in
// its thread; `expect` compares what the program observed.
import type { Expr, Pos, Scenario, Stmt } from './ast.js';
import { ScenarioError } from './errors.js';
import { Machine, RunError } from '../syscalls/machine.js';
import { ArgError, CONSTANTS, SYSCALLS, type Handle, type Result, type Value } from '../syscalls/table.js';
import { Segv, WouldBlock, user_read, user_write } from '../syscalls/uaccess.js';
import { ModelBug } from '../mm/context.js';
import { UffdBlocked } from '../mm/userfaultfd.js';
import { MigrationWait } from '../mm/migrate.js';
import type { Finding } from '../model/types.js';
import type { StepListener } from '../syscalls/machine.js';

export interface Expectation {
  line: number;
  message: string;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface RunResult {
  file: string;
  kernel: string;
  arch: string;
  result: 'pass' | 'fail';
  expectations: Expectation[];
  findings: Finding[];
}

export interface RunOptions {
  kernel: string;
  arch: string;
  onStep?: StepListener;
  /** Called before each statement runs (for --trace). */
  onStatement?: (thread: string, stmt: Stmt) => void;
}

export function formatValue(v: Value): string {
  if (typeof v === 'bigint') return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  if (v instanceof Uint8Array) {
    const all = v.every((b) => b === v[0]);
    if (v.length > 8 && all) return `[0x${v[0]!.toString(16).padStart(2, '0')} x ${v.length}]`;
    const shown = Array.from(v.slice(0, 16), (b) => `0x${b.toString(16).padStart(2, '0')}`);
    return `[${shown.join(', ')}${v.length > 16 ? `, ... (${v.length} bytes)` : ''}]`;
  }
  return v.kind === 'process' ? `<process ${v.pid}>` : `<${v.kind} ${'id' in v ? v.id : ''}>`;
}

/** == on observed values; bytes compared with a number means "every byte is that number". */
function same(a: Value, b: Value): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Uint8Array && typeof b === 'bigint') return a.length > 0 && a.every((x) => BigInt(x) === b);
  if (typeof a === 'bigint' && b instanceof Uint8Array) return same(b, a);
  return a === b;
}

class Runner {
  readonly m: Machine;
  readonly vars = new Map<string, Value>();
  readonly threads = new Map<string, number>([['main', 1]]);
  readonly expectations: Expectation[] = [];
  private tid = 1;

  constructor(readonly sc: Scenario, readonly opts: RunOptions) {
    this.m = new Machine({ kernel: opts.kernel, arch: opts.arch });
    if (opts.onStep) this.m.listener = opts.onStep;
  }

  err(pos: Pos, msg: string): ScenarioError {
    return new ScenarioError(this.sc.file, pos, msg);
  }

  run(): void {
    for (const section of this.sc.sections) {
      let tid = this.threads.get(section.thread);
      if (tid === undefined) {
        // fork() names the child's thread after its variable; any other new name is a new thread of process 1.
        const forked = Object.values(this.m.s.tasks).find((t) => t.name === section.thread && t.pid !== 1);
        tid = forked ? forked.tid : this.m.newThread(1, section.thread);
        this.threads.set(section.thread, tid);
      }
      this.tid = tid;
      for (const st of section.body) {
        this.opts.onStatement?.(section.thread, st);
        this.guard(st.pos, () => this.exec(st));
      }
    }
  }

  /** Turns run-time faults into file:line:column errors. */
  guard<T>(pos: Pos, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ScenarioError) throw e;
      if (e instanceof Segv) throw this.err(pos, `${e.message} (the process would be killed by ${e.signal})`);
      if (e instanceof RunError || e instanceof WouldBlock) throw this.err(pos, e.message);
      if (e instanceof MigrationWait) throw this.err(pos, e.message);
      if (e instanceof UffdBlocked) {
        throw this.err(pos, `deadlock: this thread ${e.message} and cannot go on to resolve it (start the access, e.g. 'h = start store(addr, data)', and resolve the fault from another thread)`);
      }
      if (e instanceof ModelBug) throw this.err(pos, `model invariant broken: ${e.message}`);
      throw e;
    }
  }

  exec(st: Stmt): void {
    switch (st.kind) {
      case 'assign':
        this.vars.set(st.name, this.eval(st.value, st.name));
        return;
      case 'expr':
        if (st.expr.kind !== 'call') throw this.err(st.pos, 'expression statement must be a call');
        this.eval(st.expr, null);
        return;
      case 'store':
        return this.store(st);
      case 'expect': {
        const actual = this.eval(st.left, null);
        const expected = this.eval(st.right, null);
        const eq = same(actual, expected);
        const ok = st.op === '==' ? eq : !eq;
        this.expectations.push({
          line: st.pos.line,
          message: st.message ?? `${st.op === '==' ? '' : 'not '}equal`,
          ok,
          expected: `${st.op === '!=' ? '!= ' : ''}${formatValue(expected)}`,
          actual: formatValue(actual),
        });
        return;
      }
      case 'start': {
        const r = this.callResult(st.call, st.name);
        let h: Handle;
        if (typeof r === 'object' && !(r instanceof Uint8Array) && 'start' in r) {
          const id = this.m.addOp(r.start);
          const done = this.m.runOp(this.tid, id, st.until ? { until: st.until } : { stopAtPark: true });
          h = done.done ? { kind: 'op', id, value: done.value! } : { kind: 'op', id };
        } else {
          h = { kind: 'op', id: -1, value: r as bigint | Uint8Array };
        }
        if (st.name) this.vars.set(st.name, h);
        return;
      }
    }
  }

  store(st: Extract<Stmt, { kind: 'store' }>): void {
    const base = this.int(st.target.base);
    const from = this.int(st.target.from);
    const v = this.eval(st.value, null);
    let data: Uint8Array;
    if (st.target.to) {
      const to = this.int(st.target.to);
      if (to < from) throw this.err(st.target.pos, `empty range ${from}..${to}`);
      if (typeof v === 'bigint') data = new Uint8Array(to - from).fill(Number(v) & 0xff);
      else if (v instanceof Uint8Array && v.length === to - from) data = v;
      else throw this.err(st.value.pos, `a store to ${to - from} byte(s) needs a byte value or ${to - from} bytes`);
    } else if (typeof v === 'bigint') data = Uint8Array.of(Number(v) & 0xff);
    else if (v instanceof Uint8Array) data = v;
    else throw this.err(st.value.pos, 'only numbers and bytes can be stored to memory');
    const mm = this.m.mmOf(this.tid);
    this.m.step(this.tid, 'store', (k) => user_write(k, mm, base + from, data));
  }

  int(e: Expr): number {
    const v = this.eval(e, null);
    if (typeof v !== 'bigint') throw this.err(e.pos, `expected a number, got ${formatValue(v)}`);
    return Number(v);
  }

  callResult(e: Extract<Expr, { kind: 'call' }>, target: string | null): Result {
    const def = SYSCALLS[e.callee];
    if (!def) throw this.err(e.pos, `unknown call '${e.callee}' (see 'cowlab calls')`);
    const required = def.params.filter((p) => !p.endsWith('?')).length;
    if (e.args.length > def.params.length) {
      throw this.err(e.args[def.params.length]!.pos, `${e.callee}() takes at most ${def.params.length} argument(s): ${e.callee}(${def.params.join(', ')})`);
    }
    const names = def.params.map((p) => p.replace('?', ''));
    for (const n of e.named) if (!names.includes(n.name)) throw this.err(n.pos, `${e.callee}() has no parameter '${n.name}'`);
    const given = e.args.length + e.named.filter((n) => names.indexOf(n.name) >= e.args.length).length;
    if (given < required) throw this.err(e.pos, `${e.callee}() needs ${required} argument(s): ${e.callee}(${def.params.join(', ')})`);
    const args = e.args.map((a) => this.eval(a, null));
    const named = Object.fromEntries(e.named.map((n) => [n.name, this.eval(n.value, null)]));
    try {
      return def.run({ m: this.m, tid: this.tid, args, named, target });
    } catch (x) {
      if (x instanceof ArgError) {
        const pos = e.args[x.index]?.pos ?? e.named.find((n) => n.name === names[x.index])?.pos ?? e.pos;
        throw this.err(pos, `${e.callee}(): ${x.message}`);
      }
      throw x;
    }
  }

  eval(e: Expr, target: string | null): Value {
    switch (e.kind) {
      case 'int':
        return e.value;
      case 'string':
        return Uint8Array.from(e.value, (ch) => ch.charCodeAt(0) & 0xff);
      case 'bytes':
        return Uint8Array.from(e.items, (it) => {
          const n = this.int(it);
          if (n < 0 || n > 255) throw this.err(it.pos, `byte value ${n} out of range 0..255`);
          return n;
        });
      case 'name': {
        const v = this.vars.get(e.name) ?? CONSTANTS[e.name];
        if (v === undefined) throw this.err(e.pos, `unknown name '${e.name}'`);
        return v;
      }
      case 'neg':
        return -this.intValue(e.operand);
      case 'binary': {
        const a = this.intValue(e.left);
        const b = this.intValue(e.right);
        return e.op === '|' ? a | b : e.op === '+' ? a + b : e.op === '-' ? a - b : a * b;
      }
      case 'index': {
        const base = this.int(e.base);
        const from = this.int(e.from);
        const to = e.to ? this.int(e.to) : from + 1;
        if (to < from) throw this.err(e.pos, `empty range ${from}..${to}`);
        const mm = this.m.mmOf(this.tid);
        const bytes = this.guard(e.pos, () => this.m.step(this.tid, 'load', (k) => user_read(k, mm, base + from, to - from)));
        return e.to ? bytes : BigInt(bytes[0]!);
      }
      case 'call': {
        const r = this.guard(e.pos, () => this.callResult(e, target));
        if (typeof r === 'object' && !(r instanceof Uint8Array) && 'start' in r) {
          const id = this.m.addOp(r.start);
          return this.m.runOp(this.tid, id, {}).value!;
        }
        return r;
      }
    }
  }

  intValue(e: Expr): bigint {
    const v = this.eval(e, null);
    if (typeof v !== 'bigint') throw this.err(e.pos, `expected a number, got ${formatValue(v)}`);
    return v;
  }
}

/** Runs a scenario on one kernel and architecture. */
export function runScenario(sc: Scenario, opts: RunOptions): RunResult {
  const r = new Runner(sc, opts);
  r.run();
  return {
    file: sc.file,
    kernel: opts.kernel,
    arch: opts.arch,
    result: r.expectations.every((x) => x.ok) ? 'pass' : 'fail',
    expectations: r.expectations,
    findings: r.m.s.findings,
  };
}
