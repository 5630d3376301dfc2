// A single-pass parser for the plain subset of YAML that knowledge-base files are written in:
// block mappings and sequences, one-line flow collections, one-line plain and quoted scalars,
// comments. It gives what yaml's parseDocument (core schema, unique keys, strict) followed by
// `doc.toJS()` gives, at a small fraction of the cost (yaml parses about 1 MB/s; a 5 MB file is 5 s).
// It never reports an error: on anything outside the subset, or anything that might be an error
// (a duplicate key, a tab, an anchor, a tag, a block scalar, a scalar over several lines, odd
// indentation, a document marker, a BOM, CR), it gives up and returns null, and the loader parses
// the file with yaml, which words every error and position as before. tests/kb/fast-yaml.test.ts
// compares the two on the bundled data, the fixtures and thousands of generated documents.

export interface Position {
  line: number;
  col: number;
}

export interface FastYaml {
  /** the document: a mapping at the root */
  value: Record<string, unknown>;
  /**
   * For each root key whose value is a sequence: where each item's `id` value starts, as yaml's
   * locate gives it (undefined for an item that is not a mapping with an `id` scalar).
   */
  idPositions: Map<string, (Position | undefined)[]>;
}

/** Thrown anywhere inside the parse: the input needs yaml. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp();

// Characters yaml reads differently or reports on, anywhere in the file: tabs, CR, other C0 and C1
// controls, DEL, a BOM, the Unicode line and paragraph separators.

const REFUSED_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029]/;

const SPACE = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;

/** Deeper nesting than any knowledge-base entry needs; also keeps the recursion bounded. */
const MAX_DEPTH = 64;
/** yaml refuses implicit keys over 1,024 characters; far below that, a key is refused here. */
const MAX_KEY_LENGTH = 256;

// yaml 2's core schema, in its order (src/schema/core): the first test that matches types a plain scalar.
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const NAN_INF_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the core schema, as yaml resolves it. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // only these first characters can start a null, a bool or a number
  const maybeTyped =
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 45 ||
    c === 46 ||
    c === 126 ||
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70 ||
    s.length === 0;
  if (!maybeTyped) return s;
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return c === 116 || c === 84;
  if (OCT_RE.test(s)) return parseInt(s.substring(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (HEX_RE.test(s)) return parseInt(s.substring(2), 16);
  if (NAN_INF_RE.test(s))
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : c === 45 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s);
  return s;
}

/** yaml's double-quote escapes that take no digits (resolve-flow-scalar.js), less the tab one (tabs are refused). */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

/** A key character: letters, digits and `_ - . /`; the first is a letter, a digit or `_`. */
function isKeyChar(c: number, first: boolean): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) return true;
  return !first && (c === DASH || c === 46 || c === 47);
}

const isFlowIndicator = (c: number) => c === 44 || c === 91 || c === 93 || c === 123 || c === 125; // , [ ] { }
/** end of line or of the text (NaN past the end) */
const isLineEnd = (c: number) => c === NL || c !== c;

/** Sets `key` on a mapping as yaml's toJS does: an inherited name becomes an own property. */
function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

class Parser {
  readonly src: string;
  readonly len: number;
  /** the cursor */
  p = 0;
  /** the current line: its number (1-based), start offset, indent; eof when there is none */
  line = 1;
  lineStart = 0;
  indent = 0;
  eof = false;
  /** set by a mapping at entry depth when it meets its `id` key */
  idPos: Position | undefined;
  /** the id positions of the entries of the list just parsed under a root key */
  pendingIds: (Position | undefined)[] | null = null;
  readonly idPositions = new Map<string, (Position | undefined)[]>();

  constructor(src: string) {
    this.src = src;
    this.len = src.length;
  }

  code(i: number): number {
    return this.src.charCodeAt(i);
  }

  /** From the start of a line (at `p`), skips blank and comment lines; leaves `p` at the next content. */
  seekContent(): void {
    const { src, len } = this;
    let p = this.p;
    for (;;) {
      if (p >= len) {
        this.eof = true;
        this.p = len;
        return;
      }
      let i = p;
      while (src.charCodeAt(i) === SPACE) i++;
      const c = src.charCodeAt(i);
      if (c === NL || c === HASH) {
        const nl = c === NL ? i : src.indexOf('\n', i);
        if (nl < 0) {
          this.eof = true;
          this.p = len;
          return;
        }
        p = nl + 1;
        this.line++;
        continue;
      }
      if (i >= len) {
        this.eof = true;
        this.p = len;
        return;
      }
      this.lineStart = p;
      this.indent = i - p;
      this.p = i;
      return;
    }
  }

  /** After a value: only spaces and a comment may follow on the line; moves to the next content. */
  finishLine(): void {
    const { src } = this;
    let p = this.p;
    const start = p;
    while (src.charCodeAt(p) === SPACE) p++;
    const c = src.charCodeAt(p);
    if (c === HASH) {
      if (p === start) throw GIVE_UP; // yaml wants a space before a comment
      const nl = src.indexOf('\n', p);
      p = nl < 0 ? this.len : nl;
    } else if (!isLineEnd(c)) throw GIVE_UP;
    if (p >= this.len) {
      this.eof = true;
      this.p = this.len;
      return;
    }
    this.p = p + 1;
    this.line++;
    this.seekContent();
  }

  pos(offset: number): Position {
    return { line: this.line, col: offset - this.lineStart + 1 };
  }

  /** `- ` or `-` at the end of a line at `i`: a block sequence entry. */
  isSeqEntry(i: number): boolean {
    if (this.code(i) !== DASH) return false;
    const next = this.code(i + 1);
    return next === SPACE || isLineEnd(next);
  }

  /** The end of a key at `i` (the offset of its `:`), or -1 when no `key:` starts there. */
  keyEnd(i: number): number {
    const { src } = this;
    if (!isKeyChar(src.charCodeAt(i), true)) return -1;
    let k = i + 1;
    while (isKeyChar(src.charCodeAt(k), false)) k++;
    if (src.charCodeAt(k) !== COLON) return -1;
    const next = src.charCodeAt(k + 1);
    return next === SPACE || isLineEnd(next) ? k : -1;
  }

  /** A key from `i` to `end`: refused unless the core schema reads it as a string. */
  keyAt(i: number, end: number): string {
    if (end - i > MAX_KEY_LENGTH) throw GIVE_UP;
    const key = this.src.slice(i, end);
    if (typeof resolvePlain(key) !== 'string') throw GIVE_UP;
    return key;
  }

  parseDocument(): Record<string, unknown> {
    if (REFUSED_CHARS.test(this.src)) throw GIVE_UP;
    this.seekContent();
    if (this.eof || this.indent !== 0 || this.keyEnd(this.p) < 0) throw GIVE_UP;
    const root = this.parseMap(0, 0);
    if (!this.eof) throw GIVE_UP;
    return root;
  }

  /** A block node that starts a line of its own, indented `n`. */
  parseBlockNode(n: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    if (this.isSeqEntry(this.p)) return this.parseSeq(n, depth);
    if (this.keyEnd(this.p) >= 0) return this.parseMap(n, depth);
    throw GIVE_UP; // a scalar or flow collection on the line after its key
  }

  /** The value after `key:` or `- ` when the line ends there: a nested block, or null. */
  parseEmptyValue(n: number, depth: number, sameIndentSeq: boolean): unknown {
    this.finishLine();
    if (this.eof) return null;
    if (this.indent > n) return this.parseBlockNode(this.indent, depth);
    // `key:` then `- item` at the key's own indent: a sequence, as YAML allows for a mapping value
    if (sameIndentSeq && this.indent === n && this.isSeqEntry(this.p)) return this.parseSeq(n, depth);
    return null;
  }

  /**
   * A block mapping whose keys are at column `n`; the first key is at `p` (on a line of its own,
   * or after a `- `).
   */
  parseMap(n: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const map: Record<string, unknown> = {};
    const { src } = this;
    for (;;) {
      const start = this.p;
      const end = this.keyEnd(start);
      if (end < 0) throw GIVE_UP;
      const key = this.keyAt(start, end);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw GIVE_UP; // yaml reports a duplicate key
      let p = end + 1;
      while (src.charCodeAt(p) === SPACE) p++;
      const c = src.charCodeAt(p);
      let value: unknown;
      if (isLineEnd(c) || c === HASH) {
        this.p = end + 1; // before the spaces, which make the comment one
        value = this.parseEmptyValue(n, depth + 1, true);
      } else {
        if (depth === 2 && key === 'id') this.idPos = this.pos(p);
        this.p = p;
        value = this.parseInline(depth + 1);
        this.finishLine();
        if (!this.eof && this.indent > n) throw GIVE_UP; // a scalar over several lines, or worse
      }
      setKey(map, key, value);
      if (depth === 0 && this.pendingIds) {
        this.idPositions.set(key, this.pendingIds);
        this.pendingIds = null;
      }
      if (this.eof || this.indent < n) return map;
      if (this.indent > n) throw GIVE_UP;
      // a line at this mapping's indent that is not a key (a `- ` here is an error in YAML)
      if (this.keyEnd(this.p) < 0) throw GIVE_UP;
    }
  }

  /** A block sequence whose `-` are at column `n`; the first is at `p`. */
  parseSeq(n: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const list: unknown[] = [];
    const ids: (Position | undefined)[] | null = depth === 1 ? [] : null;
    const { src } = this;
    for (;;) {
      const dash = this.p;
      let p = dash + 1;
      while (src.charCodeAt(p) === SPACE) p++;
      const c = src.charCodeAt(p);
      if (ids) this.idPos = undefined;
      let item: unknown;
      if (isLineEnd(c) || c === HASH) {
        this.p = dash + 1;
        item = this.parseEmptyValue(n, depth + 1, false);
      } else if (this.isSeqEntry(p)) {
        throw GIVE_UP; // `- - x`
      } else if (this.keyEnd(p) >= 0) {
        this.p = p;
        item = this.parseMap(p - this.lineStart, depth + 1); // `- key: value`, more keys below it
      } else {
        this.p = p;
        item = this.parseInline(depth + 1);
        this.finishLine();
        if (!this.eof && this.indent > n) throw GIVE_UP;
      }
      list.push(item);
      if (ids) ids.push(this.idPos);
      if (this.eof || this.indent < n) break;
      if (this.indent > n) throw GIVE_UP;
      if (!this.isSeqEntry(this.p)) break; // the mapping around a same-indent sequence goes on
    }
    if (ids) this.pendingIds = ids;
    return list;
  }

  /** A value that starts at `p` and ends on this line: a scalar or a flow collection. */
  parseInline(depth: number): unknown {
    const { src } = this;
    const c = src.charCodeAt(this.p);
    if (c === 34) return this.parseDoubleQuoted();
    if (c === 39) return this.parseSingleQuoted();
    if (c === 91) return this.parseFlowSeq(depth);
    if (c === 123) return this.parseFlowMap(depth);
    this.refusePlainStart(c, false);
    // a plain scalar: to the end of the line or a ` #` comment; `: ` inside is an error in YAML
    const start = this.p;
    let p = start;
    let end = start; // past the last non-space character
    for (;;) {
      const ch = src.charCodeAt(p);
      if (isLineEnd(ch)) break;
      if (ch === SPACE) {
        if (src.charCodeAt(p + 1) === HASH) break;
      } else {
        if (ch === COLON) {
          const next = src.charCodeAt(p + 1);
          if (next === SPACE || isLineEnd(next)) throw GIVE_UP;
        }
        end = p + 1;
      }
      p++;
    }
    this.p = end;
    return resolvePlain(src.slice(start, end));
  }

  /** Indicators that cannot start a plain scalar here, or that start something outside the subset. */
  refusePlainStart(c: number, inFlow: boolean): void {
    switch (c) {
      case 38:
      case 42:
      case 33:
      case 124:
      case 62:
      case 37:
      case 64:
      case 96: // & * ! | > % @ `
      case 44:
      case 93:
      case 125:
      case 91:
      case 123:
      case 35:
      case 34:
      case 39: // , ] } [ { # " '
      case 63:
      case 58: // ? :  (a plain scalar may start with them, but it is rare: refused)
        throw GIVE_UP;
      case DASH: {
        const next = this.code(this.p + 1);
        if (next === SPACE || isLineEnd(next) || (inFlow && isFlowIndicator(next))) throw GIVE_UP;
        return;
      }
      default:
        if (isLineEnd(c) || c === SPACE) throw GIVE_UP;
    }
  }

  parseDoubleQuoted(): string {
    const { src } = this;
    let p = this.p + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      const ch = src.charCodeAt(p);
      if (isLineEnd(ch)) throw GIVE_UP; // over several lines
      if (ch === 34) break;
      if (ch === 92) {
        out += src.slice(chunk, p);
        const e = src[p + 1] ?? '';
        const simple = ESCAPES[e];
        if (simple !== undefined && Object.prototype.hasOwnProperty.call(ESCAPES, e)) {
          out += simple;
          p += 2;
        } else if (e === 'x' || e === 'u') {
          const digits = src.substr(p + 2, e === 'x' ? 2 : 4);
          if (!(e === 'x' ? HEX2 : HEX4).test(digits)) throw GIVE_UP;
          out += String.fromCodePoint(parseInt(digits, 16));
          p += 2 + digits.length;
        } else throw GIVE_UP; // \U, an escaped line break, or an invalid escape
        chunk = p;
        continue;
      }
      p++;
    }
    out += src.slice(chunk, p);
    this.p = p + 1;
    return out;
  }

  parseSingleQuoted(): string {
    const { src } = this;
    let p = this.p + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      const ch = src.charCodeAt(p);
      if (isLineEnd(ch)) throw GIVE_UP;
      if (ch === 39) {
        if (src.charCodeAt(p + 1) !== 39) break;
        out += src.slice(chunk, p + 1); // '' is one '
        p += 2;
        chunk = p;
        continue;
      }
      p++;
    }
    out += src.slice(chunk, p);
    this.p = p + 1;
    return out;
  }

  skipFlowSpaces(): number {
    const { src } = this;
    let p = this.p;
    while (src.charCodeAt(p) === SPACE) p++;
    this.p = p;
    const c = src.charCodeAt(p);
    if (isLineEnd(c) || c === HASH) throw GIVE_UP; // a flow collection over several lines, or a comment inside
    return c;
  }

  parseFlowSeq(depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const list: unknown[] = [];
    this.p++;
    let c = this.skipFlowSpaces();
    if (c === 93) {
      this.p++;
      return list;
    }
    for (;;) {
      list.push(this.parseFlowItem(depth + 1));
      c = this.skipFlowSpaces();
      if (c === 93) {
        this.p++;
        return list;
      }
      if (c !== 44) throw GIVE_UP; // `[a: b]` (a pair) or junk
      this.p++;
      c = this.skipFlowSpaces();
      if (c === 93 || c === 44) throw GIVE_UP; // a trailing or doubled comma
    }
  }

  parseFlowMap(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const map: Record<string, unknown> = {};
    const { src } = this;
    this.p++;
    let c = this.skipFlowSpaces();
    if (c === 125) {
      this.p++;
      return map;
    }
    for (;;) {
      const start = this.p;
      if (!isKeyChar(c, true)) throw GIVE_UP;
      let k = start + 1;
      while (isKeyChar(src.charCodeAt(k), false)) k++;
      // `key: value` only: `key` alone, `key:value` or `key:` then a separator are refused
      if (src.charCodeAt(k) !== COLON || src.charCodeAt(k + 1) !== SPACE) throw GIVE_UP;
      const key = this.keyAt(start, k);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw GIVE_UP;
      this.p = k + 1;
      c = this.skipFlowSpaces();
      if (c === 44 || c === 125) throw GIVE_UP; // an empty value
      if (depth === 2 && key === 'id') this.idPos = this.pos(this.p);
      setKey(map, key, this.parseFlowItem(depth + 1));
      c = this.skipFlowSpaces();
      if (c === 125) {
        this.p++;
        return map;
      }
      if (c !== 44) throw GIVE_UP;
      this.p++;
      c = this.skipFlowSpaces();
      if (c === 125 || c === 44) throw GIVE_UP;
    }
  }

  parseFlowItem(depth: number): unknown {
    const { src } = this;
    const c = src.charCodeAt(this.p);
    if (c === 34) return this.parseDoubleQuoted();
    if (c === 39) return this.parseSingleQuoted();
    if (c === 91) return this.parseFlowSeq(depth);
    if (c === 123) return this.parseFlowMap(depth);
    this.refusePlainStart(c, true);
    // a plain scalar in flow: up to a flow indicator, `: `, `:` before an indicator, or ` #`
    const start = this.p;
    let p = start;
    let end = start;
    for (;;) {
      const ch = src.charCodeAt(p);
      if (isLineEnd(ch) || isFlowIndicator(ch)) break;
      if (ch === SPACE) {
        if (src.charCodeAt(p + 1) === HASH) break;
      } else if (ch === COLON) {
        const next = src.charCodeAt(p + 1);
        if (next === SPACE || isLineEnd(next) || isFlowIndicator(next)) break;
        end = p + 1;
      } else end = p + 1;
      p++;
    }
    this.p = end;
    return resolvePlain(src.slice(start, end));
  }
}

/**
 * The document `src` as yaml's parseDocument + toJS would give it, with the position of each list entry's
 * id; null when `src` is not in the subset (or is not a mapping at the root).
 */
export function parseFastYaml(src: string): FastYaml | null {
  const parser = new Parser(src);
  try {
    const value = parser.parseDocument();
    return { value, idPositions: parser.idPositions };
  } catch {
    // a give-up, or (a bug) anything else: either way the yaml path reads the file, as it always did
    return null;
  }
}
