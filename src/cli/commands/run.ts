// `cowlab run FILE...`: run scenarios, report expectations and findings.
import { readFileSync } from 'node:fs';
import type { CommandModule } from './index.js';
import { UsageError } from '../errors.js';
import { parseScenario } from '../../scenario/parse.js';
import { runScenario, type RunResult } from '../../scenario/run.js';
import { describeChanges } from '../../scenario/trace.js';
import { formatStmt } from '../../scenario/format.js';
import { normalizeVersion, LATEST, MAINLINE } from '../../eras/profiles.js';
import { resolveArchName } from '../../arch/index.js';
import { kernelFor } from '../../mm/context.js';
import type { Header } from '../../scenario/ast.js';
import { ScenarioError } from '../../scenario/errors.js';

interface RunFlags {
  kernel?: string;
  arch?: string;
  json?: boolean;
  trace?: boolean;
}

/** Header value (or CLI override) checked, with the header's position in errors. */
function pick(file: string, headers: Header[], key: 'kernel' | 'arch', cli: string | undefined, dflt: string): string {
  const h = headers.find((x) => x.key === key);
  const check = key === 'kernel' ? normalizeVersion : resolveArchName;
  if (cli !== undefined) return check(cli);
  if (!h) return check(dflt);
  try {
    return check(h.value);
  } catch (e) {
    if (e instanceof UsageError) throw new ScenarioError(file, h.valuePos, e.message);
    throw e;
  }
}

export function runFile(file: string, flags: RunFlags, out: (s: string) => void): RunResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: cannot read the file`);
  }
  const sc = parseScenario(source, file);
  const kernel = pick(file, sc.headers, 'kernel', flags.kernel, LATEST);
  const arch = pick(file, sc.headers, 'arch', flags.arch, 'x86_64');
  const names = new Map<number, string>();
  return runScenario(sc, {
    kernel,
    arch,
    onStatement: flags.trace ? (thread, st) => out(`\n${file}:${st.pos.line} [${thread}] ${formatStmt(st).trim()}`) : undefined,
    onStep: flags.trace
      ? (e) => {
          names.set(e.tid, e.after.tasks[e.tid]?.name ?? String(e.tid));
          const k = kernelFor(e.after);
          const changes = e.before ? describeChanges(k, e.before, e.after) : [];
          if (!e.log.length && !changes.length) return;
          out(`  step ${e.step} (${e.label})`);
          for (const l of e.log) out(`    ${l}`);
          for (const c of changes) out(`    | ${c}`);
        }
      : undefined,
  });
}

/** --kernel all: the file on every mainline version; consecutive versions with the same outcome share a line. */
function runEveryVersion(file: string, flags: RunFlags, out: (s: string) => void): boolean {
  const results = MAINLINE.map((v) => runFile(file, { ...flags, kernel: v, trace: false }, out));
  if (flags.json) {
    out(JSON.stringify(results));
  } else {
    const outcome = (r: RunResult): string =>
      r.result === 'pass' ? 'PASS' : `FAIL: ${r.expectations.find((e) => !e.ok)!.message}`;
    out(`${file}: arch ${results[0]!.arch}`);
    let first = 0;
    for (let i = 1; i <= results.length; i++) {
      if (i < results.length && outcome(results[i]!) === outcome(results[first]!)) continue;
      const range = first === i - 1 ? results[first]!.kernel : `${results[first]!.kernel} .. ${results[i - 1]!.kernel}`;
      out(`  ${range.padEnd(14)} ${outcome(results[first]!)}`);
      first = i;
    }
  }
  return results.some((r) => r.result === 'fail');
}

function printHuman(r: RunResult, out: (s: string) => void): void {
  out(`${r.file}: kernel ${r.kernel}, arch ${r.arch}: ${r.result.toUpperCase()}`);
  for (const e of r.expectations) {
    out(`  ${e.ok ? 'ok  ' : 'FAIL'} line ${e.line}: ${e.message}${e.ok ? '' : ` (expected ${e.expected}, got ${e.actual})`}`);
  }
  for (const f of r.findings) out(`  finding at step ${f.step} (${f.label}): ${f.invariant}: ${f.detail}`);
}

export const register: CommandModule = (program, setExitCode) => {
  program
    .command('run')
    .description('run scenario files on a kernel version and architecture')
    .argument('<files...>', 'scenario files (.cow)')
    .option('-k, --kernel <version>', `mainline version X.Y, latest, or all (every version, verdicts grouped by range) (default: the file's kernel header, else latest)`)
    .option('-a, --arch <name>', "architecture variant (default: the file's arch header, else x86_64)")
    .option('--json', 'one JSON object per file')
    .option('--trace', 'print every step with the kernel functions it ran and what it changed')
    .action((files: string[], flags: RunFlags) => {
      const out = (s: string): void => {
        process.stdout.write(s + '\n');
      };
      let failed = false;
      for (const file of files) {
        if (flags.kernel === 'all') {
          failed = runEveryVersion(file, flags, out) || failed;
          continue;
        }
        const r = runFile(file, flags, out);
        if (flags.json) out(JSON.stringify(r));
        else printHuman(r, out);
        failed ||= r.result === 'fail';
      }
      setExitCode(failed ? 1 : 0);
    });
};
