// `cowlab litmus FILE...`: checks C litmus tests against the Linux-kernel
// memory model and prints herd7-style results.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from './index.js';
import { UsageError } from '../errors.js';
import { parseLitmus, LitmusSyntaxError } from '../../lkmm/parse.js';
import { checkLitmus, matchesDocumented } from '../../lkmm/check.js';
import { formatResult } from '../../lkmm/output.js';
import { explainRejected, explainWitness } from '../../lkmm/explain.js';
import { witnessDot } from '../../lkmm/dot.js';

export const register: CommandModule = (program, setExitCode) => {
  program
    .command('litmus')
    .description('check C litmus tests (tools/memory-model format) against the Linux-kernel memory model')
    .argument('<files...>', 'litmus test files')
    .option('--explain', 'describe a witness execution of each Sometimes outcome, or the axiom that forbids a Never outcome')
    .option('--dot <dir>', 'write the witness execution graph of each test to <dir>/<test>.dot')
    .action((files: string[], opts: { explain?: boolean; dot?: string }) => {
      let code = 0;
      for (const file of files) {
        let src: string;
        try {
          src = readFileSync(file, 'utf8');
        } catch {
          throw new UsageError(`${file}:1:1: cannot read file`);
        }
        let result;
        try {
          result = checkLitmus(parseLitmus(file, src));
        } catch (e) {
          if (e instanceof LitmusSyntaxError) throw new UsageError(e.message);
          throw e;
        }
        process.stdout.write(formatResult(result));
        if (opts.explain && result.observation === 'Sometimes') process.stdout.write(explainWitness(result));
        if (opts.explain && result.observation === 'Never') process.stdout.write(explainRejected(result));
        if (opts.dot && result.witness) {
          mkdirSync(opts.dot, { recursive: true });
          const out = join(opts.dot, `${result.test.name}.dot`);
          writeFileSync(out, witnessDot(result));
          process.stdout.write(`Graph ${result.test.name} ${out}\n`);
        }
        const m = matchesDocumented(result);
        if (m === false) {
          process.stderr.write(`cowlab: ${file}: documented Result: ${result.test.result}, the model says ${result.observation}\n`);
          code = 1;
        }
        process.stdout.write('\n');
      }
      setExitCode(code);
    });
};
