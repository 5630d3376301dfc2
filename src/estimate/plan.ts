// The run planner: one technique's run on one model and card, from its recipe and what the user
// gave, fitted to the card with memory savers and to the time budget. The engine maps a plan to
// facts, the estimate command shows one, and the renderers read the run it chose. Pure.
import type { TechniqueDefaults } from '../kb/schema.js';
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
  const { settings: withData, data, recipeData, published } = applyData(technique, model, recipe, request);
  const settings = request.typicalFill && !data ? typicalRun(withData) : withData;
  const fit = fitWithSavers(model, settings, card);
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
  return { settings, fit, time, run: time?.run ?? fit.run, data, recipeData };
}

/**
 * The settings (resolved from a recipe, so `technique` has one for `model`) with the user's data
 * applied: its steps (unless --steps) and sequence fill; with the recipe as published and the data
 * it was published for.
 */
export function applyData(
  technique: Technique,
  model: Model,
  settings: TrainingSettings,
  request: { overrides: SettingsOverrides; data?: DataInput },
): { settings: TrainingSettings; data: DataPlan | null; recipeData: RecipeData; published: TechniqueDefaults } {
  const published = defaultsFor(technique, model)!;
  const recipeData = recipeDataOf(technique, published, settings.seqLen !== null);
  const data = hasData(request.data) ? planData(technique, published, settings, request.data) : null;
  if (!data) return { settings, data: null, recipeData, published };
  const steps = request.overrides.steps ?? data.steps;
  return {
    settings: { ...settings, steps, meanSeqLen: data.meanSeqLen ?? settings.meanSeqLen },
    data,
    recipeData,
    published,
  };
}

export { estimateRun };
