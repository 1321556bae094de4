// The syntax tree of a C litmus test in the format of tools/memory-model.

/** A source position: 1-based line and column. */
export interface Pos {
  line: number;
  col: number;
}

/** A value: an integer, or the address of a shared location (by name). */
export type Val = number | { loc: string };

export type Expr =
  | { k: 'num'; v: number; pos: Pos }
  | { k: 'var'; name: string; pos: Pos }
  | { k: 'addr'; name: string; pos: Pos }
  | { k: 'deref'; e: Expr; pos: Pos }
  | { k: 'un'; op: '-' | '!' | '~'; e: Expr; pos: Pos }
  | { k: 'bin'; op: string; l: Expr; r: Expr; pos: Pos }
  | { k: 'call'; name: string; args: Expr[]; pos: Pos }
  | { k: 'assign'; lhs: Expr; rhs: Expr; pos: Pos }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr; pos: Pos };

export type Stmt =
  | { k: 'expr'; e: Expr; pos: Pos; text: string }
  | { k: 'decl'; name: string; init?: Expr; pos: Pos; text: string }
  | { k: 'if'; c: Expr; then: Stmt; else?: Stmt; pos: Pos; text: string }
  | { k: 'block'; body: Stmt[]; pos: Pos; text: string };

export interface Thread {
  id: number;
  params: string[];
  body: Stmt[];
  pos: Pos;
}

/** One entry of the init block: a location or a register with its initial value. */
export interface InitEntry {
  thread?: number;
  name: string;
  value: Val;
  pos: Pos;
}

export type Prop =
  | { k: 'true' }
  | { k: 'false' }
  | { k: 'eq'; thread?: number; name: string; value: Val; pos: Pos }
  | { k: 'not'; p: Prop }
  | { k: 'and'; ps: Prop[] }
  | { k: 'or'; ps: Prop[] };

export type Quantifier = 'exists' | '~exists' | 'forall';

/** A state location shown in the output: a register of a thread, or a shared location. */
export interface StateLoc {
  thread?: number;
  name: string;
}

export interface Litmus {
  name: string;
  file: string;
  /** The documented outcome from a "Result:" comment, if any (Never, Sometimes, Always, DEADLOCK). */
  result?: string;
  init: InitEntry[];
  threads: Thread[];
  locations: StateLoc[];
  filter?: Prop;
  quantifier: Quantifier;
  cond: Prop;
}
