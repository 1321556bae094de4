// Events of a candidate execution, with the tags linux-kernel.bell and
// lock.cat give them, and helpers on values.
import type { Pos, Val } from './ast.js';

/**
 * Annotation tags. Access tags follow linux-kernel.bell's Accesses enum
 * ('ONCE, 'RELEASE, 'ACQUIRE, 'NORETURN, 'MB); 'RMW marks both events of a
 * read-modify-write instruction; lock.cat's event classes (LKR, LKW, UL, LF,
 * RL, RU); fence tags follow the Barriers enum; SRCU events carry a location.
 */
export type Tag =
  | 'ONCE' | 'RELEASE' | 'ACQUIRE' | 'NORETURN' | 'MB' | 'RMW'
  | 'LKR' | 'LKW' | 'UL' | 'LF' | 'RL' | 'RU'
  | 'Mb' | 'Rmb' | 'Wmb' | 'Barrier' | 'Rcu-lock' | 'Rcu-unlock' | 'Sync-rcu'
  | 'Before-atomic' | 'After-atomic' | 'After-spinlock' | 'After-unlock-lock' | 'After-srcu-read-unlock'
  | 'Srcu-lock' | 'Srcu-unlock' | 'Sync-srcu';

export type EvKind = 'R' | 'W' | 'F';

/** One event. Dependencies name the events (same thread) whose values flowed in. */
export interface Event {
  id: number;
  /** Thread number, or -1 for an initial write. */
  thread: number;
  /** Position in program order within its thread. */
  poi: number;
  kind: EvKind;
  init: boolean;
  loc?: string;
  value?: Val;
  tags: Set<Tag>;
  addr: number[];
  data: number[];
  ctrl: number[];
  /** The statement that produced the event, for --explain and --dot. */
  text: string;
  pos?: Pos;
}

export function valKey(v: Val): string {
  return typeof v === 'number' ? String(v) : `&${v.loc}`;
}

export function valEq(a: Val, b: Val): boolean {
  return valKey(a) === valKey(b);
}

/** Values print as herd prints them: integers, and pointers as the location name. */
export function showVal(v: Val): string {
  return typeof v === 'number' ? String(v) : v.loc;
}

export function truthy(v: Val): boolean {
  return typeof v === 'number' ? v !== 0 : true;
}
