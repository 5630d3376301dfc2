// documentToJs must give what yaml's doc.toJS() gives, for every file the loader sees.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';

import { MAX_ALIAS_COUNT } from '../../src/kb/limits.js';
import { YAML_OPTIONS } from '../../src/kb/load.js';
import { documentToJs } from '../../src/kb/yaml-to-js.js';

const root = new URL('../../', import.meta.url).pathname;
// logLevel 'error', as the loader: yaml's warning for a collection key would be a Node process warning
const parse = (text: string) => parseDocument(text, YAML_OPTIONS);
const both = (text: string) => {
  const doc = parse(text);
  let mine: unknown, theirs: unknown;
  try {
    mine = documentToJs(doc, MAX_ALIAS_COUNT);
  } catch (e) {
    mine = `throws ${(e as Error).message}`;
  }
  try {
    theirs = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    theirs = `throws ${(e as Error).message}`;
  }
  return { mine, theirs };
};

describe('documentToJs', () => {
  const files = [
    ...readdirSync(join(root, 'data'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(root, 'data', f)),
    ...readdirSync(join(root, 'tests/fixtures/bad-kb'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(root, 'tests/fixtures/bad-kb', f)),
  ];
  it.each(files.map((f) => [f.slice(root.length), f]))('equals doc.toJS() on %s', (_name, file) => {
    const { mine, theirs } = both(readFileSync(file, 'latin1'));
    expect(mine).toEqual(theirs);
  });

  it('shares anchored values, redefines anchors in order, and keeps prototype keys own', () => {
    const text =
      'a: &x { k: 1 }\nb: *x\nc: &x [2]\nd: *x\n__proto__: { polluted: yes }\nconstructor: 3\nn: ~\n1: one\ntrue: t\n';
    const { mine, theirs } = both(text);
    expect(mine).toEqual(theirs);
    const m = mine as Record<string, unknown>;
    expect(m['b']).toBe(m['a']);
    expect(m['d']).toEqual([2]);
    expect(Object.getOwnPropertyNames(m)).toContain('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses an alias bomb as yaml does, and leaves what it does not handle to yaml', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(both(bomb).mine).toMatch(/Excessive alias count/);
    expect(both(bomb)).toEqual({ mine: both(bomb).theirs, theirs: both(bomb).theirs });
    const within = `a: &a [1]\n${Array.from({ length: 49 }, (_, i) => `k${i}: *a`).join('\n')}\n`;
    expect(both(within).mine).toEqual(both(within).theirs);
    const beyond = `a: &a [1]\n${Array.from({ length: 60 }, (_, i) => `k${i}: *a`).join('\n')}\n`;
    expect(both(beyond).mine).toEqual(both(beyond).theirs);
    const collectionKey = '? [a, b]\n: 1\n';
    expect(both(collectionKey).mine).toEqual(both(collectionKey).theirs);
  });

  it('equals doc.toJS() on a large generated file full of shared objects', () => {
    const shared = { deep: { list: [1, 2, { x: 'y' }] }, name: 'shared' };
    const list = Array.from({ length: 300 }, (_, i) => ({
      id: `e-${i}`,
      a: shared,
      b: i % 3 ? shared.deep : { own: i },
    }));
    const text = stringify({ techniques: list });
    expect(text).toContain('*');
    const { mine, theirs } = both(text);
    expect(mine).toEqual(theirs);
  });
});
