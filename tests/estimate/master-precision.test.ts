// DeepSpeed's fp16 / bf16 engines (--precision fp16-master | bf16-master): the model in half
// precision with fp32 master weights in the optimizer and no autocast, so a model whose own code
// does not upcast the logits (Qwen v1's QWenLMHeadModel, `lossUpcast: false`) keeps its loss in
// half precision; under autocast (mixed-*) cross_entropy runs in fp32 whatever the model's code.
import { describe, expect, it } from 'vitest';

import { logitsBytes, LOSS_BYTES_PER_LOGIT } from '../../src/estimate/kinds/llm.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { precisionForCard } from '../../src/estimate/precision.js';
import { resolveSettings, type SettingsOverrides, type TrainingSettings } from '../../src/estimate/settings.js';
import type { LlmModel, Model } from '../../src/kb/types.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const settings = (tid: string, mid: string, over: SettingsOverrides): TrainingSettings =>
  resolveSettings(technique(tid), model(mid), over)!;
const part = (m: Model, s: TrainingSettings, name: string) =>
  estimateMemory(m, s).breakdown.find((p) => p.part === name)!.gib * GiB;

// Qwen README "Profiling of Memory and Speed": Q-LoRA on Qwen-1.8B-Chat-Int4, batch 1, 8192
// tokens, A100 80GB: 15.8 G (x 0.9313 = 14.71 GiB); finetune_qlora_single_gpu.sh runs DeepSpeed
// fp16 ("we need to use DeepSpeed for mixed-precision training due to ... errors caused by torch amp")
const qwenQlora: SettingsOverrides = {
  batch: 1,
  seqLen: 8192,
  rank: 64,
  targets: 'attention-mlp',
  optimizer: 'adamw',
  gradientCheckpointing: true,
};

describe('half-precision model with fp32 master weights (DeepSpeed fp16 / bf16)', () => {
  const qwen = model('qwen-1.8b') as LlmModel;
  const llama = model('llama-3.1-8b') as LlmModel;
  const tokens = 8192;

  it("Qwen v1's own loss stays in fp16 without autocast: 2 + 6 bytes per logit instead of 2 + 12", () => {
    const master = settings('qlora', qwen.id, { ...qwenQlora, precision: 'fp16-master' });
    const amp = settings('qlora', qwen.id, { ...qwenQlora, precision: 'mixed-fp16' });
    expect(logitsBytes(qwen, amp)).toBe(tokens * qwen.architecture.vocab * (2 + LOSS_BYTES_PER_LOGIT));
    expect(logitsBytes(qwen, master)).toBe(tokens * qwen.architecture.vocab * (2 + LOSS_BYTES_PER_LOGIT / 2));
  });

  it("a model on transformers' own code upcasts its logits under every precision", () => {
    const master = settings('qlora', llama.id, { ...qwenQlora, precision: 'bf16-master' });
    const amp = settings('qlora', llama.id, { ...qwenQlora, precision: 'mixed-bf16' });
    expect(logitsBytes(llama, master)).toBe(logitsBytes(llama, amp));
  });

  it("Qwen's README Q-LoRA figure at 8192 tokens (14.71 GiB) within 10%", () => {
    const s = settings('qlora', qwen.id, { ...qwenQlora, precision: 'fp16-master' });
    expect(estimateMemory(qwen, s).peakGiB / 14.71).toBeGreaterThan(0.9);
    expect(estimateMemory(qwen, s).peakGiB / 14.71).toBeLessThan(1.1);
  });

  it('trained weights: a half-precision copy and an fp32 master; AdamW states on the fp32 master', () => {
    const full = { batch: 1, seqLen: 512, optimizer: 'adamw', gradientCheckpointing: true } as const;
    const master = settings('full-finetune', llama.id, { ...full, precision: 'bf16-master' });
    const mixed = settings('full-finetune', llama.id, { ...full, precision: 'mixed-bf16' });
    const pure = settings('full-finetune', llama.id, { ...full, precision: 'bf16' });
    expect(part(llama, master, 'base weights') / part(llama, mixed, 'base weights')).toBeCloseTo(6 / 4, 5);
    expect(part(llama, master, 'optimizer states')).toBe(part(llama, mixed, 'optimizer states'));
    expect(part(llama, pure, 'optimizer states') * 2).toBe(part(llama, mixed, 'optimizer states'));
  });

  it("a card without bf16 runs DeepSpeed's fp16 engine for a bf16 one", () => {
    expect(precisionForCard('bf16-master', false, false)).toEqual({ from: 'bf16-master', to: 'fp16-master' });
    expect(precisionForCard('bf16-master', true, false)).toBeNull();
  });
});
