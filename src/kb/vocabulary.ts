// The closed vocabularies of the knowledge base and the answers. Kept free of zod so the engine
// and the fast paths can use them without loading the validator.
export const FAMILIES = ['image', 'llm', 'video'] as const;
export const IMAGE_GOALS = ['subject', 'style', 'concept'] as const;
export const LLM_GOALS = ['task', 'domain', 'chat', 'preference', 'reasoning'] as const;
/** what only a video model learns: a movement, camera motion or action over its frames */
export const VIDEO_GOALS = ['motion'] as const;
export const GOALS = [...IMAGE_GOALS, ...LLM_GOALS, ...VIDEO_GOALS] as const;
/**
 * What a language-model run optimises: supervised fine-tuning on demonstrations, or a preference /
 * RL objective as TRL names its trainers (DPOTrainer, ORPOTrainer, KTOTrainer, GRPOTrainer). Their
 * memory and time are src/estimate/objectives.ts. Image runs are sft (their denoising loss).
 */
export const OBJECTIVES = ['sft', 'dpo', 'orpo', 'kto', 'grpo'] as const;
/** The objective of a run that names none: supervised fine-tuning. */
export const DEFAULT_OBJECTIVE = OBJECTIVES[0];
export const PRIORITIES = ['balanced', 'quality', 'speed', 'size'] as const;
export const METHODS = [
  'full',
  'lora',
  'loha',
  'lokr',
  'dora',
  'qlora',
  'embedding',
  'crossattn-kv',
  'ia3',
  'prompt',
  'ptuning',
  'prefix',
] as const;
export const PRECISIONS = ['fp32', 'mixed-fp16', 'mixed-bf16', 'fp16', 'bf16', 'fp16-master', 'bf16-master'] as const;
export const QUANTIZATIONS = ['none', 'fp8', 'int8', 'nf4'] as const;
export const OPTIMIZERS = [
  'adamw',
  'adamw-8bit',
  'paged-adamw-8bit',
  'adafactor',
  'sgd',
  'lion',
  'lion-8bit',
  'prodigy',
] as const;
export const TARGETS = ['qv', 'attention', 'qvo-mlp', 'attention-mlp', 'all', 'experts'] as const;

/** --interconnect: the link between the cards of a node, over the catalogue's default (src/estimate/card.ts) */
export const INTERCONNECTS = ['nvlink', 'pcie'] as const;
export type Interconnect = (typeof INTERCONNECTS)[number];

/**
 * how a trainer computes the cross-entropy: over the full tokens x vocabulary logits (upcast to
 * fp32 whole), upcast a chunk at a time (torchtune), or fused with the output projection so only a
 * chunk's logits ever exist (Liger's fused linear cross-entropy, Unsloth's fused CE loss)
 */
export const LOSSES = ['full', 'chunked', 'fused'] as const;
/** the attention kernel: eager keeps every layer's sequence x sequence scores; sdpa and flash do not */
export const ATTENTIONS = ['eager', 'sdpa', 'flash'] as const;
export const CHECKPOINTING = ['off', 'on', 'offloaded'] as const;
/** how several cards share a run (src/estimate/parallel.ts); a single card has none */
export const STRATEGIES = [
  'ddp',
  'zero1',
  'zero2',
  'zero3',
  'zero3-offload',
  'fsdp-grad-op',
  'fsdp',
  'fsdp-offload',
  'fsdp-qlora',
  'fsdp-qlora-offload',
] as const;
export const SAVE_PRECISIONS = ['fp16', 'bf16', 'fp32'] as const;
/** the dtype a frozen base is loaded in (--base-dtype), when not the compute dtype scripts cast it to */
export const BASE_DTYPES = ['fp32', 'bf16', 'fp16'] as const;
/** memory savers a trainer offers (trainers.yaml): fused/chunked loss kernels, a low-bit base, offloading */
export const SAVERS = ['liger', 'fp8-base', 'nf4-base', 'block-swap', 'cpu-offload', 'activation-offloading'] as const;

/**
 * The writers `finetune-advisor config` lays a trainer's files out with (the file shapes: kohya's
 * training and dataset TOML; one flat YAML file, as `trl sft --config` and axolotl read); the
 * option names they write come from the trainer's option table (trainers.yaml `config`), not from
 * the writer. `shell`: a POSIX sh script of one `accelerate launch SCRIPT --flag value ...` command
 * (the diffusers example scripts, which take argparse flags only); `python`: a Python script of
 * keyword arguments to known calls, each option named `CALL.keyword` (Unsloth's API).
 */
export const CONFIG_WRITERS = ['kohya', 'yaml', 'json', 'shell', 'python'] as const;
/**
 * The run's settings an option table names a trainer's option for (trainers.yaml `config.options`):
 * the resolved run's settings (TrainingSettings) and the file-level ones a config needs (model,
 * output, dataset; `datasetDir`: the folder of a dataset registry, LLaMA-Factory's dataset_info.json; `dataFile`: the data file's path as one value, litgpt's data.init_args.json_path; `globalBatch`: micro-batch x accumulation on one device, litgpt's train.global_batch_size). `alpha` is written equal to the rank (alpha / rank = 1; the estimate does not
 * depend on it); `epochs` is read by `check` only (config writes the steps); `unetOnly` is the inverse of trainTextEncoder; `cacheTextEncoder` caches the text
 * encoders' outputs when they are frozen and latents are cached. The image settings a trainer
 * without a dataset file takes as options (diffusers' flags): `instanceData` / `classData` the
 * folders, `instancePrompt` / `classPrompt` ("a photo of TOKEN CLASS" / "a photo of CLASS"),
 * `priorPreservation` the switch, `classImages` how many class images, `trainTextEncoder`.
 * `checkpointing` is gradient checkpointing as off, on or offloaded (CHECKPOINTING), for a trainer
 * whose option tells the last two apart (Unsloth's use_gradient_checkpointing "unsloth").
 */
export const CONFIG_SETTINGS = [
  'model',
  'outputDir',
  'outputName',
  // the trained weights' file: the output folder, the output name, .safetensors (OneTrainer)
  'outputFile',
  'datasetConfig',
  'dataset',
  'datasetDir',
  'dataFile',
  'rank',
  'alpha',
  'targets',
  'learningRate',
  'steps',
  'epochs',
  'batch',
  'gradAccum',
  'globalBatch',
  'resolution',
  'seqLen',
  'precision',
  'savePrecision',
  'quantize',
  'optimizer',
  'gradientCheckpointing',
  'cache',
  'cacheTextEncoder',
  'unetOnly',
  // image models: the text encoders trained too (ai-toolkit's train_text_encoder)
  'trainTextEncoder',
  'blocksToSwap',
  'priorLossWeight',
  'attention',
  'loss',
  'instanceData',
  'instancePrompt',
  'priorPreservation',
  'classData',
  'classPrompt',
  'classImages',
  'checkpointing',
  // textual inversion: the new token, the word its embedding starts from, and its vectors
  // (diffusers' --placeholder_token, --initializer_token, --num_vectors; kohya's token_string, ...)
  'placeholderToken',
  // the token as given, where it is also a file name (ai-toolkit's embedding.trigger: TRIGGER.safetensors)
  'triggerWord',
  'initializerToken',
  'vectors',
  // LoKr's Kronecker factor (LyCORIS `factor`; the estimate's --factor)
  'factor',
  // a language model's preference or RL objective (axolotl's rl, LLaMA-Factory's stage): read by
  // check, never written (config writes supervised fine-tuning)
  'objective',
] as const;
/** the dataset file's settings (kohya's dataset TOML; trainers.yaml `config.dataset`) */
export const CONFIG_DATASET_SETTINGS = [
  'batch',
  'resolution',
  'imageDir',
  'repeats',
  'classTokens',
  'isReg',
  'captionExtension',
  // the resolution as a list of square bucket sizes (ai-toolkit's `resolution: [1024]`)
  'resolutions',
  // latents cached, written per subset (ai-toolkit's cache_latents_to_disk)
  'cache',
  // the images each subset gives per epoch: steps x batch x accumulation, so one epoch is the run
  // (OneTrainer's balancing with balancing_strategy SAMPLES)
  'samples',
] as const;

export const OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin'] as const;

/**
 * What a data-plan entry advises on, in the order a data plan lists them: an image model's
 * captions, trigger word or rare token and class images (prior preservation); a language model's
 * chat template, which tokens carry the loss, and packing.
 */
export const DATA_TOPICS = ['captions', 'trigger', 'class-images', 'chat-template', 'loss-masking', 'packing'] as const;

export type Family = (typeof FAMILIES)[number];
/** a model group's id: knowledge-base data (groups.yaml), so a `--kb` file can add one */
export type Group = string;
export type Goal = (typeof GOALS)[number];
export type Objective = (typeof OBJECTIVES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type Method = (typeof METHODS)[number];
export type Precision = (typeof PRECISIONS)[number];
export type ConfigWriter = (typeof CONFIG_WRITERS)[number];
export type ConfigSetting = (typeof CONFIG_SETTINGS)[number];
export type ConfigDatasetSetting = (typeof CONFIG_DATASET_SETTINGS)[number];
export type Quantization = (typeof QUANTIZATIONS)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];
export type Targets = (typeof TARGETS)[number];
export type Loss = (typeof LOSSES)[number];
export type Attention = (typeof ATTENTIONS)[number];
export type Checkpointing = (typeof CHECKPOINTING)[number];
export type Strategy = (typeof STRATEGIES)[number];
export type SavePrecision = (typeof SAVE_PRECISIONS)[number];
export type BaseDtype = (typeof BASE_DTYPES)[number];
export type Saver = (typeof SAVERS)[number];
export type Operator = (typeof OPERATORS)[number];
export type DataTopic = (typeof DATA_TOPICS)[number];

/**
 * The families a goal is for: a video model is trained on the image goals too (a subject, a style,
 * a concept shown over frames) and on motion, which only it has.
 */
export const GOAL_FAMILIES: Record<Goal, readonly Family[]> = {
  subject: ['image', 'video'],
  style: ['image', 'video'],
  concept: ['image', 'video'],
  task: ['llm'],
  domain: ['llm'],
  chat: ['llm'],
  preference: ['llm'],
  reasoning: ['llm'],
  motion: ['video'],
};
/** The family a goal asks for when no model is named (the first of its families: an image goal's image models). */
export const GOAL_FAMILY: Record<Goal, Family> = Object.fromEntries(
  Object.entries(GOAL_FAMILIES).map(([g, f]) => [g, f[0]]),
) as Record<Goal, Family>;
/** Whether a goal is one a model of the family is trained for. */
export const goalFits = (goal: Goal, family: Family): boolean => GOAL_FAMILIES[goal].includes(family);
/**
 * How a language goal's data fills its sequences unless the user says (--packing/--no-packing):
 * continued pre-training (`domain`) packs raw text into full sequences, as the Hugging Face causal
 * LM example groups texts into blocks (transformers examples/pytorch/language-modeling run_clm.py
 * group_texts); instruction and chat data keep one example per sequence (TRL SFTConfig packing
 * defaults to False). Null: not a language goal.
 */
export const GOAL_PACKING: Record<Goal, boolean | null> = {
  subject: null,
  style: null,
  concept: null,
  task: false,
  domain: true,
  chat: false,
  preference: false,
  reasoning: false,
  motion: null,
};

/**
 * The objective a goal trains with unless the user says (--objective): preference pairs with DPO
 * (arXiv 2305.18290, TRL's DPOTrainer), reasoning with GRPO's sampled completions and a reward
 * (arXiv 2402.03300, the DeepSeekMath / R1 recipe, TRL's GRPOTrainer); every other goal is
 * supervised fine-tuning. Null: not a language goal (image runs have no objective to choose).
 */
export const GOAL_OBJECTIVE: Record<Goal, Objective | null> = {
  subject: null,
  style: null,
  concept: null,
  task: 'sft',
  domain: 'sft',
  chat: 'sft',
  preference: 'dpo',
  reasoning: 'grpo',
  motion: null,
};

/** What each objective trains on, for the question and the help. */
export const OBJECTIVE_DESCRIPTIONS: Record<Objective, string> = {
  sft: 'supervised fine-tuning on example answers',
  dpo: 'DPO: pairs of a chosen and a rejected answer, against a reference model',
  orpo: 'ORPO: chosen and rejected pairs, no reference model',
  kto: 'KTO: single answers labelled good or bad (unpaired), against a reference model',
  grpo: 'GRPO: sampled completions scored by a reward (reasoning, verifiable answers)',
};

export const GOAL_DESCRIPTIONS: Record<Goal, string> = {
  subject: 'a specific subject: a face, a pet, a product, a character',
  style: 'an art style, lighting or look',
  concept: 'a new concept, object class or pose',
  task: 'a language model that does one task well (extraction, classification, SQL, ...)',
  domain: 'a language model that knows a domain (medicine, law, your codebase) from lots of text',
  chat: 'a chat assistant with a behaviour, tone or persona',
  preference: 'a language model aligned to preferences: chosen vs rejected answers (DPO)',
  reasoning: 'a language model that reasons to verifiable answers, trained by reward (GRPO)',
  motion: 'a video model that learns a movement, camera motion or action',
};

/** Which of a technique's data entries sizes a family's data: a video model's clips are counted as images are. */
export const DATA_OF_FAMILY: Record<Family, 'image' | 'llm'> = { image: 'image', llm: 'llm', video: 'image' };

/** The families of models each data-plan topic is about (video clips are captioned and triggered as images are). */
export const TOPIC_FAMILIES: Record<DataTopic, readonly Family[]> = {
  captions: ['image', 'video'],
  trigger: ['image', 'video'],
  'class-images': ['image'],
  'chat-template': ['llm'],
  'loss-masking': ['llm'],
  packing: ['llm'],
};
