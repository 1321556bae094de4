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
  /** Report the kernel functions every step of test number N ran (to `trace`). */
  traceTest?: number;
  trace?: (line: string) => void;
}

export const PAGE_SIZE = 4096;
export const PMD_SIZE_KB = 2048;

/** HPAGE_PMD_SIZE of an architecture: 4 MiB on i386 without PAE (two-level paging), else 2 MiB as on x86_64. */
export function pmdSizeKB(arch: string): number {
  return arch === 'i386' ? 4096 : PMD_SIZE_KB;
}

/** The hugetlb sizes a usual machine offers: 2 MiB and 1 GiB on x86_64, the PMD size on 32-bit x86. */
export function defaultHugetlbSizes(arch: string): number[] {
  return arch === 'i386' || arch === 'i386-pae' ? [pmdSizeKB(arch)] : [2048, 1048576];
}
/** The mTHP sizes an x86_64 kernel with 4 KiB pages offers (orders 2..8), plus the PMD size. */
export const MTHP_SIZES_KB = [16, 32, 64, 128, 256, 512, 1024];
/** Free huge pages per size as the golden run had them (16 x 2 MiB at run time, 2 x 1 GiB at boot). */
export const HUGETLB_POOL: Record<number, number> = { 2048: 16, 4096: 16, 1048576: 2 };

/** The mTHP orders below the PMD order (orders 2 and up), and the PMD size. */
export function defaultThpSizes(suite: SuiteRevision, arch = 'x86_64'): number[] {
  const pmd = pmdSizeKB(arch);
  return suite === '6.2' ? [pmd] : [...MTHP_SIZES_KB.filter((kb) => kb < pmd), ...(pmd > 1024 && pmd !== 2048 ? [2048] : []), pmd];
}

export function machineConfig(o: CowOptions): MachineConfig {
  return {
    kernel: o.kernel,
    arch: o.arch,
    pageSize: PAGE_SIZE,
    swapSlots: o.swap ? 4096 : 0,
    thp: {
      pmdOrder: Math.log2((pmdSizeKB(o.arch) * 1024) / PAGE_SIZE),
      // Only the PMD size is on by default ("always", or "inherit" from it); the newer cow.c switches mTHP sizes on per test.
      enabledOrders: o.thpSizesKB.includes(pmdSizeKB(o.arch)) ? [Math.log2((pmdSizeKB(o.arch) * 1024) / PAGE_SIZE)] : [],
      useZeroPage: o.hugeZeropage,
    },
    hugetlbPools: Object.fromEntries(o.hugetlbSizesKB.map((kb) => [String(kb), HUGETLB_POOL[kb] ?? 2])),
  };
}
