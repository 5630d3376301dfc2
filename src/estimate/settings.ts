// Resolves the settings of one training run: the technique's published defaults for the model's
// group, overridden by what the user gave. Pure: no I/O.
import type { Model, Technique, Trainer } from '../kb/types.js';
import type {
  Attention,
  BaseDtype,
  Loss,
  Method,
  Objective,
  Optimizer,
  Precision,
  Quantization,
  SavePrecision,
  Strategy,
  Targets,
} from '../kb/vocabulary.js';
import { kindOf } from './kinds/index.js';
import { METHOD_TRAITS } from './methods.js';

export interface TrainingSettings {
  method: Method;
  /** what the run optimises: supervised fine-tuning or a preference / RL objective (objectives.ts) */
  objective: Objective;
  precision: Precision;
  quantize: Quantization;
  optimizer: Optimizer;
  gradientCheckpointing: boolean;
  /** with gradient checkpointing, the checkpoints held in host memory (Unsloth's "unsloth" mode) */
  offloadCheckpoints: boolean;
  /**
   * denoiser blocks whose frozen weights wait in host memory and are copied in for their forward
   * and backward (musubi-tuner and kohya --blocks_to_swap N); 0: every block on the GPU
   */
  blocksToSwap: number;
  /** latents and text embeddings cached, text encoders and VAE off the GPU (image models) */
  cache: boolean;
  trainTextEncoder: boolean;
  priorPreservation: boolean;
  /** class images generated for prior preservation (null without it) */
  classImages: number | null;
  /** images or sequences through the GPU per step (micro-batch) */
  batch: number;
  /** micro-steps accumulated per optimizer step */
  gradAccum: number;
  /** cards training together, each on its own micro-batch (the effective batch is batch x gradAccum x cards) */
  cards: number;
  /** how the cards share the run (src/estimate/parallel.ts); null on one card */
  strategy: Strategy | null;
  steps: number;
  learningRate: number;
  rank: number | null;
  targets: Targets;
  /** the sample's height in pixels (image and video models); its side when square */
  resolution: number | null;
  /** the sample's width in pixels when not square (--resolution WxH); null: square, or not an image */
  width: number | null;
  /** frames per clip (video models); null for others */
  frames: number | null;
  seqLen: number | null;
  /** mean tokens per sequence, for compute; null = every sequence is seqLen long (packed) */
  meanSeqLen: number | null;
  virtualTokens: number | null;
  /** LoKr's Kronecker factor (-1: the factors nearest the square root); null for other methods */
  factor: number | null;
  /** the trainer's id (trainers.yaml); null when the knowledge base names none for the family */
  trainer: string | null;
  /** how the cross-entropy is computed: the full tokens x vocabulary logits, or a chunk at a time */
  loss: Loss;
  /** the attention kernel: eager keeps every layer's sequence x sequence scores */
  attention: Attention;
  /** what adapters and checkpoints are saved in; null: the trainer's source does not say */
  savePrecision: SavePrecision | null;
  /**
   * the dtype the frozen base's unquantized weights are loaded in; null: the compute dtype, as the
   * trainers cast it (diffusers weight_dtype, TRL and ms-swift's torch_dtype bfloat16). A script
   * that passes no dtype to Transformers before v5 loads fp32 (PEFT's examples/sft utils.py:
   * `else torch.float32`)
   */
  baseDtype: BaseDtype | null;
  /** a quantized base reaches a mixture-of-experts model's routed experts (trainers.yaml `quantizesExperts`) */
  quantizesExperts: boolean;
  /** the text-encoder layers adapters train with trainTextEncoder (trainers.yaml `textEncoderTargets`) */
  textEncoderTargets: 'attention' | 'attention-mlp';
}

/**
 * Sequences in a typical instruction dataset are much shorter than the cut-off that sizes memory:
 * the PEFT method comparison trains 20,000 MetaMathQA samples cut at 768 tokens on ~4.2 M tokens,
 * 0.27 of the cut-off (huggingface/peft method_comparison results); padding each micro-batch to its
 * longest sample brings the computed share up, so a typical run's compute is taken at 0.35.
 */
export const TYPICAL_SEQUENCE_FILL = 0.35;

export type SettingsOverrides = Partial<TrainingSettings>;

export function defaultsFor(technique: Technique, model: Model) {
  return technique.defaults[model.group] ?? null;
}

export function resolveSettings(
  technique: Technique,
  model: Model,
  overrides: SettingsOverrides = {},
  trainer: Trainer | null = null,
  trainerIsDefault = false,
): TrainingSettings | null {
  const d = defaultsFor(technique, model);
  if (!d) return null;
  const kind = kindOf(model);
  const shape = kind.runShape(model, d);
  const method = METHOD_TRAITS[technique.method];
  const micro = Math.min(d.microBatch ?? d.batch, d.batch);
  // a micro-batch the user gave keeps the recipe's effective batch through accumulation unless they
  // gave the accumulation too (setting accumulation to 1 made a run 8x shorter, silently)
  const batch = overrides.batch ?? micro;
  const base: TrainingSettings = {
    method: technique.method,
    // supervised fine-tuning unless --objective (or the goal's objective in recommend)
    objective: kind.objectives[0]!,
    // Autocast over fp32 trainable weights, frozen weights in half precision (each kind's trainers' default)
    precision: d.precision ?? kind.defaultPrecision,
    // a quantized base is chosen (--quantize, or the planner's memory savers) or implied by the
    // method (QLoRA: NF4); a recipe published on an 8-bit base (FLUX LoRA in ai-toolkit) records how
    // its authors fitted 24 GB, which the planner reaches on such a card through its savers
    quantize: method.impliedQuantization ?? 'none',
    optimizer: d.optimizer,
    gradientCheckpointing: false,
    offloadCheckpoints: false,
    blocksToSwap: 0,
    // latents and text embeddings cached, the encoders off the GPU: what kohya (cache_latents,
    // cache_text_encoder_outputs), ai-toolkit (cache_latents_to_disk) and SimpleTuner do by default
    // or in their examples; --no-cache for the diffusers scripts, which keep the encoders on the GPU
    cache: true,
    trainTextEncoder: d.trainTextEncoder ?? false,
    // class images are a choice (estimate's --prior-preservation, the planner's for few-image
    // subjects); without it --batch counts every image through the denoiser, the calibration set's
    // convention, so a recipe's own prior preservation is not assumed
    priorPreservation: false,
    classImages: null,
    batch,
    gradAccum: Math.max(1, Math.round(d.batch / batch)),
    cards: 1,
    strategy: null,
    steps: d.steps,
    learningRate: d.learningRate,
    rank: d.rank ?? method.rank?.default ?? null,
    targets: kind.recipeTargets(model, d.targets ?? kind.defaultTargets),
    resolution: shape.resolution,
    width: shape.width,
    frames: shape.frames,
    seqLen: shape.seqLen,
    meanSeqLen: null,
    virtualTokens: d.virtualTokens ?? method.virtualTokens?.default ?? null,
    factor: method.kroneckerFactor ? (d.factor ?? method.kroneckerFactor.default) : null,
    trainer: trainer?.id ?? null,
    // the Trainer computes the loss over the full logits (transformers' ForCausalLMLoss upcasts
    // them whole); a trainer that chunks it says so (trainers.yaml `loss`)
    loss: trainer?.loss ?? 'full',
    // PyTorch's scaled_dot_product_attention: what Transformers picks when attn_implementation is
    // not given (its "sdpa" default since v4.36); a trainer with another default says so
    attention: trainer?.attention ?? 'sdpa',
    savePrecision: trainer?.savePrecision ?? null,
    baseDtype: null,
    // Transformers v5 keeps experts as fused 3-D parameters that bitsandbytes cannot quantize
    // (axolotl docs/expert_quantization.qmd); a trainer that quantizes them anyway says so
    quantizesExperts: trainer?.quantizesExperts ?? false,
    // kohya's networks/lora.py and LyCORIS adapt CLIPAttention and CLIPMLP
    // (TEXT_ENCODER_TARGET_REPLACE_MODULE); a trainer adapting fewer says so (diffusers: q, k, v, out)
    textEncoderTargets: trainer?.textEncoderTargets ?? 'attention-mlp',
    ...trainerDefaults(trainer, method.adapter, technique.method, trainerIsDefault ? null : d.optimizer),
  };
  // undefined in the overrides means "not given": it must not erase a default
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as SettingsOverrides;
  const settings = { ...base, ...given };
  // the technique's own count of class images, else the diffusers DreamBooth scripts' default
  // (--num_class_images default=100 in train_dreambooth.py and train_dreambooth_lora*.py)
  if (settings.priorPreservation && given.classImages === undefined)
    settings.classImages = technique.data.image?.classImages ?? 100;
  if (!settings.priorPreservation) settings.classImages = null;
  return settings;
}

/** The optimizer a trainer plans with in place of a recipe's it does not run (Adafactor in diffusers' scripts: its default); null: the recipe's. */
export function trainerOptimizer(trainer: Trainer, recipeOptimizer: Optimizer): Optimizer | null {
  return trainer.optimizers && !trainer.optimizers.includes(recipeOptimizer) ? trainer.optimizers[0]! : null;
}

/**
 * What a trainer applies over the recipe unless the user says otherwise (recipe < trainer < flags):
 * its gradient checkpointing (TRL's SFTConfig and LLaMA-Factory on, Unsloth on and offloaded) and
 * its `defaults`. A low-bit base (Unsloth's load_in_4bit) is applied to adapter methods only: a
 * full fine-tune trains every weight and has no frozen base to quantize.
 */
function trainerDefaults(
  trainer: Trainer | null,
  adapter: boolean,
  methodId: string,
  /** the recipe's optimizer, moved to the trainer's default when it does not run it; null: kept (a default trainer) */
  recipeOptimizer: Optimizer | null,
): Partial<TrainingSettings> {
  if (!trainer) return {};
  const out: Partial<TrainingSettings> = {};
  if (trainer.gradientCheckpointing) {
    // `several-cards`: no option for it on one card (LitGPT), so a one-card run keeps every
    // activation; several cards turn it on (resolveRun)
    out.gradientCheckpointing = trainer.gradientCheckpointing === 'on' || trainer.gradientCheckpointing === 'offloaded';
    out.offloadCheckpoints = trainer.gradientCheckpointing === 'offloaded';
  }
  const d = trainer.defaults;
  if (d?.precision) out.precision = d.precision;
  const own = recipeOptimizer ? trainerOptimizer(trainer, recipeOptimizer) : null;
  if (own) out.optimizer = own;
  if (d?.cache !== undefined) out.cache = d.cache;
  if (d?.quantize && adapter) out.quantize = d.quantize;
  // its LoRA network's fixed layer set (kohya networks.lora), over the recipe's; LyCORIS' algorithms keep theirs
  if (trainer.loraTargets && methodId === 'lora') out.targets = trainer.loraTargets;
  return out;
}
