// User accesses that may sleep in handle_userfault(): `store()` and `load()`
// as multi-step operations, and the wrapper every operation step goes through
// so that a GUP or an access that faults on a userfaultfd range parks until
// the monitor wakes it, then retries the access from the start.
import { type Kernel } from '../mm/context.js';
import { UffdBlocked, uffd_forget, uffd_park, uffd_waiting } from '../mm/userfaultfd.js';
import { UFFD_EVENT_FORK } from '../model/uffd.js';
import { user_read, user_write } from './uaccess.js';
import { RunError } from './machine.js';
import type { StepResult } from './ops.js';

/** A user-space load or store (the CPU's access plus the page faults it takes). */
export interface UaccessOp {
  kind: 'uaccess';
  id: number;
  pid: number;
  mm: number;
  addr: number;
  len: number;
  /** The bytes a store writes; null for a load. */
  data: number[] | null;
}

/** One attempt of the access: done, or asleep in handle_userfault() (UffdBlocked). */
export function uaccess_step(k: Kernel, op: UaccessOp): StepResult {
  if (op.data) {
    user_write(k, op.mm, op.addr, Uint8Array.from(op.data));
    return { label: 'store', done: true, value: BigInt(op.data.length), park: false };
  }
  return { label: 'load', done: true, value: user_read(k, op.mm, op.addr, op.len), park: false };
}

/**
 * Runs one step of an operation. A step that faults into handle_userfault()
 * parks the operation; stepping it again before the monitor resolved the
 * fault is a deadlock (the scenario would hang), reported as an error.
 */
export function uffd_op_step(k: Kernel, id: number, step: () => StepResult): StepResult {
  const m = uffd_waiting(k, id);
  if (m?.event === UFFD_EVENT_FORK) {
    throw new RunError(
      `deadlock: fork() (operation ${id}) sleeps in userfaultfd_event_wait_completion() until the monitor reads UFFD_EVENT_FORK ` +
        `(start it, e.g. 'child = start fork()', read the event with uffd_read_msg() in another thread, then wait(child))`,
    );
  }
  if (m) {
    throw new RunError(
      `deadlock: operation ${id} sleeps in handle_userfault() on the ${m.flags & 2 ? 'write-protect' : 'missing'} fault at 0x${m.address.toString(16)} ` +
        `and nothing resolved it (read the message with uffd_read_msg() in another thread and resolve it with UFFDIO_WRITEPROTECT, UFFDIO_COPY or UFFDIO_WAKE first)`,
    );
  }
  try {
    const r = step();
    if (r.done) uffd_forget(k, id);
    // A step that left the operation waiting for the monitor (a fork event) is a natural stop.
    if (!r.done && uffd_waiting(k, id)) return { ...r, park: true };
    return r;
  } catch (e) {
    if (!(e instanceof UffdBlocked)) throw e;
    uffd_park(k, e, id);
    return { label: 'handle_userfault', done: false, park: true };
  }
}
