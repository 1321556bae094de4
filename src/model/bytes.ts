// Page contents as plain data: run-length encoded bytes. Pages hold real bytes
// (verdicts come from them), but most pages are a few runs, so states with
// thousands of pages stay cheap to clone, hash and compare.

/** Runs as a flat list [byte, count, byte, count, ...]; canonical: no empty runs, neighbours differ. */
export type PageData = number[];

export function filled(size: number, byte = 0): PageData {
  return size === 0 ? [] : [byte & 0xff, size];
}

export function pageSize(d: PageData): number {
  let n = 0;
  for (let i = 1; i < d.length; i += 2) n += d[i]!;
  return n;
}

/** Bytes [from, to) of a page. */
export function readBytes(d: PageData, from: number, to: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, to - from));
  let pos = 0;
  for (let i = 0; i < d.length && pos < to; i += 2) {
    const b = d[i]!;
    const end = pos + d[i + 1]!;
    const lo = Math.max(pos, from);
    const hi = Math.min(end, to);
    if (lo < hi) out.fill(b, lo - from, hi - from);
    pos = end;
  }
  return out;
}

/** A new page with bytes written at `at`; the input is not modified. */
export function writeBytes(d: PageData, at: number, bytes: Uint8Array): PageData {
  const size = pageSize(d);
  if (at === 0 && bytes.length === size) return encode(bytes);
  return spliceRuns(d, at, encode(bytes));
}

export function encode(bytes: Uint8Array): PageData {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let j = i + 1;
    while (j < bytes.length && bytes[j] === b) j++;
    out.push(b, j - i);
    i = j;
  }
  return out;
}

export function equalData(a: PageData, b: PageData): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Bytes [from, to) as runs, without materialising them (pages of a huge folio are slices of its runs). */
export function sliceRuns(d: PageData, from: number, to: number): PageData {
  const out: number[] = [];
  let pos = 0;
  for (let i = 0; i < d.length && pos < to; i += 2) {
    const end = pos + d[i + 1]!;
    const lo = Math.max(pos, from);
    const hi = Math.min(end, to);
    if (lo < hi) pushRun(out, d[i]!, hi - lo);
    pos = end;
  }
  return out;
}

/** Appends a run, merging it with the last one when the byte is the same. */
export function pushRun(out: number[], byte: number, count: number): void {
  if (count <= 0) return;
  const n = out.length;
  if (n >= 2 && out[n - 2] === byte) out[n - 1]! += count;
  else out.push(byte, count);
}

/** A new data value with [at, at+size(part)) replaced by part; the input is not modified. */
export function spliceRuns(d: PageData, at: number, part: PageData): PageData {
  const size = pageSize(d);
  const end = at + pageSize(part);
  const out: number[] = [];
  const head = sliceRuns(d, 0, at);
  for (let i = 0; i < head.length; i += 2) pushRun(out, head[i]!, head[i + 1]!);
  for (let i = 0; i < part.length; i += 2) pushRun(out, part[i]!, part[i + 1]!);
  const tail = sliceRuns(d, end, size);
  for (let i = 0; i < tail.length; i += 2) pushRun(out, tail[i]!, tail[i + 1]!);
  return out;
}

/** memcmp() of two equally long byte strings given as runs: <0, 0 or >0 at the first difference. */
export function memcmpRuns(a: PageData, b: PageData): number {
  let i = 0;
  let j = 0;
  let ra = a[1] ?? 0;
  let rb = b[1] ?? 0;
  while (i < a.length && j < b.length) {
    if (a[i] !== b[j]) return a[i]! - b[j]!;
    const n = Math.min(ra, rb);
    ra -= n;
    rb -= n;
    if (ra === 0) {
      i += 2;
      ra = a[i + 1] ?? 0;
    }
    if (rb === 0) {
      j += 2;
      rb = b[j + 1] ?? 0;
    }
  }
  return 0;
}

/** Concatenation of runs. */
export function concatRuns(parts: PageData[]): PageData {
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i += 2) pushRun(out, p[i]!, p[i + 1]!);
  return out;
}
