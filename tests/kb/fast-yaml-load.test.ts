// The loader with the fast YAML path: a valid file is never given to yaml, and every validation
// (valid, with errors, with warnings, with cross-file problems) reports exactly what it reports with
// the fast path switched off, the same messages at the same positions.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeEach, describe, expect, it, vi } from 'vitest';

const control = vi.hoisted(() => ({ fast: true, yamlParses: 0 }));

vi.mock('../../src/kb/fast-yaml.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/kb/fast-yaml.js')>();
  return { ...original, parseFastYaml: (src: string) => (control.fast ? original.parseFastYaml(src) : null) };
});
vi.mock('yaml', async (importOriginal) => {
  const original = await importOriginal<typeof import('yaml')>();
  return {
    ...original,
    parseDocument: (...args: Parameters<typeof original.parseDocument>) => {
      control.yamlParses++;
      return original.parseDocument(...args);
    },
  };
});

const { bundledDataDir, validateKnowledgeBase } = await import('../../src/kb/load.js');

const dir = mkdtempSync(join(tmpdir(), 'fa-fast-load-'));
const root = new URL('../../', import.meta.url).pathname;
let fileCount = 0;
const write = (text: string) => {
  const file = join(dir, `kb-${fileCount++}.yaml`);
  writeFileSync(file, text);
  return file;
};

/** validateKnowledgeBase(paths) with the fast path on and off, and yaml's parses with it on. */
function bothWays(paths: string[], base?: Parameters<typeof validateKnowledgeBase>[1]) {
  control.fast = false;
  const slow = validateKnowledgeBase(paths, base);
  control.fast = true;
  control.yamlParses = 0;
  const fast = validateKnowledgeBase(paths, base);
  return { fast, slow, yamlParses: control.yamlParses };
}

const gpu = (id: string, extra = '') =>
  `  - id: ${id}\n    name: GPU ${id}\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 10\n    bandwidthGBs: 100\n    sources: [{ ref: generated }]\n${extra}`;

beforeEach(() => {
  control.fast = true;
});

describe('loading through the fast YAML path', () => {
  it('reads the bundled data and a valid file without yaml, with the same result', () => {
    const file = write(
      `# GPUs\ngpus:\n${gpu('a')}${gpu('"b"')}${gpu("'c'")}  - { id: d, name: D, vendor: nvidia, vramGB: 8, bf16: true, tflops: 1, bandwidthGBs: 1, sources: [{ ref: r }] }\n`,
    );
    const { fast, slow, yamlParses } = bothWays([bundledDataDir(), file]);
    expect(yamlParses).toBe(0);
    expect(fast.errors).toEqual([]);
    expect(fast).toEqual(slow);
    expect(fast.kb.gpus.slice(-4).map((g) => g.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives the same messages as yaml for a file with an error, reading it again with yaml', () => {
    const cases = [
      `gpus:\n${gpu('a')}  - id: b\n    name: B\n`, // zod: missing fields
      `gpus:\n${gpu('a', '    vramGb: 3\n')}`, // unknown field
      `gpus:\n${gpu('a')}${gpu('a')}`, // a repeated id
      'rules:\n  - id: no-such-rule\n    disabled: true\n', // a switch for nothing
      'gpus:\n  - id: a\n    id: b\n', // a duplicate key: the fast path gives up
      'techniques: []\nmodels: []\n', // two kinds
    ];
    for (const text of cases) {
      const file = write(text);
      const { fast, slow, yamlParses } = bothWays([file]);
      expect(fast.errors.length, text).toBeGreaterThan(0);
      expect(fast, text).toEqual(slow);
      expect(yamlParses, text).toBe(1);
    }
  });

  it('keeps lint warnings and cross-file problems at the entries the yaml path names', () => {
    // a figure no source backs is a warning at the entry's id; an unknown technique is a cross-check error
    const warned = write(
      `gpus:\n  - id: lint-me\n    name: L\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 10\n    bandwidthGBs: 100\n    sources:\n      - { ref: r, for: [vramGB] }\n`,
    );
    const a = bothWays([bundledDataDir(), warned]);
    expect(a.yamlParses).toBe(0);
    expect(a.fast.warnings.some((w) => w.startsWith(`${warned}:2:9: warning:`))).toBe(true);
    expect(a.fast).toEqual(a.slow);
    const crossed = write(
      'rules:\n  - id: ban-one\n    kind: hard\n    description: names a technique that does not exist\n    check: { fact: technique.id, op: nin, value: [dreambooht] }\n    reason: { pass: ok, fail: banned }\n',
    );
    const b = bothWays([bundledDataDir(), crossed]);
    expect(b.fast.errors.length + b.fast.warnings.length).toBeGreaterThan(0);
    expect(b.fast).toEqual(b.slow);
  });

  it('reports every bad-kb fixture as the yaml path does', () => {
    const folder = join(root, 'tests/fixtures/bad-kb');
    const base = validateKnowledgeBase([bundledDataDir()]).kb; // the cross-checks see the bundled entries
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
      const { fast, slow } = bothWays([join(folder, name)], base);
      expect(fast, name).toEqual(slow);
    }
  });
});
