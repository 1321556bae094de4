// Tokens of the scenario language. The lexer never fails: characters it does
// not know become Unknown tokens and unterminated strings become BadString
// tokens, so that the parser reports whichever error comes first on the line.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

/** End of line; a trailing comment is part of it, so "found end of line" points at the comment. */
export const Newline = createToken({
  name: 'Newline',
  pattern: /#[^\r\n]*(?:\r\n?|\n)?|\r\n?|\n/,
  line_breaks: true,
  label: 'end of line',
});
/** Ends a header line and leaves header mode. */
const HeaderNewline = createToken({
  name: 'HeaderNewline',
  pattern: /#[^\r\n]*(?:\r\n?|\n)?|\r\n?|\n/,
  line_breaks: true,
  categories: [Newline],
  pop_mode: true,
  label: 'end of line',
});
const Space = createToken({ name: 'Space', pattern: /[ \t]+/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    label: `'${word}'`,
  });
}
export const Thread = keyword('thread');
export const Expect = keyword('expect');
export const Else = keyword('else');
export const Start = keyword('start');
export const Until = keyword('until');
export const After = keyword('after');
/** Words that can never be names. */
export const reservedWords = ['thread', 'expect', 'else', 'start', 'until', 'after'];

/**
 * `kernel` and `arch` are keywords only as the first word of a line that is not
 * an assignment, call or store (next character `=`, `(` or `[`); elsewhere they
 * are names. The header value that follows is lexed in header mode as a Word.
 */
function headerKeyword(word: string): TokenType {
  const re = new RegExp(`${word}(?![A-Za-z0-9_])(?![ \\t]*[=(\\[])`, 'y');
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: {
      exec: (text: string, offset: number, tokens: IToken[]) => {
        const last = tokens[tokens.length - 1];
        if (last !== undefined && last.tokenType !== Newline && last.tokenType !== HeaderNewline) return null;
        re.lastIndex = offset;
        return re.exec(text);
      },
    },
    line_breaks: false,
    start_chars_hint: [word[0]!],
    push_mode: 'header',
    label: `'${word}'`,
  });
}
export const Kernel = headerKeyword('kernel');
export const Arch = headerKeyword('arch');
/** A header value such as `6.0`, `latest`, `x86_64` or `i386-pae`. */
export const Word = createToken({ name: 'Word', pattern: /[A-Za-z0-9._-]+/, label: 'a word' });

/** Digits and letters run together so that `12ab` is one malformed number, not two tokens. */
export const Int = createToken({ name: 'Int', pattern: /[0-9][0-9A-Za-z_]*/, label: 'a number' });
export const StringLit = createToken({
  name: 'StringLit',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  label: 'a string',
});
export const BadString = createToken({ name: 'BadString', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/ });

function punct(name: string, text: string): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'` });
}
export const EqEq = punct('EqEq', '==');
export const NotEq = punct('NotEq', '!=');
export const Equals = punct('Equals', '=');
export const DotDot = punct('DotDot', '..');
export const Pipe = punct('Pipe', '|');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Star = punct('Star', '*');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
/** Any other single character (never a line break); a surrogate pair is one character. */
export const Unknown = createToken({ name: 'Unknown', pattern: /[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\r\n]/ });

const common = [
  StringLit,
  BadString,
  EqEq,
  NotEq,
  Equals,
  DotDot,
  Pipe,
  Plus,
  Minus,
  Star,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
];

export const allTokens: TokenType[] = [
  Newline,
  HeaderNewline,
  Space,
  Kernel,
  Arch,
  Thread,
  Expect,
  Else,
  Start,
  Until,
  After,
  Identifier,
  Word,
  Int,
  ...common,
  Unknown,
];

const lexer = new Lexer(
  {
    modes: {
      normal: [Newline, Space, Kernel, Arch, Thread, Expect, Else, Start, Until, After, Identifier, Int, ...common, Unknown],
      // Word first: in a header line every run of word characters (including `.` and `-`) is one value.
      header: [HeaderNewline, Space, Word, ...common.filter((t) => t !== DotDot && t !== Minus), Unknown],
    },
    defaultMode: 'normal',
  },
  { positionTracking: 'full', ensureOptimizations: false },
);

export interface Lexed {
  tokens: IToken[];
  /** Position just past the last character, where a missing final newline is assumed. */
  end: { line: number; column: number; offset: number };
}

/** Tokenizes a whole file; the result always ends with a Newline token. */
export function tokenize(source: string): Lexed {
  const result = lexer.tokenize(source);
  const end = endOf(source);
  const tokens = result.tokens;
  const first = result.errors[0];
  if (first !== undefined) {
    // Unreachable by construction (Unknown matches any character) but kept total.
    tokens.length = 0;
    tokens.push(synthetic(Unknown, source.charAt(first.offset), first.offset, first.line ?? 1, first.column ?? 1));
  }
  const last = tokens[tokens.length - 1];
  if (last === undefined || (last.tokenType !== Newline && last.tokenType !== HeaderNewline)) {
    tokens.push(synthetic(Newline, '', end.offset, end.line, end.column));
  }
  return { tokens, end };
}

function synthetic(tokenType: TokenType, image: string, offset: number, line: number, column: number): IToken {
  return {
    image,
    startOffset: offset,
    endOffset: offset + image.length - 1,
    startLine: line,
    endLine: line,
    startColumn: column,
    endColumn: column + image.length - 1,
    tokenType,
    tokenTypeIdx: tokenType.tokenTypeIdx!,
  };
}

/** The lines of a source, split the way the lexer counts them. */
export function sourceLines(source: string): string[] {
  return source.split(/\r\n|\r|\n/);
}

function endOf(source: string): { line: number; column: number; offset: number } {
  const lines = sourceLines(source);
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1, offset: source.length };
}
