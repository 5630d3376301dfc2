// The options, flag types and examples of `finetune-advisor estimate`: what its help, its run and the
// questions share, with no import of either.
import {
  CARD_OPTIONS,
  DATA_OPTIONS,
  type FlagsOf,
  outputOptions,
  RUN_KNOB_OPTIONS,
  RUN_SHAPE_OPTIONS,
  switchOption,
  textOption,
  TRAINER_OPTIONS,
} from '../../options.js';

export const ESTIMATE_OPTIONS = {
  technique: textOption('--technique <id>', 'technique id (see `techniques`)'),
  model: textOption(
    '--model <name>',
    'base model (see `models`); or a config.json, a model folder, or a Hub id in the local Hugging Face cache (read offline)',
  ),
  ...CARD_OPTIONS,
  ...RUN_KNOB_OPTIONS,
  ...TRAINER_OPTIONS,
  resolution: RUN_SHAPE_OPTIONS.resolution,
  frames: RUN_SHAPE_OPTIONS.frames,
  seqLen: RUN_SHAPE_OPTIONS.seqLen,
  trainTextEncoder: switchOption('--train-text-encoder', 'train the text encoder(s) too (image models)'),
  cache: switchOption(
    '--no-cache',
    'keep text encoders and VAE on the GPU instead of caching latents and text embeddings',
  ),
  steps: RUN_SHAPE_OPTIONS.steps,
  ...DATA_OPTIONS,
  ...outputOptions(['table', 'json']),
};

export type EstimateFlags = FlagsOf<typeof ESTIMATE_OPTIONS>;

export const ESTIMATE_EXAMPLES = [
  'finetune-advisor estimate --technique lora --model llama-3.1-8b --gpu 4090 --seq-len 2048 --gradient-checkpointing',
  'finetune-advisor estimate --technique qlora --model llama-3.1-70b --vram 48 --rank 16 --batch 1',
  'finetune-advisor estimate --technique lora --model flux-dev --gpu "RTX 3090" --quantize int8 --resolution 1024 --json',
  'finetune-advisor estimate --technique dreambooth --model sd15 --gpu t4 --optimizer adamw-8bit --gradient-checkpointing',
  'finetune-advisor estimate --technique lora --model llama-3.1-8b --gpu a100-80gb --objective grpo --examples 2000',
  'finetune-advisor estimate --technique qlora --model ./Ministral-8B-Instruct-2410 --gpu 4090   # a model folder (config.json)',
  'finetune-advisor estimate --technique qlora --model llama-3.1-70b --gpu "2x 3090" --interconnect nvlink   # two cards, bridged',
  'finetune-advisor estimate --technique full-finetune --model llama-3.1-8b --gpu h100-sxm --gpus 8 --nodes 2   # 16 cards on 2 nodes',
];
