// The advice that goes with a recommendation: its data plan (captions, trigger word, class images;
// chat template, loss masking, packing), from the knowledge base's `dataPlan` entries, and the pitfalls of
// its technique that fit the run, from the technique's `pitfalls`. Both are knowledge-base data
// whose `applies` conditions are evaluated here over the planned run. Pure.
import type { RunPlan } from '../estimate/plan.js';
import type { Applies, DataAdvice, Pitfall } from '../kb/schema.js';
import type { Model, Technique } from '../kb/types.js';
import {
  DATA_TOPICS,
  type DataTopic,
  type Family,
  type Goal,
  type Method,
  type Precision,
  TOPIC_FAMILIES,
} from '../kb/vocabulary.js';
import type { Facts } from './facts.js';

/** What an `applies` condition can ask about a run: the answers, the model, the card and the planned settings. */
export interface RunFacts {
  family: Family;
  group: string;
  goal: Goal;
  method: Method;
  bf16: boolean;
  /** the run's precision, or null when the technique has no planned run */
  precision: Precision | null;
  vramGiB: number;
  paramsB: number;
  quantizedBase: boolean;
  priorPreservation: boolean;
  /** class images the run generates for prior preservation (null without) */
  classImages: number | null;
}

/** The facts a technique was ranked on and the run planned for it, as `applies` reads them. */
export function runFactsOf(facts: Facts, plan: RunPlan | null): RunFacts {
  const s = plan?.run.settings;
  return {
    family: facts['model.family'] as Family,
    group: facts['model.group'] as string,
    goal: facts['answers.goal'] as Goal,
    method: facts['technique.method'] as Method,
    bf16: facts['gpu.bf16'] as boolean,
    precision: s?.precision ?? null,
    vramGiB: facts['vram.card_gib'] as number,
    paramsB: facts['model.params_b'] as number,
    quantizedBase: s ? s.quantize !== 'none' : false,
    priorPreservation: s?.priorPreservation ?? false,
    classImages: s?.classImages ?? null,
  };
}

export type AppliesKey = keyof Applies;

const inList = <T>(list: readonly T[], value: T | null) => list.some((x) => x === value);

/** Each condition of the vocabulary (src/kb/schema.ts AppliesSchema) against a run, in the schema's order. */
const CONDITIONS: { [K in AppliesKey]-?: (want: NonNullable<Applies[K]>, run: RunFacts) => boolean } = {
  families: (want, run) => inList(want, run.family),
  groups: (want, run) => inList(want, run.group),
  goals: (want, run) => inList(want, run.goal),
  methods: (want, run) => inList(want, run.method),
  bf16: (want, run) => want === run.bf16,
  precisions: (want, run) => inList(want, run.precision),
  maxVramGiB: (want, run) => run.vramGiB <= want,
  minParamsB: (want, run) => run.paramsB >= want,
  quantizedBase: (want, run) => want === run.quantizedBase,
  priorPreservation: (want, run) => want === run.priorPreservation,
};
const KEYS = Object.keys(CONDITIONS) as AppliesKey[];

/** Whether every condition holds for the run, and which conditions were given (all of them held). */
export function matchApplies(applies: Applies | undefined, run: RunFacts): { holds: boolean; matched: AppliesKey[] } {
  const given = KEYS.filter((k) => applies?.[k] !== undefined);
  const holds = given.every((k) => (CONDITIONS[k] as (want: unknown, run: RunFacts) => boolean)(applies![k], run));
  return { holds, matched: holds ? given : [] };
}

/** A pitfall chosen for a run: its sentence and the conditions it matched (none: it applies to every run). */
export interface PitfallRecord {
  text: string;
  matched: AppliesKey[];
}

/** A pitfall as written (a sentence, or a sentence with what it applies to) as text and conditions. */
const pitfallParts = (p: Pitfall): { text: string; applies?: Applies } => (typeof p === 'string' ? { text: p } : p);

/**
 * How specific a matched condition is: one on the model, the card or the run's settings names this
 * run (2); one on the goal or the technique's method names a kind of run (1); the model's family
 * only says which half of a two-family technique's list a pitfall belongs to (0).
 */
const WEIGHTS: Record<AppliesKey, number> = {
  families: 0,
  goals: 1,
  methods: 1,
  groups: 2,
  bf16: 2,
  precisions: 2,
  maxVramGiB: 2,
  minParamsB: 2,
  quantizedBase: 2,
  priorPreservation: 2,
};
const specificity = (matched: AppliesKey[]) => matched.reduce((sum, k) => sum + WEIGHTS[k], 0);

/** How many pitfalls a recommendation shows; `techniques show ID` prints them all. */
export const PITFALLS_SHOWN = 3;

/**
 * The pitfalls of a technique that hold for the run, the most specific first (those that name the
 * run's model, card or settings, then its goal), then the generic ones, equals in the knowledge
 * base's order; at most `limit`.
 */
export function selectPitfalls(pitfalls: readonly Pitfall[], run: RunFacts, limit = PITFALLS_SHOWN): PitfallRecord[] {
  return pitfalls
    .map((p, index) => ({ ...pitfallParts(p), index }))
    .map((p) => ({ ...p, ...matchApplies(p.applies, run) }))
    .filter((p) => p.holds)
    .sort((a, b) => specificity(b.matched) - specificity(a.matched) || a.index - b.index)
    .slice(0, limit)
    .map((p) => ({ text: p.text, matched: p.matched }));
}

/** A line of the data plan: its entry, its topic, what the run uses for it when the knowledge base says (a chat template's name), and the advice. */
export interface DataAdviceRecord {
  id: string;
  topic: DataTopic;
  value: string | null;
  text: string;
  matched: AppliesKey[];
}

/**
 * The data-plan entries for the run: for each topic of the model's family, the entry whose
 * conditions hold and name the run most specifically (as pitfalls are ranked; the first in the
 * knowledge base's order among equals), in the order of the topics.
 */
export function selectDataPlan(entries: readonly DataAdvice[], model: Model, run: RunFacts): DataAdviceRecord[] {
  const best = new Map<DataTopic, { entry: DataAdvice; matched: AppliesKey[] }>();
  for (const entry of entries) {
    if (!TOPIC_FAMILIES[entry.topic].includes(run.family)) continue;
    const { holds, matched } = matchApplies(entry.applies, run);
    const current = best.get(entry.topic);
    if (holds && (!current || specificity(matched) > specificity(current.matched)))
      best.set(entry.topic, { entry, matched });
  }
  return DATA_TOPICS.flatMap((topic) => {
    const chosen = best.get(topic);
    if (!chosen) return [];
    const { entry, matched } = chosen;
    // what the run uses for the topic: the model's chat template, the class images the plan generates
    const value =
      topic === 'chat-template' && 'chatTemplate' in model
        ? (model.chatTemplate ?? null)
        : topic === 'class-images' && run.classImages !== null
          ? `${run.classImages} in this run`
          : null;
    return [{ id: entry.id, topic, value, text: entry.text, matched }];
  });
}

/** The advice shown with a chosen technique. */
export interface ChoiceAdvice {
  dataPlan: DataAdviceRecord[];
  pitfalls: PitfallRecord[];
  /** how many pitfalls the technique has in all (`techniques show ID` prints them) */
  pitfallsTotal: number;
}

export function adviceFor(
  dataPlan: readonly DataAdvice[],
  technique: Technique,
  model: Model,
  facts: Facts,
  plan: RunPlan | null,
): ChoiceAdvice {
  const run = runFactsOf(facts, plan);
  return {
    dataPlan: selectDataPlan(dataPlan, model, run),
    pitfalls: selectPitfalls(technique.pitfalls, run),
    pitfallsTotal: technique.pitfalls.length,
  };
}
