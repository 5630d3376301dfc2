// Output file size: saved parameters x bytes of the saved dtype. MB = 10^6 bytes.
import type { Model } from '../kb/types.js';
import type { SavePrecision } from '../kb/vocabulary.js';
import { kindOf } from './kinds/index.js';
import { DEFAULT_VIRTUAL_TOKENS, METHOD_TRAITS } from './methods.js';
import { computesInHalf } from './precision.js';
import type { TrainingSettings } from './settings.js';

const SAVE_BYTES: Record<SavePrecision, number> = { fp16: 2, bf16: 2, fp32: 4 };

/**
 * The dtype the output is written in and why: --save-precision or the trainer's default
 * (trainers.yaml savePrecision: kohya's GUI and ai-toolkit fp16, OneTrainer and musubi-tuner fp32),
 * else what was trained. Adapters and embeddings are saved in their training dtype: fp32 under
 * mixed precision (PEFT 9,175,040 params -> 36.7 MB; diffusers SD 1.x rank-4 LoRA 3.29 MB), half
 * when trained in half. A full checkpoint is shared in half precision (Llama-3.2-3B 6,425.5 MB =
 * 3.21 B x 2 B, huggingface/peft method_comparison results; SD 1.5's 2.13 GB fp16 single file).
 */
export function savedPrecision(s: TrainingSettings): { bytes: number; dtype: string } {
  if (s.savePrecision) return { bytes: SAVE_BYTES[s.savePrecision], dtype: s.savePrecision };
  const half = METHOD_TRAITS[s.method].savedAs === 'half-precision checkpoint' || computesInHalf(s.precision);
  return { bytes: half ? 2 : 4, dtype: half ? 'half precision' : 'fp32' };
}

export function outputSizeMB(model: Model, s: TrainingSettings, trainable: number): number {
  const savedAs = METHOD_TRAITS[s.method].savedAs;
  const bytes = savedPrecision(s).bytes;
  // a full checkpoint, of what is saved (each kind's checkpointParams)
  if (savedAs === 'half-precision checkpoint') return (kindOf(model).checkpointParams(model, s) * bytes) / 1e6;
  // P-tuning saves only the virtual-token embeddings its encoder produced (PEFT: 0.25 MB for 20 x 3072)
  const tokens = savedAs === 'prompt embeddings' ? kindOf(model).trainableDims(model).tokenStream : null;
  if (tokens) return ((s.virtualTokens ?? DEFAULT_VIRTUAL_TOKENS) * tokens.hidden * bytes) / 1e6;
  return (trainable * bytes) / 1e6;
}
