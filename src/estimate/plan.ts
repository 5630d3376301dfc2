// The run planner: one technique's run on one model and card, from its recipe and what the user
// gave, fitted to the card with memory savers and to the time budget. The engine maps a plan to
// facts, the estimate command shows one, and the renderers read the run it chose. Pure.
import type { Model, Technique } from '../kb/types.js';
import type { Card } from './card.js';
import {
  type DataInput,
  type DataPlan,
  hasData,
  minimumUsefulSteps,
  planData,
  type RecipeData,
  recipeDataOf,
} from './data.js';
import { estimateRun, type FitResult, fitTimeBudget, fitWithSavers, type RunEstimate, type TimePlan } from './fit.js';
import {
  defaultsFor,
  resolveSettings,
  type SettingsOverrides,
  type TrainingSettings,
  TYPICAL_SEQUENCE_FILL,
} from './settings.js';

export interface RunRequest {
  /** settings the user gave, over the technique's recipe */
  overrides: SettingsOverrides;
  /** language-model sequences at a typical dataset's fill of the cut-off (recommend's typical run) */
  typicalFill?: boolean;
  /** shorten the run to this many hours where it can (see fitTimeBudget); the user's data is never shortened */
  budgetHours?: number;
  /** the user's data: its steps replace the recipe's (unless --steps is given) */
  data?: DataInput;
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
}

/** The typical run of a recommendation: language-model sequences average well below their cut-off. */
export function typicalRun(s: TrainingSettings): TrainingSettings {
  if (s.seqLen === null || s.meanSeqLen !== null) return s;
  return { ...s, meanSeqLen: Math.round(s.seqLen * TYPICAL_SEQUENCE_FILL) };
}

/** The plan, or null when the technique has no recipe for the model's group. */
export function planRun(technique: Technique, model: Model, card: Card, request: RunRequest): RunPlan | null {
  const recipe = resolveSettings(technique, model, request.overrides);
  if (!recipe) return null;
  const { settings: withData, data } = applyData(technique, model, recipe, request);
  const settings = request.typicalFill && !data ? typicalRun(withData) : withData;
  const fit = fitWithSavers(model, settings, card);
  const recipeDefaults = defaultsFor(technique, model)!;
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
      : fitTimeBudget(fit.run, request.budgetHours, minimumUsefulSteps(technique, recipeDefaults, fit.run.settings));
  const recipeData = recipeDataOf(technique, recipeDefaults, settings.seqLen !== null);
  return { settings, fit, time, run: time?.run ?? fit.run, data, recipeData };
}

/** The settings with the user's data applied: its steps (unless --steps) and sequence fill. */
export function applyData(
  technique: Technique,
  model: Model,
  settings: TrainingSettings,
  request: { overrides: SettingsOverrides; data?: DataInput },
): { settings: TrainingSettings; data: DataPlan | null } {
  const recipe = defaultsFor(technique, model);
  const data = recipe && hasData(request.data) ? planData(technique, recipe, settings, request.data) : null;
  if (!data) return { settings, data: null };
  const steps = request.overrides.steps ?? data.steps;
  return { settings: { ...settings, steps, meanSeqLen: data.meanSeqLen ?? settings.meanSeqLen }, data };
}

export { estimateRun };
