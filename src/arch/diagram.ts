// Draws a swap-PTE layout the way the kernel header comments do: bit numbers
// in two digit rows, most significant bit on the left, fields as <-- name -->
// and single bits as letters; 64-bit PTEs as two 32-bit blocks, high first.
import { ArchSwapLayout, fieldValueBits, type FieldSpec } from './layout.js';

type Cell = { kind: 'field'; field: 'type' | 'offset'; run: number } | { kind: 'bit'; ch: string };

function cellsOf(l: ArchSwapLayout): Cell[] {
  const f = l.fields;
  const cells: Cell[] = [];
  for (let b = 0; b < l.pteBits; b++) cells.push({ kind: 'bit', ch: 'x' });
  const setBit = (b: number | null, ch: string) => {
    if (b !== null && b < l.pteBits) cells[b] = { kind: 'bit', ch };
  };
  for (const b of f.mustBeClear) setBit(b, '0');
  for (const b of f.mustBeSet) setBit(b, '1');
  for (const [b, ch] of Object.entries(l.spec.bitLabels ?? {})) setBit(Number(b), ch);
  const place = (spec: FieldSpec, field: 'type' | 'offset') =>
    spec.runs.forEach((r, i) => {
      for (let b = r.shift; b < r.shift + r.bits && b < l.pteBits; b++) cells[b] = { kind: 'field', field, run: i };
    });
  place(f.type, 'type');
  place(f.offset, 'offset');
  setBit(f.softDirtyBit, 'S');
  setBit(f.uffdWpBit, 'U');
  setBit(l.exclusiveBit, 'E');
  return cells;
}

function sameGroup(a: Cell | undefined, b: Cell | undefined): boolean {
  return !!a && !!b && a.kind === 'field' && b.kind === 'field' && a.field === b.field && a.run === b.run;
}

/** A field label that fits `width` characters, open-ended where the field crosses a block edge. */
function span(width: number, labels: string[], openLeft: boolean, openRight: boolean): string {
  const first = labels[labels.length - 1] ?? '?';
  if (width === 1) return first.replace('~', '').charAt(0);
  for (const lab of labels) {
    const core = width >= lab.length + 4 ? ` ${lab} ` : width >= lab.length + 2 ? lab : null;
    if (core === null) continue;
    const dashes = width - 2 - core.length;
    const left = Math.floor(dashes / 2);
    return (openLeft ? '-' : '<') + '-'.repeat(left) + core + '-'.repeat(dashes - left) + (openRight ? '-' : '>');
  }
  return (openLeft ? '-' : '<') + '-'.repeat(width - 2) + (openRight ? '-' : '>');
}

function labelsFor(l: ArchSwapLayout, field: 'type' | 'offset'): string[] {
  if (field === 'type') return ['type', 'typ', 't'];
  return l.fields.offset.inverted ? ['~offset', '~ofs', '~o'] : ['offset', 'ofs', 'o'];
}

/** The three text rows (tens, units, labels) of the block of bits hi..lo. */
function block(l: ArchSwapLayout, cells: Cell[], hi: number, lo: number): string[] {
  const tens: string[] = [];
  const units: string[] = [];
  for (let b = hi; b >= lo; b--) {
    tens.push(String(Math.floor(b / 10)));
    units.push(String(b % 10));
  }
  let row = '';
  let b = hi;
  while (b >= lo) {
    const c = cells[b];
    if (!c) break;
    if (c.kind === 'bit') {
      row += c.ch + ' ';
      b--;
      continue;
    }
    let end = b;
    while (end - 1 >= lo && sameGroup(cells[end - 1], c)) end--;
    const n = b - end + 1;
    const openLeft = b === hi && sameGroup(cells[b + 1], c);
    const openRight = end === lo && sameGroup(cells[end - 1], c);
    row += span(2 * n - 1, labelsFor(l, c.field), openLeft, openRight) + ' ';
    b = end - 1;
  }
  return ['   ' + tens.join(' '), '   ' + units.join(' '), '   ' + row.trimEnd()];
}

function bitList(bits: number[]): string {
  const sorted = [...bits].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : j === i + 1 ? `${sorted[i]}, ${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function bitsWord(bits: number[]): string {
  return `${bits.length === 1 ? 'bit' : 'bits'} ${bitList(bits)}`;
}

function describeField(f: FieldSpec): string {
  const where = f.runs.map((r) => (r.bits === 1 ? `${r.shift}` : `${r.shift}-${r.shift + r.bits - 1}`)).join(' + ');
  const stored = f.runs.reduce((n, r) => n + r.bits, 0);
  const bits = fieldValueBits(f);
  let s = `bit${where.includes('-') || f.runs.length > 1 ? 's' : ''} ${where} (${bits} bit${bits === 1 ? '' : 's'}`;
  if (stored !== bits) s += ` usable of ${stored}`;
  s += ')';
  if (f.inverted) s += ', stored inverted';
  return s;
}

/** The drawing of one layout in one era, with its legend. */
export function drawLayout(l: ArchSwapLayout): string[] {
  const cells = cellsOf(l);
  const out: string[] = [];
  for (let hi = l.pteBits - 1; hi >= 0; hi -= 32) {
    out.push(...block(l, cells, hi, hi - 31));
    if (hi - 32 >= 0) out.push('');
  }
  const f = l.fields;
  out.push('');
  out.push(`   type      ${describeField(f.type)}, up to ${l.maxType}`);
  out.push(`   offset    ${describeField(f.offset)}, up to 0x${l.maxOffset.toString(16)}`);
  if (f.entry) {
    out.push(`   entry     arch swp_entry_t is ${f.entry.bits}-bit: type ${describeField(f.entry.type)}, offset ${describeField(f.entry.offset)}`);
  } else if (f.entryShift) {
    out.push(`   entry     arch swp_entry_t is the PTE shifted right by ${f.entryShift}`);
  }
  out.push(
    l.exclusiveBit === null
      ? '   E         none: no __HAVE_ARCH_PTE_SWP_EXCLUSIVE, pte_swp_mkexclusive() is a no-op'
      : `   E         bit ${l.exclusiveBit}: exclusive marker (pte_swp_exclusive), since ${l.spec.exclusiveSince === '5.19' ? 'v5.19' : 'v6.3'}`,
  );
  if (f.softDirtyBit !== null) out.push(`   S         bit ${f.softDirtyBit}: soft-dirty (pte_swp_soft_dirty)`);
  if (f.uffdWpBit !== null) out.push(`   U         bit ${f.uffdWpBit}: uffd-wp (pte_swp_uffd_wp)`);
  if (f.mustBeClear.length > 0) out.push(`   0         ${bitsWord(f.mustBeClear)}: kept clear`);
  if (f.mustBeSet.length > 0) out.push(`   1         ${bitsWord(f.mustBeSet)}: forced set`);
  const named = Object.entries(l.spec.bitLabels ?? {});
  if (named.length > 0) out.push(`   ${named.map(([, c]) => c).join(' ').padEnd(10)}named header bits ${named.map(([b, c]) => `${c}=${b}`).join(', ')}`);
  if (f.presentBits.length > 0) out.push(`   present   pte_present() tests ${bitsWord(f.presentBits)}${f.presentWhen ? ' (with a rule of its own)' : ''}`);
  else if (f.presentWhen) out.push('   present   pte_present() has a rule of its own (see the header)');
  if (cells.some((c) => c.kind === 'bit' && c.ch === 'x')) out.push('   x         not used by swap PTEs');
  return out;
}

/** The full `cowlab arch NAME` text: header, the current drawing and the pre-series one. */
export function describeLayout(spec: ArchSwapLayout['spec'], only?: ArchSwapLayout): string {
  const lines: string[] = [];
  lines.push(`${spec.variant}: ${spec.title}`);
  lines.push(`config:  ${spec.config.join(' && ')}`);
  for (const s of spec.source) lines.push(`source:  ${s}`);
  lines.push(`PTE:     ${spec.pteBits} bits, BITS_PER_LONG ${spec.longBits}`);
  if (spec.aliases && spec.aliases.length > 0) lines.push(`aliases: ${spec.aliases.join(', ')}`);
  lines.push('');
  const forms: { title: string; layout: ArchSwapLayout }[] = [];
  const revisions = spec.revisions ?? [];
  if (only) {
    const last = only.revisions[only.revisions.length - 1];
    forms.push({ title: last ? `From ${last.since} (${last.commit}):` : only.hasExclusive ? 'With the exclusive bit:' : `Before ${spec.exclusiveSince === '5.19' ? 'v5.19' : 'v6.3'} (no exclusive bit):`, layout: only });
  } else {
    const since = spec.exclusiveSince === '5.19' ? 'v5.19' : 'v6.3';
    for (let i = revisions.length - 1; i >= 0; i--) {
      const r = revisions[i]!;
      forms.push({ title: `From ${r.since} (${r.commit}):`, layout: new ArchSwapLayout(spec, 'all', revisions.slice(0, i + 1).map((x) => x.policy)) });
    }
    forms.push({ title: revisions[0] ? `From ${since} to before ${revisions[0].since}:` : `From ${since}:`, layout: new ArchSwapLayout(spec, 'all') });
    forms.push({ title: `Before ${since} (no exclusive bit):`, layout: new ArchSwapLayout(spec, spec.exclusiveSince === '5.19' ? 'none' : 'enterprise') });
  }
  for (const { title, layout } of forms) {
    lines.push(title);
    lines.push('');
    lines.push(...drawLayout(layout));
    lines.push('');
  }
  for (const n of spec.notes ?? []) lines.push(`note: ${n}`);
  for (const k of spec.knownIssues ?? []) lines.push(`known bug (${k.form === 'before' ? 'pre-series form' : 'current form'}): ${k.reason}`);
  return lines.join('\n').trimEnd() + '\n';
}
