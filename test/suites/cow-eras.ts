// Every family and variant of cow.c (v6.2 revision, with liburing, hugetlb 2048 kB) on the last
// kernel of every era, against verdicts worked out from the kernel history, not from the model.
import assert from 'node:assert/strict';
import { runCowSuite } from '../../src/suites/cow/index.js';
import { compareVersions } from '../../src/eras/profiles.js';

type V = 'pass' | 'fail' | 'skip';
const at = (v: string, op: '<' | '<=' | '==' | '>=', w: string): boolean => {
  const c = compareVersions(v, w);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '==' ? c === 0 : c >= 0;
};

/** The verdict the real test gives on mainline `v`, from what each commit changed. */
export function expected(test: string, v: string): V {
  const [family, variant = ''] = test.split(' ... with ');
  const swapped = variant.includes('swapped');
  const hugetlb = variant.startsWith('hugetlb');
  const pmdThp = variant === 'THP';
  // The swapped-out variants need MADV_PAGEOUT: 1a4e58cce84e (5.4).
  if (swapped && at(v, '<', '5.4')) return 'skip';
  // The other half of a partially mremap()'ed THP stays mapped in the child: mapcount 2, so even
  // mapcount-based reuse copies.
  const mremap = variant.startsWith('partially mremap');
  switch (family) {
    case 'Basic COW after fork()':
    case 'Basic COW after fork() with mprotect() optimization':
    case 'Basic COW':
      return 'pass';
    case 'vmsplice() + unmap in child':
    case 'vmsplice() + unmap in child with mprotect() optimization':
    case 'vmsplice() + unmap in parent after fork()': {
      // 17839856fd58 (5.8 only): R/O GUP in a COW mapping breaks COW for the GUP user, hugetlb included.
      if (at(v, '==', '5.8')) return 'pass';
      // hugetlb_wp() reuses on mapcount 1 in every era: the pipe's reference is invisible.
      if (hugetlb || mremap) return hugetlb ? 'fail' : 'pass';
      // Before 5.8, reuse_swap_page() counted mappings only: CVE-2020-29374.
      if (at(v, '<=', '5.7')) return 'fail';
      // 09854ba94c6a (5.9) made PTE reuse refcount-based, but do_huge_pmd_wp_page() and the write
      // fault of do_swap_page() kept reuse_swap_page() until c145e0b47c77 and its series (5.18).
      // In the parent-vmsplice family the parent's read (memcpy) swaps the page in before fork().
      const swapIn = swapped && family !== 'vmsplice() + unmap in parent after fork()';
      if (at(v, '<=', '5.17') && (pmdThp || swapIn)) return 'fail';
      return 'pass';
    }
    case 'vmsplice() before fork(), unmap in parent after fork()':
      // The GUP happens before fork(): 5.8's COW break in GUP does not help the child's write.
      if (hugetlb) return 'fail';
      if (mremap) return 'pass';
      if (at(v, '<=', '5.8')) return 'fail';
      if (at(v, '<=', '5.17') && pmdThp) return 'fail';
      return 'pass';
    case 'R/O-mapping a page registered as iouring fixed buffer':
      // io_uring exists from 5.1.
      if (at(v, '<', '5.1')) return 'skip';
      // Mapcount-based reuse (hugetlb always, everything before 5.9) ignores the pin: the write reuses.
      if (hugetlb || at(v, '<=', '5.8')) return 'pass';
      // 5.9-5.18: the pin's references make page_count reuse copy (the THP PMD path only from 5.18);
      // 6c287605fd56 (5.19): the pinned page stays PageAnonExclusive and is reused.
      if (at(v, '<=', '5.17')) return pmdThp ? 'pass' : 'fail';
      if (at(v, '==', '5.18')) return 'fail';
      return 'pass';
    case 'fork() with an iouring fixed buffer':
      if (at(v, '<', '5.1')) return 'skip';
      // 70e806e4e645 (5.9): fork() copies maybe-pinned pages; for hugetlb 4eae4efa2c29 (≈5.12, unverified).
      if (at(v, '<=', '5.8')) return 'fail';
      if (hugetlb && at(v, '<', '5.12')) return 'fail';
      return 'pass';
    case 'R/O longterm GUP pin':
    case 'R/O longterm GUP-fast pin':
      // gup_test's PIN_LONGTERM_TEST_* (c77369b437f9, 6.1); 84209e87c696 (6.2) unshares the zeropage and page cache.
      if (at(v, '<', '6.1')) return 'skip';
      return at(v, '==', '6.1') ? 'fail' : 'pass';
    default:
      // The anon R/O pin families: PIN_LONGTERM_TEST (6.1) came after a7f226604170 (5.19) made R/O pins unshare.
      if (family!.startsWith('R/O GUP')) return at(v, '<', '6.1') ? 'skip' : 'pass';
      throw new Error(`no expectation for ${test}`);
  }
}

/** Runs the suite on `v` and compares every result with its expected verdict. */
export function checkEra(v: string): void {
  const r = runCowSuite({
    suite: '6.2', kernel: v, arch: 'x86_64', thpSizesKB: [2048], hugetlbSizesKB: [2048],
    liburing: true, gupTest: true, swap: true, hugeZeropage: true,
  });
  assert.equal(r.results.length, 14 * 11 + 3 * 5);
  const got = r.results.map((t) => `${t.run}: ${t.verdict}`);
  const want = r.results.map((t) => `${t.run}: ${expected(t.run, v)}`);
  assert.deepEqual(got, want);
}
