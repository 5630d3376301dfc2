// The options, flag types and examples of `finetune-advisor estimate`: what its help, its run and the
// questions share, with no import of either.
import { OPTIMIZERS, PRECISIONS, QUANTIZATIONS, TARGETS } from '../../../kb/vocabulary.js';
import {
  CARD_OPTIONS,
  choiceOption,
  DATA_OPTIONS,
  type FlagsOf,
  GRAD_ACCUM_OPTION,
  type OptionSpec,
  outputOptions,
  RUN_SHAPE_OPTIONS,
  switchOption,
  textOption,
} from '../../options.js';
import { positiveInt } from '../../parse.js';

export const ESTIMATE_OPTIONS = {
  technique: textOption('--technique <id>', 'technique id (see `techniques`)'),
  model: textOption('--model <name>', 'base model (see `models`)'),
  ...CARD_OPTIONS,
  batch: {
    flags: '--batch <n>',
    description:
      "micro-batch: images or sequences per micro-step (the recipe's effective batch is kept through accumulation)",
    parse: positiveInt('a batch size', 1, 4096),
  } satisfies OptionSpec<number>,
  ...GRAD_ACCUM_OPTION,
  resolution: RUN_SHAPE_OPTIONS.resolution,
  seqLen: RUN_SHAPE_OPTIONS.seqLen,
  rank: {
    flags: '--rank <n>',
    description: 'adapter rank',
    parse: positiveInt('a rank', 1, 65536),
  } satisfies OptionSpec<number>,
  targets: choiceOption(
    '--targets <set>',
    'adapted layers: qv, attention, attention-mlp (all linear), all (also conv, embeddings, head)',
    TARGETS,
  ),
  precision: choiceOption(
    '--precision <p>',
    'mixed-* = fp32 weights with half-precision compute; fp16/bf16 = weights held in half precision',
    PRECISIONS,
  ),
  quantize: choiceOption('--quantize <q>', 'quantized frozen base (adapters only)', QUANTIZATIONS),
  optimizer: choiceOption('--optimizer <o>', 'optimizer', OPTIMIZERS),
  gradientCheckpointing: switchOption(
    '--gradient-checkpointing',
    'recompute activations in the backward pass',
    'keep every activation (the default)',
  ),
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
];
