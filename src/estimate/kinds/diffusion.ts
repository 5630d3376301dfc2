// What image and video diffusion models share: a UNet or transformer denoiser with text encoders
// and a VAE, its activations per latent token and block, forward FLOPs per sample, the text
// encoders and VAE beside the denoiser. A kind gives the latent pixels one sample has (an image's
// height x width, a clip's frames x height x width); the arithmetic per latent token is the same.
// Pure.
import type { ImageModel, VideoModel } from '../../kb/types.js';
import { TARGETS, type Targets } from '../../kb/vocabulary.js';
import type { SaverId } from '../fit.js';
import type { MethodTraits } from '../methods.js';
import { activationBytes, autocastCopyBytes, frozenWeightBytes, isMixed, trainedWeightBytes } from '../precision.js';
import type { TrainingSettings } from '../settings.js';
import type { ModelKind } from './kind.js';

export type DiffusionModel = ImageModel | VideoModel;
type BlockGroup = DiffusionModel['components']['denoiser']['blocks'][number];

/** Latent pixels of one sample at the run's size: what a kind tells the shared arithmetic. */
export type LatentPixels<M extends DiffusionModel> = (model: M, s: TrainingSettings) => number;

/**
 * Beyond the transformer blocks a UNet keeps the activations of its resnets (GroupNorm, SiLU and
 * conv inputs at every level, the skip-connection concatenations of the up path). Counted from the
 * SD 1.x layout they add about 40%: 2,940 channel-pixels x ~8 tensors against 2,820 x 28 for the
 * transformer blocks.
 */
export const UNET_RESNET_SHARE = 1.4;
/**
 * Under autocast, GroupNorm and LayerNorm run in fp32: their inputs are kept in fp32 beside the
 * half-precision copies the next layers save. With the resnets, this puts a UNet's activations at
 * about twice the transformer blocks' alone, as the SD 1.x LoRA runs of the LyCORIS table show
 * (KohakuBlueleaf/LyCORIS docs/Guidelines.md: batch 8, ~16 GiB).
 */
export const AUTOCAST_NORM_SHARE = 1.4;

/**
 * Tokens one block group sees per sample: the latent pixels over the patch (tokensPerLatentPixel);
 * joint-attention transformers (mmdit) also carry the text tokens, which a UNet's and a
 * cross-attention transformer's (dit) blocks see only as keys and values.
 */
export function blockTokens(model: DiffusionModel, group: BlockGroup, pixels: number): number {
  // the target's tokens and, for an editing model, its reference image's at the same size (Kontext)
  const images = 1 + (model.components.denoiser.referenceImages ?? 0);
  const image = pixels * group.tokensPerLatentPixel * images;
  return model.components.denoiser.kind === 'mmdit' ? image + model.components.denoiser.textTokens : image;
}

/** Whether the denoiser's blocks cross-attend to the text tokens (a UNet's, a cross-attention transformer's). */
const crossAttends = (model: DiffusionModel) => model.components.denoiser.kind !== 'mmdit';

/**
 * Bytes kept per attention score by eager attention in diffusers (AttnProcessor, what runs without
 * SDPA or xFormers): get_attention_scores' `attention_probs = attention_scores.softmax(dim=-1)` in
 * the compute dtype (upcast_softmax is off in the UNet's and transformers' blocks): 2 in half or
 * mixed precision, 4 in an fp32 run. The one tensor the softmax backward and the value product
 * (`torch.bmm(attention_probs, value)`) both keep.
 */
export const imageEagerScoreBytes = (s: TrainingSettings) => activationBytes(s.precision);
/** Head width of a block whose entry names no head count: 64, SD 2.x's, SDXL's and SD3's (their config.json attention_head_dim). */
export const DEFAULT_HEAD_DIM = 64;

/**
 * The denoiser targets a run's targets name: `experts` is attention-mlp and the routed experts (the
 * CLI refuses it for a dense model, targetChoices); `qvo-mlp`, a language model's set (torchtune's
 * q, v and output projections with the MLP), is no image set: the CLI refuses it (targetChoices).
 */
export const denoiserTargets = (t: Targets): Exclude<Targets, 'experts' | 'qvo-mlp'> =>
  t === 'experts' || t === 'qvo-mlp' ? 'attention-mlp' : t;

/**
 * LoRA parameters per unit of rank (d_in + d_out summed) of the denoiser for the run's targets:
 * its loraDims, and with `experts` every routed expert's matrices beside attention-mlp's (a
 * mixture-of-experts denoiser: ai-toolkit's HiDream config leaves them out, `ignore_if_contains:
 * ff_i.experts, ff_i.gate`; SimpleTuner's LyCORIS FeedForward target takes "all the experts").
 */
export function denoiserLoraDims(model: DiffusionModel, t: Targets): number {
  const moe = model.components.denoiser.moe;
  return model.loraDims[denoiserTargets(t)] + (t === 'experts' && moe ? moe.expertLoraDims : 0);
}

/** Samples through the denoiser per micro-batch: prior preservation adds one class image per instance image. */
export const samplesPerStep = (s: TrainingSettings) => s.batch * (s.priorPreservation ? 2 : 1);

const textEncoderParams = (model: DiffusionModel) => model.components.textEncoders.reduce((t, c) => t + c.params, 0);

/** Width of the text encoders' token embeddings (what a textual-inversion vector has). */
export function textEmbeddingWidths(model: DiffusionModel): number[] {
  return model.components.textEncoders.map((te) => te.width ?? 768);
}

/**
 * The denoiser's adapted matrices by block group: loraDims shared out by count x width (a block's
 * d_in + d_out grow with its width: 14w + 2c for SD's attention), each group at its own width.
 */
function denoiserMatrices(model: DiffusionModel, perRank: number): Array<{ perRank: number; width: number }> {
  const blocks = model.components.denoiser.blocks;
  const total = blocks.reduce((t, b) => t + b.count * b.width, 0);
  return blocks.map((b) => ({ perRank: (perRank * b.count * b.width) / total, width: b.width }));
}

/** A per-block quantity averaged over the denoiser's blocks, each weighted by its parameters (count x width^2). */
function parameterWeighted(model: DiffusionModel, of: (b: BlockGroup) => number): number {
  const blocks = model.components.denoiser.blocks;
  const weight = blocks.reduce((t, b) => t + b.count * b.width ** 2, 0);
  return blocks.reduce((t, b) => t + b.count * b.width ** 2 * of(b), 0) / weight;
}

/** The parameter-weighted width of the denoiser's blocks: the typical side of an adapted matrix. */
const blockWidth = (model: DiffusionModel) => parameterWeighted(model, (b) => b.width);

/** Parameter-weighted tokens per latent pixel: each UNet weight runs at its own level's resolution. */
const unetTokenShare = (model: DiffusionModel) => parameterWeighted(model, (b) => b.tokensPerLatentPixel);

/**
 * The arithmetic of a diffusion kind over the latent pixels its samples have: everything of
 * ModelKind but the words, the run's shape, the savers and the scaling of an uncatalogued model.
 */
export function diffusionArithmetic<M extends DiffusionModel>(pixelsOf: LatentPixels<M>) {
  /**
   * Scores eager attention writes per sample in each block group: self-attention (tokens x tokens;
   * joint-attention transformers with the text tokens among them) and cross-attention to the text
   * tokens, per head. 0 with a fused kernel (SDPA, FlashAttention, xFormers).
   */
  function scoresPerSample(model: M, s: TrainingSettings, group: BlockGroup): number {
    if (s.attention !== 'eager') return 0;
    const d = model.components.denoiser;
    const tokens = blockTokens(model, group, pixelsOf(model, s));
    const heads = group.heads ?? group.width / DEFAULT_HEAD_DIM;
    return heads * tokens * (tokens + (crossAttends(model) ? d.textTokens : 0));
  }

  function activationBytesOf(model: M, s: TrainingSettings): number {
    const pixels = pixelsOf(model, s);
    const samples = samplesPerStep(s);
    const bytes = activationBytes(s.precision);
    let kept = 0;
    let largestBlock = 0;
    // eager attention's scores, apart: the resnet and autocast-norm shares below scale the blocks' tensors only
    let scores = 0;
    let largestScores = 0;
    let largestInput = 0;
    for (const g of model.components.denoiser.blocks) {
      const tokens = blockTokens(model, g, pixels) * samples;
      // self-attention 6w, cross-attention 4w, projections 2w, feed-forward 2w + 4 x mlpRatio x w
      const block = tokens * (12 + 4 * g.mlpRatio) * g.width * bytes;
      const blockScores = samples * scoresPerSample(model, s, g) * imageEagerScoreBytes(s);
      largestBlock = Math.max(largestBlock, block);
      largestInput = Math.max(largestInput, tokens * g.width * bytes);
      largestScores = Math.max(largestScores, blockScores);
      kept += g.count * (s.gradientCheckpointing ? (s.offloadCheckpoints ? 0 : tokens * g.width * bytes) : block);
      // with gradient checkpointing only the block being recomputed holds its scores
      if (!s.gradientCheckpointing) scores += g.count * blockScores;
    }
    if (s.gradientCheckpointing) {
      // offloaded checkpoints wait in host memory: the GPU holds the one being moved back
      if (s.offloadCheckpoints) kept += largestInput;
      kept += largestBlock;
      scores = largestScores;
    }
    if (model.components.denoiser.kind !== 'unet') return kept + scores;
    return kept * UNET_RESNET_SHARE * (isMixed(s.precision) ? AUTOCAST_NORM_SHARE : 1) + scores;
  }

  function forwardFlopsPerSample(model: M, s: TrainingSettings): number {
    const d = model.components.denoiser;
    const pixels = pixelsOf(model, s);
    const attention = d.blocks.reduce((t, b) => t + b.count * 4 * blockTokens(model, b, pixels) ** 2 * b.width, 0);
    if (d.kind === 'unet') {
      // every UNet weight (convolutions included) runs once per pixel of its own level
      return 2 * d.params * pixels * unetTokenShare(model) + attention;
    }
    // Transformer blocks: attention projections 4w^2 and MLP 2 x mlpRatio x w^2 per token. In joint
    // (MMDiT) blocks the image and text streams have their own weights and each sees its own tokens,
    // so image + text tokens pass one stream's weights; modulation layers see one vector per sample.
    const matmuls = d.blocks.reduce(
      (t, b) => t + b.count * 2 * (4 + 2 * b.mlpRatio) * b.width ** 2 * blockTokens(model, b, pixels),
      0,
    );
    if (d.kind === 'mmdit') return matmuls + attention;
    // Cross-attention blocks (Wan's WanAttentionBlock: self_attn, cross_attn, ffn): the queries and
    // output projection run on the latent tokens (2w^2 each), keys and values on the text tokens,
    // and the scores are latent tokens x text tokens
    const cross = d.blocks.reduce((t, b) => {
      const tokens = blockTokens(model, b, pixels);
      return t + b.count * (2 * 2 * b.width ** 2 * (tokens + d.textTokens) + 4 * tokens * d.textTokens * b.width);
    }, 0);
    return matmuls + attention + cross;
  }

  return {
    defaultTargets: 'attention',
    recipeTargets: (_model: M, targets: Targets) => targets,

    // musubi-tuner's and kohya's block swap (--blocks_to_swap) moves whole transformer blocks (Wan's
    // WanAttentionBlock, FLUX's double and single blocks); a UNet's levels are not swapped
    swappableBlocks: (model: M) =>
      model.components.denoiser.kind === 'unet' ? 0 : model.components.denoiser.blocks.reduce((t, b) => t + b.count, 0),
    baseNetwork: (model: M) => {
      const d = model.components.denoiser;
      // Quantizers (bitsandbytes, quanto, torchao) replace nn.Linear only: transformer denoisers are
      // almost all linear layers (FLUX: 11.9 B of 11.9 B in its 57 blocks); a UNet keeps its convolutions.
      const linearShare = d.kind === 'unet' ? 0.7 : 0.98;
      const width = Math.max(...d.blocks.map((b) => b.width));
      // experts: the routed experts a quantizer cannot reach, none here: diffusers' HiDream experts
      // are nn.Linear modules in an nn.ModuleList (HiDreamImageFeedForwardSwiGLU w1, w2, w3), which
      // bitsandbytes and quanto replace like any other linear layer
      // a block's share of the denoiser: its blocks are the units FSDP wraps (the UNet's levels alike)
      const blocks = d.blocks.reduce((t, b) => t + b.count, 0);
      const block = d.params / Math.max(1, blocks);
      return {
        params: d.params,
        linear: d.params * linearShare,
        experts: 0,
        width,
        shardUnit: block,
        blockParams: block,
        // the embedders and final layer outside the blocks are a small share (FLUX: 11.9 B of 11.9 B
        // in its 57 blocks), not tracked apart: the blocks are taken as the whole denoiser
        rootParams: 0,
      };
    },
    trainableDims: (model: M) => {
      const c = model.components;
      return {
        // the denoiser, and the text encoders when --train-text-encoder trains them
        fullParams: (s: TrainingSettings) =>
          c.denoiser.params + (s.trainTextEncoder ? c.textEncoders.reduce((t, te) => t + te.params, 0) : 0),
        // d_out is about half of d_in + d_out; the text encoders' adapters where they are trained
        adaptedMatrices: (s: TrainingSettings) =>
          [
            ...denoiserMatrices(model, denoiserLoraDims(model, s.targets)),
            ...(s.trainTextEncoder ? c.textEncoders : []).flatMap((te) =>
              te.loraDims ? [{ perRank: te.loraDims[s.textEncoderTargets], width: te.width ?? 768 }] : [],
            ),
          ].map((g) => ({ ...g, outputs: g.perRank / 2 })),
        tokenStream: null,
        textConditioning: { embeddingWidths: textEmbeddingWidths(model), blocks: c.denoiser.blocks },
      };
    },
    activationBytes: activationBytesOf,
    // The denoiser, the text encoders when they are trained, and the frozen components the family's
    // checkpoint file bundles (checkpointBundles): SD 1.5's fp16 single file is 2.13 GB with text
    // encoder and VAE, FLUX.1-dev's flux1-dev.safetensors 23.8 GB of transformer alone, SD3 Medium's
    // 4.34 GB transformer and VAE (file listings cited on each model's checkpointBundles).
    checkpointBytes: (model: M, s: TrainingSettings) => {
      const pixels = pixelsOf(model, s);
      const bytes = activationBytes(s.precision);
      return model.components.denoiser.blocks.reduce(
        (t, g) => t + g.count * blockTokens(model, g, pixels) * samplesPerStep(s) * g.width * bytes,
        0,
      );
    },
    checkpointParams: (model: M, s: TrainingSettings) => {
      const c = model.components;
      const bundled = new Set(model.checkpointBundles);
      return (
        c.denoiser.params +
        (bundled.has('textEncoders') || s.trainTextEncoder ? textEncoderParams(model) : 0) +
        (bundled.has('vae') ? c.vae.params : 0)
      );
    },
    componentBytes: (model: M, s: TrainingSettings, method: MethodTraits) => {
      let encoders = 0;
      const te = textEncoderParams(model);
      const vae = model.components.vae.params;
      const teOnGpu = !s.cache || s.trainTextEncoder || method.needsTextEncoders;
      // trainers that quantize the base quantize the text encoders they keep on the GPU too (ai-toolkit, kohya --fp8_base)
      const frozen = frozenWeightBytes(s.precision === 'fp32' ? 'fp32' : 'bf16', s.quantize);
      if (teOnGpu) encoders += te * frozen;
      // the VAE stays unquantized, in the run's weight dtype (diffusers: vae.to(device, dtype=weight_dtype))
      if (!s.cache) encoders += vae * (s.precision === 'fp32' ? 4 : 2);
      if (s.trainTextEncoder && method.trainsEveryWeight) {
        // Text encoders trained with --train-text-encoder: their weights are counted here, their
        // gradients and optimizer states with the trainable parameters.
        const w = trainedWeightBytes(s.precision);
        encoders += te * (w - frozen + (s.gradientCheckpointing ? 0 : autocastCopyBytes(s.precision)));
      }
      return encoders;
    },

    forwardFlopsPerSample,
    forwardFlops: (model: M, s: TrainingSettings) => samplesPerStep(s) * forwardFlopsPerSample(model, s),
    samplesPerStep,
    /** denoiser blocks: a UNet has a resnet beside each transformer block */
    layerPasses: (model: M) => {
      const blocks = model.components.denoiser.blocks.reduce((t, b) => t + b.count, 0);
      return model.components.denoiser.kind === 'unet' ? 2 * blocks : blocks;
    },
    utilisation: (model: M) =>
      model.components.denoiser.kind === 'unet' ? ('unet' as const) : ('transformer' as const),
    materialisedDelta: (model: M, s: TrainingSettings) => {
      const d = model.components.denoiser;
      const pixels = pixelsOf(model, s);
      // tokens each adapted weight sees per micro-batch: a UNet's at its own level's resolution
      const perSample =
        d.kind === 'unet'
          ? pixels * unetTokenShare(model)
          : parameterWeighted(model, (b) => blockTokens(model, b, pixels));
      return {
        // d_in x d_out of the adapted matrices from their d_in + d_out (loraDims): (d_in + d_out) x w / 2
        // for matrices about w wide, w the parameter-weighted block width
        elements: (denoiserLoraDims(model, s.targets) * blockWidth(model)) / 2,
        tokens: samplesPerStep(s) * perSample,
        utilisation: d.kind === 'unet' ? ('unet' as const) : ('transformer' as const),
      };
    },

    eagerAttention: (_model: M, s: TrainingSettings) =>
      s.attention === 'eager'
        ? `eager attention: every transformer block keeps its token x token scores (${imageEagerScoreBytes(s)} bytes each, the softmax output diffusers' AttnProcessor keeps), as without xFormers or SDPA; --attention sdpa keeps none`
        : null,
    // AttnProcessor, per score: forward baddbmm's output written (2), the softmax (2 + 2) and the value
    // product's read (2) = 8; backward the probabilities' gradient (2) and re-read (2), the softmax
    // backward (2 + 2 + 2) and the two products reading the scores' gradient (4) = 14; in an fp32
    // run every one of those tensors is twice as wide
    eagerScoreTraffic: (s: TrainingSettings) => {
      const width = imageEagerScoreBytes(s) / 2;
      return { forward: 8 * width, backward: 14 * width };
    },
    attentionScores: (model: M, s: TrainingSettings) =>
      samplesPerStep(s) *
      model.components.denoiser.blocks.reduce((t, g) => t + g.count * scoresPerSample(model, s, g), 0),
    // what every diffusion kind shares beside its arithmetic; `experts` where the blocks have them
    targetChoices: (model: M) =>
      model.components.denoiser.moe ? TARGETS.filter((t) => t !== 'qvo-mlp') : denseTargetChoices(),
    // a denoiser trains on its denoising loss: the preference and RL objectives are language-model trainers'
    objectives: ['sft'] as const,
    shapeSetting: 'resolution' as const,
    // cached latents and text embeddings, and a quantized base under the adapters (fit.ts)
    savers: DIFFUSION_SAVERS,
    // no tokens are generated
    kvCacheBytesPerToken: () => null,
  } satisfies Partial<ModelKind<M>> & { forwardFlopsPerSample: unknown };
}

/** What a mixture-of-experts denoiser's run resolves to: every expert resident, the compute of the active ones, where the adapters reach. */
export function moeAssumptions(model: DiffusionModel, s: TrainingSettings): string[] {
  const moe = model.components.denoiser.moe;
  if (!moe) return [];
  const active = Number((moe.activeParams / 1e9).toFixed(1));
  const total = Number((model.components.denoiser.params / 1e9).toFixed(1));
  return [
    `mixture of experts: all ${moe.experts} experts of each block's feed-forward resident (${total} B weights), each token computed through ${moe.perToken}${moe.shared ? ` and ${moe.shared} shared` : ''} (${active} B weights in use)`,
    s.targets === 'experts' || s.targets === 'all'
      ? `adapters on every routed expert (${moe.experts} per block) besides the other linear layers`
      : 'adapters leave the routed experts and the router out, as ai-toolkit does (--targets experts adapts every expert)',
  ];
}

/** The assumption line of a diffusion run's encoders: cached and off the GPU, or kept on it. */
export const encodersAssumption = (s: TrainingSettings) =>
  s.cache
    ? 'latents and text embeddings cached before training; text encoders and VAE off the GPU'
    : 'text encoders and VAE on the GPU (--no-cache)';

/** How a list of models names a diffusion model: by its denoiser ("12 B FLUX", not 16.9 B with its text encoders). */
export const diffusionSizeLabel = (m: DiffusionModel) =>
  `${Number((m.components.denoiser.params / 1e9).toFixed(1))} B ${m.components.denoiser.name.split(' ')[0]}`;

/** The savers diffusion trainers offer (fit.ts): cached latents and text embeddings, a quantized base under the adapters. */
export const DIFFUSION_SAVERS: ReadonlySet<SaverId> = new Set<SaverId>([
  'gradient-checkpointing',
  '8-bit-optimizer',
  'cache',
  'bf16-weights',
  'micro-batch-1',
  'block-swap',
  'int8-base',
  'nf4-base',
]);

/** The --targets values of a dense model: all but a mixture-of-experts model's `experts`. */
export const denseTargetChoices = () => TARGETS.filter((t) => t !== 'experts' && t !== 'qvo-mlp');

/** A diffusion template scaled to `billions` parameters: its block counts, denoiser size and loraDims by one ratio. */
export function scaledDiffusion<M extends DiffusionModel>(
  template: M,
  billions: number,
  identity: { id: string; notes: string },
  noun: string,
): M {
  const target = billions * 1e9;
  const d = template.components.denoiser;
  const others = template.params - d.params;
  const ratio = Math.max(0.05, (target - others) / d.params);
  const blocks = d.blocks.map((b) => ({ ...b, count: Math.max(1, Math.round(b.count * ratio)) }));
  const denoiserParams = Math.round(d.params * ratio);
  const loraDims = Object.fromEntries(
    Object.entries(template.loraDims).map(([k, v]) => [k, Math.max(1, Math.round(v * ratio))]),
  ) as typeof template.loraDims;
  const moe = d.moe && {
    ...d.moe,
    activeParams: Math.round(d.moe.activeParams * ratio),
    expertLoraDims: Math.max(1, Math.round(d.moe.expertLoraDims * ratio)),
  };
  return {
    ...template,
    id: identity.id,
    aliases: [],
    notes: identity.notes,
    name: `a ${Number(billions.toFixed(2))} B ${noun} model (layout of ${template.name})`,
    components: { ...template.components, denoiser: { ...d, params: denoiserParams, blocks, moe } },
    loraDims,
    params: denoiserParams + others,
  };
}
