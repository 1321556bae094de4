import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatScenario, parseScenario } from '../../src/scenario/parse.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import type { Expr, Header, NamedArg, Pos, Scenario, Section, Stmt } from '../../src/scenario/ast.js';

type CallExpr = Extract<Expr, { kind: 'call' }>;
type IndexExpr = Extract<Expr, { kind: 'index' }>;

const pos: Pos = { line: 0, column: 0 };
const reserved = new Set(['thread', 'expect', 'else', 'start', 'until', 'after']);

/** Drops every position so that trees can be compared by shape. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'pos' && k !== 'valuePos')
        .map(([k, v]) => [k, strip(v)]),
    );
  }
  return value;
}

const name = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).filter((n) => !reserved.has(n)) },
  { weight: 1, arbitrary: fc.constantFrom('kernel', 'arch', 'threads', 'started', 'main', '_') },
);

const stringValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\r', '#', '\x00', '\x7f', '\xff', '\u2028', 'a'), maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
);

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.bigInt({ min: 0n, max: 1n << 70n }).map((value): Expr => ({ kind: 'int', value, pos })),
    stringValue.map((value): Expr => ({ kind: 'string', value, pos })),
    name.map((n): Expr => ({ kind: 'name', name: n, pos })),
    fc.array(tie('expr'), { maxLength: 3 }).map((items): Expr => ({ kind: 'bytes', items, pos })),
    fc
      .record({
        callee: name,
        args: fc.array(tie('expr'), { maxLength: 3 }),
        named: fc.uniqueArray(fc.record({ name, value: tie('expr') }), { maxLength: 2, selector: (n) => n.name }),
      })
      .map((c): Expr => ({ kind: 'call', ...c, named: c.named.map((n): NamedArg => ({ ...n, pos })), pos })),
    fc
      .record({ op: fc.constantFrom('|', '+', '-', '*' as const), left: tie('expr'), right: tie('expr') })
      .map((b): Expr => ({ kind: 'binary', ...b, pos })),
    tie('expr').map((operand): Expr => ({ kind: 'neg', operand, pos })),
    fc
      .record({ base: tie('expr'), from: tie('expr'), to: fc.option(tie('expr'), { nil: null }) })
      .map((i): Expr => ({ kind: 'index', ...i, pos })),
  ),
}));

const call = fc
  .record({ callee: name, args: fc.array(expr, { maxLength: 3 }) })
  .map((c): CallExpr => ({ kind: 'call', ...c, named: [], pos }));

const stmt: fc.Arbitrary<Stmt> = fc.oneof(
  fc.record({ name, value: expr }).map((s): Stmt => ({ kind: 'assign', ...s, pos })),
  fc
    .record({ base: expr, from: expr, to: fc.option(expr, { nil: null }), value: expr })
    .map(({ value, ...t }): Stmt => ({ kind: 'store', target: { kind: 'index', ...t, pos } as IndexExpr, value, pos })),
  call.map((c): Stmt => ({ kind: 'expr', expr: c, pos })),
  fc
    .record({
      op: fc.constantFrom('==', '!=' as const),
      left: expr,
      right: expr,
      message: fc.option(stringValue, { nil: null }),
    })
    .map((s): Stmt => ({ kind: 'expect', ...s, pos })),
  fc
    .record({ name: fc.option(name, { nil: null }), call, until: fc.option(name, { nil: null }) })
    .map((s): Stmt => ({ kind: 'start', ...s, pos })),
);

const header = (key: Header['key']) =>
  fc.stringMatching(/^[A-Za-z0-9._-]{1,10}$/).map((value): Header => ({ key, value, pos, valuePos: pos }));

const scenario: fc.Arbitrary<Scenario> = fc.record({
  file: fc.constant('f.cow'),
  headers: fc
    .tuple(fc.option(header('kernel'), { nil: null }), fc.option(header('arch'), { nil: null }), fc.boolean())
    .map(([k, a, swap]) => (swap ? [a, k] : [k, a]).filter((h): h is Header => h !== null)),
  sections: fc.array(
    fc.record({ thread: name, body: fc.array(stmt, { maxLength: 4 }) }).map((s): Section => ({ ...s, pos })),
    { maxLength: 4 },
  ),
});

/** Parsing never fails other than with a ScenarioError positioned inside the source. */
function parsesOrFailsCleanly(source: string): Scenario | null {
  try {
    return parseScenario(source, 'fuzz.cow');
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    const lines = source.split(/\r\n|\r|\n/);
    const { line, column } = e.pos;
    assert.ok(Number.isInteger(line) && line >= 1 && line <= lines.length, `line out of range: ${e.message}`);
    const width = lines[line - 1]!.length;
    assert.ok(Number.isInteger(column) && column >= 1 && column <= width + 1, `column out of range: ${e.message}`);
    assert.ok(e.message.startsWith(`fuzz.cow:${line}:${column}: `));
    assert.doesNotMatch(e.detail, /\n|Token|EOF|-->|<--|MismatchedToken|NoViableAlt/, e.detail);
    return null;
  }
}

const seeds = [
  `# test_swp_exclusive
kernel 6.0
arch x86_64

thread main:
  mem = mmap(4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
  mem[0..4096] = 0xff
  p = pipe()
  vmsplice(p, mem, 4096)
  expect madvise(mem, 4096, MADV_PAGEOUT) == 0 else "MADV_PAGEOUT failed"
  x = mem[0]
  mem[0] = 0x00
  expect read(p, 1) == [0x00, 1,] else "page \\x41 replaced\\n"

thread child:
  w = start write_proc_mem(mem, "EVIL", force=1) until after faultin_page
  wait(w)
  io = start odirect_read(fd, mem, 512)
  expect -(mem[4095] + 1) * 2 | (f(a)[0..2]) != 0 # done
`,
  'kernel latest\narch i386-pae\nf(x=1)\r\nthread t:\r\n\tk = [1, [2], "a"]\n',
];

/** A character or word likely to matter to the lexer or the parser. */
const interesting = fc.constantFrom(
  ...'"\\#()[]=,.:-+*|!_ \t\n\r$0x9aZ'.split(''),
  '\r\n',
  '==',
  '!=',
  '..',
  'thread ',
  'expect ',
  'else ',
  'start ',
  'until ',
  'after ',
  'kernel ',
  'arch ',
  '6.0',
  '0x1f',
  '\\x4',
  '\u2028',
  '\u00e9',
  '\ud800',
);

type Mutation = { at: number; del: number; ins: string };
const mutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.oneof(fc.constant(''), interesting) });

function mutate(source: string, mutations: Mutation[]): string {
  let s = source;
  for (const m of mutations) {
    const at = m.at % (s.length + 1);
    s = s.slice(0, at) + m.ins + s.slice(at + m.del);
  }
  return s;
}

describe('parser properties', () => {
  it('format then parse gives back the tree', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const text = formatScenario(s);
        const parsed = parseScenario(text, 'f.cow');
        assert.deepEqual(strip(parsed), strip(s));
        assert.equal(formatScenario(parsed), text);
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary text parses or fails with a positioned ScenarioError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
          fc.array(interesting, { maxLength: 30 }).map((parts) => parts.join('')),
        ),
        (source) => {
          parsesOrFailsCleanly(source);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('mutated valid scenarios parse or fail with a positioned ScenarioError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        const source = mutate(seed, ms);
        const parsed = parsesOrFailsCleanly(source);
        // Whatever parses must survive a trip through the formatter.
        if (parsed !== null) assert.deepEqual(strip(parseScenario(formatScenario(parsed), 'fuzz.cow')), strip(parsed));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated formatted trees parse or fail with a positioned ScenarioError', () => {
    fc.assert(
      fc.property(scenario, fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, ms) => {
        parsesOrFailsCleanly(mutate(formatScenario(s), ms));
      }),
      { numRuns: 500 },
    );
  });
});
