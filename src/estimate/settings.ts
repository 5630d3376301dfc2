// Resolves the settings of one training run: the technique's published defaults for the model's
// group, overridden by what the user gave. Pure: no I/O.
import type { Model, Technique } from '../kb/types.js';
import type { Method, Optimizer, Precision, Quantization, Targets } from '../kb/vocabulary.js';
import { kindOf } from './kinds/index.js';
import { METHOD_TRAITS } from './methods.js';

export interface TrainingSettings {
  method: Method;
  precision: Precision;
  quantize: Quantization;
  optimizer: Optimizer;
  gradientCheckpointing: boolean;
  /** latents and text embeddings cached, text encoders and VAE off the GPU (image models) */
  cache: boolean;
  trainTextEncoder: boolean;
  priorPreservation: boolean;
  /** images or sequences through the GPU per step (micro-batch) */
  batch: number;
  /** micro-steps accumulated per optimizer step */
  gradAccum: number;
  steps: number;
  learningRate: number;
  rank: number | null;
  targets: Targets;
  resolution: number | null;
  seqLen: number | null;
  /** mean tokens per sequence, for compute; null = every sequence is seqLen long (packed) */
  meanSeqLen: number | null;
  virtualTokens: number | null;
}

/**
 * Sequences in a typical instruction dataset are much shorter than the cut-off that sizes memory:
 * the PEFT method comparison trains 20,000 MetaMathQA samples cut at 768 tokens on ~4.2 M tokens,
 * 0.27 of the cut-off (huggingface/peft method_comparison results); padding each micro-batch to its
 * longest sample brings the computed share up, so a typical run's compute is taken at 0.35.
 */
export const TYPICAL_SEQUENCE_FILL = 0.35;

export type SettingsOverrides = Partial<TrainingSettings>;

export function defaultsFor(technique: Technique, model: Model) {
  return technique.defaults[model.group] ?? null;
}

export function resolveSettings(
  technique: Technique,
  model: Model,
  overrides: SettingsOverrides = {},
): TrainingSettings | null {
  const d = defaultsFor(technique, model);
  if (!d) return null;
  const kind = kindOf(model);
  const shape = kind.runShape(model, d);
  const method = METHOD_TRAITS[technique.method];
  const micro = Math.min(d.microBatch ?? d.batch, d.batch);
  const base: TrainingSettings = {
    method: technique.method,
    // Autocast over fp32 trainable weights, frozen weights in half precision (each kind's trainers' default)
    precision: d.precision ?? kind.defaultPrecision,
    quantize: method.impliedQuantization ?? d.quantize ?? 'none',
    optimizer: d.optimizer,
    gradientCheckpointing: false,
    cache: false,
    trainTextEncoder: d.trainTextEncoder ?? false,
    priorPreservation: d.priorPreservation ?? false,
    batch: micro,
    gradAccum: Math.max(1, Math.round(d.batch / micro)),
    steps: d.steps,
    learningRate: d.learningRate,
    rank: d.rank ?? method.rank?.default ?? null,
    targets: d.targets ?? kind.defaultTargets,
    resolution: shape.resolution,
    seqLen: shape.seqLen,
    meanSeqLen: null,
    virtualTokens: d.virtualTokens ?? method.virtualTokens?.default ?? null,
  };
  // undefined in the overrides means "not given": it must not erase a default
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as SettingsOverrides;
  return { ...base, ...given };
}
