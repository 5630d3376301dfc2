// Card speed from each card's sustained matmul rate (gpus.yaml sustainedTflops), not its datasheet
// peak at one utilisation: the power-capped T4 and L4 train slower than cards with lower peaks.
import { describe, expect, it } from 'vitest';

import { cardFromGpu } from '../../src/estimate/card.js';
import { estimateRun } from '../../src/estimate/fit.js';
import { resolveSettings } from '../../src/estimate/settings.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const step = (gpu: string, tid = 'lora', mid = 'sdxl') => {
  const model = kb.models.find((m) => m.id === mid)!;
  const technique = kb.techniques.find((t) => t.id === tid)!;
  const s = resolveSettings(technique, model, { batch: 1, gradientCheckpointing: true })!;
  return estimateRun(model, s, cardFromGpu(kb.gpus.find((g) => g.id === gpu)!)).step.stepSeconds;
};

describe('card speeds', () => {
  it('every catalogue card names a sustained rate and an FP32 rate', () => {
    for (const g of kb.gpus) {
      expect(g.sustainedTflops, g.id).toBeGreaterThan(0);
      expect(g.fp32Tflops, g.id).toBeGreaterThan(0);
    }
  });
  it('SDXL LoRA: a T4 is slower than an RTX 3060 and an L4 slower than an RTX 3090', () => {
    expect(step('t4')).toBeGreaterThan(step('rtx-3060'));
    expect(step('l4')).toBeGreaterThan(step('rtx-3090'));
  });
  it('a V100 does not outrun an A5000 by much, and the MI300X is not the fastest card', () => {
    expect(step('v100-16gb') / step('a5000')).toBeGreaterThan(0.85);
    expect(step('mi300x', 'lora', 'llama-3.1-8b')).toBeGreaterThan(step('h100-sxm', 'lora', 'llama-3.1-8b'));
  });
});
