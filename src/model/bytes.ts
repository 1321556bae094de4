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
  const all = readBytes(d, 0, size);
  all.set(bytes, at);
  return encode(all);
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
