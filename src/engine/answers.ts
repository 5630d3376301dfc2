// The answers a recommendation is made from: filled by flags or prompts, validated before the engine.
import type { DataInput } from '../estimate/data.js';
import type { Goal, Priority, Quantization } from '../kb/vocabulary.js';

export interface Answers {
  goal: Goal;
  /** model id (resolved from whatever name the user typed) */
  model: string;
  /** GPU id, or null when only the memory is known */
  gpu: string | null;
  /** card memory in GiB when no GPU is named (or to override a named card's) */
  vramGiB: number | null;
  timeHours: number;
  priority: Priority;
  /** optional overrides of the typical run */
  resolution?: number;
  seqLen?: number;
  steps?: number;
  /** a quantized frozen base the user fixed (applies to adapter techniques) */
  quantize?: Quantization;
  /** the user's data, when they gave its size: the steps follow from it */
  data?: DataInput;
}
