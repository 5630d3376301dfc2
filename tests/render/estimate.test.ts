// Snapshots of the estimate renderers (text with colour off and on at three widths, JSON) on
// estimates from the fixture knowledge base, with the properties that hold whatever the snapshot says.
import { describe, expect, it } from 'vitest';

import type { EstimateResult } from '../../src/estimate/estimate.js';
import { renderEstimateText } from '../../src/render/estimate.js';
import { estimateToJson } from '../../src/render/estimate-json.js';
import { estimateFor, expectTextProperties, snapshotPath, stripAnsi, TEXT_VARIANTS } from './fixture.js';

const SCENARIOS: Record<string, { estimate: () => EstimateResult; check: (e: EstimateResult) => void }> = {
  // an image model on a named card that fits
  'image-lora-rtx-3060': {
    estimate: () => estimateFor({ technique: 'lora', model: 'sd15', gpu: 'rtx-3060' }),
    check: (e) => {
      expect(e.model.family).toBe('image');
      expect(e.fit && e.memory.peakGiB <= e.fit.limitGiB).toBe(true);
    },
  },
  // a full DreamBooth of SDXL on 8 GB: over the card, and whether a saver helps
  'image-dreambooth-over-the-card': {
    estimate: () => estimateFor({ technique: 'dreambooth', model: 'sdxl', gpu: 'gtx-1070' }),
    check: (e) => expect(e.memory.peakGiB).toBeGreaterThan(e.fit!.limitGiB),
  },
  // a language model without a card: memory and size only, no time
  'llm-lora-no-gpu': {
    estimate: () => estimateFor({ technique: 'lora', model: 'llama-3.2-1b' }),
    check: (e) => {
      expect(e.card).toBeNull();
      expect(e.step).toBeNull();
    },
  },
  // a language model on a card given by its memory only (speed assumed)
  'llm-qlora-vram-only': {
    estimate: () => estimateFor({ technique: 'qlora', model: 'llama-3.1-8b', vram: 12 }),
    check: (e) => expect(e.card?.speedFrom).not.toBeNull(),
  },
  // one step of prompt tuning: parts under 0.01 GiB, a run of under a second
  'tiny-prompt-tuning-one-step': {
    estimate: () => estimateFor({ technique: 'prompt-tuning', model: 'llama-3.2-1b', gpu: 'rtx-4090', steps: 1 }),
    check: (e) => {
      expect(e.settings.steps).toBe(1);
      expect(e.memory.breakdown.some((p) => p.gib > 0 && p.gib < 0.01)).toBe(true);
      expect(e.hours! * 3600).toBeLessThan(60);
    },
  },
};

describe.each(Object.entries(SCENARIOS))('estimate: %s', (name, scenario) => {
  const estimate = scenario.estimate();
  it('is the situation it is named for', () => scenario.check(estimate));

  const plain = new Map([100, 60, 30].map((width) => [width, renderEstimateText(estimate, { width, color: false })]));
  it.each(TEXT_VARIANTS)('text $name', async ({ width, color, name: variant }) => {
    const text = renderEstimateText(estimate, { width, color });
    expectTextProperties(text, plain.get(width)!, width, color);
    // narrow widths wrap lines: compare words, not line breaks
    const words = stripAnsi(text).replace(/\s+/g, ' ');
    expect(words).toContain(`Estimate: ${estimate.technique.name}`);
    // every part of the breakdown is listed
    for (const p of estimate.memory.breakdown) expect(words).toContain(p.part);
    expect(words.includes('s per step')).toBe(estimate.step !== null);
    await expect(text).toMatchFileSnapshot(snapshotPath('estimate', `${name}.${variant}`, 'txt'));
  });

  it('JSON', async () => {
    const text = JSON.stringify(estimateToJson(estimate), null, 2) + '\n';
    const json = JSON.parse(text);
    // the keys README "JSON output of estimate" documents
    expect(Object.keys(json)).toEqual([
      'technique',
      'model',
      'gpu',
      'settings',
      'trainer',
      'plan',
      'vram',
      'time',
      'output',
      'strategy',
      'perCard',
      'communication',
      'assumptions',
      'sources',
    ]);
    expect(Object.keys(json.plan)).toEqual([
      'from',
      'samplesPerEpoch',
      'epochs',
      'epochsFrom',
      'effectiveBatch',
      'steps',
      'packing',
      'recipe',
    ]);
    expect(json.technique).toBe(estimate.technique.id);
    expect(json.model).toBe(estimate.model.id);
    if (estimate.card) {
      expect(Object.keys(json.gpu)).toEqual([
        'id',
        'name',
        'vramGiB',
        'tflops',
        'bf16',
        'assumedSpeed',
        'cards',
        'nodes',
        'link',
        'nodeLink',
      ]);
      expect(Object.keys(json.vram)).toEqual(['peakGiB', 'breakdown', 'cardGiB', 'limitGiB', 'fits', 'saversToFit']);
      expect(Object.keys(json.time)).toEqual([
        'stepSeconds',
        'steps',
        'microStepsPerStep',
        'totalHours',
        estimate.model.family === 'llm' ? 'tokensPerSecond' : 'imagesPerSecond',
        'referenceSeconds',
        'generationSeconds',
      ]);
    } else {
      expect(json.gpu).toBeNull();
      expect(json.time).toBeNull();
      expect(Object.keys(json.vram)).toEqual(['peakGiB', 'breakdown']);
    }
    expect(json.vram.breakdown.map((p: { part: string }) => p.part)).toEqual(
      estimate.memory.breakdown.map((p) => p.part),
    );
    expect(Object.keys(json.output)).toEqual(['sizeMB', 'trainableParams']);
    await expect(text).toMatchFileSnapshot(snapshotPath('estimate', name, 'json'));
  });
});
