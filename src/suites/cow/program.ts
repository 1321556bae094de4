// A process of the test program on the model: its syscalls go through the
// syscall table (as scenarios' do), its loads and stores through the user
// access paths (faults included), each one step on the Machine.
import { Machine } from '../../syscalls/machine.js';
import { SYSCALLS, type Value, type Handle } from '../../syscalls/table.js';
import { Segv, user_memset, user_read_runs } from '../../syscalls/uaccess.js';
import type { PageData } from '../../model/bytes.js';

/** The process was killed (SIGSEGV, or SIGBUS from hugetlb): the C code after the access never runs. */
export class Killed extends Error {
  override name = 'Killed';
  constructor(readonly pid: number, readonly signal: string) {
    super(`process ${pid} killed by ${signal}`);
  }
}

export class Proc {
  constructor(readonly m: Machine, readonly tid: number) {}

  get pid(): number {
    return this.m.pidOf(this.tid);
  }

  /** A syscall from the table; multi-step operations run to completion. */
  sys(name: string, ...args: (number | Value)[]): Value {
    const def = SYSCALLS[name];
    if (!def) throw new Error(`no syscall '${name}' in the table`);
    const vals = args.map((a) => (typeof a === 'number' ? BigInt(a) : a));
    const r = def.run({ m: this.m, tid: this.tid, args: vals, named: {}, target: null });
    if (typeof r === 'object' && !(r instanceof Uint8Array) && 'start' in r) {
      const id = this.m.addOp(r.start);
      return this.m.runOp(this.tid, id, {}).value!;
    }
    return r;
  }

  /** A syscall returning a number (an address, a count, or -errno). */
  num(name: string, ...args: (number | Value)[]): number {
    const v = this.sys(name, ...args);
    if (typeof v !== 'bigint') throw new Error(`${name}() did not return a number`);
    return Number(v);
  }

  /** A read-only syscall (pagemap): nothing changes, so the invariants need no new check after it. */
  peek(name: string, ...args: (number | Value)[]): number {
    const was = this.m.checks;
    this.m.checks = false;
    try {
      return this.num(name, ...args);
    } finally {
      this.m.checks = was;
    }
  }

  bytes(name: string, ...args: (number | Value)[]): Uint8Array {
    const v = this.sys(name, ...args);
    if (!(v instanceof Uint8Array)) throw new Error(`${name}() did not return bytes`);
    return v;
  }

  handle(name: string, ...args: (number | Value)[]): Handle {
    const v = this.sys(name, ...args);
    if (typeof v !== 'object' || v instanceof Uint8Array) throw new Error(`${name}() did not return a handle`);
    return v;
  }

  /** memset(addr, byte, len). */
  memset(addr: number, byte: number, len: number): void {
    const mm = this.m.mmOf(this.tid);
    this.guard(() => this.m.step(this.tid, 'store', (k) => user_memset(k, mm, addr, byte, len)));
  }

  /** memcpy(buf, addr, len): what the process reads. */
  load(addr: number, len: number): PageData {
    const mm = this.m.mmOf(this.tid);
    return this.guard(() => this.m.step(this.tid, 'load', (k) => user_read_runs(k, mm, addr, len)));
  }

  /** A user access that faults fatally kills the process: its memory goes away as at exit. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof Segv)) throw e;
      const sig = e.why === 'sigbus' ? 'SIGBUS' : 'SIGSEGV';
      this.sys('exit', 0);
      const p = this.m.process(this.pid);
      p.exitCode = null;
      p.signal = sig;
      throw new Killed(this.pid, sig);
    }
  }

  /** fork(): the child as a process of its own. */
  fork(): Proc {
    const h = this.handle('fork');
    if (h.kind !== 'process') throw new Error('fork() did not return a process');
    const tid = Object.values(this.m.s.tasks).find((t) => t.pid === h.pid)!.tid;
    return new Proc(this.m, tid);
  }

  exit(status: number): void {
    this.sys('exit', status & 0xff);
  }

  /** wait(&status) for a child: its exit status if WIFEXITED, else null. */
  waitStatus(child: Proc): number | null {
    const p = this.m.process(child.pid);
    if (p.signal !== null) return null;
    if (p.exitCode === null) throw new Error(`wait(): child ${child.pid} is still running`);
    return p.exitCode;
  }
}
