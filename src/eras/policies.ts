// The decision points where Linux's anonymous-memory behaviour changed between
// versions. mm/ code asks the profile, never a version number.
import type { SwpExclusiveSupport } from '../arch/types.js';

export interface Policies {
  /** can_follow_write_pte(): when a FOLL_WRITE lookup may use a R/O PTE (mm/gup.c). */
  followWrite: 'pte_write' | 'force_cow_dirty' | 'cow_dirty' | 'anon_exclusive';
  /** faultin_page() drops FOLL_WRITE after a COW in a !VM_WRITE VMA: the Dirty COW bug (fixed by 19be0eaffa3a). */
  dropWriteAfterCow: boolean;
  /** 17839856fd58 (5.8 only): GUP with FOLL_GET|FOLL_PIN in a COW mapping forces FOLL_WRITE. */
  gupForceCowBreak: boolean;
  /** gup_must_unshare(): which R/O pins trigger FAULT_FLAG_UNSHARE (a7f226604170 anon; 84209e87c696 +longterm non-anon). */
  unshare: 'none' | 'anon' | 'anon+longterm';
  /** 3faa52c03f44 (5.7): FOLL_PIN adds GUP_PIN_COUNTING_BIAS to a small folio's refcount. */
  pinAccounting: boolean;
  /** c8070b787519 (6.5): pinning the shared zeropage takes no reference. */
  pinZeroPageNoRef: boolean;
  /** 57efa1fe5957 (5.11): GUP-fast with FOLL_PIN backs off while fork() write-protects (write_protect_seq). */
  gupFastWriteProtectSeq: boolean;
  /**
   * 088b8aa537c2 (6.1): smp_mb pairs between GUP-fast and page_try_share_anon_rmap(). The step model
   * interleaves under sequential consistency, so no mm code reads this; the ordering it fixes is
   * checked with the memory model (examples/litmus/gup-fast-vs-share-anon*).
   */
  gupFastBarriers: boolean;
  /** do_wp_page()'s reuse decision for an anon page mapped R/O. */
  wpReuse: 'reuse_swap_page' | 'page_count' | 'page_count_drain' | 'anon_exclusive';
  /** 52d1e606ee73 (5.1) .. 1a0cf26323c8 (5.9): reuse a KSM page mapped only here. */
  wpKsmReuse: boolean;
  /** 6.7: the refcount test moved into wp_can_reuse_anon_folio() (same decision, kernel-faithful name). */
  wpCanReuseAnonFolio: boolean;
  /**
   * A write fault on a page of a large anon folio: the small-folio refcount test (a folio mapped
   * once, with no other reference, is reused whole); cd197c3a2040 (6.9) never reuses; 1da190f4d0a6
   * (6.15) reuses when this mm alone maps it and every reference is a mapping.
   */
  wpReuseLargeAnon: 'refcount' | 'never' | 'mm_exclusive';
  /** 6c287605fd56 (5.19): PG_anon_exclusive exists and fork/swap/GUP maintain it. */
  anonExclusive: boolean;
  /** Which architectures keep PG_anon_exclusive in swap PTEs (1493a1913e34, then the 6.3 all-arch series). */
  swpExclusive: SwpExclusiveSupport;
  /** do_swap_page(): how a swapped-in page is found exclusive. */
  swapinReuse: 'reuse_swap_page' | 'page_count' | 'exclusive';
  /** ≈6.11: do_swap_page() maps an exclusive page writable even on a read fault. */
  swapinWritableOnRead: boolean;
  /** 0bcac06f27d7 (4.15): do_swap_page() reads a SWP_SYNCHRONOUS_IO entry mapped once into a fresh page, bypassing the swap cache. */
  swapinSkipSwapcache: boolean;
  /** feb889fb40fa (5.11): shrink_page_list() keeps maybe-pinned pages out of the swap cache. */
  vmscanSkipPinned: boolean;
  /**
   * CONFIG_THP_SWAP: the architectures selecting ARCH_WANTS_THP_SWAP, whose
   * reclaim adds a PMD-size THP whole to the swap cache and writes it at once
   * (elsewhere it is split before add_to_swap()).
   */
  thpSwapArchs: readonly string[];
  /** 845982eb264b (6.10): THP_SWAP takes large folios of every order (mTHP), not only PMD-size ones. */
  thpSwapAllOrders: boolean;
  /**
   * 3931b871c493 / 5ed890ce5147 (6.10): MADV_PAGEOUT and shrink_folio_list() no longer split a large folio
   * the range maps whole; it goes to reclaim as it is.
   */
  pageoutKeepsLargeFolios: boolean;
  /**
   * 508758960b8d / 4c3f96643687 (6.11): do_swap_page() maps a large swap-cache folio whole when the swap
   * PTEs around the fault are its entries in order, and counts its nr swap-cache references when freeing swap.
   */
  swapinMapsLargeFolio: boolean;
  /** copy_present_pte() early copy: 70e806e4e645 (5.9) any maybe-pinned page; 5.19 only exclusive anon pages. */
  forkEarlyCopy: 'none' | 'maybe_pinned' | 'anon_exclusive_pinned';
  /** 9348b73c2e1b (5.11): clear_refs soft-dirty skips maybe-pinned PTEs (pte_is_pinned). */
  softDirtySkipPinned: boolean;
  /** 1a4e58cce84e (5.4): MADV_COLD / MADV_PAGEOUT exist. */
  madvPageout: boolean;
  /** 12e967fd8e4e (5.6): MADV_PAGEOUT leaves pages mapped by more than one process alone. */
  pageoutSkipShared: boolean;
  /** f05714293a59 (4.10): reuse_swap_page() refuses a page under writeback on a SWP_STABLE_WRITES device. */
  reuseSwapStableWrites: boolean;
  /** 14a762dd1977 (5.19): unuse_pte() keeps the swap PTE's soft-dirty and uffd-wp bits. */
  unuseKeepsSwapBits: boolean;
  /** mprotect() maps exclusive anon pages writable right away: 64fe24a3e05e (6.0) dirty ones, 6.2 clean ones too. */
  mprotectExclusiveWritable: 'no' | 'dirty' | 'any';
  /** a7e689dd1c06 (6.4): O_DIRECT takes FOLL_PIN instead of FOLL_GET. */
  odirectPin: boolean;
  /** io_uring (5.1): fixed buffers registered with FOLL_WRITE|FOLL_LONGTERM. */
  ioUring: boolean;
  /** 893e26e61d04 (4.11): UFFD_FEATURE_EVENT_FORK; without it dup_userfaultfd() drops VM_UFFD_* in the child. */
  uffdEventFork: boolean;
  /** 8fb5debc5fcd and its series (4.11): userfaultfd on hugetlbfs: MODE_MISSING on VM_HUGETLB, UFFDIO_COPY (hugetlb_mcopy_atomic_pte), UFFD_FEATURE_MISSING_HUGETLBFS. */
  uffdHugetlb: boolean;
  /** "mm/hugetlb: fix uffd wr-protection for CoW optimization path" (6.3): hugetlb_wp() leaves a uffd-wp huge PTE alone (before: hugetlb_no_page()'s CoW made it writable). */
  hugetlbWpSkipsUffdWp: boolean;
  /** 1d8d14641fd9 (6.0): hugetlb_wp() maps a shared page writable (before: it copied it, a COW in a MAP_SHARED mapping). */
  hugetlbWpShared: boolean;
  /** 6.0 ("mm/uffd: reset write protection when unregister with wp-mode"): UFFDIO_UNREGISTER un-protects a VM_UFFD_WP range (bits and markers). */
  uffdUnregisterResetWp: boolean;
  /** 5a2f8d22ace4 (6.4): copy_hugetlb_page_range() keeps a present huge PTE's uffd-wp bit only for a uffd-wp child, and an early-copied page keeps it. */
  hugetlbForkUffdWpDstVma: boolean;
  /** 0f230bc24b6e (6.4): hugetlb_wp()'s copy for an unshare fault keeps the uffd-wp bit. */
  hugetlbUnshareKeepsUffdWp: boolean;
  /** 5.7: uffd-wp on anonymous memory (UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT, _PAGE_UFFD_WP, pte_swp_uffd_wp). */
  uffdWp: boolean;
  /** 0e88904cb700 (5.18): UFFDIO_COPY_MODE_WP marks the PTE uffd-wp even in a VMA without VM_WRITE. */
  uffdCopyWpAlways: boolean;
  /** 5.14 (c949b097ef2e): minor faults on shmem (UFFDIO_REGISTER_MODE_MINOR, UFFDIO_CONTINUE, UFFD_FEATURE_MINOR_SHMEM). */
  uffdMinorShmem: boolean;
  /** 7677f7fd8be7 f619147104c8 (5.13): minor faults on hugetlbfs (UFFDIO_REGISTER_MODE_MINOR on VM_HUGETLB, UFFDIO_CONTINUE, UFFD_FEATURE_MINOR_HUGETLBFS). */
  uffdMinorHugetlb: boolean;
  /** 6.4 ("mm: userfaultfd: add UFFDIO_CONTINUE_MODE_WP to install WP PTEs"): UFFDIO_CONTINUE can map the page uffd-wp. */
  uffdContinueWp: boolean;
  /** 90e7e7f5ef3f (5.18): MADV_DONTNEED on hugetlb mappings (huge-page-aligned start, length rounded down); -EINVAL before. */
  madvDontneedHugetlb: boolean;
  /** 8ebe0a5eaaeb (6.1): MADV_DONTNEED on hugetlb rounds the end down to a huge page; 90e7e7f5ef3f rounded it up, zapping a huge page covered only in part. */
  madvDontneedHugetlbRoundDown: boolean;
  /** 68d32527d340 (5.19): a hugetlbfs hole punch zeroes the partly covered huge pages; before, they were left alone. */
  hugetlbfsPunchZeroPartial: boolean;
  /** 5.19 (679d10331910 5c041f5d1f23 b1f9e876862d): uffd-wp on shmem/hugetlbfs through PTE markers (WP_HUGETLBFS_SHMEM). */
  uffdWpShmem: boolean;
  /** c56d1b62cce8 (5.19): fork's vma_needs_copy() also copies VMAs of a uffd-wp child; before, only VMAs with an anon_vma. */
  forkCopyUffdWp: boolean;
  /** 49d6d7fb6313 (6.2): copy_nonpresent_pte() copies a PTE marker only into a uffd-wp child (before: always, with a WARN). */
  forkMarkerOnlyUffdWp: boolean;
  /** 8f34f1eac382 (5.13): fork keeps a PTE's uffd-wp bit by the child VMA's VM_UFFD_WP (before: the parent's), also in swap PTEs and copied pages. */
  forkUffdWpDstVma: boolean;
  /** fb8e37f35a2f (5.13): /proc/PID/pagemap reports PM_UFFD_WP (bit 57). */
  pagemapUffdWp: boolean;
  /** 51d3d5eb74ff (6.2): writenotify for uffd-wp VMAs, so mprotect() no longer maps uffd-wp shmem PTEs writable. */
  uffdWpWritenotify: boolean;
  /** 6.3 ("mm/userfaultfd: rely on vma->vm_page_prot in uffd_wp_range()"): un-protecting (MM_CP_UFFD_WP_RESOLVE) may map an exclusive anon page writable at once. */
  uffdUnprotectWritable: boolean;
  /** 2bad466cc9d9 (6.4): UFFD_FEATURE_WP_UNPOPULATED: markers on none anonymous PTEs. */
  uffdWpUnpopulated: boolean;
  /** 6.7: UFFD_FEATURE_WP_ASYNC: do_wp_page() clears the uffd-wp bit itself instead of notifying. */
  uffdWpAsync: boolean;
  /** 8d1039634206 (4.14): UFFDIO_ZEROPAGE on shmem (shmem_mfill_zeropage_pte); before, -EINVAL there. */
  uffdZeropageShmem: boolean;
  /** fc71884a5f59 (6.6): UFFDIO_POISON and UFFD_FEATURE_POISON: a PTE_MARKER_POISONED marker, SIGBUS on access, copied by fork. */
  uffdPoison: boolean;
  /** adef440691ba (6.8): UFFDIO_MOVE and UFFD_FEATURE_MOVE: move exclusive anonymous pages between addresses of one mm. */
  uffdMove: boolean;
  /** 5b32510af77b (6.10): arm64 selects HAVE_ARCH_USERFAULTFD_WP; its swap PTE moved (type 6-10, offset 12-61) and keeps PTE_SWP_UFFD_WP at bit 3. */
  arm64UffdWp: boolean;
  /** 5.6 ("fs/io_uring: set FOLL_PIN via pin_user_pages()"): fixed buffers are pinned, not referenced. */
  ioUringPin: boolean;
  /** c77369b437f9 (6.1): gup_test gained PIN_LONGTERM_TEST_START/READ/STOP (for cow.c's R/O pin tests). */
  gupTestPinLongterm: boolean;
  /** do_huge_pmd_wp_page()'s reuse decision: mapcount (reuse_swap_page) until 5.17, refcount in 5.18, PG_anon_exclusive from 5.19. */
  thpWpReuse: 'reuse_swap_page' | 'refcount' | 'anon_exclusive';
  /** A THP write fault that cannot reuse: copy the whole THP (before 3917c80280c9, 5.8) or split and copy one page. */
  thpWpCopyWhole: boolean;
  /**
   * A write (or unshare) fault on the huge zeropage allocates a zeroed THP and maps it by PMD: the
   * alloc: path of do_huge_pmd_wp_page() until 3917c80280c9 (5.8), do_huge_zero_wp_pmd() from
   * 1ced09e0331f (6.13); in between the PMD is split into zeropage PTEs and the fault falls back.
   */
  hugeZeroWpThp: boolean;
  /** 8310d48b125d (4.10): follow_trans_huge_pmd() uses can_follow_write_pmd(); before, FOLL_WRITE needs pmd_write(). */
  canFollowWritePmd: boolean;
  /** touch_pmd() on a FOLL_TOUCH lookup marks the PMD dirty even without FOLL_WRITE, until a8f97366452e (4.15). */
  touchPmdDirtyAlways: boolean;
  /** PTEs of a split PMD keep its dirty bit (0ccf7f168e17, 6.1); before, only PG_dirty is set. */
  thpSplitKeepsDirty: boolean;
  /** f347454d0341 (6.2): FOLL_FORCE|FOLL_WRITE on hugetlb mappings is refused. */
  gupRefuseForceWriteHugetlb: boolean;
  /** mprotect() makes PMD mappings of exclusive THPs writable: 6.2's can_change_pmd_writable(). */
  mprotectPmdWritable: boolean;
  /** 4eae4efa2c29 "hugetlb: do early cow when page pinned on src mm" (5.12-rc3): fork copies maybe-pinned huge pages now. */
  hugetlbForkEarlyCopy: boolean;
  /** bcd51a3c679d (6.0): fork skips hugetlb VMAs vma_needs_copy() skips (no anon_vma, child not uffd-wp); before, it always copied them. */
  hugetlbForkLazy: boolean;
  /** 6.8: multi-size THP for anonymous memory (sysfs hugepages-<size>kB, PTE-mapped large folios at fault). */
  mthp: boolean;
  /** 7d6e2d963845 (6.1): MADV_COLLAPSE exists (cow.c's anon THP collapse family). */
  madvCollapse: boolean;
  /** 800d8c63b2e9 (4.8): shmem THP (shmem_enabled, tmpfs huge=), PMD-mapped by do_set_pmd(). */
  shmemThp: boolean;
  /** 3f9f022e975d (6.11): pagemap_pmd_range() sets PM_FILE for a PMD-mapped file THP; before, never. */
  pagemapPmdFile: boolean;
  /** 6cce3314b928 (6.2): break_ksm() (MADV_UNMERGEABLE, break_cow) unshares with FAULT_FLAG_UNSHARE instead of a write fault. */
  ksmBreakUnshare: boolean;
  /** d58a361b0350 (6.11): cmp_and_merge_page() tests the checksum before searching the stable tree. */
  ksmChecksumFirst: boolean;
  /** 5e924ff54d08 (6.7): KSM "smart scan", on by default, skips pages that repeatedly failed to merge. */
  ksmSmartScan: boolean;
}

/** What mainline 4.4 does; later changes override fields. */
export const BASE_POLICIES: Policies = {
  followWrite: 'pte_write',
  dropWriteAfterCow: true,
  gupForceCowBreak: false,
  unshare: 'none',
  pinAccounting: false,
  pinZeroPageNoRef: false,
  gupFastWriteProtectSeq: false,
  gupFastBarriers: false,
  wpReuse: 'reuse_swap_page',
  wpKsmReuse: false,
  ksmBreakUnshare: false,
  ksmChecksumFirst: false,
  ksmSmartScan: false,
  wpCanReuseAnonFolio: false,
  wpReuseLargeAnon: 'refcount',
  anonExclusive: false,
  swpExclusive: 'none',
  swapinReuse: 'reuse_swap_page',
  swapinWritableOnRead: false,
  vmscanSkipPinned: false,
  swapinSkipSwapcache: false,
  thpSwapArchs: [],
  thpSwapAllOrders: false,
  pageoutKeepsLargeFolios: false,
  swapinMapsLargeFolio: false,
  forkEarlyCopy: 'none',
  softDirtySkipPinned: false,
  madvPageout: false,
  pageoutSkipShared: false,
  reuseSwapStableWrites: false,
  unuseKeepsSwapBits: false,
  mprotectExclusiveWritable: 'no',
  odirectPin: false,
  ioUring: false,
  ioUringPin: false,
  gupTestPinLongterm: false,
  uffdEventFork: false,
  uffdHugetlb: false,
  hugetlbWpSkipsUffdWp: false,
  hugetlbWpShared: false,
  uffdUnregisterResetWp: false,
  hugetlbForkUffdWpDstVma: false,
  hugetlbUnshareKeepsUffdWp: false,
  uffdWp: false,
  uffdWpShmem: false,
  forkCopyUffdWp: false,
  forkMarkerOnlyUffdWp: false,
  uffdMinorShmem: false,
  uffdMinorHugetlb: false,
  uffdContinueWp: false,
  madvDontneedHugetlb: false,
  madvDontneedHugetlbRoundDown: false,
  hugetlbfsPunchZeroPartial: false,
  uffdCopyWpAlways: false,
  forkUffdWpDstVma: false,
  pagemapUffdWp: false,
  uffdWpWritenotify: false,
  uffdUnprotectWritable: false,
  uffdWpUnpopulated: false,
  uffdWpAsync: false,
  uffdZeropageShmem: false,
  uffdPoison: false,
  uffdMove: false,
  arm64UffdWp: false,
  thpWpReuse: 'reuse_swap_page',
  thpWpCopyWhole: true,
  thpSplitKeepsDirty: false,
  hugeZeroWpThp: true,
  canFollowWritePmd: false,
  touchPmdDirtyAlways: true,
  gupRefuseForceWriteHugetlb: false,
  mprotectPmdWritable: false,
  hugetlbForkEarlyCopy: false,
  hugetlbForkLazy: false,
  mthp: false,
  madvCollapse: false,
  shmemThp: false,
  pagemapPmdFile: false,
};
