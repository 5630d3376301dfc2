// The settings of a run in the JSON contract, field by field (README, "JSON output"): a new
// internal setting does not reach the contract until it is named here.
import type { TrainingSettings } from '../estimate/settings.js';

export function settingsJson(s: TrainingSettings) {
  return {
    method: s.method,
    precision: s.precision,
    quantize: s.quantize,
    optimizer: s.optimizer,
    gradientCheckpointing: s.gradientCheckpointing,
    cache: s.cache,
    trainTextEncoder: s.trainTextEncoder,
    priorPreservation: s.priorPreservation,
    batch: s.batch,
    gradAccum: s.gradAccum,
    steps: s.steps,
    learningRate: s.learningRate,
    rank: s.rank,
    targets: s.targets,
    resolution: s.resolution,
    seqLen: s.seqLen,
    meanSeqLen: s.meanSeqLen,
    virtualTokens: s.virtualTokens,
  };
}
