// Eager attention (--attention eager, a trainer's default, or forced by soft-capping) through one
// path: the scores each layer keeps, the full square it multiplies, the traffic of its unfused
// kernels; SDPA and FlashAttention keep no scores (memory O(sequence)).
import { describe, expect, it } from 'vitest';

import { EAGER_SCORE_BYTES } from '../../src/estimate/kinds/llm.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { resolveSettings, type SettingsOverrides, type TrainingSettings } from '../../src/estimate/settings.js';
import { estimateStepTime } from '../../src/estimate/time.js';
import type { LlmModel, Model } from '../../src/kb/types.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const settings = (tid: string, mid: string, over: SettingsOverrides): TrainingSettings =>
  resolveSettings(technique(tid), model(mid), over)!;
const activations = (m: Model, s: TrainingSettings) =>
  estimateMemory(m, s).breakdown.find((p) => p.part === 'activations')!.gib * GiB;
const a100 = { tflops: 312, sustainedTflops: 271, bandwidthGBs: 2039, bf16: true };

describe('eager attention', () => {
  const llama = model('llama-3.1-8b') as LlmModel;
  const run = { seqLen: 2048, batch: 1, gradientCheckpointing: false } as const;

  it("a language model keeps every layer's batch x heads x seq x seq scores at 6 bytes, one layer's with checkpointing", () => {
    const a = llama.architecture;
    const scores = a.heads * 2048 * 2048 * EAGER_SCORE_BYTES;
    const sdpa = settings('lora', llama.id, { ...run, attention: 'sdpa' });
    const eager = settings('lora', llama.id, { ...run, attention: 'eager' });
    expect(activations(llama, eager) - activations(llama, sdpa)).toBeCloseTo(a.layers * scores, -4);
    const gc = (s: TrainingSettings) => ({ ...s, gradientCheckpointing: true });
    expect(activations(llama, gc(eager)) - activations(llama, gc(sdpa))).toBeCloseTo(scores, -4);
  });

  it('SDPA and FlashAttention keep the same (no scores)', () => {
    const sdpa = settings('lora', llama.id, { ...run, attention: 'sdpa' });
    const flash = settings('lora', llama.id, { ...run, attention: 'flash' });
    expect(estimateMemory(llama, flash).peakGiB).toBe(estimateMemory(llama, sdpa).peakGiB);
  });

  it('costs step time: the whole square multiplied and the scores moved through memory', () => {
    const sdpa = settings('lora', llama.id, { ...run, attention: 'sdpa' });
    const eager = settings('lora', llama.id, { ...run, attention: 'eager' });
    const t = (s: TrainingSettings) => estimateStepTime(llama, s, a100, 0).stepSeconds;
    expect(t(eager)).toBeGreaterThan(t(sdpa) * 1.05);
    expect(t(eager)).toBeLessThan(t(sdpa) * 2);
  });

  it('SD 1.5 at 512 px: eager attention costs about the 1.5 GB xFormers saves (AUTOMATIC1111 PR #4056)', () => {
    // "xFormers cross-attention (~1.5 GB saved)" for textual inversion at 512 px, batch 1 (facts-image D79)
    const sd15 = model('sd15');
    const over = { batch: 1, resolution: 512, gradientCheckpointing: false } as const;
    const peak = (attention: 'eager' | 'sdpa') =>
      estimateMemory(sd15, settings('textual-inversion', 'sd15', { ...over, attention })).peakGiB * GiB;
    const saved = (peak('eager') - peak('sdpa')) / 1e9;
    expect(saved).toBeGreaterThan(1.5 * 0.8);
    expect(saved).toBeLessThan(1.5 * 1.25);
  });

  it("an fp32 run's eager scores are fp32: twice the half-precision run's", () => {
    const sd15 = model('sd15');
    const over = { batch: 1, resolution: 512, gradientCheckpointing: true } as const;
    const scores = (precision: 'fp32' | 'mixed-fp16') => {
      const eager = settings('lora', 'sd15', { ...over, precision, attention: 'eager' });
      const sdpa = settings('lora', 'sd15', { ...over, precision, attention: 'sdpa' });
      return activations(sd15, eager) - activations(sd15, sdpa);
    };
    expect(scores('fp32') / scores('mixed-fp16')).toBeCloseTo(2, 5);
  });
});
