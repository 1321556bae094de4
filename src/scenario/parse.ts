// Parser of the scenario language: source text to the syntax tree of ast.ts.
// Grammar and error messages are described in docs/scenario-language.md.
import {
  EmbeddedActionsParser,
  EOF,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from 'chevrotain';
import type { Expr, Header, NamedArg, Pos, Scenario, Section, Stmt } from './ast.js';
import { ScenarioError } from './errors.js';
import {
  After,
  allTokens,
  Arch,
  BadString,
  Colon,
  Comma,
  DotDot,
  Else,
  EqEq,
  Equals,
  Expect,
  Identifier,
  Int,
  Kernel,
  LBracket,
  LParen,
  Minus,
  Newline,
  NotEq,
  Pipe,
  Plus,
  RBracket,
  reservedWords,
  RParen,
  Star,
  Start,
  StringLit,
  Thread,
  tokenize,
  Unknown,
  Until,
  Word,
} from './lexer.js';

export { formatScenario } from './format.js';

type IndexExpr = Extract<Expr, { kind: 'index' }>;
type CallExpr = Extract<Expr, { kind: 'call' }>;
type Arg = { named: NamedArg } | { positional: Expr };
interface StartTail {
  start: IToken;
  call: CallExpr;
  until: string | null;
}

/** Deeper nesting is refused rather than risking a stack overflow. */
const MAX_NESTING = 100;

/** Tokens an expression can start with; used to say "an expression" instead of listing them. */
const expressionStart: TokenType[] = [Int, StringLit, LBracket, Identifier, LParen, Minus];

/** Thrown from inside grammar actions; carries its own position. */
class SyntaxFailure extends Error {
  constructor(
    readonly token: IToken | Pos,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function posOf(t: IToken): Pos {
  return { line: t.startLine!, column: t.startColumn! };
}

/** Keeps messages one short line whatever the token. */
function shorten(text: string): string {
  return text.length > 24 ? `${text.slice(0, 21)}...` : text;
}

/** How a found token is named in error messages. */
function describeToken(t: IToken): string {
  const type = t.tokenType;
  if (type === EOF) return 'end of file';
  if (type === Newline || type.CATEGORIES?.includes(Newline)) return 'end of line';
  if (type === StringLit) return `string ${shorten(t.image)}`;
  if (type === Unknown) return describeChar(t.image);
  if (reservedWords.includes(t.image) && type !== Word) return `reserved word '${t.image}'`;
  return `'${shorten(t.image)}'`;
}

/** Printable ASCII is quoted; anything else, often invisible, is named by its code point. */
function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code > 0x20 && code < 0x7f) return `'${c}'`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Errors whose cause is the token itself, whatever the parser expected there. */
function tokenFault(t: IToken): string | null {
  if (t.tokenType === Unknown) return `unexpected character ${describeChar(t.image)}`;
  if (t.tokenType === BadString) return 'unterminated string';
  return null;
}

function expected(what: string, found: IToken): string {
  return tokenFault(found) ?? `expected ${what} but found ${describeToken(found)}`;
}

function labelOf(type: TokenType, previous: IToken | undefined, ruleName: string): string {
  if (type === Word) {
    return previous?.tokenType === Arch ? "an architecture name (like x86_64)" : 'a kernel version (like 6.0)';
  }
  if (type === Identifier && ruleName === 'threadLine') return 'a thread name';
  if (type === Identifier && ruleName === 'startTail') return 'a step name';
  if (type === Colon && ruleName === 'threadLine') return "':' after the thread name";
  // Right after an opening bracket or a comma an element could still have come.
  const afterOpen = previous?.tokenType === Comma || previous?.tokenType === LBracket || previous?.tokenType === LParen;
  if (type === RBracket && ruleName === 'bytes' && afterOpen) return "an expression or ']'";
  if (type === RParen && ruleName === 'call' && afterOpen) return "an argument or ')'";
  return type.LABEL ?? type.name;
}

function alternatives(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? 'something else';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

function describeFirstSets(paths: TokenType[][], previous: IToken | undefined, ruleName: string): string {
  const firsts = [...new Set(paths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined))];
  const isExpr = expressionStart.every((t) => firsts.includes(t));
  const rest = isExpr ? firsts.filter((t) => !expressionStart.includes(t)) : firsts;
  const labels = rest.map((t) => labelOf(t, previous, ruleName));
  return alternatives(isExpr ? ['an expression', ...labels] : labels);
}

const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected: type, actual, previous, ruleName }) =>
    expected(labelOf(type, previous, ruleName), actual),
  buildNotAllInputParsedMessage: ({ firstRedundant }) => expected('a statement', firstRedundant),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, previous, ruleName }) =>
    expected(describeFirstSets(expectedPathsPerAlt.flat(), previous, ruleName), actual[0]!),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, previous, ruleName }) =>
    expected(describeFirstSets(expectedIterationPaths, previous, ruleName), actual[0]!),
};

/** Decodes a string literal token, checking its escapes. */
function decodeString(t: IToken): string {
  const s = t.image;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const at = { line: t.startLine!, column: t.startColumn! + i };
    const e = s[i + 1]!;
    i++;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
      case '"':
        out += e;
        break;
      case 'x': {
        const hex = s.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new SyntaxFailure(at, "'\\x' must be followed by two hex digits");
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        throw new SyntaxFailure(at, `unknown escape '\\${e}' in string (use \\n \\t \\\\ \\" or \\xHH)`);
    }
  }
  return out;
}

function decodeInt(t: IToken): bigint {
  const text = t.image;
  if (!/^(?:0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|[0-9]+(?:_[0-9]+)*)$/.test(text)) {
    throw new SyntaxFailure(t, `malformed number '${shorten(text)}'`);
  }
  return BigInt(text.replace(/_/g, ''));
}

class ScenarioParser extends EmbeddedActionsParser {
  private headers: Header[] = [];
  private sections: Section[] = [];
  /** Set by the first thread line or statement; headers must come before it. */
  private bodyStarted = false;
  /** Expressions written in parentheses: `(x) = 1` is not an assignment to x. */
  private parenthesised = new WeakSet<Expr>();
  private depth = 0;

  constructor() {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 3, errorMessageProvider });
    this.performSelfAnalysis();
  }

  begin(tokens: IToken[]): void {
    this.headers = [];
    this.sections = [];
    this.bodyStarted = false;
    this.parenthesised = new WeakSet();
    this.depth = 0;
    this.input = tokens;
  }

  result(file: string): Scenario {
    return { file, headers: this.headers, sections: this.sections };
  }

  scenario = this.RULE('scenario', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => void this.CONSUME(Newline) },
        { ALT: () => this.SUBRULE(this.header) },
        { ALT: () => this.SUBRULE(this.threadLine) },
        { ALT: () => this.SUBRULE(this.statement) },
      ]);
    });
  });

  private header = this.RULE('header', () => {
    const kw = this.OR([{ ALT: () => this.CONSUME(Kernel) }, { ALT: () => this.CONSUME(Arch) }]);
    this.ACTION(() => {
      if (this.bodyStarted) {
        throw new SyntaxFailure(kw, `'${kw.image}' header must come before the first thread or statement`);
      }
      const earlier = this.headers.find((h) => h.key === kw.image);
      if (earlier) throw new SyntaxFailure(kw, `duplicate '${kw.image}' header (first given at line ${earlier.pos.line})`);
    });
    const value = this.CONSUME(Word);
    this.CONSUME(Newline);
    this.ACTION(() => {
      this.headers.push({ key: kw.image as Header['key'], value: value.image, pos: posOf(kw), valuePos: posOf(value) });
    });
  });

  private threadLine = this.RULE('threadLine', () => {
    const kw = this.CONSUME(Thread);
    const name = this.CONSUME(Identifier);
    this.CONSUME(Colon);
    this.CONSUME(Newline);
    this.ACTION(() => {
      this.bodyStarted = true;
      this.sections.push({ thread: name.image, pos: posOf(kw), body: [] });
    });
  });

  private statement = this.RULE('statement', () => {
    const stmt = this.OR([
      { ALT: () => this.SUBRULE(this.expectStmt) },
      {
        ALT: () => {
          const tail = this.SUBRULE(this.startTail);
          return this.ACTION((): Stmt => ({
            kind: 'start',
            name: null,
            call: tail.call,
            until: tail.until,
            pos: posOf(tail.start),
          }));
        },
      },
      { ALT: () => this.SUBRULE(this.simpleStmt) },
    ]);
    this.CONSUME(Newline);
    this.ACTION(() => {
      if (stmt.kind === 'expr' && stmt.expr.kind !== 'call') {
        throw new SyntaxFailure(stmt.pos, 'expression statement must be a call');
      }
      this.bodyStarted = true;
      let section = this.sections[this.sections.length - 1];
      if (section === undefined) {
        section = { thread: 'main', pos: stmt.pos, body: [] };
        this.sections.push(section);
      }
      section.body.push(stmt);
    });
  });

  private expectStmt = this.RULE('expectStmt', (): Stmt => {
    const kw = this.CONSUME(Expect);
    const left = this.SUBRULE(this.expr);
    const op = this.OR([{ ALT: () => this.CONSUME(EqEq) }, { ALT: () => this.CONSUME(NotEq) }]);
    const right = this.SUBRULE2(this.expr);
    let message: string | null = null;
    this.OPTION(() => {
      this.CONSUME(Else);
      const m = this.CONSUME(StringLit);
      this.ACTION(() => {
        message = decodeString(m);
      });
    });
    return this.ACTION(() => ({ kind: 'expect', op: op.image as '==' | '!=', left, right, message, pos: posOf(kw) }));
  });

  /** `start call(...) [until after step]`, with or without `h =` before it. */
  private startTail = this.RULE('startTail', (): StartTail => {
    const start = this.CONSUME(Start);
    this.ACTION(() => {
      const next = this.LA(1);
      if (next.tokenType !== Identifier) throw new SyntaxFailure(next, expected("a call after 'start'", next));
    });
    const call = this.SUBRULE(this.call);
    let until: string | null = null;
    this.OPTION(() => {
      this.CONSUME(Until);
      this.CONSUME(After);
      const step = this.CONSUME(Identifier);
      this.ACTION(() => {
        until = step.image;
      });
    });
    return { start, call, until };
  });

  /** `name = expr`, `name = start ...`, `base[i] = expr` or a bare call. */
  private simpleStmt = this.RULE('simpleStmt', (): Stmt => {
    const first = this.LA(1);
    const lhs = this.SUBRULE(this.expr);
    let stmt: Stmt | null = null;
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.ACTION(() => {
        const isName = lhs.kind === 'name' && !this.parenthesised.has(lhs);
        const isStore = lhs.kind === 'index' && !this.parenthesised.has(lhs);
        if (!isName && !isStore) throw new SyntaxFailure(first, "left side of '=' must be a name or an index");
      });
      stmt = this.OR([
        {
          ALT: () => {
            const tail = this.SUBRULE(this.startTail);
            return this.ACTION((): Stmt => {
              if (lhs.kind !== 'name') throw new SyntaxFailure(first, "the result of 'start' must be assigned to a name");
              return { kind: 'start', name: lhs.name, call: tail.call, until: tail.until, pos: posOf(first) };
            });
          },
        },
        {
          ALT: () => {
            const value = this.SUBRULE2(this.expr);
            return this.ACTION((): Stmt =>
              lhs.kind === 'name'
                ? { kind: 'assign', name: lhs.name, value, pos: posOf(first) }
                : { kind: 'store', target: lhs as IndexExpr, value, pos: posOf(first) },
            );
          },
        },
      ]);
    });
    return this.ACTION((): Stmt => stmt ?? { kind: 'expr', expr: lhs, pos: posOf(first) });
  });

  private expr = this.RULE('expr', (): Expr => {
    let left = this.SUBRULE(this.sum);
    this.MANY(() => {
      this.CONSUME(Pipe);
      const right = this.SUBRULE2(this.sum);
      left = this.ACTION((): Expr => ({ kind: 'binary', op: '|', left, right, pos: left.pos }));
    });
    return left;
  });

  private sum = this.RULE('sum', (): Expr => {
    let left = this.SUBRULE(this.product);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]);
      const right = this.SUBRULE2(this.product);
      left = this.ACTION((): Expr => ({ kind: 'binary', op: op.image as '+' | '-', left, right, pos: left.pos }));
    });
    return left;
  });

  private product = this.RULE('product', (): Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(Star);
      const right = this.SUBRULE2(this.unary);
      left = this.ACTION((): Expr => ({ kind: 'binary', op: '*', left, right, pos: left.pos }));
    });
    return left;
  });

  private unary = this.RULE('unary', (): Expr => {
    this.ACTION(() => {
      if (++this.depth > MAX_NESTING) throw new SyntaxFailure(this.LA(1), 'expression nested too deeply');
    });
    const e = this.OR([
      {
        ALT: () => {
          const minus = this.CONSUME(Minus);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION((): Expr => ({ kind: 'neg', operand, pos: posOf(minus) }));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
    this.ACTION(() => this.depth--);
    return e;
  });

  /** A primary with at most one index; only names, calls and parenthesised expressions can be indexed. */
  private postfix = this.RULE('postfix', (): Expr => {
    const base = this.SUBRULE(this.primary);
    let result = base;
    this.OPTION(() => {
      const open = this.CONSUME(LBracket);
      this.ACTION(() => {
        if (base.kind !== 'name' && base.kind !== 'call' && !this.parenthesised.has(base)) {
          throw new SyntaxFailure(open, 'only a name, a call or a parenthesised expression can be indexed');
        }
      });
      const from = this.SUBRULE(this.expr);
      let to: Expr | null = null;
      this.OPTION2(() => {
        this.CONSUME(DotDot);
        to = this.SUBRULE2(this.expr);
      });
      this.CONSUME(RBracket);
      this.ACTION(() => {
        const next = this.LA(1);
        if (next.tokenType === LBracket) {
          throw new SyntaxFailure(next, 'an index cannot be indexed again (add parentheses to index its value)');
        }
        result = { kind: 'index', base, from, to, pos: base.pos };
      });
    });
    return result;
  });

  private primary = this.RULE('primary', (): Expr => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(Int);
          return this.ACTION((): Expr => ({ kind: 'int', value: decodeInt(t), pos: posOf(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION((): Expr => ({ kind: 'string', value: decodeString(t), pos: posOf(t) }));
        },
      },
      { ALT: () => this.SUBRULE(this.bytes) },
      { ALT: () => this.SUBRULE(this.call) },
      {
        ALT: () => {
          const t = this.CONSUME(Identifier);
          return this.ACTION((): Expr => ({ kind: 'name', name: t.image, pos: posOf(t) }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const e = this.SUBRULE(this.expr);
          this.CONSUME(RParen);
          this.ACTION(() => this.parenthesised.add(e));
          return e;
        },
      },
    ]);
  });

  /** `[e, e, ...]`, possibly empty, with an optional trailing comma. */
  private bytes = this.RULE('bytes', (): Expr => {
    const open = this.CONSUME(LBracket);
    const items: Expr[] = [];
    this.OPTION(() => {
      items.push(this.SUBRULE(this.expr));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== RBracket,
        DEF: () => {
          this.CONSUME(Comma);
          items.push(this.SUBRULE2(this.expr));
        },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
    return this.ACTION((): Expr => ({ kind: 'bytes', items, pos: posOf(open) }));
  });

  private call = this.RULE('call', (): CallExpr => {
    const callee = this.CONSUME(Identifier);
    this.CONSUME(LParen);
    const args: Expr[] = [];
    const named: NamedArg[] = [];
    const add = (a: Arg): void =>
      this.ACTION(() => {
        if ('positional' in a) {
          if (named.length > 0) throw new SyntaxFailure(a.positional.pos, 'positional argument after named argument');
          args.push(a.positional);
        } else {
          if (named.some((n) => n.name === a.named.name)) {
            throw new SyntaxFailure(a.named.pos, `duplicate named argument '${a.named.name}'`);
          }
          named.push(a.named);
        }
      });
    this.OPTION(() => {
      add(this.SUBRULE(this.arg));
      this.MANY(() => {
        this.CONSUME(Comma);
        add(this.SUBRULE2(this.arg));
      });
    });
    this.CONSUME(RParen);
    return this.ACTION((): CallExpr => ({ kind: 'call', callee: callee.image, args, named, pos: posOf(callee) }));
  });

  private arg = this.RULE('arg', (): Arg => {
    return this.OR([
      {
        ALT: () => {
          const name = this.CONSUME(Identifier);
          this.CONSUME(Equals);
          const value = this.SUBRULE(this.expr);
          return this.ACTION((): Arg => ({ named: { name: name.image, value, pos: posOf(name) } }));
        },
      },
      {
        ALT: () => {
          const value = this.SUBRULE2(this.expr);
          return this.ACTION((): Arg => ({ positional: value }));
        },
      },
    ]);
  });
}

/** Built once: constructing a chevrotain parser analyses the whole grammar. */
const parser = new ScenarioParser();

/** Parses a scenario file; throws ScenarioError at the first error. */
export function parseScenario(source: string, file: string): Scenario {
  const { tokens } = tokenize(source);
  parser.begin(tokens);
  try {
    parser.scenario();
  } catch (e) {
    if (e instanceof SyntaxFailure) {
      const pos = 'tokenType' in e.token ? posOf(e.token) : e.token;
      throw new ScenarioError(file, pos, e.detail);
    }
    throw e;
  }
  const err = parser.errors[0];
  if (err !== undefined) {
    throw new ScenarioError(file, posOf(err.token), tokenFault(err.token) ?? err.message);
  }
  return parser.result(file);
}
