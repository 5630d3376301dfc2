// HiDream-I1, a mixture-of-experts image transformer, and FLUX.2: every expert resident, compute
// through the active ones, `--targets experts` adds every routed expert to the adapter; estimates
// against the published figures of the trainers that train them.
import { describe, expect, it } from 'vitest';

import { blockTokens } from '../../src/estimate/kinds/diffusion.js';
import { latentPixels } from '../../src/estimate/kinds/image.js';
import { kindOf } from '../../src/estimate/kinds/index.js';
import { trainableParams } from '../../src/estimate/parameters.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import { findModel } from '../../src/kb/lookup.js';
import type { ImageModel } from '../../src/kb/types.js';
import { modelSummary } from '../../src/render/catalogue.js';
import { bundledKb, expectUsageError, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as ImageModel;
const settings = (mid: string, over: Partial<TrainingSettings> = {}): TrainingSettings => ({
  ...resolveSettings(
    kb.techniques.find((t) => t.id === 'lora')!,
    model(mid),
    {},
    null,
  )!,
  ...over,
});
const peakGiB = async (flags: string) => {
  const r = await runCli(['estimate', '--json', '--technique', 'lora', ...splitFlags(flags)]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { vram: { peakGiB: number } }).vram.peakGiB;
};

describe('HiDream-I1: a mixture-of-experts denoiser', () => {
  const hidream = model('hidream-i1');
  const moe = hidream.components.denoiser.moe!;

  it('17 B weights resident (SimpleTuner: "17B total parameters"), a token through the shared and 2 of 4 routed experts', () => {
    expect(Math.abs(hidream.components.denoiser.params / 17e9 - 1)).toBeLessThan(0.01);
    expect(moe).toMatchObject({ experts: 4, perToken: 2, shared: 1 });
    // one routed expert: SwiGLU 2560 -> 6912 -> 2560 (3 x 2560 x 6912); 48 blocks skip 2 each
    expect(hidream.components.denoiser.params - moe.activeParams).toBe(48 * 2 * 3 * 2560 * 6912);
  });

  it('`models` shows the total and the active weights', async () => {
    const r = await runCli(['models', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const entry = (
      JSON.parse(r.stdout) as Array<{
        id: string;
        components?: { denoiser: { params: number; moe?: { activeParams: number } } };
      }>
    ).find((m) => m.id === 'hidream-i1')!;
    expect(entry.components!.denoiser.params).toBe(17_105_733_184);
    expect(entry.components!.denoiser.moe!.activeParams).toBe(12_009_653_824);
    // the architecture column of `models`
    expect(modelSummary(hidream)).toMatch(
      /17\.11 B, 4 text encoders, 1024 px; MoE: 4 experts, 2 \+ 1 shared per token, 12\.01 B active$/,
    );
  });

  it('compute per token follows the active weights, the memory every weight', () => {
    const s = settings('hidream-i1', { resolution: 1024, batch: 1 });
    const pixels = latentPixels(hidream, s);
    const tokens = blockTokens(hidream, hidream.components.denoiser.blocks[0]!, pixels);
    const perToken = kindOf(hidream).forwardFlops(hidream, s) / tokens;
    // an image token's weights in each of the 48 blocks: its stream's attention 4 x (d^2 + d) and the
    // shared expert, 2 routed ones and the router (133,703,680); 7.68 B, SimpleTuner's "~8B active"
    // (the modulations see one vector per sample); 2 FLOPs each, attention's scores on top
    const perTokenWeights = 48 * (4 * (2560 ** 2 + 2560) + 133_703_680);
    expect(perTokenWeights / 8e9).toBeCloseTo(1, 0);
    expect(perToken / (2 * perTokenWeights)).toBeGreaterThan(1);
    expect(perToken / (2 * perTokenWeights)).toBeLessThan(1.3);
    expect(perToken).toBeLessThan(2 * moe.activeParams);
    expect(perToken).toBeLessThan(0.8 * 2 * hidream.components.denoiser.params);
    expect(kindOf(hidream).baseNetwork(hidream).params).toBe(hidream.components.denoiser.params);
  });

  it('--targets experts adds every routed expert to the adapter (4 per block); attention-mlp leaves them out as ai-toolkit does', () => {
    const rank = 16;
    const at = (targets: TrainingSettings['targets']) =>
      trainableParams(hidream, settings('hidream-i1', { rank, targets }));
    const grown = at('experts') - at('attention-mlp');
    expect(grown).toBeCloseTo(rank * moe.expertLoraDims, -2);
    // each routed expert w1, w3 (2560 -> 6912) and w2 (6912 -> 2560) in 48 blocks
    expect(moe.expertLoraDims).toBe(moe.experts * 48 * 3 * (2560 + 6912));
    expect(at('experts') / at('attention')).toBeGreaterThan(9);
  });

  it('--targets experts is refused for a dense image model, taken for HiDream', async () => {
    await expectUsageError(
      splitFlags('estimate --technique lora --model flux-dev --gpu h100-sxm --targets experts'),
      /--targets experts: flux-dev has no mixture-of-experts layers/,
    );
    const r = await runCli(splitFlags('estimate --technique lora --model hidream-i1 --gpu h100-sxm --targets experts'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/adapters on every routed expert \(4 per block\)/);
  });

  it('ai-toolkit train_lora_hidream_48.yaml: "~35.2GB of vram" (rank 32, base and text encoders quantized, 1024 px, batch 1)', async () => {
    const gib = await peakGiB(
      '--model HiDream-ai/HiDream-I1-Full --gpu a6000 --trainer ai-toolkit --rank 32 --quantize int8 --no-cache --resolution 1024 --batch 1 --optimizer adamw-8bit',
    );
    expect(gib).toBeGreaterThan(35.2 * 0.85);
    expect(gib).toBeLessThan(35.2 * 1.2);
  });

  it('ai-toolkit\'s 48 GB tier (N33): its HiDream recipe fits a 48 GB card and not a 24 GB one ("not possible to train on a single 24GB card yet")', async () => {
    const run = '--model hidream-i1 --trainer ai-toolkit --quantize int8 --no-cache --json';
    for (const [gpu, fits] of [
      ['a6000', true],
      ['rtx-4090', false],
    ] as const) {
      const r = await runCli(['estimate', '--technique', 'lora', '--gpu', gpu, ...splitFlags(run)]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { vram: { fits: boolean } }).vram.fits, gpu).toBe(fits);
    }
  });

  it('diffusers README_hidream.md, bf16 base: "Memory (after backward): 59.93 GB" (rank 8, 8-bit Adam, gradient checkpointing, text encoders loaded)', async () => {
    const gib = await peakGiB(
      '--model HiDream-ai/HiDream-I1-Dev --gpu h100-sxm --trainer diffusers --rank 8 --targets attention --quantize none --no-cache --gradient-checkpointing --optimizer adamw-8bit --resolution 1024 --batch 1',
    );
    expect(gib).toBeGreaterThan(59.93 * 0.9);
    expect(gib).toBeLessThan(59.93 * 1.15);
  });

  it('SimpleTuner HIDREAM.md lowest VRAM: "about 20-22G" (int8-quanto, LoRA rank 1, 1024 px, batch 1, gradient checkpointing)', async () => {
    const gib = await peakGiB(
      '--model hidream-i1 --gpu rtx-4090 --trainer simpletuner --rank 1 --targets attention --quantize int8 --gradient-checkpointing --resolution 1024 --batch 1',
    );
    expect(gib).toBeGreaterThan(20 * 0.8);
    expect(gib).toBeLessThan(22 * 1.1);
  });
});

describe('FLUX.2', () => {
  it('[dev] is the published "32 billion parameter" transformer; [klein] the 4 B and 9 B of their names', () => {
    expect(Math.abs(model('flux2-dev').components.denoiser.params / 32e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(model('flux2-klein-4b').components.denoiser.params / 4e9 - 1)).toBeLessThan(0.05);
    expect(Math.abs(model('flux2-klein-9b').components.denoiser.params / 9e9 - 1)).toBeLessThan(0.02);
  });

  it('32 latent channels pixel-shuffled to 128 with patch 1: as many image tokens as FLUX.1 at the same size', () => {
    for (const id of ['flux2-dev', 'flux-dev']) {
      const m = model(id);
      const s = settings(id, { resolution: 1024 });
      const tokens =
        blockTokens(m, m.components.denoiser.blocks[0]!, latentPixels(m, s)) - m.components.denoiser.textTokens;
      expect(tokens, id).toBe(4096);
    }
    expect(model('flux2-dev').latent.channels).toBe(32);
  });

  // SimpleTuner FLUX2.md (facts-image D42): klein-4b ~12 GB bf16 / ~8 GB int8; klein-9b ~22 GB / ~14 GB
  for (const [id, bf16, int8] of [
    ['flux2-klein-4b', 12, 8],
    ['flux2-klein-9b', 22, 14],
  ] as const)
    it(`${id}: SimpleTuner's ~${bf16} GB in bf16 and ~${int8} GB with an int8 base (rank 16, cached text embeddings)`, async () => {
      const run = `--model ${id} --gpu h100-sxm --trainer simpletuner --rank 16 --gradient-checkpointing --resolution 1024 --batch 1`;
      const [full, quantized] = [await peakGiB(`${run} --quantize none`), await peakGiB(`${run} --quantize int8`)];
      expect(full).toBeGreaterThan(bf16 * 0.7);
      expect(full).toBeLessThan(bf16 * 1.3);
      expect(quantized).toBeGreaterThan(int8 * 0.7);
      expect(quantized).toBeLessThan(int8 * 1.3);
    });

  it('[dev] with everything in bf16 needs at least SimpleTuner\'s "~76GB+" (its table takes the transformer as ~24 GB; counted it is 64 GB)', async () => {
    const gib = await peakGiB(
      '--model black-forest-labs/FLUX.2-dev --gpu h100-sxm --trainer simpletuner --rank 16 --quantize none --no-cache --gradient-checkpointing',
    );
    expect(gib).toBeGreaterThan(76);
  });

  it('names: Hub ids find their entry; a misspelt name suggests the same generation first', () => {
    const names: Array<[string, string]> = [
      ['HiDream-ai/HiDream-I1-Full', 'hidream-i1'],
      ['HiDream-ai/HiDream-I1-Dev', 'hidream-i1'],
      ['HiDream-ai/HiDream-I1-Fast', 'hidream-i1'],
      ['black-forest-labs/FLUX.2-dev', 'flux2-dev'],
      ['black-forest-labs/FLUX.2-klein-4B', 'flux2-klein-4b'],
      ['black-forest-labs/FLUX.2-klein-base-9B', 'flux2-klein-9b'],
    ];
    for (const [name, id] of names) expect(findModel(kb, name).found?.id, name).toBe(id);
    expect(findModel(kb, 'HiDream-I1-Pro').suggestions[0]).toBe('hidream-i1');
    expect(findModel(kb, 'flux2-dve').suggestions[0]).toBe('flux2-dev');
    const klein = findModel(kb, 'FLUX.2-klein-7B').suggestions;
    expect(klein).toEqual(expect.arrayContaining(['flux2-klein-4b', 'flux2-klein-9b']));
    expect(klein.every((id) => id.startsWith('flux2-'))).toBe(true);
  });
});
