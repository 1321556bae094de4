// What the test program detects on the machine it runs on, and the machine
// the model boots for it.
import type { MachineConfig } from '../../model/state.js';

export type SuiteRevision = '6.2' | 'latest';

export interface CowOptions {
  suite: SuiteRevision;
  kernel: string;
  arch: string;
  /** THP sizes in KiB the suite detects (6.2 only looks at the PMD size). */
  thpSizesKB: number[];
  hugetlbSizesKB: number[];
  liburing: boolean;
  gupTest: boolean;
  swap: boolean;
  hugeZeropage: boolean;
}

export const PAGE_SIZE = 4096;
export const PMD_SIZE_KB = 2048;
/** The mTHP sizes an x86_64 kernel with 4 KiB pages offers (orders 2..8), plus the PMD size. */
export const MTHP_SIZES_KB = [16, 32, 64, 128, 256, 512, 1024];
/** Free huge pages per size as the golden run had them (16 x 2 MiB at run time, 2 x 1 GiB at boot). */
export const HUGETLB_POOL: Record<number, number> = { 2048: 16, 1048576: 2 };

export function defaultThpSizes(suite: SuiteRevision): number[] {
  return suite === '6.2' ? [PMD_SIZE_KB] : [...MTHP_SIZES_KB, PMD_SIZE_KB];
}

export function machineConfig(o: CowOptions): MachineConfig {
  return {
    kernel: o.kernel,
    arch: o.arch,
    pageSize: PAGE_SIZE,
    swapSlots: o.swap ? 4096 : 0,
    thp: {
      pmdOrder: Math.log2((PMD_SIZE_KB * 1024) / PAGE_SIZE),
      // Only the PMD size is on by default ("always", or "inherit" from it); the newer cow.c switches mTHP sizes on per test.
      enabledOrders: o.thpSizesKB.includes(PMD_SIZE_KB) ? [Math.log2((PMD_SIZE_KB * 1024) / PAGE_SIZE)] : [],
      useZeroPage: o.hugeZeropage,
    },
    hugetlbPools: Object.fromEntries(o.hugetlbSizesKB.map((kb) => [String(kb), HUGETLB_POOL[kb] ?? 2])),
  };
}
