// The options commands share, each defined once with its parser and help, and the flag types the
// commands receive, inferred from the options they take (commander gives each option's value under
// the camelCase name of its long flag; `--no-color` gives `color`). A test checks every key is
// the name commander uses.
import { groupThousands } from '../format.js';
import {
  ATTENTIONS,
  BASE_DTYPES,
  INTERCONNECTS,
  LOSSES,
  OBJECTIVES,
  OPTIMIZERS,
  PRECISIONS,
  QUANTIZATIONS,
  SAVE_PRECISIONS,
  STRATEGIES,
  TARGETS,
} from '../kb/vocabulary.js';
import { choiceParser, parsePositive, parseVram, positiveInt, type Resolution, resolutionParser } from './parse.js';

export interface OptionSpec<T> {
  flags: string;
  description: string;
  /** parses and checks the text given; none for a switch */
  parse?: (text: string) => T;
  /** a closed set of values, listed in help (parse checks them) */
  choices?: readonly string[];
  conflicts?: string[];
  defaultValue?: T;
  /** help of the `--no-` form that sets the same flag to false, when there is one */
  negation?: string;
}

export type OptionTable = Record<string, OptionSpec<unknown>>;

/** The flags a command receives from its options (each one absent when not given). */
export type FlagsOf<S extends OptionTable> = { [K in keyof S]?: S[K] extends OptionSpec<infer T> ? T : never };

export const switchOption = (flags: string, description: string, negation?: string): OptionSpec<boolean> => ({
  flags,
  description,
  ...(negation ? { negation } : {}),
});
export const textOption = (flags: string, description: string, conflicts?: string[]): OptionSpec<string> => ({
  flags,
  description,
  parse: (t) => t,
  ...(conflicts ? { conflicts } : {}),
});
export function choiceOption<const V extends readonly string[]>(
  flags: string,
  description: string,
  values: V,
): OptionSpec<V[number]> {
  return { flags, description, choices: values, parse: choiceParser(values) };
}

/**
 * Cards in one node: 72, the GPUs of NVIDIA's GB200 NVL72, the largest set one NVLink domain
 * joins ("72 Blackwell GPUs ... joined into one NVLink domain", NVIDIA GB200 NVL72 product page);
 * a server of PCIe cards holds 8 to 10.
 */
export const CARDS_PER_NODE_MAX = 72;
/**
 * Cards in all: 16,384, the largest published training run of an open model ("Llama 3 405B is
 * trained on up to 16K H100 GPUs", The Llama 3 Herd of Models, arXiv 2407.21783, §3.3.1); a
 * fine-tune uses far fewer.
 */
export const CARDS_MAX = 16384;

/** The card: a catalogue GPU, or just its memory; and how many train together, where. */
export const CARD_OPTIONS = {
  gpu: textOption(
    '--gpu <name>',
    'GPU by name, e.g. "RTX 4090", 4090, t4, a100-80gb (see `gpus`); several of one kind: "2x 3090", "8x H100"',
    ['vram'],
  ),
  vram: {
    flags: '--vram <gb>',
    description: "card memory in GB when the GPU is not in the catalogue (with --gpus: each card's)",
    parse: parseVram,
    conflicts: ['gpu'],
  } satisfies OptionSpec<number>,
  gpus: {
    flags: '--gpus <n>',
    description: `cards training together in one node, 1 to ${CARDS_PER_NODE_MAX} (GB200 NVL72's NVLink domain); with --nodes, per node, ${groupThousands(CARDS_MAX)} in all at most (the H100s Llama 3 405B trained on)`,
    parse: positiveInt(
      `a number of cards in a node (more cards: --nodes, up to ${groupThousands(CARDS_MAX)} in all)`,
      1,
      CARDS_PER_NODE_MAX,
    ),
  } satisfies OptionSpec<number>,
  nodes: {
    flags: '--nodes <n>',
    description: 'machines the cards are spread over, each with --gpus cards (default 1)',
    parse: positiveInt('a number of nodes', 1, CARDS_MAX),
  } satisfies OptionSpec<number>,
  interconnect: choiceOption(
    '--interconnect <link>',
    "the link between a node's cards over the catalogue's: nvlink (an NVLink bridge fitted, e.g. two RTX 3090s) or pcie",
    INTERCONNECTS,
  ),
  hostRam: {
    flags: '--host-ram <gb>',
    description:
      "host memory of each node in GB, where CPU offload keeps the optimizer states and parameters (default: twice the node's card memory, a sizing rule of thumb)",
    parse: parsePositive('the host memory in GB', 1, 1048576),
  } satisfies OptionSpec<number>,
};

/**
 * Image side in pixels: at least one bucket step (resolve.ts RESOLUTION_STEP), at most the 8192
 * the schema allows a model's native resolution.
 */
export const RESOLUTION_RANGE = { min: 64, max: 8192 } as const;
/** Frames per clip: the schema's bound on a model's native frames (Wan 2.1 trains 81, Wan 2.2 TI2V 121). */
export const FRAMES_MAX = 1024;
/** Sequence length in tokens (past the model's context length: a warning, resolve.ts runRangeWarnings). */
export const SEQ_LEN_RANGE = { min: 16, max: 1048576 } as const;
/** Adapter rank; the model's width caps it further (resolve.ts runRangeProblem). */
export const RANK_RANGE = { min: 1, max: 65536 } as const;

/** The shape of a run: what a sample is and how many steps. */
export const RUN_SHAPE_OPTIONS = {
  resolution: {
    flags: '--resolution <px|WxH>',
    description: 'training resolution: a side in pixels (512) or WIDTHxHEIGHT (832x480) (image and video models)',
    parse: resolutionParser(RESOLUTION_RANGE.min, RESOLUTION_RANGE.max),
  } satisfies OptionSpec<Resolution>,
  frames: {
    flags: '--frames <n>',
    description: "frames per training clip (video models; default: the model's trainers' default)",
    parse: positiveInt('a number of frames', 1, FRAMES_MAX),
  } satisfies OptionSpec<number>,
  seqLen: {
    flags: '--seq-len <tokens>',
    description: 'sequence length (language models)',
    parse: positiveInt('a sequence length in tokens', SEQ_LEN_RANGE.min, SEQ_LEN_RANGE.max),
  } satisfies OptionSpec<number>,
  steps: {
    flags: '--steps <n>',
    description: "optimizer steps (default: from --images/--examples, else the technique's typical run)",
    parse: positiveInt('a number of steps', 1, 10000000),
  } satisfies OptionSpec<number>,
};

/** Accumulation: micro-steps per optimizer step (--batch is the micro-batch). */
export const GRAD_ACCUM_OPTION = {
  gradAccum: {
    flags: '--grad-accum <n>',
    description: "micro-batches accumulated per optimizer step (default: the recipe's effective batch kept)",
    parse: positiveInt('a number of micro-batches', 1, 4096),
  } satisfies OptionSpec<number>,
};

/**
 * The settings of a run a user may fix, on `estimate` and `recommend` alike: `recommend` plans
 * around them (no memory saver changes one), `estimate` shows exactly them.
 */
export const RUN_KNOB_OPTIONS = {
  batch: {
    flags: '--batch <n>',
    description:
      "micro-batch: images or sequences per micro-step (the recipe's effective batch is kept through accumulation)",
    // 4096 is twice the global batch Stable Diffusion v1 was pretrained with across 256 A100s
    // ("Batch: 32 x 8 x 2 x 4 = 2048", CompVis/stable-diffusion-v1-4 model card): no single card
    // takes a larger micro-batch of images or sequences
    parse: positiveInt('a batch size', 1, 4096),
  } satisfies OptionSpec<number>,
  ...GRAD_ACCUM_OPTION,
  rank: {
    flags: '--rank <n>',
    description: "adapter rank, up to the model's width",
    parse: positiveInt('a rank', RANK_RANGE.min, RANK_RANGE.max),
  } satisfies OptionSpec<number>,
  factor: {
    flags: '--factor <n>',
    description: "LoKr's Kronecker factor (-1: the factors nearest the square root, LyCORIS' default)",
    parse: (v: string) => (v === '-1' ? -1 : positiveInt('a factor (-1 or 1..4096)', 1, 4096)(v)),
  } satisfies OptionSpec<number>,
  targets: choiceOption(
    '--targets <set>',
    "adapted layers: qv, attention, qvo-mlp (a language model's q, v and output projections and the MLP, torchtune's default), attention-mlp (all linear; on a mixture-of-experts language model every expert, on HiDream all but the routed experts), all (also conv, embeddings, head), experts (a mixture-of-experts model: attention-mlp and every expert)",
    TARGETS,
  ),
  precision: choiceOption(
    '--precision <p>',
    'mixed-* = fp32 weights with half-precision compute (autocast); fp16/bf16 = weights held in half precision; *-master = half-precision model with fp32 master weights and no autocast (DeepSpeed)',
    PRECISIONS,
  ),
  quantize: choiceOption(
    '--quantize <q>',
    'quantized frozen base (adapters only; default none, or what the method implies: QLoRA nf4)',
    QUANTIZATIONS,
  ),
  optimizer: choiceOption('--optimizer <o>', 'optimizer', OPTIMIZERS),
  blocksToSwap: {
    flags: '--blocks-to-swap <n>',
    description:
      "transformer blocks whose frozen weights wait in host memory, copied in for their forward and backward (musubi-tuner, kohya --blocks_to_swap; default: none, or what recommend's savers choose)",
    parse: positiveInt('a number of blocks', 1, 1024),
  } satisfies OptionSpec<number>,
  gradientCheckpointing: switchOption(
    '--gradient-checkpointing',
    'recompute activations in the backward pass',
    'keep every activation',
  ),
  priorPreservation: switchOption(
    '--prior-preservation',
    'a generated class image with every instance image (DreamBooth; recommend: on for subjects); --batch then counts instance images',
    'no class images',
  ),
  objective: choiceOption(
    '--objective <o>',
    "what a language model is trained for: sft, or preference pairs (dpo, orpo), labelled single answers (kto), sampled completions scored by a reward (grpo) (default sft; recommend: the goal's, preference dpo, reasoning grpo)",
    OBJECTIVES,
  ),
  strategy: choiceOption(
    '--strategy <s>',
    'how several cards (--gpus) share the run: ddp (all replicated), zero1/zero2/zero3 (DeepSpeed: optimizer states, then gradients, then parameters sharded), zero3-offload, fsdp-grad-op (ZeRO-2 alike), fsdp (full shard), fsdp-offload, fsdp-qlora (a 4-bit base sharded), fsdp-qlora-offload (default: the cheapest that fits)',
    STRATEGIES,
  ),
};

/**
 * The trainer the run is trained with (trainers.yaml; checked against the knowledge base's ids and
 * the model's family once the knowledge base is loaded), the attention kernel and the precision the
 * output is saved in, each over the trainer's default.
 */
export const TRAINER_OPTIONS = {
  trainer: textOption(
    '--trainer <id>',
    "the trainer you train with (see `trainers`); default: the family's (diffusers for image models, transformers for language models)",
  ),
  attention: choiceOption(
    '--attention <kernel>',
    "attention kernel: eager keeps every layer's sequence x sequence scores; sdpa and flash do not (default: the trainer's, else sdpa)",
    ATTENTIONS,
  ),
  savePrecision: choiceOption(
    '--save-precision <dtype>',
    "the dtype the adapter or checkpoint is saved in (default: the trainer's, else the trained weights')",
    SAVE_PRECISIONS,
  ),
  baseDtype: choiceOption(
    '--base-dtype <dtype>',
    'the dtype the frozen base is loaded in (adapters; default: the compute dtype, as trainers cast it; a script passing no dtype to Transformers before v5 loads fp32)',
    BASE_DTYPES,
  ),
  loss: choiceOption(
    '--loss <kind>',
    "cross-entropy (language models): full logits upcast whole, chunked (torchtune), fused with the output head (Liger, Unsloth) (default: the trainer's, else full)",
    LOSSES,
  ),
};

/**
 * The user's data: what sets the steps (steps = ceil(samples x repeats x epochs / effective batch)).
 * Images for image goals, examples or tokens for language goals (resolve.ts checks the family).
 */
export const DATA_OPTIONS = {
  images: {
    flags: '--images <n>',
    description: 'training images (image goals), or clips (video models): the steps follow from them',
    parse: positiveInt('a number of images', 1, 10000000),
  } satisfies OptionSpec<number>,
  repeats: {
    flags: '--repeats <n>',
    description: "times each image is seen per epoch (kohya's folder repeats; default 1)",
    parse: positiveInt('a number of repeats', 1, 10000),
  } satisfies OptionSpec<number>,
  examples: {
    flags: '--examples <n>',
    description: 'training examples (language goals): the steps follow from them',
    parse: positiveInt('a number of examples', 1, 1000000000),
  } satisfies OptionSpec<number>,
  tokensPerExample: {
    flags: '--tokens-per-example <n>',
    description: "mean tokens per example (default: a typical dataset's fill of the sequence length)",
    parse: positiveInt('a number of tokens', 1, 10000000),
  } satisfies OptionSpec<number>,
  tokens: {
    flags: '--tokens <n>',
    description: "the dataset's tokens in all (language goals; instead of --examples x --tokens-per-example)",
    parse: positiveInt('a number of tokens', 1, 1e12),
  } satisfies OptionSpec<number>,
  epochs: {
    flags: '--epochs <n>',
    description: "passes over the data (default: the recipe's own, from its published run)",
    parse: parsePositive('a number of epochs', 0.01, 10000),
  } satisfies OptionSpec<number>,
  packing: switchOption(
    '--packing',
    'pack examples into full sequences (language goals)',
    'one example per sequence, padded to the batch',
  ),
};

/** How results are printed. */
export function outputOptions<const F extends readonly string[]>(formats: F) {
  return {
    json: switchOption('--json', 'print only JSON (same as --format json)'),
    format: choiceOption('--format <format>', 'output format', formats),
    color: switchOption('--no-color', 'no colour even on a terminal'),
  };
}

/** `--no-color` alone, for commands whose output has no other form. */
export const COLOR_OPTION = { color: switchOption('--no-color', 'no colour even on a terminal') };
