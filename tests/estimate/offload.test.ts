// Offloaded gradient checkpointing (Unsloth's use_gradient_checkpointing="unsloth", trainers.yaml
// gradientCheckpointing: offloaded): the layer inputs wait in host memory, the GPU holds one; the
// copies overlap the compute (Unsloth README: "asynchronously whilst being only 1% slower").
import { describe, expect, it } from 'vitest';

import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import { estimateStepTime, HOST_LINK_GBS } from '../../src/estimate/time.js';
import type { LlmModel } from '../../src/kb/types.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const llama = kb.models.find((m) => m.id === 'llama-3.1-8b')! as LlmModel;
const lora = kb.techniques.find((t) => t.id === 'lora')!;
const unsloth = kb.trainers.find((t) => t.id === 'unsloth')!;
const a100 = { tflops: 312, sustainedTflops: 271, bandwidthGBs: 2039, bf16: true };
const activations = (s: TrainingSettings) =>
  estimateMemory(llama, s).breakdown.find((p) => p.part === 'activations')!.gib * GiB;

describe('offloaded gradient checkpointing', () => {
  const over = { seqLen: 4096, batch: 2 } as const;
  const offloaded = resolveSettings(lora, llama, over, unsloth)!;
  const onGpu = { ...offloaded, offloadCheckpoints: false };

  it("is Unsloth's default, with checkpointing on", () => {
    expect(offloaded.gradientCheckpointing).toBe(true);
    expect(offloaded.offloadCheckpoints).toBe(true);
    expect(
      resolveSettings(lora, llama, { ...over, gradientCheckpointing: false }, unsloth)!.gradientCheckpointing,
    ).toBe(false);
  });

  it('the GPU keeps one layer input instead of every layer’s', () => {
    const input = 2 * 4096 * llama.architecture.hidden * 2;
    expect(activations(onGpu) - activations(offloaded)).toBeCloseTo((llama.architecture.layers - 1) * input, -3);
  });

  it('costs no time while the copies over the host link are shorter than the compute they overlap', () => {
    const copies = (2 * llama.architecture.layers * 2 * 4096 * llama.architecture.hidden * 2) / (HOST_LINK_GBS * 1e9);
    const t = (s: TrainingSettings) => estimateStepTime(llama, s, a100, 0).stepSeconds;
    expect(copies).toBeLessThan(t(onGpu));
    expect(t(offloaded)).toBe(t(onGpu));
  });
});
