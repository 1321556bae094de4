// The scenario language's syntax tree. The parser (parse.ts) produces it; the
// runner (run.ts) gives it meaning. Every node carries its source position so
// that every error can name file:line:column.

/** 1-based line and column of a node's first character. */
export interface Pos {
  line: number;
  column: number;
}

export type Expr =
  | { kind: 'int'; value: bigint; pos: Pos }
  | { kind: 'string'; value: string; pos: Pos }
  | { kind: 'bytes'; items: Expr[]; pos: Pos }
  | { kind: 'name'; name: string; pos: Pos }
  | { kind: 'call'; callee: string; args: Expr[]; named: NamedArg[]; pos: Pos }
  | { kind: 'binary'; op: '|' | '+' | '-' | '*'; left: Expr; right: Expr; pos: Pos }
  | { kind: 'neg'; operand: Expr; pos: Pos }
  /** `base[index]` (one byte) or `base[from..to]` (bytes from..to-1) of user memory. */
  | { kind: 'index'; base: Expr; from: Expr; to: Expr | null; pos: Pos };

export interface NamedArg {
  name: string;
  value: Expr;
  pos: Pos;
}

export type Stmt =
  /** `x = expr` */
  | { kind: 'assign'; name: string; value: Expr; pos: Pos }
  /** `base[i] = expr` or `base[a..b] = expr`: a user-space store. */
  | { kind: 'store'; target: Extract<Expr, { kind: 'index' }>; value: Expr; pos: Pos }
  /** a call evaluated for its effect: `madvise(mem, 4096, MADV_PAGEOUT)` */
  | { kind: 'expr'; expr: Expr; pos: Pos }
  /** `expect a == b else "message"` (op is == or !=; message optional). */
  | { kind: 'expect'; op: '==' | '!='; left: Expr; right: Expr; message: string | null; pos: Pos }
  /**
   * `[h =] start call(...) [until after IDENT]`: begin a kernel operation in the
   * current thread and run it until it has passed the named step (or until its
   * first natural stop when no `until` is given); `wait(h)` finishes it.
   */
  | { kind: 'start'; name: string | null; call: Extract<Expr, { kind: 'call' }>; until: string | null; pos: Pos };

/** `thread NAME:` starts a section; statements until the next section run in that thread. */
export interface Section {
  thread: string;
  pos: Pos;
  body: Stmt[];
}

export interface Header {
  /** `kernel 6.0` or `arch x86_64`: value is the word after the keyword. */
  key: 'kernel' | 'arch';
  value: string;
  pos: Pos;
  valuePos: Pos;
}

export interface Scenario {
  file: string;
  headers: Header[];
  /** Statements before the first `thread` line form a section of thread "main". */
  sections: Section[];
}
