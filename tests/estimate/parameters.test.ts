// Each formula against a published figure.
import { describe, expect, it } from 'vitest';

import { EAGER_SCORE_BYTES, SOFTCAP_SCORE_BYTES } from '../../src/estimate/kinds/llm.js';
import { llmParamTotal } from '../../src/estimate/kinds/llm-layers.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { trainableParams } from '../../src/estimate/parameters.js';
import { NF4_BITS } from '../../src/estimate/precision.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import type { LlmModel, Model } from '../../src/kb/types.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
function settings(tid: string, mid: string, over: Partial<TrainingSettings>): TrainingSettings {
  return { ...resolveSettings(technique(tid), model(mid))!, ...over };
}

describe('trainable parameters', () => {
  it('LoRA r32 on q,v of Llama-3.2-3B has 9,175,040 (huggingface/peft method_comparison)', () => {
    expect(trainableParams(model('llama-3.2-3b'), settings('lora', 'llama-3.2-3b', { rank: 32, targets: 'qv' }))).toBe(
      9_175_040,
    );
  });
  it('LoRA r16 on q,v of Qwen2.5-3B has 3,686,400 (huggingface/peft README)', () => {
    expect(trainableParams(model('qwen2.5-3b'), settings('lora', 'qwen2.5-3b', { rank: 16, targets: 'qv' }))).toBe(
      3_686_400,
    );
  });
  it('DoRA adds one magnitude per output feature: 9,175,040 + 28 x (3072 + 1024)', () => {
    expect(trainableParams(model('llama-3.2-3b'), settings('dora', 'llama-3.2-3b', { rank: 32, targets: 'qv' }))).toBe(
      9_175_040 + 28 * 4096,
    );
  });
  it('prompt tuning with 200 virtual tokens on Llama-3.2-3B trains 614,400', () => {
    expect(
      trainableParams(model('llama-3.2-3b'), settings('prompt-tuning', 'llama-3.2-3b', { virtualTokens: 200 })),
    ).toBe(614_400);
  });
  it('prefix tuning with 200 virtual tokens on Llama-3.2-3B trains 11,468,800', () => {
    expect(
      trainableParams(model('llama-3.2-3b'), settings('prefix-tuning', 'llama-3.2-3b', { virtualTokens: 200 })),
    ).toBe(11_468_800);
  });
  it('LoRA rank 4 on FLUX.1-dev attention has 4,669,440 (huggingface/blog flux-qlora.md)', () => {
    expect(trainableParams(model('flux-dev'), settings('lora', 'flux-dev', { rank: 4, targets: 'attention' }))).toBe(
      4_669_440,
    );
  });
  it('Custom Diffusion on SD 1.x trains about 19 M parameters (75 MB per concept, adobe-research/custom-diffusion)', () => {
    const n = trainableParams(model('sd15'), settings('custom-diffusion', 'sd15', {}));
    expect((n * 4) / 1e6).toBeGreaterThan(70);
    expect((n * 4) / 1e6).toBeLessThan(80);
  });
  it('full fine-tuning trains every parameter of Llama-3.2-3B: 3,212,749,824', () => {
    expect(trainableParams(model('llama-3.2-3b'), settings('full-finetune', 'llama-3.2-3b', {}))).toBe(3_212_749_824);
  });
});

describe('architecture', () => {
  it("every language model's parameter count follows from its architecture", () => {
    for (const m of kb.models.filter((x): x is LlmModel => x.family === 'llm'))
      expect(llmParamTotal(m), m.id).toBe(m.params);
  });
  it('image model parameters are the sum of their components', () => {
    for (const m of kb.models) {
      if (m.family !== 'image') continue;
      const c = m.components;
      expect(c.denoiser.params + c.vae.params + c.textEncoders.reduce((t, x) => t + x.params, 0), m.id).toBe(m.params);
    }
  });
  it('NF4 with double quantization costs 4.127 bits per parameter (QLoRA paper §3)', () => {
    expect(NF4_BITS).toBeCloseTo(4.127, 3);
  });
});

describe('soft-capped attention (Gemma 2)', () => {
  const gemma2 = bundledKb().models.find((m) => m.id === 'gemma-2-9b') as LlmModel;
  const uncapped: LlmModel = {
    ...gemma2,
    architecture: { ...gemma2.architecture, attentionSoftcap: undefined, finalLogitSoftcap: undefined },
  };
  const qlora = bundledKb().techniques.find((t) => t.id === 'qlora')!;
  const activations = (m: LlmModel, s: TrainingSettings) =>
    estimateMemory(m, s).breakdown.find((p) => p.part === 'activations')!.gib * GiB;

  it("keeps every layer's scores without checkpointing, one layer's with it, plus the capped head's tanh output", () => {
    const a = gemma2.architecture;
    expect(a.attentionSoftcap).toBe(50);
    expect(a.finalLogitSoftcap).toBe(30);
    const s = { ...resolveSettings(qlora, gemma2, { seqLen: 512 })!, batch: 1, gradientCheckpointing: false };
    const scores = a.heads * 512 * 512 * (EAGER_SCORE_BYTES + SOFTCAP_SCORE_BYTES);
    const head = 512 * a.vocab * 2;
    expect(activations(gemma2, s) - activations(uncapped, s)).toBeCloseTo(a.layers * scores + head, -4);
    const gc = { ...s, gradientCheckpointing: true };
    expect(activations(gemma2, gc) - activations(uncapped, gc)).toBeCloseTo(scores + head, -4);
  });
});

describe('frozen encoders and VAE on the GPU (--no-cache)', () => {
  it("are held in the run's weight dtype: fp32 for fp32 runs, half precision otherwise", () => {
    const sd15 = model('sd15');
    if (sd15.family !== 'image') throw new Error('sd15 is an image model');
    const frozen = sd15.components.textEncoders.reduce((t, c) => t + c.params, 0) + sd15.components.vae.params;
    const encoders = (precision: TrainingSettings['precision']) =>
      estimateMemory(
        sd15,
        settings('lora', 'sd15', { precision, cache: false, trainTextEncoder: false }),
      ).breakdown.find((p) => p.part === 'frozen encoders / VAE')!.gib * GiB;
    expect(encoders('fp32')).toBeCloseTo(frozen * 4, -3);
    expect(encoders('mixed-fp16')).toBeCloseTo(frozen * 2, -3);
  });
});
