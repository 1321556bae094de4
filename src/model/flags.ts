// Flag values. VM_*, PROT_*, MAP_*, MADV_* and errno values are the kernel's
// (include/linux/mm.h, uapi headers, x86 numbering); FOLL_* and FAULT_FLAG_*
// are the model's own bit values with the kernel's names.

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_UFFD_WP = 0x1000;
export const VM_LOCKED = 0x2000;
export const VM_DONTCOPY = 0x20000;
export const VM_HUGETLB = 0x400000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;
export const VM_WIPEONFORK = 0x2000000;
export const VM_SOFTDIRTY = 0x8000000;
/** Bit 31: a JS bitwise result with it set is negative, so test it with `!== 0`. */
export const VM_MERGEABLE = 0x80000000;

export const VM_FLAG_NAMES: [number, string][] = [
  [VM_READ, 'VM_READ'], [VM_WRITE, 'VM_WRITE'], [VM_EXEC, 'VM_EXEC'], [VM_SHARED, 'VM_SHARED'],
  [VM_MAYREAD, 'VM_MAYREAD'], [VM_MAYWRITE, 'VM_MAYWRITE'], [VM_MAYEXEC, 'VM_MAYEXEC'],
  [VM_MAYSHARE, 'VM_MAYSHARE'], [VM_UFFD_WP, 'VM_UFFD_WP'], [VM_LOCKED, 'VM_LOCKED'],
  [VM_DONTCOPY, 'VM_DONTCOPY'], [VM_HUGETLB, 'VM_HUGETLB'], [VM_HUGEPAGE, 'VM_HUGEPAGE'], [VM_NOHUGEPAGE, 'VM_NOHUGEPAGE'], [VM_WIPEONFORK, 'VM_WIPEONFORK'], [VM_SOFTDIRTY, 'VM_SOFTDIRTY'], [VM_MERGEABLE, 'VM_MERGEABLE'],
];

/** is_cow_mapping(): private and may become writable. */
export function isCowMapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

export const FOLL_WRITE = 0x1;
export const FOLL_GET = 0x2;
export const FOLL_PIN = 0x4;
export const FOLL_FORCE = 0x8;
export const FOLL_LONGTERM = 0x10;
export const FOLL_COW = 0x20;
export const FOLL_REMOTE = 0x40;
export const FOLL_FAST_ONLY = 0x80;

export const FOLL_NAMES: [number, string][] = [
  [FOLL_WRITE, 'FOLL_WRITE'], [FOLL_GET, 'FOLL_GET'], [FOLL_PIN, 'FOLL_PIN'], [FOLL_FORCE, 'FOLL_FORCE'],
  [FOLL_LONGTERM, 'FOLL_LONGTERM'], [FOLL_COW, 'FOLL_COW'], [FOLL_REMOTE, 'FOLL_REMOTE'],
  [FOLL_FAST_ONLY, 'FOLL_FAST_ONLY'],
];

export const FAULT_FLAG_WRITE = 0x1;
export const FAULT_FLAG_UNSHARE = 0x2;
export const FAULT_FLAG_REMOTE = 0x4;

export const GUP_PIN_COUNTING_BIAS = 1024;

export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

export const MAP_SHARED = 0x1;
export const MAP_PRIVATE = 0x2;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_HUGETLB = 0x40000;
export const MAP_HUGE_SHIFT = 26;

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;

export const MFD_HUGETLB = 4;
export const MFD_HUGE_SHIFT = 26;

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;

export const MADV_NORMAL = 0;
export const MADV_DONTNEED = 4;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;
export const MADV_COLLAPSE = 25;

export const O_RDONLY = 0x0;
export const O_WRONLY = 0x1;
export const O_RDWR = 0x2;
export const O_DIRECT = 0x4000;

export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOTTY = 25;
export const EMLINK = 31;
export const ENOSYS = 38;
export const EHWPOISON = 133;
export const EOPNOTSUPP = 95;

export function flagNames(value: number, names: [number, string][]): string {
  const out = names.filter(([bit]) => value & bit).map(([, n]) => n);
  return out.length ? out.join('|') : '0';
}
