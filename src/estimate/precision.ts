// Bytes per parameter by precision, quantization and optimizer.
// Sources: huggingface/transformers docs/source/en/model_memory_anatomy.md (fp32 4 B, mixed
// precision 6 B = fp32 + half copy, gradients 4 B, AdamW 8 B, 8-bit AdamW 2 B, SGD momentum 4 B);
// EleutherAI "Transformer Math 101" (https://blog.eleuther.ai/transformer-math/); QLoRA paper
// arXiv 2305.14314 §3 (NF4 with double quantization: 4 + 0.127 bits per parameter).
import type { Optimizer, Precision, Quantization } from '../kb/vocabulary.js';

export const NF4_BITS = 4 + 8 / 64 + 32 / (64 * 256); // 4.127 bits: NF4 + double-quantized block constants

export const isHalf = (p: Precision) => p === 'fp16' || p === 'bf16';
export const isMixed = (p: Precision) => p === 'mixed-fp16' || p === 'mixed-bf16';
/**
 * The model itself in half precision, with fp32 master weights in the optimizer and no autocast:
 * DeepSpeed's fp16 and bf16 engines (FP16_Optimizer / BF16_Optimizer; accelerate turns native AMP
 * off under DeepSpeed, `native_amp` only "not in (DistributedType.DEEPSPEED, ...)"), apex O2.
 */
export const hasMasterCopy = (p: Precision) => p === 'fp16-master' || p === 'bf16-master';
/** Every op runs in the half-precision dtype unless the model's code upcasts it: no autocast picks fp32 ops. */
export const computesInHalf = (p: Precision) => isHalf(p) || hasMasterCopy(p);

/**
 * Bytes held per trained weight: the fp32 weight (mixed precision keeps the model in fp32), the
 * half-precision weight of a pure half run, or the half-precision weight and its fp32 master copy.
 * Gradients are counted at the same bytes: DeepSpeed's engines keep the half-precision gradients
 * and the fp32 gradients of the partition the optimizer steps (stage_1_and_2.py
 * single_partition_of_fp32_groups).
 */
export function trainedWeightBytes(p: Precision): number {
  if (hasMasterCopy(p)) return 2 + 4;
  return isHalf(p) ? 2 : 4;
}

/** Bytes per weight of the model module itself (what a second, frozen copy of it holds). */
export function moduleWeightBytes(p: Precision): number {
  return computesInHalf(p) ? 2 : 4;
}

/** Extra bytes of the half-precision copy autocast keeps for the backward pass. */
export function autocastCopyBytes(p: Precision): number {
  return isMixed(p) ? 2 : 0;
}

/** Bytes of a frozen weight: scripts cast frozen weights to the compute dtype (diffusers weight_dtype, PEFT torch_dtype). */
export function frozenWeightBytes(p: Precision, q: Quantization): number {
  if (q === 'nf4') return NF4_BITS / 8;
  if (q === 'int8' || q === 'fp8') return 1;
  return p === 'fp32' ? 4 : 2;
}

/** Bytes of activations: half precision unless the whole run is fp32. */
export function activationBytes(p: Precision): number {
  return p === 'fp32' ? 4 : 2;
}

/**
 * Optimizer state bytes per trained parameter. Full-precision states follow the dtype of the
 * weight the optimizer steps (torch keeps AdamW moments in the parameter's dtype; pure-bf16 recipes
 * hold them in bf16; DeepSpeed's engines step the fp32 master copy). `width` is the typical matrix
 * side, for Adafactor's factored second moment (rows + columns).
 */
export function optimizerBytes(o: Optimizer, p: Precision, width: number): number {
  const weightBytes = isHalf(p) ? 2 : 4;
  switch (o) {
    case 'adamw':
      return 2 * weightBytes;
    case 'adamw-8bit':
    case 'paged-adamw-8bit':
      return 2; // two 1-byte states (bitsandbytes)
    case 'lion':
      return weightBytes; // one momentum state
    case 'lion-8bit':
      return 1;
    case 'sgd':
      return weightBytes; // momentum
    case 'adafactor':
      return (4 * 2) / width; // fp32 row + column statistics, no first moment (transformers default beta1=None)
    case 'prodigy':
      return 4 * weightBytes; // exp_avg, exp_avg_sq, s and p0 (konstmish/prodigy)
  }
}

/** A recipe's precision moved to what the card has (see precisionForCard). */
export interface PrecisionChange {
  from: Precision;
  to: Precision;
}

/**
 * The precision a card runs a recipe in: bf16 needs compute capability 8.0 or newer (Ampere+;
 * kohya-ss/sd-scripts docs/train_lllite_README.md: `--full_bf16` "requires RTX 30 series or
 * later"), so on a T4, a V100, an RTX 20 or a GTX 10 a bf16 recipe runs as fp16 mixed precision
 * with loss scaling (torch.cuda.amp.GradScaler, what accelerate's and transformers' fp16 modes
 * use): fp32 master weights, half-precision compute. Null when nothing changes or the user fixed
 * the precision (they get the assumption's warning instead).
 */
export function precisionForCard(
  p: Precision,
  cardHasBf16: boolean,
  fixed: boolean,
  written: ReadonlySet<Precision> | null = null,
): PrecisionChange | null {
  if (fixed || cardHasBf16 || !p.includes('bf16')) return null;
  // DeepSpeed's bf16 engine becomes its fp16 engine (fp16 with its dynamic loss scaler)
  const to = p === 'bf16-master' ? 'fp16-master' : 'mixed-fp16';
  // a trainer that cannot state it for the run (axolotl's fp16 loads an fp16 model: a full
  // fine-tune has no fp32 weights under autocast) trains in fp32 where it can
  if (written && !written.has(to) && written.has('fp32')) return { from: p, to: 'fp32' };
  return { from: p, to };
}

export const EIGHT_BIT: Partial<Record<Optimizer, Optimizer>> = {
  adamw: 'adamw-8bit',
  lion: 'lion-8bit',
  prodigy: 'adamw-8bit',
  sgd: 'adamw-8bit',
};
