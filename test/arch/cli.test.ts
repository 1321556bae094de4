// `cowlab arch` end to end: output, JSON shape, TAP and exit codes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/cowlab.mjs', import.meta.url));

function cowlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cowlab arch', () => {
  it('lists every layout', () => {
    const r = cowlab('arch');
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^VARIANT\s+ARCH\s+PTE\s+TYPE\s+OFFSET\s+EXCL\s+SINCE\s+CONFIG$/);
    assert.ok(lines.includes('x86_64            x86         64   5     50~     3     v5.19  CONFIG_X86_64'));
    assert.ok(r.out.includes('46 layouts.'));
  });
  it('draws a layout as the header comments do', () => {
    const r = cowlab('arch', 'i386', '--kernel', '6.3');
    assert.equal(r.code, 0);
    assert.ok(r.out.includes('   3 3 2 2 2 2 2 2 2 2 2 2 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0\n'));
    assert.ok(r.out.includes('   <----------------- offset ------------------> 0 E x < type -> 0\n'));
    assert.ok(r.out.includes('   E         bit 7: exclusive marker (pte_swp_exclusive), since v6.3\n'));
    const old = cowlab('arch', 'i386', '--kernel', '6.2');
    assert.ok(old.out.includes('   <----------------- offset ------------------> 0 x x < type -> 0\n'));
    assert.ok(old.out.includes('E         none: no __HAVE_ARCH_PTE_SWP_EXCLUSIVE'));
  });
  it('prints JSON records with bit numbers from bit 0', () => {
    const r = cowlab('arch', '--json');
    assert.equal(r.code, 0);
    const all = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(all.length, 46);
    const pae = all.find((x) => x.variant === 'i386-pae')!;
    assert.deepEqual(
      {
        arch: pae.arch,
        config: pae.config,
        pteBits: pae.pteBits,
        type: pae.type,
        offset: pae.offset,
        exclusiveBit: pae.exclusiveBit,
        softDirtyBit: pae.softDirtyBit,
        uffdWpBit: pae.uffdWpBit,
        mustBeClear: pae.mustBeClear,
        mustBeSet: pae.mustBeSet,
      },
      {
        arch: 'x86',
        config: ['CONFIG_X86_32', 'CONFIG_X86_PAE'],
        pteBits: 64,
        type: { shift: 59, bits: 5 },
        offset: { shift: 9, bits: 27, inverted: true, storedBits: 50 },
        exclusiveBit: 7,
        softDirtyBit: null,
        uffdWpBit: null,
        mustBeClear: [0, 1, 2, 3, 4, 5, 6, 8],
        mustBeSet: [],
      },
    );
    const hex = all.find((x) => x.variant === 'hexagon')!;
    assert.deepEqual(hex.offset, { shift: 7, bits: 22, segments: [{ shift: 7, bits: 3 }, { shift: 13, bits: 19 }] });
    for (const x of all) assert.ok(Array.isArray(x.source) && (x.source as string[]).length > 0);
  });
  it('runs the checks on every layout as TAP', () => {
    const r = cowlab('arch', '--check');
    assert.equal(r.code, 0);
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines[0], 'TAP version 13');
    // Every layout twice (with and before the exclusive bit), plus arm64's v6.10 revision.
    assert.equal(lines[1], '1..651');
    assert.ok(lines.includes('ok 1 - alpha: swap_layout_overlap_tests'));
    assert.ok(lines.some((l) => /^ok \d+ - arm64 \(v6\.10\): pte_swap_uffd_wp_tests$/.test(l)));
    assert.ok(lines.some((l) => /^not ok \d+ - nios2 \(before 6\.3\): MAX_SWAPFILES_CHECK # TODO /.test(l)));
    assert.equal(lines.filter((l) => l.startsWith('not ok') && !l.includes('# TODO')).length, 0);
    assert.equal(lines.at(-1), '# 424 passed, 0 failed, 221 skipped, 6 todo (known bugs of historical layouts)');
  });
  it('rejects bad input with exit code 2 and no stack trace', () => {
    for (const args of [['arch', 'vax'], ['arch', 'x86', '--kernel', 'six'], ['arch', '--json', '--check']]) {
      const r = cowlab(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^cowlab: /);
      assert.ok(!r.err.includes('    at '), r.err);
    }
  });
});
