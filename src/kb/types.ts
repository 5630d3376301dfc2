// The loaded, validated knowledge base. Types only come from the zod schemas (erased at run time).
import type {
  DataAdvice,
  Gpu,
  ImageModel,
  LlmModel,
  Model,
  ModelGroup,
  Rule,
  Technique,
  Trainer,
  VideoModel,
} from './schema.js';

export interface KnowledgeBase {
  techniques: Technique[];
  models: Model[];
  gpus: Gpu[];
  rules: Rule[];
  /** the model groups: what a model's `group` and a technique's `defaults` keys name */
  groups: ModelGroup[];
  /** the data plan's advice: captions, trigger word, class images, chat template, loss masking, packing */
  dataPlan: DataAdvice[];
  /** the trainers a run can name (--trainer) and what each does by default */
  trainers: Trainer[];
  /** where each entry came from, keyed `kind:id` (e.g. `gpus:rtx-4090`) */
  origin: Record<string, string>;
}
export type { DataAdvice, Gpu, ImageModel, LlmModel, Model, ModelGroup, Rule, Technique, Trainer, VideoModel };
