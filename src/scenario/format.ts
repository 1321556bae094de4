// Canonical printer of scenarios: parsing its output gives back the same tree
// (positions aside), which the property tests rely on.
import type { Expr, Scenario, Stmt } from './ast.js';

type IndexExpr = Extract<Expr, { kind: 'index' }>;

/** Binding strength; an operand weaker than its context gets parentheses. */
function strength(e: Expr): number {
  switch (e.kind) {
    case 'binary':
      return e.op === '|' ? 1 : e.op === '*' ? 3 : 2;
    case 'neg':
      return 4;
    default:
      return 5;
  }
}

export function formatInt(value: bigint): string {
  return value < 10n ? value.toString() : `0x${value.toString(16)}`;
}

export function formatString(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xff)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

export function formatExpr(e: Expr, minStrength = 0): string {
  const text = formatBare(e);
  return strength(e) < minStrength ? `(${text})` : text;
}

function formatBare(e: Expr): string {
  switch (e.kind) {
    case 'int':
      return formatInt(e.value);
    case 'string':
      return formatString(e.value);
    case 'name':
      return e.name;
    case 'bytes':
      return `[${e.items.map((i) => formatExpr(i)).join(', ')}]`;
    case 'call': {
      const args = [...e.args.map((a) => formatExpr(a)), ...e.named.map((n) => `${n.name}=${formatExpr(n.value)}`)];
      return `${e.callee}(${args.join(', ')})`;
    }
    case 'binary': {
      const s = strength(e);
      return `${formatExpr(e.left, s)} ${e.op} ${formatExpr(e.right, s + 1)}`;
    }
    case 'neg':
      return `-${formatExpr(e.operand, 4)}`;
    case 'index':
      return formatIndex(e);
  }
}

function formatIndex(e: IndexExpr): string {
  const base = e.base.kind === 'name' || e.base.kind === 'call' ? formatExpr(e.base) : `(${formatExpr(e.base)})`;
  const range = e.to === null ? formatExpr(e.from) : `${formatExpr(e.from)}..${formatExpr(e.to)}`;
  return `${base}[${range}]`;
}

export function formatStmt(s: Stmt): string {
  switch (s.kind) {
    case 'assign':
      return `${s.name} = ${formatExpr(s.value)}`;
    case 'store':
      return `${formatIndex(s.target)} = ${formatExpr(s.value)}`;
    case 'expr':
      return formatExpr(s.expr);
    case 'expect': {
      const message = s.message === null ? '' : ` else ${formatString(s.message)}`;
      return `expect ${formatExpr(s.left)} ${s.op} ${formatExpr(s.right)}${message}`;
    }
    case 'start': {
      const name = s.name === null ? '' : `${s.name} = `;
      const until = s.until === null ? '' : ` until after ${s.until}`;
      return `${name}start ${formatExpr(s.call)}${until}`;
    }
  }
}

/** Headers, then every section with an explicit `thread` line and its body indented. */
export function formatScenario(s: Scenario): string {
  const blocks: string[] = [];
  if (s.headers.length > 0) blocks.push(s.headers.map((h) => `${h.key} ${h.value}\n`).join(''));
  for (const section of s.sections) {
    blocks.push(`thread ${section.thread}:\n${section.body.map((st) => `  ${formatStmt(st)}\n`).join('')}`);
  }
  return blocks.join('\n');
}
