// The `cowlab` command: one sub-command module per feature, registered here.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { UsageError, reportError } from './errors.js';

/** Runs the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('cowlab')
    .description('An executable model of Linux anonymous memory: copy-on-write, PG_anon_exclusive, GUP, swap')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError(false);
  let code = 0;
  registerCommands(program, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other parse error is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) return reportError(e);
    throw e;
  }
  return code;
}
