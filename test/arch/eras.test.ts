// Which layouts have the exclusive bit in which kernel, and name resolution.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasSwpExclusive, layoutSpecs, resolveArchName, swapLayoutFor } from '../../src/arch/index.js';
import { eraTable, parseKernelVersion, policiesForKernel, supportForKernel } from '../../src/arch/eras.js';
import { UsageError } from '../../src/cli/errors.js';

describe('kernel versions', () => {
  it('map to the era policy', () => {
    assert.equal(supportForKernel('5.18'), 'none');
    assert.equal(supportForKernel('v5.19'), 'enterprise');
    assert.equal(supportForKernel('6.2'), 'enterprise');
    assert.equal(supportForKernel('6.3'), 'all');
    assert.equal(supportForKernel('6.3-rc1'), 'all');
    assert.equal(supportForKernel('6.12.7'), 'all');
    assert.equal(supportForKernel('4.19'), 'none');
  });
  it('reject nonsense', () => {
    assert.throws(() => parseKernelVersion('six'), UsageError);
    assert.throws(() => parseKernelVersion('6'), UsageError);
  });
});

describe('arm64 v6.10 (5b32510af77b)', () => {
  const f = { type: 1, offset: 1n, exclusive: true, softDirty: false, uffdWp: true };
  it('moves type to bit 6 and offset to bit 12 and keeps uffd-wp at bit 3', () => {
    const l = swapLayoutFor('arm64', 'all', policiesForKernel('6.10'));
    // type 1 << 6 | offset 1 << 12 | exclusive bit 2 | uffd-wp bit 3
    assert.equal(l.encode(f), 0x104cn);
    assert.deepEqual(l.decode(0x104cn), f);
  });
  it('has no uffd-wp bit up to 6.9', () => {
    const l = swapLayoutFor('arm64', 'all', policiesForKernel('6.9'));
    // type 1 << 3 | offset 1 << 8 | exclusive bit 2; the uffd-wp bit is dropped
    assert.equal(l.encode(f), 0x10cn);
    assert.equal(l.decode(l.encode(f)).uffdWp, false);
  });
});

describe('eras', () => {
  it('give the bit to x86_64, arm64, s390 and ppc64 book3s from 5.19, to everything else from 6.3', () => {
    const early = layoutSpecs.filter((s) => s.exclusiveSince === '5.19').map((s) => s.variant);
    assert.deepEqual(early, ['arm64', 'ppc64-book3s-4k', 'ppc64-book3s-64k', 's390', 'x86_64']);
    for (const s of layoutSpecs) {
      assert.equal(hasSwpExclusive(s.variant, 'none'), false, s.variant);
      assert.equal(hasSwpExclusive(s.variant, 'enterprise'), early.includes(s.variant), s.variant);
      assert.equal(hasSwpExclusive(s.variant, 'all'), true, s.variant);
    }
  });
  it('really drop the marker where the era has no bit', () => {
    for (const s of layoutSpecs) {
      const l = swapLayoutFor(s.variant, 'none');
      const f = { type: 1, offset: 1n, exclusive: true, softDirty: false, uffdWp: false };
      assert.equal(l.decode(l.encode(f)).exclusive, false, s.variant);
      assert.equal(l.encode(f), l.encode({ ...f, exclusive: false }), s.variant);
    }
  });
  it('use the pre-series layout where the series moved fields', () => {
    // arm: offset moved from bit 7 to bit 8 in 6.3.
    assert.equal(swapLayoutFor('arm', 'enterprise').encode({ type: 0, offset: 1n, exclusive: false, softDirty: false, uffdWp: false }), 0x80n);
    assert.equal(swapLayoutFor('arm', 'all').encode({ type: 0, offset: 1n, exclusive: false, softDirty: false, uffdWp: false }), 0x100n);
    // arm64: the type had 6 bits from bit 2 before 5.19.
    assert.equal(swapLayoutFor('arm64', 'none').encode({ type: 1, offset: 0n, exclusive: false, softDirty: false, uffdWp: false }), 0x4n);
    assert.equal(swapLayoutFor('arm64', 'enterprise').encode({ type: 1, offset: 0n, exclusive: false, softDirty: false, uffdWp: false }), 0x8n);
    // riscv: type and offset moved up by one in 6.3.
    assert.equal(swapLayoutFor('riscv64', 'enterprise').maxOffset, (1n << 53n) - 1n);
    assert.equal(swapLayoutFor('riscv64', 'all').maxOffset, (1n << 52n) - 1n);
    // ppc64 book3s: soft-dirty lived in 0x20 until 5.19 gave that bit to the marker.
    const sd = { type: 0, offset: 1n, exclusive: false, softDirty: true, uffdWp: false };
    assert.equal(swapLayoutFor('ppc64', 'none').encode(sd) & 0x220n, 0x20n);
    assert.equal(swapLayoutFor('ppc64', 'enterprise').encode(sd) & 0x220n, 0x200n);
  });
  it('table one row per architecture directory', () => {
    const rows = eraTable(layoutSpecs);
    assert.deepEqual(
      rows.map((r) => r.arch),
      ['alpha', 'arc', 'arm', 'arm64', 'csky', 'hexagon', 'ia64', 'loongarch', 'm68k', 'microblaze', 'mips', 'nios2', 'openrisc', 'parisc', 'powerpc', 'riscv', 's390', 'sh', 'sparc', 'um', 'x86', 'xtensa'],
    );
    assert.equal(rows.find((r) => r.arch === 'x86')?.since, 'v5.19');
  });
});

describe('names', () => {
  it('resolve every architecture directory name to a variant', () => {
    const expected: Record<string, string> = {
      alpha: 'alpha', arc: 'arc', arm: 'arm', arm64: 'arm64', csky: 'csky-abiv2', hexagon: 'hexagon', ia64: 'ia64',
      loongarch: 'loongarch64', m68k: 'm68k-motorola', microblaze: 'microblaze', mips: 'mips32', nios2: 'nios2',
      openrisc: 'openrisc', parisc: 'parisc64', powerpc: 'ppc64-book3s-64k', riscv: 'riscv64', s390: 's390',
      sh: 'sh', sparc: 'sparc64', um: 'um64', x86: 'x86_64', xtensa: 'xtensa', i386: 'i386',
    };
    for (const [name, variant] of Object.entries(expected)) assert.equal(resolveArchName(name), variant, name);
  });
  it('resolve every variant to itself', () => {
    for (const s of layoutSpecs) assert.equal(resolveArchName(s.variant.toUpperCase()), s.variant);
  });
});
