// The JSON contract of `recommend` (README, "JSON output of recommend"), field by field. Free of
// chalk and cli-table3 so the --json path loads neither.
import type { AppliesKey } from '../engine/advice.js';
import type { Answers } from '../engine/answers.js';
import type { RuleRecord } from '../engine/evaluate.js';
import type { RankedTechnique, RecommendResult, Suggestion } from '../engine/rank.js';
import type { SaverId } from '../estimate/fit.js';
import { round } from '../format.js';
import type { Interconnect, Objective } from '../kb/vocabulary.js';
import type { DataTopic, Goal, Optimizer, Precision, Priority, Quantization, Targets } from '../kb/vocabulary.js';
import { type CardLinksJson, cardLinksJson } from './card-json.js';
import { type DataInputJson, dataInputJson, type PlanJson, planJson } from './data-json.js';
import { estimateFlags } from './estimate-flags.js';
import { type BreakdownJson, cardSetJson, type EstimateJson } from './estimate-json.js';
import { type SettingsJson, settingsJson } from './settings-json.js';
import { type SourceJson, sourceJson } from './source-json.js';
import { suggestionFlags, suggestionText } from './suggestion.js';

export interface AnswersJson {
  goal: Goal;
  model: string;
  gpu: string | null;
  vramGiB: number | null;
  timeHours: number;
  priority: Priority;
  /** cards in all and nodes (absent: one card); the link asked for over the catalogue's (absent: the catalogue's) */
  cards?: number;
  nodes?: number;
  interconnect?: Interconnect;
  /** host memory of each node the user gave (--host-ram), GiB */
  hostGiB?: number;
  resolution?: number;
  seqLen?: number;
  steps?: number;
  quantize?: Quantization;
  // the settings the user fixed (absent: the recipe's, or the planner's memory savers)
  rank?: number;
  targets?: Targets;
  batch?: number;
  gradAccum?: number;
  optimizer?: Optimizer;
  precision?: Precision;
  gradientCheckpointing?: boolean;
  priorPreservation?: boolean;
  /** the data flags given (absent: none, the recipe's typical run is assumed) */
  data?: DataInputJson;
  /** the trainer the runs are planned for (trainers.yaml id) and whether it is the family's default */
  trainer?: string;
  trainerIsDefault?: boolean;
  /** a language goal's objective (--objective, else the goal's) and whether it came from the goal; absent for image goals */
  objective?: Objective;
  objectiveIsDefault?: boolean;
}

/** The recommendation or the runner-up: its settings and estimates, and why it was chosen. */
export interface ChoiceJson {
  id: string;
  name: string;
  score: number;
  /** null when the technique has no run for this model */
  settings: SettingsJson | null;
  estimates: {
    vram: { peakGiB: number; limitGiB: number; savers: SaverId[]; breakdown: BreakdownJson[] };
    time: {
      hours: number;
      typicalHours: number;
      stepSeconds: number;
      steps: number;
      // one of the two: tokens for language models, images for image models
      tokensPerSecond?: number;
      imagesPerSecond?: number;
    };
    output: { sizeMB: number; trainableParams: number };
  } | null;
  /** on several cards: the strategy the run takes, each card's memory and the communication, as `estimate --json` has them (null on one card) */
  strategy: EstimateJson['strategy'];
  perCard: EstimateJson['perCard'];
  communication: EstimateJson['communication'];
  /** where the steps come from: the user's data, or the recipe's typical run */
  plan: PlanJson | null;
  /** `estimate` with these flags (after --technique, --model and the card) gives the same run */
  estimateFlags: string[] | null;
  /** the recipe's bf16 run as fp16 mixed precision because the card has no bf16 (null: as the recipe says) */
  precisionChange: { from: Precision; to: Precision } | null;
  /** how to prepare the data: the knowledge base's advice a topic (captions, chat template, ...) */
  dataPlan: DataAdviceJson[];
  /** the technique's pitfalls that fit this run, the most specific first (at most 3) */
  pitfalls: ChosenPitfallJson[];
  reasons: string[];
}

export interface DataAdviceJson {
  /** the data-plan entry (data/data-plan.yaml) */
  id: string;
  topic: DataTopic;
  /** what the run uses for the topic, when the knowledge base says (the model's chat template) */
  value: string | null;
  text: string;
  /** the entry's `applies` conditions, all of which hold for this run */
  matched: AppliesKey[];
}

export interface ChosenPitfallJson {
  text: string;
  /** the pitfall's `applies` conditions, all of which hold for this run (empty: a generic pitfall) */
  matched: AppliesKey[];
}

export interface RuleRecordJson {
  rule: string;
  kind: RuleRecord['kind'];
  description: string;
  fact: RuleRecord['fact'];
  label: string;
  value: RuleRecord['value'];
  operator: RuleRecord['operator'];
  threshold: RuleRecord['threshold'];
  passed: boolean | null;
  applies: boolean;
  effect: RuleRecord['effect'];
  points: number;
  reason: string;
}

export interface RankingEntryJson {
  id: string;
  eligible: boolean;
  score: number;
  explained: boolean;
  /** every rule's record when explained, else only the hard rules it failed */
  rules: RuleRecordJson[];
}

export interface SuggestionJson {
  kind: Suggestion['kind'];
  technique: string;
  /** as the text output prints it, with the flags */
  text: string;
  /** what it changes (settings, card, budget or model) and the flags that do it */
  change: Suggestion['change'];
  flags: string[];
  /** the run with the change, when it was planned */
  peakGiB: number | null;
  hours: number | null;
}

export interface RecommendJson {
  answers: AnswersJson;
  model: { id: string; name: string; family: RecommendResult['model']['family'] };
  /** the card (vramGiB: each card's) and, with several, how many where over which links */
  gpu: { id: string | null; name: string; vramGiB: number; tflops: number; assumedSpeed: boolean } & CardLinksJson;
  recommendation: ChoiceJson | null;
  runnerUp: ChoiceJson | null;
  /** with --trainer: the best technique it does not run, when that would rank above its best, and the trainers that run it */
  notRunByTrainer: { technique: string; name: string; trainers: string[] } | null;
  ranking: RankingEntryJson[];
  suggestions: SuggestionJson[];
  sources: SourceJson[];
}

const r3 = (n: number) => round(n, 3);

// field by field, in the README's order, so that nothing internal reaches the JSON
const changeJson = (c: Suggestion['change']): Suggestion['change'] => ({
  resolution: c.resolution,
  seqLen: c.seqLen,
  steps: c.steps,
  quantize: c.quantize,
  gpu: c.gpu,
  timeHours: c.timeHours === undefined ? undefined : r3(c.timeHours),
  model: c.model,
  epochs: c.epochs,
  images: c.images,
  examples: c.examples,
  tokens: c.tokens,
});

// in the order the README documents; an override not given is undefined, which JSON.stringify leaves out
const answersJson = (a: Answers): AnswersJson => ({
  goal: a.goal,
  model: a.model,
  gpu: a.gpu,
  vramGiB: a.vramGiB,
  timeHours: a.timeHours,
  priority: a.priority,
  cards: a.cards,
  nodes: a.nodes,
  interconnect: a.interconnect,
  hostGiB: a.hostGiB,
  resolution: a.resolution,
  seqLen: a.seqLen,
  steps: a.steps,
  quantize: a.quantize,
  rank: a.rank,
  targets: a.targets,
  batch: a.batch,
  gradAccum: a.gradAccum,
  optimizer: a.optimizer,
  precision: a.precision,
  gradientCheckpointing: a.gradientCheckpointing,
  priorPreservation: a.priorPreservation,
  data: a.data ? dataInputJson(a.data) : undefined,
  trainer: a.trainer?.id,
  trainerIsDefault: a.trainer ? !a.trainerGiven : undefined,
  objective: a.objective,
  objectiveIsDefault: a.objective ? !a.objectiveGiven : undefined,
});

function choiceJson(t: RankedTechnique, card: RecommendResult['card']): ChoiceJson {
  const plan = t.plan;
  const run = plan?.run;
  const cardSet = run
    ? cardSetJson({ settings: run.settings, memory: run.memory, step: run.step, card })
    : { strategy: null, perCard: null, communication: null };
  return {
    id: t.id,
    name: t.name,
    score: t.score,
    settings: run ? settingsJson(run.settings) : null,
    estimates:
      plan && run
        ? {
            vram: {
              peakGiB: r3(run.memory.peakGiB),
              limitGiB: r3(plan.fit.limitGiB),
              savers: [...plan.fit.savers],
              breakdown: run.memory.breakdown.map((p): BreakdownJson => ({ part: p.part, gib: r3(p.gib) })),
            },
            time: {
              hours: r3(run.hours),
              typicalHours: r3(plan.time?.typicalHours ?? run.hours),
              stepSeconds: r3(run.step.stepSeconds),
              steps: run.settings.steps,
              ...(run.step.tokensPerSecond !== undefined
                ? { tokensPerSecond: r3(run.step.tokensPerSecond) }
                : { imagesPerSecond: r3(run.step.imagesPerSecond ?? 0) }),
            },
            output: { sizeMB: r3(run.sizeMB), trainableParams: run.memory.trainableParams },
          }
        : null,
    ...cardSet,
    plan: plan && run ? planJson(run.settings, plan.data, plan.recipeData) : null,
    estimateFlags: plan ? estimateFlags(plan) : null,
    precisionChange: plan?.precisionChange ? { ...plan.precisionChange } : null,
    dataPlan: (t.advice?.dataPlan ?? []).map((d): DataAdviceJson => ({
      id: d.id,
      topic: d.topic,
      value: d.value,
      text: d.text,
      matched: [...d.matched],
    })),
    pitfalls: (t.advice?.pitfalls ?? []).map((p): ChosenPitfallJson => ({ text: p.text, matched: [...p.matched] })),
    reasons: t.rules.filter((r) => r.applies && r.effect !== 'none').map((r) => r.reason),
  };
}

const ruleRecordJson = (r: RuleRecord): RuleRecordJson => ({
  rule: r.rule,
  kind: r.kind,
  description: r.description,
  fact: r.fact,
  label: r.label,
  value: r.value,
  operator: r.operator,
  // a list threshold (`in`, `not-in`) is copied with the rest
  threshold: Array.isArray(r.threshold) ? [...r.threshold] : r.threshold,
  passed: r.passed,
  applies: r.applies,
  effect: r.effect,
  points: r.points,
  reason: r.reason,
});

/**
 * Full rule records are printed for techniques in ranking order while the total stays within this
 * many (the bundled knowledge base needs 14 x 20 = 280, so every technique is explained). Beyond
 * it, an entry lists only the hard rules that excluded it and says `"explained": false`; a
 * 1,000 x 1,000 knowledge base would otherwise print a million records. `--explain-all` lifts it.
 */
export const RECORD_BUDGET = 5000;

function rankingJson(ranking: RankedTechnique[], explainAll: boolean): RankingEntryJson[] {
  let printed = 0;
  return ranking.map((r): RankingEntryJson => {
    const explained = explainAll || printed + r.ruleCount <= RECORD_BUDGET;
    if (explained) printed += r.ruleCount;
    return {
      id: r.id,
      eligible: r.eligible,
      score: r.score,
      explained,
      rules: (explained ? r.rules : r.failed).map(ruleRecordJson),
    };
  });
}

export function recommendToJson(result: RecommendResult, options: { explainAll?: boolean } = {}): RecommendJson {
  return {
    answers: answersJson(result.answers),
    model: { id: result.model.id, name: result.model.name, family: result.model.family },
    gpu: {
      id: result.card.id,
      name: result.card.name,
      vramGiB: r3(result.card.vramGiB),
      tflops: result.card.tflops,
      assumedSpeed: result.card.speedFrom !== null,
      ...cardLinksJson(result.card),
    },
    recommendation: result.recommendation ? choiceJson(result.recommendation, result.card) : null,
    runnerUp: result.runnerUp ? choiceJson(result.runnerUp, result.card) : null,
    notRunByTrainer: result.notRunByTrainer
      ? {
          technique: result.notRunByTrainer.id,
          name: result.notRunByTrainer.name,
          trainers: [...result.notRunByTrainer.trainers],
        }
      : null,
    ranking: rankingJson(result.ranking, options.explainAll ?? false),
    suggestions: result.suggestions.map((s): SuggestionJson => ({
      kind: s.kind,
      technique: s.technique,
      text: suggestionText(s),
      change: changeJson(s.change),
      flags: suggestionFlags(s.change),
      peakGiB: s.peakGiB === null ? null : r3(s.peakGiB),
      hours: s.hours === null ? null : r3(s.hours),
    })),
    sources: result.sources.map(sourceJson),
  };
}
