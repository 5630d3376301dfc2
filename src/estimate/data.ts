// The user's own data as a run: how many samples an epoch is, how many epochs, and the steps that
// follow, instead of the recipe's published step count. Pure.
//   steps = ceil(samples per epoch x epochs / effective batch)
// Images: samples = images x repeats (kohya's per-folder repeats; 1 elsewhere). With prior
// preservation each step also runs one class image per instance image (diffusers concatenates the
// two batches; kohya pairs regularisation images with training images), which the time model
// already counts per step (kinds/image.ts samplesPerStep), so class images add compute, not steps.
// Language: unpacked, one example is one sequence of its own length (cut at the sequence length);
// packed, the tokens are cut into full sequences. Epochs, unless given, are the recipe's own: its
// steps x effective batch / the dataset it was published for (the recipe's `recipeSamples`, else
// the technique's typical data size), so a user's data is trained as hard as the recipe trains its.
import type { Technique } from '../kb/types.js';
import { OBJECTIVE_TRAITS } from './objectives.js';
import type { TrainingSettings } from './settings.js';
import { TYPICAL_SEQUENCE_FILL } from './settings.js';

export interface DataInput {
  images?: number;
  /** kohya's per-image repeats per epoch (default 1) */
  repeats?: number;
  examples?: number;
  tokensPerExample?: number;
  /** the dataset's tokens in all (instead of examples x tokens per example) */
  tokens?: number;
  epochs?: number;
  /** cut the tokens into full sequences (continued pre-training) rather than one example per sequence */
  packing?: boolean;
}

/** The data a recipe's published run was for, and how many epochs that run is. */
export interface RecipeData {
  /** images, or examples */
  samples: number;
  samplesFrom: 'recipe' | 'typical data size';
  epochs: number;
}

/** A technique's data entry for one family (its `data.image` or `data.llm`), as least and typical size. */
export function dataSizesOf(
  entry: Technique['data']['image'] | Technique['data']['llm'],
): { min: number; typical: number | null } | null {
  if (!entry) return null;
  return 'minImages' in entry
    ? { min: entry.minImages, typical: entry.typicalImages ?? null }
    : { min: entry.minExamples, typical: entry.typicalExamples ?? null };
}

/** The technique's data sizes for a language run (its sequence length set) or an image run. */
const sizesFor = (technique: Technique, language: boolean) =>
  dataSizesOf(language ? technique.data.llm : technique.data.image);

/** The recipe's data: its `recipeSamples`, else the technique's typical data size (else one epoch). */
export function recipeDataOf(
  technique: Technique,
  recipe: { steps: number; batch: number; recipeSamples?: number },
  language: boolean,
): RecipeData {
  const typical = sizesFor(technique, language)?.typical;
  const samples = recipe.recipeSamples ?? typical ?? recipe.steps * recipe.batch;
  return {
    samples,
    samplesFrom: recipe.recipeSamples !== undefined ? 'recipe' : 'typical data size',
    epochs: (recipe.steps * recipe.batch) / samples,
  };
}

export interface DataPlan {
  /** what the user gave */
  given: DataInput;
  /** images x repeats, or sequences (examples, or packed sequences) per epoch */
  samplesPerEpoch: number;
  epochs: number;
  /** where the epochs came from */
  epochsFrom: 'given' | 'recipe';
  /** the dataset size the recipe's steps were published for, and whether the recipe states it */
  recipeSamples: number;
  recipeSamplesFrom: 'recipe' | 'typical data size';
  effectiveBatch: number;
  steps: number;
  packing: boolean;
  /** mean tokens a sequence computes (null: full sequences); language runs only */
  meanSeqLen: number | null;
}

/** Mean tokens per example the data states: --tokens-per-example, else --tokens / --examples. */
const tokensPerExampleOf = (data: DataInput): number | undefined =>
  data.tokensPerExample ??
  (data.examples !== undefined && data.tokens !== undefined ? data.tokens / data.examples : undefined);

/**
 * The tokens a sequence computes, or null for full sequences of `seqLen`. Packed: full sequences.
 * One example per sequence (--no-packing, or examples given without --packing): the examples'
 * stated length, else a typical dataset's fill of the cut-off (TYPICAL_SEQUENCE_FILL). Nothing
 * said: every sequence is `seqLen` long, as the published measurements state their runs.
 */
export function meanSequenceLength(seqLen: number, data: DataInput | undefined): number | null {
  if (!data || data.packing === true) return null;
  const unpacked = data.packing === false || data.examples !== undefined || data.tokens !== undefined;
  if (!unpacked) return null;
  return Math.min(seqLen, Math.round(tokensPerExampleOf(data) ?? seqLen * TYPICAL_SEQUENCE_FILL));
}

/** True when any data flag was given (else the recipe's typical run stands, named as an assumption). */
export function hasData(data: DataInput | undefined): data is DataInput {
  return data !== undefined && (data.images !== undefined || data.examples !== undefined || data.tokens !== undefined);
}

/**
 * The run of the user's data on `settings` (the recipe with the user's overrides), or null when
 * the data does not say how many samples there are (only --epochs, say: then the recipe's steps).
 */
export function planData(
  technique: Technique,
  recipe: { steps: number; batch: number; recipeSamples?: number },
  settings: TrainingSettings,
  data: DataInput,
): DataPlan | null {
  const language = settings.seqLen !== null;
  const effectiveBatch = settings.batch * settings.gradAccum * settings.cards;
  const published = recipeDataOf(technique, recipe, language);
  const epochs = data.epochs ?? published.epochs;
  let samplesPerEpoch: number;
  let meanSeqLen: number | null = null;
  const packing = language && data.packing === true;
  if (!language) {
    if (data.images === undefined) return null;
    samplesPerEpoch = data.images * (data.repeats ?? 1);
  } else {
    const seqLen = settings.seqLen!;
    if (packing) {
      const perExample = tokensPerExampleOf(data);
      const tokens =
        data.tokens ??
        (data.examples !== undefined ? data.examples * (perExample ?? seqLen * TYPICAL_SEQUENCE_FILL) : undefined);
      if (tokens === undefined) return null;
      samplesPerEpoch = Math.ceil(tokens / seqLen);
    } else {
      // one example per sequence, computed at its length: what was said, else a typical fill
      const length = meanSequenceLength(seqLen, { ...data, packing: false })!;
      const examples = data.examples ?? (data.tokens !== undefined ? Math.ceil(data.tokens / length) : undefined);
      if (examples === undefined) return null;
      // GRPO trains on each prompt's sampled completions: an example (a prompt) is that many samples
      samplesPerEpoch = examples * OBJECTIVE_TRAITS[settings.objective].samplesPerExample;
      meanSeqLen = length;
    }
  }
  return {
    given: data,
    samplesPerEpoch,
    epochs,
    epochsFrom: data.epochs !== undefined ? 'given' : 'recipe',
    recipeSamples: published.samples,
    recipeSamplesFrom: published.samplesFrom,
    effectiveBatch,
    steps: Math.max(1, Math.ceil((samplesPerEpoch * epochs) / effectiveBatch)),
    packing,
    meanSeqLen,
  };
}

/**
 * The fewest steps a run may be shortened to, to meet a time budget: the larger of two floors.
 * - data: the least data the knowledge base says the technique learns from (its sourced
 *   minImages / minExamples) trained as its recipe trains its data (the recipe's epochs), at the
 *   run's effective batch. A DreamBooth-LoRA on SDXL: 3 images x 400 epochs / batch 4 = 300 steps.
 * - steps: the recipe's sourced `minSteps` (the shortest complete run a source reports working),
 *   as the same number of samples at the run's effective batch. The data floor alone is a handful
 *   of steps for a language model (50 examples x 1 epoch / 16 = 4), which let a 70B LoRA "fit" a
 *   one-minute budget; PEFT's own 1,000-step x 4 LoRA run gives 250 steps at batch 16.
 */
export function minimumUsefulSteps(
  technique: Technique,
  recipe: { steps: number; batch: number; recipeSamples?: number; minSteps?: number },
  settings: TrainingSettings,
): number {
  const language = settings.seqLen !== null;
  const least = sizesFor(technique, language)?.min;
  const epochs = recipeDataOf(technique, recipe, language).epochs;
  const effectiveBatch = settings.batch * settings.gradAccum * settings.cards;
  const fromData = Math.ceil((Math.max(1, least ?? 1) * epochs) / effectiveBatch);
  // `recipe.batch` is the recipe's effective batch (techniques.yaml: microBatch x accumulation)
  const fromSteps = recipe.minSteps ? Math.ceil((recipe.minSteps * recipe.batch) / effectiveBatch) : 1;
  return Math.max(1, fromData, fromSteps);
}
