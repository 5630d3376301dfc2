// The loaded, validated knowledge base. Types only come from the zod schemas (erased at run time).
import type { Gpu, ImageModel, LlmModel, Model, Rule, Technique } from './schema.js';

export interface KnowledgeBase {
  techniques: Technique[];
  models: Model[];
  gpus: Gpu[];
  rules: Rule[];
  /** where each entry came from, keyed `kind:id` (e.g. `gpus:rtx-4090`) */
  origin: Record<string, string>;
}
export type { Gpu, ImageModel, LlmModel, Model, Rule, Technique };
