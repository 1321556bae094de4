// userfaultfd as plain data: contexts, queued messages, and the uapi values a
// scenario names (include/uapi/linux/userfaultfd.h, include/linux/mm.h).

/** VM_UFFD_MISSING (include/linux/mm.h); VM_UFFD_WP is in flags.ts. */
export const VM_UFFD_MISSING = 0x200;

export const UFFD_API = 0xaa;

export const UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1 << 0;
export const UFFD_FEATURE_EVENT_FORK = 1 << 1;
export const UFFD_FEATURE_EVENT_REMAP = 1 << 2;
export const UFFD_FEATURE_EVENT_REMOVE = 1 << 3;
export const UFFD_FEATURE_MISSING_HUGETLBFS = 1 << 4;
export const UFFD_FEATURE_MISSING_SHMEM = 1 << 5;
export const UFFD_FEATURE_EVENT_UNMAP = 1 << 6;
export const UFFD_FEATURE_SIGBUS = 1 << 7;
export const UFFD_FEATURE_THREAD_ID = 1 << 8;
export const UFFD_FEATURE_MINOR_HUGETLBFS = 1 << 9;
export const UFFD_FEATURE_MINOR_SHMEM = 1 << 10;
export const UFFD_FEATURE_EXACT_ADDRESS = 1 << 11;
export const UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1 << 12;
export const UFFD_FEATURE_WP_UNPOPULATED = 1 << 13;
export const UFFD_FEATURE_POISON = 1 << 14;
export const UFFD_FEATURE_WP_ASYNC = 1 << 15;
export const UFFD_FEATURE_MOVE = 1 << 16;

export const UFFDIO_REGISTER_MODE_MISSING = 1 << 0;
export const UFFDIO_REGISTER_MODE_WP = 1 << 1;
export const UFFDIO_REGISTER_MODE_MINOR = 1 << 2;

export const UFFDIO_WRITEPROTECT_MODE_WP = 1 << 0;
export const UFFDIO_WRITEPROTECT_MODE_DONTWAKE = 1 << 1;

export const UFFDIO_CONTINUE_MODE_DONTWAKE = 1 << 0;
export const UFFDIO_CONTINUE_MODE_WP = 1 << 1;

export const UFFDIO_COPY_MODE_DONTWAKE = 1 << 0;
export const UFFDIO_COPY_MODE_WP = 1 << 1;

export const UFFDIO_ZEROPAGE_MODE_DONTWAKE = 1 << 0;

export const UFFDIO_POISON_MODE_DONTWAKE = 1 << 0;

export const UFFDIO_MOVE_MODE_DONTWAKE = 1 << 0;
export const UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES = 1 << 1;

export const UFFD_EVENT_PAGEFAULT = 0x12;
export const UFFD_EVENT_FORK = 0x13;

export const UFFD_PAGEFAULT_FLAG_WRITE = 1 << 0;
export const UFFD_PAGEFAULT_FLAG_WP = 1 << 1;
export const UFFD_PAGEFAULT_FLAG_MINOR = 1 << 2;

/** Everything a scenario may name, by name. */
export const UFFD_CONSTANTS: Record<string, number> = {
  UFFD_API,
  UFFD_FEATURE_PAGEFAULT_FLAG_WP, UFFD_FEATURE_EVENT_FORK, UFFD_FEATURE_EVENT_REMAP, UFFD_FEATURE_EVENT_REMOVE,
  UFFD_FEATURE_MISSING_HUGETLBFS, UFFD_FEATURE_MISSING_SHMEM, UFFD_FEATURE_EVENT_UNMAP, UFFD_FEATURE_SIGBUS,
  UFFD_FEATURE_THREAD_ID, UFFD_FEATURE_MINOR_HUGETLBFS, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_EXACT_ADDRESS,
  UFFD_FEATURE_WP_HUGETLBFS_SHMEM, UFFD_FEATURE_WP_UNPOPULATED, UFFD_FEATURE_POISON, UFFD_FEATURE_WP_ASYNC,
  UFFD_FEATURE_MOVE,
  UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP, UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_WRITEPROTECT_MODE_WP, UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
  UFFDIO_COPY_MODE_DONTWAKE, UFFDIO_COPY_MODE_WP, UFFDIO_CONTINUE_MODE_DONTWAKE, UFFDIO_CONTINUE_MODE_WP,
  UFFDIO_ZEROPAGE_MODE_DONTWAKE, UFFDIO_POISON_MODE_DONTWAKE, UFFDIO_MOVE_MODE_DONTWAKE, UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES,
  UFFD_EVENT_PAGEFAULT, UFFD_EVENT_FORK,
  UFFD_PAGEFAULT_FLAG_WRITE, UFFD_PAGEFAULT_FLAG_WP, UFFD_PAGEFAULT_FLAG_MINOR,
};

/**
 * One uffd_msg on its way to the monitor, or a fault waiting for it.
 * 'pending': queued, not read yet (fault_pending_wqh); 'read': the monitor
 * read it, the faulting task still sleeps (fault_wqh); 'woken': resolved.
 */
export interface UffdMsg {
  id: number;
  event: number;
  /** UFFD_EVENT_PAGEFAULT: the page address and UFFD_PAGEFAULT_FLAG_* bits. */
  address: number;
  flags: number;
  /** UFFD_EVENT_FORK: the child's context, installed as a new fd when read. */
  childCtx: number | null;
  state: 'pending' | 'read' | 'woken';
  /** The operation (src/syscalls/ops.ts) sleeping on this fault, once it parked. */
  waiter: number | null;
}

/** struct userfaultfd_ctx. */
export interface UffdCtx {
  id: number;
  /** The mm it was created in (ctx->mm). */
  mm: number;
  /** Features granted by UFFDIO_API; null until the handshake. */
  features: number | null;
  msgs: UffdMsg[];
  /** A child's context whose UFFD_EVENT_FORK nobody has read yet (no fd until resolve_userfault_fork()). */
  pendingFork: boolean;
}
