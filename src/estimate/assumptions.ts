// The assumptions behind an estimate, in words, so the output can list them. Pure.
import type { Model } from '../kb/types.js';
import type { Card } from './fit.js';
import { METHOD_TRAITS } from './methods.js';
import { CUDA_CONTEXT_GIB, FRAGMENTATION, LOSS_BYTES_PER_LOGIT } from './memory.js';
import { activationBytes, isHalf, isMixed } from './precision.js';
import type { TrainingSettings } from './settings.js';
import { UTILISATION } from './time.js';

export function describeAssumptions(model: Model, s: TrainingSettings, card: Card | null, given: string[]): string[] {
  const out: string[] = [];
  const fromDefaults = ['batch', 'rank', 'targets', 'precision', 'optimizer', 'steps', 'resolution', 'seqLen']
    .filter((k) => !given.includes(k) && (s as unknown as Record<string, unknown>)[k] !== null);
  if (fromDefaults.length) out.push(`not given, from the technique's defaults for ${model.group}: ${fromDefaults.join(', ')}`);
  if (!given.includes('gradientCheckpointing')) out.push(`gradient checkpointing ${s.gradientCheckpointing ? 'on' : 'off'} (not given)`);
  if (model.family === 'image') {
    out.push(s.cache ? 'latents and text embeddings cached before training; text encoders and VAE off the GPU' : 'text encoders and VAE on the GPU (--no-cache)');
    if (s.priorPreservation) out.push('prior preservation: one class image per instance image, so twice the samples per step');
    else if (given.includes('priorPreservation')) out.push('the batch counts every image through the denoiser per step, class images for prior preservation included');
  } else {
    out.push(`every sequence ${s.seqLen} tokens long (packed or padded); shorter samples use less memory and time`);
    out.push(`logits and loss at ${activationBytes(s.precision) + LOSS_BYTES_PER_LOGIT} bytes per vocabulary entry per token, as transformers' cross-entropy keeps them; chunked or fused losses (torchtune, litgpt, Liger) keep less, and some trainers more`);
  }
  if (model.family === 'llm' && model.architecture.attentionSoftcap) {
    out.push(`soft-capped attention (cap ${model.architecture.attentionSoftcap}) runs eager: every layer keeps its sequence x sequence scores, as transformers and litgpt train ${model.name}`);
  } else {
    out.push('activations in half precision with a FlashAttention-style kernel (no sequence x sequence scores kept), as PyTorch SDPA does by default');
  }
  if (!METHOD_TRAITS[s.method].trainsEveryWeight) {
    out.push(`frozen base in ${s.quantize !== 'none' ? `${s.quantize} (linear layers; the rest in 16-bit)` : s.precision === 'fp32' ? 'fp32' : '16-bit'}; trained parameters ${isHalf(s.precision) ? 'in half precision' : 'in fp32'}`);
  } else if (isMixed(s.precision)) {
    out.push('mixed precision: fp32 master weights and gradients plus the half-precision copy autocast keeps for the backward pass');
  }
  out.push(`CUDA context ${CUDA_CONTEXT_GIB} GiB and ${FRAGMENTATION * 100}% allocator slack on everything but the base weights`);
  if (!card) out.push('no GPU given: no time estimate (pass --gpu or --vram)');
  else {
    if (card.speedFrom) out.push(`speed of ${card.speedFrom}, a typical card with this memory`);
    const kind = model.family === 'llm' ? 'llm' : model.components.denoiser.kind === 'unet' ? 'unet' : 'transformer';
    out.push(`utilisation ${UTILISATION[kind]} of the card's dense ${s.precision === 'fp32' ? 'TF32' : 'fp16/bf16'} tensor peak (${card.tflops} TFLOPS)`);
    if (!card.bf16 && s.precision.includes('bf16')) out.push(`${card.name} has no native bf16: use fp16 with loss scaling (same speed) or expect emulated bf16 to be much slower`);
  }
  if (s.gradAccum > 1) out.push(`step time is per micro-batch of ${s.batch}; an optimizer step accumulates ${s.gradAccum} of them`);
  return out;
}
