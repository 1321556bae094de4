// The machine a scenario drives: the plain state plus the scheduler that runs
// steps on it. Every step ends with the invariant checks; a listener sees
// each step (for --trace) with the kernel functions it ran.
import type { KernelState, Process } from '../model/types.js';
import { createState, type MachineConfig } from '../model/state.js';
import { type Kernel, kernelFor, mmOf } from '../mm/context.js';
import { checkInvariants } from '../mm/invariants.js';
import { type Op, type OpValue, op_step } from './ops.js';

export interface StepEvent {
  step: number;
  tid: number;
  label: string;
  log: string[];
  before: KernelState | null;
  after: KernelState;
}

export type StepListener = (e: StepEvent) => void;

/** A fault the scenario caused (e.g. SIGSEGV) or a call it may not make now. */
export class RunError extends Error {
  override name = 'RunError';
}

export class Machine {
  s: KernelState;
  /** Set to see every step; it receives a deep copy of the state before the step. */
  listener: StepListener | null = null;
  /** Check the kernel invariants after every step (off only to measure what the checks cost). */
  checks = true;
  private known = new Set<string>();
  /** Check invariants only when a multi-step operation finishes, not after each of its steps (long reclaim runs). */
  checkOpsAtEnd = false;
  private skipCheck = false;

  constructor(config: MachineConfig) {
    this.s = createState(config);
    kernelFor(this.s);
  }

  /** Runs fn as one atomic step labelled `label` in thread tid, then checks the invariants. */
  step<T>(tid: number, label: string | ((r: T) => string), fn: (k: Kernel) => T): T {
    const before = this.listener ? structuredClone(this.s) : null;
    const k = kernelFor(this.s);
    const r = fn(k);
    this.s.steps++;
    const name = typeof label === 'function' ? label(r) : label;
    for (const v of this.checks && !this.skipCheck ? checkInvariants(this.s, k.p) : []) {
      const key = `${v.invariant}:${v.detail}`;
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.s.findings.push({ step: this.s.steps, label: name, ...v });
    }
    this.listener?.({ step: this.s.steps, tid, label: name, log: k.log, before, after: this.s });
    return r;
  }

  process(pid: number): Process {
    const p = this.s.processes[pid];
    if (!p) throw new RunError(`no process ${pid}`);
    return p;
  }

  pidOf(tid: number): number {
    const t = this.s.tasks[tid];
    if (!t) throw new RunError(`no thread ${tid}`);
    return t.pid;
  }

  /** The mm of a thread, refusing threads of exited processes. */
  mmOf(tid: number): number {
    const p = this.process(this.pidOf(tid));
    if (p.exitCode !== null || p.signal !== null || p.mm === null) throw new RunError(`process ${p.pid} has exited`);
    return mmOf(kernelFor(this.s), p.mm).id;
  }

  /** A new thread in process pid. */
  newThread(pid: number, name: string): number {
    const tid = this.s.next.id++;
    this.s.tasks[tid] = { tid, pid, name };
    return tid;
  }

  addOp(op: Op): number {
    this.s.ops[op.id] = op;
    return op.id;
  }

  /**
   * Steps an operation until it is done, parks (waits for I/O) when `stopAtPark`,
   * or has just run a step labelled `until`. Returns the value once done.
   */
  runOp(tid: number, id: number, opts: { until?: string; stopAtPark?: boolean }): { done: boolean; value?: OpValue } {
    for (let guard = 0; guard < 100_000; guard++) {
      const op = this.s.ops[id];
      if (!op) throw new RunError(`operation ${id} has already finished`);
      this.skipCheck = this.checkOpsAtEnd;
      let r: ReturnType<typeof op_step>;
      try {
        r = this.step(tid, (x: ReturnType<typeof op_step>) => x.label, (k) => {
          const res = op_step(k, op);
          if (res.done) delete k.s.ops[id];
          this.skipCheck &&= !res.done;
          return res;
        });
      } finally {
        this.skipCheck = false;
      }
      if (r.done) return { done: true, value: r.value! };
      if (opts.until && r.label === opts.until) return { done: false };
      if (opts.stopAtPark && r.park) return { done: false };
      if (r.blocked) {
        throw new RunError(`deadlock: the operation waits in ${r.label} for a lock another unfinished operation holds; start it and finish the other one first`);
      }
    }
    throw new RunError(`operation ${id} did not finish`);
  }
}
