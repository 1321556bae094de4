import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCowSuite } from '../../src/suites/cow/index.js';
import type { CowOptions } from '../../src/suites/cow/config.js';

const base: CowOptions = {
  suite: '6.2', kernel: '6.2', arch: 'x86_64', thpSizesKB: [2048], hugetlbSizesKB: [2048, 1048576],
  liburing: false, gupTest: true, swap: true, hugeZeropage: true,
};
const golden = (name: string): string[] => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8').trimEnd().split('\n');

describe('cowlab selftest cow --suite 6.2', () => {
  it('reproduces the real output of Linux 6.2.1 line for line, exit code 1', () => {
    const r = runCowSuite(base);
    assert.deepEqual(r.lines, golden('cow-v6.2-on-linux-6.2.1.tap'));
    assert.equal(r.exitCode, 1);
  });

  it('on 6.1 the twelve R/O long-term pins of non-anon memory fail (84209e87c696 is 6.2)', () => {
    const r = runCowSuite({ ...base, kernel: '6.1' });
    assert.deepEqual(r.lines, golden('cow-v6.2-suite-on-model-6.1.tap'));
    const failed = r.results.filter((t) => t.verdict === 'fail').map((t) => t.num);
    assert.deepEqual(failed, [35, 36, 47, 48, 59, 60, 71, 72, ...Array.from({ length: 12 }, (_, i) => 151 + i)]);
  });

  it('flags change what the test detects: --no-gup-test skips the pin families', () => {
    const r = runCowSuite({ ...base, gupTest: false, thpSizesKB: [], hugetlbSizesKB: [] });
    assert.ok(r.lines.includes('ok 13 # SKIP gup_test not available'));
    assert.ok(r.lines.includes('1..33'));
  });

  it('--no-swap skips the swapped-out variants', () => {
    const r = runCowSuite({ ...base, swap: false, thpSizesKB: [], hugetlbSizesKB: [] });
    assert.ok(r.lines.includes('ok 2 # SKIP MADV_PAGEOUT did not work, is swap enabled?'));
  });
});

describe('cowlab selftest cow --suite latest', () => {
  // The newest cow.c on the newest kernel: all pass but the hugetlb vmsplice XFAILs and the
  // fully shared MADV_COLLAPSE, which fails with SCAN_PAGE_RO (-EINVAL) because every PTE is R/O after fork().
  it('on 6.18 with the default configuration prints the saved TAP, exit code 0', () => {
    const r = runCowSuite({ ...base, suite: 'latest', kernel: '6.18', liburing: true, thpSizesKB: [16, 32, 64, 128, 256, 512, 1024, 2048] });
    assert.deepEqual(r.lines, golden('cow-latest-suite-on-model-6.18.tap'));
    assert.equal(r.exitCode, 0);
    assert.equal(r.lines.at(-1), '# Totals: pass:769 fail:0 xfail:8 xpass:0 skip:1 error:0');
    assert.deepEqual(r.results.filter((t) => t.verdict === 'skip').map((t) => t.run), ['Basic COW after fork() when collapsing after fork() (fully shared)']);
  });

  it('before 6.8 the newest cow.c detects only the PMD size (no hugepages-<size>kB directories)', () => {
    const r = runCowSuite({ ...base, suite: 'latest', kernel: '6.6', thpSizesKB: [16, 2048], hugetlbSizesKB: [] });
    assert.ok(!r.lines.some((l) => l.includes('(16 kB)')));
    assert.ok(r.lines.includes('# [INFO] detected THP size: 2048 KiB'));
  });
});

describe('per-era verdicts of the base-page families (suite 6.2, base pages only)', () => {
  const verdicts = (kernel: string): string[] =>
    runCowSuite({ ...base, kernel, thpSizesKB: [], hugetlbSizesKB: [], hugeZeropage: false })
      .results.map((t) => `${t.num}:${t.verdict}`);
  // 17839856fd58 (5.8): the child's GUP breaks COW, but a vmsplice before fork() still leaks (reuse is mapcount-based).
  it('5.8: only "vmsplice() before fork()" fails; R/O pin families skip (PIN_LONGTERM_TEST is 6.1, c77369b437f9)', () => {
    const v = verdicts('5.8');
    assert.deepEqual(v.slice(0, 12), ['1:pass', '2:pass', '3:pass', '4:pass', '5:pass', '6:pass', '7:pass', '8:pass', '9:fail', '10:fail', '11:pass', '12:pass']);
    assert.equal(v[12], '13:skip');
  });
  // Before 5.8 reuse_swap_page() ignores the pipe's reference: CVE-2020-29374 in both directions.
  it('5.7: every vmsplice family leaks', () => {
    const v = verdicts('5.7');
    assert.deepEqual(v.slice(4, 12), ['5:fail', '6:fail', '7:fail', '8:fail', '9:fail', '10:fail', '11:fail', '12:fail']);
  });
  // 09854ba94c6a (5.9) page_count reuse + 5.19 PG_anon_exclusive: the base-page families all pass on 6.2.
  it('6.2: every base-page family passes', () => {
    assert.ok(verdicts('6.2').every((v) => v.endsWith(':pass')));
  });
});
