// Row stages: `filter` keeps rows matching a small, safe expression; `drop-missing`
// drops rows with missing values.
//
// The filter language is parsed here by a tiny recursive-descent parser (never eval):
//   expr      := or
//   or        := and ('or' and)*
//   and       := not ('and' not)*
//   not       := 'not' not | '(' expr ')' | predicate
//   predicate := operand ('==' | '!=' | '<' | '<=' | '>' | '>=') operand
//              | column 'is' ['not'] 'missing'
//   operand   := column | number | string
//   column    := identifier | `any text in backquotes`
// Keywords are case-insensitive; a column named like one needs backquotes. A missing value
// never satisfies a comparison (as in pandas), and `not` simply inverts, so
// `not (age > 3)` keeps rows where age is missing; write `age <= 3` to drop them.
// The expression is compiled to one vectorised pass per comparison over typed arrays.
import type { CategoryColumn, Column, NumberColumn, Table } from '../table/table';
import { columnListSchema, compareStrings, featureColumns, maskToRows, stageLabel, stringListParam } from './common';
import type { StageDef, TransformStage } from './types';

// ---------------------------------------------------------------- tokens

type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'column'; text: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'op'; op: CmpOp; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | '-'; pos: number }
  | { kind: 'end'; text: ''; pos: number };

/** An error in the filter expression; `pos` is 0-based into the expression. */
class ExprError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: number,
  ) {
    super(reason);
  }
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[\p{L}_][\p{L}\p{N}_]*/uy;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (ch === '(' || ch === ')' || ch === '-') {
      tokens.push({ kind: 'punct', text: ch, pos: start });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', op: two, text: two, pos: start });
      i += 2;
      continue;
    }
    if (ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', op: ch, text: ch, pos: start });
      i++;
      continue;
    }
    if (ch === '=') throw new ExprError("unexpected '=' (use '==' to compare)", start);
    if (two === '&&') throw new ExprError("unexpected '&&' (use 'and')", start);
    if (two === '||') throw new ExprError("unexpected '||' (use 'or')", start);
    if (ch === '!') throw new ExprError("unexpected '!' (use 'not' or '!=')", start);
    if (ch === "'" || ch === '"' || ch === '`') {
      const [text, end] = readQuoted(src, i);
      tokens.push(
        ch === '`'
          ? { kind: 'column', text, pos: start }
          : { kind: 'string', value: text, text: src.slice(start, end), pos: start },
      );
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num) {
      tokens.push({ kind: 'number', value: Number(num[0]), text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(src);
    if (id) {
      tokens.push({ kind: 'ident', text: id[0], pos: start });
      i += id[0].length;
      continue;
    }
    throw new ExprError(`unexpected '${ch}'`, start);
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

/** Reads a quoted run starting at the quote; backslash escapes the next character. */
function readQuoted(src: string, start: number): [string, number] {
  const quote = src[start];
  let out = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) {
      const e = src[++i];
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
    } else if (c === quote) {
      return [out, i + 1];
    } else {
      out += c;
    }
  }
  const what = quote === '`' ? 'column name' : 'string';
  throw new ExprError(`unterminated ${what} (missing closing ${quote})`, start);
}

// ---------------------------------------------------------------- syntax tree

type Operand =
  | { kind: 'col'; name: string; pos: number }
  | { kind: 'num'; value: number; pos: number }
  | { kind: 'str'; value: string; pos: number };

type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; arg: Expr }
  | { kind: 'cmp'; op: CmpOp; left: Operand; right: Operand; pos: number }
  | { kind: 'missing'; column: Operand & { kind: 'col' }; negated: boolean };

const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'missing']);

function isKeyword(t: Token, word: string): boolean {
  return t.kind === 'ident' && t.text.toLowerCase() === word;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of expression' : `'${t.kind === 'column' ? '`' + t.text + '`' : t.text}'`;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    const e = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new ExprError(`unexpected ${describe(t)}`, t.pos);
    return e;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private or(): Expr {
    let left = this.and();
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (isKeyword(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    const t = this.peek();
    if (isKeyword(t, 'not')) {
      this.next();
      return { kind: 'not', arg: this.not() };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const inner = this.or();
      const close = this.next();
      if (close.kind !== 'punct' || close.text !== ')') {
        throw new ExprError(`expected ')' to close the '(' at col ${t.pos + 1}, found ${describe(close)}`, close.pos);
      }
      return inner;
    }
    return this.predicate();
  }

  private predicate(): Expr {
    const left = this.operand();
    const t = this.next();
    if (t.kind === 'op') return { kind: 'cmp', op: t.op, left, right: this.operand(), pos: t.pos };
    if (isKeyword(t, 'is')) {
      let negated = false;
      if (isKeyword(this.peek(), 'not')) {
        this.next();
        negated = true;
      }
      const m = this.next();
      if (!isKeyword(m, 'missing')) throw new ExprError(`expected 'missing' after 'is', found ${describe(m)}`, m.pos);
      if (left.kind !== 'col') throw new ExprError(`'is missing' needs a column on its left`, left.pos);
      return { kind: 'missing', column: left, negated };
    }
    throw new ExprError(`expected a comparison (==, !=, <, <=, >, >=) or 'is missing', found ${describe(t)}`, t.pos);
  }

  private operand(): Operand {
    const t = this.next();
    if (t.kind === 'number') return { kind: 'num', value: t.value, pos: t.pos };
    if (t.kind === 'string') return { kind: 'str', value: t.value, pos: t.pos };
    if (t.kind === 'column') return { kind: 'col', name: t.text, pos: t.pos };
    if (t.kind === 'ident' && !KEYWORDS.has(t.text.toLowerCase())) return { kind: 'col', name: t.text, pos: t.pos };
    if (t.kind === 'punct' && t.text === '-') {
      const n = this.next();
      if (n.kind === 'number') return { kind: 'num', value: -n.value, pos: t.pos };
      throw new ExprError(`'-' must be followed by a number, found ${describe(n)}`, n.pos);
    }
    throw new ExprError(`unexpected ${describe(t)}`, t.pos);
  }
}

// ---------------------------------------------------------------- evaluation

const MIRROR: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function test(op: CmpOp, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

class Evaluator {
  constructor(
    private readonly table: Table,
    private readonly fail: (reason: string, pos: number) => never,
  ) {}

  eval(e: Expr): Uint8Array {
    switch (e.kind) {
      case 'and':
      case 'or': {
        const a = this.eval(e.left);
        const b = this.eval(e.right);
        if (e.kind === 'and') for (let i = 0; i < a.length; i++) a[i] &= b[i];
        else for (let i = 0; i < a.length; i++) a[i] |= b[i];
        return a;
      }
      case 'not': {
        const a = this.eval(e.arg);
        for (let i = 0; i < a.length; i++) a[i] ^= 1;
        return a;
      }
      case 'missing':
        return this.missingMask(this.column(e.column), e.negated);
      case 'cmp':
        return this.compare(e);
    }
  }

  private column(o: Operand & { kind: 'col' }): Column {
    if (!this.table.has(o.name)) {
      const names = this.table.names;
      const list = names.length > 30 ? `${names.slice(0, 30).join(', ')}, ...` : names.join(', ');
      this.fail(`no column '${o.name}' (available: ${list || 'none'})`, o.pos);
    }
    return this.table.column(o.name);
  }

  private missingMask(c: Column, negated: boolean): Uint8Array {
    const n = this.table.rowCount;
    const m = new Uint8Array(n);
    const hit = negated ? 0 : 1;
    if (c.type === 'number') {
      if (c.missing === null) m.fill(1 - hit);
      else for (let i = 0; i < n; i++) m[i] = c.missing[i] === hit ? 1 : 0;
    } else {
      const codes = c.codes;
      for (let i = 0; i < n; i++) m[i] = (codes[i] < 0) === !negated ? 1 : 0;
    }
    return m;
  }

  private compare(e: Expr & { kind: 'cmp' }): Uint8Array {
    let { left, right, op } = e;
    if (left.kind !== 'col' && right.kind === 'col') {
      [left, right] = [right, left];
      op = MIRROR[op];
    }
    const n = this.table.rowCount;
    if (left.kind !== 'col') {
      // Two literals: a constant, but still type-checked so typos surface.
      if (left.kind !== right.kind) this.fail(`cannot compare a number with a string`, e.pos);
      const c = left.kind === 'num' ? Math.sign(left.value - (right.value as number)) : compareStrings(left.value as string, right.value as string);
      return new Uint8Array(n).fill(test(op, c) ? 1 : 0);
    }
    const col = this.column(left);
    if (right.kind === 'col') {
      const other = this.column(right);
      if (col.type !== other.type) {
        this.fail(`cannot compare ${col.type} column '${col.name}' with ${other.type} column '${other.name}'`, e.pos);
      }
      return col.type === 'number'
        ? compareNumberColumns(col, other as NumberColumn, op)
        : compareCategoryColumns(col, other as CategoryColumn, op);
    }
    if (col.type === 'number') {
      if (right.kind !== 'num') {
        this.fail(`cannot compare number column '${col.name}' with the string '${right.value}'`, right.pos);
      }
      return compareNumberLiteral(col, op, right.value);
    }
    if (right.kind !== 'str') {
      this.fail(
        `cannot compare category column '${col.name}' with the number ${right.value} (quote it: '${right.value}')`,
        right.pos,
      );
    }
    return compareCategoryLiteral(col, op, right.value);
  }
}

// Missing slots hold NaN, so ordered comparisons and == are already false there; only
// != needs the extra `x === x` check. One loop per operator keeps the hot loop branch-free.
function compareNumberLiteral(c: NumberColumn, op: CmpOp, lit: number): Uint8Array {
  const v = c.values;
  const n = v.length;
  const m = new Uint8Array(n);
  switch (op) {
    case '==':
      for (let i = 0; i < n; i++) m[i] = v[i] === lit ? 1 : 0;
      break;
    case '!=':
      for (let i = 0; i < n; i++) m[i] = v[i] !== lit && v[i] === v[i] ? 1 : 0;
      break;
    case '<':
      for (let i = 0; i < n; i++) m[i] = v[i] < lit ? 1 : 0;
      break;
    case '<=':
      for (let i = 0; i < n; i++) m[i] = v[i] <= lit ? 1 : 0;
      break;
    case '>':
      for (let i = 0; i < n; i++) m[i] = v[i] > lit ? 1 : 0;
      break;
    case '>=':
      for (let i = 0; i < n; i++) m[i] = v[i] >= lit ? 1 : 0;
      break;
  }
  return m;
}

function compareNumberColumns(a: NumberColumn, b: NumberColumn, op: CmpOp): Uint8Array {
  const x = a.values;
  const y = b.values;
  const n = x.length;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = x[i];
    const q = y[i];
    if (p !== p || q !== q) continue;
    m[i] = test(op, p < q ? -1 : p > q ? 1 : 0) ? 1 : 0;
  }
  return m;
}

/** Decides the comparison once per dictionary entry, then maps codes through that table. */
function compareCategoryLiteral(c: CategoryColumn, op: CmpOp, lit: string): Uint8Array {
  const dict = c.dictionary;
  // Slot 0 stands for code -1 (missing), which never matches.
  const verdict = new Uint8Array(dict.length + 1);
  for (let k = 0; k < dict.length; k++) verdict[k + 1] = test(op, compareStrings(dict[k], lit)) ? 1 : 0;
  const codes = c.codes;
  const n = codes.length;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = verdict[codes[i] + 1];
  return m;
}

/** Ranks both dictionaries in one sorted order so each row compares two integers. */
function compareCategoryColumns(a: CategoryColumn, b: CategoryColumn, op: CmpOp): Uint8Array {
  const all = [...new Set([...a.dictionary, ...b.dictionary])].sort(compareStrings);
  const rank = new Map(all.map((s, i) => [s, i] as const));
  const ra = Int32Array.from(a.dictionary, (s) => rank.get(s)!);
  const rb = Int32Array.from(b.dictionary, (s) => rank.get(s)!);
  const n = a.codes.length;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = a.codes[i];
    const q = b.codes[i];
    if (p < 0 || q < 0) continue;
    m[i] = test(op, ra[p] - rb[q]) ? 1 : 0;
  }
  return m;
}

/**
 * Parses and evaluates a filter expression against `table`: 1 where the row matches.
 * Errors name the 1-based column inside the expression.
 */
export function evaluateFilter(table: Table, where: string, stage = 'filter'): Uint8Array {
  const fail = (reason: string, pos: number): never => {
    throw new Error(`${stage}: ${reason} at col ${pos + 1} of '${where}'`);
  };
  let expr: Expr;
  try {
    expr = new Parser(tokenize(where)).parse();
  } catch (e) {
    if (e instanceof ExprError) fail(e.reason, e.pos);
    throw e;
  }
  return new Evaluator(table, fail).eval(expr!);
}

function countOnes(mask: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < mask.length; i++) k += mask[i];
  return k;
}

// ---------------------------------------------------------------- stages

const filter: TransformStage<{ where: string }> = {
  type: 'filter',
  kind: 'transform',
  summary: "Keep rows matching an expression, e.g. `age >= 18 and plan != 'free'` (missing values never match).",
  params: {
    type: 'object',
    properties: {
      where: {
        type: 'string',
        minLength: 1,
        description:
          'Rows to keep. Columns by name or in `backquotes`; numbers; \'strings\'; == != < <= > >=; ' +
          '`is missing` / `is not missing`; and, or, not, parentheses. Missing values never satisfy a comparison.',
      },
    },
    required: ['where'],
    additionalProperties: false,
  },
  run(input, ctx) {
    const label = stageLabel(ctx);
    const where = ctx.params.where;
    if (typeof where !== 'string' || where.trim() === '') throw new Error(`${label}: 'where' must be a non-empty expression`);
    const mask = evaluateFilter(input, where, label);
    const kept = countOnes(mask);
    ctx.log(`kept ${kept} of ${input.rowCount} rows (${input.rowCount - kept} dropped)`);
    return kept === input.rowCount ? input : input.take(maskToRows(mask, kept));
  },
};

const dropMissing: TransformStage<{ columns?: string[] }> = {
  type: 'drop-missing',
  kind: 'transform',
  summary: 'Drop rows with a missing value in the listed columns (default: in any column).',
  params: {
    type: 'object',
    properties: {
      columns: columnListSchema('Columns to check. Default: every column, including the target.'),
    },
    additionalProperties: false,
  },
  run(input, ctx) {
    const label = stageLabel(ctx);
    const explicit = stringListParam(ctx.params, 'columns', label);
    // Rows with a missing label are useless too, so the default includes the target.
    const names = explicit === undefined ? input.names : featureColumns(input, ctx, explicit);
    const n = input.rowCount;
    const keep = new Uint8Array(n).fill(1);
    for (const name of names) {
      const c = input.column(name);
      if (c.type === 'number') {
        const miss = c.missing;
        if (miss === null) continue;
        for (let i = 0; i < n; i++) keep[i] &= miss[i] ^ 1;
      } else {
        const codes = c.codes;
        for (let i = 0; i < n; i++) if (codes[i] < 0) keep[i] = 0;
      }
    }
    const kept = countOnes(keep);
    const scope = explicit === undefined ? 'any column' : `${names.length === 1 ? 'column' : 'columns'} ${names.map((s) => `'${s}'`).join(', ')}`;
    ctx.log(`dropped ${n - kept} of ${n} rows with a missing value in ${scope}`);
    return kept === n ? input : input.take(maskToRows(keep, kept));
  },
};

export const stages: StageDef[] = [filter, dropMissing];
