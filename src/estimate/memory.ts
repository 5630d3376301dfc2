// Peak training memory, part by part. Pure: no I/O.
// Activation model: the tensors autograd keeps per token per layer (Korthikanti et al., "Reducing
// Activation Recomputation in Large Transformer Models", arXiv 2205.05198, as summarised in
// EleutherAI's "Transformer Math 101"), counted for SwiGLU / GQA decoders and for diffusion
// transformer blocks, with FlashAttention-style kernels that do not keep the s x s score matrix
// (PyTorch SDPA, the default in diffusers and transformers). With gradient checkpointing only
// each layer's input is kept, plus one layer recomputed during the backward pass.
import type { ImageModel, LlmModel, Model } from '../kb/types.js';
import { activationBytes, autocastCopyBytes, frozenWeightBytes, isMixed, optimizerBytes, trainedWeightBytes } from './precision.js';
import { llmParamSplit, llmStacks, trainableParams, type LayerStack } from './parameters.js';
import { METHOD_TRAITS } from './methods.js';
import type { TrainingSettings } from './settings.js';

export const GiB = 2 ** 30;

/** CUDA context and kernels: gpu_poor assumes 650 MB (RahulSChand/gpu_poor src/App.js); Unsloth and oumi quote 1.3-1.4 GB. */
export const CUDA_CONTEXT_GIB = 0.6;
/** PyTorch's caching allocator rounds and fragments; measured peaks are reserved memory. */
export const FRAGMENTATION = 0.1;
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
 * Bytes per logit beyond the half-precision logits themselves, for the cross-entropy of a causal
 * LM in transformers (loss_utils.ForCausalLMLoss): the fp32 upcast (4), log-softmax output kept for
 * the backward pass (4) and its gradient (4); peak at the start of the backward pass.
 */
export const LOSS_BYTES_PER_LOGIT = 12;

/**
 * Bytes kept per attention score (batch x heads x sequence x sequence) by eager attention with
 * soft-capping, as transformers' Gemma 2 (eager_attention_forward, which its training warning asks
 * for) and litgpt's CausalSelfAttention ("with softcapping we cannot use SDPA") compute it: the tanh
 * output (2), the softmax output in fp32 (4) and its half-precision copy the value product keeps (2).
 */
export const EAGER_SCORE_BYTES = 8;

export type MemoryPart = 'base weights' | 'trainable parameters' | 'gradients' | 'optimizer states' | 'activations' | 'frozen encoders / VAE' | 'framework overhead';

export interface MemoryEstimate {
  peakGiB: number;
  breakdown: Array<{ part: MemoryPart; gib: number }>;
  trainableParams: number;
}

/**
 * Elements autograd keeps per token for one layer of a stack: norm in and out before attention
 * and MLP, q, k, v and the attention output; gate, up, activation and product of a gated MLP (up and
 * activation of a plain one); a T5 decoder layer adds its cross-attention's norm, q and output.
 */
export function llmLayerElementsPerToken(model: LlmModel, stack: LayerStack = llmStacks(model)[0]!): number {
  const a = model.architecture;
  const qd = a.heads * a.headDim;
  const mlp = a.mlp === 'plain' ? 2 * a.intermediate : 4 * a.intermediate;
  const cross = stack.crossAttention ? 2 * a.hidden + 2 * qd : 0;
  return 4 * a.hidden + 2 * qd + 2 * a.kvHeads * a.headDim + mlp + cross;
}

export function llmSequenceLength(s: TrainingSettings): number {
  // prompt tuning and p-tuning prepend their virtual tokens to every sequence
  const virtual = METHOD_TRAITS[s.method].virtualTokens;
  return (s.seqLen ?? 1024) + (virtual?.prepended ? s.virtualTokens ?? virtual.default : 0);
}

function llmActivationBytes(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  const seq = llmSequenceLength(s);
  const tokens = s.batch * seq;
  const bytes = activationBytes(s.precision);
  let kept = 0;
  let largestLayer = 0;
  // soft-capped attention keeps each layer's scores (see EAGER_SCORE_BYTES)
  const scores = a.attentionSoftcap ? s.batch * a.heads * seq * seq * EAGER_SCORE_BYTES : 0;
  for (const stack of llmStacks(model)) {
    const layer = llmLayerElementsPerToken(model, stack) * bytes * tokens + scores;
    largestLayer = Math.max(largestLayer, layer);
    kept += stack.count * (s.gradientCheckpointing ? tokens * a.hidden * bytes : layer);
  }
  if (s.gradientCheckpointing) kept += largestLayer;
  // a soft-capped head keeps its tanh output beside the capped logits
  const logits = tokens * a.vocab * (bytes * (a.finalLogitSoftcap ? 2 : 1) + LOSS_BYTES_PER_LOGIT);
  return kept + logits;
}

export function latentPixels(model: ImageModel, resolution: number): number {
  return (resolution / model.latent.downscale) ** 2;
}

/** Tokens one block group sees per image (joint-attention transformers also carry the text tokens). */
export function blockTokens(model: ImageModel, group: ImageModel['components']['denoiser']['blocks'][number], resolution: number): number {
  const image = latentPixels(model, resolution) * group.tokensPerLatentPixel;
  return model.components.denoiser.kind === 'unet' ? image : image + model.components.denoiser.textTokens;
}

function imageActivationBytes(model: ImageModel, s: TrainingSettings): number {
  const res = s.resolution ?? model.nativeResolution;
  const samples = s.batch * (s.priorPreservation ? 2 : 1);
  const bytes = activationBytes(s.precision);
  let kept = 0;
  let largestBlock = 0;
  for (const g of model.components.denoiser.blocks) {
    const tokens = blockTokens(model, g, res) * samples;
    // self-attention 6w, cross-attention 4w, projections 2w, feed-forward 2w + 4 x mlpRatio x w
    const block = tokens * (12 + 4 * g.mlpRatio) * g.width * bytes;
    largestBlock = Math.max(largestBlock, block);
    kept += g.count * (s.gradientCheckpointing ? tokens * g.width * bytes : block);
  }
  if (s.gradientCheckpointing) kept += largestBlock;
  if (model.components.denoiser.kind !== 'unet') return kept;
  return kept * UNET_RESNET_SHARE * (isMixed(s.precision) ? AUTOCAST_NORM_SHARE : 1);
}

/** Parameters of the network being trained or adapted, and how many of them sit in quantizable linear layers. */
export function baseNetwork(model: Model): { params: number; linear: number; width: number } {
  if (model.family === 'llm') {
    const split = llmParamSplit(model);
    return { params: model.params, linear: split.linear, width: model.architecture.hidden };
  }
  const d = model.components.denoiser;
  // Quantizers (bitsandbytes, quanto, torchao) replace nn.Linear only: transformer denoisers are
  // almost all linear layers (FLUX: 11.9 B of 11.9 B in its 57 blocks); a UNet keeps its convolutions.
  const linearShare = d.kind === 'unet' ? 0.7 : 0.98;
  const width = Math.max(...d.blocks.map((b) => b.width));
  return { params: d.params, linear: d.params * linearShare, width };
}

export function estimateMemory(model: Model, s: TrainingSettings): MemoryEstimate {
  const method = METHOD_TRAITS[s.method];
  const trainable = trainableParams(model, s);
  const net = baseNetwork(model);
  let baseBytes: number;
  let trainableBytes = 0;
  let gradBytes: number;
  let optBytes: number;
  if (method.trainsEveryWeight) {
    const w = trainedWeightBytes(s.precision);
    // Text encoders trained with --train-text-encoder: their weights are counted with the encoders,
    // their gradients and optimizer states here (they are part of `trainable`).
    const denoiserOrAll = model.family === 'llm' ? model.params : net.params;
    // Autocast's half-precision weight copies are saved for the backward pass; with gradient
    // checkpointing they are re-made block by block during recomputation instead.
    baseBytes = denoiserOrAll * (w + (s.gradientCheckpointing ? 0 : autocastCopyBytes(s.precision)));
    gradBytes = trainable * w;
    optBytes = trainable * optimizerBytes(s.optimizer, w, net.width);
  } else {
    const quantized = s.quantize !== 'none' ? net.linear : 0;
    baseBytes = quantized * frozenWeightBytes(s.precision, s.quantize) + (net.params - quantized) * frozenWeightBytes(s.precision, 'none');
    // Adapters train in fp32 under mixed precision (diffusers cast_training_params, PEFT autocast_adapter_dtype).
    const w = trainedWeightBytes(s.precision);
    trainableBytes = trainable * w;
    gradBytes = trainable * w;
    optBytes = trainable * optimizerBytes(s.optimizer, w, net.width);
  }
  let activations: number;
  let encoders = 0;
  if (model.family === 'llm') {
    activations = llmActivationBytes(model, s);
  } else {
    activations = imageActivationBytes(model, s);
    const te = model.components.textEncoders.reduce((t, c) => t + c.params, 0);
    const vae = model.components.vae.params;
    const teOnGpu = !s.cache || s.trainTextEncoder || method.needsTextEncoders;
    // trainers that quantize the base quantize the text encoders they keep on the GPU too (ai-toolkit, kohya --fp8_base)
    const frozen = frozenWeightBytes(s.precision === 'fp32' ? 'fp32' : 'bf16', s.quantize);
    if (teOnGpu) encoders += te * frozen;
    // the VAE stays unquantized, in the run's weight dtype (diffusers: vae.to(device, dtype=weight_dtype))
    if (!s.cache) encoders += vae * (s.precision === 'fp32' ? 4 : 2);
    if (s.trainTextEncoder && method.trainsEveryWeight) {
      const w = trainedWeightBytes(s.precision);
      encoders += te * (w - frozen + (s.gradientCheckpointing ? 0 : autocastCopyBytes(s.precision)));
    }
  }
  const overhead = CUDA_CONTEXT_GIB * GiB + FRAGMENTATION * (activations + trainableBytes + gradBytes + optBytes + encoders);
  const parts: Array<[MemoryPart, number]> = [
    ['base weights', baseBytes],
    ['trainable parameters', trainableBytes],
    ['gradients', gradBytes],
    ['optimizer states', optBytes],
    ['activations', activations],
    ['frozen encoders / VAE', encoders],
    ['framework overhead', overhead],
  ];
  const breakdown = parts.map(([part, bytes]) => ({ part, gib: bytes / GiB }));
  return { peakGiB: breakdown.reduce((t, p) => t + p.gib, 0), breakdown, trainableParams: trainable };
}
