import { LIMITS } from './limits.js';
import { PREFIXES, type CompareOp, type FieldRef, type FilterExpr, type OrderTerm, type SearchSchema } from './ast.js';
import { syntaxError, tokenize, type Keyword, type Token } from './lexer.js';

const MAX_DEPTH = 64;
const MAX_COMPARISONS = 200;
const MAX_IN_VALUES = 1000;

class Parser {
  private i = 0;
  private comparisons = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly what: string,
    private readonly schema: SearchSchema,
  ) {}

  private get peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const t = this.tokens[this.i] as Token;
    if (t.type !== 'end') this.i += 1;
    return t;
  }

  private fail(token: Token, message: string): never {
    throw syntaxError(this.what, this.text, token.pos, message);
  }

  private isKeyword(t: Token, k: Keyword): boolean {
    return t.type === 'keyword' && t.value === k;
  }

  private describe(t: Token): string {
    switch (t.type) {
      case 'end':
        return 'the end of the text';
      case 'string':
        return `the string ${JSON.stringify(t.value)}`;
      case 'number':
        return `the number ${t.text}`;
      case 'ident':
        return `"${t.prefix ? `${t.prefix}.` : ''}${t.key}"`;
      default:
        return `"${t.value}"`;
    }
  }

  parseFilter(): FilterExpr {
    const expr = this.parseOr(0);
    if (this.peek.type !== 'end') this.fail(this.peek, `expected AND, OR or the end, found ${this.describe(this.peek)}`);
    return expr;
  }

  private parseOr(depth: number): FilterExpr {
    let left = this.parseAnd(depth);
    while (this.isKeyword(this.peek, 'OR')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd(depth) };
    }
    return left;
  }

  private parseAnd(depth: number): FilterExpr {
    let left = this.parseUnary(depth);
    while (this.isKeyword(this.peek, 'AND')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary(depth) };
    }
    return left;
  }

  private parseUnary(depth: number): FilterExpr {
    if (depth > MAX_DEPTH) this.fail(this.peek, `nesting deeper than ${MAX_DEPTH} levels`);
    const t = this.peek;
    if (this.isKeyword(t, 'NOT')) {
      this.next();
      return { kind: 'not', expr: this.parseUnary(depth + 1) };
    }
    if (t.type === 'punct' && t.value === '(') {
      this.next();
      const inner = this.parseOr(depth + 1);
      const close = this.next();
      if (close.type !== 'punct' || close.value !== ')') this.fail(close, `expected ")" to close the "(" at position ${t.pos}, found ${this.describe(close)}`);
      return inner;
    }
    return this.parseComparison();
  }

  field(token: Token): FieldRef {
    if (token.type !== 'ident') this.fail(token, `expected an identifier such as metrics.auc, found ${this.describe(token)}`);
    if (token.prefix === undefined) {
      if (!this.schema.bareAttributes) {
        this.fail(token, `"${token.key}" needs a prefix: metrics., params., tags. or attributes.`);
      }
      return this.attribute(token, token.key);
    }
    const kind = PREFIXES[token.prefix.toLowerCase()];
    if (kind === undefined) {
      this.fail(token, `unknown prefix "${token.prefix}." (use metrics., params., tags. or attributes.)`);
    }
    if (kind === 'attribute') return this.attribute(token, token.key);
    if (!this.schema.kinds.has(kind)) this.fail(token, `${this.schema.entity} have no ${kind}s to filter on`);
    if (token.key.length === 0) this.fail(token, 'the key is empty');
    return { kind, key: token.key, pos: token.pos };
  }

  private attribute(token: Token, name: string): FieldRef {
    const canonical = this.schema.attributeAliases?.[name] ?? this.schema.attributeAliases?.[name.toLowerCase()] ?? name;
    if (this.schema.attributes[canonical] === undefined) {
      const known = Object.keys(this.schema.attributes).join(', ');
      this.fail(token, `unknown attribute "${name}" (known: ${known})`);
    }
    return { kind: 'attribute', key: canonical, pos: token.pos };
  }

  private valueType(field: FieldRef): 'string' | 'number' {
    if (field.kind === 'metric') return 'number';
    if (field.kind === 'attribute') return this.schema.attributes[field.key] as 'string' | 'number';
    return 'string';
  }

  private parseComparison(): FilterExpr {
    const identTok = this.next();
    const field = this.field(identTok);
    this.comparisons += 1;
    if (this.comparisons > MAX_COMPARISONS) this.fail(identTok, `more than ${MAX_COMPARISONS} comparisons`);
    const type = this.valueType(field);
    const t = this.next();
    const label = `${field.kind === 'attribute' ? 'attribute' : field.kind} "${field.key}"`;

    if (this.isKeyword(t, 'IS')) {
      let negated = false;
      if (this.isKeyword(this.peek, 'NOT')) {
        this.next();
        negated = true;
      }
      const n = this.next();
      if (!this.isKeyword(n, 'NULL')) this.fail(n, `expected NULL after IS${negated ? ' NOT' : ''}`);
      return { kind: 'null', field, negated };
    }

    let negated = false;
    let opTok = t;
    if (this.isKeyword(t, 'NOT')) {
      negated = true;
      opTok = this.next();
    }
    if (this.isKeyword(opTok, 'IN')) {
      if (type !== 'string') this.fail(opTok, `IN is not allowed for ${label}: it compares numbers (use = != > >= < <=)`);
      return { kind: 'in', field, negated, values: this.parseList() };
    }
    if (this.isKeyword(opTok, 'LIKE') || this.isKeyword(opTok, 'ILIKE')) {
      if (type !== 'string') this.fail(opTok, `${(opTok as { value: string }).value} is not allowed for ${label}: it compares numbers`);
      const v = this.next();
      if (v.type !== 'string') this.fail(v, `expected a quoted pattern after ${(opTok as { value: string }).value}, found ${this.describe(v)}`);
      const base = (opTok as { value: 'LIKE' | 'ILIKE' }).value;
      return { kind: 'compare', field, op: (negated ? `NOT ${base}` : base) as CompareOp, value: v.value };
    }
    if (negated) this.fail(opTok, `expected IN, LIKE or ILIKE after NOT, found ${this.describe(opTok)}`);
    if (opTok.type !== 'op') {
      this.fail(opTok, `expected a comparator (= != > >= < <= LIKE ILIKE IN IS) after ${label}, found ${this.describe(opTok)}`);
    }
    const op = opTok.value;
    if (type === 'string' && op !== '=' && op !== '!=') {
      this.fail(opTok, `"${op}" is not allowed for ${label}: strings allow = != LIKE ILIKE IN`);
    }
    const v = this.next();
    if (type === 'number') {
      if (v.type !== 'number') this.fail(v, `expected a number after ${op} for ${label}, found ${this.describe(v)}`);
      return { kind: 'compare', field, op, value: v.value };
    }
    if (v.type !== 'string') this.fail(v, `expected a quoted string after ${op} for ${label}, found ${this.describe(v)}`);
    return { kind: 'compare', field, op, value: v.value };
  }

  private parseList(): string[] {
    const open = this.next();
    if (open.type !== 'punct' || open.value !== '(') this.fail(open, `expected "(" to start the IN list, found ${this.describe(open)}`);
    const values: string[] = [];
    for (;;) {
      const v = this.next();
      if (v.type !== 'string') this.fail(v, `expected a quoted string in the IN list, found ${this.describe(v)}`);
      values.push(v.value);
      if (values.length > MAX_IN_VALUES) this.fail(v, `more than ${MAX_IN_VALUES} values in one IN list`);
      const sep = this.next();
      if (sep.type === 'punct' && sep.value === ')') return values;
      if (sep.type !== 'punct' || sep.value !== ',') this.fail(sep, `expected "," or ")" in the IN list, found ${this.describe(sep)}`);
    }
  }

  parseOrderTerm(): OrderTerm {
    const field = this.field(this.next());
    let descending = false;
    const t = this.peek;
    if (this.isKeyword(t, 'ASC') || this.isKeyword(t, 'DESC')) {
      descending = (t as { value: string }).value === 'DESC';
      this.next();
    }
    if (this.peek.type !== 'end') this.fail(this.peek, `expected ASC, DESC or the end, found ${this.describe(this.peek)}`);
    return { field, descending };
  }
}

function checkText(text: unknown, what: string): string {
  if (typeof text !== 'string') throw syntaxError(what, String(text), 0, 'must be a string');
  if (text.length > LIMITS.filterLength) throw syntaxError(what, text.slice(0, 40), 0, `longer than ${LIMITS.filterLength} characters`);
  const nul = text.indexOf('\u0000');
  if (nul !== -1) throw syntaxError(what, text, nul, 'contains a NUL character');
  return text;
}

/** Parses a filter to an AST; an empty or blank filter gives undefined (everything matches). */
export function parseFilter(text: string | undefined, schema: SearchSchema, what = 'filter'): FilterExpr | undefined {
  if (text === undefined) return undefined;
  checkText(text, what);
  if (text.trim() === '') return undefined;
  return new Parser(tokenize(text, what), text, what, schema).parseFilter();
}

/** Parses `metrics.auc DESC`-style order terms. */
export function parseOrderBy(terms: readonly string[] | undefined, schema: SearchSchema): OrderTerm[] {
  if (terms === undefined) return [];
  if (!Array.isArray(terms)) throw syntaxError('orderBy', '', 0, 'must be an array of strings');
  if (terms.length > 10) throw syntaxError('orderBy', '', 0, 'at most 10 terms');
  return terms.map((term, i) => {
    const what = `orderBy[${i}]`;
    checkText(term, what);
    return new Parser(tokenize(term, what), term, what, schema).parseOrderTerm();
  });
}
