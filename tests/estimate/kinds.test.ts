// The model kinds: the dispatch table, and what each kind answers for a model of its family.
import { describe, expect, it } from 'vitest';

import { scaledModel } from '../../src/engine/custom-model.js';
import { cardFromGpu } from '../../src/estimate/card.js';
import { fitWithSavers } from '../../src/estimate/fit.js';
import { IMAGE_KIND } from '../../src/estimate/kinds/image.js';
import { kindOf, KINDS } from '../../src/estimate/kinds/index.js';
import { LLM_KIND } from '../../src/estimate/kinds/llm.js';
import { llmParamSplit } from '../../src/estimate/kinds/llm-layers.js';
import { clipTokens, latentFrames, VIDEO_KIND } from '../../src/estimate/kinds/video.js';
import { METHOD_TRAITS } from '../../src/estimate/methods.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import type { ImageModel, LlmModel, VideoModel } from '../../src/kb/types.js';
import { FAMILIES } from '../../src/kb/vocabulary.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const llm = (id: string) => kb.models.find((m) => m.id === id)! as LlmModel;
const image = (id: string) => kb.models.find((m) => m.id === id)! as ImageModel;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const video = (id: string) => kb.models.find((m) => m.id === id)! as VideoModel;
const settings = (
  tid: string,
  m: LlmModel | ImageModel | VideoModel,
  over: Partial<TrainingSettings> = {},
): TrainingSettings => ({
  ...resolveSettings(technique(tid), m)!,
  ...over,
});

describe('dispatch', () => {
  it("has one kind per family, and a model gets its family's", () => {
    expect(Object.keys(KINDS).sort()).toEqual([...FAMILIES].sort());
    expect(kindOf(llm('llama-3.1-8b'))).toBe(LLM_KIND);
    expect(kindOf(image('sdxl'))).toBe(IMAGE_KIND);
    expect(kindOf(video('wan2.1-t2v-1.3b'))).toBe(VIDEO_KIND);
  });
});

describe('language models', () => {
  const m = llm('llama-3.1-8b');
  it('the base network is the whole model; bitsandbytes quantizes the linear layers inside the decoder', () => {
    const net = LLM_KIND.baseNetwork(m);
    expect(net.params).toBe(m.params);
    expect(net.linear).toBe(llmParamSplit(m).linear);
    expect(net.linear / m.params).toBeGreaterThan(0.8);
    expect(net.width).toBe(4096);
  });
  it('the token stream counts encoder and decoder layers of an encoder-decoder', () => {
    const t5 = llm('t0-3b');
    expect(LLM_KIND.trainableDims(t5).tokenStream!.layers).toBe(
      t5.architecture.layers + t5.architecture.decoderLayers!,
    );
    expect(LLM_KIND.trainableDims(m).textConditioning).toBeNull();
  });
  it('forward FLOPs: 2 x matmul parameters (layers and output head) x tokens, plus attention', () => {
    const a = m.architecture;
    const matmuls = 2 * (llmParamSplit(m).linear + a.vocab * a.hidden) * 2 * 512;
    const s = settings('lora', m, { batch: 2, seqLen: 512, meanSeqLen: null });
    const attention = LLM_KIND.forwardFlops(m, s) - matmuls;
    expect(attention).toBe(2 * 512 * 2 * 512 * a.heads * a.headDim * a.layers);
    // longer sequences: attention grows with the square of the length
    const long = settings('lora', m, { batch: 1, seqLen: 8192, meanSeqLen: null });
    expect(LLM_KIND.forwardFlops(m, long) / ((8192 * matmuls) / (2 * 512))).toBeGreaterThan(1.1);
  });
  it('throughput in tokens: the mean sequence length counts when known', () => {
    expect(LLM_KIND.throughputUnit).toBe('tokensPerSecond');
    expect(LLM_KIND.throughputPerStep(m, settings('lora', m, { batch: 2, seqLen: 1000, meanSeqLen: null }))).toBe(2000);
    expect(LLM_KIND.throughputPerStep(m, settings('lora', m, { batch: 2, seqLen: 1000, meanSeqLen: 300 }))).toBe(600);
  });
  it('activations grow with the virtual tokens prompt tuning prepends', () => {
    const s = settings('prompt-tuning', m, { batch: 1, seqLen: 256 });
    expect(LLM_KIND.activationBytes(m, { ...s, virtualTokens: 256 })).toBeGreaterThan(
      1.9 * LLM_KIND.activationBytes(m, { ...s, virtualTokens: 0 }),
    );
  });
  it('a recipe without a sequence length runs 1024 tokens; resolution does not apply', () => {
    const { seqLen: _seqLen, ...recipe } = technique('lora').defaults.llm!;
    expect(LLM_KIND.runShape(m, recipe)).toEqual({ resolution: null, width: null, seqLen: 1024, frames: null });
    expect(LLM_KIND.shapeSetting).toBe('seqLen');
  });
  it('no frozen parts beside the model, and no cache or quantized-base savers', () => {
    expect(LLM_KIND.componentBytes(m, settings('lora', m), METHOD_TRAITS.lora)).toBe(0);
    for (const id of ['cache', 'int8-base', 'nf4-base'] as const) expect(LLM_KIND.savers.has(id), id).toBe(false);
    const tiny = { ...cardFromGpu(kb.gpus.find((g) => g.id === 't4')!), vramGiB: 2 };
    expect(fitWithSavers(m, settings('lora', m), tiny).savers).not.toContain('int8-base');
  });
  it('soft-capped attention (Gemma 2) runs eager; Llama uses a fused kernel', () => {
    expect(LLM_KIND.eagerAttention(llm('gemma-2-9b'), settings('lora', m))).toMatch(
      /soft-capped attention \(cap 50\) runs eager/,
    );
    expect(LLM_KIND.eagerAttention(m, settings('lora', m))).toBeNull();
    expect(LLM_KIND.eagerAttention(m, { ...settings('lora', m), attention: 'eager' })).toMatch(/eager attention/);
    expect(LLM_KIND.assumptions(m, settings('lora', m, { seqLen: 777 }), [])[0]).toMatch(
      /every sequence 777 tokens long/,
    );
  });
  it('scales from a decoder-only model in the common layout, to about the size asked', () => {
    const templates = LLM_KIND.scalingTemplates(kb.models);
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      expect(t.architecture.decoderLayers, t.id).toBeUndefined();
      expect(t.id).toMatch(/^(llama-3|qwen2\.5-)/);
    }
    const scaled = scaledModel(kb, 'llm', 13);
    expect(scaled.family).toBe('llm');
    expect(Math.abs(scaled.params / 13e9 - 1)).toBeLessThan(0.05);
  });
});

describe('image models', () => {
  const sdxl = image('sdxl');
  const flux = image('flux-dev');
  it('the base network is the denoiser; a UNet keeps its convolutions unquantized', () => {
    expect(IMAGE_KIND.baseNetwork(sdxl).params).toBe(sdxl.components.denoiser.params);
    expect(IMAGE_KIND.baseNetwork(sdxl).linear / sdxl.components.denoiser.params).toBeCloseTo(0.7, 5);
    expect(IMAGE_KIND.baseNetwork(flux).linear / flux.components.denoiser.params).toBeCloseTo(0.98, 5);
  });
  it("adapters take their sizes from the catalogue's loraDims; the text conditioning from the encoders", () => {
    const dims = IMAGE_KIND.trainableDims(sdxl);
    const run = settings('lora', sdxl);
    // the denoiser's loraDims, shared out over its block groups at their own widths
    const denoiser = dims.adaptedMatrices({ ...run, targets: 'attention', trainTextEncoder: false });
    expect(denoiser.reduce((t, g) => t + g.perRank, 0)).toBeCloseTo(sdxl.loraDims.attention, 6);
    expect(denoiser.map((g) => g.width)).toEqual(sdxl.components.denoiser.blocks.map((b) => b.width));
    // with --train-text-encoder, both CLIP encoders' attention and MLP (kohya's CLIPAttention, CLIPMLP)
    const withEncoders = dims.adaptedMatrices({ ...run, trainTextEncoder: true, textEncoderTargets: 'attention-mlp' });
    expect(withEncoders.slice(denoiser.length).map((g) => [g.perRank, g.width])).toEqual([
      [165888, 768],
      [737280, 1280],
    ]);
    expect(dims.tokenStream).toBeNull();
    expect(dims.textConditioning!.embeddingWidths).toEqual(sdxl.components.textEncoders.map((te) => te.width ?? 768));
    expect(dims.fullParams({ trainTextEncoder: true } as TrainingSettings)).toBeGreaterThan(
      dims.fullParams({ trainTextEncoder: false } as TrainingSettings),
    );
  });
  it('text encoders and VAE: off the GPU when cached, on it otherwise, and trained ones cost more', () => {
    const s = settings('lora', sdxl);
    const bytes = (over: Partial<TrainingSettings>, tid = 'lora') =>
      IMAGE_KIND.componentBytes(sdxl, { ...s, ...over }, METHOD_TRAITS[technique(tid).method]);
    expect(bytes({ cache: true })).toBe(0);
    expect(bytes({ cache: false })).toBeGreaterThan(0);
    expect(bytes({ cache: true }, 'textual-inversion')).toBeGreaterThan(0);
    expect(bytes({ cache: true, trainTextEncoder: true }, 'dreambooth')).toBeGreaterThan(
      bytes({ cache: true, trainTextEncoder: true }),
    );
  });
  it('prior preservation doubles the images per step', () => {
    const s = settings('lora', sdxl, { batch: 3 });
    expect(IMAGE_KIND.samplesPerStep(s)).toBe(3);
    expect(IMAGE_KIND.samplesPerStep({ ...s, priorPreservation: true })).toBe(6);
    expect(IMAGE_KIND.forwardFlops(sdxl, { ...s, priorPreservation: true })).toBeCloseTo(
      2 * IMAGE_KIND.forwardFlops(sdxl, s),
      -3,
    );
    expect(IMAGE_KIND.throughputUnit).toBe('imagesPerSecond');
  });
  it('a UNet dispatches a resnet beside each transformer block; utilisation by denoiser kind', () => {
    const blocks = (m: ImageModel) => m.components.denoiser.blocks.reduce((t, b) => t + b.count, 0);
    expect(IMAGE_KIND.layerPasses(sdxl)).toBe(2 * blocks(sdxl));
    expect(IMAGE_KIND.layerPasses(flux)).toBe(blocks(flux));
    expect(IMAGE_KIND.utilisation(sdxl)).toBe('unet');
    expect(IMAGE_KIND.utilisation(flux)).toBe('transformer');
  });
  it("a recipe without a resolution trains at the model's native one; sequence length does not apply", () => {
    const { resolution: _resolution, ...recipe } = technique('lora').defaults.sdxl!;
    expect(IMAGE_KIND.runShape(sdxl, recipe)).toEqual({
      resolution: sdxl.nativeResolution,
      width: null,
      seqLen: null,
      frames: null,
    });
    expect(IMAGE_KIND.shapeSetting).toBe('resolution');
  });
  it('offers caching and a quantized base to fit a small card', () => {
    for (const id of ['cache', 'int8-base', 'nf4-base'] as const) expect(IMAGE_KIND.savers.has(id), id).toBe(true);
    const small = { ...cardFromGpu(kb.gpus.find((g) => g.id === 'rtx-4090')!), vramGiB: 14 };
    const fit = fitWithSavers(flux, settings('lora', flux, { cache: false, quantize: 'none' }), small);
    // the 8-bit base first, then the NF4 base in its place: one quantized base among the savers
    expect(fit.ladder.map((r) => r.saver)).toEqual(expect.arrayContaining(['cache', 'int8-base', 'nf4-base']));
    expect(fit.savers).toEqual(expect.arrayContaining(['cache', 'nf4-base']));
    expect(fit.savers).not.toContain('int8-base');
  });
  it('the assumptions say whether latents are cached', () => {
    expect(IMAGE_KIND.assumptions(sdxl, settings('lora', sdxl, { cache: true }), [])[0]).toMatch(
      /latents and text embeddings cached/,
    );
    expect(IMAGE_KIND.assumptions(sdxl, settings('lora', sdxl, { cache: false }), [])[0]).toMatch(/--no-cache/);
    expect(IMAGE_KIND.eagerAttention(sdxl, settings('lora', sdxl))).toBeNull();
  });
  it('scales the denoiser blocks to about the size asked', () => {
    const scaled = scaledModel(kb, 'image', 5);
    expect(scaled.family).toBe('image');
    expect(Math.abs(scaled.params / 5e9 - 1)).toBeLessThan(0.05);
    expect(IMAGE_KIND.scalingTemplates(kb.models).every((m) => m.family === 'image')).toBe(true);
  });
});

describe('image models at WIDTHxHEIGHT', () => {
  const sdxl = image('sdxl');
  it('latent pixels are width x height over the VAE downscale: 1216x832 is 1216 x 832 / 1024^2 of 1024 px', () => {
    const square = settings('lora', sdxl, { resolution: 1024, width: null });
    const wide = settings('lora', sdxl, { resolution: 832, width: 1216 });
    const denoiser = (s: TrainingSettings) => IMAGE_KIND.checkpointBytes(sdxl, s);
    expect(denoiser(wide) / denoiser(square)).toBeCloseTo((1216 * 832) / 1024 ** 2, 6);
  });
});

describe('video models', () => {
  const wan = video('wan2.1-t2v-1.3b');
  const wan14 = video('wan2.1-t2v-14b');
  it('latent tokens per clip: (1 + (frames - 1) / 4) latent frames x (H / 8 / 2) x (W / 8 / 2)', () => {
    // 832x480 at 81 frames: 21 x 30 x 52
    expect(latentFrames(wan, 81)).toBe(21);
    expect(clipTokens(wan, settings('lora', wan, { resolution: 480, width: 832, frames: 81 }))).toBe(21 * 30 * 52);
    expect(21 * 30 * 52).toBe(32760);
    // the VAE drops frames past the last full group of 4 (WanVAE_.encode: 1 + (t - 1) // 4)
    expect(latentFrames(wan, 75)).toBe(19);
    expect(latentFrames(wan, 1)).toBe(1);
    // Wan 2.2 TI2V 5B: vae_stride (4, 16, 16), its native 1280x704 at 121 frames: 31 x 22 x 40
    const ti2v = video('wan2.2-ti2v-5b');
    expect(clipTokens(ti2v, settings('lora', ti2v))).toBe(31 * 22 * 40);
    // --resolution PX is a square clip
    expect(clipTokens(wan, settings('lora', wan, { resolution: 480, width: null, frames: 1 }))).toBe(30 * 30);
  });
  it("a run without size or frames takes the model's native clip: 832x480 and the trainer docs' 75 frames", () => {
    const shape = VIDEO_KIND.runShape(wan, technique('lora').defaults.wan!);
    expect(shape).toEqual({ resolution: 480, width: 832, seqLen: null, frames: 75 });
    expect(VIDEO_KIND.hasFrames).toBe(true);
    expect(IMAGE_KIND.hasFrames || LLM_KIND.hasFrames).toBe(false);
  });
  it("the image transformers' arithmetic per latent token: a clip costs what an image of as many tokens does", () => {
    const s = settings('lora', wan, { resolution: 480, width: 832, frames: 81, gradientCheckpointing: true });
    const tokens = clipTokens(wan, s);
    // checkpointed block inputs: every block's tokens x width in bf16
    expect(VIDEO_KIND.checkpointBytes(wan, s)).toBe(30 * tokens * 1536 * 2);
    // forward FLOPs: block matmuls (self-attention 4w^2, the MLP 2 x mlpRatio x w^2, cross-attention
    // q and o 2w^2 per latent token, its k and v 2w^2 per text token), attention over every latent token
    const w = 1536;
    const matmuls = 30 * 2 * (4 + 2 * (8960 / 1536)) * w ** 2 * tokens;
    const cross = 30 * (2 * 2 * w ** 2 * (tokens + 512) + 4 * tokens * 512 * w);
    const attention = 30 * 4 * tokens ** 2 * w;
    expect(VIDEO_KIND.forwardFlops(wan, s) / (matmuls + cross + attention)).toBeCloseTo(1, 3);
    // attention is quadratic in the tokens: twice the frames, more than twice the work
    const longer = { ...s, frames: 161 };
    expect(VIDEO_KIND.forwardFlops(wan, longer) / VIDEO_KIND.forwardFlops(wan, s)).toBeGreaterThan(2.2);
    expect(VIDEO_KIND.throughputUnit).toBe('tokensPerSecond');
    expect(VIDEO_KIND.throughputPerStep(wan, { ...s, batch: 2 })).toBe(2 * tokens);
  });
  it('adapters from loraDims: rank 32 on every linear layer of the 1.3B is 43.7 M parameters', () => {
    const dims = VIDEO_KIND.trainableDims(wan).adaptedMatrices(settings('lora', wan, { targets: 'attention-mlp' }));
    expect(32 * dims.reduce((t, g) => t + g.perRank, 0)).toBe(32 * 1367040);
    expect(VIDEO_KIND.baseNetwork(wan14).params).toBe(14288491584);
    expect(VIDEO_KIND.classImageWork(wan, settings('lora', wan))).toBeNull();
  });
  it("HunyuanVideo's 3-D VAE is Wan's 4 x 8 x 8 with a 1 x 2 x 2 patch; LTX-Video's 8 x 32 x 32 with patch 1", () => {
    const hy = video('hunyuanvideo-t2v-13b');
    const ltx = video('ltx-video-2b');
    // 960x544 at 45 frames: 1 + 44 / 4 = 12 latent frames of 68 x 120, in 2 x 2 patches
    expect(clipTokens(hy, settings('lora', hy))).toBe(12 * 34 * 60);
    // 768x512 at 125 frames: 1 + 124 // 8 = 16 latent frames of 16 x 24, one token per latent pixel
    expect(latentFrames(ltx, 125)).toBe(16);
    expect(clipTokens(ltx, settings('lora', ltx))).toBe(16 * 16 * 24);
    expect(latentFrames(ltx, 121)).toBe(16);
    expect(latentFrames(ltx, 129)).toBe(17);
    // the side a trainer can patchify: downscale x patch
    expect(VIDEO_KIND.resolutionStep!(hy)).toBe(16);
    expect(VIDEO_KIND.resolutionStep!(ltx)).toBe(32);
    expect(VIDEO_KIND.resolutionStep!(wan)).toBe(16);
  });
  it("HunyuanVideo's joint attention sees its 256 text tokens in every block; LTX-Video cross-attends to 128", () => {
    const hy = video('hunyuanvideo-t2v-13b');
    const s = settings('lora', hy, { gradientCheckpointing: true });
    const tokens = clipTokens(hy, s) + 256;
    // checkpointed block inputs: 60 blocks x (latent + text tokens) x 3072 in bf16; the step's
    // throughput counts the latent tokens
    expect(VIDEO_KIND.throughputPerStep(hy, s)).toBe(12 * 34 * 60);
    expect(VIDEO_KIND.checkpointBytes(hy, s)).toBe(60 * tokens * 3072 * 2);
    const w = 3072;
    const matmuls = 60 * 2 * (4 + 2 * 4) * w ** 2 * tokens;
    const attention = 60 * 4 * tokens ** 2 * w;
    expect(VIDEO_KIND.forwardFlops(hy, s) / (matmuls + attention)).toBeCloseTo(1, 3);
    const ltx = video('ltx-video-2b');
    const l = settings('lora', ltx, { gradientCheckpointing: true });
    // the recipe's batch of 4 clips (SimpleTuner's LTX quickstart)
    expect(l.batch).toBe(4);
    expect(VIDEO_KIND.checkpointBytes(ltx, l)).toBe(4 * 28 * clipTokens(ltx, l) * 2048 * 2);
  });
  it('the three new denoisers count to their published sizes', () => {
    expect(VIDEO_KIND.baseNetwork(video('hunyuanvideo-t2v-13b')).params / 1e9).toBeCloseTo(12.8, 1);
    expect(VIDEO_KIND.baseNetwork(video('ltx-video-2b')).params / 1e9).toBeCloseTo(1.9, 1);
    expect(VIDEO_KIND.baseNetwork(video('ltx-video-13b')).params / 1e9).toBeCloseTo(13.0, 1);
  });
  it('scales a Wan layout to about the size asked', () => {
    const scaled = scaledModel(kb, 'video', 10);
    expect(scaled.family).toBe('video');
    expect(Math.abs(scaled.params / 10e9 - 1)).toBeLessThan(0.05);
  });
});
