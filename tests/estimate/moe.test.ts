// Mixture-of-experts language models: every expert resident, compute and activations through the
// active ones, adapters and a quantized base reaching the experts only where trainers put them.
import { describe, expect, it } from 'vitest';

import { kindOf } from '../../src/estimate/kinds/index.js';
import {
  llmActiveMatmulParams,
  llmActiveParamsWithEmbedding,
  llmParamSplit,
} from '../../src/estimate/kinds/llm-layers.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { trainableParams } from '../../src/estimate/parameters.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import type { LlmModel } from '../../src/kb/types.js';
import { bundledKb, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as LlmModel;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const trainer = (id: string) => kb.trainers.find((t) => t.id === id)!;
const settings = (tid: string, mid: string, over: Partial<TrainingSettings> = {}, by?: string): TrainingSettings => ({
  ...resolveSettings(technique(tid), model(mid), {}, by ? trainer(by) : null)!,
  ...over,
});
const baseGiB = (s: TrainingSettings, id: string) =>
  estimateMemory(model(id), s).breakdown.find((p) => p.part === 'base weights')!.gib;

describe('mixture of experts', () => {
  it('active weights per token as the publishers count them (openai/gpt-oss README: 3.6 B of 21 B, 5.1 B of 117 B)', () => {
    expect(llmActiveMatmulParams(model('gpt-oss-20b')) / 1e9).toBeCloseTo(3.6, 1);
    expect(llmActiveMatmulParams(model('gpt-oss-120b')) / 1e9).toBeCloseTo(5.1, 1);
    // Llama 4: "17B" active of each name, the vision encoder not counted here
    expect(llmActiveMatmulParams(model('llama-4-scout')) / 1e9).toBeGreaterThan(15);
    expect(llmActiveMatmulParams(model('llama-4-scout')) / 1e9).toBeLessThan(17.5);
  });

  it('and with the input embedding, as Qwen and Meta count theirs (Qwen3-30B-A3B: 3.3 B activated; 235B-A22B: 22 B; Scout: 17 B)', () => {
    expect(llmActiveParamsWithEmbedding(model('qwen3-30b-a3b')) / 1e9).toBeCloseTo(3.35, 2);
    expect(llmActiveParamsWithEmbedding(model('qwen3-235b-a22b')) / 1e9).toBeCloseTo(22.2, 1);
    expect(llmActiveParamsWithEmbedding(model('llama-4-scout')) / 1e9).toBeCloseTo(17.2, 1);
    // a tied embedding is the output head, already in the matmuls
    expect(llmActiveParamsWithEmbedding(model('qwen3-0.6b'))).toBe(llmActiveMatmulParams(model('qwen3-0.6b')));
  });

  it('compute per token follows the active weights, not the total', () => {
    const s = settings('lora', 'qwen3-30b-a3b', { seqLen: 1024, batch: 1 });
    const m = model('qwen3-30b-a3b');
    const perToken = kindOf(m).forwardFlops(m, s) / 1024;
    const active = llmActiveMatmulParams(m);
    expect(perToken / (2 * active)).toBeGreaterThan(1);
    expect(perToken / (2 * active)).toBeLessThan(1.1); // + attention scores
    expect(perToken).toBeLessThan(0.15 * 2 * m.params);
  });

  it('every expert is resident: a 16-bit base holds all 30.5 B weights', () => {
    const s = settings('lora', 'qwen3-30b-a3b', { precision: 'mixed-bf16', quantize: 'none' });
    expect(baseGiB(s, 'qwen3-30b-a3b')).toBeCloseTo((30.53e9 * 2) / GiB, 0);
  });

  it("a 4-bit base leaves the experts in 16-bit unless the trainer quantizes them (axolotl docs: Transformers v5's fused experts)", () => {
    const split = llmParamSplit(model('qwen3-30b-a3b'));
    expect(split.experts / model('qwen3-30b-a3b').params).toBeCloseTo(0.95, 2); // models-2026.md §2.2
    const plain = baseGiB(settings('qlora', 'qwen3-30b-a3b'), 'qwen3-30b-a3b');
    const unsloth = settings('qlora', 'qwen3-30b-a3b', {}, 'unsloth');
    expect(unsloth.quantizesExperts).toBe(true);
    expect(plain).toBeGreaterThan(50);
    // Qwen docs on Unsloth: "only 17.5 GB" for the 4-bit Qwen3-30B-A3B, so the weights are under it
    expect(baseGiB(unsloth, 'qwen3-30b-a3b')).toBeLessThan(17.5e9 / GiB);
  });

  it('a recipe adapts attention on an MoE; --targets attention-mlp adapts every expert', () => {
    const recipe = settings('lora', 'qwen3-30b-a3b');
    expect(recipe.targets).toBe('attention');
    const dense = settings('lora', 'qwen2.5-7b');
    expect(dense.targets).toBe('attention-mlp');
    const m = model('qwen3-30b-a3b');
    const attn = trainableParams(m, { ...recipe, rank: 16 });
    const all = trainableParams(m, { ...recipe, rank: 16, targets: 'attention-mlp' });
    // per layer: one expert's 3 x (2048 + 768) x 16 rank, times 128 experts, over the attention's
    const expertsPerLayer = 128 * 3 * (2048 + 768) * 16;
    expect((all - attn) / 48).toBe(expertsPerLayer);
  });

  it('the estimate says how the experts were treated', async () => {
    const r = await runCli(['estimate', '--technique', 'qlora', '--model', 'Qwen/Qwen3-30B-A3B', '--gpu', 'rtx-4090']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/all 128 experts of each MoE layer resident, each token computed through 8/);
    expect(r.stdout).toMatch(/leaves the experts in 16-bit/);
    const models = await runCli(['models', '--family', 'llm', '--json']);
    const gptOss = (JSON.parse(models.stdout) as Array<{ id: string; activeParams: number }>).find(
      (x) => x.id === 'gpt-oss-20b',
    )!;
    expect(gptOss.activeParams / 1e9).toBeCloseTo(3.6, 1);
  });
});

describe('--targets experts', () => {
  it('adapts every expert of an MoE (the adapter grows by about the number of experts) and is refused on a dense model', async () => {
    const json = async (targets: string) => {
      const r = await runCli([
        'estimate',
        '--technique',
        'lora',
        '--model',
        'Qwen/Qwen3-30B-A3B',
        '--gpu',
        'h100-sxm',
        '--targets',
        targets,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { output: { trainableParams: number } };
    };
    const attention = (await json('attention')).output.trainableParams;
    const experts = (await json('experts')).output.trainableParams;
    // 48 layers x 128 experts x 3 matrices x (2048 + 768) x rank over the attention's 13.4 M at the recipe's rank
    expect(experts / attention).toBeGreaterThan(50);
    expect(experts).toBe((await json('attention-mlp')).output.trainableParams);
    // the assumptions say where the adapters are: on every expert with experts (and attention-mlp), not with attention
    const said = async (t: string) =>
      ((await json(t)) as unknown as { assumptions: string[] }).assumptions.find((a) => /^adapters /.test(a));
    expect(await said('experts')).toMatch(/^adapters on every expert \(128 per MoE layer\)/);
    expect(await said('attention-mlp')).toMatch(/^adapters on every expert/);
    expect(await said('attention')).toMatch(/^adapters leave the routed experts out/);
    for (const [m, allowed] of [
      ['llama-3.1-8b', 'qv, attention, qvo-mlp, attention-mlp, all'],
      // qvo-mlp is a language model's set
      ['sdxl', 'qv, attention, attention-mlp, all'],
    ]) {
      const r = await runCli(['estimate', '--technique', 'lora', '--model', m!, '--targets', 'experts']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: --targets experts: ${m} has no mixture-of-experts layers; allowed: ${allowed}.\n`);
    }
  });
});

describe('published mixture-of-experts fine-tuning figures', () => {
  const peak = async (argv: string[]) => {
    const r = await runCli(['estimate', ...argv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { vram: { peakGiB: number } }).vram.peakGiB;
  };
  it('gpt-oss-20b LoRA on the linear layers, experts dequantized to bf16: ~44 GiB reserved (axolotl examples/gpt-oss, 1x48GB)', async () => {
    // gpt-oss-20b-sft-lora-singlegpu.yaml: sequence_len 4096, micro_batch_size 1, lora_r 8 with
    // lora_target_linear (experts not targeted), adamw_torch_8bit, bf16, flash attention, gradient
    // checkpointing, the CutCrossEntropy plugin (a fused loss)
    const gib = await peak(
      splitFlags(
        '--technique lora --model openai/gpt-oss-20b --gpu a6000 --batch 1 --seq-len 4096 --rank 8 --targets attention --precision mixed-bf16 --optimizer adamw-8bit --gradient-checkpointing --trainer axolotl --loss fused',
      ),
    );
    expect(Math.abs(gib / 44 - 1)).toBeLessThan(0.15);
  });
  it('Qwen3-30B-A3B LoRA on Unsloth\'s 4-bit load at 2,048 tokens: "only 17.5 GB" (Qwen docs, training with Unsloth)', async () => {
    const gib = await peak(
      splitFlags('--technique qlora --model Qwen/Qwen3-30B-A3B --seq-len 2048 --batch 1 --trainer unsloth'),
    );
    expect(Math.abs(gib / (17.5e9 / 2 ** 30) - 1)).toBeLessThan(0.15);
  });
});
