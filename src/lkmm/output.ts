// herd7-style report of one test: Test/States/Ok|No/Witnesses/Flag/
// Condition/Observation/Time, in herd's order and wording.
import type { Prop, Quantifier, StateLoc, Val } from './ast.js';
import type { TestResult } from './check.js';
import { showVal } from './events.js';

const KIND: Record<Quantifier, string> = { exists: 'Allowed', '~exists': 'Forbidden', forall: 'Required' };

function showLoc(l: StateLoc): string {
  return l.thread !== undefined ? `${l.thread}:${l.name}` : l.name;
}

function showAtom(p: Prop, top: boolean): string {
  switch (p.k) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'eq':
      return `${showLoc(p)}=${showVal(p.value)}`;
    case 'not':
      return `~${showAtom(p.p, false)}`;
    case 'and':
    case 'or': {
      const s = p.ps.map((q) => showAtom(q, false)).join(p.k === 'and' ? ' /\\ ' : ' \\/ ');
      return top ? s : `(${s})`;
    }
  }
}

/** The condition as herd prints it, e.g. "exists (1:r0=1 /\ 1:r1=0)". */
export function showCondition(q: Quantifier, p: Prop): string {
  return `${q} (${showAtom(p, true)})`;
}

export function showState(shown: StateLoc[], vals: Val[]): string {
  return shown.map((l, i) => `${showLoc(l)}=${showVal(vals[i]!)};`).join(' ');
}

export function formatResult(r: TestResult, withTime = true): string {
  const name = r.test.name;
  const lines = [`Test ${name} ${KIND[r.test.quantifier]}`, `States ${r.states.length}`];
  for (const s of r.states) lines.push(showState(r.shown, s));
  lines.push(r.ok ? 'Ok' : 'No', 'Witnesses');
  const [p, n] = r.test.quantifier === '~exists' ? [r.negative, r.positive] : [r.positive, r.negative];
  lines.push(`Positive: ${p} Negative: ${n}`);
  for (const f of r.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${showCondition(r.test.quantifier, r.test.cond)}`);
  lines.push(`Observation ${name} ${r.observation} ${r.positive} ${r.negative}`);
  if (withTime) lines.push(`Time ${name} ${r.seconds.toFixed(2)}`);
  if (r.deadlock) {
    const ws = r.deadlock.map((w) => `P${w.thread} waits in ${w.text.replace(/;$/, '')} held by P${w.holder}`);
    lines.push(`Deadlock ${name}: ${ws.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}
