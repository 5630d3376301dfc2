// The loader: the bundled knowledge base is valid; broken files give file:line:column messages.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { KbError } from '../../src/errors.js';
import { lintEntry } from '../../src/kb/checks.js';
import { bundledDataDir, loadKnowledgeBase } from '../../src/kb/load.js';
import { bundledKb } from '../helpers.js';

function kbErrors(files: Record<string, string>, withBundled = true): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fa-kb-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    loadKnowledgeBase(withBundled ? [bundledDataDir(), dir] : [dir]);
  } catch (e) {
    expect(e).toBeInstanceOf(KbError);
    return (e as KbError).problems;
  }
  return [];
}

describe('bundled knowledge base', () => {
  const kb = bundledKb();
  it('has the techniques, models and GPUs the advisor promises', () => {
    const ids = (l: Array<{ id: string }>) => l.map((x) => x.id);
    expect(ids(kb.techniques)).toEqual(
      expect.arrayContaining([
        'dreambooth',
        'dreambooth-lora',
        'lora',
        'loha',
        'lokr',
        'textual-inversion',
        'custom-diffusion',
        'full-finetune',
        'qlora',
        'dora',
        'ia3',
        'prompt-tuning',
        'prefix-tuning',
      ]),
    );
    expect(ids(kb.models)).toEqual(
      expect.arrayContaining([
        'sd15',
        'sd21',
        'sdxl',
        'sd3-medium',
        'sd35-large',
        'flux-dev',
        'flux-schnell',
        'llama-3.2-1b',
        'llama-3.2-3b',
        'llama-3.1-8b',
        'llama-3.1-70b',
        'mistral-7b',
        'qwen2.5-7b',
        'qwen2.5-14b',
        'qwen2.5-72b',
        'gemma-2-9b',
        'phi-3-mini',
      ]),
    );
    expect(ids(kb.gpus)).toEqual(
      expect.arrayContaining([
        't4',
        'v100-16gb',
        'a10g',
        'l4',
        'l40s',
        'a6000',
        'a100-40gb',
        'a100-80gb',
        'h100-pcie',
        'h100-sxm',
        'h200',
        'rtx-2080-ti',
        'rtx-3060',
        'rtx-3080',
        'rtx-3090',
        'rtx-4060-ti-16gb',
        'rtx-4080',
        'rtx-4090',
        'rtx-5090',
        'gtx-1080-ti',
      ]),
    );
    expect(kb.gpus.length).toBeGreaterThanOrEqual(25);
  });
  it('every technique, model and GPU entry carries a source, and every rule is loaded', () => {
    for (const e of [...kb.techniques, ...kb.models, ...kb.gpus]) expect(e.sources.length, e.id).toBeGreaterThan(0);
    expect(kb.rules.length).toBeGreaterThan(5);
  });
});

describe('invalid files', () => {
  it('a YAML syntax error names file, line and column', () => {
    const p = kbErrors({ 'gpus.yaml': 'gpus:\n  - id: x\n    name: [unclosed\n' });
    expect(p[0]).toMatch(/gpus\.yaml:\d+:\d+: /);
  });
  it('an unknown field is reported at its line with the nearest field name', () => {
    const p = kbErrors({
      'extra.yaml':
        'gpus:\n  - id: my-card\n    name: My Card\n    vendor: nvidia\n    vramGb: 16\n    bf16: true\n    tflops: 50\n    bandwidthGBs: 500\n    sources: [{ ref: me }]\n',
    });
    expect(p.join('\n')).toMatch(/extra\.yaml:5:5: unknown field 'vramGb' \(did you mean 'vramGB'\?\)/);
  });
  it('an entry without a source is refused', () => {
    const p = kbErrors({
      'extra.yaml':
        'gpus:\n  - id: my-card\n    name: My Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 50\n    bandwidthGBs: 500\n    sources: []\n',
    });
    expect(p.join('\n')).toMatch(/extra\.yaml:9:\d+: .*source/);
  });
  it('a GPU without sources at all is refused', () => {
    const p = kbErrors({
      'extra.yaml':
        'gpus:\n  - id: my-card\n    name: My Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 50\n    bandwidthGBs: 500\n',
    });
    expect(p.join('\n')).toMatch(/extra\.yaml:2:\d+: gpus\[0\] \(my-card\)\.sources: missing required field/);
  });
  it('an alias claimed by two cards is refused', () => {
    const p = kbErrors({
      'extra.yaml':
        'gpus:\n  - id: my-card\n    name: My Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 50\n    bandwidthGBs: 500\n    aliases: ["RTX 4090"]\n    sources: [{ ref: me }]\n',
    });
    expect(p.join('\n')).toMatch(/extra\.yaml:2:\d+: alias 'RTX 4090' of 'my-card' is already claimed by 'rtx-4090'/);
  });
  it('a rule over an unknown fact is refused with the nearest fact', () => {
    const p = kbErrors({
      'rules.yaml':
        'rules:\n  - id: my-rule\n    kind: hard\n    description: test\n    check: { fact: vram.peak_gb, op: lte, value: 10 }\n    reason: { pass: ok }\n',
    });
    expect(p.join('\n')).toMatch(
      /rules\.yaml:2:\d+: rule 'my-rule' names unknown fact 'vram\.peak_gb' \(did you mean 'vram\.peak_gib'\?\)/,
    );
  });
  it('duplicate keys, unknown tags and empty files are errors, not silent values', () => {
    expect(kbErrors({ 'a.yaml': 'gpus:\n  - id: a\n    id: b\n' }, false).join('\n')).toMatch(/a\.yaml:3:\d+: /);
    expect(kbErrors({ 'b.yaml': 'gpus: !!js/function "function () {}"\n' }, false).join('\n')).toMatch(
      /b\.yaml:1:\d+: .*tag/i,
    );
    expect(kbErrors({ 'c.yaml': '' }, false).join('\n')).toMatch(/c\.yaml:1:1: empty file/);
  });
  it('a missing path is one clear problem', () => {
    expect(() => loadKnowledgeBase(['/nonexistent/kb.yaml'])).toThrow(/no such file or folder/);
  });
  it('a user file overrides a bundled entry by id and records where it came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-kb-'));
    writeFileSync(
      join(dir, 'mine.yaml'),
      'gpus:\n  - id: rtx-4090\n    name: My 4090\n    vendor: nvidia\n    vramGB: 24\n    bf16: true\n    tflops: 165\n    bandwidthGBs: 1008\n    sources: [{ ref: my lab measurement }]\n',
    );
    const kb = loadKnowledgeBase([bundledDataDir(), dir]);
    expect(kb.gpus.find((g) => g.id === 'rtx-4090')!.name).toBe('My 4090');
    expect(kb.origin['gpus:rtx-4090']).toMatch(/mine\.yaml$/);
    expect(kb.origin['gpus:t4']).toBe('bundled');
  });
});

describe('lint: figures without a source', () => {
  const entry = (forFields: string[]) => ({
    id: 'x',
    attributes: { storage: { minMB: 1, maxMB: 2 } },
    sources: [{ ref: 'r', for: forFields }],
  });
  const unsourced = (forFields: string[]) =>
    lintEntry('techniques', entry(forFields)).map((w) => /'([^']+)' of/.exec(w)![1]);
  it("a source may name any run of whole segments of a figure's path", () => {
    expect(unsourced(['storage'])).toEqual([]);
    expect(unsourced(['attributes.storage'])).toEqual([]);
    expect(unsourced(['minMB', 'maxMB'])).toEqual([]);
    expect(unsourced(['storage.maxMB'])).toEqual(['attributes.storage.minMB']);
    expect(unsourced(['stor'])).toEqual(['attributes.storage.minMB', 'attributes.storage.maxMB']);
    expect(unsourced(['attributes.minMB'])).toEqual(['attributes.storage.minMB', 'attributes.storage.maxMB']);
  });
});
