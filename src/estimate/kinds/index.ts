// The model kinds, one per family: the one place that dispatches on a model's family. The mapped
// type keeps the table exhaustive: a family added to the vocabulary does not compile until it has
// a kind.
import type { Model } from '../../kb/types.js';
import type { Family } from '../../kb/vocabulary.js';
import { IMAGE_KIND } from './image.js';
import type { ModelKind } from './kind.js';
import { LLM_KIND } from './llm.js';
import { VIDEO_KIND } from './video.js';

export type { BaseNetwork, ModelKind } from './kind.js';

export const KINDS: { readonly [F in Family]: ModelKind<Extract<Model, { family: F }>> } = {
  llm: LLM_KIND,
  image: IMAGE_KIND,
  video: VIDEO_KIND,
};

/**
 * The kind of a family, typed for any model. Each kind's methods take its own family's model type
 * (ModelKind's methods are checked bivariantly): pass them only models of that family, as kindOf does.
 */
export function kindFor(family: Family): ModelKind {
  return KINDS[family];
}

export function kindOf(model: Model): ModelKind {
  return kindFor(model.family);
}

/** The models of one family, in catalogue order (the models listing and the model question). */
export function modelsOfFamily(models: readonly Model[], family: Family): Model[] {
  return models.filter((m) => m.family === family);
}
