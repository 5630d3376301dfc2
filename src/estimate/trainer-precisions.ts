// The precisions a named trainer's files can state for a technique (trainers.yaml `config.options.precision`,
// or the technique's own `options.precision` over it), for the planner's choice on a card without
// bf16: a precision the trainer cannot write is not chosen. Pure, and light enough for the core
// bundle (no writer code).
import type { Trainer } from '../kb/types.js';
import { type Precision, PRECISIONS } from '../kb/vocabulary.js';

/** The precisions the trainer writes for the technique; null when its table does not say (any). */
export function writtenPrecisions(
  trainer: Trainer | null | undefined,
  technique: string,
): ReadonlySet<Precision> | null {
  const config = trainer?.config;
  if (!config) return null;
  const spec = config.techniques[technique]?.options?.precision ?? config.options.precision;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return null;
  const keys = 'sets' in spec ? Object.keys(spec.sets) : 'values' in spec ? Object.keys(spec.values) : null;
  return keys ? new Set(PRECISIONS.filter((p) => keys.includes(p))) : null;
}
