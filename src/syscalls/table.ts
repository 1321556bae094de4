// What a scenario can call: each entry checks its arguments and runs as one
// step on the machine, or starts a multi-step operation (src/syscalls/ops.ts).
import {
  EBADF, EBUSY, EINVAL, ENOENT, ENOSPC, ENOSYS, FOLL_FORCE, FOLL_GET, FOLL_LONGTERM, FOLL_PIN, FOLL_REMOTE, FOLL_WRITE, O_DIRECT,
  O_RDWR, O_WRONLY,
} from '../model/flags.js';
import * as F from '../model/flags.js';
import { type PageData, concatRuns, pageSize, readBytes, sliceRuns } from '../model/bytes.js';
import type { FdEntry, ShmemHuge } from '../model/types.js';
import { type Kernel, folio, kernelFor, mmOf } from '../mm/context.js';
import { do_mmap, do_mprotect, do_mremap, do_munmap } from '../mm/mmap.js';
import { page_data } from '../mm/folio.js';
import { hugetlb_vmtruncate, hugetlbfs_get_folio, hugetlbfs_punch_hole } from '../mm/hugetlb.js';
import { do_madvise } from '../mm/madvise.js';
import { fork_init } from '../mm/fork.js';
import { zap_pte_range } from '../mm/memory.js';
import { clear_soft_dirty, pagemap_entry, PM_MMAP_EXCLUSIVE, PM_PRESENT, PM_SOFT_DIRTY, PM_SWAP, PM_UFFD_WP, PM_FILE } from '../mm/proc.js';
import { gup_init, gup_put_ref } from '../mm/gup.js';
import { file_read, file_write, file_write_runs, filemap_get_folio } from '../mm/filemap.js';
import { folio_put } from '../mm/folio.js';
import { end_swap_writeback, try_to_unuse } from '../mm/swapfile.js';
import { type GupUser, type Op, type OpValue } from './ops.js';
import { type Machine, RunError } from './machine.js';
import { type UffdHandle, type UffdMsgHandle, UFFD_SYSCALLS } from './userfaultfd.js';
import { MIGRATE_SYSCALLS } from './migrate.js';
import { KSM_SYSCALLS } from './ksm.js';
import { UFFD_CONSTANTS } from '../model/uffd.js';
import { SHMEM_HUGE_MODES, shmem_punch_hole, shmem_setattr_size } from '../mm/shmem.js';

export type Handle =
  | { kind: 'pipe'; read: number; write: number }
  | { kind: 'process'; pid: number }
  | { kind: 'op'; id: number; value?: OpValue }
  | UffdHandle
  | UffdMsgHandle;

export type Value = bigint | Uint8Array | Handle;

/** PIPE_DEF_BUFFERS: a pipe holds at most 16 buffers (one page each for vmsplice). */
export const PIPE_DEF_BUFFERS = 16;

/** A bad argument: the runner turns it into a file:line:column error at argument `index`. */
export class ArgError extends Error {
  override name = 'ArgError';
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

export interface Call {
  m: Machine;
  tid: number;
  args: Value[];
  named: Record<string, Value>;
  /** The variable the result is assigned to (fork names the child's thread after it). */
  target: string | null;
}

export type Result = Value | { start: Op };

export interface SyscallDef {
  /** Parameter names; a trailing '?' marks an optional one (named or positional). */
  params: string[];
  doc: string;
  run(c: Call): Result;
}

function arg(c: Call, def: SyscallDef, name: string): Value | undefined {
  const i = def.params.findIndex((p) => p.replace('?', '') === name);
  return c.named[name] ?? c.args[i];
}

function int(c: Call, def: SyscallDef, name: string, dflt?: bigint): number {
  const v = arg(c, def, name) ?? dflt;
  const i = def.params.findIndex((p) => p.replace('?', '') === name);
  if (v === undefined) throw new ArgError(`missing argument '${name}'`, i);
  if (typeof v !== 'bigint') throw new ArgError(`'${name}' must be a number`, i);
  return Number(v);
}

function bytes(c: Call, def: SyscallDef, name: string): Uint8Array {
  const v = arg(c, def, name);
  const i = def.params.findIndex((p) => p.replace('?', '') === name);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'bigint') return Uint8Array.of(Number(v) & 0xff);
  throw new ArgError(`'${name}' must be bytes ("..." or [..])`, i);
}

/** A shmem_enabled / huge= word (shmem_parse_huge()), or null for anything else. */
function shmemHugeMode(c: Call, def: SyscallDef): ShmemHuge | null {
  const word = new TextDecoder().decode(bytes(c, def, 'mode'));
  return SHMEM_HUGE_MODES.find((m) => m === word) ?? null;
}

function handle<K extends Handle['kind']>(c: Call, def: SyscallDef, name: string, kind: K): Extract<Handle, { kind: K }> {
  const v = arg(c, def, name);
  const i = def.params.findIndex((p) => p.replace('?', '') === name);
  if (typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === kind) return v as Extract<Handle, { kind: K }>;
  throw new ArgError(`'${name}' must be a ${kind} handle`, i);
}

/** An fd number, or the right end of a pipe handle. */
function fdArg(c: Call, def: SyscallDef, name: string, end: 'read' | 'write'): number {
  const v = arg(c, def, name);
  if (typeof v === 'object' && !(v instanceof Uint8Array) && v.kind === 'pipe') return v[end];
  return int(c, def, name);
}

function fdEntry(c: Call, fd: number): FdEntry {
  const e = c.m.process(c.m.pidOf(c.tid)).fds[fd];
  if (!e) throw new RunError(`fd ${fd} is not open`);
  return e;
}

function newFd(c: Call, e: FdEntry): number {
  const p = c.m.process(c.m.pidOf(c.tid));
  let fd = 3;
  while (p.fds[fd]) fd++;
  p.fds[fd] = e;
  return fd;
}

function sys(c: Call, name: string, fn: (k: Kernel, mm: number) => number | bigint): bigint {
  const mm = c.m.mmOf(c.tid);
  return BigInt(c.m.step(c.tid, name, (k) => fn(k, mm)));
}

/** Starts a GUP-based operation over [addr, addr+len). */
function gupOp(c: Call, addr: number, len: number, flags: number, user: GupUser, fast: boolean): Result {
  const ps = c.m.s.config.pageSize;
  const mm = c.m.mmOf(c.tid);
  const first = addr - (addr % ps);
  const nr = Math.ceil((addr + len - first) / ps);
  const id = c.m.s.next.id++;
  return {
    start: { kind: 'gup_user', id, pid: c.m.pidOf(c.tid), addr, len, user, gup: gup_init(mm, first, nr, flags, fast), phase: 'gup' },
  };
}

function newFile(c: Call, kind: 'tmpfile' | 'memfd', name: string, flags: number): number {
  const ino = c.m.s.next.id++;
  c.m.s.files[ino] = { ino, name, kind, size: 0, pages: {} };
  return newFd(c, { kind: 'file', ino, direct: (flags & O_DIRECT) !== 0, writable: (flags & (O_WRONLY | O_RDWR)) !== 0 || flags === 0 });
}

/** unpin_user_pages() / put_page() on every page of a pin set. */
function release_pin(k: Kernel, id: number): void {
  for (const r of k.s.pins[id]!.refs) gup_put_ref(k, r);
  delete k.s.pins[id];
}

/** The pins a process holds die with it (io_uring rings and the gup_test fd are closed). */
function releasePins(k: Kernel, pid: number): void {
  for (const p of Object.values(k.s.pins)) if (p.pid === pid) release_pin(k, p.id);
}

/** O_DIRECT: GUP for the DMA (FOLL_WRITE for a read into memory), FOLL_PIN from 6.4. */
function odirect(c: Call, name: 'odirect_read' | 'odirect_write'): Result {
  const d = SYSCALLS[name]!;
  const e = fdEntry(c, int(c, d, 'fd'));
  if (e.kind !== 'file') return BigInt(-EINVAL);
  const how = (kernel(c).p.odirectPin ? FOLL_PIN : FOLL_GET) | (name === 'odirect_read' ? FOLL_WRITE : 0);
  return gupOp(c, int(c, d, 'addr'), int(c, d, 'length'), how, { what: name, ino: e.ino, pos: int(c, d, 'offset', 0n) }, true);
}

/** An in-kernel GUP user keeping the pages: get_user_pages*() or pin_user_pages*(). */
function driverGup(c: Call, name: string, how: number): Result {
  const d = SYSCALLS[name]!;
  return gupOp(c, int(c, d, 'addr'), int(c, d, 'length'), how | int(c, d, 'flags', 0n), { what: 'pin', owner: 'driver', ring: null }, int(c, d, 'fast', 0n) !== 0);
}

export const SYSCALLS: Record<string, SyscallDef> = {
  mmap: {
    params: ['length', 'prot', 'flags', 'fd?', 'offset?'],
    doc: 'mmap(length, prot, flags[, fd, offset]) -> address (anonymous when fd is omitted or -1)',
    run(c) {
      const d = SYSCALLS.mmap!;
      const fd = int(c, d, 'fd', -1n);
      const file = fd >= 0 ? fdEntry(c, fd) : null;
      if (file && file.kind !== 'file') throw new ArgError('mmap of a pipe', 3);
      return sys(c, 'do_mmap', (k, mm) =>
        do_mmap(k, mmOf(k, mm), 0, int(c, d, 'length'), int(c, d, 'prot'), int(c, d, 'flags'),
          file && file.kind === 'file' ? { ino: file.ino, writable: file.writable } : null, int(c, d, 'offset', 0n)),
      );
    },
  },
  munmap: {
    params: ['addr', 'length'],
    doc: 'munmap(addr, length) -> 0',
    run: (c) => sys(c, 'do_munmap', (k, mm) => do_munmap(k, mmOf(k, mm), int(c, SYSCALLS.munmap!, 'addr'), int(c, SYSCALLS.munmap!, 'length'))),
  },
  mprotect: {
    params: ['addr', 'length', 'prot'],
    doc: 'mprotect(addr, length, prot) -> 0 or -errno',
    run(c) {
      const d = SYSCALLS.mprotect!;
      return sys(c, 'mprotect_fixup', (k, mm) => do_mprotect(k, mmOf(k, mm), int(c, d, 'addr'), int(c, d, 'length'), int(c, d, 'prot')));
    },
  },
  madvise: {
    params: ['addr', 'length', 'advice'],
    doc: 'madvise(addr, length, advice) -> 0 or -errno; MADV_PAGEOUT reclaims in steps (try_to_unmap, pageout, __remove_mapping); MADV_MERGEABLE / MADV_UNMERGEABLE set / clear VM_MERGEABLE for ksm_scan() (unmerging breaks every KSM page in the range)',
    run(c) {
      const d = SYSCALLS.madvise!;
      const mm = c.m.mmOf(c.tid);
      const pid = c.m.pidOf(c.tid);
      const r = c.m.step(c.tid, 'madvise', (k): number | Op => {
        const res = do_madvise(k, mmOf(k, mm), int(c, d, 'addr'), int(c, d, 'length'), int(c, d, 'advice'));
        if (typeof res === 'number') return res;
        if (res.pages.length === 0) return 0;
        // The isolated pages belong to reclaim from this step on (they hold its isolation references).
        const op: Op = { kind: 'reclaim', id: k.s.next.id++, pid, r: res };
        k.s.ops[op.id] = op;
        return op;
      });
      return typeof r === 'number' ? BigInt(r) : { start: r };
    },
  },
  fork: {
    params: [],
    doc: 'c = fork() -> a process handle (-ENOMEM if dup_mmap() fails, e.g. no free huge page for a pinned one); statements in `thread c:` sections run in the child. Steps: dup_mm, copy_page_range, copy_present_pte, ptep_set_wrprotect, dup_mmap',
    run(c) {
      const pid = c.m.pidOf(c.tid);
      const mm = c.m.mmOf(c.tid);
      const id = c.m.s.next.id++;
      return { start: { kind: 'fork', id, pid, f: fork_init(pid, mm, c.target ?? `child${id}`) } };
    },
  },
  exit: {
    params: ['status?'],
    doc: 'exit([status]): the process exits; its memory is unmapped and its pins released',
    run(c) {
      const pid = c.m.pidOf(c.tid);
      const mm = c.m.mmOf(c.tid);
      const status = int(c, SYSCALLS.exit!, 'status', 0n);
      c.m.step(c.tid, 'exit_mmap', (k) => {
        const m = mmOf(k, mm);
        for (const v of m.vmas) zap_pte_range(k, m, v.start, v.end);
        m.vmas = [];
        releasePins(k, pid);
        const p = k.s.processes[pid]!;
        p.exitCode = status;
        p.mm = null;
        delete k.s.mms[mm];
      });
      return 0n;
    },
  },
  wait: {
    params: ['handle'],
    doc: 'wait(h): finish an operation started with `start` (-> its result) or reap a child process (-> exit status; 128 + the signal number if a signal killed it: SIGBUS 135, SIGSEGV 139)',
    run(c) {
      const h = arg(c, SYSCALLS.wait!, 'handle');
      if (typeof h === 'object' && !(h instanceof Uint8Array) && h.kind === 'process') {
        const p = c.m.process(h.pid);
        if (p.exitCode === null && p.signal === null) throw new RunError(`wait(): process ${h.pid} has not exited yet`);
        return BigInt(p.exitCode ?? 128 + (p.signal === 'SIGBUS' ? 7 : p.signal === 'SIGSEGV' ? 11 : 0));
      }
      const op = handle(c, SYSCALLS.wait!, 'handle', 'op');
      if (op.value !== undefined) return op.value;
      const r = c.m.runOp(c.tid, op.id, {});
      op.value = r.value!;
      return op.value;
    },
  },
  resume: {
    params: ['handle', 'until'],
    doc: 'resume(h, "label"): run a started operation until it has passed the next step with that kernel-function label',
    run(c) {
      const d = SYSCALLS.resume!;
      const op = handle(c, d, 'handle', 'op');
      const until = new TextDecoder().decode(bytes(c, d, 'until'));
      if (op.value !== undefined) return 1n;
      const r = c.m.runOp(c.tid, op.id, { until });
      if (r.done) op.value = r.value!;
      return r.done ? 1n : 0n;
    },
  },
  tmpfile: {
    params: ['flags?'],
    doc: 'tmpfile([flags]) -> fd of a new tmpfs file (O_TMPFILE); O_DIRECT in flags for direct I/O',
    run: (c) => BigInt(newFile(c, 'tmpfile', 'tmpfile', int(c, SYSCALLS.tmpfile!, 'flags', BigInt(O_RDWR)))),
  },
  memfd_create: {
    params: ['name?', 'flags?'],
    doc: 'memfd_create([name, flags]) -> fd; MFD_HUGETLB (with the size in the MFD_HUGE_SHIFT bits) gives a hugetlbfs file',
    run(c) {
      const flags = int(c, SYSCALLS.memfd_create!, 'flags', 0n);
      const fd = newFile(c, 'memfd', 'memfd', O_RDWR);
      if (flags & F.MFD_HUGETLB) {
        const log = (flags >>> F.MFD_HUGE_SHIFT) & 0x3f;
        const kb = log ? 2 ** log / 1024 : 2048;
        if (!c.m.s.hugetlb[String(kb)]) return BigInt(-EINVAL);
        const e = fdEntry(c, fd);
        if (e.kind === 'file') c.m.s.files[e.ino]!.hugetlbKB = kb;
      }
      return BigInt(fd);
    },
  },
  fallocate: {
    params: ['fd', 'mode', 'offset', 'length'],
    doc: 'fallocate(fd, mode, offset, length) -> 0 or -errno: mode 0 allocates the page-cache pages (huge pages on hugetlbfs, -ENOSPC without free ones; FALLOC_FL_KEEP_SIZE keeps i_size); FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE unmaps and removes the pages the hole covers (shmem_fallocate, hugetlbfs_punch_hole)',
    run(c) {
      const d = SYSCALLS.fallocate!;
      const e = fdEntry(c, int(c, d, 'fd'));
      if (e.kind !== 'file') return BigInt(-EINVAL);
      const mode = int(c, d, 'mode');
      const off = int(c, d, 'offset');
      const len = int(c, d, 'length');
      const hugetlbfs = c.m.s.files[e.ino]!.hugetlbKB !== undefined;
      return sys(c, hugetlbfs ? 'hugetlbfs_fallocate' : 'shmem_fallocate', (k) => {
        const file = k.s.files[e.ino]!;
        // vfs_fallocate(): a negative range is -EINVAL; a hole punch must keep the size; other modes are not supported here.
        if (off < 0 || len <= 0) return -EINVAL;
        if (mode & ~(F.FALLOC_FL_KEEP_SIZE | F.FALLOC_FL_PUNCH_HOLE)) return -F.EOPNOTSUPP;
        if (mode & F.FALLOC_FL_PUNCH_HOLE) {
          if (!(mode & F.FALLOC_FL_KEEP_SIZE)) return -F.EOPNOTSUPP;
          return hugetlbfs ? hugetlbfs_punch_hole(k, file, off, len) : shmem_punch_hole(k, file, off, len);
        }
        const unit = hugetlbfs ? file.hugetlbKB! * 1024 : k.s.config.pageSize;
        for (let at = off - (off % unit); at < off + len; at += unit) {
          if (hugetlbfs) {
            if (!hugetlbfs_get_folio(k, file, at / unit)) return -ENOSPC;
          } else filemap_get_folio(k, file, at / unit, null);
        }
        if (!(mode & F.FALLOC_FL_KEEP_SIZE)) file.size = Math.max(file.size, off + len);
        return 0;
      });
    },
  },
  mremap: {
    params: ['old_address', 'old_size', 'new_size', 'flags', 'new_address?'],
    doc: 'mremap(old, old_size, new_size, MREMAP_MAYMOVE|MREMAP_FIXED, new) -> new address (only moves of the same size to a fixed address)',
    run(c) {
      const d = SYSCALLS.mremap!;
      const flags = int(c, d, 'flags');
      if (int(c, d, 'old_size') !== int(c, d, 'new_size') || flags !== (F.MREMAP_MAYMOVE | F.MREMAP_FIXED)) return BigInt(-EINVAL);
      return sys(c, 'do_mremap', (k, mm) => do_mremap(k, mmOf(k, mm), int(c, d, 'old_address'), int(c, d, 'old_size'), int(c, d, 'new_address')));
    },
  },
  thp_enabled: {
    params: ['size_kb', 'mode'],
    doc: 'thp_enabled(size_kb, 1|0): /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled = always|never (the PMD size is the top-level "enabled")',
    run(c) {
      const d = SYSCALLS.thp_enabled!;
      const order = Math.log2((int(c, d, 'size_kb') * 1024) / c.m.s.config.pageSize);
      const t = c.m.s.config.thp;
      if (order !== t.pmdOrder && !kernel(c).p.mthp) return BigInt(-ENOENT);
      t.enabledOrders = t.enabledOrders.filter((o) => o !== order);
      if (int(c, d, 'mode')) t.enabledOrders.push(order);
      return 0n;
    },
  },
  shmem_enabled: {
    params: ['mode'],
    doc: 'shmem_enabled("never"|"always"|"within_size"|"advise"|"deny"|"force") -> 0: /sys/kernel/mm/transparent_hugepage/shmem_enabled, the huge= option of shm_mnt (memfd, shared anonymous memory); deny/force override every tmpfs mount (4.8; -ENOENT before, -EINVAL for another word)',
    run(c) {
      const mode = shmemHugeMode(c, SYSCALLS.shmem_enabled!);
      if (!kernel(c).p.shmemThp) return BigInt(-ENOENT);
      if (!mode) return BigInt(-EINVAL);
      c.m.s.config.shmemHuge = { enabled: mode, tmpfs: c.m.s.config.shmemHuge?.tmpfs ?? 'never' };
      return 0n;
    },
  },
  tmpfs_huge: {
    params: ['mode'],
    doc: 'tmpfs_huge("never"|"always"|"within_size"|"advise") -> 0: mount -o remount,huge=<mode> of the tmpfs that tmpfile() creates files on (4.8; -EINVAL before, and for another word)',
    run(c) {
      const mode = shmemHugeMode(c, SYSCALLS.tmpfs_huge!);
      if (!kernel(c).p.shmemThp || !mode || mode === 'deny' || mode === 'force') return BigInt(-EINVAL);
      c.m.s.config.shmemHuge = { enabled: c.m.s.config.shmemHuge?.enabled ?? 'never', tmpfs: mode };
      return 0n;
    },
  },
  thp_use_zero_page: {
    params: ['on'],
    doc: 'thp_use_zero_page(1|0): /sys/kernel/mm/transparent_hugepage/use_zero_page (a read fault in a THP range maps the huge zeropage)',
    run(c) {
      c.m.s.config.thp.useZeroPage = int(c, SYSCALLS.thp_use_zero_page!, 'on') !== 0;
      return 0n;
    },
  },
  nr_hugepages: {
    params: ['size_kb', 'nr'],
    doc: 'nr_hugepages(size_kb, nr) -> nr: /sys/kernel/mm/hugepages/hugepages-<size>kB/nr_hugepages = nr (PMD or PUD size; -EINVAL for another size, -EBUSY below the pages in use)',
    run(c) {
      const d = SYSCALLS.nr_hugepages!;
      const kb = int(c, d, 'size_kb');
      const nr = int(c, d, 'nr');
      const s = c.m.s;
      const pmdKB = (s.config.pageSize << s.config.thp.pmdOrder) / 1024;
      // x86_64 has 2 MiB and 1 GiB huge pages: the PMD size and 512 of it.
      if ((kb !== pmdKB && kb !== pmdKB * 512) || nr < 0) return BigInt(-EINVAL);
      const p = (s.hugetlb[String(kb)] ??= { nr: 0, free: 0, resv: 0 });
      const used = p.nr - p.free;
      if (nr < used + p.resv) return BigInt(-EBUSY);
      p.free = nr - used;
      p.nr = nr;
      return BigInt(nr);
    },
  },
  ftruncate: {
    params: ['fd', 'length'],
    doc: 'ftruncate(fd, length) -> 0 or -errno: shrinking unmaps and drops the pages past the end (on hugetlbfs the length must be a multiple of the huge page size)',
    run(c) {
      const d = SYSCALLS.ftruncate!;
      const e = fdEntry(c, int(c, d, 'fd'));
      if (e.kind !== 'file') return BigInt(-EINVAL);
      const len = int(c, d, 'length');
      if (len < 0) return BigInt(-EINVAL);
      const hugetlbfs = c.m.s.files[e.ino]!.hugetlbKB !== undefined;
      return c.m.step(c.tid, hugetlbfs ? 'hugetlbfs_setattr' : 'shmem_setattr', (k) => {
        const file = k.s.files[e.ino]!;
        if (hugetlbfs) return BigInt(hugetlb_vmtruncate(k, file, len));
        shmem_setattr_size(k, file, len);
        return 0n;
      });
    },
  },
  pipe: {
    params: [],
    doc: 'p = pipe() -> a pipe handle (read() and vmsplice() take it directly)',
    run(c) {
      const id = c.m.s.next.id++;
      c.m.s.pipes[id] = { id, bufs: [] };
      const read = newFd(c, { kind: 'pipe', pipe: id, end: 'read' });
      const write = newFd(c, { kind: 'pipe', pipe: id, end: 'write' });
      return { kind: 'pipe', read, write };
    },
  },
  write: {
    params: ['fd', 'data', 'offset?'],
    doc: 'write(fd, data[, offset]) -> bytes written (pwrite when offset is given)',
    run(c) {
      const d = SYSCALLS.write!;
      const e = fdEntry(c, fdArg(c, d, 'fd', 'write'));
      const data = bytes(c, d, 'data');
      return c.m.step(c.tid, e.kind === 'pipe' ? 'pipe_write' : 'shmem_file_write_iter', (k) => {
        if (e.kind === 'pipe') {
          k.s.pipes[e.pipe]!.bufs.push({ pfn: -1, offset: 0, len: data.length, copied: Array.from(data).flatMap((b) => [b, 1]) });
        } else {
          file_write(k, k.s.files[e.ino]!, int(c, d, 'offset', 0n), data);
        }
        return BigInt(data.length);
      });
    },
  },
  read: {
    params: ['fd', 'length', 'offset?'],
    doc: 'read(fd, length[, offset]) -> bytes (a pipe gives what vmsplice() or write() put in, read through the page references)',
    run(c) {
      const d = SYSCALLS.read!;
      const e = fdEntry(c, fdArg(c, d, 'fd', 'read'));
      const len = int(c, d, 'length');
      return c.m.step(c.tid, e.kind === 'pipe' ? 'pipe_read' : 'shmem_file_read_iter', (k) => {
        if (e.kind === 'file') return file_read(k, k.s.files[e.ino]!, int(c, d, 'offset', 0n), len);
        const pipe = k.s.pipes[e.pipe]!;
        const out: number[] = [];
        while (out.length < len && pipe.bufs.length) {
          const b = pipe.bufs[0]!;
          const n = Math.min(b.len, len - out.length);
          const src = b.copied ? readBytes(b.copied, b.offset, b.offset + n) : readBytes(page_data(k, b.pfn), b.offset, b.offset + n);
          out.push(...src);
          b.offset += n;
          b.len -= n;
          if (b.len === 0) {
            pipe.bufs.shift();
            if (!b.copied) folio_put(k, b.pfn);
          }
        }
        return Uint8Array.from(out);
      });
    },
  },
  vmsplice: {
    params: ['pipe', 'addr', 'length'],
    doc: 'vmsplice(pipe, addr, length): the pipe takes FOLL_GET references to the pages (iov_iter_get_pages, GUP-fast first)',
    run(c) {
      const d = SYSCALLS.vmsplice!;
      const e = fdEntry(c, fdArg(c, d, 'pipe', 'write'));
      if (e.kind !== 'pipe') return BigInt(-EBADF);
      // vmsplice_to_pipe() takes at most as many pages as the pipe has free buffers (PIPE_DEF_BUFFERS).
      const addr = int(c, d, 'addr');
      const room = PIPE_DEF_BUFFERS - c.m.s.pipes[e.pipe]!.bufs.length;
      const len = Math.min(int(c, d, 'length'), room * c.m.s.config.pageSize - (addr % c.m.s.config.pageSize));
      return gupOp(c, addr, len, FOLL_GET, { what: 'vmsplice', pipe: e.pipe }, true);
    },
  },
  odirect_read: {
    params: ['fd', 'addr', 'length', 'offset?'],
    doc: 'odirect_read(fd, addr, length[, offset]): O_DIRECT read; the DMA lands at completion (wait), through FOLL_GET (<6.4) or FOLL_PIN references',
    run: (c) => odirect(c, 'odirect_read'),
  },
  odirect_write: {
    params: ['fd', 'addr', 'length', 'offset?'],
    doc: 'odirect_write(fd, addr, length[, offset]): O_DIRECT write; the device reads the pages at completion (wait)',
    run: (c) => odirect(c, 'odirect_write'),
  },
  write_proc_mem: {
    params: ['addr', 'data'],
    doc: 'write_proc_mem(addr, data): write through /proc/self/mem (GUP with FOLL_FORCE|FOLL_WRITE, steps follow_page_pte/faultin_page)',
    run(c) {
      const d = SYSCALLS.write_proc_mem!;
      const data = bytes(c, d, 'data');
      return gupOp(c, int(c, d, 'addr'), data.length, FOLL_GET | FOLL_FORCE | FOLL_WRITE | FOLL_REMOTE, { what: 'proc_mem_write', data: Array.from(data) }, false);
    },
  },
  read_proc_mem: {
    params: ['addr', 'length'],
    doc: 'read_proc_mem(addr, length) -> bytes read through /proc/self/mem (FOLL_FORCE)',
    run(c) {
      const d = SYSCALLS.read_proc_mem!;
      return gupOp(c, int(c, d, 'addr'), int(c, d, 'length'), FOLL_GET | FOLL_FORCE | FOLL_REMOTE, { what: 'proc_mem_read' }, false);
    },
  },
  pin_user_pages: {
    params: ['addr', 'length', 'flags?', 'fast?'],
    doc: 'pin_user_pages(addr, length[, flags, fast]) -> pin id (or -errno): an in-kernel user (RDMA, VFIO) taking FOLL_PIN (before 5.7 counted as a plain reference)',
    run: (c) => driverGup(c, 'pin_user_pages', FOLL_PIN),
  },
  get_user_pages: {
    params: ['addr', 'length', 'flags?', 'fast?'],
    doc: 'get_user_pages(addr, length[, flags, fast]) -> pin id (or -errno) of a set of FOLL_GET references',
    run: (c) => driverGup(c, 'get_user_pages', FOLL_GET),
  },
  pin_read: {
    params: ['pin', 'offset', 'length'],
    doc: 'pin_read(pin, offset, length) -> bytes the kernel reads through the pinned pages',
    run(c) {
      const d = SYSCALLS.pin_read!;
      return pinRead(c, int(c, d, 'pin'), int(c, d, 'offset'), int(c, d, 'length'));
    },
  },
  unpin: {
    params: ['pin'],
    doc: 'unpin(pin): unpin_user_pages() / put_page() on every page of the pin',
    run(c) {
      const id = int(c, SYSCALLS.unpin!, 'pin');
      return c.m.step(c.tid, 'unpin_user_pages', (k) => {
        if (!k.s.pins[id]) throw new RunError('pin already released');
        release_pin(k, id);
        return 0n;
      });
    },
  },
  pin_longterm_test_start: {
    params: ['addr', 'length', 'write?', 'fast?'],
    doc: 'gup_test PIN_LONGTERM_TEST_START (6.2+): FOLL_PIN|FOLL_LONGTERM (FOLL_WRITE with write=1; pin_user_pages_fast with fast=1)',
    run(c) {
      const d = SYSCALLS.pin_longterm_test_start!;
      if (!kernel(c).p.gupTestPinLongterm) return BigInt(-EINVAL);
      if (c.m.process(c.m.pidOf(c.tid)).gupTestPin !== null) return BigInt(-EINVAL);
      const flags = FOLL_PIN | FOLL_LONGTERM | (int(c, d, 'write', 0n) ? FOLL_WRITE : 0);
      return gupOp(c, int(c, d, 'addr'), int(c, d, 'length'), flags, { what: 'pin', owner: 'gup_test', ring: null }, int(c, d, 'fast', 0n) !== 0);
    },
  },
  pin_longterm_test_read: {
    params: ['length'],
    doc: 'gup_test PIN_LONGTERM_TEST_READ -> bytes read through the pinned pages',
    run(c) {
      const id = c.m.process(c.m.pidOf(c.tid)).gupTestPin;
      if (id === null) return BigInt(-EINVAL);
      return pinRead(c, id, 0, int(c, SYSCALLS.pin_longterm_test_read!, 'length'));
    },
  },
  pin_longterm_test_stop: {
    params: [],
    doc: 'gup_test PIN_LONGTERM_TEST_STOP: unpin',
    run(c) {
      const p = c.m.process(c.m.pidOf(c.tid));
      const id = p.gupTestPin;
      if (id === null) return 0n;
      return c.m.step(c.tid, 'pin_longterm_test_stop', (k) => {
        release_pin(k, id);
        k.s.processes[p.pid]!.gupTestPin = null;
        return 0n;
      });
    },
  },
  io_uring_setup: {
    params: [],
    doc: 'io_uring_setup() -> ring id, or -ENOSYS before 5.1',
    run(c) {
      if (!kernel(c).p.ioUring) return BigInt(-ENOSYS);
      const id = c.m.s.next.id++;
      c.m.process(c.m.pidOf(c.tid)).rings[id] = null;
      return BigInt(id);
    },
  },
  io_uring_register_buffers: {
    params: ['ring', 'addr', 'length'],
    doc: 'io_uring_register_buffers(ring, addr, length): fixed buffer, FOLL_WRITE|FOLL_LONGTERM with FOLL_PIN from 5.6 (FOLL_GET before)',
    run(c) {
      const d = SYSCALLS.io_uring_register_buffers!;
      const ring = int(c, d, 'ring');
      if (!(ring in c.m.process(c.m.pidOf(c.tid)).rings)) return BigInt(-EBADF);
      // io_sqe_buffer_register(): get_user_pages_longterm()/FOLL_GET before 5.6, pin_user_pages() after.
      const how = kernel(c).p.ioUringPin ? FOLL_PIN : FOLL_GET;
      return gupOp(c, int(c, d, 'addr'), int(c, d, 'length'), how | FOLL_LONGTERM | FOLL_WRITE, { what: 'pin', owner: 'io_uring', ring }, false);
    },
  },
  io_uring_write_fixed: {
    params: ['ring', 'fd', 'length', 'offset?'],
    doc: 'io_uring_write_fixed(ring, fd, length[, offset]): write the fixed buffer to a file, reading it through the pinned pages',
    run(c) {
      const d = SYSCALLS.io_uring_write_fixed!;
      const id = c.m.process(c.m.pidOf(c.tid)).rings[int(c, d, 'ring')];
      if (id == null) return BigInt(-EBADF);
      const e = fdEntry(c, int(c, d, 'fd'));
      if (e.kind !== 'file') return BigInt(-EBADF);
      const data = pinReadRuns(c.m, c.tid, id, 0, int(c, d, 'length'));
      return c.m.step(c.tid, 'io_write', (k) => {
        file_write_runs(k, k.s.files[e.ino]!, int(c, d, 'offset', 0n), data);
        return BigInt(pageSize(data));
      });
    },
  },
  clear_refs: {
    params: ['value?'],
    doc: 'clear_refs([4]): echo 4 > /proc/self/clear_refs (soft-dirty tracking: write-protects every PTE)',
    run(c) {
      if (int(c, SYSCALLS.clear_refs!, 'value', 4n) !== 4) return BigInt(-EINVAL);
      return sys(c, 'clear_refs_write', (k, mm) => {
        clear_soft_dirty(k, mmOf(k, mm));
        return 0;
      });
    },
  },
  swapon: {
    params: ['stable_writes?', 'async_writeback?', 'pages?', 'synchronous_io?'],
    doc: 'swapon([stable_writes, async_writeback, pages, synchronous_io]): (re)enable the swap device; stable_writes=1 is SWP_STABLE_WRITES, async_writeback=1 keeps swap writes in flight until swap_writeback_end(); pages sets its size in slots (default 4096; slot 0 is the header), -EINVAL below 2; synchronous_io=1 is SWP_SYNCHRONOUS_IO (zram: swap-in may skip the swap cache)',
    run(c) {
      const d = SYSCALLS.swapon!;
      return c.m.step(c.tid, 'swapon', (k) => {
        const dev = k.s.swap[0]!;
        if (Object.keys(dev.slots).length) return BigInt(-EBUSY);
        dev.stableWrites = int(c, d, 'stable_writes', 0n) !== 0;
        dev.asyncWriteback = int(c, d, 'async_writeback', 0n) !== 0;
        const pages = int(c, d, 'pages', BigInt(dev.nslots));
        if (pages < 2) return BigInt(-EINVAL);
        dev.nslots = pages;
        if (int(c, d, 'synchronous_io', 0n) !== 0) dev.synchronousIo = true;
        else delete dev.synchronousIo;
        dev.off = false;
        return 0n;
      });
    },
  },
  swapoff: {
    params: [],
    doc: 'swapoff(): bring every swapped-out page back (try_to_unuse / unuse_pte) and disable the device',
    run: (c) => c.m.step(c.tid, 'try_to_unuse', (k) => BigInt(try_to_unuse(k, 0) >= 0 ? 0 : -1)),
  },
  swap_writeback_end: {
    params: [],
    doc: 'swap_writeback_end() -> number of pages whose swap write completed now (end_swap_bio_write)',
    run: (c) => c.m.step(c.tid, 'end_swap_bio_write', (k) => BigInt(end_swap_writeback(k))),
  },
  fill: {
    params: ['length', 'byte'],
    doc: 'fill(length, byte) -> length bytes of that value',
    run: (c) => new Uint8Array(int(c, SYSCALLS.fill!, 'length')).fill(int(c, SYSCALLS.fill!, 'byte') & 0xff),
  },
  pagemap: {
    params: ['addr'],
    doc: 'pagemap(addr) -> the 64-bit /proc/self/pagemap entry',
    run: (c) => sys(c, 'pagemap_read', (k, mm) => pagemap_entry(k, mmOf(k, mm), int(c, SYSCALLS.pagemap!, 'addr'))),
  },
  ...pmBit('pm_present', PM_PRESENT),
  ...pmBit('pm_swap', PM_SWAP),
  ...pmBit('pm_file', PM_FILE),
  ...pmBit('pm_soft_dirty', PM_SOFT_DIRTY),
  ...pmBit('pm_exclusive', PM_MMAP_EXCLUSIVE),
  ...pmBit('pm_uffd_wp', PM_UFFD_WP),
  ...UFFD_SYSCALLS,
  ...MIGRATE_SYSCALLS,
  ...KSM_SYSCALLS,
};

function pmBit(name: string, bit: bigint): Record<string, SyscallDef> {
  const def: SyscallDef = {
    params: ['addr'],
    doc: `${name}(addr) -> 1 if the pagemap entry has ${name.replace('pm_', 'PM_').toUpperCase()}, else 0`,
    run: (c) => sys(c, 'pagemap_read', (k, mm) => (pagemap_entry(k, mmOf(k, mm), int(c, def, 'addr')) >> bit) & 1n),
  };
  return { [name]: def };
}

function kernel(c: Call): Kernel {
  return kernelFor(c.m.s);
}

function pinRead(c: Call, id: number, off: number, len: number): Uint8Array {
  const runs = pinReadRuns(c.m, c.tid, id, off, len);
  return readBytes(runs, 0, pageSize(runs));
}

/** Bytes the kernel reads through a pin set's pages (gup_test PIN_LONGTERM_TEST_READ, io_uring fixed buffers), as runs. */
export function pinReadRuns(m: Machine, tid: number, id: number, off: number, len: number): PageData {
  return m.step(tid, 'pin_read', (k) => {
    const p = k.s.pins[id];
    if (!p) throw new RunError('pin already released');
    const ps = k.s.config.pageSize;
    const parts: PageData[] = [];
    let pos = 0;
    const from = (p.addr % ps) + off;
    const to = from + len;
    for (const r of p.refs) {
      const n = (r.nr ?? 1) * ps;
      const lo = Math.max(pos, from);
      const hi = Math.min(pos + n, to);
      if (lo < hi) {
        const f = folio(k, r.pfn);
        const base = (r.pfn - f.pfn) * ps;
        parts.push(sliceRuns(f.data, base + lo - pos, base + hi - pos));
      }
      pos += n;
    }
    if (pos < to) throw new RunError('read beyond the pinned range');
    return concatRuns(parts);
  });
}

/** The gup_test pin of the calling process, read as runs (what PIN_LONGTERM_TEST_READ copies out). */
export function gupTestReadRuns(m: Machine, tid: number, len: number): PageData | null {
  const id = m.process(m.pidOf(tid)).gupTestPin;
  return id === null ? null : pinReadRuns(m, tid, id, 0, len);
}
/** Integer constants a scenario may name. */
export const CONSTANTS: Record<string, bigint> = Object.fromEntries(
  Object.entries(F)
    .filter(([n, v]) => typeof v === 'number' && /^(PROT_|MAP_|MADV_|MFD_|FALLOC_FL_|O_|FOLL_|E[A-Z]+$)/.test(n))
    // FOLL_COW and FOLL_FAST_ONLY are GUP's internal flags, not a caller's choice.
    .filter(([n]) => n !== 'FOLL_COW' && n !== 'FOLL_FAST_ONLY')
    .map(([n, v]) => [n, BigInt(v as number)])
    .concat(Object.entries(UFFD_CONSTANTS).map(([n, v]) => [n, BigInt(v)])),
);
