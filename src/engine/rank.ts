// recommend(): answers -> ranked techniques with every rule's record, the estimates of the best
// run and, when nothing is eligible, what would make it work. Pure.
import type { Card } from '../estimate/card.js';
import { cardSources, resolveCard } from '../estimate/card.js';
import type { RunPlan } from '../estimate/plan.js';
import { ESTIMATE_SOURCES } from '../estimate/sources.js';
import { uniqueSources } from '../kb/lookup.js';
import { compareIds, entryById } from '../kb/lookup.js';
import type { Source } from '../kb/schema.js';
import type { KnowledgeBase, Model, Technique } from '../kb/types.js';
import { adviceFor, type ChoiceAdvice } from './advice.js';
import type { Answers } from './answers.js';
import {
  factVector,
  type PreparedRule,
  prepareRules,
  type RuleRecord,
  ruleRecord,
  scoreTechnique,
} from './evaluate.js';
import { computeFacts, type Facts } from './facts.js';
import type { FactValue } from './operators.js';
import { suggestAlternatives, type Suggestion } from './suggest.js';

export interface RankedTechnique {
  id: string;
  name: string;
  eligible: boolean;
  score: number;
  facts: Facts;
  /** every rule's record, built on first use (a large knowledge base explains few techniques) */
  readonly rules: RuleRecord[];
  /** the records of the hard rules it failed (why it is not eligible) */
  readonly failed: RuleRecord[];
  /** how many records `rules` holds, known without building them */
  readonly ruleCount: number;
  /** its planned run: settings, savers, the time budget and the run to show; null when it does not apply */
  plan: RunPlan | null;
  /** its data plan and the pitfalls that fit the run: set for the recommendation and the runner-up, else null */
  advice: ChoiceAdvice | null;
}

/** A ranked technique whose rule records are built when first read, then kept. */
class Ranked implements RankedTechnique {
  #rules: RuleRecord[] | undefined;
  readonly eligible: boolean;
  readonly score: number;
  readonly #failed: number[];
  /** the facts as the prepared rules index them, made once for the verdict and every record */
  readonly #values: FactValue[];
  advice: ChoiceAdvice | null = null;
  constructor(
    readonly id: string,
    readonly name: string,
    readonly facts: Facts,
    readonly plan: RunPlan | null,
    private readonly prepared: readonly PreparedRule[],
  ) {
    this.#values = factVector(facts);
    const verdict = scoreTechnique(prepared, this.#values);
    this.eligible = verdict.eligible;
    this.score = verdict.score;
    this.#failed = verdict.failed;
  }
  get ruleCount(): number {
    return this.prepared.length;
  }
  get rules(): RuleRecord[] {
    return (this.#rules ??= this.prepared.map((p) => ruleRecord(p, this.facts, this.#values)));
  }
  get failed(): RuleRecord[] {
    // a record's index is its prepared rule's: reuse the built ones
    return this.#failed.map((i) => this.#rules?.[i] ?? ruleRecord(this.prepared[i]!, this.facts, this.#values));
  }
}

export type { Suggestion, SuggestionChange } from './suggest.js';

/**
 * With --trainer, the best technique that trainer does not run, when it would rank above the
 * recommendation (the ranking holds only what the trainer runs), and the trainers recorded as
 * running it.
 */
export interface NotRunByTrainer {
  id: string;
  name: string;
  trainers: string[];
}

export interface RecommendResult {
  answers: Answers;
  model: Model;
  card: Card;
  /** the techniques ranked: those the trainer runs when one was named (trainers.yaml `techniques`) */
  ranking: RankedTechnique[];
  notRunByTrainer: NotRunByTrainer | null;
  recommendation: RankedTechnique | null;
  runnerUp: RankedTechnique | null;
  suggestions: Suggestion[];
  sources: Source[];
}

/**
 * The techniques a run may use: with a trainer the user named that records what it runs
 * (trainers.yaml `techniques`), only those; else every technique.
 */
function runnable(kb: KnowledgeBase, answers: Answers, runs: boolean): Technique[] {
  const listed = answers.trainerGiven ? answers.trainer?.techniques : undefined;
  if (!listed) return runs ? kb.techniques : [];
  const ids = new Set(listed.map((t) => t.id));
  return kb.techniques.filter((t) => ids.has(t.id) === runs);
}

export function rankTechniques(
  kb: KnowledgeBase,
  model: Model,
  card: Card,
  answers: Answers,
  techniques: readonly Technique[] = runnable(kb, answers, true),
): RankedTechnique[] {
  const prepared = prepareRules(kb.rules);
  const ranked = techniques.map((t: Technique): RankedTechnique => {
    const { facts, plan } = computeFacts(t, model, card, answers);
    return new Ranked(t.id, t.name, facts, plan, prepared);
  });
  return ranked.sort((a, b) => Number(b.eligible) - Number(a.eligible) || b.score - a.score || compareIds(a.id, b.id));
}

function firstEligible(kb: KnowledgeBase, model: Model, card: Card, answers: Answers): RankedTechnique | null {
  const top = rankTechniques(kb, model, card, answers)[0];
  return top?.eligible ? top : null;
}

export function recommend(kb: KnowledgeBase, answers: Answers): RecommendResult {
  const model = entryById(kb, 'models', answers.model);
  if (!model) throw new Error(`unknown model id '${answers.model}'`);
  const card = resolveCard(kb, answers);
  const ranking = rankTechniques(kb, model, card, answers);
  const eligible = ranking.filter((r) => r.eligible);
  const recommendation = eligible[0] ?? null;
  const notRunByTrainer = bestNotRun(kb, model, card, answers, recommendation);
  const runnerUp = eligible[1] ?? null;
  for (const choice of [recommendation, runnerUp]) {
    const t = choice && kb.techniques.find((x) => x.id === choice.id);
    if (choice && t) choice.advice = adviceFor(kb.dataPlan, t, model, choice.facts, choice.plan);
  }
  const suggestions = recommendation
    ? []
    : suggestAlternatives({
        kb,
        model,
        card,
        answers,
        ranking,
        firstEligible: (m, c, a) => firstEligible(kb, m, c, a),
      });
  const sources: Source[] = [];
  const technique = recommendation ? kb.techniques.find((t) => t.id === recommendation.id) : undefined;
  if (technique) sources.push(...technique.sources);
  sources.push(...model.sources);
  // the sources of the data plan shown
  const shownAdvice = new Set(recommendation?.advice?.dataPlan.map((d) => d.id));
  for (const d of kb.dataPlan) if (shownAdvice.has(d.id)) sources.push(...d.sources);
  sources.push(...cardSources(kb, card));
  sources.push(...ESTIMATE_SOURCES);
  return {
    answers,
    model,
    card,
    ranking,
    notRunByTrainer,
    recommendation,
    runnerUp,
    suggestions,
    sources: uniqueSources(sources),
  };
}

/** The best eligible technique the named trainer does not run, when it outranks the recommendation. */
function bestNotRun(
  kb: KnowledgeBase,
  model: Model,
  card: Card,
  answers: Answers,
  recommendation: RankedTechnique | null,
): NotRunByTrainer | null {
  const others = runnable(kb, answers, false);
  if (!others.length) return null;
  const best = rankTechniques(kb, model, card, answers, others).find((r) => r.eligible);
  if (!best || (recommendation && recommendation.score >= best.score)) return null;
  const trainers = kb.trainers
    .filter((t) => t.families.includes(model.family) && t.techniques?.some((x) => x.id === best.id))
    .map((t) => t.id);
  return { id: best.id, name: best.name, trainers };
}
