// --dot: the witness execution as a Graphviz graph, one cluster per thread,
// with po, rf, co and fr edges as herd draws them.
import type { TestResult } from './check.js';
import { eventLabel, eventName } from './describe.js';

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function witnessDot(r: TestResult): string {
  const w = r.witness;
  if (!w) return '';
  const { x, model } = w;
  const first = x.events.findIndex((e) => !e.init);
  const lines = [`digraph ${q(r.test.name)} {`, '  node [shape=none, fontname="monospace"];'];
  for (const e of x.events) {
    if (!e.init) continue;
    lines.push(`  e${e.id} [label=${q(eventLabel(e))}];`);
  }
  const threads = [...new Set(x.events.filter((e) => !e.init).map((e) => e.thread))];
  for (const t of threads) {
    lines.push(`  subgraph cluster_P${t} {`, `    label="P${t}";`);
    for (const e of x.events.filter((ev) => ev.thread === t)) {
      lines.push(`    e${e.id} [label=${q(`${eventName(e, first)}: ${eventLabel(e)}`)}];`);
    }
    lines.push('  }');
  }
  const style: Record<string, string> = { rf: 'red', co: 'blue', fr: 'orange' };
  for (const e of x.events) {
    if (e.init) continue;
    const next = x.events.find((f) => f.thread === e.thread && f.poi === e.poi + 1);
    if (next) lines.push(`  e${e.id} -> e${next.id} [label="po"];`);
  }
  for (const k of ['rf', 'co', 'fr'] as const) {
    for (const [a, b] of model.rels.get(k)!.pairs()) {
      if (k === 'co' && x.co.get(x.events[a]!.loc!)?.indexOf(b) !== (x.co.get(x.events[a]!.loc!)?.indexOf(a) ?? -2) + 1) continue;
      lines.push(`  e${a} -> e${b} [label="${k}", color=${style[k]}, fontcolor=${style[k]}];`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
