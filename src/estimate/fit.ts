// The fit check: estimate a run at the technique's defaults, then add the usual memory savers in
// order until it fits under the headroom limit. Pure.
import type { Model } from '../kb/types.js';
import type { Card } from './card.js';
import { kindOf } from './kinds/index.js';
import { estimateMemory, type MemoryEstimate } from './memory.js';
import { METHOD_TRAITS } from './methods.js';
import { EIGHT_BIT } from './precision.js';
import type { TrainingSettings } from './settings.js';
import { outputSizeMB } from './size.js';
import { estimateStepTime, type GpuPerf, type StepTime, totalHours } from './time.js';

/** Keep headroom: nothing above 90% of the card (allocator spikes, the display, evaluation). */
export const HEADROOM = 0.9;

export type SaverId =
  'gradient-checkpointing' | '8-bit-optimizer' | 'cache' | 'bf16-weights' | 'micro-batch-1' | 'int8-base' | 'nf4-base';

/** A memory saver; a model's kind says which ones its trainers offer (ModelKind.savers). */
export interface Saver {
  id: SaverId;
  label: string;
  apply: (s: TrainingSettings, card: Card) => TrainingSettings | null;
}

export const SAVERS: readonly Saver[] = [
  {
    id: 'gradient-checkpointing',
    label: 'gradient checkpointing',
    apply: (s) => (s.gradientCheckpointing ? null : { ...s, gradientCheckpointing: true }),
  },
  {
    id: '8-bit-optimizer',
    label: '8-bit optimizer',
    apply: (s) => {
      const eight = EIGHT_BIT[s.optimizer];
      return eight ? { ...s, optimizer: eight } : null;
    },
  },
  {
    id: 'cache',
    label: 'cached latents and text embeddings',
    apply: (s) => (!s.cache ? { ...s, cache: true } : null),
  },
  {
    // kohya --full_bf16, LLaMA-Factory pure_bf16, litgpt bf16-true: weights, gradients and states in bf16
    id: 'bf16-weights',
    label: 'bf16 weights (no fp32 master copy)',
    apply: (s, card) =>
      METHOD_TRAITS[s.method].trainsEveryWeight && card.bf16 && !['bf16', 'fp16'].includes(s.precision)
        ? { ...s, precision: 'bf16' }
        : null,
  },
  {
    // the same effective batch through gradient accumulation (per_device_train_batch_size=1)
    id: 'micro-batch-1',
    label: 'micro-batch 1 with gradient accumulation',
    apply: (s) => (s.batch > 1 ? { ...s, gradAccum: s.gradAccum * s.batch, batch: 1 } : null),
  },
  {
    id: 'int8-base',
    label: '8-bit quantized base',
    apply: (s) => (METHOD_TRAITS[s.method].adapter && s.quantize === 'none' ? { ...s, quantize: 'int8' } : null),
  },
  {
    id: 'nf4-base',
    label: 'NF4 quantized base',
    apply: (s) =>
      METHOD_TRAITS[s.method].adapter && (s.quantize === 'int8' || s.quantize === 'fp8')
        ? { ...s, quantize: 'nf4' }
        : null,
  },
];

export interface RunEstimate {
  settings: TrainingSettings;
  memory: MemoryEstimate;
  step: StepTime;
  hours: number;
  sizeMB: number;
}

export function estimateRun(model: Model, s: TrainingSettings, card: GpuPerf): RunEstimate {
  const memory = estimateMemory(model, s);
  const step = estimateStepTime(model, s, card, memory.trainableParams);
  return {
    settings: s,
    memory,
    step,
    hours: totalHours(s, step),
    sizeMB: outputSizeMB(model, s, memory.trainableParams),
  };
}

export interface FitResult {
  fits: boolean;
  limitGiB: number;
  /** savers added, in order, to reach `run` (all of them when it still does not fit) */
  savers: SaverId[];
  saverLabels: string[];
  /** peak after each rung: the defaults first, then each saver */
  ladder: Array<{ saver: SaverId | 'defaults'; peakGiB: number }>;
  run: RunEstimate;
}

export interface TimePlan {
  /** the run that fits the budget: the typical one, or one with fewer steps */
  run: RunEstimate;
  typicalHours: number;
  stepsShare: number;
  fits: boolean;
  /** the fewest steps a run may be shortened to (planRun: the technique's minimum useful run) */
  minSteps: number;
}

/**
 * Shortens a run (fewer optimizer steps) to meet the time budget, down to `minSteps`: below that
 * it is no longer a run that teaches the technique anything (see minimumUsefulSteps).
 */
export function fitTimeBudget(typical: RunEstimate, budgetHours: number, minSteps = 1): TimePlan {
  const least = Math.min(typical.settings.steps, Math.max(1, minSteps));
  if (typical.hours <= budgetHours)
    return { run: typical, typicalHours: typical.hours, stepsShare: 1, fits: true, minSteps: least };
  const steps = Math.floor((typical.settings.steps * budgetHours) / typical.hours);
  const share = steps / typical.settings.steps;
  if (steps < least) return { run: typical, typicalHours: typical.hours, stepsShare: 1, fits: false, minSteps: least };
  // fewer steps change only the total time: memory, step time and output size stay as they are
  const settings = { ...typical.settings, steps };
  return {
    run: { ...typical, settings, hours: totalHours(settings, typical.step) },
    typicalHours: typical.hours,
    stepsShare: share,
    fits: true,
    minSteps: least,
  };
}

export function fitWithSavers(model: Model, start: TrainingSettings, card: Card): FitResult {
  const limitGiB = card.vramGiB * HEADROOM;
  let settings = start;
  let run = estimateRun(model, settings, card);
  const ladder: FitResult['ladder'] = [{ saver: 'defaults', peakGiB: run.memory.peakGiB }];
  const used: Saver[] = [];
  const offered = kindOf(model).savers;
  for (const saver of SAVERS) {
    if (run.memory.peakGiB <= limitGiB) break;
    const next = offered.has(saver.id) ? saver.apply(settings, card) : null;
    if (!next) continue;
    settings = next;
    run = estimateRun(model, settings, card);
    used.push(saver);
    ladder.push({ saver: saver.id, peakGiB: run.memory.peakGiB });
  }
  return {
    fits: run.memory.peakGiB <= limitGiB,
    limitGiB,
    savers: used.map((s) => s.id),
    saverLabels: used.map((s) => s.label),
    ladder,
    run,
  };
}

export type { Card } from './card.js';
