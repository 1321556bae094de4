// The debug_vm_pgtable-style checks: they pass on every layout and catch a
// layout whose exclusive bit overlaps a field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { layoutSpecs, specFor } from '../../src/arch/index.js';
import { ArchSwapLayout, type LayoutSpec } from '../../src/arch/layout.js';
import { parisc630Broken } from '../../src/arch/parisc.js';
import { formatTap, realFailures, runAllChecks, runChecks } from '../../src/arch/checks.js';

function failed(spec: LayoutSpec, check: string): string[] {
  const r = runChecks(new ArchSwapLayout(spec, 'all')).find((x) => x.check === check);
  assert.ok(r, `no check ${check}`);
  return r.outcome.status === 'fail' ? r.outcome.failures : [];
}

describe('checks on every layout', () => {
  for (const spec of layoutSpecs) {
    it(`${spec.variant} passes in every era`, () => {
      const bad = realFailures(runAllChecks([spec]));
      assert.deepEqual(
        bad.map((r) => `${r.label}: ${r.check}: ${r.outcome.status === 'fail' ? r.outcome.failures.join('; ') : ''}`),
        [],
      );
    });
  }
});

describe('historical layout bugs', () => {
  it('are exactly the documented ones, and they really fail', () => {
    const todo = runAllChecks(layoutSpecs).filter((r) => r.todo !== undefined);
    assert.deepEqual(
      todo.map((r) => `${r.label}: ${r.check}: ${r.outcome.status}`),
      [
        'm68k-sun3 (before 6.3): swap_layout_overlap_tests: fail',
        'm68k-sun3 (before 6.3): pte_swap_tests: fail',
        'm68k-sun3 (before 6.3): swap_migration_tests: fail',
        'nios2 (before 6.3): MAX_SWAPFILES_CHECK: fail',
        'nios2 (before 6.3): swap_migration_tests: fail',
        'sh (before 6.3): swap_layout_overlap_tests: fail',
      ],
    );
  });
});

describe('deliberately broken layouts', () => {
  const x86 = specFor('x86_64');
  it('catches an exclusive bit inside the offset (bit 9)', () => {
    const broken: LayoutSpec = { ...x86, variant: 'broken-offset', exclusiveBit: 9 };
    assert.deepEqual(failed(broken, 'swap_layout_overlap_tests'), ['offset and exclusive share bit(s) 9']);
    assert.deepEqual(failed(broken, 'pte_swap_exclusive_tests'), [
      'exclusive bit read back as {type 0, offset 0x1} from 0x07fffffffffffe00',
      'swp_entry_to_pte({type 0, offset 0x0}) reads back as exclusive',
    ]);
    assert.equal(failed(broken, 'pte_swap_tests')[0], '{type 0, offset 0x0} flags 0 -> 0x07fffffffffffe00 -> {type 0, offset 0x1}');
  });
  it('catches an exclusive bit inside the type (bit 60)', () => {
    const broken: LayoutSpec = { ...x86, variant: 'broken-type', exclusiveBit: 60 };
    assert.deepEqual(failed(broken, 'pte_swap_exclusive_tests'), [
      'swp_entry_to_pte({type 31, offset 0x3ffffffffffff}) = 0xf800000000000000 reads back as exclusive',
      'round trip {type 31, offset 0x3ffffffffffff} -> {type 29, offset 0x3ffffffffffff}',
      'exclusive round trip {type 31, offset 0x3ffffffffffff} -> {type 29, offset 0x3ffffffffffff}',
      'cleared round trip {type 31, offset 0x3ffffffffffff} -> {type 29, offset 0x3ffffffffffff}',
    ]);
    assert.deepEqual(failed(broken, 'swap_migration_tests'), [
      'migration {type 26, offset 0x3ffffffffffff} -> {type 24, offset 0x3ffffffffffff}',
      'exclusive migration {type 26, offset 0x3ffffffffffff} -> {type 24, offset 0x3ffffffffffff}',
    ]);
  });
  it('catches an exclusive bit on the present bit', () => {
    const broken: LayoutSpec = { ...x86, variant: 'broken-present', exclusiveBit: 0 };
    assert.ok(failed(broken, 'pte_swap_exclusive_tests').some((m) => m.includes('is not a swap PTE')));
    assert.ok(failed(broken, 'swap_layout_overlap_tests').some((m) => m === 'exclusive and present share bit(s) 0'));
  });
  it('catches an exclusive bit on PROT_NONE', () => {
    const i386 = specFor('i386');
    const broken: LayoutSpec = { ...i386, variant: 'broken-protnone', exclusiveBit: 8 };
    assert.ok(failed(broken, 'pte_swap_tests').some((m) => m.includes('which a swap PTE keeps clear')));
  });
  it('catches a type field too narrow for MAX_SWAPFILES_SHIFT', () => {
    const broken: LayoutSpec = { ...x86, variant: 'narrow', type: { runs: [{ shift: 60, bits: 4 }] } };
    assert.deepEqual(failed(broken, 'MAX_SWAPFILES_CHECK'), ['type holds only 16 values, fewer than 1 << MAX_SWAPFILES_SHIFT']);
  });
  it('catch parisc as v6.3.0 shipped it: _PAGE_ACCESSED (bit 8) was also offset bit 2', () => {
    const broken = parisc630Broken(32);
    assert.deepEqual(failed(broken, 'swap_layout_overlap_tests'), ['offset and exclusive share bit(s) 8']);
    assert.equal(failed(broken, 'pte_swap_tests')[0], '{type 0, offset 0x4} flags 0 -> 0x00000100 -> {type 0, offset 0x0}');
    // debug_vm_pgtable's own test misses it: the max_swap_offset probe goes
    // through pte_swp_clear_flags(), which drops offset bit 2 along with E.
    assert.deepEqual(failed(broken, 'pte_swap_exclusive_tests'), []);
    // The fixed encoding (6f9e98849eda) is what the parisc layouts use.
    assert.deepEqual(failed(specFor('parisc32'), 'swap_layout_overlap_tests'), []);
  });
  it("catch ARM's short-lived __swp_entry() typo (type & __SWP_TYPE_BITS instead of the mask)", () => {
    const broken: LayoutSpec = { ...specFor('arm'), variant: 'arm-typo', entryTypeMask: 5 };
    assert.deepEqual(failed(broken, 'swap_layout_overlap_tests'), []);
    assert.deepEqual(failed(broken, 'swap_migration_tests'), [
      'migration {type 24, offset 0xffffff} -> {type 0, offset 0xffffff}',
      'exclusive migration {type 24, offset 0xffffff} -> {type 0, offset 0xffffff}',
      'migration {type 25, offset 0xffffff} -> {type 1, offset 0xffffff}',
      'exclusive migration {type 25, offset 0xffffff} -> {type 1, offset 0xffffff}',
      'migration {type 26, offset 0xffffff} -> {type 0, offset 0xffffff}',
      'exclusive migration {type 26, offset 0xffffff} -> {type 0, offset 0xffffff}',
    ]);
    assert.ok(failed(broken, 'pte_swap_tests').length > 0);
  });
  it('reports the failure as TAP', () => {
    const broken: LayoutSpec = { ...x86, variant: 'broken', exclusiveBit: 9 };
    const tap = formatTap(runChecks(new ArchSwapLayout(broken, 'all')));
    const lines = tap.split('\n');
    assert.equal(lines[0], 'TAP version 13');
    assert.equal(lines[1], '1..7');
    assert.equal(lines[2], 'not ok 1 - broken: swap_layout_overlap_tests');
    assert.ok(lines.includes('not ok 4 - broken: pte_swap_exclusive_tests'));
    assert.ok(lines.includes('ok 5 - broken: pte_swap_soft_dirty_tests'));
  });
});

describe('TAP for the x86 layouts', () => {
  it('prints ok, SKIP for a missing bit, and a summary', () => {
    const tap = formatTap(runAllChecks([specFor('i386')]));
    assert.equal(
      tap,
      [
        'TAP version 13',
        '1..14',
        'ok 1 - i386: swap_layout_overlap_tests',
        'ok 2 - i386: MAX_SWAPFILES_CHECK',
        'ok 3 - i386: pte_swap_tests',
        'ok 4 - i386: pte_swap_exclusive_tests',
        'ok 5 - i386: pte_swap_soft_dirty_tests # SKIP no swap soft-dirty bit',
        'ok 6 - i386: pte_swap_uffd_wp_tests # SKIP no swap uffd-wp bit',
        'ok 7 - i386: swap_migration_tests',
        'ok 8 - i386 (before 6.3): swap_layout_overlap_tests',
        'ok 9 - i386 (before 6.3): MAX_SWAPFILES_CHECK',
        'ok 10 - i386 (before 6.3): pte_swap_tests',
        'ok 11 - i386 (before 6.3): pte_swap_exclusive_tests # SKIP no __HAVE_ARCH_PTE_SWP_EXCLUSIVE in this era',
        'ok 12 - i386 (before 6.3): pte_swap_soft_dirty_tests # SKIP no swap soft-dirty bit',
        'ok 13 - i386 (before 6.3): pte_swap_uffd_wp_tests # SKIP no swap uffd-wp bit',
        'ok 14 - i386 (before 6.3): swap_migration_tests',
        '# 9 passed, 0 failed, 5 skipped, 0 todo (known bugs of historical layouts)',
        '',
      ].join('\n'),
    );
  });
});
