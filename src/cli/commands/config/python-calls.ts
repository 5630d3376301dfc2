// A Python script read back by the keyword arguments of known calls, never run: the text is split
// into Python's tokens (comments, strings, numbers, names, operators; Python language reference,
// "Lexical analysis"), each call whose last name is one of `callNames` (`FastLanguageModel.
// from_pretrained(`, `SFTConfig(`) has its keyword arguments read, and a value is taken only when
// it is a literal: a string (no f-string or bytes), a number (a minus sign allowed), True, False,
// None, or a list of those. Anything else (a name, a call, an expression) is reported as "not a
// literal", so `config`'s Python files and `check` agree on what a file says. Pure.

/** A keyword argument of a known call: its literal value, or why it has none. */
export type PythonKeyword =
  | { call: string; keyword: string; value: PythonValue; line: number; column: number }
  | { call: string; keyword: string; error: string; line: number; column: number };

export type PythonValue = string | number | boolean | null | PythonValue[];

interface Token {
  kind: 'name' | 'number' | 'string' | 'op';
  text: string;
  /** a string's value; absent for an f-string or bytes (not a literal here) */
  value?: string;
  line: number;
  column: number;
}

const STRING_START = /^([rRbBuUfF]{0,2})('''|"""|'|")/;

/** A string literal's body with its escapes decoded (a raw string's kept as written). */
function decodeString(body: string, raw: boolean): string {
  if (raw) return body;
  const simple: Record<string, string> = {
    '\\': '\\',
    "'": "'",
    '"': '"',
    n: '\n',
    r: '\r',
    t: '\t',
    b: '\b',
    f: '\f',
    v: '\v',
    a: '\x07',
    '\n': '',
  };
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\r\n|[\s\S])/g,
    (whole, e: string) => {
      if (e in simple) return simple[e]!;
      if (e === '\r\n') return '';
      if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
      if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
      // an unknown escape keeps its backslash, as Python does
      return whole;
    },
  );
}

/** Python's tokens, without comments, line breaks and indentation (a call's arguments may span lines). */
export function pythonTokens(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const advance = (to: number) => {
    for (let k = i; k < to; k++)
      if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    i = to;
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const at = { line, column: i - lineStart + 1 };
    const ws = /^(?:[ \t\f\r\n]+|\\\r?\n)/.exec(rest);
    if (ws) {
      advance(i + ws[0].length);
      continue;
    }
    if (rest[0] === '#') {
      const end = text.indexOf('\n', i);
      advance(end < 0 ? text.length : end);
      continue;
    }
    const str = STRING_START.exec(rest);
    if (str) {
      const prefix = str[1]!.toLowerCase();
      const quote = str[2]!;
      let k = i + str[0].length;
      for (;;) {
        if (k >= text.length) throw new SyntaxError(`unterminated string at line ${at.line}, column ${at.column}`);
        if (text[k] === '\\') {
          k += 2;
          continue;
        }
        if (quote.length === 1 && text[k] === '\n')
          throw new SyntaxError(`unterminated string at line ${at.line}, column ${at.column}`);
        if (text.startsWith(quote, k)) break;
        k++;
      }
      const body = text.slice(i + str[0].length, k);
      const literal = !prefix.includes('f') && !prefix.includes('b');
      tokens.push({
        kind: 'string',
        text: text.slice(i, k + quote.length),
        ...(literal ? { value: decodeString(body, prefix.includes('r')) } : {}),
        ...at,
      });
      advance(k + quote.length);
      continue;
    }
    const num =
      /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)/.exec(
        rest,
      );
    if (num && /^\.?\d/.test(rest)) {
      tokens.push({ kind: 'number', text: num[0], ...at });
      advance(i + num[0].length);
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], ...at });
      advance(i + name[0].length);
      continue;
    }
    const op = /^(?:\*\*=?|\/\/=?|->|:=|[<>!=]=|<<=?|>>=?|[-+*/%@&|^~<>]=?|[()[\]{},:.;=])/.exec(rest);
    if (!op)
      throw new SyntaxError(`unexpected character ${JSON.stringify(rest[0])} at line ${at.line}, column ${at.column}`);
    tokens.push({ kind: 'op', text: op[0], ...at });
    advance(i + op[0].length);
  }
  return tokens;
}

/** A number token's value: an int or float (a complex number, with j, is not a literal here). */
function numberValue(text: string): number | null {
  const t = text.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return null;
  if (/^0[xXoObB]/.test(t)) return Number(t.toLowerCase().replace(/^0o/, '0o'));
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/**
 * The literal at tokens[from, to) (one argument's value), or null when it is not one: adjacent
 * strings concatenate, as in Python.
 */
function literal(tokens: Token[], from: number, to: number): { value: PythonValue } | null {
  let i = from;
  const one = (): { value: PythonValue } | null => {
    const t = tokens[i];
    if (!t) return null;
    if (t.kind === 'string') {
      let s = '';
      while (tokens[i]?.kind === 'string' && i < to) {
        if (tokens[i]!.value === undefined) return null;
        s += tokens[i]!.value;
        i++;
      }
      return { value: s };
    }
    if (t.kind === 'number' || (t.text === '-' && tokens[i + 1]?.kind === 'number')) {
      const negative = t.text === '-';
      const n = numberValue(tokens[negative ? i + 1 : i]!.text);
      if (n === null) return null;
      i += negative ? 2 : 1;
      return { value: negative ? -n : n };
    }
    if (t.kind === 'name' && (t.text === 'True' || t.text === 'False' || t.text === 'None')) {
      i++;
      return { value: t.text === 'None' ? null : t.text === 'True' };
    }
    if (t.text === '[') {
      i++;
      const items: PythonValue[] = [];
      while (tokens[i]?.text !== ']') {
        const item = one();
        if (!item) return null;
        items.push(item.value);
        if (tokens[i]?.text === ',') i++;
        else if (tokens[i]?.text !== ']') return null;
      }
      i++;
      return { value: items };
    }
    return null;
  };
  const v = one();
  return v && i === to ? v : null;
}

/** Whether tokens [from, to) are one call of a named function: NAME( ... ) with its bracket closing at the end. */
function isKnownCall(tokens: Token[], from: number, to: number, names: ReadonlySet<string>): boolean {
  if (tokens[from]?.kind !== 'name' || !names.has(tokens[from]!.text) || tokens[from + 1]?.text !== '(') return false;
  let depth = 0;
  for (let k = from + 1; k < to; k++) {
    const x = tokens[k]!;
    if (x.kind !== 'op') continue;
    if (OPEN.has(x.text)) depth++;
    else if (CLOSE.has(x.text) && --depth === 0) return k === to - 1;
  }
  return false;
}

/**
 * The keyword arguments of every call named in `callNames` (by the call's last name: `from_pretrained`
 * matches `FastLanguageModel.from_pretrained(`), in the order written. A call found inside another's
 * arguments is read too (SFTConfig inside SFTTrainer), and is not a keyword's value there; positional
 * arguments and `**kwargs` are skipped.
 * Throws a SyntaxError on text that is not Python's tokens or whose brackets do not match.
 */
export function readPythonCalls(text: string, callNames: readonly string[]): PythonKeyword[] {
  const tokens = pythonTokens(text);
  const names = new Set(callNames);
  const out: PythonKeyword[] = [];
  for (let c = 0; c + 1 < tokens.length; c++) {
    const t = tokens[c]!;
    // a call: NAME ( that is not a definition (def NAME(, class NAME()
    if (t.kind !== 'name' || !names.has(t.text) || tokens[c + 1]!.text !== '(') continue;
    if (tokens[c - 1]?.kind === 'name' && ['def', 'class'].includes(tokens[c - 1]!.text)) continue;
    let i = c + 2;
    for (;;) {
      // one argument: to the comma or closing bracket at this depth
      let depth = 0;
      let end = i;
      for (; end < tokens.length; end++) {
        const x = tokens[end]!.text;
        if (tokens[end]!.kind !== 'op') continue;
        if (OPEN.has(x)) depth++;
        else if (CLOSE.has(x)) {
          if (depth === 0) break;
          depth--;
        } else if (x === ',' && depth === 0) break;
      }
      if (end >= tokens.length) throw new SyntaxError(`the call ${t.text}( at line ${t.line} is not closed`);
      const key = tokens[i];
      if (end > i + 2 && key?.kind === 'name' && tokens[i + 1]!.text === '=') {
        const where = { call: t.text, keyword: key.text, line: key.line, column: key.column };
        const v = literal(tokens, i + 2, end);
        // a known call as the value (args=SFTConfig(...)) is read as that call, not as this keyword
        if (!v && isKnownCall(tokens, i + 2, end, names)) {
          if (tokens[end]!.text !== ',') break;
          i = end + 1;
          if (CLOSE.has(tokens[i]?.text ?? '')) break;
          continue;
        }
        out.push(
          v
            ? { ...where, value: v.value }
            : {
                ...where,
                error: `not a literal: ${tokens
                  .slice(i + 2, end)
                  .map((x) => x.text)
                  .join(' ')}`,
              },
        );
      }
      if (tokens[end]!.text !== ',') break;
      i = end + 1;
      if (CLOSE.has(tokens[i]?.text ?? '')) break;
    }
  }
  return out;
}
