// The whole simulated machine as one plain value: no classes, closures or
// hidden fields. Records are keyed by decimal ids so the state serialises to
// canonical JSON (src/model/state.ts) and clones with structuredClone.
import type { PageData } from './bytes.js';

export type Pfn = number;

/** Per-page state of a large folio (struct page of a compound page). */
export interface PageState {
  /** The page's own PTE mappings (_mapcount + 1). */
  mapcount: number;
  /** PG_anon_exclusive of this page. */
  anonExclusive: boolean;
}

/**
 * A folio. Order-0 folios keep their page's mapcount and PG_anon_exclusive in
 * the top-level fields; large folios (THP, hugetlb) keep them per page in
 * `pages` and count PMD/PUD mappings in `entireMapcount`. A large folio's
 * pages are pfn .. pfn + 2^order - 1 (naturally aligned); `data` holds all
 * of its bytes.
 */
export interface Folio {
  pfn: Pfn;
  order: number;
  /** folio_ref_count(). */
  refcount: number;
  /** Number of PTEs mapping the page (the kernel's _mapcount + 1). */
  mapcount: number;
  /** _pincount of a large folio (small folios count pins in refcount via GUP_PIN_COUNTING_BIAS). */
  pincount: number;
  /** PageAnon; KSM pages are anon too. */
  anon: boolean;
  ksm: boolean;
  /** PG_anon_exclusive, per page. */
  anonExclusive: boolean;
  /** PG_swapcache and the swap entry it caches ("type:offset"). */
  swapCache: boolean;
  swapEntry: string | null;
  dirty: boolean;
  writeback: boolean;
  /** PG_lru: on an LRU list (false while the page still sits in the per-CPU lru_add batch). */
  lru: boolean;
  /** Page cache owner for file pages. */
  mapping: { ino: number; index: number } | null;
  /** The shared zeropage (or the huge zeropage): never anon, never freed. */
  zero: boolean;
  data: PageData;
  /** Large folios: per-page state (hugetlb folios only track their head page: they are never PTE-mapped). */
  pages?: PageState[];
  /** Large folios: PMD/PUD (or hugetlb) mappings of the whole folio (entire_mapcount). */
  entireMapcount?: number;
  /** A hugetlb folio, and the pool size it came from (KiB). */
  hugetlbKB?: number;
}

/** A PMD-level (THP, huge zeropage) or hugetlb leaf entry mapping a whole folio. */
export interface HugePte {
  kind: 'huge';
  /** Head pfn of the mapped folio. */
  pfn: Pfn;
  /** Bytes the entry maps (2 MiB for a PMD on x86_64, 1 GiB for a PUD). */
  size: number;
  write: boolean;
  dirty: boolean;
  young: boolean;
  softDirty: boolean;
  uffdWp: boolean;
  /** The huge zeropage (is_huge_zero_pmd). */
  hugeZero: boolean;
}

/** PTE flag names as a present PTE carries them. */
export interface PresentPte {
  kind: 'present';
  pfn: Pfn;
  write: boolean;
  dirty: boolean;
  young: boolean;
  softDirty: boolean;
  uffdWp: boolean;
  /** pte_special(): the zeropage, vm_normal_page() gives NULL. */
  special: boolean;
}

/** A swap PTE, stored as the architecture encodes it (hex of pte_val()). */
export interface SwapPte {
  kind: 'swap';
  val: string;
}

/** A migration entry (room for the migration paths). */
export interface MigrationPte {
  kind: 'migration';
  pfn: Pfn;
  type: 'read' | 'read_exclusive' | 'write';
  softDirty: boolean;
  uffdWp: boolean;
}

/** A PTE marker (include/linux/swapops.h): PTE_MARKER_UFFD_WP and PTE_MARKER_POISONED bits. */
export interface MarkerPte {
  kind: 'marker';
  uffdWp: boolean;
  /** PTE_MARKER_POISONED (UFFDIO_POISON, 6.6): any access gets VM_FAULT_HWPOISON. Absent means clear. */
  poisoned?: boolean;
}

export type Pte = PresentPte | SwapPte | MigrationPte | MarkerPte;

export interface Vma {
  start: number;
  end: number;
  /** VM_* bits (src/model/flags.ts), as vma->vm_flags. */
  flags: number;
  /** Backing file and page offset of `start`; null for anonymous memory. */
  file: { ino: number; pgoff: number } | null;
  /** anon_vma id once anonymous pages were faulted in (copy_page_range skips VMAs without one). */
  anonVma: number | null;
  /** vma->vm_userfaultfd_ctx: the registered userfaultfd context (with VM_UFFD_MISSING / VM_UFFD_WP). */
  uffdCtx?: number | null;
  /** VM_UFFD_MINOR (a high VM_* bit, bit 38 on 64-bit, kept apart from the 32-bit flags word). */
  uffdMinor?: boolean;
  /**
   * VM_HUGETLB mappings: the huge page size (KiB) and the pages reserved for the mapping still to fault in;
   * `owner` for the private mapping that made the reservation (HPAGE_RESV_OWNER), `unmapped` once the owner
   * took this mapping's pages away after a failed COW (HPAGE_RESV_UNMAPPED).
   */
  hugetlb?: { kb: number; resv: number; owner?: boolean; unmapped?: boolean };
}

export interface Mm {
  id: number;
  vmas: Vma[];
  /** Page table: virtual page number (decimal) -> PTE. */
  ptes: Record<string, Pte>;
  /** Leaf PMD/PUD entries (THP, huge zeropage, hugetlb): virtual page number of their first page -> entry. */
  huge: Record<string, HugePte>;
  /** MMF_HAS_PINNED (mm->has_pinned before 5.14). */
  hasPinned: boolean;
  /** mm->write_protect_seq (odd while fork() write-protects). */
  writeProtectSeq: number;
  /** The in-flight operation holding mmap_lock for writing (fork), or null. */
  mmapLockedBy: number | null;
  nextMmapBase: number;
}

export type FdEntry =
  | { kind: 'file'; ino: number; direct: boolean; writable: boolean }
  | { kind: 'pipe'; pipe: number; end: 'read' | 'write' };

export interface Process {
  pid: number;
  ppid: number;
  mm: number | null;
  fds: Record<string, FdEntry>;
  exitCode: number | null;
  /** The gup_test device's current PIN_LONGTERM_TEST pin set (cow.c), if any. */
  gupTestPin: number | null;
  /** io_uring instances: ring id -> registered buffer pin set (or null). */
  rings: Record<string, number | null>;
  /** Killed by a signal (e.g. SIGSEGV), as wait() reports it. */
  signal: string | null;
}

export interface Task {
  tid: number;
  pid: number;
  name: string;
}

export interface File {
  ino: number;
  name: string;
  kind: 'tmpfile' | 'memfd' | 'proc';
  size: number;
  /** hugetlbfs (memfd_create(MFD_HUGETLB)): page-cache pages are huge pages of this size (KiB). */
  hugetlbKB?: number;
  /** On the kernel-internal shm_mnt (shared anonymous memory; memfds are there too): shmem_enabled is its huge= option. */
  shmMnt?: boolean;
  /** Bytes of pages not in the page cache (written with write(2), never mapped); absent pages read as zero. */
  backing?: PageData;
  /** Page cache: page index -> pfn of the page (a shmem THP fills 2^order consecutive indexes with its pages). */
  pages: Record<string, Pfn>;
}

/** One pipe buffer: vmsplice() hands the pipe a reference to a user page. */
export interface PipeBuf {
  pfn: Pfn;
  offset: number;
  len: number;
  /** Bytes copied in by write() live here instead of in a page. */
  copied: PageData | null;
}

export interface Pipe {
  id: number;
  bufs: PipeBuf[];
}

export interface SwapSlot {
  /** swap_map count: PTEs (and a swap cache page) referencing the slot. */
  count: number;
  /** SWAP_HAS_CACHE. */
  hasCache: boolean;
  /** What was written to the device; null until writeback. */
  data: PageData | null;
}

export interface SwapDevice {
  type: number;
  nslots: number;
  /** SWP_STABLE_WRITES: the backend needs the page stable under writeback (seed 001). */
  stableWrites: boolean;
  /** Writeback completes later (swap_writeback_end), as on a disk; otherwise at once, as on zram. */
  asyncWriteback: boolean;
  /**
   * SWP_SYNCHRONOUS_IO: a RAM-backed device (zram, brd, pmem) whose reads
   * complete synchronously; do_swap_page() may read into a fresh page
   * without the swap cache.
   */
  synchronousIo?: boolean;
  /** swapoff() ran: no new slots are handed out. */
  off: boolean;
  slots: Record<string, SwapSlot>;
}

/** A GUP reference or pin held by a kernel user (O_DIRECT, pipe, io_uring, gup_test). */
export interface GupRef {
  pfn: Pfn;
  pin: boolean;
  /** Consecutive pages of one folio covered by this reference (try_grab_folio(page, refs, ...)); 1 when absent. */
  nr?: number;
}

/** Pages a kernel user keeps after GUP returned: io_uring fixed buffers, gup_test pins, a driver's pin. */
export interface PinSet {
  id: number;
  owner: 'io_uring' | 'gup_test' | 'driver';
  pid: number;
  addr: number;
  len: number;
  refs: GupRef[];
}

export interface Finding {
  step: number;
  label: string;
  invariant: string;
  detail: string;
}

/** SHMEM_HUGE_* as shmem_parse_huge() names them; deny and force only exist for shmem_enabled. */
export type ShmemHuge = 'never' | 'always' | 'within_size' | 'advise' | 'deny' | 'force';

export interface KernelState {
  config: {
    kernel: string;
    arch: string;
    pageSize: number;
    /** Transparent huge pages: the PMD order, the orders set to "always", use_zero_page. */
    thp: { pmdOrder: number; enabledOrders: number[]; useZeroPage: boolean };
    /** Shmem THP (4.8): /sys/kernel/mm/transparent_hugepage/shmem_enabled and the tmpfs mount's huge= option; absent: never. */
    shmemHuge?: { enabled: ShmemHuge; tmpfs: ShmemHuge };
  };
  /** hugetlb pools by page size (KiB): total pages, free pages, reserved ones among the free. */
  hugetlb: Record<string, { nr: number; free: number; resv: number }>;
  /** The huge zeropage's head pfn, once allocated (mm_get_huge_zero_page). */
  hugeZeroPfn: Pfn | null;
  tasks: Record<string, Task>;
  processes: Record<string, Process>;
  mms: Record<string, Mm>;
  folios: Record<string, Folio>;
  /** The shared zeropage's pfn. */
  zeroPfn: Pfn;
  files: Record<string, File>;
  pipes: Record<string, Pipe>;
  swap: SwapDevice[];
  /** The swap cache: "type:offset" -> pfn. */
  swapCache: Record<string, Pfn>;
  /** The per-CPU lru_add batch: pages holding an extra reference until lru_add_drain(). */
  lruAdd: Pfn[];
  /** Long-lived GUP users, by id. */
  pins: Record<string, PinSet>;
  /** userfaultfd contexts (src/model/uffd.ts), by id. */
  uffds: Record<string, import('./uffd.js').UffdCtx>;
  /** KSM (src/mm/ksm.ts): the stable tree and the checksums of the last scan; absent until a VMA is made mergeable. */
  ksm?: import('../mm/ksm.js').KsmState;
  /** In-flight kernel operations (src/syscalls/ops.ts), by handle id. */
  ops: Record<string, import('../syscalls/ops.js').Op>;
  /** Monotonic counters for ids. */
  next: { pfn: number; id: number; anonVma: number };
  /** Steps taken so far. */
  steps: number;
  findings: Finding[];
}
