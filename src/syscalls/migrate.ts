// move_pages(2) for one page: page migration as a multi-step operation
// (src/mm/migrate.ts), so a scenario can stop between try_to_migrate and
// remove_migration_ptes and look at the migration entries.
import type { SyscallDef } from './table.js';
import { RunError } from './machine.js';
import { migrate_init } from '../mm/migrate.js';

export const MIGRATE_SYSCALLS: Record<string, SyscallDef> = {
  move_pages: {
    params: ['addr'],
    doc: 'move_pages(addr) -> 0 or -errno: migrate the anonymous or shmem page at addr (try_to_migrate, migrate_folio, remove_migration_ptes as steps; start it to look at the migration entries)',
    run(c) {
      const mm = c.m.mmOf(c.tid);
      const id = c.m.s.next.id++;
      const a = c.named.addr ?? c.args[0];
      if (typeof a !== 'bigint') throw new RunError("'addr' must be a number");
      const addr = Number(a);
      return { start: { kind: 'migrate', id, pid: c.m.pidOf(c.tid), m: migrate_init(mm, addr - (addr % c.m.s.config.pageSize)) } };
    },
  },
};
