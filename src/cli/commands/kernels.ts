// `cowlab kernels`: the eras, their version ranges, defining commits and policy switches.
import type { CommandModule } from './index.js';
import { type Era, MAINLINE, eras, policyDiff, profileFor } from '../../eras/profiles.js';
import { HISTORY } from '../../eras/history.js';
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
      // Changes that move a policy inside an era (they open no era of their own), with their version.
      const within = (era: Era): void => {
        const versions = MAINLINE.slice(MAINLINE.indexOf(era.first) + 1, MAINLINE.indexOf(era.last) + 1);
        for (const v of versions) {
          const changes = HISTORY.filter((c) => c.version === v);
          if (!changes.length) continue;
          for (const c of changes) out.push(`  ${v}: ${c.commit ? `${c.commit} ` : ''}"${c.title}"`);
          const before = profileFor(MAINLINE[MAINLINE.indexOf(v) - 1]!).policies;
          for (const [k, a, b] of policyDiff(before, profileFor(v).policies)) out.push(`    ${k}: ${String(a)} -> ${String(b)}`);
        }
      };
      out.push(`${list.length} eras, mainline ${list[0]!.first} .. ${list[list.length - 1]!.last}`);
      out.push('');
      out.push(`${list[0]!.name} (${list[0]!.first} .. ${list[0]!.last}): the baseline`);
      for (const [k, v] of Object.entries(BASE_POLICIES)) out.push(`    ${k} = ${String(v)}`);
      let prev = profileFor(list[0]!.last).policies;
      within(list[0]!);
      for (const era of list.slice(1)) {
        out.push('');
        out.push(`${era.name} (${era.first} .. ${era.last}):`);
        for (const c of era.changes) out.push(`  ${c.commit ? `${c.commit} ` : ''}"${c.title}"`);
        for (const [k, a, b] of policyDiff(prev, era.policies)) out.push(`    ${k}: ${String(a)} -> ${String(b)}`);
        within(era);
        prev = profileFor(era.last).policies;
      }
      process.stdout.write(out.join('\n') + '\n');
      setExitCode(0);
    });
};
