// The page cache of tmpfs/memfd files (mm/filemap.c, mm/shmem.c): pages are
// created on first use and stay cached, holding one reference each.
import type { File, Folio, Vma } from '../model/types.js';
import { shmem_alloc_and_add_huge_folio, shmem_is_huge } from './shmem.js';
import { type PageData, concatRuns, filled, pageSize, readBytes, sliceRuns, spliceRuns, writeBytes } from '../model/bytes.js';
import { type Kernel, trace, folio } from './context.js';
import { folio_add_lru, folio_alloc, page_data, set_page_data } from './folio.js';

/**
 * filemap_get_folio()/shmem_get_folio(): the folio caching the page at index,
 * created zero-filled if missing. `vma` (the faulting VMA, or null for
 * write(2) and fallocate()) lets shmem_get_folio_gfp() try a THP first;
 * without it (UFFDIO_COPY) the page is small. The page itself is
 * file.pages[index].
 */
export function filemap_get_folio(k: Kernel, file: File, index: number, vma?: Vma | null): Folio {
  const pfn = file.pages[index];
  if (pfn !== undefined) return folio(k, pfn);
  if (vma !== undefined && shmem_is_huge(k, file, index, vma)) {
    const huge = shmem_alloc_and_add_huge_folio(k, file, index);
    if (huge) return huge;
  }
  const ps = k.s.config.pageSize;
  const written = file.backing ? sliceRuns(file.backing, index * ps, (index + 1) * ps) : [];
  const f = folio_alloc(k, concatRuns([written, filled(ps - pageSize(written), 0)]));
  f.mapping = { ino: file.ino, index };
  file.pages[index] = f.pfn;
  // The allocation's reference becomes the page cache's; shmem_add_to_page_cache() then folio_add_lru().
  folio_add_lru(k, f);
  trace(k, 'shmem_get_folio', `${file.name} page ${index} -> pfn ${f.pfn}`);
  return f;
}

/** filemap_fault() / shmem_fault(): the folio for a fault, with a reference for the caller. */
export function filemap_fault(k: Kernel, file: File, index: number, vma: Vma): Folio {
  const f = filemap_get_folio(k, file, index, vma);
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
    if (pfn !== undefined) out.set(readBytes(page_data(k, pfn), off, off + n), at - pos);
    else if (file.backing) out.set(readBytes(file.backing, at, Math.min(at + n, pageSize(file.backing))), at - pos);
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
    const f = filemap_get_folio(k, file, index, null);
    const pfn = file.pages[index]!;
    set_page_data(k, pfn, writeBytes(page_data(k, pfn), off, bytes.subarray(done, done + n)));
    f.dirty = true;
    done += n;
  }
  file.size = Math.max(file.size, pos + bytes.length);
}

/** Bytes [pos, pos+len) of a file as runs: cached pages, else the bytes written to it, else zeroes. */
export function file_read_runs(k: Kernel, file: File, pos: number, len: number): PageData {
  const ps = k.s.config.pageSize;
  const end = Math.min(file.size, pos + len);
  const base = file.backing ?? [];
  const size = pageSize(base);
  const parts: PageData[] = [];
  for (let at = pos; at < end; ) {
    const index = Math.floor(at / ps);
    const off = at % ps;
    const n = Math.min(ps - off, end - at);
    const pfn = file.pages[index];
    if (pfn !== undefined) parts.push(sliceRuns(page_data(k, pfn), off, off + n));
    else {
      // Uncached pages come in one slice up to the next cached page.
      let stop = end;
      for (const key of Object.keys(file.pages)) {
        const s = Number(key) * ps;
        if (s > at && s < stop) stop = s;
      }
      const have = sliceRuns(base, Math.min(at, size), Math.min(stop, size));
      parts.push(have, filled(stop - at - pageSize(have), 0));
      at = stop;
      continue;
    }
    at += n;
  }
  return concatRuns(parts);
}

/** write(2) of runs into a file: cached pages are updated, the rest is kept as the file's bytes. */
export function file_write_runs(k: Kernel, file: File, pos: number, data: PageData): void {
  const ps = k.s.config.pageSize;
  const len = pageSize(data);
  for (const [key, pfn] of Object.entries(file.pages)) {
    const s = Number(key) * ps;
    const lo = Math.max(s, pos);
    const hi = Math.min(s + ps, pos + len);
    if (lo >= hi) continue;
    set_page_data(k, pfn, spliceRuns(page_data(k, pfn), lo - s, sliceRuns(data, lo - pos, hi - pos)));
    folio(k, pfn).dirty = true;
  }
  let base = file.backing ?? [];
  if (pageSize(base) < pos + len) base = concatRuns([base, filled(pos + len - pageSize(base), 0)]);
  file.backing = spliceRuns(base, pos, data);
  file.size = Math.max(file.size, pos + len);
}
