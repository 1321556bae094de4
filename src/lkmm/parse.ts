// Parser for C litmus tests as tools/memory-model writes them: the "C name"
// header, (* *) and C comments, the init block, P0..Pn, locations, filter and
// the exists / ~exists / forall condition. Errors name file:line:column.
import type { Expr, InitEntry, Litmus, Pos, Prop, Quantifier, StateLoc, Stmt, Thread, Val } from './ast.js';

/** Bad litmus input: the message starts with file:line:column. */
export class LitmusSyntaxError extends Error {
  override name = 'LitmusSyntaxError';
  constructor(file: string, pos: Pos, msg: string) {
    super(`${file}:${pos.line}:${pos.col}: ${msg}`);
  }
}

type TokKind = 'id' | 'num' | 'punct' | 'str' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  pos: Pos;
  offset: number;
}

const PUNCTS = [
  '/\\', '\\/', '&&', '||', '==', '!=', '<=', '>=', '->', '<<', '>>',
  '{', '}', '(', ')', '[', ']', ';', ',', '*', '&', '=', '<', '>', '+', '-', '/', '%', '|', '^', '!', '~', ':', '?', '.',
];

function lex(file: string, src: string, start: number, startPos: Pos): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  let line = startPos.line;
  let col = startPos.col;
  let depth = 0;
  const adv = (k: number) => {
    for (let j = 0; j < k; j++) {
      if (src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      adv(1);
      continue;
    }
    const here = { line, col };
    // (* *) comments live outside C code; inside braces "(*x" is a dereference.
    if (src.startsWith('(*', i) && (depth === 0 || /[\s*]/.test(src[i + 2] ?? ' '))) {
      const end = src.indexOf('*)', i + 2);
      if (end < 0) throw new LitmusSyntaxError(file, here, 'unterminated comment');
      adv(end + 2 - i);
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new LitmusSyntaxError(file, here, 'unterminated comment');
      adv(end + 2 - i);
      continue;
    }
    if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      adv((end < 0 ? src.length : end) - i);
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new LitmusSyntaxError(file, here, 'unterminated string');
      toks.push({ kind: 'str', text: src.slice(i + 1, end), pos: here, offset: i });
      adv(end + 1 - i);
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i, i + 24));
    if (num) {
      toks.push({ kind: 'num', text: num[0], pos: here, offset: i });
      adv(num[0].length);
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 128));
    if (id) {
      toks.push({ kind: 'id', text: id[0], pos: here, offset: i });
      adv(id[0].length);
      continue;
    }
    const p = PUNCTS.find((q) => src.startsWith(q, i));
    if (!p) throw new LitmusSyntaxError(file, here, `unexpected character '${c}'`);
    if (p === '{') depth++;
    if (p === '}') depth--;
    toks.push({ kind: 'punct', text: p, pos: here, offset: i });
    adv(p.length);
  }
  toks.push({ kind: 'eof', text: '<end of file>', pos: { line, col }, offset: i });
  return toks;
}

const TYPE_WORDS = new Set([
  'int', 'long', 'unsigned', 'signed', 'char', 'short', 'bool', '_Bool', 'void', 'atomic_t', 'atomic_long_t',
  'spinlock_t', 'raw_spinlock_t', 'intptr_t', 'uintptr_t', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
  'size_t', 'struct', 'const', 'volatile',
]);

class Parser {
  private i = 0;
  constructor(
    private readonly file: string,
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  private get t(): Tok {
    return this.toks[this.i]!;
  }
  private peek(k = 1): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private err(msg: string, tok: Tok = this.t): never {
    throw new LitmusSyntaxError(this.file, tok.pos, msg);
  }
  private is(text: string): boolean {
    return (this.t.kind === 'punct' || this.t.kind === 'id') && this.t.text === text;
  }
  private eat(text: string): Tok {
    if (!this.is(text)) this.err(`expected '${text}' but found '${this.t.text}'`);
    return this.toks[this.i++]!;
  }
  private accept(text: string): boolean {
    if (this.is(text)) {
      this.i++;
      return true;
    }
    return false;
  }
  private ident(): Tok {
    if (this.t.kind !== 'id') this.err(`expected a name but found '${this.t.text}'`);
    return this.toks[this.i++]!;
  }
  private textFrom(start: Tok): string {
    const end = this.toks[this.i - 1]!;
    const endOff = end.offset + (end.kind === 'str' ? end.text.length + 2 : end.text.length);
    return this.src.slice(start.offset, endOff).replace(/\s+/g, ' ').trim();
  }

  // ---- init block ----
  parseInit(): InitEntry[] {
    const out: InitEntry[] = [];
    this.eat('{');
    while (!this.accept('}')) {
      if (this.accept(';')) continue;
      const start = this.t;
      let thread: number | undefined;
      if (this.t.kind === 'num' && this.peek().text === ':') {
        thread = Number(this.t.text);
        this.i += 2;
      }
      // Skip type words and pointer stars; the last name before '=' or ';' is the location.
      const words: Tok[] = [];
      while (this.t.kind === 'id' || this.is('*')) {
        if (this.t.kind === 'id') words.push(this.t);
        this.i++;
      }
      const nameTok = words[words.length - 1];
      if (!nameTok) this.err(`expected a declaration in the init block but found '${this.t.text}'`);
      let value: Val = 0;
      if (this.accept('=')) value = this.initValue();
      if (!this.is('}')) this.eat(';');
      out.push({ ...(thread !== undefined ? { thread } : {}), name: nameTok.text, value, pos: start.pos });
    }
    return out;
  }

  private initValue(): Val {
    if (this.accept('&')) return { loc: this.ident().text };
    if (this.accept('-')) {
      const n = this.t;
      if (n.kind !== 'num') this.err('expected a number');
      this.i++;
      return -Number(n.text);
    }
    if (this.t.kind === 'num') return Number(this.toks[this.i++]!.text);
    const id = this.ident();
    if (id.text === 'ATOMIC_INIT') {
      this.eat('(');
      const v = this.initValue();
      this.eat(')');
      return v;
    }
    if (id.text === 'NULL') return 0;
    return { loc: id.text };
  }

  // ---- threads ----
  parseThread(): Thread {
    const head = this.ident();
    const m = /^P([0-9]+)$/.exec(head.text);
    if (!m) this.err(`expected a thread P<n> but found '${head.text}'`, head);
    const params: string[] = [];
    this.eat('(');
    while (!this.accept(')')) {
      const words: Tok[] = [];
      while (this.t.kind === 'id' || this.is('*')) {
        if (this.t.kind === 'id') words.push(this.t);
        this.i++;
      }
      const name = words[words.length - 1];
      if (!name) this.err(`expected a parameter but found '${this.t.text}'`);
      params.push(name.text);
      if (!this.is(')')) this.eat(',');
    }
    const open = this.t;
    this.eat('{');
    const body: Stmt[] = [];
    while (!this.is('}')) {
      if (this.t.kind === 'eof') this.err(`unterminated body of ${head.text}`, open);
      body.push(this.stmt());
    }
    this.eat('}');
    return { id: Number(m[1]), params, body, pos: head.pos };
  }

  private isTypeStart(): boolean {
    return this.t.kind === 'id' && TYPE_WORDS.has(this.t.text) && (this.peek().kind === 'id' || this.peek().text === '*');
  }

  private stmt(): Stmt {
    const start = this.t;
    if (this.accept('{')) {
      const body: Stmt[] = [];
      while (!this.accept('}')) {
        if (this.t.kind === 'eof') this.err('unterminated block', start);
        body.push(this.stmt());
      }
      return { k: 'block', body, pos: start.pos, text: '{...}' };
    }
    if (this.accept(';')) return { k: 'block', body: [], pos: start.pos, text: ';' };
    if (this.is('if')) {
      this.i++;
      this.eat('(');
      const c = this.expr();
      this.eat(')');
      const text = this.textFrom(start);
      const then = this.stmt();
      const els = this.accept('else') ? this.stmt() : undefined;
      return { k: 'if', c, then, ...(els ? { else: els } : {}), pos: start.pos, text };
    }
    if (this.is('while') || this.is('for') || this.is('do') || this.is('goto') || this.is('return')) {
      this.err(`'${this.t.text}' is not supported in litmus thread bodies`);
    }
    if (this.isTypeStart()) {
      while (this.t.kind === 'id' && TYPE_WORDS.has(this.t.text)) {
        if (this.t.text === 'struct') this.i++;
        this.i++;
      }
      const decls: Stmt[] = [];
      for (;;) {
        while (this.accept('*'));
        const dstart = this.t;
        const name = this.ident();
        let init: Expr | undefined;
        if (this.accept('=')) init = this.assignExpr();
        decls.push({ k: 'decl', name: name.text, ...(init ? { init } : {}), pos: dstart.pos, text: this.textFrom(start) + ';' });
        if (!this.accept(',')) break;
      }
      this.eat(';');
      return decls.length === 1 ? decls[0]! : { k: 'block', body: decls, pos: start.pos, text: this.textFrom(start) };
    }
    const e = this.expr();
    this.eat(';');
    return { k: 'expr', e, pos: start.pos, text: this.textFrom(start) };
  }

  // ---- expressions (C precedence) ----
  expr(): Expr {
    return this.assignExpr();
  }

  private assignExpr(): Expr {
    const lhs = this.condExpr();
    if (this.is('=')) {
      const pos = this.t.pos;
      this.i++;
      if (lhs.k !== 'var' && lhs.k !== 'deref') this.err('left side of = must be a register or *pointer');
      const rhs = this.assignExpr();
      return { k: 'assign', lhs, rhs, pos };
    }
    return lhs;
  }

  private condExpr(): Expr {
    const c = this.binExpr(0);
    if (this.is('?')) {
      const pos = this.t.pos;
      this.i++;
      const t = this.assignExpr();
      this.eat(':');
      const f = this.condExpr();
      return { k: 'cond', c, t, f, pos };
    }
    return c;
  }

  private static readonly LEVELS: string[][] = [
    ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
  ];

  private binExpr(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.unary();
    let l = this.binExpr(level + 1);
    const ops = Parser.LEVELS[level]!;
    while (this.t.kind === 'punct' && ops.includes(this.t.text)) {
      const op = this.t;
      this.i++;
      const r = this.binExpr(level + 1);
      l = { k: 'bin', op: op.text, l, r, pos: op.pos };
    }
    return l;
  }

  private unary(): Expr {
    const t = this.t;
    if (this.accept('*')) return { k: 'deref', e: this.unary(), pos: t.pos };
    if (this.accept('&')) return { k: 'addr', name: this.ident().text, pos: t.pos };
    if (this.accept('-')) return { k: 'un', op: '-', e: this.unary(), pos: t.pos };
    if (this.accept('!')) return { k: 'un', op: '!', e: this.unary(), pos: t.pos };
    if (this.accept('~')) return { k: 'un', op: '~', e: this.unary(), pos: t.pos };
    if (this.is('(') && this.peek().kind === 'id' && TYPE_WORDS.has(this.peek().text)) {
      // A cast such as (void) or (int *): the model has one integer type, so casts are dropped.
      this.i++;
      while (!this.accept(')')) {
        if (this.t.kind === 'eof') this.err('unterminated cast');
        this.i++;
      }
      return this.unary();
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.t;
    if (t.kind === 'num') {
      this.i++;
      return { k: 'num', v: Number(t.text), pos: t.pos };
    }
    if (this.accept('(')) {
      const e = this.expr();
      this.eat(')');
      return e;
    }
    if (t.kind === 'id') {
      this.i++;
      if (this.accept('(')) {
        const args: Expr[] = [];
        while (!this.accept(')')) {
          args.push(this.assignExpr());
          if (!this.is(')')) this.eat(',');
        }
        return { k: 'call', name: t.text, args, pos: t.pos };
      }
      return { k: 'var', name: t.text, pos: t.pos };
    }
    this.err(`unexpected '${t.text}' in expression`);
  }

  // ---- final part: locations, filter, condition ----
  parseLocations(): StateLoc[] {
    this.eat('locations');
    this.eat('[');
    const out: StateLoc[] = [];
    while (!this.accept(']')) {
      if (this.accept(';')) continue;
      out.push(this.stateLoc());
    }
    return out;
  }

  private stateLoc(): StateLoc & { pos: Pos } {
    const t = this.t;
    if (t.kind === 'num' && this.peek().text === ':') {
      this.i += 2;
      return { thread: Number(t.text), name: this.ident().text, pos: t.pos };
    }
    return { name: this.ident().text, pos: t.pos };
  }

  prop(): Prop {
    const ps = [this.conj()];
    while (this.accept('\\/')) ps.push(this.conj());
    return ps.length === 1 ? ps[0]! : { k: 'or', ps };
  }

  private conj(): Prop {
    const ps = [this.atom()];
    while (this.accept('/\\')) ps.push(this.atom());
    return ps.length === 1 ? ps[0]! : { k: 'and', ps };
  }

  private atom(): Prop {
    if (this.accept('~')) return { k: 'not', p: this.atom() };
    if (this.accept('(')) {
      const p = this.prop();
      this.eat(')');
      return p;
    }
    if (this.accept('true')) return { k: 'true' };
    if (this.accept('false')) return { k: 'false' };
    const loc = this.stateLoc();
    if (!this.accept('==')) this.eat('=');
    let value: Val;
    if (this.t.kind === 'num') value = Number(this.toks[this.i++]!.text);
    else if (this.accept('-')) {
      const n = this.t;
      if (n.kind !== 'num') this.err('expected a number');
      this.i++;
      value = -Number(n.text);
    } else value = { loc: this.ident().text };
    return { k: 'eq', ...(loc.thread !== undefined ? { thread: loc.thread } : {}), name: loc.name, value, pos: loc.pos };
  }

  parseTail(): { locations: StateLoc[]; filter?: Prop; quantifier: Quantifier; cond: Prop } {
    let locations: StateLoc[] = [];
    let filter: Prop | undefined;
    for (;;) {
      if (this.is('locations')) locations = locations.concat(this.parseLocations());
      else if (this.is('filter')) {
        this.i++;
        filter = this.prop();
      } else break;
    }
    let quantifier: Quantifier;
    if (this.accept('exists')) quantifier = 'exists';
    else if (this.accept('forall')) quantifier = 'forall';
    else if (this.is('~') && this.peek().text === 'exists') {
      this.i += 2;
      quantifier = '~exists';
    } else this.err(`expected exists, ~exists or forall but found '${this.t.text}'`);
    const cond = this.prop();
    if (this.t.kind !== 'eof') this.err(`unexpected '${this.t.text}' after the condition`);
    return { locations, ...(filter ? { filter } : {}), quantifier, cond };
  }

  parseThreads(): Thread[] {
    const threads: Thread[] = [];
    while (this.t.kind === 'id' && /^P[0-9]+$/.test(this.t.text)) {
      const head = this.t;
      const th = this.parseThread();
      if (th.id !== threads.length) this.err(`expected P${threads.length} but found P${th.id}`, head);
      threads.push(th);
    }
    if (threads.length === 0) this.err(`expected a thread P0 but found '${this.t.text}'`);
    return threads;
  }
}

/** Parses one litmus test; throws LitmusSyntaxError naming file:line:column. */
export function parseLitmus(file: string, src: string): Litmus {
  const nl = src.indexOf('\n');
  const first = (nl < 0 ? src : src.slice(0, nl)).trim();
  const hm = /^C\s+(\S+)/.exec(first);
  if (!hm) throw new LitmusSyntaxError(file, { line: 1, col: 1 }, "expected a header 'C <test name>'");
  const rm = /Result:\s*([A-Za-z]+)/.exec(src);
  const start = nl < 0 ? src.length : nl + 1;
  const toks = lex(file, src, start, { line: 2, col: 1 });
  // herd allows an optional quoted doc string before the init block.
  const body = toks[0]?.kind === 'str' ? toks.slice(1) : toks;
  const q = new Parser(file, src, body);
  const init = q.parseInit();
  const threads = q.parseThreads();
  const tail = q.parseTail();
  return {
    name: hm[1]!,
    file,
    ...(rm ? { result: rm[1]! } : {}),
    init,
    threads,
    locations: tail.locations,
    ...(tail.filter ? { filter: tail.filter } : {}),
    quantifier: tail.quantifier,
    cond: tail.cond,
  };
}
