// The fast paths, by structure (performance itself is measured by bench/startup, not by tests):
// the bundle's metafile keeps heavy modules off the --help and --json paths; the compiled knowledge
// base is the slow path's result and is never used once a data file changed.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase, bundledDataDir } from '../../src/kb/load.js';
import { compiledKbPath, dataFileStamps, loadCompiledKb } from '../../src/kb/compiled.js';

const root = new URL('../../', import.meta.url).pathname;
const meta = JSON.parse(readFileSync(join(root, 'dist/bundle/meta.json'), 'utf8')) as {
  outputs: Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, unknown>; entryPoint?: string }>;
};
const outputs = meta.outputs;

/** Output files loaded by static imports from `start` (what runs before any dynamic import()). */
function staticClosure(start: string, seen = new Set<string>()): Set<string> {
  if (seen.has(start) || !outputs[start]) return seen;
  seen.add(start);
  for (const i of outputs[start].imports) if (i.kind === 'import-statement') staticClosure(i.path, seen);
  return seen;
}
const inputsOf = (files: Set<string>) => [...files].flatMap((f) => Object.keys(outputs[f]!.inputs));
/** The chunk whose inputs include a source file (the module a dynamic import() loads). */
const chunkOf = (source: string) => Object.keys(outputs).find((o) => o.endsWith('.js') && source in outputs[o]!.inputs)!;
const HEAVY = /node_modules\/(inquirer|@inquirer|yaml|zod)\//;
const RENDERING = /node_modules\/(chalk|cli-table3|string-width)\//;

describe('bundle', () => {
  it('the entry chunk (everything --help loads) contains no inquirer, yaml or zod', () => {
    const inputs = inputsOf(staticClosure('dist/bundle/run.js'));
    expect(inputs.filter((i) => HEAVY.test(i))).toEqual([]);
    expect(inputs.filter((i) => RENDERING.test(i))).toEqual([]);
    expect(inputs).toContain('src/cli/run.ts');
  });
  it('recommend --json and estimate --json load no inquirer, yaml, zod, chalk or cli-table3', () => {
    for (const action of ['src/cli/actions/recommend.ts', 'src/cli/actions/estimate.ts']) {
      const closure = staticClosure(chunkOf(action), staticClosure('dist/bundle/run.js'));
      const inputs = inputsOf(closure);
      expect(inputs.filter((i) => HEAVY.test(i) || RENDERING.test(i)), action).toEqual([]);
    }
  });
  it('the interactive path does load inquirer (so the checks above can fail)', () => {
    const prompts = chunkOf('src/cli/prompts.ts');
    const loaded = new Set([prompts, ...outputs[prompts]!.imports.map((i) => i.path)]);
    const inputs = inputsOf(new Set([...loaded].filter((f) => outputs[f])));
    expect(inputs.some((i) => /@inquirer\/core/.test(i))).toBe(true);
  });
});

describe('compiled knowledge base', () => {
  it('equals what the YAML loader produces', () => {
    const fast = loadCompiledKb(bundledDataDir(), join(root, 'dist/kb.json'));
    expect(fast).not.toBeNull();
    expect(fast).toEqual(JSON.parse(JSON.stringify(loadKnowledgeBase())));
  });
  it('is not used once a data file changes, is added, or is removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-stale-'));
    cpSync(bundledDataDir(), join(dir, 'data'), { recursive: true, preserveTimestamps: true });
    // a compiled file for the copy, stamped like the build does
    const compiled = JSON.parse(readFileSync(join(root, 'dist/kb.json'), 'utf8'));
    const write = () => writeFileSync(join(dir, 'kb.json'), JSON.stringify({ ...compiled, files: dataFileStamps(join(dir, 'data')) }));
    write();
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).not.toBeNull();
    const gpus = join(dir, 'data', 'gpus.yaml');
    const later = new Date(Date.now() + 5000);
    utimesSync(gpus, later, later);
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).toBeNull();
    write();
    copyFileSync(gpus, join(dir, 'data', 'extra.yaml'));
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).toBeNull();
    expect(compiledKbPath()).toMatch(/kb\.json$/);
  });
});
