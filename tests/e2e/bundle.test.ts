// The fast paths, by structure (performance itself is measured by bench/startup, not by tests):
// the bundle's metafile keeps heavy modules off the --help and --json paths; the compiled knowledge
// base is the slow path's result and is never used once a data file changed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import stringWidth from 'string-width';
import { describe, expect, it, vi } from 'vitest';

import { compiledKbPath, dataFileRecords, loadCompiledKb, serializeCompiledKb } from '../../src/kb/compiled.js';
import { bundledDataDir, loadKnowledgeBase } from '../../src/kb/load.js';

const root = new URL('../../', import.meta.url).pathname;
const meta = JSON.parse(readFileSync(join(root, 'dist/bundle/meta.json'), 'utf8')) as {
  outputs: Record<
    string,
    { imports: Array<{ path: string; kind: string; external?: boolean }>; inputs: Record<string, unknown> }
  >;
};
const outputs = meta.outputs;
const inputsOf = (file: string) => Object.keys(outputs[file]!.inputs);
const HEAVY = /node_modules\/(inquirer|@inquirer|yaml|zod)\//;

describe('bundle', () => {
  it("cli-table3 measures with the renderers' width function, and a table of wide text lines up", () => {
    const cellInputs = (meta as unknown as { inputs: Record<string, { imports: Array<{ path: string }> }> }).inputs;
    const table = Object.entries(cellInputs).find(([k]) => /cli-table3\/src\/utils\.js$/.test(k))!;
    expect(table[1].imports.map((i) => i.path)).toContain('src/render/table-width.cjs');
    const dir = mkdtempSync(join(tmpdir(), 'fa-wide-'));
    const kb = join(dir, 'wide.yaml');
    writeFileSync(
      kb,
      'gpus:\n  - id: wide-card\n    name: 漢字のカード 🐢 GPU\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: a test }]\n',
    );
    const r = spawnSync(process.execPath, [join(root, 'bin/finetune-advisor.js'), 'gpus', '--kb', kb], {
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '90', NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^[┌├│└]/.test(l));
    expect(lines.some((l) => l.includes('漢字のカード'))).toBe(true);
    expect(new Set(lines.map((l) => stringWidth(l)))).toEqual(new Set([stringWidth(lines[0]!)]));
  });
  it('cli.cjs (what --help and every --json path load) contains no inquirer, yaml or zod', () => {
    const inputs = inputsOf('dist/bundle/cli.cjs');
    expect(inputs).toContain('src/cli/run.ts');
    expect(inputs).toContain('src/engine/rank.ts');
    expect(inputs.filter((i) => HEAVY.test(i))).toEqual([]);
    // and it never starts the ESM loader: no import() left in it
    expect(outputs['dist/bundle/cli.cjs']!.imports.filter((i) => i.kind === 'dynamic-import')).toEqual([]);
  });
  it('the YAML loader and the questions are separate bundles that cli.cjs requires only when needed', () => {
    const required = outputs['dist/bundle/cli.cjs']!.imports.filter((i) => i.external && i.kind === 'require-call').map(
      (i) => i.path,
    );
    expect(required).toEqual(
      expect.arrayContaining([
        './kb-load.cjs',
        './prompts.cjs',
        './kb-schema.cjs',
        './model-files.cjs',
        './config.cjs',
      ]),
    );
    // config: the trainer files' writers and the yaml they use, only on the config path
    expect(inputsOf('dist/bundle/config.cjs').some((i) => /node_modules\/yaml\//.test(i))).toBe(true);
    expect(inputsOf('dist/bundle/kb-load.cjs').some((i) => /node_modules\/yaml\//.test(i))).toBe(true);
    expect(inputsOf('dist/bundle/kb-load.cjs').some((i) => /node_modules\/zod\//.test(i))).toBe(true);
    expect(inputsOf('dist/bundle/prompts.cjs').some((i) => /@inquirer\/core/.test(i))).toBe(true);
  });
  it("the questions' bundle carries neither inquirer's editor prompt (iconv-lite, chardet) nor a second commander", () => {
    const inputs = inputsOf('dist/bundle/prompts.cjs');
    expect(
      inputs.filter((i) => /node_modules\/(iconv-lite|chardet|@inquirer\/(editor|external-editor))\//.test(i)),
    ).toEqual([]);
    expect(inputs.filter((i) => /node_modules\/commander\//.test(i))).toEqual(['node_modules/commander/lib/error.js']);
  });
  it('the source modules in lazy bundles are reached only through import()', () => {
    const lazySources = [
      'src/kb/load.ts',
      'src/cli/prompts.ts',
      'src/kb/json-schema.ts',
      // --model PATH: the config.json reader and its mapping
      'src/cli/model-files.ts',
      'src/engine/hf-config.ts',
      // config: the plan of the trainer's options, the file writers, the file writing
      'src/cli/commands/config/run.ts',
      'src/cli/commands/config/plan.ts',
      'src/render/trainer-config.ts',
    ];
    expect(inputsOf('dist/bundle/cli.cjs').filter((i) => lazySources.includes(i))).toEqual([]);
  });
});

describe('compiled knowledge base', () => {
  it('equals what the YAML loader produces', () => {
    const fast = loadCompiledKb(bundledDataDir(), join(root, 'dist/kb.json'));
    expect(fast).not.toBeNull();
    expect(fast).toEqual(JSON.parse(JSON.stringify(loadKnowledgeBase())));
  });
  it('is ASCII, non-ASCII text escaped (one-byte strings read and parse faster)', () => {
    const text = readFileSync(join(root, 'dist/kb.json'), 'utf8');
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
    expect(text).toMatch(/\\u2013/); // the data's en dashes, escaped
    const fast = loadCompiledKb(bundledDataDir(), join(root, 'dist/kb.json'))!;
    expect(JSON.stringify(fast.techniques)).toMatch(/–/);
  });
  it('parses a section only when it is read', () => {
    const fast = loadCompiledKb(bundledDataDir(), join(root, 'dist/kb.json'))!;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(fast.techniques.length).toBeGreaterThan(10);
      expect(parse).toHaveBeenCalledTimes(1);
      void fast.techniques;
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });
  it('is not used once a data file changes, is added, or is removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-stale-'));
    cpSync(bundledDataDir(), join(dir, 'data'), { recursive: true, preserveTimestamps: true });
    // a compiled file for the copy, stamped like the build does
    const kb = loadKnowledgeBase();
    const write = () =>
      writeFileSync(join(dir, 'kb.json'), serializeCompiledKb(dataFileRecords(join(dir, 'data')), kb));
    write();
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).not.toBeNull();
    // the same size, other bytes (tests/e2e/installed.test.ts covers the stat caches in front of the hash)
    const gpus = join(dir, 'data', 'gpus.yaml');
    writeFileSync(gpus, readFileSync(gpus, 'utf8').replace('vramGB: 24', 'vramGB: 25'));
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).toBeNull();
    write();
    copyFileSync(gpus, join(dir, 'data', 'extra.yaml'));
    expect(loadCompiledKb(join(dir, 'data'), join(dir, 'kb.json'))).toBeNull();
    expect(compiledKbPath()).toMatch(/kb\.json$/);
  });
});
