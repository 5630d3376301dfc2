// Named facts about one technique for one set of answers. Rules may only name facts listed in
// FACTS; the knowledge-base checks reject any other name.
import { strategyWhy } from '../estimate/assumptions.js';
import type { Card } from '../estimate/card.js';
import { dataSizesOf } from '../estimate/data.js';
import { type FitResult, HEADROOM, STRATEGY_SAVERS } from '../estimate/fit.js';
import { kindOf } from '../estimate/kinds/index.js';
import { METHOD_TRAITS } from '../estimate/methods.js';
import { planRun, type RunChoices, type RunPlan } from '../estimate/plan.js';
import type { SettingsOverrides } from '../estimate/settings.js';
import { round } from '../format.js';
import type { Model, Technique } from '../kb/types.js';
import { DATA_OF_FAMILY, type Goal, GOAL_PACKING, goalFits } from '../kb/vocabulary.js';
import type { Answers } from './answers.js';
import type { FactValue } from './operators.js';

export { FACT_NAMES, type FactName, FACTS } from '../kb/fact-names.js';
import type { FactName } from '../kb/fact-names.js';
export type Facts = Record<FactName, FactValue>;

export interface TechniqueFacts {
  facts: Facts;
  /** the run planned for it, or null when it does not apply or has no recipe */
  plan: RunPlan | null;
}

export function sizeClass(mb: number): number {
  return mb < 10 ? 1 : mb < 200 ? 2 : mb < 1000 ? 3 : mb < 5000 ? 4 : 5;
}

/**
 * The run the answers ask of one technique, as the planner's choices: the settings the user fixed
 * where the technique has them, and their data, with the goal's packing unless they said:
 * `domain` is continued pre-training on packed tokens; `task` and `chat` train one example per
 * sequence (at the examples' length, else a typical fill: data.ts meanSequenceLength).
 */
export function runChoicesFor(
  answers: Answers,
  model: Model,
  technique: Technique,
): RunChoices & { priorPreservationPlanned: boolean } {
  const o: SettingsOverrides = {};
  if (answers.steps) o.steps = answers.steps;
  // a quantized base the user fixed: for the techniques that train on a frozen base and do not
  // imply their own (QLoRA is NF4 by definition; a full fine-tune has no frozen base to quantize)
  const method = METHOD_TRAITS[technique.method];
  if (answers.quantize && !method.trainsEveryWeight && !method.impliedQuantization) o.quantize = answers.quantize;
  // the run-shape answer of the model's kind (resolution or sequence length); the other one does not apply
  const shape = kindOf(model).shapeSetting;
  if (answers[shape]) o[shape] = answers[shape];
  // a resolution's width goes with it (null: square); frames where the kind has them
  if (shape === 'resolution' && answers.resolution && answers.width !== undefined) o.width = answers.width;
  if (answers.frames && kindOf(model).hasFrames) o.frames = answers.frames;
  if (answers.rank !== undefined && method.rank) o.rank = answers.rank;
  if (answers.factor !== undefined && method.kroneckerFactor) o.factor = answers.factor;
  if (answers.targets !== undefined && method.adapter) o.targets = answers.targets;
  // a preference or RL objective (the kind's default, sft, is the recipe's own)
  if (answers.objective !== undefined && answers.objective !== kindOf(model).objectives[0])
    o.objective = answers.objective;
  for (const key of ['batch', 'gradAccum', 'optimizer', 'precision', 'gradientCheckpointing'] as const)
    if (answers[key] !== undefined) (o as Record<string, unknown>)[key] = answers[key];
  // DreamBooth's prior preservation (arXiv 2208.12242 §3.3: a class-specific prior loss against
  // language drift and overfitting on a few images): on for subjects with a technique whose
  // sources generate class images, unless the user said --no-prior-preservation
  const classImages = technique.data.image?.classImages;
  const planned = answers.priorPreservation === undefined && answers.goal === 'subject' && classImages !== undefined;
  if (answers.priorPreservation !== undefined) o.priorPreservation = answers.priorPreservation;
  else if (planned) o.priorPreservation = true;
  const packing = GOAL_PACKING[answers.goal];
  const data = packing === null ? answers.data : { packing, ...answers.data };
  return { overrides: o, ...(data ? { data } : {}), priorPreservationPlanned: planned };
}

const fitsPlan = (p: RunPlan | null) => p !== null && p.fit.fits && (p.time?.fits ?? true);

/**
 * The plan of one technique for the answers, with `change` over the settings (a suggestion's) or
 * other `data`. Class images are the planner's own choice: when the run with them fits neither
 * the card nor the budget, the run without them (which DreamBooth-LoRA trains as often) is planned.
 */
export function planForAnswers(
  technique: Technique,
  model: Model,
  card: Card,
  answers: Answers,
  change: SettingsOverrides = {},
  data?: RunChoices['data'],
): RunPlan | null {
  const choices = runChoicesFor(answers, model, technique);
  const given = data ?? choices.data;
  const request = {
    overrides: { ...choices.overrides, ...change },
    budgetHours: answers.timeHours,
    ...(given ? { data: given } : {}),
    ...(answers.trainer ? { trainer: answers.trainer, trainerIsDefault: !answers.trainerGiven } : {}),
  };
  const plan = planRun(technique, model, card, request);
  if (!choices.priorPreservationPlanned || fitsPlan(plan) || change.priorPreservation !== undefined) return plan;
  const without = planRun(technique, model, card, {
    ...request,
    overrides: { ...request.overrides, priorPreservation: false },
  });
  return fitsPlan(without) ? without : plan;
}

export function computeFacts(technique: Technique, model: Model, card: Card, answers: Answers): TechniqueFacts {
  const goal: Goal = answers.goal;
  const a = technique.attributes;
  const familyMatch = technique.families.includes(model.family) && goalFits(goal, model.family);
  const plan = familyMatch ? planForAnswers(technique, model, card, answers) : null;
  const fit = plan?.fit ?? null;
  const data = dataSizesOf(technique.data[DATA_OF_FAMILY[model.family]]);
  const time = plan?.time ?? null;
  const run = time?.run;
  const facts: Facts = {
    'answers.goal': goal,
    'answers.priority': answers.priority,
    'answers.time_hours': answers.timeHours,
    'model.family': model.family,
    'model.group': model.group,
    'model.params_b': model.params / 1e9,
    'gpu.bf16': card.bf16,
    'gpu.cards': card.cards,
    'technique.id': technique.id,
    'model.id': model.id,
    'gpu.id': card.id ?? 'none',
    'technique.family_match': familyMatch,
    'technique.has_recipe': plan !== null,
    'technique.goal_fit': technique.goals[goal]?.fit ?? 0,
    'technique.method': technique.method,
    'technique.quality': a.quality.level,
    'technique.consistency': a.consistency.level,
    'technique.training_time': a.trainingTime.level,
    'technique.resource_use': a.resourceUse.level,
    'technique.overfitting_risk': a.overfittingRisk.level,
    'technique.flexibility': a.flexibility.level,
    'technique.modifies_whole_model': a.modifiesWholeModel.value,
    'technique.trains_every_weight': METHOD_TRAITS[technique.method].trainsEveryWeight,
    'technique.min_data': data ? data.min : null,
    'technique.typical_data': data?.typical ?? null,
    'data.samples': answers.data?.images ?? answers.data?.examples ?? null,
    'vram.peak_gib': run ? round(run.memory.peakGiB, 2) : null,
    'vram.card_gib': round(card.vramGiB, 2),
    'vram.limit_gib': round(card.vramGiB * HEADROOM, 2),
    'vram.usage': run ? round(run.memory.peakGiB / card.vramGiB, 2) : null,
    // sharding over several cards costs communication, not speed or precision: not counted as a saver
    'vram.savers_count': fit ? fit.savers.filter((id) => !STRATEGY_SAVERS.has(id)).length : null,
    'vram.half_weights_added': fit ? fit.savers.includes('bf16-weights') : null,
    'vram.savers': fit ? saversText(fit) : null,
    'vram.quantized_base': run ? run.settings.quantize : null,
    'run.strategy': run?.settings.strategy ?? 'none',
    'run.strategy_why': run
      ? (strategyWhy(model, run.settings, run.memory, card.vramGiB * HEADROOM) ?? 'one card')
      : null,
    'run.offload': run ? run.memory.hostGiB > 0 : null,
    'time.hours': run ? round(run.hours, 2) : null,
    'time.hours_typical': time ? round(time.typicalHours, 2) : null,
    'time.steps': run ? run.settings.steps : null,
    'time.steps_share': time ? round(time.stepsShare, 2) : null,
    'time.steps_min': time ? time.minSteps : null,
    'time.fits': time ? time.fits : null,
    'time.budget_share': run ? round(run.hours / answers.timeHours, 2) : null,
    // How fast the technique gets its result, comparable across techniques: the hours of its
    // typical run (its recipe's epochs over the recipe's data, or the user's data) before any
    // shortening, so it does not saturate at the budget as the planned run's share does. Those
    // hours fold in both the throughput (samples per second) and the work the technique needs
    // (samples x epochs): samples per second alone would favour a technique that needs more
    // epochs, and the shortened run's hours are the budget for every technique. On a log scale
    // against the budget, a run twice as long as another costs the same points whatever the
    // budget, so 2 h and 2.1 h rank alike.
    'time.typical_log2_budget': time ? round(Math.log2(time.typicalHours / answers.timeHours), 2) : null,
    'output.size_mb': run ? round(run.sizeMB, run.sizeMB < 1 ? 3 : 1) : null,
    'output.size_class': run ? sizeClass(run.sizeMB) : null,
  };
  return { facts, plan };
}

/** The savers a run took, and, when it still does not fit, the offload its host could not hold. */
function saversText(fit: FitResult): string {
  const took = fit.saverLabels.length ? fit.saverLabels.join(', ') : 'no memory savers';
  const h = fit.hostShort;
  if (!h) return took;
  const has = `${round(h.hasGiB, 1)} GiB${h.given ? ' (--host-ram)' : " (twice its cards' memory; --host-ram GB to give yours)"}`;
  return `${took}; offloading would need ${round(h.needGiB, 1)} GiB of host memory per node, which has ${has}`;
}
