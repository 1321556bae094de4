// `cowlab selftest cow`: the kernel's COW selftest on the model, as TAP, as a
// grid over all eras (--kernel all --summary), or as JSON.
import type { CommandModule } from './index.js';
import { UsageError } from '../errors.js';
import { eras, normalizeVersion } from '../../eras/profiles.js';
import { resolveArchName } from '../../arch/index.js';
import { runCowSuite } from '../../suites/cow/index.js';
import { type CowOptions, type SuiteRevision, defaultHugetlbSizes, defaultThpSizes } from '../../suites/cow/config.js';
import { summaryGrid } from '../../suites/cow/summary.js';

interface Flags {
  kernel: string;
  arch: string;
  suite: string;
  thpSizes?: string;
  hugetlbSizes?: string;
  liburing: boolean;
  gupTest: boolean;
  swap: boolean;
  hugeZeropage: boolean;
  json?: boolean;
  summary?: boolean;
  trace?: string;
}

function sizes(list: string | undefined, dflt: number[], what: string): number[] {
  if (list === undefined) return dflt;
  if (list.trim() === '') return [];
  return list.split(',').map((x) => {
    const n = Number(x.trim().replace(/k(i)?b?$/i, ''));
    if (!Number.isInteger(n) || n <= 0 || (n & (n - 1)) !== 0) throw new UsageError(`--${what}: '${x}' is not a power-of-two size in KiB`);
    return n;
  });
}

export function cowOptions(f: Flags, kernel: string): CowOptions {
  if (f.suite !== '6.2' && f.suite !== 'latest') throw new UsageError(`--suite must be 6.2 or latest, not '${f.suite}'`);
  const suite = f.suite as SuiteRevision;
  const arch = resolveArchName(f.arch);
  return {
    suite,
    kernel,
    arch,
    thpSizesKB: sizes(f.thpSizes, defaultThpSizes(suite, arch), 'thp-sizes'),
    hugetlbSizesKB: sizes(f.hugetlbSizes, defaultHugetlbSizes(arch), 'hugetlb-sizes'),
    liburing: f.liburing,
    gupTest: f.gupTest,
    swap: f.swap,
    hugeZeropage: f.hugeZeropage,
  };
}

export const register: CommandModule = (program, setExitCode) => {
  const selftest = program.command('selftest').description("run a port of a kernel selftest on the model");
  selftest
    .command('cow')
    .description("tools/testing/selftests/mm/cow.c: the TAP output the real test prints for this configuration")
    .option('-k, --kernel <version>', 'mainline version X.Y, latest, or all', 'latest')
    .option('-a, --arch <name>', 'architecture', 'x86_64')
    .option('--suite <rev>', "cow.c revision: 6.2 (vm/cow.c as in v6.2) or latest", 'latest')
    .option('--thp-sizes <list>', 'THP sizes in KiB the test detects (default: the PMD size, 2048 on x86_64, 4096 on i386; latest adds the mTHP sizes)')
    .option('--hugetlb-sizes <list>', 'hugetlb sizes in KiB (default 2048,1048576 on x86_64, the PMD size on 32-bit x86)')
    .option('--no-liburing', 'built without liburing (no io_uring families)')
    .option('--no-gup-test', 'no /sys/kernel/debug/gup_test')
    .option('--no-swap', 'no swap device')
    .option('--no-huge-zeropage', 'transparent_hugepage/use_zero_page = 0')
    .option('--summary', 'with --kernel all: a grid of family x variant by era')
    .option('--json', 'results as JSON')
    .option('--trace <n>', 'print the kernel functions each step of test number n ran, to stderr')
    .action((f: Flags) => {
      const out = (s: string): void => {
        process.stdout.write(s + '\n');
      };
      if (f.kernel === 'all') {
        const versions = eras().map((e) => e.last);
        const grid = summaryGrid(versions.map((v) => ({ version: v, run: runCowSuite(cowOptions(f, v)) })));
        if (f.json) out(JSON.stringify({ suite: f.suite, versions: grid.versions, eras: eras().map((e) => e.name), rows: grid.rows }, null, 1));
        else for (const l of grid.text) out(l);
        setExitCode(0);
        return;
      }
      const kernel = normalizeVersion(f.kernel);
      const opts = cowOptions(f, kernel);
      if (f.trace !== undefined) {
        const n = Number(f.trace);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--trace takes a test number, not '${f.trace}'`);
        opts.traceTest = n;
        opts.trace = (line) => process.stderr.write(line + '\n');
      }
      const r = runCowSuite(opts);
      if (f.json) out(JSON.stringify({ kernel, suite: f.suite, exitCode: r.exitCode, results: r.results }, null, 1));
      else for (const l of r.lines) out(l);
      setExitCode(r.exitCode);
    });
};
