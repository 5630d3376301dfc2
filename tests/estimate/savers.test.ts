// Quantization and fused loss as savers, not recipe constants (issue 13 items 3 and 5): a 16-bit
// base wherever it fits, a quantized one only as a saver, the speed cost a quantized base has, and
// the cross-entropy's logits by how the trainer computes the loss.
import { describe, expect, it } from 'vitest';

import { cardFromGpu } from '../../src/estimate/card.js';
import { estimateRun, fitWithSavers } from '../../src/estimate/fit.js';
import { logitsBytes } from '../../src/estimate/kinds/llm.js';
import { planRun } from '../../src/estimate/plan.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import type { LlmModel, Model } from '../../src/kb/types.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const trainer = (id: string) => kb.trainers.find((t) => t.id === id)!;
const gpu = (id: string) => cardFromGpu(kb.gpus.find((g) => g.id === id)!);

describe('a quantized base is a saver, not the recipe', () => {
  const flux = model('flux-dev');
  it('FLUX LoRA keeps a 16-bit base on an 80 GB card and quantizes to 8-bit on a 24 GB one', () => {
    const big = planRun(technique('lora'), flux, gpu('a100-80gb'), { overrides: {} })!;
    expect(big.run.settings.quantize).toBe('none');
    expect(big.fit.savers).not.toContain('int8-base');
    const small = planRun(technique('lora'), flux, gpu('rtx-4090'), { overrides: {} })!;
    expect(small.fit.savers).toContain('int8-base');
    expect(small.run.settings.quantize).toBe('int8');
  });
  it('a --quantize the user gave is kept', () => {
    const p = planRun(technique('lora'), flux, gpu('a100-80gb'), { overrides: { quantize: 'nf4' } })!;
    expect(p.run.settings.quantize).toBe('nf4');
    const q = planRun(technique('lora'), flux, gpu('rtx-4090'), { overrides: { quantize: 'none' } })!;
    expect(q.run.settings.quantize).toBe('none');
  });
});

describe('the step time of a quantized base', () => {
  // litgpt tutorials/resource-tables.md (A100 40 GB, bitsandbytes 0.41.1): Llama-2-7B LoRA r8 on q,v
  // at micro-batch 1, 2.36 min per 1k iterations; bnb.nf4-dq 3.83 min: QLoRA 1.62x LoRA
  const step = (id: string, card: string, over: Partial<TrainingSettings>) => {
    const m = model(id);
    const s: TrainingSettings = {
      ...resolveSettings(technique('lora'), m)!,
      batch: 1,
      rank: 8,
      targets: 'qv',
      precision: 'bf16',
      optimizer: 'adamw',
      seqLen: 1024,
      meanSeqLen: 300,
      gradientCheckpointing: false,
      ...over,
    };
    return estimateRun(m, s, gpu(card)).step.stepSeconds;
  };
  it("Llama-2-7B on litgpt's A100 40 GB: QLoRA / LoRA near the published 1.62x", () => {
    const ratio = step('llama-2-7b', 'a100-40gb', { quantize: 'nf4' }) / step('llama-2-7b', 'a100-40gb', {});
    expect(ratio).toBeGreaterThan(1.4);
    expect(ratio).toBeLessThan(1.8);
  });
  it('7-8B models: QLoRA 1.3-2.0x LoRA on an A100, an RTX 4090 and a T4 (the knowledge base: 1.4-2x)', () => {
    for (const id of ['llama-3.1-8b', 'mistral-7b'])
      for (const card of ['a100-80gb', 'rtx-4090', 't4']) {
        const ratio = step(id, card, { quantize: 'nf4' }) / step(id, card, {});
        expect(ratio, `${id} ${card}`).toBeGreaterThanOrEqual(1.3);
        expect(ratio, `${id} ${card}`).toBeLessThanOrEqual(2.0);
      }
  });
  it('an 8-bit base is no faster than NF4 (bitsandbytes issue #605, A100: Linear8bitLt 240 us vs Linear4bit 134 us)', () => {
    for (const card of ['a100-80gb', 'rtx-4090', 't4'])
      expect(step('llama-3.1-8b', card, { quantize: 'int8' }), card).toBeGreaterThan(
        step('llama-3.1-8b', card, { quantize: 'nf4' }),
      );
  });
});

describe('the loss: full, chunked or fused logits', () => {
  const m = model('llama-3.1-8b') as LlmModel;
  const s = (over: Partial<TrainingSettings> = {}): TrainingSettings => ({
    ...resolveSettings(technique('qlora'), m)!,
    batch: 1,
    seqLen: 4096,
    ...over,
  });
  it('full: 14 bytes per logit at 4K tokens, 6.85 GiB of a 128K vocabulary; chunked keeps half, fused a tokens x hidden chunk', () => {
    const full = logitsBytes(m, s({ loss: 'full' }));
    expect(full / 2 ** 30).toBeCloseTo(6.85, 1);
    // torchtune's 8 chunks: half-precision logits and fp32 log-softmax kept, one chunk's upcast and gradient
    expect(logitsBytes(m, s({ loss: 'chunked' })) / full).toBeCloseTo(7 / 14, 5);
    // Liger: transient logits bounded to tokens x hidden, plus grad_input
    expect(logitsBytes(m, s({ loss: 'fused' }))).toBe(4096 * m.architecture.hidden * 2 * 2);
  });
  it('Llama-3.1-8B QLoRA at 4K on 12 GB fits with Unsloth (its fused loss), not with the Trainer', () => {
    const card = { ...gpu('rtx-4090'), vramGiB: 12 };
    const t = technique('qlora');
    const plain = planRun(t, m, card, { overrides: { batch: 1, seqLen: 4096 }, trainer: trainer('transformers') })!;
    expect(plain.fit.fits).toBe(false);
    const unsloth = planRun(t, m, card, { overrides: { batch: 1, seqLen: 4096 }, trainer: trainer('unsloth') })!;
    expect(unsloth.settings.loss).toBe('fused');
    expect(unsloth.fit.fits).toBe(true);
  });
  it('a trainer offering Liger gets the fused loss as the first saver, and the answer names it', () => {
    const card = { ...gpu('rtx-4090'), vramGiB: 12 };
    const p = planRun(technique('qlora'), m, card, {
      overrides: { batch: 1, seqLen: 4096 },
      trainer: trainer('llama-factory'),
    })!;
    expect(p.fit.savers[0]).toBe('fused-loss');
    expect(p.fit.saverLabels[0]).toMatch(/fused linear cross-entropy/);
    expect(p.run.settings.loss).toBe('fused');
    expect(p.fit.fits).toBe(true);
    // no saver where the trainer offers none, nor when the user fixed the loss
    const none = fitWithSavers(m, s(), card, new Set(), new Set());
    expect(none.savers).not.toContain('fused-loss');
    const fixed = fitWithSavers(m, s(), card, new Set(['loss']), new Set(['liger']));
    expect(fixed.savers).not.toContain('fused-loss');
  });
});
