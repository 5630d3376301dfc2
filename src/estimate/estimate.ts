// One run as the user describes it, estimated part by part: the memory and time of exactly those
// settings, and what memory savers would make it fit the card. Pure.
import type { Source } from '../kb/schema.js';
import type { KnowledgeBase, Model, Technique, Trainer } from '../kb/types.js';
import { describeAssumptions, describeStrategy, trainerChanges } from './assumptions.js';
import { type Card, cardSources } from './card.js';
import type { DataPlan, RecipeData } from './data.js';
import { type FitResult, fitWithSavers, trainerFitArgs } from './fit.js';
import { kindOf } from './kinds/index.js';
import { estimateMemory, type MemoryEstimate } from './memory.js';
import { resolveRun, type RunChoices } from './plan.js';
import { trainerOptimizer, type TrainingSettings } from './settings.js';
import { outputSizeMB } from './size.js';
import { ESTIMATE_SOURCES } from './sources.js';
import { classImageHours, estimateStepTime, type StepTime, totalHours } from './time.js';

/** The run's choices (the settings given are listed as given in the assumptions). */
export interface EstimateRequest extends RunChoices {
  technique: Technique;
  model: Model;
  /** null: memory and size only */
  card: Card | null;
}

export interface EstimateResult {
  technique: Technique;
  model: Model;
  card: Card | null;
  settings: TrainingSettings;
  memory: MemoryEstimate;
  step: StepTime | null;
  /** the whole run, class-image generation included */
  hours: number | null;
  /** of which generating the class images of prior preservation */
  classImageHours: number | null;
  sizeMB: number;
  /** the savers that would make these settings fit the card */
  fit: FitResult | null;
  assumptions: string[];
  sources: Source[];
  /** the user's data as a run, when they gave its size */
  data: DataPlan | null;
  /** the data the recipe's published run was for */
  recipeData: RecipeData;
  /** the trainer the run was estimated for, and whether it is the family's default */
  trainer: { id: string; name: string; isDefault: boolean } | null;
}

/** The estimate, or null when the technique has no recipe for the model's group. */
export function estimate(kb: KnowledgeBase, request: EstimateRequest): EstimateResult | null {
  const { technique, model, card, overrides } = request;
  const resolved = resolveRun(technique, model, request, card);
  if (!resolved) return null;
  const { settings, data, recipeData, published, precisionChange, backendChanges } = resolved;
  // a named trainer that does not run the recipe's optimizer plans with its own (trainers.yaml `optimizers`)
  const ownOptimizer =
    request.trainer && !request.trainerIsDefault && overrides.optimizer === undefined
      ? trainerOptimizer(request.trainer, published.optimizer)
      : null;
  const memory = estimateMemory(model, settings);
  const step = card ? estimateStepTime(model, settings, card, memory.trainableParams) : null;
  const classImages = card ? classImageHours(model, settings, card) : null;
  return {
    technique,
    model,
    card,
    settings,
    memory,
    step,
    hours: step && classImages !== null ? totalHours(settings, step) + classImages : null,
    classImageHours: classImages,
    sizeMB: outputSizeMB(model, settings, memory.trainableParams),
    fit: card
      ? fitWithSavers(
          model,
          settings,
          card,
          new Set(),
          ...trainerFitArgs(request.trainer, request.trainerIsDefault ?? false),
        )
      : null,
    assumptions: [
      ...(request.trainer
        ? [
            `trainer ${request.trainer.name} (${request.trainer.id})${request.trainerIsDefault ? `, ${defaultTrainerWhy(request.trainer, model)} (not given; pass --trainer)` : ''}: ${trainerSummary(request.trainer)}, the flags given over both`,
          ]
        : []),
      ...(ownOptimizer
        ? [
            `optimizer ${ownOptimizer}, not the recipe's ${published.optimizer}: ${request.trainer!.name} runs ${request.trainer!.optimizers!.join(', ')}`,
          ]
        : []),
      ...describeAssumptions(model, settings, card, Object.keys(overrides), precisionChange, backendChanges),
      ...describeStrategy(model, settings, memory, step, card),
    ],
    sources: [...ESTIMATE_SOURCES, ...(card ? cardSources(kb, card) : [])],
    data,
    recipeData,
    trainer: request.trainer
      ? { id: request.trainer.id, name: request.trainer.name, isDefault: request.trainerIsDefault ?? false }
      : null,
  };
}

/**
 * Why a trainer nobody named runs: the family's default, or for a model group that default does
 * not train (trainers.yaml `notFor`: musubi-tuner has no LTX-Video), the first trainer that does.
 */
function defaultTrainerWhy(t: Trainer, model: Model): string {
  const adjective = kindOf(model).adjective;
  return t.defaultFor?.includes(model.family)
    ? `the default for ${adjective} models`
    : `the trainer for ${model.name}, which the ${adjective} models' default does not train`;
}

function trainerSummary(t: Trainer): string {
  const changes = trainerChanges(t);
  return changes.length ? `over the recipe it sets ${changes.join(', ')}` : 'it changes nothing in the recipe';
}
