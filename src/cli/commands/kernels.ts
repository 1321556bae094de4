// `cowlab kernels`: the eras, their version ranges, defining commits and policy switches.
import type { CommandModule } from './index.js';
import { eras, policyDiff } from '../../eras/profiles.js';
import { BASE_POLICIES } from '../../eras/policies.js';

export const register: CommandModule = (program, setExitCode) => {
  program
    .command('kernels')
    .description('list the kernel eras: version ranges, the commits that open them, and every policy switch')
    .option('--json', 'the eras as a JSON array, each with its full set of policies')
    .action((flags: { json?: boolean }) => {
      const list = eras();
      if (flags.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return setExitCode(0);
      }
      const out: string[] = [];
      out.push(`${list.length} eras, mainline ${list[0]!.first} .. ${list[list.length - 1]!.last}`);
      out.push('');
      out.push(`${list[0]!.name} (${list[0]!.first} .. ${list[0]!.last}): the baseline`);
      for (const [k, v] of Object.entries(BASE_POLICIES)) out.push(`    ${k} = ${String(v)}`);
      let prev = list[0]!.policies;
      for (const era of list.slice(1)) {
        out.push('');
        out.push(`${era.name} (${era.first} .. ${era.last}):`);
        for (const c of era.changes) out.push(`  ${c.commit ? `${c.commit} ` : ''}"${c.title}"`);
        for (const [k, a, b] of policyDiff(prev, era.policies)) out.push(`    ${k}: ${String(a)} -> ${String(b)}`);
        prev = era.policies;
      }
      process.stdout.write(out.join('\n') + '\n');
      setExitCode(0);
    });
};
