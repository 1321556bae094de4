// The page cache of tmpfs/memfd files (mm/filemap.c, mm/shmem.c): pages are
// created on first use and stay cached, holding one reference each.
import type { File, Folio } from '../model/types.js';
import { readBytes, writeBytes } from '../model/bytes.js';
import { type Kernel, trace, folio } from './context.js';
import { folio_add_lru, folio_alloc } from './folio.js';

/** filemap_get_folio()/shmem_get_folio(): the cached page at index, created zero-filled if missing. */
export function filemap_get_folio(k: Kernel, file: File, index: number): Folio {
  const pfn = file.pages[index];
  if (pfn !== undefined) return folio(k, pfn);
  const f = folio_alloc(k);
  f.mapping = { ino: file.ino, index };
  file.pages[index] = f.pfn;
  // The allocation's reference becomes the page cache's; shmem_add_to_page_cache() then folio_add_lru().
  folio_add_lru(k, f);
  trace(k, 'shmem_get_folio', `${file.name} page ${index} -> pfn ${f.pfn}`);
  return f;
}

/** filemap_fault(): the page for a fault, with a reference for the caller. */
export function filemap_fault(k: Kernel, file: File, index: number): Folio {
  const f = filemap_get_folio(k, file, index);
  f.refcount++;
  return f;
}

/** read(2) from the page cache. */
export function file_read(k: Kernel, file: File, pos: number, len: number): Uint8Array {
  const ps = k.s.config.pageSize;
  const end = Math.min(file.size, pos + len);
  const out = new Uint8Array(Math.max(0, end - pos));
  for (let at = pos; at < end; ) {
    const index = Math.floor(at / ps);
    const off = at % ps;
    const n = Math.min(ps - off, end - at);
    const pfn = file.pages[index];
    if (pfn !== undefined) out.set(readBytes(folio(k, pfn).data, off, off + n), at - pos);
    at += n;
  }
  return out;
}

/** write(2) into the page cache. */
export function file_write(k: Kernel, file: File, pos: number, bytes: Uint8Array): void {
  const ps = k.s.config.pageSize;
  for (let done = 0; done < bytes.length; ) {
    const at = pos + done;
    const index = Math.floor(at / ps);
    const off = at % ps;
    const n = Math.min(ps - off, bytes.length - done);
    const f = filemap_get_folio(k, file, index);
    f.data = writeBytes(f.data, off, bytes.subarray(done, done + n));
    f.dirty = true;
    done += n;
  }
  file.size = Math.max(file.size, pos + bytes.length);
}
