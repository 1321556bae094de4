// Short names for events, shared by --explain and --dot.
import type { Event } from './events.js';
import { showVal } from './events.js';

const ORDER_TAGS = ['ONCE', 'ACQUIRE', 'RELEASE', 'MB', 'NORETURN', 'LKR', 'LKW', 'UL', 'LF', 'RL', 'RU'] as const;

/** herd-like label such as "W[ONCE] x=1", "R[ACQUIRE] y=0", "F[Mb]". */
export function eventLabel(e: Event): string {
  if (e.init) return `W[init] ${e.loc}=${showVal(e.value!)}`;
  if (e.kind === 'F') return `F[${[...e.tags].join(',')}]${e.loc ? ` ${e.loc}` : ''}`;
  const ann = ORDER_TAGS.filter((t) => e.tags.has(t));
  const a = ann.length ? `[${ann.join(',')}${e.tags.has('RMW') ? ',RMW' : ''}]` : '[plain]';
  return `${e.kind}${a} ${e.loc}=${showVal(e.value!)}`;
}

/** "P1: r0 = READ_ONCE(*y);" or "the initial value of x". */
export function eventSource(e: Event): string {
  if (e.init) return `the initial value of ${e.loc}`;
  return `P${e.thread}: ${e.text}`;
}

/** A letter per event as herd draws them (a, b, ...), initial writes unnamed. */
export function eventName(e: Event, firstThreadEvent: number): string {
  if (e.init) return `init:${e.loc}`;
  const k = e.id - firstThreadEvent;
  return k < 26 ? String.fromCharCode(97 + k) : `e${k}`;
}
