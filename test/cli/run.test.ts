// `cowlab run` as a user meets it: exact output lines and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function cowlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/cowlab.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'cowlab-'));
function scenario(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

test('a passing scenario exits 0 and names each expectation', () => {
  const r = cowlab('run', 'examples/test_swp_exclusive.cow', '--kernel', '6.3', '--arch', 'i386');
  assert.equal(r.code, 0);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    'examples/test_swp_exclusive.cow: kernel 6.3, arch i386: PASS',
    '  ok   line 20: vmsplice failed',
    '  ok   line 21: MADV_PAGEOUT failed',
    '  ok   line 22: MADV_PAGEOUT did not swap the page out',
    '  ok   line 25: page was replaced during COW',
  ]);
});

test('a failing expectation exits 1 and shows what was observed', () => {
  const r = cowlab('run', 'examples/test_swp_exclusive.cow', '--kernel', '6.2', '--arch', 'i386-pae');
  assert.equal(r.code, 1);
  assert.match(r.out, /^examples\/test_swp_exclusive.cow: kernel 6.2, arch i386-pae: FAIL$/m);
  assert.match(r.out, /^ {2}FAIL line 25: page was replaced during COW \(expected \[0x00\], got \[0xff\]\)$/m);
});

test('--json prints one object per file', () => {
  const r = cowlab('run', 'examples/dirty_cow.cow', 'examples/cve_2020_29374.cow', '--kernel', '4.8', '--json');
  assert.equal(r.code, 1);
  const [a, b] = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(a.file, 'examples/dirty_cow.cow');
  assert.equal(a.kernel, '4.8');
  assert.equal(a.arch, 'x86_64');
  assert.equal(a.result, 'fail');
  const failed = a.expectations.find((e: { ok: boolean }) => !e.ok);
  assert.deepEqual(failed, {
    line: 30,
    message: 'Dirty COW: the read-only file was written',
    ok: false,
    expected: '[0x4f, 0x52, 0x49, 0x47, 0x49, 0x4e, 0x41, 0x4c]',
    actual: '[0x45, 0x56, 0x49, 0x4c, 0x45, 0x56, 0x49, 0x4c]',
  });
  assert.deepEqual(a.findings, []);
  assert.equal(b.result, 'fail');
});

test('--trace shows where exclusivity is lost on 32-bit x86 before 6.3', () => {
  const r = cowlab('run', 'examples/test_swp_exclusive.cow', '--kernel', '6.2', '--arch', 'i386', '--trace');
  assert.equal(r.code, 1);
  assert.match(r.out, /try_to_unmap_one: 0x7f0000000000: pfn 1 -> swap PTE 0x200 \(0:1, exclusive LOST: i386 has no swap-PTE exclusive bit in this era\)/);
  assert.match(r.out, /do_swap_page: pte_swp_exclusive: false/);
  assert.match(r.out, /wp_page_copy: pfn 1 replaced by a copy, pfn 2/);
  const x86 = cowlab('run', 'examples/test_swp_exclusive.cow', '--kernel', '6.2', '--trace');
  assert.match(x86.out, /do_swap_page: pte_swp_exclusive: true/);
  assert.match(x86.out, /do_wp_page: pfn 1 PageAnonExclusive: reuse/);
});

test('bad input exits 2 with file:line:column and no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [[scenario('syntax.cow', 'thread main:\n  mem = mmap(4096,\n')], /syntax\.cow:2:19: /],
    [[scenario('call.cow', 'x = frobnicate(1)\n')], /call\.cow:1:5: unknown call 'frobnicate'/],
    [[scenario('kernel.cow', 'kernel 3.2\nx = pipe()\n')], /kernel\.cow:1:8: unknown kernel version '3\.2'/],
    [[scenario('arch.cow', 'arch vax\nx = pipe()\n')], /arch\.cow:1:6: unknown architecture 'vax'/],
    [[scenario('segv.cow', 'x = pipe()\n\n  y = (0x1000)[0]\n')], /segv\.cow:3:8: SIGSEGV at 0x1000: no mapping/],
    [[scenario('args.cow', 'm = mmap(4096)\n')], /args\.cow:1:5: mmap\(\) needs 3 argument\(s\)/],
    [[scenario('name.cow', 'm = mmap(4096, PROT_READ, MAP_SHARD|MAP_ANONYMOUS)\n')], /name\.cow:1:27: unknown name 'MAP_SHARD'/],
    [['examples/dirty_cow.cow', '--kernel', '9.9'], /unknown kernel version '9\.9'/],
    [['examples/dirty_cow.cow', '--arch', 'pdp11'], /unknown architecture 'pdp11'/],
    [[join(dir, 'missing.cow')], /missing\.cow: cannot read the file/],
  ];
  for (const [args, message] of cases) {
    const r = cowlab('run', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
    assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
  }
});

test('cowlab kernels lists the eras with their commits and switches', () => {
  const r = cowlab('kernels');
  assert.equal(r.code, 0);
  assert.match(r.out, /^anon-exclusive \(5\.19 \.\. 5\.19\):$/m);
  assert.match(r.out, /^ {2}6c287605fd56 a7f226604170 1493a1913e34 "mm: PG_anon_exclusive/m);
  assert.match(r.out, /^ {4}swpExclusive: none -> enterprise$/m);
  assert.match(r.out, /^swp-excl-everywhere \(6\.3 \.\. 6\.3\):$/m);
  // A change inside an era is listed there with its version, once.
  assert.match(r.out, /^ {2}6\.13: 1ced09e0331f "mm: allocate THP on hugezeropage wp-fault/m);
  assert.match(r.out, /^ {4}hugeZeroWpThp: false -> true$/m);
  assert.equal(r.out.match(/^ {4}mthp: false -> true$/gm)?.length, 1);
});

test('cowlab --help names every command, cowlab calls every call', () => {
  const help = cowlab('--help');
  assert.equal(help.code, 0);
  for (const cmd of ['run', 'kernels', 'calls', 'arch', 'litmus']) assert.match(help.out, new RegExp(`^  ${cmd} `, 'm'));
  const calls = cowlab('calls');
  assert.equal(calls.code, 0);
  assert.match(calls.out, /^vmsplice\(pipe, addr, length\)$/m);
  assert.match(calls.out, /^constants: .*\bMADV_PAGEOUT\b/m);
  assert.equal(cowlab('frobnicate').code, 2);
});

test('--kernel all runs every mainline version and groups equal verdicts', () => {
  const r = cowlab('run', 'examples/test_swp_exclusive.cow', '--kernel', 'all', '--arch', 'i386');
  assert.equal(r.code, 1);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    'examples/test_swp_exclusive.cow: arch i386',
    '  4.4 .. 5.3     FAIL: MADV_PAGEOUT failed',
    '  5.4 .. 5.8     PASS',
    '  5.9 .. 6.2     FAIL: page was replaced during COW',
    '  6.3 .. 6.18    PASS',
  ]);
  const json = JSON.parse(cowlab('run', 'examples/dirty_cow.cow', '--kernel', 'all', '--json').out);
  assert.equal(json.length, 56); // 4.4-4.20, 5.0-5.19, 6.0-6.18
  assert.deepEqual(json.filter((x: { result: string }) => x.result === 'fail').map((x: { kernel: string }) => x.kernel), ['4.4', '4.5', '4.6', '4.7', '4.8']);
});
