// The settings of a run in the JSON contract, field by field (README, "JSON output"): a new
// internal setting does not reach the contract until it is named here.
import type { TrainingSettings } from '../estimate/settings.js';
import type { Method, Objective, Optimizer, Precision, Quantization, Targets } from '../kb/vocabulary.js';

export interface SettingsJson {
  method: Method;
  precision: Precision;
  quantize: Quantization;
  optimizer: Optimizer;
  gradientCheckpointing: boolean;
  cache: boolean;
  trainTextEncoder: boolean;
  priorPreservation: boolean;
  classImages: number | null;
  batch: number;
  gradAccum: number;
  steps: number;
  learningRate: number;
  rank: number | null;
  targets: Targets;
  resolution: number | null;
  /** the sample's width when not square (null: square, or not an image or clip) */
  width: number | null;
  /** frames per clip (video models) */
  frames: number | null;
  seqLen: number | null;
  meanSeqLen: number | null;
  virtualTokens: number | null;
  factor: number | null;
  objective: Objective;
  /** the dtype the frozen base was loaded in (--base-dtype); null: the compute dtype */
  baseDtype: TrainingSettings['baseDtype'];
}

export function settingsJson(s: TrainingSettings): SettingsJson {
  return {
    method: s.method,
    precision: s.precision,
    quantize: s.quantize,
    optimizer: s.optimizer,
    gradientCheckpointing: s.gradientCheckpointing,
    cache: s.cache,
    trainTextEncoder: s.trainTextEncoder,
    priorPreservation: s.priorPreservation,
    classImages: s.classImages,
    batch: s.batch,
    gradAccum: s.gradAccum,
    steps: s.steps,
    learningRate: s.learningRate,
    rank: s.rank,
    targets: s.targets,
    resolution: s.resolution,
    width: s.width,
    frames: s.frames,
    seqLen: s.seqLen,
    meanSeqLen: s.meanSeqLen,
    virtualTokens: s.virtualTokens,
    factor: s.factor,
    objective: s.objective,
    baseDtype: s.baseDtype,
  };
}
