// `cowlab arch`: lists the swap-PTE layouts, draws one, prints them as JSON,
// or runs the debug_vm_pgtable-style checks on them as TAP.
import { ArchSwapLayout } from '../../arch/layout.js';
import { allLayoutsJson, layoutJson, layoutSpecs, specFor } from '../../arch/index.js';
import { formatTap, realFailures, runAllChecks, runChecks } from '../../arch/checks.js';
import { describeLayout } from '../../arch/diagram.js';
import { exclusiveIn } from '../../arch/layout.js';
import { policiesForKernel, supportForKernel } from '../../arch/eras.js';
import type { SwpExclusiveSupport } from '../../arch/types.js';
import { UsageError } from '../errors.js';
import type { CommandModule } from './index.js';

interface ArchOptions {
  json?: boolean;
  check?: boolean;
  kernel?: string;
}

function listTable(support: SwpExclusiveSupport | undefined, policies: readonly string[]): string {
  const head = ['VARIANT', 'ARCH', 'PTE', 'TYPE', 'OFFSET', 'EXCL', 'SINCE', 'CONFIG'];
  const rows = layoutSpecs.map((s) => {
    const l = new ArchSwapLayout(s, support ?? 'all', policies);
    const type = l.fields.type.runs.reduce((n, r) => n + r.bits, 0);
    const off = l.maxOffset.toString(2).length;
    const excl = support === undefined || l.hasExclusive ? String(s.exclusiveBit) : '-';
    return [
      s.variant,
      s.arch,
      String(s.pteBits),
      String(type),
      `${off}${l.fields.offset.inverted ? '~' : ''}`,
      excl,
      s.exclusiveSince === '5.19' ? 'v5.19' : 'v6.3',
      s.config.join(' '),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [fmt(head), ...rows.map(fmt)];
  lines.push('');
  lines.push(`${layoutSpecs.length} layouts. OFFSET counts usable bits (~ = stored inverted); EXCL is the exclusive bit${support === undefined ? '' : ` in that kernel ('-' = none)`}.`);
  lines.push('`cowlab arch NAME` draws one; --json prints all; --check runs the checks as TAP.');
  return lines.join('\n') + '\n';
}

export const register: CommandModule = (program, setExitCode) => {
  program
    .command('arch')
    .description('swap-PTE layouts of every architecture: list, draw, --json, --check')
    .argument('[name]', 'variant or arch name (x86 = x86_64, i386 = 2-level)')
    .option('--json', 'print the layouts as a JSON array')
    .option('--check', 'run the debug_vm_pgtable-style checks and print TAP')
    .option('--kernel <version>', 'show the layout as that kernel release has it (e.g. 6.2)')
    .action((name: string | undefined, opts: ArchOptions) => {
      if (opts.json && opts.check) throw new UsageError('arch: --json and --check cannot be combined');
      const support = opts.kernel === undefined ? undefined : supportForKernel(opts.kernel);
      const policies = opts.kernel === undefined ? [] : policiesForKernel(opts.kernel);
      const spec = name === undefined ? undefined : specFor(name);

      if (opts.check) {
        const results = spec
          ? support
            ? runChecks(new ArchSwapLayout(spec, support, policies))
            : runAllChecks([spec])
          : support
            ? layoutSpecs.flatMap((s) => runChecks(new ArchSwapLayout(s, support, policies)))
            : runAllChecks(layoutSpecs);
        process.stdout.write(formatTap(results));
        if (realFailures(results).length > 0) setExitCode(1);
        return;
      }

      if (opts.json) {
        const records = spec ? [layoutJson(spec)] : allLayoutsJson();
        const out = support
          ? records.map((r) => {
              const s = specFor(r.variant);
              return { ...r, hasExclusive: exclusiveIn(s.exclusiveSince, support) };
            })
          : records;
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }

      if (spec) {
        process.stdout.write(describeLayout(spec, support ? new ArchSwapLayout(spec, support, policies) : undefined));
        return;
      }
      process.stdout.write(listTable(support, policies));
    });
};
