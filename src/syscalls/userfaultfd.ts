// The userfaultfd calls a scenario can make: userfaultfd(2), its ioctls,
// read(2) of its messages, and store()/load(), the user accesses that can be
// started and left asleep in handle_userfault() while another thread
// resolves the fault.
import type { Call, Result, SyscallDef, Value } from './table.js';
import { RunError } from './machine.js';
import { type Kernel, kernelFor, mmOf } from '../mm/context.js';
import {
  mfill_atomic_continue, mfill_atomic_copy, mwriteprotect_range, uffd_api_features, new_userfaultfd, userfaultfd_api, userfaultfd_read, userfaultfd_register,
  userfaultfd_unregister, userfaultfd_wake, mfill_atomic_zeropage, mfill_atomic_poison, move_pages,
} from '../mm/userfaultfd.js';
import type { UffdCtx } from '../model/uffd.js';
import { EBADF, EINVAL } from '../model/flags.js';

/** A userfaultfd file descriptor. */
export interface UffdHandle {
  kind: 'uffd';
  id: number;
}

/** A struct uffd_msg as read(2) returns it; event 0 means there was none (-EAGAIN on the O_NONBLOCK fd). */
export interface UffdMsgHandle {
  kind: 'uffd_msg';
  id: number;
  event: number;
  address: number;
  flags: number;
  /** UFFD_EVENT_FORK: the child's userfaultfd. */
  uffd: number | null;
}

function param(def: SyscallDef, name: string): number {
  return def.params.findIndex((p) => p.replace('?', '') === name);
}

function get(c: Call, def: SyscallDef, name: string): Value | undefined {
  return c.named[name] ?? c.args[param(def, name)];
}

function num(c: Call, def: SyscallDef, name: string, dflt?: number): number {
  const v = get(c, def, name);
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'bigint') throw new RunError(`'${name}' must be a number`);
  return Number(v);
}

function isObj(v: Value | undefined): v is Exclude<Value, bigint | Uint8Array> {
  return typeof v === 'object' && !(v instanceof Uint8Array);
}

/** The context behind a userfaultfd argument; null for a negative number (a failed call's -errno), which gives -EBADF. */
function uffdArg(c: Call, def: SyscallDef): UffdCtx | null {
  const v = get(c, def, 'uffd');
  if (typeof v === 'bigint' && v < 0n) return null;
  if (!isObj(v) || v.kind !== 'uffd') throw new RunError(`'uffd' must be a userfaultfd (from userfaultfd() or msg_uffd())`);
  const ctx = c.m.s.uffds[v.id];
  if (!ctx) throw new RunError(`userfaultfd ${v.id} is closed`);
  return ctx;
}

const NO_MSG: UffdMsgHandle = { kind: 'uffd_msg', id: -1, event: 0, address: 0, flags: 0, uffd: null };

/** A message; a number (read's -errno) reads as "no message". */
function msgArg(c: Call, def: SyscallDef): UffdMsgHandle {
  const v = get(c, def, 'msg');
  if (typeof v === 'bigint') return NO_MSG;
  if (!isObj(v) || v.kind !== 'uffd_msg') throw new RunError(`'msg' must be a message from uffd_read_msg()`);
  return v;
}

function kernel(c: Call): Kernel {
  return kernelFor(c.m.s);
}

/** An ioctl on the userfaultfd, as one step on the caller's mm. */
function ioctl(c: Call, def: SyscallDef, label: string, fn: (k: Kernel, ctx: UffdCtx) => number): bigint {
  const ctx = uffdArg(c, def);
  c.m.mmOf(c.tid);
  if (!ctx) return BigInt(-EBADF);
  // The ioctls work on ctx->mm, whichever process holds the fd.
  return BigInt(c.m.step(c.tid, label, (k) => (k.s.mms[ctx.mm] ? fn(k, ctx) : -EBADF)));
}

function bytesArg(c: Call, def: SyscallDef, name: string): Uint8Array {
  const v = get(c, def, name);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'bigint') return Uint8Array.of(Number(v) & 0xff);
  throw new RunError(`'${name}' must be bytes ("..." or [..])`);
}

/** Starts a user access as an operation (see src/syscalls/uffd_op.ts). */
function access(c: Call, addr: number, len: number, data: Uint8Array | null): Result {
  const mm = c.m.mmOf(c.tid);
  const id = c.m.s.next.id++;
  return { start: { kind: 'uaccess', id, pid: c.m.pidOf(c.tid), mm, addr, len, data: data && Array.from(data) } };
}

export const UFFD_SYSCALLS: Record<string, SyscallDef> = {
  userfaultfd: {
    params: [],
    doc: 'uffd = userfaultfd() -> a userfaultfd (O_NONBLOCK) for the calling process\'s mm; UFFDIO_API comes next',
    run(c) {
      const mm = c.m.mmOf(c.tid);
      const id = c.m.step(c.tid, 'new_userfaultfd', (k) => new_userfaultfd(k, mm).id);
      return { kind: 'uffd', id };
    },
  },
  uffdio_api: {
    params: ['uffd', 'features?'],
    doc: 'uffdio_api(uffd[, features]) -> 0 or -EINVAL (a feature this kernel lacks: EVENT_FORK 4.11, MISSING_HUGETLBFS 4.11, PAGEFAULT_FLAG_WP 5.7, MINOR_HUGETLBFS 5.13, MINOR_SHMEM 5.14, WP_HUGETLBFS_SHMEM 5.19, WP_UNPOPULATED 6.4, POISON 6.6, WP_ASYNC 6.7, MOVE 6.8)',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_api!;
      const features = num(c, d, 'features', 0);
      return ioctl(c, d, 'userfaultfd_api', (k, ctx) => userfaultfd_api(k, ctx, 0xaa, features).ret);
    },
  },
  uffdio_features: {
    params: [],
    doc: 'uffdio_features() -> the feature bits UFFDIO_API reports in this kernel',
    run: (c) => BigInt(uffd_api_features(kernel(c))),
  },
  uffdio_register: {
    params: ['uffd', 'addr', 'length', 'mode'],
    doc: 'uffdio_register(uffd, addr, length, mode) -> 0 or -errno; mode UFFDIO_REGISTER_MODE_MISSING|UFFDIO_REGISTER_MODE_WP|UFFDIO_REGISTER_MODE_MINOR (WP: anon 5.7+, shmem 5.19+; MINOR: shmem 5.14+)',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_register!;
      const [addr, len, mode] = [num(c, d, 'addr'), num(c, d, 'length'), num(c, d, 'mode')];
      return ioctl(c, d, 'userfaultfd_register', (k, ctx) => userfaultfd_register(k, ctx, mmOf(k, ctx.mm), addr, len, mode));
    },
  },
  uffdio_unregister: {
    params: ['uffd', 'addr', 'length'],
    doc: 'uffdio_unregister(uffd, addr, length) -> 0; uffd-wp bits and markers left behind are dropped lazily by the next fault',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_unregister!;
      const [addr, len] = [num(c, d, 'addr'), num(c, d, 'length')];
      return ioctl(c, d, 'userfaultfd_unregister', (k, ctx) => userfaultfd_unregister(k, ctx, mmOf(k, ctx.mm), addr, len));
    },
  },
  uffdio_writeprotect: {
    params: ['uffd', 'addr', 'length', 'mode'],
    doc: 'uffdio_writeprotect(uffd, addr, length, mode) -> 0 or -errno; UFFDIO_WRITEPROTECT_MODE_WP protects, 0 un-protects and wakes the faults (unless UFFDIO_WRITEPROTECT_MODE_DONTWAKE)',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_writeprotect!;
      const [addr, len, mode] = [num(c, d, 'addr'), num(c, d, 'length'), num(c, d, 'mode')];
      return ioctl(c, d, 'mwriteprotect_range', (k, ctx) => mwriteprotect_range(k, ctx, mmOf(k, ctx.mm), addr, len, mode));
    },
  },
  uffdio_copy: {
    params: ['uffd', 'dst', 'data', 'mode?'],
    doc: 'uffdio_copy(uffd, dst, data[, mode]) -> bytes copied or -errno: fill missing pages (UFFDIO_COPY_MODE_WP maps them write-protected) and wake',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_copy!;
      const [dst, data, mode] = [num(c, d, 'dst'), bytesArg(c, d, 'data'), num(c, d, 'mode', 0)];
      return ioctl(c, d, 'mfill_atomic_copy', (k, ctx) => mfill_atomic_copy(k, ctx, mmOf(k, ctx.mm), dst, data, mode));
    },
  },
  uffdio_continue: {
    params: ['uffd', 'addr', 'length', 'mode?'],
    doc: 'uffdio_continue(uffd, addr, length[, mode]) -> bytes mapped or -errno: resolve minor faults (UFFDIO_REGISTER_MODE_MINOR: hugetlbfs 5.13+ in whole huge pages, shmem 5.14+) by mapping the page-cache pages, then wake unless UFFDIO_CONTINUE_MODE_DONTWAKE; UFFDIO_CONTINUE_MODE_WP (6.4+) maps them write-protected',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_continue!;
      const [addr, len, mode] = [num(c, d, 'addr'), num(c, d, 'length'), num(c, d, 'mode', 0)];
      return ioctl(c, d, 'mfill_atomic_continue', (k, ctx) => mfill_atomic_continue(k, ctx, mmOf(k, ctx.mm), addr, len, mode));
    },
  },
  uffdio_zeropage: {
    params: ['uffd', 'addr', 'length', 'mode?'],
    doc: 'uffdio_zeropage(uffd, addr, length[, mode]) -> bytes zeroed or -errno: resolve missing faults with the zeropage (shared shmem: a zeroed page-cache page); -EEXIST if a PTE or marker is there, -EINVAL on hugetlb; wakes unless UFFDIO_ZEROPAGE_MODE_DONTWAKE',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_zeropage!;
      const [addr, len, mode] = [num(c, d, 'addr'), num(c, d, 'length'), num(c, d, 'mode', 0)];
      return ioctl(c, d, 'mfill_atomic_zeropage', (k, ctx) => mfill_atomic_zeropage(k, ctx, mmOf(k, ctx.mm), addr, len, mode));
    },
  },
  uffdio_poison: {
    params: ['uffd', 'addr', 'length', 'mode?'],
    doc: 'uffdio_poison(uffd, addr, length[, mode]) -> bytes poisoned or -errno (6.6+, -EINVAL before): PTE_MARKER_POISONED on none PTEs, any access then gets SIGBUS; wakes unless UFFDIO_POISON_MODE_DONTWAKE',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_poison!;
      const [addr, len, mode] = [num(c, d, 'addr'), num(c, d, 'length'), num(c, d, 'mode', 0)];
      return ioctl(c, d, 'mfill_atomic_poison', (k, ctx) => mfill_atomic_poison(k, ctx, mmOf(k, ctx.mm), addr, len, mode));
    },
  },
  uffdio_move: {
    params: ['uffd', 'dst', 'src', 'length', 'mode?'],
    doc: 'uffdio_move(uffd, dst, src, length[, mode]) -> bytes moved or -errno (6.8+, -EINVAL before): move exclusive anonymous pages, swap entries and the zeropage from src to dst in the caller\'s mm; -EBUSY for a shared or pinned page, -EEXIST if dst is populated, -ENOENT for a hole unless UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES; wakes unless UFFDIO_MOVE_MODE_DONTWAKE',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_move!;
      const [dst, src, len, mode] = [num(c, d, 'dst'), num(c, d, 'src'), num(c, d, 'length'), num(c, d, 'mode', 0)];
      const caller = c.m.mmOf(c.tid);
      // userfaultfd_move(): "Do not allow cross-mm moves" (mm != current->mm).
      return ioctl(c, d, 'move_pages', (k, ctx) => (ctx.mm !== caller ? -EINVAL : move_pages(k, ctx, mmOf(k, ctx.mm), dst, src, len, mode)));
    },
  },
  uffdio_wake: {
    params: ['uffd', 'addr', 'length'],
    doc: 'uffdio_wake(uffd, addr, length) -> 0: wake the faults in the range (they retry)',
    run(c) {
      const d = UFFD_SYSCALLS.uffdio_wake!;
      const [addr, len] = [num(c, d, 'addr'), num(c, d, 'length')];
      return ioctl(c, d, 'userfaultfd_wake', (k, ctx) => userfaultfd_wake(k, ctx, addr, len));
    },
  },
  uffd_read_msg: {
    params: ['uffd'],
    doc: 'm = uffd_read_msg(uffd) -> the next uffd_msg (msg_event/msg_flags/msg_address/msg_uffd read it); event 0 if none is queued (-EAGAIN)',
    run(c) {
      const ctx = uffdArg(c, UFFD_SYSCALLS.uffd_read_msg!);
      if (!ctx) return BigInt(-EBADF);
      const m = c.m.step(c.tid, 'userfaultfd_read', (k) => userfaultfd_read(k, k.s.uffds[ctx.id]!));
      const h: UffdMsgHandle = m
        ? { kind: 'uffd_msg', id: m.id, event: m.event, address: m.address, flags: m.flags, uffd: m.childCtx }
        : NO_MSG;
      return h;
    },
  },
  msg_event: {
    params: ['msg'],
    doc: 'msg_event(m) -> UFFD_EVENT_PAGEFAULT, UFFD_EVENT_FORK, or 0 when the read found no message',
    run: (c) => BigInt(msgArg(c, UFFD_SYSCALLS.msg_event!).event),
  },
  msg_flags: {
    params: ['msg'],
    doc: 'msg_flags(m) -> UFFD_PAGEFAULT_FLAG_WRITE|UFFD_PAGEFAULT_FLAG_WP bits of a page fault',
    run: (c) => BigInt(msgArg(c, UFFD_SYSCALLS.msg_flags!).flags),
  },
  msg_address: {
    params: ['msg'],
    doc: 'msg_address(m) -> the faulting page address',
    run: (c) => BigInt(msgArg(c, UFFD_SYSCALLS.msg_address!).address),
  },
  msg_uffd: {
    params: ['msg'],
    doc: "msg_uffd(m) -> the child's userfaultfd delivered by UFFD_EVENT_FORK (-EBADF for any other message; userfaultfd calls given -EBADF return it)",
    run(c) {
      const m = msgArg(c, UFFD_SYSCALLS.msg_uffd!);
      if (m.uffd === null) return BigInt(-EBADF);
      return { kind: 'uffd', id: m.uffd };
    },
  },
  store: {
    params: ['addr', 'data'],
    doc: 'store(addr, data) -> bytes stored: the user store `addr[0..n] = data` as a call, so that `h = start store(..)` can sleep in handle_userfault() until wait(h)',
    run(c) {
      const d = UFFD_SYSCALLS.store!;
      const data = bytesArg(c, d, 'data');
      return access(c, num(c, d, 'addr'), data.length, data);
    },
  },
  load: {
    params: ['addr', 'length'],
    doc: 'load(addr, length) -> bytes: the user load `addr[0..n]` as a call (startable like store())',
    run(c) {
      const d = UFFD_SYSCALLS.load!;
      return access(c, num(c, d, 'addr'), num(c, d, 'length'), null);
    },
  },
};
