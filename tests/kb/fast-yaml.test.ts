// The fast parser must give exactly what the yaml path gives, or give up: compared on the bundled
// data, every fixture, and thousands of generated documents (nested block and flow collections,
// every kind of scalar, comments, and random damage). Where it does not give up, its value must be
// the same (types, -0, NaN, key order, own prototype-named keys) and each entry's id position the
// one yaml's locate reports. It must not give up on the bundled data or a 30,000-entry file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';

import { type FastYaml, parseFastYaml, resolvePlain } from '../../src/kb/fast-yaml.js';
import { MAX_ALIAS_COUNT } from '../../src/kb/limits.js';
import { YAML_OPTIONS } from '../../src/kb/load.js';
import { locateEach } from '../../src/kb/locate.js';
import { mulberry32 } from '../helpers.js';

const root = new URL('../../', import.meta.url).pathname;

/** What the loader's yaml path gives: the value, or null when yaml reports any problem. */
function viaYaml(
  src: string,
): { value: unknown; doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(src, { ...YAML_OPTIONS, lineCounter });
  if (doc.errors.length || doc.warnings.length) return null;
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), doc, lineCounter };
  } catch {
    return null;
  }
}

/** Strict sameness: Object.is for scalars (so -0 and NaN count), key order, own descriptors, prototypes. */
function difference(a: unknown, b: unknown, at = '$'): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return `${at}: ${String(a)} (${typeof a}) vs ${String(b)} (${typeof b})`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array vs not`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at}: prototypes differ`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\0') !== kb.join('\0')) return `${at}: keys [${ka}] vs [${kb}]`;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(a, k) || !Object.prototype.hasOwnProperty.call(b, k))
      return `${at}.${k}: not own`;
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

type Verdict = 'gave-up' | 'same';

/** Compares the two paths on `src`; throws (with the source) when they disagree. */
function compare(src: string, name = 'document'): Verdict {
  const fast = parseFastYaml(src);
  if (!fast) return 'gave-up';
  const slow = viaYaml(src);
  const fail = (why: string) =>
    new Error(`${name}: ${why}\n--- source ---\n${src.length > 2000 ? `${src.slice(0, 2000)}...` : src}`);
  if (!slow) throw fail('the fast path accepted what yaml reports a problem in');
  const d = difference(fast.value, slow.value);
  if (d) throw fail(`values differ at ${d}`);
  checkPositions(fast, slow, fail);
  return 'same';
}

function checkPositions(
  fast: FastYaml,
  slow: NonNullable<ReturnType<typeof viaYaml>>,
  fail: (why: string) => Error,
): void {
  for (const [key, value] of Object.entries(fast.value)) {
    const positions = fast.idPositions.get(key);
    if (!Array.isArray(value)) {
      if (positions) throw fail(`id positions for '${key}', which is not a list`);
      continue;
    }
    if (!positions) continue; // a flow list at the root: the loader takes the yaml path for it
    if (positions.length !== value.length)
      throw fail(`${positions.length} id positions for ${value.length} entries of '${key}'`);
    const expected = locateEach(slow.doc, slow.lineCounter, [key], value.length, 'id');
    value.forEach((entry, i) => {
      const id =
        entry && typeof entry === 'object' && !Array.isArray(entry) && Object.prototype.hasOwnProperty.call(entry, 'id')
          ? (entry as { id: unknown }).id
          : undefined;
      // the loader uses a position only when the entry passed validation, so its id is a string
      if (typeof id === 'string' && difference(positions[i], expected[i]))
        throw fail(`'${key}'[${i}] id at ${JSON.stringify(positions[i])}, yaml says ${JSON.stringify(expected[i])}`);
      if (typeof id === 'string' && !positions[i]) throw fail(`no id position for '${key}'[${i}]`);
    });
  }
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const dataFiles = readdirSync(join(root, 'data'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'data', f));

describe('the fast YAML path', () => {
  it.each(dataFiles.map((f) => [f.slice(root.length), f]))('takes %s and agrees with yaml', (_name, file) => {
    expect(compare(readFileSync(file, 'utf8'), file)).toBe('same');
  });

  it('agrees with yaml (or gives up) on every fixture', () => {
    const fixtures = yamlFilesUnder(join(root, 'tests/fixtures'));
    expect(fixtures.length).toBeGreaterThan(20);
    for (const file of fixtures) compare(readFileSync(file, 'latin1'), file);
  });

  it('takes a long file of real entries (the data files, concatenated under new ids) and agrees', () => {
    for (const file of dataFiles) {
      const text = readFileSync(file, 'utf8');
      const [head, ...rest] = text.split(/\n(?= {2}- id: )/);
      const copies = Array.from({ length: 6 }, (_, c) =>
        rest.map((entry) => entry.replace(/^ {2}- id: (\S+)/, `  - id: $1-copy${c}`)).join('\n'),
      );
      expect(compare(`${head}\n${copies.join('\n')}`, `${file} x6`)).toBe('same');
    }
  });

  it('takes a generated 30,000-entry GPU file (4.8 MB) and agrees with yaml on its head', () => {
    const entry = (i: number) =>
      `  - id: card-${i}\n    name: Card ${i}\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: generated }]\n`;
    let big = 'gpus:\n';
    for (let i = 0; i < 30_000; i++) big += entry(i);
    expect(big.length).toBeGreaterThan(4_700_000);
    const fast = parseFastYaml(big);
    expect(fast).not.toBeNull();
    const gpus = fast!.value['gpus'] as Array<Record<string, unknown>>;
    expect(gpus).toHaveLength(30_000);
    expect(gpus[29_999]).toEqual({
      id: 'card-29999',
      name: 'Card 29999',
      vendor: 'nvidia',
      vramGB: 16,
      bf16: true,
      tflops: 88,
      bandwidthGBs: 672,
      sources: [{ ref: 'generated' }],
    });
    expect(fast!.idPositions.get('gpus')![29_999]).toEqual({ line: 29_999 * 8 + 2, col: 9 });
    let head = 'gpus:\n';
    for (let i = 0; i < 1000; i++) head += entry(i);
    expect(compare(head)).toBe('same');
  });

  it('types plain scalars as the core schema does', () => {
    const cases: Array<[string, unknown]> = [
      ['', null],
      ['~', null],
      ['null', null],
      ['Null', null],
      ['NULL', null],
      ['nULL', 'nULL'],
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['tRUE', 'tRUE'],
      ['false', false],
      ['FALSE', false],
      ['yes', 'yes'],
      ['on', 'on'],
      ['0', 0],
      ['-0', -0],
      ['+1', 1],
      ['012', 12],
      ['0o17', 15],
      ['-0o17', '-0o17'],
      ['0x1F', 31],
      ['0X1F', '0X1F'],
      ['-0x1', '-0x1'],
      ['1_000', '1_000'],
      ['1e3', 1000],
      ['1E-3', 0.001],
      ['.5', 0.5],
      ['5.', 5],
      ['-.5e1', -5],
      ['.inf', Infinity],
      ['-.Inf', -Infinity],
      ['+.INF', Infinity],
      ['.nan', NaN],
      ['.NaN', NaN],
      ['NaN', 'NaN'],
      ['1.2.3', '1.2.3'],
      ['.', '.'],
      ['e3', 'e3'],
      ['nvidia', 'nvidia'],
    ];
    for (const [text, value] of cases) {
      expect(Object.is(resolvePlain(text), value), `${JSON.stringify(text)} -> ${String(resolvePlain(text))}`).toBe(
        true,
      );
      if (text) expect(compare(`k: ${text}\n`), text).toBe('same');
    }
  });

  it('takes the shapes knowledge-base files are written in, and agrees with yaml', () => {
    const accepted = [
      'a:\n- x\n- y\nb: 1\n', // a list at its key's indent
      'a:\n  - b:\n    - x\n    c: 1\n  -   d: 2\n      e: 3\n', // compact mappings in a list
      "a:\n  - id: x\n    s: [1, \"two\", 'thr''ee', {k: v, l: [w]}, []]\n  - { id: y, u: https://e.com/a?b=c#d }\n  -\n  - plain, with commas [text] {x}\n",
      'a: # comment\n  # another\n\n  b: c # trailing\n#last\n',
      'a: x\n  # more indented comment\nb: y',
      '__proto__: 1\nconstructor: {toString: 2}\n',
      'a: "q \\"x\\" \\\\ \\t \\u00e9 \\x41"\nb: \'\'\nc: ""\nd:\ne: a#b\nf: a:b\ng: ---\n',
      'a: [ a b , c ]\nb: {  k:  v  }\n',
      'a:\n  - # c\n    b: 1\n  - #d\n  -\n    - x\n',
    ];
    for (const text of accepted) expect(compare(text), JSON.stringify(text)).toBe('same');
  });

  it('gives up on what it does not handle, leaving yaml to report it', () => {
    const refused = [
      '',
      '# only a comment\n',
      'a: 1\na: 2\n',
      'a:\n\tb: 1\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '%YAML 1.2\n---\na: 1\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: one\n  two\n',
      'a: "one\n  two"\n',
      '? a\n: 1\n',
      '\ufeffa: 1\n',
      'a: 1\r\nb: 2\r\n',
      'a:\n   b: 1\n  c: 2\n',
      'a: b: c\n',
      '- a\n',
      'a: [1,\n  2]\n',
      'a: "\\U0001F600"\n',
      'a: "\\q"\n',
      'a: {b}\n',
      'a: [b: c]\n',
      'a: [1, ]\n',
      '1: a\n',
      'true: a\n',
      'a: 1 # c\n  b: 2\n',
      'a: "x"y\n',
      'a: [x]#c\n',
      'a:\n  - - x\n',
      'a: - x\n',
      'a: @x\n',
      'a: `x\n',
      'a: %x\n',
      'a: ?x\n',
      'a: :x\n',
      'a: x:\n',
      '"a": 1\n',
    ];
    for (const text of refused) expect(parseFastYaml(text), JSON.stringify(text)).toBeNull();
  });

  it('agrees with yaml on real entries with random damage', () => {
    const count = Number(process.env['FAST_YAML_DOCS'] ?? 6000) / 4;
    const random = mulberry32(Number(process.env['FAST_YAML_SEED'] ?? 7));
    const entries = dataFiles.flatMap((file) => {
      const [head, ...rest] = readFileSync(file, 'utf8').split(/\n(?= {2}- id: )/);
      const kind = /^(\w+):$/m.exec(head!)![1]!;
      return rest.map((entry) => `${kind}:\n${entry.trimEnd()}\n`);
    });
    let same = 0;
    for (let i = 0; i < count; i++) {
      let text = pick(random, entries);
      for (let d = Math.floor(random() * 3); d > 0; d--) text = damage(text, random);
      if (compare(text, `damaged entry #${i}`) === 'same') same++;
    }
    if (process.env['FAST_YAML_DOCS']) console.log(`damaged entries: ${same} the same of ${count}`);
    expect(same).toBeGreaterThan(count / 5);
  });

  it('agrees with yaml on thousands of generated documents', () => {
    // FAST_YAML_DOCS / FAST_YAML_SEED run a longer or different search by hand
    const count = Number(process.env['FAST_YAML_DOCS'] ?? 6000);
    const random = mulberry32(Number(process.env['FAST_YAML_SEED'] ?? 20_240_601));
    let same = 0;
    let gaveUp = 0;
    for (let i = 0; i < count; i++) {
      const doc = generateDocument(random);
      const text = random() < 0.25 ? damage(doc, random) : doc;
      if (compare(text, `generated #${i}`) === 'same') same++;
      else gaveUp++;
    }
    // the comparison means something only if many documents get through the fast path
    if (process.env['FAST_YAML_DOCS']) console.log(`${same} the same, ${gaveUp} left to yaml`);
    expect(same).toBeGreaterThan(count / 4);
    expect(gaveUp).toBeGreaterThan(count / 10);
  });
});

// ---------- a small random generator of knowledge-base-like YAML ----------

const TRICKY = [
  '0x1F',
  '1e3',
  '.5',
  '-.inf',
  'NaN',
  '.nan',
  'null',
  'Null',
  '~',
  'yes',
  'on',
  '012',
  '+1',
  '-1',
  '1_000',
  'true',
  'False',
  '0o7',
  '-0',
  '3.',
  '"a\\tb"',
  "'it''s'",
  '"\\u00e9\\x41\\"\\\\\\/\\0 \\N\\_\\L\\P\\e"',
  '""',
  "''",
  '"a #b"',
  "'a: b'",
  '"\\q"',
  '"\\U0001F600"',
  '#x',
  'a #b',
  'a#b',
  'a: b',
  'a:b',
  '- x',
  '-x',
  '[x]',
  '{x}',
  '*x',
  '&x',
  '!x',
  '@x',
  '`x',
  '%x',
  ':x',
  '?x',
  'x:',
  '|',
  '>',
  'https://example.com/a?b=c#d',
  'a, b',
  'a]b',
  'a}b',
  'GPU 4090 (24 GB)',
  "it's",
  'a "b" c',
  '---',
  '...',
  'é ü 中文',
  '{a: b}',
  '[]',
  '{}',
  'a\u00a0',
  '\u00a0a',
  'x\ufffe',
  '😀 ok',
  'a\u3000b',
  '"😀\\u00e9"',
  "'\u00a0'",
  'a\u0085b',
  '"\\ud83d\\ude00"',
  '"\\x4"',
  '"\\u12"',
];
const WORDS = ['nvidia', 'card', 'LoRA', 'rank 16', 'x', 'alpha-1', 'v1.5', 'fp16', '42', '4.5', 'a b c'];
const KEYS = [
  'id',
  'name',
  'vendor',
  'vramGB',
  'notes',
  'sources',
  'ref',
  'for',
  'a',
  'b',
  'x.y',
  'k-1',
  'a/b',
  '__proto__',
  'constructor',
  'toString',
  '_x',
  'Null1',
  '0o8',
];
const TRICKY_KEYS = ['true', '1', 'null', '~', 'a b', '"q"', "'q'", '-k', '.5', 'id', '<<', '? k'];
/** how often a document uses a tricky scalar or key: varied, so that many documents get through */
let trickiness = 0.3;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const spaces = (n: number) => ' '.repeat(n);

function scalar(r: () => number): string {
  return r() < trickiness ? pick(r, TRICKY) : pick(r, WORDS);
}

/** A key not used yet in this mapping (mostly): a repeated one is a duplicate key. */
function key(r: () => number, used: Set<string>): string {
  if (r() < trickiness / 4) return pick(r, TRICKY_KEYS);
  let k = pick(r, KEYS);
  for (let tries = 0; used.has(k) && tries < 5; tries++) k = pick(r, KEYS);
  used.add(k);
  return k;
}

function flow(r: () => number, depth: number): string {
  const sp = () => (r() < 0.8 ? ' ' : r() < 0.5 ? '' : '  ');
  const item = (): string => (depth < 3 && r() < 0.25 ? flow(r, depth + 1) : scalar(r));
  const n = Math.floor(r() * 4);
  if (r() < 0.5) return `[${Array.from({ length: n }, item).join(`,${sp()}`)}]`;
  const used = new Set<string>();
  const pairs = Array.from({ length: n }, () => `${key(r, used)}:${r() < 0.95 ? ' ' : ''}${item()}`);
  return `{${sp()}${pairs.join(`,${sp()}`)}${sp()}}`;
}

function inline(r: () => number): string {
  const v = r() < 0.25 ? flow(r, 0) : scalar(r);
  const comment = r() < 0.1 ? pick(r, [' # note', '  #x', '#tight']) : '';
  return v + comment;
}

/** A block value at `indent`: the lines after a `key:` or `-`. */
function block(r: () => number, indent: number, depth: number): string[] {
  return r() < 0.5 ? blockMap(r, indent, depth) : blockSeq(r, indent, depth);
}

function blockMap(r: () => number, indent: number, depth: number, firstPrefix = ''): string[] {
  const lines: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  const used = new Set<string>(firstPrefix.endsWith('id: ') ? ['id'] : []);
  for (let i = 0; i < n; i++) {
    const lead = i === 0 && firstPrefix ? firstPrefix : spaces(indent);
    const k = key(r, used);
    if (depth < 4 && r() < 0.35) {
      lines.push(`${lead}${k}:${r() < 0.1 ? ' # c' : ''}`);
      const step = pick(r, [2, 2, 2, 2, 2, 1, 4, 0]);
      if (step === 0) lines.push(...blockSeq(r, indent, depth + 1));
      else lines.push(...block(r, indent + step, depth + 1));
    } else if (r() < 0.05) lines.push(`${lead}${k}:`);
    else lines.push(`${lead}${k}: ${inline(r)}`);
    if (r() < 0.08) lines.push(pick(r, ['', '# comment', `${spaces(indent + 4)}# deeper comment`, '   ']));
  }
  return lines;
}

function blockSeq(r: () => number, indent: number, depth: number): string[] {
  const lines: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const dash = `${spaces(indent)}-${r() < 0.95 ? ' ' : '   '}`;
    const roll = r();
    if (depth < 4 && roll < 0.45) lines.push(...blockMap(r, dash.length, depth + 1, dash));
    else if (depth < 4 && roll < 0.55) {
      lines.push(`${spaces(indent)}-`);
      lines.push(...block(r, indent + 2, depth + 1));
    } else if (roll < 0.6) lines.push(`${spaces(indent)}-${pick(r, ['', ' # c', '  #c', '#c'])}`);
    else lines.push(`${dash}${inline(r)}`);
  }
  return lines;
}

function generateDocument(r: () => number): string {
  const lines: string[] = [];
  trickiness = pick(r, [0, 0.02, 0.05, 0.1, 0.3, 0.6]);
  if (r() < 0.3) lines.push('# a knowledge-base file');
  const kinds = r() < 0.9 ? [pick(r, ['gpus', 'models', 'techniques', 'rules'])] : ['gpus', 'rules'];
  for (const kind of kinds) {
    lines.push(`${kind}:`);
    const indent = r() < 0.8 ? 2 : 0;
    const entries = 1 + Math.floor(r() * 5);
    for (let e = 0; e < entries; e++) {
      if (r() < 0.2) {
        lines.push(
          `${spaces(indent)}- { id: ${pick(r, ['e' + e, '"q' + e + '"', "'s" + e + "'", String(e)])}, ${pick(r, KEYS)}: ${scalar(r)} }`,
        );
        continue;
      }
      const dash = `${spaces(indent)}- `;
      const id = `${dash}id: ${pick(r, [`entry-${e}`, `"entry-${e}"`, `'entry-${e}'`, `entry ${e}`, String(e)])}`;
      const body = blockMap(r, indent + 2, 2).filter((l) => !/^ *id:/.test(l));
      if (!body.length) body.push(`${spaces(indent + 2)}name: n${e}`);
      if (r() < 0.8) lines.push(id, ...body);
      else lines.push(body[0]!.replace(/^ */, dash), ...body.slice(1), `${spaces(indent + 2)}id: late-${e}`);
    }
  }
  return `${lines.join('\n')}${r() < 0.9 ? '\n' : ''}`;
}

/** One random change: a tab, an extra or missing space, a doubled or dropped line, a stray character. */
function damage(text: string, r: () => number): string {
  const lines = text.split('\n');
  const i = Math.floor(r() * lines.length);
  const line = lines[i] ?? '';
  const at = Math.floor(r() * (line.length + 1));
  switch (Math.floor(r() * 7)) {
    case 0:
      lines[i] = `\t${line}`;
      break;
    case 1:
      lines[i] = ` ${line}`;
      break;
    case 2:
      lines[i] = line.replace(/^ /, '');
      break;
    case 3:
      lines.splice(i, 0, line);
      break;
    case 4:
      lines.splice(i, 1);
      break;
    case 5:
      lines[i] =
        line.slice(0, at) +
        pick(r, [':', '#', '"', "'", '[', '{', ',', ' ', '- ', '&a ', '*a', '\r', '\\']) +
        line.slice(at);
      break;
    default:
      lines[i] = line.slice(0, at) + line.slice(at + 1);
  }
  return lines.join('\n');
}
