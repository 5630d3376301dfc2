// Snapshots of the catalogue listings and the comparison (text with colour off and on at three
// widths, markdown and JSON where they have them) on the fixture knowledge base.
import { describe, expect, it } from 'vitest';

import {
  gpuJson,
  modelJson,
  renderFactsText,
  renderGpusText,
  renderModelsText,
  renderTechniqueDetail,
  renderTechniquesText,
  techniqueJson,
} from '../../src/render/catalogue.js';
import { compareToJson, renderCompareMarkdown, renderCompareText } from '../../src/render/compare.js';
import type { RenderOptions } from '../../src/render/style.js';
import { expectTextProperties, fixtureKb, snapshotPath, stripAnsi, TEXT_VARIANTS } from './fixture.js';

const kb = fixtureKb();
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const compared = ['dreambooth', 'lora', 'qlora'].map(technique);

const TEXT: Record<string, { render: (opts: RenderOptions) => string; mustShow: string[] }> = {
  techniques: {
    render: (o) => renderTechniquesText(kb, kb.techniques, o),
    mustShow: kb.techniques.map((t) => t.id),
  },
  'technique-lora': {
    render: (o) => renderTechniqueDetail(kb, technique('lora'), o),
    mustShow: ['LoRA (Low-Rank Adaptation)', 'Attributes', 'Goals', 'Defaults per model group', 'Pitfalls'],
  },
  models: { render: (o) => renderModelsText(kb, kb.models, o), mustShow: kb.models.map((m) => m.id) },
  gpus: { render: (o) => renderGpusText(kb, kb.gpus, o), mustShow: kb.gpus.map((g) => g.id) },
  facts: { render: (o) => renderFactsText(o), mustShow: ['vram.peak_gib', 'time.fits'] },
  compare: {
    render: (o) => renderCompareText(compared, o),
    mustShow: [...compared.map((t) => t.name), 'Overfitting risk', 'Sources'],
  },
};

describe.each(Object.entries(TEXT))('%s', (name, { render, mustShow }) => {
  const plain = new Map([100, 60, 30].map((width) => [width, render({ width, color: false })]));
  it.each(TEXT_VARIANTS)('text $name', async ({ width, color, name: variant }) => {
    const text = render({ width, color });
    // with colour too (the cut at the width keeps colour codes out of the count)
    expectTextProperties(text, plain.get(width)!, width, color);
    // at full width every name is whole in its cell (narrower tables wrap them inside their cells)
    if (width === 100) for (const s of mustShow) expect(stripAnsi(text)).toContain(s);
    await expect(text).toMatchFileSnapshot(snapshotPath('catalogue', `${name}.${variant}`, 'txt'));
  });
});

describe('compare markdown and JSON', () => {
  it('markdown: a row per attribute and a column per technique', async () => {
    const md = renderCompareMarkdown(compared);
    expect(md).not.toMatch(/\x1b/);
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(1 + 9);
    // each row has the feature cell and one per technique (escaped pipes are not separators)
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length - 2, r).toBe(1 + compared.length);
    await expect(md).toMatchFileSnapshot(snapshotPath('catalogue', 'compare', 'md'));
  });
  it('JSON', async () => {
    const text = JSON.stringify(compareToJson(compared), null, 2) + '\n';
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['techniques', 'attributes', 'sources']);
    expect(json.techniques.map((t: { id: string }) => t.id)).toEqual(['dreambooth', 'lora', 'qlora']);
    expect(json.attributes).toHaveLength(9);
    for (const a of json.attributes) {
      expect(Object.keys(a)).toEqual(['attribute', 'label', 'values']);
      expect(Object.keys(a.values)).toEqual(['dreambooth', 'lora', 'qlora']);
      for (const v of Object.values(a.values)) expect(v).toHaveProperty('headline');
    }
    await expect(text).toMatchFileSnapshot(snapshotPath('catalogue', 'compare', 'json'));
  });
});

describe('catalogue JSON', () => {
  it('GPUs, models and techniques as entries with their origin', async () => {
    const text =
      JSON.stringify(
        {
          gpus: kb.gpus.map((g) => gpuJson(kb, g)),
          models: kb.models.map((m) => modelJson(kb, m)),
          techniques: [technique('lora')].map((t) => techniqueJson(kb, t)),
        },
        null,
        2,
      ) + '\n';
    const json = JSON.parse(text);
    for (const g of json.gpus) {
      expect(g.usableGiB).toBeLessThanOrEqual(g.vramGB);
      expect(g.origin).toMatch(/gpus\.yaml$/);
    }
    for (const m of json.models) expect(m.origin).toMatch(/models\.yaml$/);
    await expect(text).toMatchFileSnapshot(snapshotPath('catalogue', 'entries', 'json'));
  });
});
