import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatScenario, parseScenario } from '../../src/scenario/parse.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import type { Expr, Scenario, Stmt } from '../../src/scenario/ast.js';

const P = (line: number, column: number) => ({ line, column });

function parse(source: string): Scenario {
  return parseScenario(source, 't.cow');
}

/** The statements of a one-section scenario. */
function body(source: string): Stmt[] {
  const s = parse(source);
  assert.equal(s.sections.length, 1);
  return s.sections[0]!.body;
}

/** The value of `x = <source>`; the expression starts at column 5. */
function expr(source: string): Expr {
  const [stmt] = body(`x = ${source}`);
  assert.equal(stmt?.kind, 'assign');
  return (stmt as Extract<Stmt, { kind: 'assign' }>).value;
}

function fails(source: string, message: string): void {
  assert.throws(
    () => parse(source),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError, `not a ScenarioError: ${String(e)}`);
      assert.equal(e.message, message);
      return true;
    },
  );
}

const example = `# test_swp_exclusive: vmsplice + swapout must not lose exclusivity
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
  expect read(p, 1) == [0x00] else "page was replaced during COW"

thread child:
  w = start write_proc_mem(mem, "EVIL", force=1) until after faultin_page
  wait(w)
  io = start odirect_read(fd, mem, 512)
  expect mem[4095] != 0 
`;

describe('parseScenario: structure', () => {
  it('parses the example scenario exactly', () => {
    const s = parse(example);
    assert.deepEqual(s.headers, [
      { key: 'kernel', value: '6.0', pos: P(2, 1), valuePos: P(2, 8) },
      { key: 'arch', value: 'x86_64', pos: P(3, 1), valuePos: P(3, 6) },
    ]);
    assert.deepEqual(
      s.sections.map((sec) => [sec.thread, sec.pos, sec.body.map((st) => [st.kind, st.pos])]),
      [
        [
          'main',
          P(5, 1),
          [
            ['assign', P(6, 3)],
            ['store', P(7, 3)],
            ['assign', P(8, 3)],
            ['expr', P(9, 3)],
            ['expect', P(10, 3)],
            ['assign', P(11, 3)],
            ['store', P(12, 3)],
            ['expect', P(13, 3)],
          ],
        ],
        [
          'child',
          P(15, 1),
          [
            ['start', P(16, 3)],
            ['expr', P(17, 3)],
            ['start', P(18, 3)],
            ['expect', P(19, 3)],
          ],
        ],
      ],
    );
    assert.deepEqual(s.sections[1]!.body[0], {
      kind: 'start',
      name: 'w',
      call: {
        kind: 'call',
        callee: 'write_proc_mem',
        args: [
          { kind: 'name', name: 'mem', pos: P(16, 28) },
          { kind: 'string', value: 'EVIL', pos: P(16, 33) },
        ],
        named: [{ name: 'force', value: { kind: 'int', value: 1n, pos: P(16, 47) }, pos: P(16, 41) }],
        pos: P(16, 13),
      },
      until: 'faultin_page',
      pos: P(16, 3),
    });
    assert.equal(s.file, 't.cow');
  });

  it('accepts an empty file and a file of comments and blank lines', () => {
    assert.deepEqual(parse(''), { file: 't.cow', headers: [], sections: [] });
    assert.deepEqual(parse('# nothing\n\n   \t\n  # more\n'), { file: 't.cow', headers: [], sections: [] });
  });

  it('records headers with keyword and value positions', () => {
    for (const v of ['5.19', '4.4', 'latest', 'all']) {
      assert.deepEqual(parse(`kernel ${v}`).headers, [{ key: 'kernel', value: v, pos: P(1, 1), valuePos: P(1, 8) }]);
    }
    for (const v of ['x86_64', 'i386-pae', 'arm64', 'mips32-xpa']) {
      assert.deepEqual(parse(`\n\t arch   ${v} # comment\n`).headers, [
        { key: 'arch', value: v, pos: P(2, 3), valuePos: P(2, 10) },
      ]);
    }
    assert.deepEqual(
      parse('arch arm64\nkernel latest\n').headers.map((h) => h.key),
      ['arch', 'kernel'],
    );
  });

  it('puts statements before the first thread line in a main section at the first statement', () => {
    const s = parse('kernel 6.0\n\n  # c\n  f()\nthread b:\n  g()\n');
    assert.deepEqual(s.sections, [
      {
        thread: 'main',
        pos: P(4, 3),
        body: [{ kind: 'expr', expr: { kind: 'call', callee: 'f', args: [], named: [], pos: P(4, 3) }, pos: P(4, 3) }],
      },
      {
        thread: 'b',
        pos: P(5, 1),
        body: [{ kind: 'expr', expr: { kind: 'call', callee: 'g', args: [], named: [], pos: P(6, 3) }, pos: P(6, 3) }],
      },
    ]);
  });

  it('keeps repeated and empty sections in file order', () => {
    const s = parse('thread a:\nthread b:\n f()\nthread a:\n\tg()\n');
    assert.deepEqual(
      s.sections.map((sec) => [sec.thread, sec.pos, sec.body.length]),
      [
        ['a', P(1, 1), 0],
        ['b', P(2, 1), 1],
        ['a', P(4, 1), 1],
      ],
    );
  });

  it('treats indentation as cosmetic and accepts CRLF and CR line ends', () => {
    const s = parse('thread a:\r\n\t\t f()\r\ng()\r  h()');
    assert.deepEqual(
      s.sections[0]!.body.map((st) => st.pos),
      [P(2, 4), P(3, 1), P(4, 3)],
    );
  });
});

describe('parseScenario: statements', () => {
  it('assignment', () => {
    assert.deepEqual(body('x = y'), [
      { kind: 'assign', name: 'x', value: { kind: 'name', name: 'y', pos: P(1, 5) }, pos: P(1, 1) },
    ]);
  });

  it('store to one byte and to a range', () => {
    assert.deepEqual(body('mem[1] = 2\n(f())[0..n] = "ab"'), [
      {
        kind: 'store',
        target: {
          kind: 'index',
          base: { kind: 'name', name: 'mem', pos: P(1, 1) },
          from: { kind: 'int', value: 1n, pos: P(1, 5) },
          to: null,
          pos: P(1, 1),
        },
        value: { kind: 'int', value: 2n, pos: P(1, 10) },
        pos: P(1, 1),
      },
      {
        kind: 'store',
        target: {
          kind: 'index',
          base: { kind: 'call', callee: 'f', args: [], named: [], pos: P(2, 2) },
          from: { kind: 'int', value: 0n, pos: P(2, 7) },
          to: { kind: 'name', name: 'n', pos: P(2, 10) },
          pos: P(2, 2),
        },
        value: { kind: 'string', value: 'ab', pos: P(2, 15) },
        pos: P(2, 1),
      },
    ]);
  });

  it('call statement', () => {
    assert.deepEqual(body('  wait(w)'), [
      {
        kind: 'expr',
        expr: { kind: 'call', callee: 'wait', args: [{ kind: 'name', name: 'w', pos: P(1, 8) }], named: [], pos: P(1, 3) },
        pos: P(1, 3),
      },
    ]);
  });

  it('expect with == and !=, with and without a message', () => {
    assert.deepEqual(body('expect a == 1 else "no\\n"\nexpect b != c'), [
      {
        kind: 'expect',
        op: '==',
        left: { kind: 'name', name: 'a', pos: P(1, 8) },
        right: { kind: 'int', value: 1n, pos: P(1, 13) },
        message: 'no\n',
        pos: P(1, 1),
      },
      {
        kind: 'expect',
        op: '!=',
        left: { kind: 'name', name: 'b', pos: P(2, 8) },
        right: { kind: 'name', name: 'c', pos: P(2, 13) },
        message: null,
        pos: P(2, 1),
      },
    ]);
  });

  it('start with and without a handle and an until clause', () => {
    const call = (column: number) => ({ kind: 'call', callee: 'f', args: [], named: [], pos: P(1, column) });
    assert.deepEqual(body('start f()'), [{ kind: 'start', name: null, call: call(7), until: null, pos: P(1, 1) }]);
    assert.deepEqual(body('h = start f() until after step_1'), [
      { kind: 'start', name: 'h', call: call(11), until: 'step_1', pos: P(1, 1) },
    ]);
  });

  it('kernel and arch are names when the line assigns, calls or stores', () => {
    assert.deepEqual(
      body('kernel = arch\narch(kernel)\nkernel[0] = 1').map((s) => s.kind),
      ['assign', 'expr', 'store'],
    );
    assert.deepEqual(expr('kernel + arch'), {
      kind: 'binary',
      op: '+',
      left: { kind: 'name', name: 'kernel', pos: P(1, 5) },
      right: { kind: 'name', name: 'arch', pos: P(1, 14) },
      pos: P(1, 5),
    });
    assert.equal(parse('thread kernel:\n').sections[0]!.thread, 'kernel');
  });

  it('does not treat # inside a string as a comment', () => {
    assert.deepEqual(expr('"a # b" # c'), { kind: 'string', value: 'a # b', pos: P(1, 5) });
  });
});

describe('parseScenario: expressions', () => {
  it('integers: decimal, hex, underscores, beyond 64 bits', () => {
    const ints: [string, bigint][] = [
      ['0', 0n],
      ['4096', 4096n],
      ['0x1000', 4096n],
      ['0XfF', 255n],
      ['0x1000_0000', 0x10000000n],
      ['1_000', 1000n],
      ['0xffffffffffffffffff', 0xffffffffffffffffffn],
    ];
    for (const [text, value] of ints) assert.deepEqual(expr(text), { kind: 'int', value, pos: P(1, 5) });
  });

  it('strings and their escapes', () => {
    assert.deepEqual(expr('"a\\n\\t\\\\\\"\\x41\\xff b"'), { kind: 'string', value: 'a\n\t\\"A\xff b', pos: P(1, 5) });
    assert.deepEqual(expr('""'), { kind: 'string', value: '', pos: P(1, 5) });
  });

  it('byte lists: empty, trailing comma, nested expressions', () => {
    assert.deepEqual(expr('[]'), { kind: 'bytes', items: [], pos: P(1, 5) });
    assert.deepEqual(expr('[ 1, a , ]'), {
      kind: 'bytes',
      items: [
        { kind: 'int', value: 1n, pos: P(1, 7) },
        { kind: 'name', name: 'a', pos: P(1, 10) },
      ],
      pos: P(1, 5),
    });
    assert.deepEqual(expr('[[0]]'), {
      kind: 'bytes',
      items: [{ kind: 'bytes', items: [{ kind: 'int', value: 0n, pos: P(1, 7) }], pos: P(1, 6) }],
      pos: P(1, 5),
    });
  });

  it('calls with positional and named arguments', () => {
    assert.deepEqual(expr('f(1, g(), k=v, k2 = 2)'), {
      kind: 'call',
      callee: 'f',
      args: [
        { kind: 'int', value: 1n, pos: P(1, 7) },
        { kind: 'call', callee: 'g', args: [], named: [], pos: P(1, 10) },
      ],
      named: [
        { name: 'k', value: { kind: 'name', name: 'v', pos: P(1, 17) }, pos: P(1, 15) },
        { name: 'k2', value: { kind: 'int', value: 2n, pos: P(1, 25) }, pos: P(1, 20) },
      ],
      pos: P(1, 5),
    });
  });

  it('precedence: | below + and -, below *; all left-associative', () => {
    const n = (name: string, column: number): Expr => ({ kind: 'name', name, pos: P(1, column) });
    // a | b + c * d - e
    assert.deepEqual(expr('a | b + c * d - e'), {
      kind: 'binary',
      op: '|',
      left: n('a', 5),
      right: {
        kind: 'binary',
        op: '-',
        left: {
          kind: 'binary',
          op: '+',
          left: n('b', 9),
          right: { kind: 'binary', op: '*', left: n('c', 13), right: n('d', 17), pos: P(1, 13) },
          pos: P(1, 9),
        },
        right: n('e', 21),
        pos: P(1, 9),
      },
      pos: P(1, 5),
    });
    assert.deepEqual(expr('a-b-c'), {
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '-', left: n('a', 5), right: n('b', 7), pos: P(1, 5) },
      right: n('c', 9),
      pos: P(1, 5),
    });
    assert.deepEqual(expr('(a|b)*c'), {
      kind: 'binary',
      op: '*',
      left: { kind: 'binary', op: '|', left: n('a', 6), right: n('b', 8), pos: P(1, 6) },
      right: n('c', 11),
      pos: P(1, 6),
    });
  });

  it('unary minus binds tighter than * and covers an index', () => {
    assert.deepEqual(expr('-a[0] * --1'), {
      kind: 'binary',
      op: '*',
      left: {
        kind: 'neg',
        operand: {
          kind: 'index',
          base: { kind: 'name', name: 'a', pos: P(1, 6) },
          from: { kind: 'int', value: 0n, pos: P(1, 8) },
          to: null,
          pos: P(1, 6),
        },
        pos: P(1, 5),
      },
      right: {
        kind: 'neg',
        operand: { kind: 'neg', operand: { kind: 'int', value: 1n, pos: P(1, 15) }, pos: P(1, 14) },
        pos: P(1, 13),
      },
      pos: P(1, 5),
    });
  });

  it('indexes names, calls and parenthesised expressions', () => {
    assert.deepEqual(expr('f(p)[a..a+4]'), {
      kind: 'index',
      base: { kind: 'call', callee: 'f', args: [{ kind: 'name', name: 'p', pos: P(1, 7) }], named: [], pos: P(1, 5) },
      from: { kind: 'name', name: 'a', pos: P(1, 10) },
      to: {
        kind: 'binary',
        op: '+',
        left: { kind: 'name', name: 'a', pos: P(1, 13) },
        right: { kind: 'int', value: 4n, pos: P(1, 15) },
        pos: P(1, 13),
      },
      pos: P(1, 5),
    });
    assert.deepEqual(expr('(m[0])[1]'), {
      kind: 'index',
      base: {
        kind: 'index',
        base: { kind: 'name', name: 'm', pos: P(1, 6) },
        from: { kind: 'int', value: 0n, pos: P(1, 8) },
        to: null,
        pos: P(1, 6),
      },
      from: { kind: 'int', value: 1n, pos: P(1, 12) },
      to: null,
      pos: P(1, 6),
    });
  });
});

describe('parseScenario: errors', () => {
  const cases: [string, string][] = [
    // lexical
    ['x = "abc', "t.cow:1:5: unterminated string"],
    ['x = "abc\\', "t.cow:1:5: unterminated string"],
    ['x = "a\\qb"', "t.cow:1:7: unknown escape '\\q' in string (use \\n \\t \\\\ \\\" or \\xHH)"],
    ['x = "ab\\x4g"', "t.cow:1:8: '\\x' must be followed by two hex digits"],
    ['x = 1 $', "t.cow:1:7: unexpected character '$'"],
    ['\n\n  f(\u0007)', 't.cow:3:5: unexpected character U+0007'],
    ['x = \u{1f600} 1', 't.cow:1:5: unexpected character U+1F600'],
    ['x = \u00e9', 't.cow:1:5: unexpected character U+00E9'],
    ['x = 12ab', "t.cow:1:5: malformed number '12ab'"],
    ['x = 0x', "t.cow:1:5: malformed number '0x'"],
    ['x = 1__0', "t.cow:1:5: malformed number '1__0'"],
    // headers
    ['f()\nkernel 6.0', "t.cow:2:1: 'kernel' header must come before the first thread or statement"],
    ['thread a:\n  arch x86_64', "t.cow:2:3: 'arch' header must come before the first thread or statement"],
    ['kernel 6.0\narch arm64\nkernel 5.0', "t.cow:3:1: duplicate 'kernel' header (first given at line 1)"],
    ['kernel', 't.cow:1:7: expected a kernel version (like 6.0) but found end of line'],
    ['arch # none', 't.cow:1:6: expected an architecture name (like x86_64) but found end of line'],
    ['kernel "6.0"', 't.cow:1:8: expected a kernel version (like 6.0) but found string "6.0"'],
    ['arch x86_64 extra', "t.cow:1:13: expected end of line but found 'extra'"],
    // thread lines
    ['thread a\n', "t.cow:1:9: expected ':' after the thread name but found end of line"],
    ['thread :', "t.cow:1:8: expected a thread name but found ':'"],
    ['thread start:', "t.cow:1:8: expected a thread name but found reserved word 'start'"],
    ['thread a: f()', "t.cow:1:11: expected end of line but found 'f'"],
    // statements
    ['x', 't.cow:1:1: expression statement must be a call'],
    ['  a + 1', 't.cow:1:3: expression statement must be a call'],
    ['5', 't.cow:1:1: expression statement must be a call'],
    [')', "t.cow:1:1: expected a statement but found ')'"],
    ['after = 1', "t.cow:1:1: expected a statement but found reserved word 'after'"],
    ['(x) = 1', "t.cow:1:1: left side of '=' must be a name or an index"],
    ['f(x) = 1', "t.cow:1:1: left side of '=' must be a name or an index"],
    ['x = ', "t.cow:1:5: expected an expression or 'start' but found end of line"],
    ['x = 1 2', "t.cow:1:7: expected end of line but found '2'"],
    ['x = a == b', "t.cow:1:7: expected end of line but found '=='"],
    // expect
    ['expect x', "t.cow:1:9: expected '==' or '!=' but found end of line"],
    ['expect a = b', "t.cow:1:10: expected '==' or '!=' but found '='"],
    ['expect x == 1 else', 't.cow:1:19: expected a string but found end of line'],
    ['expect x == 1 else msg', "t.cow:1:20: expected a string but found 'msg'"],
    // start
    ['start', "t.cow:1:6: expected a call after 'start' but found end of line"],
    ['h = start 5', "t.cow:1:11: expected a call after 'start' but found '5'"],
    ['start foo', "t.cow:1:10: expected '(' but found end of line"],
    ['x[0] = start f()', "t.cow:1:1: the result of 'start' must be assigned to a name"],
    ['start f() until x', "t.cow:1:17: expected 'after' but found 'x'"],
    ['start f() until after', 't.cow:1:22: expected a step name but found end of line'],
    ['start f() g', "t.cow:1:11: expected end of line but found 'g'"],
    // expressions
    ['f(a, b', "t.cow:1:7: expected ')' but found end of line"],
    ['f(a, b # comment', "t.cow:1:8: expected ')' but found end of line"],
    ['f(a b)', "t.cow:1:5: expected ')' but found 'b'"],
    ['f(,)', "t.cow:1:3: expected an argument or ')' but found ','"],
    ['f(k=1, 2)', 't.cow:1:8: positional argument after named argument'],
    ['f(k=1, k=2)', "t.cow:1:8: duplicate named argument 'k'"],
    ['f(start=1)', "t.cow:1:3: expected an argument or ')' but found reserved word 'start'"],
    ['x = [1,,2]', "t.cow:1:8: expected an expression or ']' but found ','"],
    ['x = [1', "t.cow:1:7: expected ']' but found end of line"],
    ['x = (1', "t.cow:1:7: expected ')' but found end of line"],
    ['x = 1 +', 't.cow:1:8: expected an expression but found end of line'],
    ['x = - )', "t.cow:1:7: expected an expression but found ')'"],
    ['x = m[]', "t.cow:1:7: expected an expression but found ']'"],
    ['x = m[0..]', "t.cow:1:10: expected an expression but found ']'"],
    ['x = a..b', "t.cow:1:6: expected end of line but found '..'"],
    ['x = a[0][1]', 't.cow:1:9: an index cannot be indexed again (add parentheses to index its value)'],
    ['x = 5[0]', "t.cow:1:6: only a name, a call or a parenthesised expression can be indexed"],
    ['x = "s"[0]', "t.cow:1:8: only a name, a call or a parenthesised expression can be indexed"],
    ['x = else', "t.cow:1:5: expected an expression or 'start' but found reserved word 'else'"],
    [`x = ${'('.repeat(150)}1${')'.repeat(150)}`, 't.cow:1:105: expression nested too deeply'],
  ];
  for (const [source, message] of cases) {
    it(`${JSON.stringify(source).slice(0, 40)} -> ${message.slice(6)}`, () => fails(source, message));
  }

  it('reports the first error in file order', () => {
    fails('f(1\ng(\n', "t.cow:1:4: expected ')' but found end of line");
    fails('x = 1 +\n$', 't.cow:1:8: expected an expression but found end of line');
  });

  it('stays usable after an error', () => {
    fails('f(', "t.cow:1:3: expected an argument or ')' but found end of line");
    assert.equal(parse('f()').sections.length, 1);
  });
});

describe('formatScenario', () => {
  it('prints the canonical form of the example', () => {
    assert.equal(
      formatScenario(parse(example)),
      `kernel 6.0
arch x86_64

thread main:
  mem = mmap(0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
  mem[0..0x1000] = 0xff
  p = pipe()
  vmsplice(p, mem, 0x1000)
  expect madvise(mem, 0x1000, MADV_PAGEOUT) == 0 else "MADV_PAGEOUT failed"
  x = mem[0]
  mem[0] = 0
  expect read(p, 1) == [0] else "page was replaced during COW"

thread child:
  w = start write_proc_mem(mem, "EVIL", force=1) until after faultin_page
  wait(w)
  io = start odirect_read(fd, mem, 0x200)
  expect mem[0xfff] != 0
`,
    );
  });

  it('adds only the parentheses and escapes needed', () => {
    const f = (src: string) => formatScenario(parse(`x = ${src}`)).split('\n')[1];
    assert.equal(f('(a - (b - c)) * (d | e)'), '  x = (a - (b - c)) * (d | e)');
    assert.equal(f('((a - b) - c) | (d * e)'), '  x = a - b - c | d * e');
    assert.equal(f('-(a + 1) - -b'), '  x = -(a + 1) - -b');
    assert.equal(f('(m[1])[2] + (-p)[0] + ([1])[0]'), '  x = (m[1])[2] + (-p)[0] + ([1])[0]');
    assert.equal(f('"q\\"\\\\\\t\\n\\x00\\x7f\\xe9\u00e9\u0101"'), '  x = "q\\"\\\\\\t\\n\\x00\\x7f\\xe9\\xe9\u0101"');
  });
});
