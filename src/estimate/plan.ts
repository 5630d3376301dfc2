// The run planner: one technique's run on one model and card, from its recipe and what the user
// gave, fitted to the card with memory savers and to the time budget. The engine maps a plan to
// facts, the estimate command shows one, and the renderers read the run it chose. Pure.
import type { TechniqueDefaults } from '../kb/schema.js';
import type { Model, Technique, Trainer } from '../kb/types.js';
import type { Strategy } from '../kb/vocabulary.js';
import { type Backend, type BackendChange, settingsForBackend } from './backend.js';
import type { Card } from './card.js';
import {
  type DataInput,
  type DataPlan,
  hasData,
  meanSequenceLength,
  minimumUsefulSteps,
  planData,
  type RecipeData,
  recipeDataOf,
} from './data.js';
import {
  estimateRun,
  type FitResult,
  fitTimeBudget,
  fitWithSavers,
  type RunEstimate,
  type TimePlan,
  trainerFitArgs,
} from './fit.js';
import { type PrecisionChange, precisionForCard } from './precision.js';
import { defaultsFor, resolveSettings, type SettingsOverrides, type TrainingSettings } from './settings.js';
import { writtenPrecisions } from './trainer-precisions.js';
import { strategiesOf } from './trainer-strategies.js';

/**
 * What the user fixed about a run (flags or answers; absent: the recipe's and the shared
 * defaults of resolveSettings) and their data. `recommend` and `estimate` both resolve a run from
 * this, through resolveRun, so the same request is the same run whichever command asks.
 */
export interface RunChoices {
  /** settings the user gave (or, in `recommend`, the planner chose), over the technique's recipe */
  overrides: SettingsOverrides;
  /** the user's data: its steps replace the recipe's (unless --steps); its packing sets the fill */
  data?: DataInput;
  /** the trainer the run is trained with (its defaults go over the recipe); absent: none */
  trainer?: Trainer | null;
  /**
   * whether the trainer is the family's default (no --trainer given): the recipe's optimizer then
   * stands, as published, where a named trainer plans with one it runs
   */
  trainerIsDefault?: boolean;
}

export interface RunRequest extends RunChoices {
  /** shorten the run to this many hours where it can (see fitTimeBudget); the user's data is never shortened */
  budgetHours?: number;
}

/** A run resolved from the choices, before any fitting to a card or a budget. */
export interface ResolvedRun {
  /** the recipe with the user's overrides and data applied */
  settings: TrainingSettings;
  /** the user's data as a run, when they gave its size */
  data: DataPlan | null;
  /** the data the recipe's published run was for (what a run without data flags assumes) */
  recipeData: RecipeData;
  /** the recipe as published for the model's group */
  published: TechniqueDefaults;
  /** the recipe's bf16 moved to fp16 mixed precision for a card without bf16 */
  precisionChange: PrecisionChange | null;
  /** the recipe's settings the card's stack does not run, moved to ones it does (MPS: no 8-bit optimizers) */
  backendChanges: BackendChange[];
}

export interface RunPlan {
  /** the settings asked for: the recipe with the user's overrides */
  settings: TrainingSettings;
  /** the memory savers added until it fits the card */
  fit: FitResult;
  /** the run against the time budget, when one was given */
  time: TimePlan | null;
  /** the run to show: within the budget when there is one, else the fitted run */
  run: RunEstimate;
  /** the user's data as a run, when they gave its size */
  data: DataPlan | null;
  /** the data the recipe's published run was for (what a run without data flags assumes) */
  recipeData: RecipeData;
  /** what the run was resolved from: with the savers' changes and the steps, `estimate` gives the same run */
  choices: RunChoices;
  /** the recipe's bf16 run as fp16 mixed precision on a card without bf16 (null: as the recipe says) */
  precisionChange: PrecisionChange | null;
  /** the recipe's settings moved to what the card's stack runs */
  backendChanges: BackendChange[];
}

/**
 * The one resolution of a run from what the user chose: the recipe for the model's group, their
 * settings over it, their data's steps (unless --steps) and the tokens a sequence computes
 * (meanSequenceLength). Null when the technique has no recipe for the model's group.
 */
export function resolveRun(
  technique: Technique,
  model: Model,
  choices: RunChoices,
  card: { bf16: boolean; backend?: Backend; cards?: number } | null = null,
): ResolvedRun | null {
  const single = resolveSettings(
    technique,
    model,
    choices.overrides,
    choices.trainer ?? null,
    choices.trainerIsDefault ?? false,
  );
  if (!single) return null;
  const cards = card?.cards ?? 1;
  // a trainer that checkpoints every block on several cards and has no option on one (LitGPT)
  const checkpointed =
    choices.trainer?.gradientCheckpointing === 'several-cards' &&
    cards > 1 &&
    choices.overrides.gradientCheckpointing === undefined;
  const resolved = onCards(
    checkpointed ? { ...single, gradientCheckpointing: true } : single,
    cards,
    choices.overrides,
    defaultsFor(technique, model)!,
    strategiesOf(choices.trainer),
  );
  const precisionChange = card
    ? precisionForCard(
        resolved.precision,
        card.bf16,
        choices.overrides.precision !== undefined,
        choices.trainerIsDefault ? null : writtenPrecisions(choices.trainer, technique.id),
      )
    : null;
  const onCard = precisionChange ? { ...resolved, precision: precisionChange.to } : resolved;
  const { settings: recipe, changes: backendChanges } = card?.backend
    ? settingsForBackend(onCard, card.backend, fixedSettings(choices.overrides))
    : { settings: onCard, changes: [] };
  const published = defaultsFor(technique, model)!;
  const recipeData = recipeDataOf(technique, published, recipe.seqLen !== null);
  const data = hasData(choices.data) ? planData(technique, published, recipe, choices.data) : null;
  const meanSeqLen =
    choices.overrides.meanSeqLen ??
    data?.meanSeqLen ??
    (recipe.seqLen !== null ? meanSequenceLength(recipe.seqLen, choices.data) : null);
  const steps = choices.overrides.steps ?? data?.steps ?? recipe.steps;
  return { settings: { ...recipe, steps, meanSeqLen }, data, recipeData, published, precisionChange, backendChanges };
}

/**
 * The plan, or null when the technique has no recipe for the model's group: the resolved run,
 * with memory savers added until it fits the card (none that changes a setting the user fixed),
 * shortened to the time budget down to its minimum useful run unless it is the user's data.
 */
export function planRun(technique: Technique, model: Model, card: Card, request: RunRequest): RunPlan | null {
  const resolved = resolveRun(technique, model, request, card);
  if (!resolved) return null;
  const { settings, data, recipeData, published, precisionChange, backendChanges } = resolved;
  const fit = fitWithSavers(
    model,
    settings,
    card,
    fixedSettings(request.overrides),
    ...trainerFitArgs(request.trainer, request.trainerIsDefault ?? false),
  );
  let time: TimePlan | null = null;
  if (request.budgetHours !== undefined)
    time = data
      ? {
          run: fit.run,
          typicalHours: fit.run.hours,
          stepsShare: 1,
          fits: fit.run.hours <= request.budgetHours,
          minSteps: fit.run.settings.steps,
        }
      : fitTimeBudget(fit.run, request.budgetHours, minimumUsefulSteps(technique, published, fit.run.settings));
  const choices: RunChoices = {
    overrides: request.overrides,
    ...(request.data ? { data: request.data } : {}),
    ...(request.trainer ? { trainer: request.trainer } : {}),
  };
  return { settings, fit, time, run: time?.run ?? fit.run, data, recipeData, choices, precisionChange, backendChanges };
}

/**
 * The run on several cards: each card takes its own micro-batch, so the recipe's effective batch
 * (techniques.yaml `batch`) is kept by accumulating fewer micro-steps, and where the cards alone
 * exceed it, the same samples are seen in fewer optimizer steps. DDP unless a strategy is given
 * (the planner moves to the sharded strategies as memory savers, fit.ts). As it was on one card.
 */
function onCards(
  s: TrainingSettings,
  cards: number,
  overrides: SettingsOverrides,
  recipe: TechniqueDefaults,
  runs: ReadonlySet<Strategy>,
): TrainingSettings {
  if (cards <= 1) return { ...s, cards: 1, strategy: null };
  // DDP, else the cheapest the trainer runs (torchtune and LitGPT shard with FSDP only): a trainer
  // that runs none keeps DDP, which its config then refuses naming what it runs
  const start = UNSHARDED_FIRST.find((x) => runs.has(x)) ?? 'ddp';
  const gradAccum = overrides.gradAccum ?? Math.max(1, Math.round(recipe.batch / (s.batch * cards)));
  const effective = s.batch * gradAccum * cards;
  const steps = overrides.steps ?? Math.max(1, Math.round((s.steps * recipe.batch) / effective));
  return { ...s, cards, gradAccum, steps, strategy: overrides.strategy ?? start };
}

/** The strategies in the planner's order of cost, the cheapest first (parallel.ts, ZeRO §7). */
const UNSHARDED_FIRST: readonly Strategy[] = ['ddp', 'zero1', 'zero2', 'fsdp-grad-op', 'zero3', 'fsdp'];

/** The settings the user gave a value for: the memory savers leave them as they are. */
export function fixedSettings(overrides: SettingsOverrides): ReadonlySet<keyof TrainingSettings> {
  return new Set((Object.keys(overrides) as Array<keyof TrainingSettings>).filter((k) => overrides[k] !== undefined));
}

export { estimateRun };
