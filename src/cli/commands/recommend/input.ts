// The user's answers to `recommend` as given, by flags or at the questions, and the one check that
// turns them into the engine's answers whichever way they came. Its messages name the flags: the
// questions stand in for them, and the flags are what a script passes.
import type { Answers } from '../../../engine/answers.js';
import { scaledModel } from '../../../engine/custom-model.js';
import { UsageError } from '../../../errors.js';
import { backendProblem } from '../../../estimate/backend.js';
import type { DataInput } from '../../../estimate/data.js';
import { kindOf } from '../../../estimate/kinds/index.js';
import type { KnowledgeBase, Model } from '../../../kb/types.js';
import { type Family, type Goal, GOAL_FAMILY, GOAL_OBJECTIVE, goalFits, GOALS } from '../../../kb/vocabulary.js';
import { DATA_OPTIONS, RUN_KNOB_OPTIONS } from '../../options.js';
import {
  bridgeNote,
  checkBlockSwap,
  checkDataSize,
  checkFamilyFlags,
  checkRunRanges,
  dataInput,
  givenKnobs,
  resolveCardSet,
  resolveGpuChoice,
  resolveModel,
  resolveTrainer,
  runRangeWarnings,
} from '../../resolve.js';
import { RECOMMEND_EXAMPLES, RECOMMEND_OPTIONS, type RecommendFlags } from './meta.js';

/** The answers as typed (names not yet resolved), each absent until given. */
export type RecommendInput = Pick<
  RecommendFlags,
  | 'goal'
  | 'model'
  | 'modelParams'
  | 'gpu'
  | 'vram'
  | 'gpus'
  | 'nodes'
  | 'interconnect'
  | 'hostRam'
  | 'time'
  | 'resolution'
  | 'frames'
  | 'seqLen'
  | 'steps'
  | 'quantize'
  | 'rank'
  | 'factor'
  | 'targets'
  | 'batch'
  | 'gradAccum'
  | 'optimizer'
  | 'precision'
  | 'gradientCheckpointing'
  | 'blocksToSwap'
  | 'priorPreservation'
  | 'objective'
  | 'strategy'
  | 'images'
  | 'repeats'
  | 'examples'
  | 'tokensPerExample'
  | 'tokens'
  | 'epochs'
  | 'packing'
  | 'trainer'
> & {
  /** absent unless chosen: the default of --priority is not an answer, so the questions ask it */
  priority?: RecommendFlags['priority'];
};

/** The answers the flags give; `priorityGiven` tells --priority from its default. */
export function inputFromFlags(flags: RecommendFlags, priorityGiven: boolean): RecommendInput {
  const { goal, model, modelParams, gpu, vram, gpus, nodes, interconnect, hostRam, time } = flags;
  const { resolution, frames, seqLen, steps, trainer } = flags;
  return {
    ...(trainer !== undefined ? { trainer } : {}),
    goal,
    model,
    modelParams,
    gpu,
    vram,
    ...(gpus !== undefined ? { gpus } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
    ...(interconnect !== undefined ? { interconnect } : {}),
    ...(hostRam !== undefined ? { hostRam } : {}),
    time,
    resolution,
    frames,
    seqLen,
    steps,
    ...givenKnobs(flags),
    ...dataInput(flags),
    ...(priorityGiven ? { priority: flags.priority } : {}),
  };
}

/** The flags for the required answers not given yet. */
export function missingAnswers(input: RecommendInput): string[] {
  const missing: string[] = [];
  if (!input.goal) missing.push('--goal');
  if (!input.model && input.modelParams === undefined) missing.push('--model');
  if (input.gpu === undefined && input.vram === undefined) missing.push('--gpu or --vram');
  if (input.time === undefined) missing.push('--time');
  return missing;
}

/** Missing answers (none left to ask for): a usage error that lists the flags to pass. */
function requireAnswers(input: RecommendInput): asserts input is RecommendInput & { goal: Goal; time: number } {
  const missing = missingAnswers(input);
  if (missing.length)
    throw new UsageError(
      `missing ${missing.join(', ')} (no terminal to ask on).`,
      `Pass them, e.g. ${RECOMMEND_EXAMPLES[0]}`,
    );
}

/**
 * The names given, resolved: a misspelt model or GPU is reported before anything is asked (and
 * before what is missing), not after the user has answered every question.
 */
export function checkGivenNames(kb: KnowledgeBase, input: RecommendInput): void {
  if (input.model !== undefined) {
    const model = resolveModel(kb, input.model);
    // a family flag of the other family is the error to report for it, after the questions
    if (!input.goal || goalFits(input.goal, model.family)) checkRunRanges(kb, model, input);
  }
  // the set's flags are checked with the card they describe (asked for when not given)
  if (input.gpu !== undefined || input.vram !== undefined) resolveCardSet(kb, input);
}

/**
 * Checks the answers and resolves them for the engine, with the knowledge base to rank them on
 * (the bundled one, plus the model built from --model-params when one was asked for).
 */
export function checkRecommendInput(
  base: KnowledgeBase,
  input: RecommendInput,
): { kb: KnowledgeBase; answers: Answers; warnings: string[]; notes: string[] } {
  // names given are checked first: a misspelt model or GPU is the error to report, not what is
  // missing; a model by parameter count is modelled on the goal's family, so it needs the goal
  let kb = base;
  let model: Model | undefined;
  if (input.model !== undefined) model = resolveModel(kb, input.model);
  else if (input.modelParams !== undefined) {
    if (!input.goal) requireAnswers(input);
    model = scaledModel(kb, GOAL_FAMILY[input.goal!], input.modelParams);
    kb = { ...kb, models: [...kb.models, model] };
  }
  const choice = input.gpu !== undefined ? resolveGpuChoice(kb, input.gpu) : null;
  const gpu = choice?.gpu ?? null;
  requireAnswers(input);
  const cardSet = resolveCardSet(kb, input)!;
  const goal = input.goal;
  if (!goalFits(goal, model!.family)) {
    const kind = kindOf(model!).description;
    const goals = GOALS.filter((g) => goalFits(g, model!.family)).join(', ');
    throw new UsageError(
      `--goal '${goal}' does not apply to ${model!.id}, which is ${kind}. Allowed goals for it: ${goals}.`,
    );
  }
  checkFamilyFlags(model!.family, input, `--goal ${goal}`);
  const stack = gpu ? backendProblem(input, gpu.backend ?? 'cuda', gpu.name) : null;
  if (stack) throw new UsageError(stack);
  checkRunRanges(kb, model!, input);
  const trainer = resolveTrainer(kb, model!.family, input.trainer, model!.id, model!.group);
  checkBlockSwap(kb, model!.family, trainer.trainer, input.blocksToSwap, model!.group);
  const data = dataOf(input, model!.family);
  // the objective given, else the goal's (preference: dpo, reasoning: grpo, other language goals: sft)
  const objective = input.objective ?? GOAL_OBJECTIVE[goal];
  const answers: Answers = {
    goal,
    model: model!.id,
    gpu: gpu?.id ?? null,
    vramGiB: input.vram ?? null,
    ...(cardSet.cards !== undefined ? { cards: cardSet.cards, nodes: cardSet.nodes } : {}),
    ...(cardSet.interconnect !== undefined ? { interconnect: cardSet.interconnect } : {}),
    ...(cardSet.hostGiB !== undefined ? { hostGiB: cardSet.hostGiB } : {}),
    timeHours: input.time,
    priority: input.priority ?? RECOMMEND_OPTIONS.priority.defaultValue,
    ...(input.resolution !== undefined ? { resolution: input.resolution.height, width: input.resolution.width } : {}),
    ...(input.frames !== undefined ? { frames: input.frames } : {}),
    ...(input.seqLen !== undefined ? { seqLen: input.seqLen } : {}),
    ...(input.steps !== undefined ? { steps: input.steps } : {}),
    ...givenKnobs(input),
    ...(data ? { data } : {}),
    trainer: trainer.trainer,
    trainerGiven: !trainer.isDefault,
    ...(objective ? { objective, objectiveGiven: input.objective !== undefined } : {}),
  };
  return {
    kb,
    answers,
    warnings: runRangeWarnings(model!, input, input.model === undefined),
    notes: [choice?.variantNote ?? null, bridgeNote(kb, cardSet)].filter((n): n is string => n !== null),
  };
}

/** The data answers, when any was given (the goal's packing is the engine's: runChoicesFor). */
function dataOf(input: RecommendInput, family: Family): DataInput | undefined {
  checkDataSize(family, input);
  const data = dataInput(input);
  return Object.values(data).some((v) => v !== undefined) ? data : undefined;
}

/** The one-line command that gives the same answer in a script (every required answer given). */
export function repeatCommand(input: RecommendInput): string {
  const q = (v: string) => (/^[\w.:/@-]+$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`);
  const hours = input.time!;
  const time =
    hours < 1 ? `${Math.round(hours * 60)}m` : Number.isInteger(hours) ? `${hours}h` : `${Number(hours.toFixed(2))}h`;
  const parts = ['finetune-advisor recommend', `--goal ${input.goal}`];
  parts.push(input.modelParams !== undefined ? `--model-params ${input.modelParams}` : `--model ${q(input.model!)}`);
  parts.push(input.gpu !== undefined ? `--gpu ${q(input.gpu)}` : `--vram ${Number(input.vram!.toFixed(2))}`);
  if (input.gpus !== undefined) parts.push(`--gpus ${input.gpus}`);
  if (input.nodes !== undefined) parts.push(`--nodes ${input.nodes}`);
  if (input.interconnect !== undefined) parts.push(`--interconnect ${input.interconnect}`);
  if (input.hostRam !== undefined) parts.push(`--host-ram ${input.hostRam}`);
  parts.push(`--time ${time}`, `--priority ${input.priority ?? RECOMMEND_OPTIONS.priority.defaultValue}`);
  if (input.trainer !== undefined) parts.push(`--trainer ${q(input.trainer)}`);
  // the fixed settings and the data answers, as their flags (RUN_KNOB_OPTIONS and DATA_OPTIONS name them)
  const flagged = { ...RUN_KNOB_OPTIONS, ...DATA_OPTIONS };
  for (const [key, spec] of Object.entries(flagged) as Array<[keyof typeof flagged, { flags: string }]>) {
    const value = input[key];
    const flag = spec.flags.split(' ')[0]!;
    if (typeof value === 'number' || typeof value === 'string') parts.push(`${flag} ${value}`);
    else if (value !== undefined) parts.push(value ? flag : flag.replace(/^--/, '--no-'));
  }
  return parts.join(' ');
}
