// Creating, cloning and hashing the machine state.
import { createHash } from 'node:crypto';
import type { KernelState } from './types.js';
import { filled } from './bytes.js';

export interface MachineConfig {
  kernel: string;
  arch: string;
  pageSize?: number;
  /** Swap slots on the single swap device (slot 0 is never used, as in the kernel). */
  swapSlots?: number;
  stableWrites?: boolean;
  thp?: { pmdOrder: number; enabledOrders: number[]; useZeroPage: boolean };
  /** Huge pages per size (KiB) in the hugetlb pools. */
  hugetlbPools?: Record<string, number>;
  asyncWriteback?: boolean;
}

/** A booted machine: pid 1 with one thread, an empty mm, a swap device, the zeropage. */
export function createState(c: MachineConfig): KernelState {
  const pageSize = c.pageSize ?? 4096;
  return {
    config: { kernel: c.kernel, arch: c.arch, pageSize, thp: c.thp ?? { pmdOrder: 9, enabledOrders: [], useZeroPage: false } },
    hugetlb: Object.fromEntries(Object.entries(c.hugetlbPools ?? {}).map(([kb, nr]) => [kb, { nr, free: nr, resv: 0 }])),
    hugeZeroPfn: null,
    tasks: { 1: { tid: 1, pid: 1, name: 'main' } },
    processes: { 1: { pid: 1, ppid: 0, mm: 1, fds: {}, exitCode: null, signal: null, gupTestPin: null, rings: {} } },
    mms: { 1: { id: 1, vmas: [], ptes: {}, huge: {}, hasPinned: false, writeProtectSeq: 0, mmapLockedBy: null, nextMmapBase: 0x7f0000000000 } },
    folios: {
      0: {
        pfn: 0, order: 0, refcount: 1, mapcount: 0, pincount: 0, anon: false, ksm: false, anonExclusive: false,
        swapCache: false, swapEntry: null, dirty: false, writeback: false, lru: false, mapping: null, zero: true,
        data: filled(pageSize, 0),
      },
    },
    zeroPfn: 0,
    files: {},
    pipes: {},
    swap: c.swapSlots === 0
      ? []
      : [
          {
            type: 0,
            nslots: c.swapSlots ?? 4096,
            stableWrites: c.stableWrites ?? false,
            asyncWriteback: c.asyncWriteback ?? false,
            off: false,
            slots: {},
          },
        ],
    swapCache: {},
    lruAdd: [],
    pins: {},
    uffds: {},
    ops: {},
    next: { pfn: 1, id: 2, anonVma: 1 },
    steps: 0,
    findings: [],
  };
}

export function cloneState(s: KernelState): KernelState {
  return structuredClone(s);
}

/** JSON with object keys sorted, so equal states serialise identically. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((key) => o[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(o[key])}`).join(',')}}`;
}

export function hashState(s: KernelState): string {
  return createHash('sha256').update(canonicalJson(s)).digest('hex');
}
