// Page migration of one anonymous or shmem page (mm/migrate.c migrate_pages(), mm/rmap.c
// try_to_migrate_one()), in the steps where other threads can look at the page
// tables: the mappings become migration entries that carry the soft-dirty and
// uffd-wp bits and whether the page was writable or exclusive; the data moves
// to a new page; remove_migration_pte() maps the new page with those bits.
import type { Folio, MigrationPte, PresentPte, Vma } from '../model/types.js';
import { type Kernel, folio, trace } from './context.js';
import { PageAnonExclusive, folio_alloc, folio_put, lru_add_drain } from './folio.js';
import { folio_mappings, page_add_anon_rmap, page_add_file_rmap, page_remove_rmap, page_try_share_anon_rmap } from './rmap.js';
import { VM_SHARED, VM_UFFD_WP, VM_WRITE } from '../model/flags.js';
import { mk_pte, pte_at, vm_normal_page, vma_soft_dirty_enabled } from './pgtable.js';
import { findVma } from './context.js';

export interface MigrateState {
  mm: number;
  addr: number;
  phase: 'unmap' | 'move' | 'remove';
  /** The page being migrated and the page it moves to. */
  src: number | null;
  dst: number | null;
  /** Pages the migration holds a reference on (the isolation reference, then the new page's). */
  held: number[];
  /** 0, or -errno once migration gave up (the page stays where it was). */
  error: number;
}

const EBUSY = 16;
const EAGAIN = 11;

export function migrate_init(mm: number, addr: number): MigrateState {
  return { mm, addr, phase: 'unmap', src: null, dst: null, held: [], error: 0 };
}

/** A fault hit a migration entry: migration_entry_wait() sleeps until remove_migration_pte(). */
export class MigrationWait extends Error {
  override name = 'MigrationWait';
}

export function migration_entry_wait(addr: number): never {
  throw new MigrationWait(`the fault at 0x${addr.toString(16)} waits in migration_entry_wait() for a migration in progress; finish it first (wait on the move_pages() handle)`);
}

/** try_to_migrate_one(): one mapping becomes a migration entry; false if the page must stay. */
function try_to_migrate_one(k: Kernel, f: Folio, mmId: number, addr: number): boolean {
  const mm = k.s.mms[mmId]!;
  const pte = pte_at(k, mm, addr) as PresentPte;
  const exclusive = k.p.anonExclusive && f.anon && PageAnonExclusive(k, f.pfn);
  // 5.19: an exclusive page that may be pinned keeps its mapping (page_try_share_anon_rmap).
  if (exclusive && page_try_share_anon_rmap(k, f.pfn) !== 0) return false;
  const entry: MigrationPte = {
    kind: 'migration',
    pfn: f.pfn,
    type: pte.write ? 'write' : exclusive ? 'read_exclusive' : 'read',
    softDirty: pte.softDirty,
    uffdWp: pte.uffdWp,
  };
  mm.ptes[String(addr / k.s.config.pageSize)] = entry;
  if (pte.dirty) f.dirty = true;
  page_remove_rmap(k, f.pfn);
  folio_put(k, f.pfn);
  trace(k, 'try_to_migrate_one', `0x${addr.toString(16)}: ${entry.type} migration entry for pfn ${f.pfn}${entry.uffdWp ? ', uffd-wp' : ''}${entry.softDirty ? ', soft-dirty' : ''}`);
  return true;
}

/** remove_migration_pte(): every migration entry of `from` maps `to`, with the bits the entry kept. */
function remove_migration_ptes(k: Kernel, from: number, to: Folio): void {
  for (const mm of Object.values(k.s.mms)) {
    for (const [v, e] of Object.entries(mm.ptes)) {
      if (e.kind !== 'migration' || e.pfn !== from) continue;
      const addr = Number(v) * k.s.config.pageSize;
      const vma = findVma(mm, addr);
      // mk_pte(new, vma->vm_page_prot): a shared mapping without write-notify maps writable from the start.
      let pte: PresentPte = { ...mk_pte(to.pfn), softDirty: e.softDirty, dirty: to.dirty };
      if (vma && !to.anon && vm_page_prot_writable(k, vma)) pte = { ...pte, write: true };
      if (e.type === 'write' && vma) pte = { ...pte, write: true };
      else if (e.uffdWp) pte = { ...pte, uffdWp: true };
      to.refcount++;
      if (to.anon) page_add_anon_rmap(k, to.pfn, vma!, e.type !== 'read');
      else page_add_file_rmap(k, to.pfn);
      mm.ptes[v] = pte;
      trace(k, 'remove_migration_pte', `0x${addr.toString(16)} -> pfn ${to.pfn}${pte.write ? ' writable' : ''}${pte.uffdWp ? ', uffd-wp' : ''}`);
    }
  }
}

/**
 * Does vma->vm_page_prot allow writes? Only for a shared writable mapping that
 * wants no write-notify (vma_wants_writenotify()): shmem has no dirty
 * accounting, so only soft-dirty tracking (VM_SOFTDIRTY clear) or, from
 * 51d3d5eb74ff (6.2), uffd-wp asks for it.
 */
function vm_page_prot_writable(k: Kernel, vma: Vma): boolean {
  if (!(vma.flags & VM_SHARED) || !(vma.flags & VM_WRITE)) return false;
  if (vma_soft_dirty_enabled(k, vma)) return false;
  return !(k.p.uffdWpWritenotify && vma.flags & VM_UFFD_WP);
}

/** One step of migrate_pages() for the page at st.addr; returns the step's label. */
export function migrate_step(k: Kernel, st: MigrateState): string {
  if (st.phase === 'unmap') {
    // migrate_prep(): lru_add_drain_all(), so the page is on the LRU and isolatable.
    lru_add_drain(k);
    const mm = k.s.mms[st.mm]!;
    const pte = pte_at(k, mm, st.addr);
    const f = pte?.kind === 'present' ? vm_normal_page(k, pte) : null;
    // Small anonymous pages outside the swap cache and small shmem pages (the model's scope).
    if (!f || f.order > 0 || (!f.anon && !f.mapping) || f.ksm || f.swapCache) {
      st.error = -EBUSY;
      st.phase = 'remove';
      return 'migrate_pages';
    }
    // isolate_lru_page()
    f.refcount++;
    f.lru = false;
    st.src = f.pfn;
    st.held = [f.pfn];
    for (const m of folio_mappings(k, f)) {
      if (!try_to_migrate_one(k, f, m.mm.id, m.addr)) {
        st.error = -EBUSY;
        break;
      }
    }
    st.phase = st.error ? 'remove' : 'move';
    return 'try_to_migrate';
  }
  if (st.phase === 'move') {
    const src = folio(k, st.src!);
    // folio_migrate_mapping(): nobody but the isolation (and the page cache) may hold a reference (GUP makes it -EAGAIN).
    if (src.refcount !== 1 + (src.mapping ? 1 : 0)) {
      trace(k, 'folio_migrate_mapping', `pfn ${src.pfn} refcount ${src.refcount} != 1: -EAGAIN`);
      st.error = -EAGAIN;
    } else {
      const dst = folio_alloc(k, src.data);
      dst.anon = src.anon;
      dst.dirty = src.dirty;
      if (src.mapping) {
        // The page cache now holds the new page (its reference moves with it).
        const file = k.s.files[src.mapping.ino]!;
        file.pages[src.mapping.index] = dst.pfn;
        dst.mapping = src.mapping;
        dst.refcount++;
        src.mapping = null;
        folio_put(k, src.pfn);
      }
      st.dst = dst.pfn;
      st.held.push(dst.pfn);
      trace(k, 'migrate_folio', `pfn ${src.pfn} copied to pfn ${dst.pfn}`);
    }
    st.phase = 'remove';
    return 'migrate_folio';
  }
  if (st.src !== null) {
    const target = st.dst !== null ? folio(k, st.dst) : folio(k, st.src);
    remove_migration_ptes(k, st.src, target);
    const src = folio(k, st.src);
    if (st.dst === null) src.lru = true;
    else target.lru = true;
    for (const pfn of st.held) folio_put(k, pfn);
    st.held = [];
  }
  return 'remove_migration_ptes';
}
