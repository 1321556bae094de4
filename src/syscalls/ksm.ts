// ksm_scan(): one ksmd pass on request (src/mm/ksm.ts), as a multi-step
// operation a scenario can stop inside write_protect_page().
import type { SyscallDef } from './table.js';
import { kernelFor } from '../mm/context.js';
import { ksm_scan_init } from '../mm/ksm.js';

export const KSM_SYSCALLS: Record<string, SyscallDef> = {
  ksm_scan: {
    params: [],
    doc: 'ksm_scan() -> pages merged: one ksmd pass over every VM_MERGEABLE VMA (a page is merged only once its content was the same on the previous pass). Steps: scan_get_next_rmap_item, cmp_and_merge_page, stable_tree_search, unstable_tree_search_insert, write_protect_page, ptep_clear_flush (A1), page_try_share_anon_rmap (A2/A3), set_pte_at (A4), try_to_merge_one_page, replace_page, break_cow, ksm_do_scan',
    run(c) {
      c.m.mmOf(c.tid);
      const id = c.m.s.next.id++;
      return { start: { kind: 'ksm_scan', id, pid: c.m.pidOf(c.tid), scan: ksm_scan_init(kernelFor(c.m.s)) } };
    },
  },
};
