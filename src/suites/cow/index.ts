// `cowlab selftest cow`: cow.c's main() on the model. Each test runs on a
// freshly booted machine, in the kernel's order, printing the same TAP.
import { Machine } from '../../syscalls/machine.js';
import { profileFor } from '../../eras/profiles.js';
import { Ksft, type TestResult } from './ksft.js';
import { Proc } from './program.js';
import { type CowOptions, machineConfig, pmdSizeKB } from './config.js';
import {
  ANON_FAMILIES, ANON_THP_FAMILIES, NON_ANON_FAMILIES, type AnonTest, type Ctx, type NonAnonTest, type ThpRun,
  run_with_base_page, run_with_file, run_with_huge_zeropage, run_with_hugetlb, run_with_memfd_hugetlb, run_with_thp,
  run_with_zeropage,
} from './cases.js';

export interface SuiteRun {
  lines: string[];
  exitCode: number;
  results: TestResult[];
}

/** One test on a fresh machine; a model bug is reported, never turned into a pass. */
function fresh(c: Ctx, o: CowOptions, body: (p: Proc) => void, setup?: (p: Proc) => void): void {
  const m = new Machine(machineConfig(o));
  m.checkOpsAtEnd = true;
  if (o.traceTest === c.ks.test_num() + 1 && o.trace) {
    const out = o.trace;
    out(`test ${o.traceTest}, kernel ${o.kernel}:`);
    m.listener = (e) => {
      if (!e.log.length) return;
      out(`  step ${e.step} (${e.label}, pid ${e.after.tasks[e.tid]?.pid ?? '?'})`);
      for (const l of e.log) out(`    ${l}`);
    };
  }
  const p = new Proc(m, 1);
  setup?.(p);
  try {
    body(p);
  } catch (e) {
    c.ks.lines.push(`# cowlab: model error: ${(e as Error).message}`);
    c.ks.test_result_fail('model error');
  }
}

const THP_VARIANTS: [ThpRun, string][] = [
  ['pmd', 'THP'], ['pmd_swapout', 'swapped-out THP'], ['pte', 'PTE-mapped THP'], ['pte_swapout', 'swapped-out, PTE-mapped THP'],
  ['single_pte', 'single PTE of THP'], ['single_pte_swapout', 'single PTE of swapped-out THP'],
  ['partial_mremap', "partially mremap()'ed THP"], ['partial_shared', 'partially shared THP'],
];

export function runCowSuite(o: CowOptions): SuiteRun {
  const ks = new Ksft();
  const pol = profileFor(o.kernel).policies;
  const latest = o.suite === 'latest';
  const pmdKB = pmdSizeKB(o.arch);
  const pmdsize = o.thpSizesKB.includes(pmdKB) ? pmdKB * 1024 : 0;
  // What the sysfs files show: mTHP sizes only exist from 6.8 (hugepages-<size>kB directories).
  const thpsizes = latest ? o.thpSizesKB.filter((kb) => kb === pmdKB || (pol.mthp && kb < pmdKB)).sort((a, b) => a - b).map((kb) => kb * 1024) : pmdsize ? [pmdsize] : [];
  const hugetlbsizes = o.hugetlbSizesKB.map((kb) => kb * 1024);
  const c: Ctx = { ks, o, gup: o.gupTest, pmdsize };
  const families = ANON_FAMILIES.filter((f) => !f.liburing || o.liburing);

  if (latest) {
    ks.print_header();
    if (pmdsize) ks.print_msg(`[INFO] detected PMD size: ${pmdsize / 1024} KiB`);
    if (pmdsize) for (const s of thpsizes) ks.print_msg(`[INFO] detected THP size: ${s / 1024} KiB`);
    for (const s of hugetlbsizes) ks.print_msg(`[INFO] detected hugetlb page size: ${s / 1024} KiB`);
  } else {
    if (pmdsize) ks.print_msg(`[INFO] detected THP size: ${pmdsize / 1024} KiB`);
    for (const s of hugetlbsizes) ks.print_msg(`[INFO] detected hugetlb size: ${s / 1024} KiB`);
  }
  // The newest cow.c asks vm_util's detect_huge_zeropage(), which prints nothing.
  if (o.hugeZeropage && !latest) ks.print_msg('[INFO] huge zeropage is enabled');
  if (!latest) ks.print_header();
  const start = (name: string): void => (latest ? ks.log_test_start(name) : ks.print_msg(`[RUN] ${name}`));

  const perAnon = 2 + hugetlbsizes.length + (latest ? 6 * thpsizes.length + (pmdsize ? 2 : 0) : pmdsize ? 8 : 0);
  const perNonAnon = 3 + hugetlbsizes.length + (pmdsize ? 1 : 0);
  const thpFamilies = latest && pmdsize ? ANON_THP_FAMILIES.length : 0;
  ks.set_plan(families.length * perAnon + thpFamilies + NON_ANON_FAMILIES.length * perNonAnon);

  ks.print_msg('[INFO] Anonymous memory tests in private mappings');
  for (const fam of families) {
    const fn: AnonTest = fam.fn;
    start(`${fam.desc} ... with base page`);
    fresh(c, o, (p) => run_with_base_page(c, p, fn, false));
    start(`${fam.desc} ... with swapped out base page`);
    fresh(c, o, (p) => run_with_base_page(c, p, fn, true));
    for (const size of thpsizes) {
      const kb = size / 1024;
      // The newer cow.c enables only the size under test (thp_push_settings).
      const only = (p: Proc): void => {
        if (!latest) return;
        p.num('thp_enabled', pmdKB, 0);
        p.num('thp_enabled', kb, 1);
      };
      for (const [run, name] of THP_VARIANTS) {
        if (latest && (run === 'pmd' || run === 'pmd_swapout') && size !== pmdsize) continue;
        start(`${fam.desc} ... with ${name}${latest ? ` (${kb} kB)` : ''}`);
        fresh(c, o, (p) => run_with_thp(c, p, fn, run, size), only);
      }
    }
    for (const size of hugetlbsizes) {
      start(`${fam.desc} ... with hugetlb (${size / 1024} kB)`);
      fresh(c, o, (p) => run_with_hugetlb(c, p, fn, size));
    }
  }
  if (thpFamilies) {
    ks.print_msg('[INFO] Anonymous THP tests');
    for (const fam of ANON_THP_FAMILIES) {
      start(fam.desc);
      fresh(c, o, (p) => run_with_thp(c, p, fam.fn, 'pmd', pmdsize));
    }
  }
  ks.print_msg('[RUN] Non-anonymous memory tests in private mappings');
  for (const fam of NON_ANON_FAMILIES) {
    const fn: NonAnonTest = fam.fn;
    start(`${fam.desc} ... with shared zeropage`);
    fresh(c, o, (p) => run_with_zeropage(c, p, fn));
    start(`${fam.desc} ... with memfd`);
    fresh(c, o, (p) => run_with_file(c, p, fn, 'memfd'));
    start(`${fam.desc} ... with tmpfile`);
    fresh(c, o, (p) => run_with_file(c, p, fn, 'tmpfile'));
    if (pmdsize) {
      start(`${fam.desc} ... with huge zeropage`);
      fresh(c, o, (p) => run_with_huge_zeropage(c, p, fn));
    }
    for (const size of hugetlbsizes) {
      start(`${fam.desc} ... with memfd hugetlb (${size / 1024} kB)`);
      fresh(c, o, (p) => run_with_memfd_hugetlb(c, p, fn, size));
    }
  }
  if (latest) {
    // ksft_finished(): pass only if every planned test passed, was skipped or failed as expected.
    if (ks.plan === ks.cnt.pass + ks.cnt.xfail + ks.cnt.skip) ks.exit_pass();
    else ks.exit_fail();
  } else {
    const err = ks.get_fail_cnt();
    if (err) ks.exit_fail_msg(`${err} out of ${ks.test_num()} tests failed`);
    else ks.exit_pass();
  }
  return { lines: ks.lines, exitCode: ks.exitCode ?? 1, results: ks.results };
}
