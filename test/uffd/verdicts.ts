// The verdict every mainline version must give for each userfaultfd and
// soft-dirty reproducer in examples/, worked out from the kernel history
// (the model never reads this table). [first, last, first failing
// expectation or null for a pass]; the ranges cover 4.4..latest.
export type Verdicts = [string, string, string | null][];

const WP_ANON = 'UFFDIO_REGISTER_MODE_WP is not supported';
const WP_SHMEM = 'UFFDIO_REGISTER_MODE_WP is not supported on shmem';
const WP_HUGETLB = 'UFFDIO_REGISTER_MODE_WP is not supported on hugetlb';

export const UFFD_VERDICTS: Record<string, Verdicts> = {
  uffd_wp_anon_swapout: [
    // uffd-wp for anonymous memory (5.7); before it MODE_WP was reserved (-EINVAL).
    ['4.4', '5.6', WP_ANON],
    // x86_64 keeps the bit in the swap PTE (_PAGE_SWP_UFFD_WP, same series) and do_swap_page() restores it.
    ['5.7', '6.18', null],
  ],
  uffd_wp_shmem_marker: [
    // vma_can_userfault(): "FIXME: add WP support to hugetlbfs and shmem" until 5.19.
    ['4.4', '5.18', WP_SHMEM],
    // 679d10331910 / 5c041f5d1f23 (5.19): PTE_MARKER_UFFD_WP on zap and on try_to_unmap.
    ['5.19', '6.18', null],
  ],
  uffd_wp_shmem_thp_split: [
    // 800d8c63b2e9 (4.8): shmem THP and /sys/kernel/mm/transparent_hugepage/shmem_enabled.
    ['4.4', '4.7', 'shmem THP is not supported'],
    ['4.8', '5.18', WP_SHMEM],
    // 5.19: UFFDIO_WRITEPROTECT splits (clears) the file PMD and installs a marker in every none PTE of the range.
    ['5.19', '6.18', null],
  ],
  uffd_wp_fork_no_event: [
    ['4.4', '5.6', WP_ANON],
    // b569a17 (5.7) cleared the child's uffd-wp bit by the parent's VM_UFFD_WP: a stale bit in the child.
    ['5.7', '5.13', "the child's PTE kept a stale uffd-wp bit: a write it never protected was reported"],
    // 8f34f1eac382 (5.14; in mainline between 5.13 and 5.14-rc1): the child's VMA decides; without EVENT_FORK it is reset.
    ['5.14', '6.18', null],
  ],
  uffd_wp_fork_zeropage: [
    // 893e26e61d04 (4.11): UFFD_FEATURE_EVENT_FORK.
    ['4.4', '4.10', 'UFFD_FEATURE_EVENT_FORK is not supported'],
    ['4.11', '5.6', WP_ANON],
    // copy_page_range() skips a VMA without anon_vma (seed 002's remark) and the zeropage's uffd-wp bit with it.
    ['5.7', '5.18', "the child's write was not reported: copy_page_range() skipped the VMA without an anon_vma and its uffd-wp bit"],
    // c56d1b62cce8 (5.19): vma_needs_copy() copies for a uffd-wp child.
    ['5.19', '6.18', null],
  ],
  uffd_wp_fork_shmem: [
    ['4.4', '4.10', 'UFFD_FEATURE_EVENT_FORK is not supported'],
    ['4.11', '5.18', WP_SHMEM],
    // c56d1b62cce8 came with shmem uffd-wp (5.19): the child gets the page tables, bits and markers.
    ['5.19', '6.18', null],
  ],
  uffd_wp_fork_marker: [
    ['4.4', '5.18', WP_SHMEM],
    // c56d1b62cce8 copied markers unconditionally (WARN_ON_ONCE) ...
    ['5.19', '6.1', 'a uffd-wp PTE marker was copied into a child without uffd-wp'],
    // ... until 49d6d7fb6313 (6.2) copied them only into a uffd-wp child.
    ['6.2', '6.18', null],
  ],
  uffd_wp_swapoff: [
    ['4.4', '5.6', WP_ANON],
    // unuse_pte() built the PTE from the page and dropped the swap PTE's bits ...
    ['5.7', '5.18', 'the write after swapoff was not reported: unuse_pte() dropped the uffd-wp bit'],
    // ... until 14a762dd1977 (5.19).
    ['5.19', '6.18', null],
  ],
  soft_dirty_swapoff: [
    ['4.4', '5.3', 'MADV_PAGEOUT failed'],
    ['5.4', '5.18', 'swapoff lost the soft-dirty bit of a written page'],
    // 14a762dd1977 (5.19): unuse_pte() keeps soft-dirty and uffd-wp.
    ['5.19', '6.18', null],
  ],
  soft_dirty_swapout: [
    // 1a4e58cce84e (5.4): MADV_PAGEOUT. _PAGE_SWP_SOFT_DIRTY predates every modelled kernel.
    ['4.4', '5.3', 'MADV_PAGEOUT failed'],
    ['5.4', '6.18', null],
  ],
  uffd_wp_shmem_mprotect: [
    ['4.4', '5.18', WP_SHMEM],
    // vm_page_prot of the shmem VMA stays writable: mprotect() maps the uffd-wp PTE writable.
    ['5.19', '6.1', 'the write after mprotect() was not reported: the uffd-wp PTE was writable'],
    // 51d3d5eb74ff (6.2): writenotify while uffd-wp is enabled.
    ['6.2', '6.18', null],
  ],
  uffd_copy_wp_readonly: [
    ['4.4', '5.6', WP_ANON],
    // 292924b26024 (5.7) marked a UFFDIO_COPY_MODE_WP page uffd-wp only in a VM_WRITE VMA ...
    ['5.7', '5.17', 'the write to the page copied with UFFDIO_COPY_MODE_WP was not reported'],
    // ... until 0e88904cb700 (5.18).
    ['5.18', '6.18', null],
  ],
  uffd_wp_shmem_migrate: [
    ['4.4', '5.18', WP_SHMEM],
    // remove_migration_pte() builds the PTE from a writable vm_page_prot ...
    ['5.19', '6.1', 'the write after migration was not reported: remove_migration_pte() mapped the uffd-wp PTE writable'],
    // ... until 51d3d5eb74ff (6.2) turned on write-notify for uffd-wp VMAs.
    ['6.2', '6.18', null],
  ],
  uffd_wp_unpopulated: [
    // 2bad466cc9d9 (6.4).
    ['4.4', '6.3', 'UFFD_FEATURE_WP_UNPOPULATED is not supported'],
    ['6.4', '6.18', null],
  ],
  uffd_wp_async: [
    // UFFD_FEATURE_WP_ASYNC (6.7, with PAGEMAP_SCAN).
    ['4.4', '6.6', 'UFFD_FEATURE_WP_ASYNC is not supported'],
    ['6.7', '6.18', null],
  ],
  uffd_missing_hugetlb: [
    // 8fb5debc5fcd and its series (4.11): UFFDIO_REGISTER on hugetlbfs, hugetlb_mcopy_atomic_pte().
    ['4.4', '4.10', 'UFFDIO_REGISTER_MODE_MISSING is not supported on hugetlb'],
    ['4.11', '6.18', null],
  ],
  uffd_wp_hugetlb_marker: [
    // b1f9e876862d / 166f3ecc0daf (5.19): uffd-wp on hugetlbfs, huge PTE markers in __unmap_hugepage_range().
    ['4.4', '5.18', 'UFFD_FEATURE_WP_HUGETLBFS_SHMEM is not supported'],
    ['5.19', '6.18', null],
  ],
  uffd_wp_hugetlb_private_marker: [
    ['4.4', '5.18', WP_HUGETLB],
    // hugetlb_no_page()'s CoW optimization reused the page and made the uffd-wp entry writable ...
    ['5.19', '6.2', "the write to the zapped write-protected huge page was not reported: hugetlb_no_page()'s CoW made it writable"],
    // ... until "mm/hugetlb: fix uffd wr-protection for CoW optimization path" (6.3).
    ['6.3', '6.18', null],
  ],
  uffd_wp_hugetlb_fork: [
    ['4.4', '5.18', WP_HUGETLB],
    // bc70fbf269fd (5.19) copied a present huge PTE with its uffd-wp bit into any child ...
    ['5.19', '6.3', "the child's huge PTE kept a stale uffd-wp bit: a write it never protected was reported"],
    // ... until 5a2f8d22ace4 (6.4).
    ['6.4', '6.18', null],
  ],
  uffd_zeropage: [
    // UFFDIO_ZEROPAGE is as old as userfaultfd (4.3): a special zeropage PTE, -EEXIST once mapped.
    ['4.4', '6.18', null],
  ],
  uffd_poison: [
    // fc71884a5f59 (6.6): UFFDIO_POISON, PTE_MARKER_POISONED, copy_pte_marker() always copies it.
    ['4.4', '6.5', 'UFFD_FEATURE_POISON is not supported'],
    ['6.6', '6.18', null],
  ],
  uffd_move: [
    // adef440691ba (6.8): UFFDIO_MOVE; only PageAnonExclusive pages move.
    ['4.4', '6.7', 'UFFD_FEATURE_MOVE is not supported'],
    ['6.8', '6.18', null],
  ],
  uffd_wp_hugetlb_punch_hole: [
    ['4.4', '5.18', WP_HUGETLB],
    // 05e90bd05eea (5.19): hugetlbfs_punch_hole() zaps with zap_flags 0 (the marker stays), hugetlb_vmtruncate() with ZAP_FLAG_DROP_MARKER.
    ['5.19', '6.18', null],
  ],
  uffd_wp_hugetlb_dontneed: [
    // madvise_dontneed_free_valid_vma() refused VM_HUGETLB until 90e7e7f5ef3f (5.18) ...
    ['4.4', '5.17', 'MADV_DONTNEED on hugetlb failed'],
    // ... and rounded the end up (ALIGN), zapping the huge page covered in part ...
    ['5.18', '6.0', 'MADV_DONTNEED zapped a huge page it covered only in part'],
    // ... until 8ebe0a5eaaeb (6.1) rounded it down.
    ['6.1', '6.18', null],
  ],
  uffd_minor_hugetlb: [
    // 7677f7fd8be7 / f619147104c8 (5.13): minor faults and UFFDIO_CONTINUE, hugetlbfs first.
    ['4.4', '5.12', 'UFFD_FEATURE_MINOR_HUGETLBFS is not supported'],
    ['5.13', '6.18', null],
  ],
  uffd_minor_hugetlb_wp: [
    ['4.4', '5.12', 'UFFD_FEATURE_MINOR_HUGETLBFS is not supported'],
    ['5.13', '5.18', WP_HUGETLB],
    // "mm: userfaultfd: add UFFDIO_CONTINUE_MODE_WP to install WP PTEs" (6.4).
    ['5.19', '6.3', 'UFFDIO_CONTINUE_MODE_WP is not supported'],
    ['6.4', '6.18', null],
  ],
  uffd_wp_hugetlb_fork_shared: [
    ['4.4', '5.18', WP_HUGETLB],
    // copy_page_range() always copied VM_HUGETLB VMAs, the present huge PTE with its uffd-wp bit ...
    ['5.19', '5.19', "the child's shared huge PTE kept a stale uffd-wp bit: a write it never protected was reported"],
    // ... until bcd51a3c679d (6.0) let vma_needs_copy() skip a shared one: the child refaults without the bit.
    ['6.0', '6.18', null],
  ],
};

/** Reproducers run on another architecture: [example, arch] -> verdicts. */
export const UFFD_ARCH_VERDICTS: [string, string, Verdicts][] = [
  [
    'uffd_wp_anon_swapout',
    'arm64',
    [
      // No HAVE_ARCH_USERFAULTFD_WP on arm64 before 6.10: MODE_WP is -EINVAL.
      ['4.4', '6.9', WP_ANON],
      // 5b32510af77b (6.10): PTE_UFFD_WP and PTE_SWP_UFFD_WP (swap PTE bit 3) keep the bit across swap-out,
      // and every uffd-wp check passes; the last one fails because arm64 has no HAVE_ARCH_SOFT_DIRTY, so
      // pagemap never reports PM_SOFT_DIRTY there.
      ['6.10', '6.18', 'the write did not set soft-dirty'],
    ],
  ],
];
