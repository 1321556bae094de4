// Mainline changes that moved a policy, oldest first. A kernel profile is
// BASE_POLICIES with every change up to its version applied, so the diff
// between two eras is the list of changes between them.
import type { Policies } from './policies.js';

export interface Change {
  /** First mainline release containing it. */
  version: string;
  /** Abbreviated commit id(s). */
  commit: string;
  title: string;
  /** Milestone name for the era this change opens (eras are named after their first change). */
  era?: string;
  set: Partial<Policies>;
}

export const HISTORY: Change[] = [
  {
    version: '4.9',
    commit: '19be0eaffa3a',
    title: 'mm: remove gup_flags FOLL_WRITE games from __get_user_pages() (Dirty COW fix, FOLL_COW)',
    era: 'foll-cow',
    set: { dropWriteAfterCow: false, followWrite: 'force_cow_dirty' },
  },
  {
    version: '4.10',
    commit: 'f05714293a59',
    title: 'mm: support anonymous stable page (reuse_swap_page() and SWP_STABLE_WRITES)',
    era: 'stable-swap',
    set: { reuseSwapStableWrites: true },
  },
  {
    version: '4.11',
    commit: '893e26e61d04',
    title: 'userfaultfd: non-cooperative: Add fork() event (UFFD_FEATURE_EVENT_FORK)',
    set: { uffdEventFork: true },
  },
  {
    version: '4.11',
    commit: '8fb5debc5fcd',
    title: 'userfaultfd: hugetlbfs: add hugetlb_mcopy_atomic_pte for userfaultfd support (with UFFDIO_REGISTER on hugetlbfs, UFFD_FEATURE_MISSING_HUGETLBFS)',
    set: { uffdHugetlb: true },
  },
  {
    version: '4.14',
    commit: 'bd4c82c22c36 38d8b4e6bdc8',
    title: 'mm, THP, swap: delay splitting THP after swapped out (4.13 added the THP whole to the swap cache but split it at once): x86_64 selects ARCH_WANTS_THP_SWAP',
    set: { thpSwapArchs: ['x86_64'] },
  },
  {
    version: '4.14',
    commit: '8d1039634206',
    title: 'userfaultfd: shmem: add shmem_mfill_zeropage_pte for userfaultfd support (UFFDIO_ZEROPAGE on shmem)',
    set: { uffdZeropageShmem: true },
  },
  {
    version: '4.15',
    commit: '0bcac06f27d7',
    title: 'mm, swap: skip swapcache for swapin of synchronous device (zram, brd, pmem)',
    set: { swapinSkipSwapcache: true },
  },
  {
    version: '5.1',
    commit: '52d1e606ee73',
    title: 'mm: reuse only-pte-mapped KSM page in do_wp_page()',
    era: 'ksm-reuse',
    set: { wpKsmReuse: true },
  },
  {
    version: '5.1',
    commit: '',
    title: 'io_uring, with fixed buffers registered through long-term GUP (IORING_REGISTER_BUFFERS)',
    set: { ioUring: true },
  },
  {
    version: '5.4',
    commit: '1a4e58cce84e',
    title: 'mm: introduce MADV_PAGEOUT',
    era: 'madv-pageout',
    set: { madvPageout: true },
  },
  {
    version: '5.6',
    commit: '12e967fd8e4e',
    title: 'mm: do not allow MADV_PAGEOUT for CoW pages',
    era: 'pageout-no-cow',
    set: { pageoutSkipShared: true },
  },
  {
    version: '5.6',
    commit: '',
    title: 'fs/io_uring: set FOLL_PIN via pin_user_pages()',
    set: { ioUringPin: true },
  },
  {
    version: '5.7',
    commit: '3faa52c03f44',
    title: 'mm/gup: track FOLL_PIN pages (GUP_PIN_COUNTING_BIAS)',
    era: 'pin-accounting',
    set: { pinAccounting: true },
  },
  {
    version: '5.7',
    commit: '63b2d4174c4a 292924b26024',
    title: 'userfaultfd: wp: write protection for anonymous memory (UFFDIO_WRITEPROTECT, _PAGE_UFFD_WP, pte_swp_uffd_wp)',
    set: { uffdWp: true },
  },
  {
    version: '5.8',
    commit: '17839856fd58',
    title: "gup: document and work around 'COW can break either way' issue; thp: change CoW semantics for anon-THP (3917c80280c9)",
    era: 'gup-breaks-cow',
    set: { gupForceCowBreak: true, followWrite: 'cow_dirty', thpWpCopyWhole: false },
  },
  {
    version: '5.9',
    commit: '09854ba94c6a 1a0cf26323c8 a308c71bf1e6 70e806e4e645',
    title: 'mm: do_wp_page() simplification (page_count); revert the enforced COW; early COW of pinned pages at fork',
    era: 'page-count',
    set: {
      wpReuse: 'page_count',
      wpKsmReuse: false,
      gupForceCowBreak: false,
      followWrite: 'force_cow_dirty',
      forkEarlyCopy: 'maybe_pinned',
    },
  },
  {
    version: '5.11',
    commit: '57efa1fe5957 feb889fb40fa 9348b73c2e1b',
    title: "gup_fast vs fork write_protect_seq; don't put pinned pages into the swap cache; clear_refs skips pinned pages",
    era: 'page-count-pinfix',
    set: { gupFastWriteProtectSeq: true, vmscanSkipPinned: true, softDirtySkipPinned: true },
  },
  {
    version: '5.12',
    commit: '4eae4efa2c29',
    title: 'hugetlb: do early cow when page pinned on src mm (merged for 5.12-rc3)',
    set: { hugetlbForkEarlyCopy: true },
  },
  {
    version: '5.14',
    commit: '8f34f1eac382 fb8e37f35a2f',
    title: 'mm/userfaultfd: fix uffd-wp special cases for fork() (between 5.13 and 5.14-rc1; 5.10.53); mm/pagemap: export uffd-wp protection information',
    set: { forkUffdWpDstVma: true, pagemapUffdWp: true },
  },
  {
    version: '5.14',
    commit: 'c949b097ef2e',
    title: 'userfaultfd/shmem: support minor fault registration for shmem (UFFDIO_CONTINUE)',
    set: { uffdMinorShmem: true },
  },
  {
    version: '5.18',
    commit: '53a05ad9f21d d4c470970d45 c145e0b47c77',
    title: 'mm: COW fixes part 1: refcount-based reuse everywhere (swap-in, THP), LRU drain',
    era: 'cow-part1',
    set: { wpReuse: 'page_count_drain', swapinReuse: 'page_count', thpWpReuse: 'refcount' },
  },
  {
    version: '5.18',
    commit: '0e88904cb700',
    title: 'userfaultfd: mark uffd_wp regardless of VM_WRITE flag',
    set: { uffdCopyWpAlways: true },
  },
  {
    version: '5.19',
    commit: '6c287605fd56 a7f226604170 1493a1913e34',
    title: 'mm: PG_anon_exclusive, FAULT_FLAG_UNSHARE for R/O pins, exclusive bit in swap PTEs (x86_64, arm64, s390, ppc64)',
    era: 'anon-exclusive',
    set: {
      anonExclusive: true,
      wpReuse: 'anon_exclusive',
      swapinReuse: 'exclusive',
      unshare: 'anon',
      swpExclusive: 'enterprise',
      forkEarlyCopy: 'anon_exclusive_pinned',
      thpWpReuse: 'anon_exclusive',
      unuseKeepsSwapBits: true,
    },
  },
  {
    version: '5.19',
    commit: '679d10331910 5c041f5d1f23 c56d1b62cce8 b1f9e876862d 166f3ecc0daf bc70fbf269fd',
    title: 'userfaultfd-wp for shmem and hugetlbfs: PTE markers; fork copies page tables for a uffd-wp child (vma_needs_copy)',
    set: { uffdWpShmem: true, forkCopyUffdWp: true },
  },
  {
    version: '6.0',
    commit: 'd0637c505f8a',
    title: 'arm64: enable THP_SWAP for arm64 (4 KiB pages)',
    set: { thpSwapArchs: ['x86_64', 'arm64'] },
  },
  {
    version: '6.0',
    commit: '1d8d14641fd9',
    title: 'mm/hugetlb: support write-faults in shared mappings',
    set: { hugetlbWpShared: true },
  },
  {
    version: '6.0',
    commit: '',
    title: 'mm/uffd: reset write protection when unregister with wp-mode',
    set: { uffdUnregisterResetWp: true },
  },
  {
    version: '6.0',
    commit: '5535be309971 64fe24a3e05e',
    title: 'mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW; mprotect maps exclusive pages writable',
    era: 'no-foll-cow',
    set: { followWrite: 'anon_exclusive', mprotectExclusiveWritable: 'dirty' },
  },
  {
    version: '6.1',
    commit: '',
    title: 'riscv: select ARCH_WANTS_THP_SWAP (RV64, with transparent huge pages)',
    set: { thpSwapArchs: ['x86_64', 'arm64', 'riscv64'] },
  },
  {
    version: '6.1',
    commit: '088b8aa537c2 c77369b437f9 7d6e2d963845',
    title: 'mm: fix PageAnonExclusive clearing racing with concurrent RCU GUP-fast; gup_test PIN_LONGTERM_TEST_*; MADV_COLLAPSE; mm/thp: carry over dirty bit when thp splits on pmd (0ccf7f168e17)',
    era: 'gupfast-barriers',
    set: { gupFastBarriers: true, gupTestPinLongterm: true, madvCollapse: true, thpSplitKeepsDirty: true },
  },
  {
    version: '6.2',
    commit: '8d6a0ac09a16 84209e87c696',
    title: 'mm/gup: reliable R/O long-term pinning in COW mappings; mm/mprotect: allow clean exclusive anon pages to be writable; mm/gup: disallow FOLL_FORCE|FOLL_WRITE on hugetlb mappings (f347454d0341); mm/huge_memory: try avoiding write faults when changing PMD protection',
    era: 'ro-longterm',
    set: { unshare: 'anon+longterm', mprotectExclusiveWritable: 'any', gupRefuseForceWriteHugetlb: true, mprotectPmdWritable: true },
  },
  {
    version: '6.2',
    commit: '6cce3314b928',
    title: 'mm/ksm: fix KSM COW breaking with userfaultfd-wp via FAULT_FLAG_UNSHARE',
    set: { ksmBreakUnshare: true },
  },
  {
    version: '6.2',
    commit: '49d6d7fb6313',
    title: 'mm/uffd: fix pte marker when fork() without fork event',
    set: { forkMarkerOnlyUffdWp: true },
  },
  {
    version: '6.2',
    commit: '51d3d5eb74ff',
    title: 'mm/userfaultfd: enable writenotify while userfaultfd-wp is enabled for a VMA',
    set: { uffdWpWritenotify: true },
  },
  {
    version: '6.3',
    commit: '950fe885a897',
    title: 'mm: support __HAVE_ARCH_PTE_SWP_EXCLUSIVE on all architectures with swap PTEs',
    era: 'swp-excl-everywhere',
    set: { swpExclusive: 'all' },
  },
  {
    version: '6.3',
    commit: '',
    title: 'mm/userfaultfd: rely on vma->vm_page_prot in uffd_wp_range() (un-protect tries MM_CP_TRY_CHANGE_WRITABLE)',
    set: { uffdUnprotectWritable: true },
  },
  {
    version: '6.3',
    commit: '',
    title: 'mm/hugetlb: fix uffd wr-protection for CoW optimization path',
    set: { hugetlbWpSkipsUffdWp: true },
  },
  {
    version: '6.4',
    commit: 'a7e689dd1c06',
    title: 'block: Convert bio_iov_iter_get_pages to use iov_iter_extract_pages (O_DIRECT pins)',
    era: 'odirect-pin',
    set: { odirectPin: true },
  },
  {
    version: '6.4',
    commit: '2bad466cc9d9',
    title: 'mm/uffd: UFFD_FEATURE_WP_UNPOPULATED',
    set: { uffdWpUnpopulated: true },
  },
  {
    version: '6.4',
    commit: '5a2f8d22ace4 0f230bc24b6e',
    title: 'mm/hugetlb: fix uffd-wp during fork(); mm/hugetlb: fix uffd-wp bit lost when unsharing happens',
    set: { hugetlbForkUffdWpDstVma: true, hugetlbUnshareKeepsUffdWp: true },
  },
  {
    version: '6.5',
    commit: 'c8070b787519',
    title: "mm: Don't pin ZERO_PAGE in pin_user_pages()",
    era: 'zeropage-no-ref',
    set: { pinZeroPageNoRef: true },
  },
  {
    version: '6.6',
    commit: 'fc71884a5f59',
    title: 'mm: userfaultfd: add new UFFDIO_POISON ioctl (PTE_MARKER_POISONED; copy_pte_marker() always copies it)',
    set: { uffdPoison: true },
  },
  {
    version: '6.7',
    commit: '',
    title: 'memory: move exclusivity detection in do_wp_page() into wp_can_reuse_anon_folio()',
    era: 'wp-can-reuse',
    set: { wpCanReuseAnonFolio: true },
  },
  {
    version: '6.7',
    commit: '',
    title: 'userfaultfd: UFFD_FEATURE_WP_ASYNC (with the PAGEMAP_SCAN ioctl)',
    set: { uffdWpAsync: true },
  },
  {
    version: '6.7',
    commit: '5e924ff54d08',
    title: 'mm/ksm: add "smart" page scanning mode',
    set: { ksmSmartScan: true },
  },
  {
    version: '6.8',
    commit: 'adef440691ba',
    title: 'userfaultfd: UFFDIO_MOVE uABI (move_pages(): exclusive anonymous pages, swap entries and the zeropage)',
    set: { uffdMove: true },
  },
  {
    version: '6.8',
    commit: '19eaf44954df',
    title: 'mm: thp: support allocation of anonymous multi-size THP',
    set: { mthp: true },
  },
  {
    version: '6.10',
    commit: '845982eb264b 3931b871c493 5ed890ce5147',
    title: 'mm: swap: allow storage of all mTHP orders; madvise: avoid split during MADV_PAGEOUT and MADV_COLD; mm: vmscan: avoid split during shrink_folio_list()',
    set: { thpSwapAllOrders: true, pageoutKeepsLargeFolios: true },
  },
  {
    version: '6.10',
    commit: 'f0f5863a0fb0 55564814a838 5b32510af77b',
    title: 'arm64/mm: Remove PTE_PROT_NONE bit; Move PTE_PRESENT_INVALID to overlay PTE_NG; Add uffd write-protect support (swap type 6-10, offset 12-61, PTE_SWP_UFFD_WP bit 3)',
    set: { arm64UffdWp: true },
  },
  {
    version: '6.11',
    commit: '508758960b8d 4c3f96643687',
    title: 'mm: swap: entirely map large folios found in swapcache; make should_try_to_free_swap() support large-folio',
    set: { swapinMapsLargeFolio: true },
  },
  {
    version: '6.11',
    commit: 'd58a361b0350',
    title: "mm/ksm: don't waste time searching stable tree for fast changing page",
    set: { ksmChecksumFirst: true },
  },
  {
    version: '6.11',
    commit: 'c18160dba5ff 20dfa5b7adc5',
    title: 'mm: swap: reuse exclusive folio directly instead of wp page faults; set pte writable while pte_soft_dirty() is true in do_swap_page()',
    era: 'swapin-writable',
    set: { swapinWritableOnRead: true },
  },
];
