// Output file size: saved parameters x bytes of the saved dtype. MB = 10^6 bytes.
import type { Model } from '../kb/types.js';
import { kindOf } from './kinds/index.js';
import { DEFAULT_VIRTUAL_TOKENS, METHOD_TRAITS } from './methods.js';
import { isHalf } from './precision.js';
import type { TrainingSettings } from './settings.js';

export function outputSizeMB(model: Model, s: TrainingSettings, trainable: number): number {
  const savedAs = METHOD_TRAITS[s.method].savedAs;
  if (savedAs === 'half-precision checkpoint') {
    // a full checkpoint in half precision, of what is saved (each kind's checkpointParams):
    // Llama-3.2-3B 6,425.5 MB = 3.21 B x 2 B (huggingface/peft method_comparison results)
    return (kindOf(model).checkpointParams(model, s) * 2) / 1e6;
  }
  // P-tuning saves only the virtual-token embeddings its encoder produced (PEFT: 0.25 MB for 20 x 3072)
  const tokens = savedAs === 'prompt embeddings' ? kindOf(model).trainableDims(model).tokenStream : null;
  if (tokens) return ((s.virtualTokens ?? DEFAULT_VIRTUAL_TOKENS) * tokens.hidden * 4) / 1e6;
  // adapters and embeddings are saved in their training dtype: fp32 under mixed precision
  // (PEFT 9,175,040 params -> 36.7 MB; diffusers SD 1.x rank-4 LoRA 3.29 MB), half when trained in half
  const bytes = isHalf(s.precision) ? 2 : 4;
  return (trainable * bytes) / 1e6;
}
