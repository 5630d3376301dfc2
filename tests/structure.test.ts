// Structure: model families and training methods are answered by the kinds table
// (src/estimate/kinds/) and the methods table (src/estimate/methods.ts), not by comparisons spread
// over the code. This greps src/ for family and method-name comparisons outside those modules.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FAMILIES, METHODS } from '../src/kb/vocabulary.js';

const ROOT = new URL('../', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

/** The modules whose job is to know the families and the methods. */
const HOMES = [/^src\/estimate\/methods\.ts$/, /^src\/estimate\/kinds\//];

/**
 * The one file that may hold what the patterns match, with its exact count, so that one more
 * comparison fails the test.
 */
const ALLOWED: Record<string, { family?: number; method?: number }> = {
  // the METHODS vocabulary itself: an array of the method names, where they are defined
  'src/kb/vocabulary.ts': { method: 1 },
};

const alternatives = (names: readonly string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const FAMILY = alternatives(FAMILIES);
const METHOD = alternatives(METHODS);

const PATTERNS = {
  // `model.family === 'llm'`, `family !== x`, `f === 'image'`, `'llm' === f`, `case 'llm':`, `switch (model.family)`
  family: new RegExp(
    String.raw`\bfamily\s*[!=]==|[!=]==\s*'(?:${FAMILY})'|'(?:${FAMILY})'\s*[!=]==|\bcase\s+'(?:${FAMILY})'\s*:|\bswitch\s*\([^)]*\bfamily\s*\)`,
    'g',
  ),
  // `s.method === 'full'`, `'dora' === m`, `.includes(s.method)`, `['dora', 'loha', ...]`, `case 'lora':`, `switch (s.method)`
  method: new RegExp(
    String.raw`\bmethod\s*[!=]==|'(?:${METHOD})'\s*[!=]==|\.includes\(\s*[\w.!?]*\bmethod\s*\)|\[\s*'(?:${METHOD})'\s*,\s*'(?:${METHOD})'|\bcase\s+'(?:${METHOD})'\s*:|\bswitch\s*\([^)]*\bmethod\s*\)`,
    'g',
  ),
};

/** Comparisons in a source text, comments left out (prose may name a family). */
function comparisons(code: string): { family: number; method: number } {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  return { family: bare.match(PATTERNS.family)?.length ?? 0, method: bare.match(PATTERNS.method)?.length ?? 0 };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|cjs|mjs|js)$/.test(e.name) ? [path] : [];
  });
}

describe('the comparison detector', () => {
  it.each([
    ["if (model.family === 'image') x();", 'family'],
    ["const k = m.family !== 'llm';", 'family'],
    ['kb.models.filter((m) => m.family === flags.family)', 'family'],
    ["families.map((f) => (f === 'llm' ? 'language' : 'image'))", 'family'],
    ["if ('image' === f) x();", 'family'],
    ['switch (model.family) { default: }', 'family'],
    ["case 'llm': return 1;", 'family'],
    ["if (s.method === 'full') x();", 'method'],
    ["if (technique.method !== 'qlora') x();", 'method'],
    ["if ('dora' === m) x();", 'method'],
    ["if (!['dora', 'loha', 'lokr'].includes(m)) return 0;", 'method'],
    ["const adapters = ['lora', 'qlora'];", 'method'],
    ['if (ADAPTER_METHODS.includes(s.method)) x();', 'method'],
    ['switch (s.method) { default: }', 'method'],
    ["case 'ptuning': return 2;", 'method'],
  ] as const)('counts %s', (code, kind) => {
    expect(comparisons(code)[kind]).toBe(1);
    expect(comparisons(code)[kind === 'family' ? 'method' : 'family']).toBe(0);
  });
  it.each([
    "if (detail === 'full') line += x;",
    'const kind = kindOf(model); kind.description;',
    'if (GOAL_FAMILY[goal] !== model.family) throw e;',
    "// model.family === 'llm' in a comment",
    "/* s.method === 'dora' */",
    "techniques = ['dreambooth', 'lora'];",
    'METHOD_TRAITS[s.method].trainsEveryWeight',
  ])('does not count %s', (code) => {
    expect(comparisons(code)).toEqual({ family: 0, method: 0 });
  });
});

describe('families and methods are answered by their tables', () => {
  const files = sourceFiles(SRC)
    .map((p) => relative(ROOT, p))
    .sort();
  const found = Object.fromEntries(
    files
      .filter((f) => !HOMES.some((h) => h.test(f)))
      .map((f) => [f, comparisons(readFileSync(join(ROOT, f), 'utf8'))]),
  );

  it('no family or method-name comparison outside the kinds and the methods table, but in the files still to move', () => {
    const unexpected = Object.entries(found)
      .map(([file, c]) => ({
        file,
        family: c.family - (ALLOWED[file]?.family ?? 0),
        method: c.method - (ALLOWED[file]?.method ?? 0),
      }))
      .filter((c) => c.family !== 0 || c.method !== 0);
    expect(unexpected).toEqual([]);
  });
  it('every file on the allowlist exists', () => {
    for (const file of Object.keys(ALLOWED)) expect(files, file).toContain(file);
  });
});

/** The relative imports of each source module that exist at run time (static and dynamic; `import type` is erased), as paths under src/. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8').replace(/^(?:import|export) type [^;]*;/gm, '');
    const targets = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
      relative(ROOT, join(ROOT, f, '..', m[1]!.replace(/\.js$/, '.ts'))),
    );
    graph.set(
      f,
      targets.filter((t) => files.includes(t)),
    );
  }
  return graph;
}

describe('layers', () => {
  const files = sourceFiles(SRC)
    .map((p) => relative(ROOT, p))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const graph = importGraph(files);
  it('the knowledge base imports nothing from the CLI, the engine, the estimator or the renderers', () => {
    const leaks = files
      .filter((f) => f.startsWith('src/kb/'))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((t) => /^src\/(cli|engine|estimate|render)\//.test(t))
          .map((t) => `${f} -> ${t}`),
      );
    expect(leaks).toEqual([]);
  });
  it('the engine and the estimator import nothing from the CLI or the renderers', () => {
    const leaks = files
      .filter((f) => /^src\/(engine|estimate)\//.test(f))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((t) => /^src\/(cli|render)\//.test(t))
          .map((t) => `${f} -> ${t}`),
      );
    expect(leaks).toEqual([]);
  });
  it('the leaves import nothing: errors, fact names and the number formatting', () => {
    for (const leaf of ['src/errors.ts', 'src/kb/fact-names.ts', 'src/format.ts'])
      expect(graph.get(leaf), leaf).toEqual([]);
  });
  it('the renderers take no code from the engine (its types only): formatting comes from the leaf src/format.ts', () => {
    const leaks = files
      .filter((f) => f.startsWith('src/render/'))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((t) => t.startsWith('src/engine/'))
          .map((t) => `${f} -> ${t}`),
      );
    expect(leaks).toEqual([]);
  });
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
