// zod schemas of the knowledge-base files. Strict objects everywhere: an unknown field is an
// error (with the nearest known field suggested by the loader), never silently ignored.
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lowercase kebab-case (a-z, 0-9, "-", ".")');
// no control characters in text the tool prints (a terminal escape in a name would run on every
// screen that shows it); newlines and tabs are text
const text = z
  .string()
  .min(1)
  .regex(
    /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/,
    'must not contain control characters (terminal escape sequences)',
  );

export const SourceSchema = z.strictObject({
  ref: text,
  url: z.string().url().optional(),
  for: z.array(text).optional(),
  quote: text.optional(),
  derived: text.optional(),
});
const sources = z.array(SourceSchema).min(1, 'every entry needs at least one source');

import {
  ATTENTIONS,
  CHECKPOINTING,
  CONFIG_DATASET_SETTINGS,
  CONFIG_SETTINGS,
  CONFIG_WRITERS,
  DATA_TOPICS,
  FAMILIES,
  GOALS,
  LOSSES,
  METHODS,
  OBJECTIVES,
  OPERATORS,
  OPTIMIZERS,
  PRECISIONS,
  QUANTIZATIONS,
  SAVE_PRECISIONS,
  SAVERS,
  STRATEGIES,
  TARGETS,
} from './vocabulary.js';

// ---------- what a piece of advice applies to ----------
// A small vocabulary over the run a recommendation plans (src/engine/advice.ts evaluates it): every
// condition given must hold. Advice without conditions applies to every run; advice whose
// conditions hold is more specific, and is shown before the generic.
export const AppliesSchema = z.strictObject({
  /** the model's family */
  families: z.array(z.enum(FAMILIES)).min(1).optional(),
  /** the model's group (groups.yaml), checked against the groups that exist by the loader */
  groups: z.array(id).min(1).optional(),
  /** the user's goal */
  goals: z.array(z.enum(GOALS)).min(1).optional(),
  /** the technique's training method */
  methods: z.array(z.enum(METHODS)).min(1).optional(),
  /** whether the card has bf16 tensor cores (false: cards without, such as the T4 and V100) */
  bf16: z.boolean().optional(),
  /** the run's precision */
  precisions: z.array(z.enum(PRECISIONS)).min(1).optional(),
  /** the card has at most this much memory (GiB) */
  maxVramGiB: z.number().positive().optional(),
  /** the model has at least this many parameters (billions) */
  minParamsB: z.number().positive().optional(),
  /** whether the run's frozen base is quantized (8-bit or NF4) */
  quantizedBase: z.boolean().optional(),
  /** whether the run trains with prior preservation (class images) */
  priorPreservation: z.boolean().optional(),
});

/** A pitfall: a sentence, or a sentence and what it applies to. */
export const PitfallSchema = z.union([text, z.strictObject({ text, applies: AppliesSchema.optional() })]);

// ---------- GPUs ----------
export const GpuSchema = z.strictObject({
  id,
  name: text,
  vendor: z.enum(['nvidia', 'amd', 'apple']),
  generation: text.optional(),
  segment: z.enum(['consumer', 'workstation', 'datacenter', 'laptop']).optional(),
  vramGB: z.number().positive().max(2048, 'a GPU with more than 2048 GB is not plausible'),
  memoryMiB: z.number().int().positive().optional(),
  smiMemoryMiB: z.number().int().positive().optional(),
  computeCapability: text.optional(),
  bf16: z.boolean(),
  tflops: z.number().positive().max(100000),
  /**
   * dense half-precision (FP32-accumulate) matmul TFLOPS the card sustains in practice: a
   * published matmul or training benchmark, or derived from the peak with a sourced clock or power
   * limit (the source's `derived:` says how); what step times are computed from
   */
  sustainedTflops: z.number().positive().max(100000).optional(),
  /** FP32 TFLOPS of the CUDA / stream cores: what fp32 matmuls run at with TF32 off (PyTorch's default) */
  fp32Tflops: z.number().positive().max(100000).optional(),
  /** board power in watts (the power class: T4 and L4 at 70-72 W throttle under tensor load) */
  powerW: z.number().positive().max(5000).optional(),
  /** the software stack: CUDA, ROCm (AMD) or MPS (Apple); what runs there differs (bitsandbytes, bf16) */
  backend: z.enum(['cuda', 'rocm', 'mps']).optional(),
  bandwidthGBs: z.number().positive().max(100000),
  aliases: z.array(text).default([]),
  /**
   * names this card shares with other variants of its product line ("A100", "RTX 4060 Ti",
   * "4090"): each is the id, name or alias of the variant a bare name resolves to, and the answer
   * names this card as the other choice (and the interactive flow asks) instead of resolving it
   * silently; nvidia-smi's exact names tell variants apart by memory (smiMemoryMiB)
   */
  sharedNames: z.array(text).optional(),
  /**
   * how the cards of a node reach each other (src/estimate/card.ts links): absent for a GPU that is
   * never one of several in a node (a laptop's, Apple silicon's)
   */
  interconnect: z
    .strictObject({
      /** the card's host link: PCIe generation and electrical lanes */
      pcie: z.strictObject({ gen: z.number().int().min(3).max(6), lanes: z.union([z.literal(8), z.literal(16)]) }),
      /** false: the driver gives no peer-to-peer over PCIe, so a transfer between cards goes through host memory */
      peerToPeer: z.boolean().optional(),
      /** NVLink, where the card has it */
      nvlink: z
        .strictObject({
          generation: z.number().int().min(1).max(6),
          /** GB/s per card and direction (half the bidirectional figure datasheets print) */
          GBs: z.number().positive().max(10000),
          /**
           * board: on the baseboard (SXM, NVSwitch), every card of the node, always there; bridge: an
           * NVLink bridge between `bridgeCards` cards, an accessory, so used only with --interconnect nvlink
           */
          via: z.enum(['board', 'bridge']),
          bridgeCards: z.number().int().min(2).max(8).optional(),
        })
        .refine((n) => (n.via === 'bridge') === (n.bridgeCards !== undefined), {
          message: 'bridgeCards is the number of cards a bridge joins: given for via: bridge, and only then',
        })
        .optional(),
    })
    .optional(),
  notes: text.optional(),
  sources,
});

// ---------- model groups ----------
// A group is the set of models one recipe is written for (a technique's `defaults` are keyed by
// group ids); data, so that a `--kb` file can add one. The loader checks the ids that name groups.
export const GroupSchema = z.strictObject({
  id,
  name: text,
  family: z.enum(FAMILIES),
  description: text,
  sources,
});

// ---------- models ----------
const LlmArchitectureSchema = z.strictObject({
  layers: z.number().int().positive(),
  hidden: z.number().int().positive(),
  intermediate: z.number().int().positive(),
  heads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  vocab: z.number().int().positive(),
  tiedEmbeddings: z.boolean(),
  qkvBias: z.boolean().default(false),
  fusedQkv: z.boolean().default(false),
  normsPerLayer: z.number().int().positive().default(2),
  /**
   * RMSNorm on each head's queries and keys (Qwen3 q_norm/k_norm, Gemma 3): 2 x headDim weights
   * per layer (torchtune qwen3 builders q_norm=True, k_norm=True; litgpt norm_qk=True)
   */
  qkNorm: z.boolean().default(false),
  /** gate and up projections fused into one matrix (Phi-3 gate_up_proj) */
  fusedGateUp: z.boolean().default(false),
  /** gated = gate/up/down (SwiGLU, GeGLU); plain = up/down (GELU MLPs of BLOOM, GPT-NeoX, phi-1.5) */
  mlp: z.enum(['gated', 'plain']).default('gated'),
  /** every linear layer has a bias */
  linearBias: z.boolean().default(false),
  /** LayerNorm with bias (2 x hidden per norm) */
  normBias: z.boolean().default(false),
  /** encoder-decoder (T5): `layers` encoder layers and this many decoder layers with cross-attention */
  decoderLayers: z.number().int().positive().optional(),
  /** learned absolute position embeddings */
  positionEmbeddings: z.number().int().positive().optional(),
  /** attention and MLP in parallel from one norm (GPT-NeoX, Falcon, phi-1.5); informational */
  parallelBlock: z.boolean().optional(),
  /**
   * attention scores soft-capped as cap x tanh(score / cap) (Gemma 2); fused attention kernels
   * cannot apply it, so training runs eager attention that keeps the sequence x sequence scores
   */
  attentionSoftcap: z.number().positive().optional(),
  /** final logits soft-capped the same way (Gemma 2): one more logits-sized tensor kept */
  finalLogitSoftcap: z.number().positive().optional(),
  /**
   * false where the model's own code (trust_remote_code) runs the cross-entropy on the logits in
   * their dtype, without the fp32 upcast of transformers' loss (Qwen v1's QWenLMHeadModel); under
   * autocast the op is upcast anyway, so it matters only in pure half precision (DeepSpeed fp16)
   */
  lossUpcast: z.boolean().default(true),
  /** a learned sink logit per head and layer (gpt-oss) */
  attentionSinks: z.boolean().default(false),
  /** a mixture-of-experts MLP in place of the dense one (in every `every`-th layer) */
  moe: z
    .strictObject({
      /** routed experts per MoE layer, all resident in memory */
      experts: z.number().int().min(2),
      /** routed experts each token runs through */
      perToken: z.number().int().positive(),
      /** intermediate width of one expert's MLP (gated: gate, up and down matrices) */
      expertIntermediate: z.number().int().positive(),
      /** experts every token runs through besides the routed ones (Llama 4: 1) */
      shared: z.number().int().nonnegative().default(0),
      /** every n-th layer is an MoE layer, the others keep the dense MLP of `intermediate` (Llama 4 Maverick: 2) */
      every: z.number().int().positive().default(1),
    })
    .optional(),
});

const BlockGroupSchema = z.strictObject({
  count: z.number().int().positive(),
  width: z.number().int().positive(),
  tokensPerLatentPixel: z.number().positive().max(1),
  // feed-forward parameters per block over 2 x width^2 (d -> 4d -> d: 4); a mixture-of-experts
  // block's the experts a token runs through (shared + routed per token + router)
  mlpRatio: z.number().positive().default(4),
  // attention heads of each block (the denoiser's config.json): what eager attention's scores scale with
  heads: z.number().int().positive().optional(),
  kind: text.optional(),
});

const ComponentSchema = z.strictObject({
  name: text,
  params: z.number().int().positive(),
  // token-embedding width (text encoders): what a textual-inversion vector and cross-attention K/V see
  width: z.number().int().positive().optional(),
});

const TextEncoderSchema = ComponentSchema.extend({
  // d_in + d_out summed over the encoder's attention projections (q, k, v, out) and with its MLP
  // (fc1, fc2): LoRA parameters per unit of rank when --train-text-encoder trains adapters in it;
  // absent for an encoder adapters are not trained in (T5-XXL: kohya trains it only on request)
  loraDims: z
    .strictObject({ attention: z.number().int().positive(), 'attention-mlp': z.number().int().positive() })
    .optional(),
});

const ImageComponentsSchema = z.strictObject({
  denoiser: z.strictObject({
    name: text,
    // unet: convolutional levels with cross-attention; mmdit: joint attention over image and text
    // tokens (SD3, FLUX); dit: transformer blocks that cross-attend to the text tokens (Wan)
    kind: z.enum(['unet', 'mmdit', 'dit']),
    params: z.number().int().positive(),
    blocks: z.array(BlockGroupSchema).min(1),
    textTokens: z.number().int().nonnegative(),
    // reference images whose latent tokens join every sample's sequence (FLUX.1 Kontext's paired
    // reference: the pipeline concatenates image_latents to the noisy latents)
    referenceImages: z.number().int().nonnegative().optional(),
    // a mixture-of-experts feed-forward in the blocks (HiDream-I1), as a language model's `moe`:
    // every routed expert resident (in `params`), each token through `perToken` of them and the
    // `shared` ones (the blocks' mlpRatio is that active path), the router
    moe: z
      .strictObject({
        /** routed experts per block, all resident in memory */
        experts: z.number().int().min(2),
        /** routed experts each token runs through */
        perToken: z.number().int().positive(),
        /** experts every token runs through besides the routed ones */
        shared: z.number().int().nonnegative().default(0),
        /** the denoiser's parameters in use at once: params less the routed experts a token skips (the modulations, run once per sample, among them) */
        activeParams: z.number().int().positive(),
        /**
         * d_in + d_out of every routed expert's matrices over the blocks: what --targets experts adds
         * to attention-mlp, which leaves the routed experts and router out as the trainers do
         */
        expertLoraDims: z.number().int().positive(),
      })
      .optional(),
  }),
  textEncoders: z.array(TextEncoderSchema).min(1),
  vae: ComponentSchema,
});

const LoraDimsSchema = z.strictObject({
  qv: z.number().int().positive(),
  attention: z.number().int().positive(),
  'attention-mlp': z.number().int().positive(),
  all: z.number().int().positive(),
});

const ModelCommon = {
  id,
  name: text,
  // a group id (groups.yaml), checked against the groups that exist by the loader's cross-checks
  group: id,
  publisher: text.optional(),
  license: text.optional(),
  aliases: z.array(text).default([]),
  params: z.number().int().positive(),
  notes: text.optional(),
  sources,
};

export const LlmModelSchema = z.strictObject({
  ...ModelCommon,
  family: z.literal('llm'),
  contextLength: z.number().int().positive(),
  architecture: LlmArchitectureSchema,
  /** the chat template its instruct/chat variant is trained with, by LLaMA-Factory's template name */
  chatTemplate: text.optional(),
});

export const ImageModelSchema = z.strictObject({
  ...ModelCommon,
  family: z.literal('image'),
  nativeResolution: z.number().int().min(64).max(8192),
  latent: z.strictObject({ downscale: z.number().int().positive(), channels: z.number().int().positive() }),
  components: ImageComponentsSchema,
  loraDims: LoraDimsSchema,
  loraDimsDerivation: text.optional(),
  /**
   * how its diffusers pipeline samples by default (the `__call__` defaults), which is how the
   * DreamBooth scripts generate class images: denoiser evaluations per image = steps, twice with
   * classifier-free guidance (`cfg`), once for a guidance-distilled model (`distilled`)
   */
  sampling: z.strictObject({ steps: z.number().int().positive(), guidance: z.enum(['cfg', 'distilled']) }).optional(),
  /**
   * the frozen components a full fine-tune's checkpoint holds beside the denoiser, as the family
   * shares it: none for FLUX (its transformer file; text encoders and VAE shared apart), the VAE
   * for SD3 Medium, text encoders and VAE for SD 1.x / 2.x / XL single-file checkpoints; trained
   * text encoders are saved either way
   */
  checkpointBundles: z.array(z.enum(['textEncoders', 'vae'])).default([]),
});

const VideoComponentsSchema = ImageComponentsSchema.extend({
  // a transformer either way: cross-attention blocks (Wan, LTX-Video) or double- and single-stream
  // joint-attention blocks over the latent and text tokens (HunyuanVideo, FLUX's layout)
  denoiser: ImageComponentsSchema.shape.denoiser.extend({ kind: z.enum(['dit', 'mmdit']) }),
});

export const VideoModelSchema = z.strictObject({
  ...ModelCommon,
  family: z.literal('video'),
  /** the clip size its trainers train at by default, in pixels */
  nativeSize: z.strictObject({ width: z.number().int().min(64).max(8192), height: z.number().int().min(64).max(8192) }),
  /** frames per training clip the trainers' documentation defaults to */
  nativeFrames: z.number().int().positive().max(1024),
  /**
   * the VAE's compression: `frames` frames to one latent frame after the first (the causal 3-D VAE
   * of Wan, HunyuanVideo, LTX-Video: 1 + (F - 1) / frames latent frames), `downscale` pixels to a
   * latent pixel per side, and its latent channels; the denoiser's patch is in its blocks'
   * tokensPerLatentPixel (a 1 x 2 x 2 patch: 0.25)
   */
  latent: z.strictObject({
    frames: z.number().int().positive(),
    downscale: z.number().int().positive(),
    channels: z.number().int().positive(),
  }),
  components: VideoComponentsSchema,
  loraDims: LoraDimsSchema,
  loraDimsDerivation: text.optional(),
  /** as an image model's: the frozen components a full fine-tune's checkpoint holds beside the denoiser */
  checkpointBundles: z.array(z.enum(['textEncoders', 'vae'])).default([]),
});

export const ModelSchema = z.discriminatedUnion('family', [LlmModelSchema, ImageModelSchema, VideoModelSchema]);

// ---------- techniques ----------
const level = z.number().int().min(1).max(5);
const LevelAttr = z.strictObject({ level, text });
const GoalFit = z.strictObject({ fit: z.number().int().min(0).max(3), text });

export const DefaultsSchema = z.strictObject({
  steps: z.number().int().positive(),
  learningRate: z.number().positive().max(10),
  rank: z.number().int().positive().optional(),
  batch: z.number().int().positive(),
  microBatch: z.number().int().positive().optional(),
  seqLen: z.number().int().positive().optional(),
  resolution: z.number().int().min(64).max(8192).optional(),
  /** frames per clip the recipe trains (video models); absent: the model's nativeFrames */
  frames: z.number().int().positive().max(1024).optional(),
  targets: z.enum(TARGETS).optional(),
  optimizer: z.enum(OPTIMIZERS),
  precision: z.enum(PRECISIONS).optional(),
  quantize: z.enum(QUANTIZATIONS).optional(),
  trainTextEncoder: z.boolean().optional(),
  priorPreservation: z.boolean().optional(),
  virtualTokens: z.number().int().positive().optional(),
  /** LoKr's Kronecker factor (LyCORIS `factor`; -1: the factors nearest the square root) */
  factor: z.union([z.literal(-1), z.number().int().min(1).max(4096)]).optional(),
  /**
   * the dataset the recipe's steps were published for (images, or examples): with steps and batch
   * it gives the recipe's epochs, which a user's own data is trained for; absent, the technique's
   * typical data size stands in
   */
  recipeSamples: z.number().int().positive().optional(),
  /**
   * the fewest optimizer steps, at this recipe's batch, of a run that still teaches: the shortest
   * complete run a source reports working. A run shortened to a time budget stops here (or at the
   * technique's least data at the recipe's epochs, if that is more); absent, only the data floor counts
   */
  minSteps: z.number().int().positive().optional(),
  notes: text.optional(),
});

export const TechniqueSchema = z.strictObject({
  id,
  name: text,
  families: z.array(z.enum(FAMILIES)).min(1),
  summary: text,
  method: z.enum(METHODS),
  attributes: z.strictObject({
    trains: z.strictObject({ value: text, text }),
    trainingTime: LevelAttr,
    resourceUse: LevelAttr,
    storage: z.strictObject({ minMB: z.number().nonnegative(), maxMB: z.number().positive(), text }),
    quality: LevelAttr,
    consistency: LevelAttr,
    modifiesWholeModel: z.strictObject({ value: z.boolean(), text }),
    overfittingRisk: LevelAttr,
    flexibility: LevelAttr,
  }),
  goals: z.strictObject({
    subject: GoalFit.optional(),
    style: GoalFit.optional(),
    concept: GoalFit.optional(),
    motion: GoalFit.optional(),
    task: GoalFit.optional(),
    domain: GoalFit.optional(),
    chat: GoalFit.optional(),
    preference: GoalFit.optional(),
    reasoning: GoalFit.optional(),
  }),
  data: z.strictObject({
    image: z
      .strictObject({
        minImages: z.number().int().nonnegative(),
        typicalImages: z.number().int().positive().optional(),
        /** class images the technique's sources generate for prior preservation (subject goals); absent: none */
        classImages: z.number().int().positive().optional(),
        text,
      })
      .optional(),
    llm: z
      .strictObject({
        minExamples: z.number().int().nonnegative(),
        typicalExamples: z.number().int().positive().optional(),
        text,
      })
      .optional(),
  }),
  // keyed by group id (groups.yaml); the loader's cross-checks reject a group that does not exist
  defaults: z.record(id, DefaultsSchema),
  pitfalls: z.array(PitfallSchema).min(1),
  sources,
});

// ---------- rules ----------
const scalar = z.union([z.number(), z.string(), z.boolean()]);
const FactRef = z.strictObject({ fact: text });
export const ConditionSchema = z.strictObject({
  fact: text,
  op: z.enum(OPERATORS),
  value: z.union([scalar, z.array(z.union([z.string(), z.number()])), FactRef]),
});

export const RuleSchema = z.strictObject({
  id,
  kind: z.enum(['hard', 'soft']),
  description: text,
  when: z.array(ConditionSchema).optional(),
  check: ConditionSchema.optional(),
  score: z
    .strictObject({ points: z.number().optional(), weight: z.number().optional(), fact: text.optional() })
    .optional(),
  reason: z.strictObject({ pass: text, fail: text.optional() }),
  disabled: z.boolean().optional(),
  sources: z.array(SourceSchema).optional(),
});

// ---------- the data plan ----------
// How to prepare the data for a run: one entry a piece of advice, on one topic (a model family's
// topics: captions, trigger, class images; chat template, loss masking, packing), for the runs its
// `applies` conditions hold for. A recommendation shows, per topic, the entry that matches the run
// most specifically.
export const DataAdviceSchema = z.strictObject({
  id,
  topic: z.enum(DATA_TOPICS),
  applies: AppliesSchema.optional(),
  text,
  sources,
});

// ---------- trainers ----------
/** a value a config file gives an option: text, a number, a switch, a list of text, or null (torchtune's `seed: null`) */
const OptionValueSchema = z.union([text, z.number(), z.boolean(), z.array(text), z.null()]);
/** options set together: option name -> value */
const OptionSetSchema = z.record(text, OptionValueSchema);
/**
 * How one setting is written: the option's name (the setting's value as is), the option with a map
 * from the setting's values to the option's (`values`; a value missing from it is not written and
 * `config` says so), a switch's opposite (`negate`: the option turns the setting off), the value that turns a switch off (`off`), a set of options per value (`sets`:
 * e.g. a 4-bit base is two options), or several options that each take the value as is (OneTrainer's text_encoder.train and text_encoder_2.train).
 */
const ConfigOptionSchema = z.union([
  text,
  // one setting written to several options (Unsloth's sequence length: from_pretrained.max_seq_length
  // and SFTConfig.max_length), each with the setting's value
  z.array(text).min(2),
  // option: several options given the same mapped value (Unsloth's use_gradient_checkpointing, in both calls)
  z.strictObject({ option: z.union([text, z.array(text).min(2)]), values: z.record(text, OptionValueSchema) }),
  /** a switch written as the option that turns it off (LLaMA-Factory's disable_gradient_checkpointing) */
  z.strictObject({ option: text, negate: z.literal(true) }),
  /**
   * a switch on unless the option is given the value that turns it off, left out when on (kohya's
   * train_db.py trains the text encoder unless stop_text_encoder_training is -1)
   */
  z.strictObject({ option: text, off: OptionValueSchema }),
  z.strictObject({
    sets: z.record(text, OptionSetSchema),
    /** per value, other sets `check` reads as it and `config` never writes (axolotl's Cut Cross-Entropy plugin as the fused loss) */
    reads: z.record(text, z.array(OptionSetSchema).min(1)).optional(),
    /**
     * options whose list in a set names members the file's list must have, whatever else it has
     * (axolotl's plugins: a logger's plugin beside Liger's changes nothing)
     */
    within: z.array(text).optional(),
  }),
]);
/**
 * The option table `finetune-advisor config` writes a trainer's files from: which writer lays the
 * files out, the trainer version the option names were checked against, the launch command, the
 * option per setting, and what each model group and technique adds. Its sources are the trainer's
 * (`for: [config...]`).
 */
export const TrainerConfigSchema = z.strictObject({
  writer: z.enum(CONFIG_WRITERS),
  /** the training config's file name */
  file: text,
  /** a comment line on how the trainer reads the file ({script}: the group's script) */
  reads: text,
  /** the trainer version (repository@commit and version string) the option names were checked against */
  checkedAgainst: text,
  /** the launch command; {script}, {config} and {dataset} stand for the script and the written files */
  launch: text,
  /** options every file of this trainer sets, written first (ai-toolkit's `job: extension`) */
  set: OptionSetSchema.optional(),
  options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema),
  /**
   * a language model's entry of the datasets list; {data} stands for the JSONL file's path (text:
   * the entry is the path itself, ms-swift's `dataset: [train.jsonl]`)
   */
  datasetEntry: z.union([z.record(text, text), text]).optional(),
  /**
   * a registry file the config names its dataset in (LLaMA-Factory reads `dataset: NAME` from the
   * dataset_info.json in `dataset_dir`): the file's name, the name the data is registered under and
   * its entry ({data}: the JSONL file's name, relative to the registry's folder), written as JSON
   */
  datasetRegistry: z
    .strictObject({ file: text, name: id, entry: z.record(text, z.union([text, z.record(text, text)])) })
    .optional(),
  /** the dataset file's options (kohya's dataset TOML) */
  dataset: z
    .partialRecord(
      z.enum(CONFIG_DATASET_SETTINGS),
      z.union([text, z.strictObject({ option: text, values: z.record(text, OptionValueSchema) })]),
    )
    .optional(),
  /** options every subset sets, before its own (OneTrainer's concept type, SimpleTuner's backend type) */
  datasetSet: OptionSetSchema.optional(),
  /**
   * the file the image subsets are written to (kohya's dataset TOML, OneTrainer's concepts JSON);
   * absent, they are entries of the list `datasetIn` names in the training file
   */
  datasetFile: text.optional(),
  /** entries the dataset file always has after the subsets (SimpleTuner's text-embeds backend) */
  datasetEntries: z.array(OptionSetSchema).optional(),
  /** a line on how the trainer reads the dataset file (its header) */
  datasetReads: text.optional(),
  /** the path of the list in the training file whose entries are the subsets (ai-toolkit's `config.process.0.datasets`) */
  datasetIn: text.optional(),
  /**
   * per model group: the script to launch and the options it always sets; with `models`, only for
   * those models (torchtune ships a model builder per model), and `techniques` the options each
   * technique sets for them (its builder)
   */
  groups: z
    .array(
      z.strictObject({
        groups: z.array(id).min(1),
        models: z.array(id).min(1).optional(),
        script: text.optional(),
        /** per technique: the script it runs with instead (diffusers: train_dreambooth.py for full DreamBooth) */
        scripts: z.record(id, text).optional(),
        set: OptionSetSchema.optional(),
        techniques: z.record(id, OptionSetSchema).optional(),
        /** options these models' scripts name differently or have besides the table's (replacing its entries) */
        options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema).optional(),
        /** what these models add to the layout (the files the options name) */
        layout: text.optional(),
      }),
    )
    .optional(),
  /**
   * per technique the table writes: the options that select it (absent: the trainer's default),
   * the script or recipe its launch runs when that depends on the technique (litgpt
   * finetune_lora / finetune_full, torchtune's recipes; it wins over the group's), and the model
   * groups it is written for, when not all of the table's (diffusers' --use_dora: SDXL only)
   */
  techniques: z.record(
    id,
    z.strictObject({
      set: OptionSetSchema.optional(),
      script: text.optional(),
      groups: z.array(id).min(1).optional(),
      /** options its script names differently or has besides the table's, replacing its and the group's entries (kohya's sdxl_train.py: train_text_encoder) */
      options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema).optional(),
      /**
       * option names its script does not have, left out of the file whichever entry writes them (kohya's
       * full fine-tune: no network_module, network_dim, network_train_unet_only of the network scripts)
       */
      omit: z.array(text).min(1).optional(),
      /**
       * a technique the trainer runs only from another kind of file (TRL's LoHa: a Python script
       * passing PEFT's LoHaConfig to SFTTrainer, which `trl sft` cannot): that file's writer, name,
       * how it is read, its launch, dataset entry and layout; its `options` are then the whole option table
       * of that file (not merged with the table's)
       */
      writer: z.enum(CONFIG_WRITERS).optional(),
      file: text.optional(),
      reads: text.optional(),
      launch: text.optional(),
      datasetEntry: z.union([z.record(text, text), text]).optional(),
      /**
       * its instance images are captioned by their caption files alone: the instance subset names no
       * class tokens (kohya's full fine-tune; DreamBooth's instance subset has the identifier and class)
       */
      captionFiles: z.literal(true).optional(),
      /**
       * what the technique adds to the layout (textual inversion: where the placeholder token goes);
       * with its own writer, that file's layout instead of the table's
       */
      layout: text.optional(),
      /**
       * the adapter's own config file, which an option of the training file names (SimpleTuner's
       * LyCORIS lycoris_config.json, named by lycoris_config): written as JSON beside the training
       * file with the options that select the algorithm (`set`) and the settings' options; `check`
       * reads it back from where that option points
       */
      adapterFile: z
        .strictObject({
          file: text,
          option: text,
          reads: text,
          set: OptionSetSchema,
          options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema),
        })
        .optional(),
    }),
  ),
  /**
   * per script a group or technique launches (by its path as `script`/`scripts` give it): the
   * options it names differently or has besides the table's (null: it has no option for the
   * setting, so a switch the run turns on is refused rather than left out), options it always
   * sets, the table's option names it does not have, and its own dataset layout in place of the
   * table's (kohya's train_db.py: stop_text_encoder_training; diffusers' train_text_to_image.py:
   * train_data_dir and its captions file, no instance prompt)
   */
  scriptOptions: z
    .record(
      text,
      z.strictObject({
        options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema.nullable()).optional(),
        set: OptionSetSchema.optional(),
        omit: z.array(text).min(1).optional(),
        layout: text.optional(),
      }),
    )
    .optional(),
  /** the dataset layout the trainer expects, as printed after the files */
  layout: text,
  /**
   * a command whose --flags are the config's keys (ms-swift: `swift sft --lora_rank 8` is the
   * YAML's `lora_rank: 8`), so `check` reads such a command line (a train.sh) as the config
   */
  commandLine: z.union([text, z.array(text).min(1)]).optional(),
  /**
   * the model a file names by its architecture and variant when it names no path, as the trainer
   * resolves them (SimpleTuner's setup_model_flavour: HUGGINGFACE_PATHS[model_flavour], else the
   * family's DEFAULT_MODEL_FLAVOUR), which `check` reads the file's model as: the options that name
   * the family and the flavour, and per family its default flavour and each flavour's Hub id
   */
  /**
   * the trainer's own values of options a file may leave out, where a set of the table names them
   * (LLaMA-Factory's quantization_method bnb and quantization_type nf4, stage sft): `check` reads an
   * absent option as its default
   */
  optionDefaults: z.record(text, OptionValueSchema).optional(),
  /**
   * a model builder whose name says the technique by its prefix and the model by the rest, for the
   * models the table has no entry of (torchtune's torchtune.models.qwen2_5.lora_qwen2_5_14b_instruct:
   * a LoRA of qwen2_5_14b_instruct; no prefix: the full fine-tune): `check` reads them so
   */
  modelBuilder: z.strictObject({ option: text, prefixes: z.record(text, z.string()) }).optional(),
  modelFlavours: z
    .strictObject({
      family: text,
      flavour: text,
      families: z.record(
        text,
        z.strictObject({ default: text, flavours: z.array(z.strictObject({ id: text, path: text })).min(1) }),
      ),
    })
    .optional(),
  /**
   * the files and launch for several cards (settings.cards > 1), per strategy the trainer runs: the
   * options its own file gains (`{deepspeed}` / `{accelerate}` / `{fsdp}` stand for the paths of the
   * files written beside it), the keys of a DeepSpeed JSON, of an accelerate config and of the
   * trainer's own FSDP JSON (ms-swift's --fsdp file) written beside it (each with the keys every such
   * file of this trainer has; a value "{cards}" is the number of cards), the launch line ({cards},
   * {config}, {script}, {deepspeed}, {accelerate}, {fsdp}) and, per technique, the script or recipe it
   * runs instead (torchtune's *_distributed recipes)
   */
  distributed: z
    .strictObject({
      deepspeedFile: text.optional(),
      deepspeedSet: OptionSetSchema.optional(),
      accelerateFile: text.optional(),
      accelerateSet: OptionSetSchema.optional(),
      fsdpFile: text.optional(),
      fsdpSet: OptionSetSchema.optional(),
      /**
       * the environment variable a launch line gives the cards in (ms-swift's NPROC_PER_NODE=2 swift
       * sft ...), which `check` reads the cards from, and DDP where no strategy's keys are in the file
       */
      cardsVariable: text.optional(),
      /** the run's settings the accelerate config takes (mixed_precision from the precision) */
      accelerateOptions: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema).optional(),
      strategies: z.partialRecord(
        z.enum(STRATEGIES),
        z.strictObject({
          set: OptionSetSchema.optional(),
          deepspeed: OptionSetSchema.optional(),
          accelerate: OptionSetSchema.optional(),
          fsdp: OptionSetSchema.optional(),
          launch: text,
          scripts: z.record(id, text).optional(),
          /**
           * options the strategy names differently or refuses, replacing the table's, the group's and the
           * technique's entries (axolotl's FSDP2: no bitsandbytes adamw_8bit, its validator's error)
           */
          options: z.partialRecord(z.enum(CONFIG_SETTINGS), ConfigOptionSchema).optional(),
          /** the techniques the strategy is written for, when not all of the table's (LitGPT: no quantized base on several devices) */
          techniques: z.array(id).min(1).optional(),
          /**
           * run settings the strategy holds whatever the trainer's own file says, which `check` reads
           * it as (ms-swift's fsdp2 preset checkpoints every layer through FSDP, and then turns
           * gradient_checkpointing off)
           */
          implies: z.partialRecord(z.enum(CONFIG_SETTINGS), OptionValueSchema).optional(),
        }),
      ),
    })
    .optional(),
  /**
   * values the trainer's own files use that stand for a value of the table (axolotl's `bf16:
   * auto`, bf16 where the card has it): option path -> file value -> the value `check` reads it as
   */
  readAs: z.record(text, z.record(text, OptionValueSchema)).optional(),
  /**
   * options of the trainer's recipes that make a run the estimate does not model in full
   * (torchtune's distillation teacher, PPO's reward and value models): where a file has one, `check`
   * warns with the note, or stops with it (`stops`) where the estimate would be of another run
   */
  unmodelled: z.array(z.strictObject({ option: text, note: text, stops: z.boolean().optional() })).optional(),
});
/** A technique a trainer runs, and the option or script that selects it there. */
const TrainerTechniqueSchema = z.strictObject({ id, via: text.optional() });
/**
 * A strategy for several cards a trainer runs (vocabulary STRATEGIES, src/estimate/parallel.ts), and
 * the option, file or launcher that selects it there; the id is checked against the vocabulary by
 * the loader (checks.ts), with the nearest name.
 */
const TrainerStrategySchema = z.strictObject({ id: text, via: text.optional() });

// What a trainer does by default that changes memory and speed, and the savers it offers; a field
// its source does not show is left out (the run keeps the technique's recipe there).

/** run settings a trainer takes unless a flag or its file says otherwise */
const TrainerDefaultsSchema = z.strictObject({
  precision: z.enum(PRECISIONS).optional(),
  quantize: z.enum(QUANTIZATIONS).optional(),
  /** latents and text embeddings cached (image models) */
  cache: z.boolean().optional(),
});
export const TrainerSchema = z.strictObject({
  id,
  name: text,
  families: z.array(z.enum(FAMILIES)).min(1),
  /** the families this trainer is assumed for when none is given (one per family; checked by the loader) */
  defaultFor: z.array(z.enum(FAMILIES)).min(1).optional(),
  /**
   * model groups (groups.yaml) of its families that it does not train, e.g. musubi-tuner has no
   * LTX-Video; checked by the loader. A model of such a group defaults to the first trainer that does
   */
  notFor: z.array(id).min(1).optional(),
  /** how it computes the cross-entropy by default (language models) */
  loss: z.enum(LOSSES).optional(),
  /** its default attention kernel */
  attention: z.enum(ATTENTIONS).optional(),
  /** its default gradient checkpointing: off, on, or on with the checkpoints offloaded to the CPU */
  /**
   * `several-cards`: no option on one card, always on with several (LitGPT: checkpoint_wrapper on
   * every Block under its multi-device strategies)
   */
  gradientCheckpointing: z.enum([...CHECKPOINTING, 'several-cards']).optional(),
  /**
   * the least micro-batch it runs an objective at, where that is not TRL's (objectives.ts minBatch):
   * LLaMA-Factory's and ms-swift's KTO pair the KL completions across the batch without TRL's check
   */
  objectiveMinBatch: z.partialRecord(z.enum(OBJECTIVES), z.number().int().positive()).optional(),
  /** the precision it saves adapters and checkpoints in by default */
  savePrecision: z.enum(SAVE_PRECISIONS).optional(),
  /** run settings it applies unless told otherwise, as its own runs and examples keep them */
  defaults: TrainerDefaultsSchema.optional(),
  /**
   * what its code falls back to for a key a config file leaves out, where its examples and the
   * advice set another (ai-toolkit's train.dtype: fp32, while every example writes bf16): read by
   * `check` for a file without the key, never applied to a planned run
   */
  unsetDefaults: TrainerDefaultsSchema.extend({
    /** the micro-batch, accumulation and optimizer of a file that names none (TrainingArguments' 8, 1 and AdamW) */
    batch: z.number().int().positive().optional(),
    gradAccum: z.number().int().positive().optional(),
    optimizer: z.enum(OPTIMIZERS).optional(),
  }).optional(),
  /** the memory savers it offers */
  savers: z.array(z.enum(SAVERS)).default([]),
  /**
   * the optimizers it runs, its default first, where it runs only some (diffusers' example scripts:
   * torch AdamW, --use_8bit_adam, Prodigy): a recipe's other optimizer (Adafactor) is planned as
   * its default instead; absent, every optimizer is taken as runnable
   */
  optimizers: z.array(z.enum(OPTIMIZERS)).min(1).optional(),
  /**
   * a quantized base reaches a mixture-of-experts model's routed experts, which Transformers v5
   * stores as fused 3-D parameters that bitsandbytes cannot quantize on load
   */
  quantizesExperts: z.boolean().optional(),
  /** the text-encoder layers its LoRA adapts with text-encoder training: attention, or attention and MLP */
  textEncoderTargets: z.enum(['attention', 'attention-mlp']).optional(),
  /** the denoiser layers its LoRA network adapts whatever the recipe names (kohya's networks.lora: attention and MLP); --targets over it */
  loraTargets: z.enum(TARGETS).optional(),
  /** the techniques it runs (absent: not recorded, every technique is taken as runnable) */
  techniques: z.array(TrainerTechniqueSchema).optional(),
  /**
   * the strategies for several cards it runs (absent: not recorded, every strategy is taken as
   * runnable; empty: one card per run)
   */
  strategies: z.array(TrainerStrategySchema).optional(),
  /** the option table `finetune-advisor config` writes its files from */
  config: TrainerConfigSchema.optional(),
  notes: text.optional(),
  sources,
});

export const RuleSwitchSchema = z.strictObject({ id, disabled: z.literal(true) });

export const FileSchemas = {
  gpus: z.strictObject({ gpus: z.array(GpuSchema).min(1) }),
  models: z.strictObject({ models: z.array(ModelSchema).min(1) }),
  techniques: z.strictObject({ techniques: z.array(TechniqueSchema).min(1) }),
  // a user file may switch a bundled rule off with just `- id: ...` and `disabled: true`
  rules: z.strictObject({ rules: z.array(z.union([RuleSchema, RuleSwitchSchema])).min(1) }),
  groups: z.strictObject({ groups: z.array(GroupSchema).min(1) }),
  dataPlan: z.strictObject({ dataPlan: z.array(DataAdviceSchema).min(1) }),
  trainers: z.strictObject({ trainers: z.array(TrainerSchema).min(1) }),
};
export type KbKind = keyof typeof FileSchemas;

export type Source = z.infer<typeof SourceSchema>;
export type Applies = z.infer<typeof AppliesSchema>;
export type Pitfall = z.infer<typeof PitfallSchema>;
export type DataAdvice = z.infer<typeof DataAdviceSchema>;
export type Gpu = z.infer<typeof GpuSchema>;
export type ModelGroup = z.infer<typeof GroupSchema>;
export type LlmModel = z.infer<typeof LlmModelSchema>;
export type ImageModel = z.infer<typeof ImageModelSchema>;
export type VideoModel = z.infer<typeof VideoModelSchema>;
export type Model = z.infer<typeof ModelSchema>;
export type Technique = z.infer<typeof TechniqueSchema>;
export type Trainer = z.infer<typeof TrainerSchema>;
export type TechniqueDefaults = z.infer<typeof DefaultsSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type {
  DataTopic,
  Family,
  Goal,
  Group,
  Method,
  Optimizer,
  Precision,
  Priority,
  Quantization,
  Targets,
} from './vocabulary.js';
