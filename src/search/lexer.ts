import { InvalidArgumentError } from '../core/errors.js';

export type Token =
  | { type: 'ident'; prefix: string | undefined; key: string; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; text: string; pos: number }
  | { type: 'op'; value: '=' | '!=' | '>' | '>=' | '<' | '<='; pos: number }
  | { type: 'keyword'; value: Keyword; pos: number }
  | { type: 'punct'; value: '(' | ')' | ','; pos: number }
  | { type: 'end'; pos: number };

export const KEYWORDS = ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'ASC', 'DESC'] as const;
export type Keyword = (typeof KEYWORDS)[number];

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const BARE_KEY = /[\w.:/-]+/uy;
const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const SPACE = /\s+/y;

/** An INVALID_ARGUMENT naming where in the text the problem is (0-based, as MLflow users count). */
export function syntaxError(what: string, text: string, pos: number, message: string): InvalidArgumentError {
  const start = Math.max(0, pos - 20);
  const excerpt = text.slice(start, pos + 20).replace(/\s+/g, ' ');
  return new InvalidArgumentError(`Invalid ${what} at position ${pos}: ${message} (near ${JSON.stringify(excerpt)})`, {
    details: { field: what, position: pos },
  });
}

function readQuoted(text: string, pos: number, quote: string, what: string): { value: string; end: number } {
  let value = '';
  let i = pos + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  throw syntaxError(what, text, pos, `unterminated ${quote === '`' ? 'backtick identifier' : 'string'}`);
}

/**
 * Splits a filter or order-by clause into tokens. `prefix.key` is one identifier token; the key may be
 * bare (`metrics.val_loss`), backtick-quoted or double-quoted (`metrics.\`my metric\``).
 */
export function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : undefined;
  };
  while (i < text.length) {
    const space = at(SPACE);
    if (space) {
      i += space.length;
      continue;
    }
    const c = text[i] as string;
    const pos = i;
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, i, c, what);
      tokens.push({ type: 'string', value, pos });
      i = end;
    } else if (c === '`') {
      const { value, end } = readQuoted(text, i, c, what);
      tokens.push({ type: 'ident', prefix: undefined, key: value, pos });
      i = end;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'punct', value: c, pos });
      i += 1;
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '>=' || two === '<=' || two === '<>') {
        tokens.push({ type: 'op', value: two === '<>' ? '!=' : (two as '!=' | '>=' | '<='), pos });
        i += 2;
      } else if (c === '=' && text[i + 1] === '=') {
        tokens.push({ type: 'op', value: '=', pos });
        i += 2;
      } else if (c === '!') {
        throw syntaxError(what, text, pos, 'expected != after !');
      } else {
        tokens.push({ type: 'op', value: c as '=' | '<' | '>', pos });
        i += 1;
      }
    } else if (/[0-9.+-]/.test(c) && at(NUMBER)) {
      const num = at(NUMBER) as string;
      tokens.push({ type: 'number', value: Number(num), text: num, pos });
      i += num.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = at(WORD) as string;
      i += word.length;
      if (text[i] === '.') {
        i += 1;
        const q = text[i];
        if (q === '`' || q === '"') {
          const { value, end } = readQuoted(text, i, q, what);
          tokens.push({ type: 'ident', prefix: word, key: value, pos });
          i = end;
        } else {
          const key = at(BARE_KEY);
          if (!key) throw syntaxError(what, text, i, `expected a key after "${word}."`);
          tokens.push({ type: 'ident', prefix: word, key, pos });
          i += key.length;
        }
      } else {
        const upper = word.toUpperCase();
        if ((KEYWORDS as readonly string[]).includes(upper)) tokens.push({ type: 'keyword', value: upper as Keyword, pos });
        else tokens.push({ type: 'ident', prefix: undefined, key: word, pos });
      }
    } else {
      throw syntaxError(what, text, pos, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: 'end', pos: text.length });
  return tokens;
}
