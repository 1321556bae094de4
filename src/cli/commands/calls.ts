// `cowlab calls`: what a scenario can call, and the constants it can name.
import type { CommandModule } from './index.js';
import { CONSTANTS, SYSCALLS } from '../../syscalls/table.js';

export const register: CommandModule = (program, setExitCode) => {
  program
    .command('calls')
    .description('list the calls and constants available in scenarios')
    .action(() => {
      const out = Object.entries(SYSCALLS).map(([name, d]) => `${name}(${d.params.join(', ')})\n    ${d.doc}`);
      out.push('', `constants: ${Object.keys(CONSTANTS).sort().join(' ')}`);
      process.stdout.write(out.join('\n') + '\n');
      setExitCode(0);
    });
};
