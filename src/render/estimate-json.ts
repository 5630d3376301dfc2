// The JSON contract of `estimate` (README, "JSON output of estimate"), field by field; no chalk or
// cli-table3.
import { hostMemoryOf } from '../estimate/card.js';
import type { EstimateResult } from '../estimate/estimate.js';
import type { SaverId } from '../estimate/fit.js';
import type { MemoryPart } from '../estimate/memory.js';
import { type StrategyTraits, strategyTraits } from '../estimate/parallel.js';
import type { TrainingSettings } from '../estimate/settings.js';
import { round } from '../format.js';
import type { Strategy } from '../kb/vocabulary.js';
import { type CardLinksJson, cardLinksJson } from './card-json.js';
import { type DataInputJson, dataInputJson, type PlanJson, planJson } from './data-json.js';
import { type SettingsJson, settingsJson } from './settings-json.js';
import { type SourceJson, sourceJson } from './source-json.js';

export interface BreakdownJson {
  part: MemoryPart;
  gib: number;
}

export interface EstimateJson {
  technique: string;
  model: string;
  /** null without --gpu or --vram */
  /** the card (vramGiB: each card's) and, with several, how many where over which links */
  gpu:
    | ({
        id: string | null;
        name: string;
        vramGiB: number;
        tflops: number;
        bf16: boolean;
        assumedSpeed: boolean;
      } & CardLinksJson)
    | null;
  settings: SettingsJson;
  /** the trainer estimated for (null: the knowledge base names none), whether it was the family's default, and what it sets */
  trainer: {
    id: string;
    name: string;
    isDefault: boolean;
    loss: TrainingSettings['loss'];
    attention: TrainingSettings['attention'];
    savePrecision: TrainingSettings['savePrecision'];
  } | null;
  /** the data flags given (absent: none) and where the steps come from */
  data?: DataInputJson;
  plan: PlanJson;
  vram: {
    peakGiB: number;
    breakdown: BreakdownJson[];
    // against the card, when there is one
    cardGiB?: number;
    limitGiB?: number;
    fits?: boolean;
    saversToFit?: SaverId[] | null;
  };
  /** null without a card's speed */
  time: {
    stepSeconds: number;
    steps: number;
    microStepsPerStep: number;
    totalHours: number;
    // one of the two: tokens for language models, images for image models
    tokensPerSecond?: number;
    imagesPerSecond?: number;
    /** of stepSeconds: an objective's forwards without gradient (reference log-probs, KTO's KL term) and its sampling (GRPO) */
    referenceSeconds: number;
    generationSeconds: number;
  } | null;
  output: { sizeMB: number; trainableParams: number };
  /** how several cards share the run (null on one card) */
  strategy: {
    id: Strategy;
    engine: StrategyTraits['engine'];
    shards: StrategyTraits['shards'];
    offload: StrategyTraits['offload'];
  } | null;
  /** the card set: vram.peakGiB is each card's; host memory per node where the strategy offloads (null on one card) */
  perCard: {
    cards: number;
    nodes: number;
    peakGiB: number;
    vramGiB: number | null;
    hostGiBPerNode: number;
    /** the host memory each node has (absent without a card): --host-ram, else twice its cards' memory */
    hostRamGiBPerNode?: number;
    hostRamGiven?: boolean;
  } | null;
  /** what the cards exchange per optimizer step and the time it adds (null on one card or without a card's speed) */
  communication: {
    link: string;
    effectiveGBs: number;
    collectives: string[];
    gbPerStep: number;
    exposedSecondsPerMicroStep: number;
    hostOptimizerSeconds: number;
  } | null;
  assumptions: string[];
  sources: SourceJson[];
}

const r3 = (n: number) => round(n, 3);

export function estimateToJson(e: EstimateResult): EstimateJson {
  return {
    technique: e.technique.id,
    model: e.model.id,
    gpu: e.card
      ? {
          id: e.card.id,
          name: e.card.name,
          vramGiB: r3(e.card.vramGiB),
          tflops: e.card.tflops,
          bf16: e.card.bf16,
          assumedSpeed: e.card.speedFrom !== null,
          ...cardLinksJson(e.card),
        }
      : null,
    settings: settingsJson(e.settings),
    trainer: e.trainer
      ? {
          id: e.trainer.id,
          name: e.trainer.name,
          isDefault: e.trainer.isDefault,
          loss: e.settings.loss,
          attention: e.settings.attention,
          savePrecision: e.settings.savePrecision,
        }
      : null,
    data: e.data ? dataInputJson(e.data.given) : undefined,
    plan: planJson(e.settings, e.data, e.recipeData),
    vram: {
      peakGiB: r3(e.memory.peakGiB),
      breakdown: e.memory.breakdown.map((p): BreakdownJson => ({ part: p.part, gib: r3(p.gib) })),
      ...(e.fit
        ? {
            cardGiB: r3(e.card!.vramGiB),
            limitGiB: r3(e.fit.limitGiB),
            fits: e.memory.peakGiB <= e.fit.limitGiB,
            saversToFit: e.fit.fits ? [...e.fit.savers] : null,
          }
        : {}),
    },
    time:
      e.step && e.hours !== null
        ? {
            stepSeconds: r3(e.step.stepSeconds),
            steps: e.settings.steps,
            microStepsPerStep: e.settings.gradAccum,
            totalHours: r3(e.hours),
            ...(e.step.tokensPerSecond !== undefined
              ? { tokensPerSecond: Math.round(e.step.tokensPerSecond) }
              : { imagesPerSecond: r3(e.step.imagesPerSecond ?? 0) }),
            referenceSeconds: r3(e.step.referenceSeconds),
            generationSeconds: r3(e.step.generationSeconds),
          }
        : null,
    output: { sizeMB: r3(e.sizeMB), trainableParams: e.memory.trainableParams },
    ...cardSetJson(e),
    assumptions: [...e.assumptions],
    sources: e.sources.map(sourceJson),
  };
}

/** The strategy, each card's memory and the communication of a run on several cards (null on one). */
export function cardSetJson(
  e: Pick<EstimateResult, 'settings' | 'memory' | 'step' | 'card'>,
): Pick<EstimateJson, 'strategy' | 'perCard' | 'communication'> {
  const traits = strategyTraits(e.settings.strategy, e.settings.cards);
  if (!traits || !e.settings.strategy) return { strategy: null, perCard: null, communication: null };
  const nodes = e.card?.nodes ?? 1;
  const c = e.step?.communication ?? null;
  return {
    strategy: { id: e.settings.strategy, engine: traits.engine, shards: traits.shards, offload: traits.offload },
    perCard: {
      cards: e.settings.cards,
      nodes,
      peakGiB: r3(e.memory.peakGiB),
      vramGiB: e.card ? r3(e.card.vramGiB) : null,
      hostGiBPerNode: r3(e.memory.hostGiB / nodes),
      // what each node has for it: --host-ram, else the rule of thumb (hostMemoryOf)
      ...(e.card ? { hostRamGiBPerNode: r3(hostMemoryOf(e.card).gib), hostRamGiven: hostMemoryOf(e.card).given } : {}),
    },
    communication: c
      ? {
          link: c.link,
          effectiveGBs: r3(c.effectiveGBs),
          collectives: [...c.collectives],
          gbPerStep: r3(c.bytesPerStep / 1e9),
          exposedSecondsPerMicroStep: r3(c.exposedSeconds),
          hostOptimizerSeconds: r3(c.hostOptimizerSeconds),
        }
      : null,
  };
}
