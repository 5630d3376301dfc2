// The 2025-26 catalogue entries: each parameter total within 1% of the count its publisher or
// ../shared/reference/models-2026.md gives, and the names people pass (Hub ids, unsloth mirrors,
// Ollama tags, the DeepSeek-R1 distills) find the entry of that architecture.
import { describe, expect, it } from 'vitest';

import { llmParamTotal } from '../../src/estimate/kinds/llm-layers.js';
import { findModel } from '../../src/kb/lookup.js';
import type { LlmModel } from '../../src/kb/types.js';
import { bundledKb, runCli } from '../helpers.js';

const kb = bundledKb();

// published or derived counts: models-2026.md §1.1-1.6 (derived there from the configs), or the
// name's rounded figure where only that is published
const PUBLISHED: Record<string, number> = {
  'qwen3-0.6b': 596_049_920,
  'qwen3-1.7b': 1_720_574_976,
  'qwen3-4b': 4_022_468_096,
  'qwen3-4b-2507': 4_022_468_096,
  'qwen3-8b': 8_190_735_360,
  'qwen3-14b': 14_768_307_200,
  'qwen3-32b': 32_762_123_264,
  'gemma-3-1b': 999_885_952,
  'gemma-3-4b': 3_880_263_168,
  'gemma-3-12b': 11_766_034_176,
  'gemma-3-27b': 27_009_346_304,
  'llama-3-8b': 8_030_261_248,
  'llama-3-70b': 70_553_706_496,
  'mistral-small-3-24b': 23_572_403_200,
  'mistral-small-3.1-24b': 23_572_403_200,
  'phi-4': 14_659_507_200,
  'phi-4-mini': 3_836_021_760,
  'smollm2-135m': 134_515_008,
  'smollm2-360m': 361_821_120,
  'smollm2-1.7b': 1_711_376_384,
  'smollm3-3b': 3_075_098_624,
};

describe('2025-26 language models', () => {
  for (const [id, published] of Object.entries(PUBLISHED)) {
    it(`${id}: the architecture's total is within 1% of the published count`, () => {
      const m = kb.models.find((x) => x.id === id) as LlmModel | undefined;
      expect(m, id).toBeDefined();
      expect(llmParamTotal(m!)).toBe(m!.params);
      expect(Math.abs(m!.params - published) / published).toBeLessThan(0.01);
    });
  }

  it('mistral-nemo-12b rounds to the 12B of its name (no exact published count was read)', () => {
    const m = kb.models.find((x) => x.id === 'mistral-nemo-12b') as LlmModel;
    expect(llmParamTotal(m)).toBe(m.params);
    expect(Math.round(m.params / 1e9)).toBe(12);
  });

  it('counts the q/k norms of Qwen3 and Gemma 3 (2 x headDim per layer)', () => {
    const q = kb.models.find((x) => x.id === 'qwen3-8b') as LlmModel;
    const without: LlmModel = { ...q, architecture: { ...q.architecture, qkNorm: false } };
    expect(llmParamTotal(q) - llmParamTotal(without)).toBe(36 * 2 * 128);
  });

  it('Gemma 3 has no soft-capping (unlike Gemma 2)', () => {
    for (const id of ['gemma-3-1b', 'gemma-3-4b', 'gemma-3-12b', 'gemma-3-27b']) {
      const m = kb.models.find((x) => x.id === id) as LlmModel;
      expect(m.architecture.attentionSoftcap, id).toBeUndefined();
      expect(m.architecture.finalLogitSoftcap, id).toBeUndefined();
    }
  });
});

describe('names of the 2025-26 models', () => {
  const names: Array<[string, string]> = [
    ['Qwen/Qwen3-8B', 'qwen3-8b'],
    ['Qwen/Qwen3-8B-Base', 'qwen3-8b'],
    ['unsloth/Qwen3-8B', 'qwen3-8b'],
    ['qwen3:8b', 'qwen3-8b'],
    ['Qwen/Qwen3-32B', 'qwen3-32b'],
    ['Qwen/Qwen3-4B-Instruct-2507', 'qwen3-4b-2507'],
    ['google/gemma-3-12b-it', 'gemma-3-12b'],
    ['google/gemma-3-1b-it', 'gemma-3-1b'],
    ['gemma3:27b', 'gemma-3-27b'],
    ['meta-llama/Meta-Llama-3-8B', 'llama-3-8b'],
    ['meta-llama/Meta-Llama-3-70B-Instruct', 'llama-3-70b'],
    ['meta-llama/Meta-Llama-3.1-8B', 'llama-3.1-8b'],
    ['mistralai/Mistral-Nemo-Instruct-2407', 'mistral-nemo-12b'],
    ['mistralai/Mistral-Small-24B-Instruct-2501', 'mistral-small-3-24b'],
    ['mistralai/Mistral-Small-3.2-24B-Instruct-2506', 'mistral-small-3.1-24b'],
    ['microsoft/phi-4', 'phi-4'],
    ['microsoft/Phi-4-mini-instruct', 'phi-4-mini'],
    ['HuggingFaceTB/SmolLM2-360M-Instruct', 'smollm2-360m'],
    ['HuggingFaceTB/SmolLM3-3B', 'smollm3-3b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'llama-3.1-8b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Llama-70B', 'llama-3.3-70b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-14B', 'qwen2.5-14b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'qwen2.5-7b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', 'qwen2.5-32b'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', 'deepseek-r1-distill-qwen-1.5b'],
    ['black-forest-labs/FLUX.1-Krea-dev', 'flux-dev'],
    ['Pony Diffusion V6 XL', 'sdxl'],
    ['Illustrious-XL', 'sdxl'],
    ['Laxhar/noobai-XL-1.0', 'sdxl'],
    ['black-forest-labs/FLUX.1-Kontext-dev', 'flux-kontext-dev'],
    ['kontext', 'flux-kontext-dev'],
    ['lodestones/Chroma1-HD', 'chroma'],
    ['Chroma', 'chroma'],
    ['Qwen/Qwen-Image', 'qwen-image'],
    // the common names practitioners type
    ['illustrious', 'sdxl'],
    ['NoobAI', 'sdxl'],
    ['Pony V6', 'sdxl'],
    ['flux-krea', 'flux-dev'],
    ['Mistral Small 3.2', 'mistral-small-3.1-24b'],
    ['SmolLM3', 'smollm3-3b'],
    // a Hub id's repository name without its organisation
    ['Llama-4-Scout-17B-16E-Instruct', 'llama-4-scout'],
    ['Mistral-Small-3.2-24B-Instruct-2506', 'mistral-small-3.1-24b'],
    ['gemma-3-27b-it', 'gemma-3-27b'],
  ];
  for (const [name, id] of names)
    it(`${name} finds ${id}`, () => {
      expect(findModel(kb, name).found?.id).toBe(id);
    });

  it('a repository name two entries share under different organisations is not taken for either', () => {
    const a = {
      ...kb.models.find((m) => m.id === 'qwen3-8b')!,
      id: 'a-model',
      name: 'A',
      aliases: ['org-a/Same-Name'],
    };
    const b = {
      ...kb.models.find((m) => m.id === 'qwen3-8b')!,
      id: 'b-model',
      name: 'B',
      aliases: ['org-b/Same-Name'],
    };
    const two = { ...kb, models: [a, b] };
    expect(findModel(two, 'Same-Name').found).toBeNull();
    expect(findModel(two, 'org-a/Same-Name').found?.id).toBe('a-model');
    expect(findModel({ ...kb, models: [a] }, 'Same-Name').found?.id).toBe('a-model');
  });

  it("R1-Distill-Qwen-1.5B: Qwen2.5-Math-1.5B's layers with its own output head (1.78B on the Hub)", () => {
    const distill = kb.models.find((x) => x.id === 'deepseek-r1-distill-qwen-1.5b') as LlmModel;
    const base = kb.models.find((x) => x.id === 'qwen2.5-1.5b') as LlmModel;
    expect(distill.params - base.params).toBe(base.architecture.vocab * base.architecture.hidden);
    expect(distill.params / 1e9).toBeCloseTo(1.78, 2);
  });

  it('the originals keep their own context: Llama 3 8,192 tokens, 3.1 131,072', () => {
    const ctx = (id: string) => (kb.models.find((x) => x.id === id) as LlmModel).contextLength;
    expect(ctx('llama-3-8b')).toBe(8192);
    expect(ctx('llama-3.1-8b')).toBe(131072);
  });
});

describe('2025-26 image models', () => {
  const estimate = async (flags: string) => {
    const r = await runCli(['estimate', '--json', ...flags.split(' ')]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { vram: { peakGiB: number }; time: { stepSeconds: number } };
  };
  const run = '--technique lora --gpu rtx-4090 --quantize int8 --resolution 1024 --gradient-checkpointing';

  it("FLUX.1 Kontext trains on FLUX.1 [dev]'s transformer with its reference image's tokens in every sequence", async () => {
    // SimpleTuner: "a 4090 will go from ~3 to ~6 seconds per step", 18 G -> 24 G at 1024 px int8
    const dev = await estimate(`${run} --model flux-dev`);
    const kontext = await estimate(`${run} --model flux-kontext-dev`);
    expect(kontext.time.stepSeconds / dev.time.stepSeconds).toBeGreaterThan(1.7);
    expect(kontext.time.stepSeconds / dev.time.stepSeconds).toBeLessThan(2.5);
    expect(kontext.vram.peakGiB).toBeGreaterThan(dev.vram.peakGiB + 1);
  });

  it("Chroma: 8.9 B parameters (SimpleTuner), and its LoRA's memory falls with the base's quantization as SimpleTuner's table", async () => {
    const chroma = kb.models.find((m) => m.id === 'chroma')!;
    if (chroma.family !== 'image') throw new Error('chroma is an image model');
    expect(Math.abs(chroma.components.denoiser.params / 8.9e9 - 1)).toBeLessThan(0.01);
    // "~28 GB VRAM without base quantisation" ... "~8 GB VRAM with NF4 + bf16" (rank 16)
    const at = (q: string) =>
      estimate(
        `--technique lora --model chroma --gpu a100-80gb --rank 16 --quantize ${q} --resolution 1024 --gradient-checkpointing`,
      );
    const [bf16, int8, nf4] = [await at('none'), await at('int8'), await at('nf4')];
    expect(bf16.vram.peakGiB).toBeGreaterThan(int8.vram.peakGiB);
    expect(int8.vram.peakGiB).toBeGreaterThan(nf4.vram.peakGiB);
    expect(nf4.vram.peakGiB).toBeGreaterThan(8 * 0.7);
    expect(nf4.vram.peakGiB).toBeLessThan(8 * 1.3);
  });

  it('Qwen-Image: the 20 B transformer counted from its blocks; on 24 GB only a quantized base fits (SimpleTuner: "24GB ... absolute minimum")', async () => {
    const q = kb.models.find((m) => m.id === 'qwen-image')!;
    if (q.family !== 'image') throw new Error('qwen-image is an image model');
    expect(Math.abs(q.components.denoiser.params / 20e9 - 1)).toBeLessThan(0.03);
    const r = await runCli([
      'recommend',
      '--json',
      '--goal',
      'style',
      '--model',
      'Qwen/Qwen-Image',
      '--gpu',
      'rtx-4090',
      '--time',
      '4h',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      recommendation: { id: string; settings: { quantize: string } };
    };
    expect(out.recommendation.id).toBe('lora');
    expect(out.recommendation.settings.quantize).not.toBe('none');
  });
});
