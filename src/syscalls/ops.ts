// Kernel operations that take more than one atomic step. An operation is plain
// data in state.ops; op_step() advances it by one step and names the kernel
// function that step ended in, so a scenario can stop it there.
import type { GupRef, KernelState } from '../model/types.js';
import { readBytes, writeBytes } from '../model/bytes.js';
import { type Kernel, folio, trace } from '../mm/context.js';
import { page_data, set_page_data } from '../mm/folio.js';
import { type GupState, gup_done, gup_next, gup_put_ref } from '../mm/gup.js';
import { type ReclaimState, shrink_step } from '../mm/vmscan.js';
import { type ForkState, fork_step } from '../mm/fork.js';
import { file_read, file_write } from '../mm/filemap.js';
import { type UaccessOp, uaccess_step, uffd_op_step } from './uffd_op.js';
import { type MigrateState, migrate_step } from '../mm/migrate.js';
import { type KsmScanState, ksm_scan_done, ksm_scan_step } from '../mm/ksm.js';

export type GupUser =
  | { what: 'proc_mem_write'; data: number[] }
  | { what: 'proc_mem_read' }
  | { what: 'vmsplice'; pipe: number }
  | { what: 'odirect_read'; ino: number; pos: number }
  | { what: 'odirect_write'; ino: number; pos: number }
  | { what: 'pin'; owner: 'driver' | 'io_uring' | 'gup_test'; ring: number | null };

export type Op =
  | {
      kind: 'gup_user';
      id: number;
      pid: number;
      /** First address and byte length the caller asked for (may start inside a page). */
      addr: number;
      len: number;
      user: GupUser;
      gup: GupState;
      /** 'gup' while pages are looked up; 'inflight' while I/O is outstanding. */
      phase: 'gup' | 'inflight';
    }
  | { kind: 'reclaim'; id: number; pid: number; r: ReclaimState }
  | { kind: 'fork'; id: number; pid: number; f: ForkState }
  | UaccessOp
  | { kind: 'migrate'; id: number; pid: number; m: MigrateState }
  | { kind: 'ksm_scan'; id: number; pid: number; scan: KsmScanState };

export type OpValue = bigint | Uint8Array | { kind: 'process'; pid: number };

export interface StepResult {
  label: string;
  /** The operation finished; `value` is its return value. */
  done: boolean;
  value?: OpValue;
  /** A natural stop: the operation now waits for an event (I/O completion) that `wait` delivers. */
  park: boolean;
  /** The operation cannot go on until another one releases a lock it waits for. */
  blocked?: boolean;
}

/** One page per entry: references covering several pages of a folio expanded. */
export function refPages(refs: GupRef[]): number[] {
  const out: number[] = [];
  for (const r of refs) for (let i = 0; i < (r.nr ?? 1); i++) out.push(r.pfn + i);
  return out;
}

/** The pages behind refs for a trace line; a reference to several pages of a folio shows as a range. */
function pfnList(refs: GupRef[]): string {
  return refs.map((r) => ((r.nr ?? 1) > 1 ? `${r.pfn}..${r.pfn + r.nr! - 1}` : String(r.pfn))).join(',');
}

/** Bytes [off, off+n) of the pages behind refs, as the kernel reads them through the GUP references. */
function copyFromRefs(k: Kernel, refs: GupRef[], first: number, len: number): Uint8Array {
  const ps = k.s.config.pageSize;
  const out = new Uint8Array(len);
  const pages = refPages(refs);
  for (let done = 0; done < len; ) {
    const at = first + done;
    const pfn = pages[Math.floor(at / ps)]!;
    const off = at % ps;
    const n = Math.min(ps - off, len - done);
    out.set(readBytes(page_data(k, pfn), off, off + n), done);
    done += n;
  }
  return out;
}

/** Writes bytes into the pages behind refs (a DMA or a kernel write through GUP references). */
function copyToRefs(k: Kernel, refs: GupRef[], first: number, bytes: Uint8Array): void {
  const ps = k.s.config.pageSize;
  const pages = refPages(refs);
  for (let done = 0; done < bytes.length; ) {
    const at = first + done;
    const pfn = pages[Math.floor(at / ps)]!;
    const off = at % ps;
    const n = Math.min(ps - off, bytes.length - done);
    set_page_data(k, pfn, writeBytes(page_data(k, pfn), off, bytes.subarray(done, done + n)));
    folio(k, pfn).dirty = true;
    done += n;
  }
}

function releaseRefs(k: Kernel, refs: GupRef[]): void {
  for (const r of refs) gup_put_ref(k, r);
}

function finish(value: OpValue, label: string): StepResult {
  return { label, done: true, value, park: false };
}

/** Advances an operation by one atomic step; a fault on a userfaultfd range parks it (src/syscalls/uffd_op.ts). */
export function op_step(k: Kernel, op: Op): StepResult {
  return uffd_op_step(k, op.id, () => (op.kind === 'uaccess' ? uaccess_step(k, op) : op_step_plain(k, op)));
}

function op_step_plain(k: Kernel, op: Exclude<Op, UaccessOp>): StepResult {
  if (op.kind === 'migrate') {
    const label = migrate_step(k, op.m);
    return label === 'remove_migration_ptes' || label === 'migrate_pages' ? finish(BigInt(op.m.error), label) : { label, done: false, park: false };
  }
  if (op.kind === 'ksm_scan') {
    const label = ksm_scan_step(k, op.scan);
    if (op.scan.blocked) return { label, done: false, park: true, blocked: true };
    return ksm_scan_done(op.scan) ? finish(BigInt(op.scan.merged), label) : { label, done: false, park: false };
  }
  if (op.kind === 'fork') {
    const r = fork_step(k, op.f, op.id);
    if (r.blocked) return { label: r.label, done: false, park: true, blocked: true };
    if (r.error !== undefined) return finish(BigInt(r.error), r.label);
    return r.child !== undefined ? finish({ kind: 'process', pid: r.child }, r.label) : { label: r.label, done: false, park: false };
  }
  if (op.kind === 'reclaim') {
    const label = shrink_step(k, op.r);
    return op.r.pages.length ? { label, done: false, park: false } : finish(0n, label);
  }
  const ps = k.s.config.pageSize;
  const inPage = op.addr % ps;
  if (op.phase === 'gup') {
    const label = gup_next(k, op.gup);
    if (op.gup.blocked) return { label, done: false, park: true, blocked: true };
    if (!gup_done(op.gup)) return { label, done: false, park: false };
    if (op.gup.error !== null) {
      releaseRefs(k, op.gup.refs);
      op.gup.refs = [];
      return finish(BigInt(op.gup.error), label);
    }
    return complete(k, op, inPage, label);
  }
  // The I/O completes: DMA into or out of the pages it still references.
  const u = op.user;
  const file = k.s.files[(u as { ino: number }).ino]!;
  if (u.what === 'odirect_read') {
    copyToRefs(k, op.gup.refs, inPage, file_read(k, file, u.pos, op.len).subarray(0, op.len));
    trace(k, 'bio_endio', `O_DIRECT read: ${op.len} byte(s) DMAed into pfn ${pfnList(op.gup.refs)}`);
  } else if (u.what === 'odirect_write') {
    file_write(k, file, u.pos, copyFromRefs(k, op.gup.refs, inPage, op.len));
    trace(k, 'bio_endio', `O_DIRECT write: ${op.len} byte(s) DMAed from pfn ${pfnList(op.gup.refs)}`);
  }
  releaseRefs(k, op.gup.refs);
  op.gup.refs = [];
  return finish(BigInt(op.len), 'bio_endio');
}

/** What a GUP user does once it holds the pages. */
function complete(k: Kernel, op: Extract<Op, { kind: 'gup_user' }>, inPage: number, label: string): StepResult {
  const u = op.user;
  const refs = op.gup.refs;
  switch (u.what) {
    case 'proc_mem_write':
      // mem_rw() -> access_remote_vm(): the kernel writes through the page it got.
      copyToRefs(k, refs, inPage, Uint8Array.from(u.data));
      trace(k, 'access_remote_vm', `wrote ${u.data.length} byte(s) into pfn ${pfnList(refs)}`);
      releaseRefs(k, refs);
      return finish(BigInt(u.data.length), 'access_remote_vm');
    case 'proc_mem_read': {
      const bytes = copyFromRefs(k, refs, inPage, op.len);
      releaseRefs(k, refs);
      return finish(bytes, 'access_remote_vm');
    }
    case 'vmsplice': {
      // vmsplice_to_pipe(): the pipe keeps the FOLL_GET references until the data is read.
      const pipe = k.s.pipes[u.pipe]!;
      let left = op.len;
      let off = inPage;
      for (const pfn of refPages(refs)) {
        const n = Math.min(k.s.config.pageSize - off, left);
        pipe.bufs.push({ pfn, offset: off, len: n, copied: null });
        left -= n;
        off = 0;
      }
      trace(k, 'vmsplice_to_pipe', `pipe ${u.pipe} holds pfn ${pfnList(refs)}`);
      return finish(BigInt(op.len), 'vmsplice_to_pipe');
    }
    case 'odirect_read':
    case 'odirect_write':
      op.phase = 'inflight';
      trace(k, 'submit_bio', `O_DIRECT ${u.what === 'odirect_read' ? 'read into' : 'write from'} pfn ${pfnList(refs)} in flight`);
      return { label: 'submit_bio', done: false, park: true };
    case 'pin': {
      const id = k.s.next.id++;
      k.s.pins[id] = { id, owner: u.owner, pid: op.pid, addr: op.addr, len: op.len, refs };
      op.gup.refs = [];
      const proc = k.s.processes[op.pid]!;
      if (u.owner === 'gup_test') proc.gupTestPin = id;
      if (u.owner === 'io_uring' && u.ring !== null) proc.rings[u.ring] = id;
      trace(k, u.owner === 'io_uring' ? 'io_sqe_buffers_register' : u.owner === 'gup_test' ? 'pin_longterm_test_start' : 'pin_user_pages', `pinned pfn ${pfnList(refs)}`);
      // A driver gets the pin's id back; io_uring and gup_test report success.
      return finish(u.owner === 'driver' ? BigInt(id) : 0n, label);
    }
  }
}

/** Every GUP reference the kernel holds right now, by pfn (pipes, in-flight operations, pin sets). */
export function heldRefs(s: KernelState): Map<number, GupRef[]> {
  const out = new Map<number, GupRef[]>();
  const add = (r: GupRef): void => {
    const list = out.get(r.pfn) ?? [];
    list.push(r);
    out.set(r.pfn, list);
  };
  for (const pipe of Object.values(s.pipes)) for (const b of pipe.bufs) if (!b.copied) add({ pfn: b.pfn, pin: false });
  // vmsplice's references, while the pipe buffers are being built, are counted once per page.
  for (const op of Object.values(s.ops)) if (op.kind === 'gup_user') op.gup.refs.forEach(add);
  for (const p of Object.values(s.pins)) p.refs.forEach(add);
  return out;
}

