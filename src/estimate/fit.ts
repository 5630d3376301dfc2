// The fit check: estimate a run at the technique's defaults, then add the usual memory savers in
// order until it fits under the headroom limit. Pure.
import type { Model, Trainer } from '../kb/types.js';
import type { Quantization, Saver as TrainerSaver, Strategy } from '../kb/vocabulary.js';
import { backendOf, BACKENDS } from './backend.js';
import { type Card, hostMemoryOf } from './card.js';
import { kindOf } from './kinds/index.js';
import { estimateMemory, type MemoryEstimate } from './memory.js';
import { METHOD_TRAITS } from './methods.js';
import { OBJECTIVE_TRAITS } from './objectives.js';
import { STRATEGY_TRAITS } from './parallel.js';
import { EIGHT_BIT } from './precision.js';
import type { TrainingSettings } from './settings.js';
import { outputSizeMB } from './size.js';
import { type CardSet, classImageHours, estimateStepTime, type GpuPerf, type StepTime, totalHours } from './time.js';
import { strategiesOf } from './trainer-strategies.js';

/** Keep headroom: nothing above 90% of the card (allocator spikes, the display, evaluation). */
export const HEADROOM = 0.9;
const GIB = 1024 ** 3;

export type SaverId =
  | 'fused-loss'
  | 'gradient-checkpointing'
  | '8-bit-optimizer'
  | 'cache'
  | 'bf16-weights'
  | 'micro-batch-1'
  | 'block-swap'
  | 'int8-base'
  | 'nf4-base'
  | 'shard-gradients'
  | 'shard-parameters'
  | 'offload';

/** A memory saver; a model's kind says which ones its trainers offer (ModelKind.savers). */
export interface Saver {
  id: SaverId;
  label: string;
  /** the settings it changes: a saver is not used when the user fixed one of them */
  changes: ReadonlyArray<keyof TrainingSettings>;
  /**
   * `offers`: what the run's trainer offers as savers (trainers.yaml `savers`; none without a
   * trainer); `over`: the model and the bytes the run is over the card's limit by
   */
  apply: (
    s: TrainingSettings,
    card: Card,
    offers: ReadonlySet<TrainerSaver>,
    over: {
      model: Model;
      bytes: number;
      fixed: ReadonlySet<keyof TrainingSettings>;
      /** the strategies the run's trainer runs (trainer-strategies.ts; every one without a trainer) */
      runs: ReadonlySet<Strategy>;
      /** what the named trainer can do (trainerLimitsOf); no limits without a trainer named */
      limits: TrainerLimits;
    },
  ) => TrainingSettings | null;
}

export const SAVERS: readonly Saver[] = [
  {
    // First: it costs no speed. Liger's fused linear cross-entropy (LLaMA-Factory
    // enable_liger_kernel, ms-swift / TRL use_liger_kernel, axolotl's Liger plugin) reports higher
    // throughput, not lower ("increase multi-GPU training throughput by ~20% and reduces memory
    // usage by ~60%", transformers TrainingArguments use_liger_kernel); only where the trainer offers it.
    id: 'fused-loss',
    label: 'fused linear cross-entropy (Liger kernel)',
    changes: ['loss'],
    apply: (s, _card, offers) => (offers.has('liger') && s.loss !== 'fused' ? { ...s, loss: 'fused' } : null),
  },
  {
    // Several cards: shard the optimizer states and gradients (ZeRO-2), then the parameters too
    // (ZeRO-3; FSDP for a quantized base, the FSDP-QLoRA path), before any saver that costs
    // compute or precision: ZeRO-2 sends no more than DDP's all-reduce, ZeRO-3 1.5x as much,
    // hidden behind the compute on a fast link (ZeRO, arXiv 1910.02054 §7).
    id: 'shard-gradients',
    label: 'optimizer states and gradients sharded over the cards (ZeRO-2)',
    changes: ['strategy'],
    apply: (s, _card, _offers, { runs }) =>
      s.cards > 1 &&
      s.strategy &&
      !STRATEGY_TRAITS[s.strategy].shards.gradients &&
      METHOD_TRAITS[s.method].trainsEveryWeight
        ? withStrategy(s, runs, ['zero2', 'fsdp-grad-op'])
        : null,
  },
  {
    id: 'shard-parameters',
    label: 'parameters sharded over the cards too (ZeRO-3 / FSDP)',
    changes: ['strategy'],
    apply: (s, _card, _offers, { runs }) =>
      s.cards > 1 && s.strategy && !STRATEGY_TRAITS[s.strategy].shards.parameters
        ? withStrategy(s, runs, s.quantize === 'none' ? ['zero3', 'fsdp'] : ['fsdp-qlora', 'zero3'])
        : null,
  },
  {
    id: 'gradient-checkpointing',
    label: 'gradient checkpointing',
    changes: ['gradientCheckpointing'],
    apply: (s, _card, _offers, { limits }) =>
      s.gradientCheckpointing || (!limits.checkpointing && s.cards <= 1) ? null : { ...s, gradientCheckpointing: true },
  },
  {
    id: '8-bit-optimizer',
    label: '8-bit optimizer',
    changes: ['optimizer'],
    // bitsandbytes' 8-bit optimizers: not on every stack (MPS, src/estimate/backend.ts)
    apply: (s, card) => {
      const eight = EIGHT_BIT[s.optimizer];
      return eight && BACKENDS[backendOf(card)].eightBitOptimizers ? { ...s, optimizer: eight } : null;
    },
  },
  {
    id: 'cache',
    label: 'cached latents and text embeddings',
    changes: ['cache'],
    apply: (s) => (!s.cache ? { ...s, cache: true } : null),
  },
  {
    // kohya --full_bf16, LLaMA-Factory pure_bf16, litgpt bf16-true: weights, gradients and states in bf16
    id: 'bf16-weights',
    label: 'bf16 weights (no fp32 master copy)',
    changes: ['precision'],
    apply: (s, card) =>
      METHOD_TRAITS[s.method].trainsEveryWeight && card.bf16 && !['bf16', 'fp16'].includes(s.precision)
        ? { ...s, precision: 'bf16' }
        : null,
  },
  {
    // the same effective batch through gradient accumulation (per_device_train_batch_size=1)
    id: 'micro-batch-1',
    label: 'micro-batch 1 with gradient accumulation',
    changes: ['batch', 'gradAccum'],
    // not where the objective's trainer needs a larger micro-batch (KTO's KL term: 2 or more)
    apply: (s) =>
      s.batch > 1 && OBJECTIVE_TRAITS[s.objective].minBatch <= 1
        ? { ...s, gradAccum: s.gradAccum * s.batch, batch: 1 }
        : null,
  },
  {
    // Where the trainer offers it (musubi-tuner, kohya: --blocks_to_swap N), before a lower-precision
    // base: it costs time only where the copies outlast the compute, not the base's precision. The
    // fewest blocks that bring the base under the limit, keeping one block on the GPU (musubi-tuner
    // caps blocks_to_swap at the block count minus one or two).
    id: 'block-swap',
    label: 'block swap (frozen blocks in host memory)',
    changes: ['blocksToSwap'],
    apply: (s, _card, offers, over) => {
      const kind = kindOf(over.model);
      const blocks = kind.swappableBlocks(over.model);
      if (!offers.has('block-swap') || !METHOD_TRAITS[s.method].adapter || blocks < 2 || s.blocksToSwap > 0)
        return null;
      const full = estimateMemory(over.model, { ...s, blocksToSwap: blocks }).breakdown[0]!.gib * GIB;
      const none = estimateMemory(over.model, s).breakdown[0]!.gib * GIB;
      const perBlock = (none - full) / blocks;
      if (perBlock <= 0) return null;
      return { ...s, blocksToSwap: Math.min(blocks - 1, Math.ceil(over.bytes / perBlock)) };
    },
  },
  {
    id: 'int8-base',
    label: '8-bit quantized base',
    changes: ['quantize'],
    // FSDP shards a 4-bit base only (bitsandbytes' quant_storage: docs/source/fsdp_qlora.md); the
    // 8-bit format is the named trainer's (fp8 in kohya's --fp8_base, ai-toolkit's qfloat8)
    apply: (s, _card, _offers, { limits: { bases } }) => {
      if (!METHOD_TRAITS[s.method].adapter || s.quantize !== 'none' || shardsParameters(s)) return null;
      const q = !bases || bases.has('int8') ? 'int8' : bases.has('fp8') ? 'fp8' : null;
      return q ? { ...s, quantize: q } : null;
    },
  },
  {
    id: 'nf4-base',
    label: 'NF4 quantized base',
    changes: ['quantize'],
    apply: (s, _card, _offers, { fixed, runs, limits: { bases } }) => {
      if (!METHOD_TRAITS[s.method].adapter || (bases && !bases.has('nf4'))) return null;
      // on cards that shard the parameters, the 4-bit base FSDP shards (FSDP-QLoRA), from a 16-bit
      // one; a strategy the user gave stays (ZeRO-3 shards a 4-bit base too: peft docs D83)
      if (shardsParameters(s) && s.quantize === 'none')
        return fixed.has('strategy')
          ? { ...s, quantize: 'nf4' }
          : withStrategy({ ...s, quantize: 'nf4' }, runs, ['fsdp-qlora', 'zero3']);
      return s.quantize === 'int8' || s.quantize === 'fp8' ? { ...s, quantize: 'nf4' } : null;
    },
  },
  {
    // Last: the optimizer step on the CPU and the parameter shards in host memory, at the host
    // link's speed (ZeRO-Offload, arXiv 2101.06840; FSDP CPUOffload(offload_params=True))
    id: 'offload',
    label: 'optimizer states and parameters offloaded to host memory',
    changes: ['strategy'],
    // only where each node's host memory holds what its cards offload (hostMemoryOf)
    apply: (s, card, _offers, { model, runs }) => {
      const next = offloaded(s);
      return next && runs.has(next.strategy!) && hostFits(estimateMemory(model, next), card) ? next : null;
    },
  },
];

/** What a named trainer's runs can take of the savers: the quantized bases it loads, gradient checkpointing. */
export interface TrainerLimits {
  /** null: any */
  bases: ReadonlySet<Quantization> | null;
  checkpointing: boolean;
}
const NO_LIMITS: TrainerLimits = { bases: null, checkpointing: true };

/**
 * fitWithSavers' arguments that come from the run's trainer: the savers it offers, the strategies
 * it runs and its limits (the same for `estimate` and the planner).
 */
export function trainerFitArgs(
  trainer: Trainer | null | undefined,
  isDefault: boolean,
): [offers: ReadonlySet<TrainerSaver>, runs: ReadonlySet<Strategy>, limits: TrainerLimits] {
  return [new Set(trainer?.savers), strategiesOf(trainer), trainerLimitsOf(trainer, isDefault)];
}

/**
 * A named trainer's limits; none without a trainer named, where the family's default stands for
 * the usual stack, not its own limits. Gradient checkpointing on one card unless the trainer has no
 * option for it there (trainers.yaml `gradientCheckpointing: several-cards`: LitGPT).
 */
function trainerLimitsOf(trainer: Trainer | null | undefined, isDefault: boolean): TrainerLimits {
  if (!trainer || isDefault) return NO_LIMITS;
  return { bases: quantizedBasesOf(trainer, false), checkpointing: trainer.gradientCheckpointing !== 'several-cards' };
}

/**
 * The quantized bases a named trainer loads, as the savers it offers say (trainers.yaml `savers`):
 * fp8-base (kohya's --fp8_base, ai-toolkit's qfloat8, OneTrainer's FLOAT_8) and nf4-base; a
 * language-model trainer loads bitsandbytes' 8-bit and NF4 bases (load_in_8bit, load_in_4bit), which
 * every one of them has. Null (any) without a trainer named: the family's default stands for the
 * usual stack, not its own limits.
 */
export function quantizedBasesOf(trainer: Trainer | null | undefined, isDefault: boolean): Set<Quantization> | null {
  if (!trainer || isDefault) return null;
  const out = new Set<Quantization>();
  if (trainer.families.includes('llm')) ['int8', 'nf4'].forEach((q) => out.add(q as Quantization));
  if (trainer.savers.includes('fp8-base')) out.add('fp8');
  if (trainer.savers.includes('nf4-base')) out.add('nf4');
  return out;
}

/** The savers that change how the cards share the run (not what one card runs). */
export const STRATEGY_SAVERS: ReadonlySet<SaverId> = new Set(
  SAVERS.filter((s) => s.changes.includes('strategy')).map((s) => s.id),
);

/** The run on the first of `choices` the trainer runs; null when it runs none of them. */
function withStrategy(s: TrainingSettings, runs: ReadonlySet<Strategy>, choices: Strategy[]): TrainingSettings | null {
  const strategy = choices.find((c) => runs.has(c));
  return strategy ? { ...s, strategy } : null;
}

/** The run with its strategy's offloading counterpart; null on one card or when it offloads already. */
function offloaded(s: TrainingSettings): TrainingSettings | null {
  if (s.cards <= 1 || !s.strategy || STRATEGY_TRAITS[s.strategy].offload.optimizer) return null;
  const strategy =
    s.strategy === 'fsdp-qlora'
      ? 'fsdp-qlora-offload'
      : s.strategy.startsWith('fsdp')
        ? 'fsdp-offload'
        : 'zero3-offload';
  return { ...s, strategy };
}

/** Whether each node's host memory holds the states its cards offload (none offloaded: it does). */
export function hostFits(memory: Pick<MemoryEstimate, 'hostGiB'>, card: Card): boolean {
  return memory.hostGiB / card.nodes <= hostMemoryOf(card).gib;
}

const shardsParameters = (s: TrainingSettings) =>
  s.cards > 1 && s.strategy !== null && STRATEGY_TRAITS[s.strategy].shards.parameters;

export interface RunEstimate {
  settings: TrainingSettings;
  memory: MemoryEstimate;
  step: StepTime;
  /** the whole run: training, and generating the class images first when there are any */
  hours: number;
  /** of which generating the class images of prior preservation (0 without) */
  classImageHours: number;
  sizeMB: number;
}

export function estimateRun(model: Model, s: TrainingSettings, card: GpuPerf & Partial<CardSet>): RunEstimate {
  const memory = estimateMemory(model, s);
  const step = estimateStepTime(model, s, card, memory.trainableParams);
  const classImages = classImageHours(model, s, card);
  return {
    settings: s,
    memory,
    step,
    hours: totalHours(s, step) + classImages,
    classImageHours: classImages,
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
  /** offload was the saver left and the host could not hold it: what a node would need and has, GiB */
  hostShort?: { needGiB: number; hasGiB: number; given: boolean };
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
  // generating class images takes the same time however many steps train on them
  const training = typical.hours - typical.classImageHours;
  const steps = Math.floor((typical.settings.steps * Math.max(0, budgetHours - typical.classImageHours)) / training);
  const share = steps / typical.settings.steps;
  if (steps < least) return { run: typical, typicalHours: typical.hours, stepsShare: 1, fits: false, minSteps: least };
  // fewer steps change only the total time: memory, step time and output size stay as they are
  const settings = { ...typical.settings, steps };
  return {
    run: { ...typical, settings, hours: totalHours(settings, typical.step) + typical.classImageHours },
    typicalHours: typical.hours,
    stepsShare: share,
    fits: true,
    minSteps: least,
  };
}

/**
 * `fixed`: the settings the user gave, which no saver changes (none: every saver may apply);
 * `offers`: the savers the run's trainer offers (a fused loss only where it has one).
 */
export function fitWithSavers(
  model: Model,
  start: TrainingSettings,
  card: Card,
  fixed: ReadonlySet<keyof TrainingSettings> = new Set(),
  offers: ReadonlySet<TrainerSaver> = new Set(),
  runs: ReadonlySet<Strategy> = strategiesOf(null),
  limits: TrainerLimits = NO_LIMITS,
): FitResult {
  const limitGiB = card.vramGiB * HEADROOM;
  let settings = start;
  let run = estimateRun(model, settings, card);
  const ladder: FitResult['ladder'] = [{ saver: 'defaults', peakGiB: run.memory.peakGiB }];
  const used: Saver[] = [];
  let hostShort: FitResult['hostShort'];
  /** the strategy before each saver used, so that a sharding saver can be taken back */
  const strategiesBefore: Array<Strategy | null> = [];
  const offered = kindOf(model).savers;
  for (const saver of SAVERS) {
    if (run.memory.peakGiB <= limitGiB) break;
    const next =
      (offered.has(saver.id) || saver.changes.includes('strategy')) && !saver.changes.some((c) => fixed.has(c))
        ? saver.apply(settings, card, offers, {
            model,
            bytes: (run.memory.peakGiB - limitGiB) * GIB,
            fixed,
            runs,
            limits,
          })
        : null;
    if (!next) {
      // the last saver refused for the host's memory: said with the run that does not fit
      const would = saver.id === 'offload' && !fixed.has('strategy') ? offloaded(settings) : null;
      if (would && runs.has(would.strategy!)) {
        const host = hostMemoryOf(card);
        hostShort = { needGiB: estimateMemory(model, would).hostGiB / card.nodes, hasGiB: host.gib, given: host.given };
      }
      continue;
    }
    strategiesBefore.push(settings.strategy);
    settings = next;
    run = estimateRun(model, settings, card);
    used.push(saver);
    ladder.push({ saver: saver.id, peakGiB: run.memory.peakGiB });
  }
  ({ settings, run } = cheapestStrategyThatFits(model, card, limitGiB, { settings, run }, used, strategiesBefore));
  // a saver whose settings a later one set again was replaced by it (the NF4 base in place of the
  // 8-bit one: one quantized base, one saver); the strategy savers build on each other instead
  for (let i = used.length - 2; i >= 0; i--) {
    const earlier = used[i]!;
    if (earlier.changes.includes('strategy')) continue;
    if (used.slice(i + 1).some((later) => earlier.changes.every((k) => later.changes.includes(k)))) used.splice(i, 1);
  }
  return {
    fits: run.memory.peakGiB <= limitGiB && hostFits(run.memory, card),
    limitGiB,
    savers: used.map((s) => s.id),
    saverLabels: used.map((s) => s.label),
    ladder,
    run,
    ...(hostShort && run.memory.peakGiB > limitGiB ? { hostShort } : {}),
  };
}

/** The savers that shard over the cards what one card would hold (not offload, which moves it to host memory). */
const SHARDING_SAVERS: ReadonlySet<SaverId> = new Set(['shard-gradients', 'shard-parameters']);

/**
 * The ladder shards before the savers that cost compute or precision, so a saver taken after the
 * sharding (gradient checkpointing, micro-batch 1) can make it unneeded: the run keeps the
 * cheapest strategy that still fits with the savers it took, DDP when one card holds the run, then
 * ZeRO-2, then ZeRO-3 / FSDP (ZeRO, arXiv 1910.02054 §7: P_os+g sends what data parallelism sends,
 * P_os+g+p 1.5x as much). The sharding savers are taken back from the last, each only while no
 * later saver (offload) builds on the strategy it chose; `used` and `strategiesBefore` lose them.
 */
function cheapestStrategyThatFits(
  model: Model,
  card: Card,
  limitGiB: number,
  fitted: { settings: TrainingSettings; run: RunEstimate },
  used: Saver[],
  strategiesBefore: Array<Strategy | null>,
): { settings: TrainingSettings; run: RunEstimate } {
  let { settings, run } = fitted;
  if (run.memory.peakGiB > limitGiB) return fitted;
  for (let i = used.length - 1; i >= 0; i--) {
    if (!SHARDING_SAVERS.has(used[i]!.id)) continue;
    if (used.slice(i + 1).some((s) => s.changes.includes('strategy'))) continue;
    const cheaper = { ...settings, strategy: strategiesBefore[i]! };
    const cheaperRun = estimateRun(model, cheaper, card);
    if (cheaperRun.memory.peakGiB > limitGiB || !hostFits(cheaperRun.memory, card)) continue;
    settings = cheaper;
    run = cheaperRun;
    used.splice(i, 1);
    strategiesBefore.splice(i, 1);
  }
  return { settings, run };
}

export type { Card } from './card.js';
