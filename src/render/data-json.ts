// The data a run was planned from, in the JSON contract of `recommend` and `estimate`: what the user
// gave (`data`) and the plan made of it (`plan`: samples, epochs, steps), or, without data flags,
// the recipe's typical run it assumes. Field by field, as the other mappers.
import type { DataInput, DataPlan, RecipeData } from '../estimate/data.js';
import { round } from '../format.js';

export interface DataInputJson {
  images?: number;
  repeats?: number;
  examples?: number;
  tokensPerExample?: number;
  tokens?: number;
  epochs?: number;
  packing?: boolean;
}

export const dataInputJson = (d: DataInput): DataInputJson => ({
  images: d.images,
  repeats: d.repeats,
  examples: d.examples,
  tokensPerExample: d.tokensPerExample,
  tokens: d.tokens,
  epochs: d.epochs,
  packing: d.packing,
});

export interface PlanJson {
  /** 'data': steps from the user's data; 'recipe': the recipe's typical run, assumed */
  from: 'data' | 'recipe';
  samplesPerEpoch: number;
  epochs: number;
  epochsFrom: 'given' | 'recipe';
  effectiveBatch: number;
  steps: number;
  packing: boolean;
  /** the dataset the recipe's published run was for, and where that size comes from */
  recipe: { samples: number; samplesFrom: RecipeData['samplesFrom']; epochs: number };
}

export function planJson(
  settings: { steps: number; batch: number; gradAccum: number },
  data: DataPlan | null,
  recipe: RecipeData,
): PlanJson {
  const recipeJson = { samples: recipe.samples, samplesFrom: recipe.samplesFrom, epochs: round(recipe.epochs, 3) };
  if (data)
    return {
      from: 'data',
      samplesPerEpoch: data.samplesPerEpoch,
      epochs: round(data.epochs, 3),
      epochsFrom: data.epochsFrom,
      effectiveBatch: data.effectiveBatch,
      steps: settings.steps,
      packing: data.packing,
      recipe: recipeJson,
    };
  const effectiveBatch = settings.batch * settings.gradAccum;
  // the epochs the planned steps train (below the recipe's when the run was shortened to the budget)
  return {
    from: 'recipe',
    samplesPerEpoch: recipe.samples,
    epochs: round((settings.steps * effectiveBatch) / recipe.samples, 3),
    epochsFrom: 'recipe',
    effectiveBatch,
    steps: settings.steps,
    packing: false,
    recipe: recipeJson,
  };
}
