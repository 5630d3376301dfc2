// `finetune-advisor estimate`: the flags and help; the work is in actions/estimate.ts.
import { Command, Option } from 'commander';
import { OPTIMIZERS, PRECISIONS, QUANTIZATIONS, TARGETS, type Optimizer, type Precision, type Quantization, type Targets } from '../../kb/vocabulary.js';
import type { Context, OutputFormat } from '../context.js';
import { parseVram, positiveInt, choiceOption } from '../parse.js';

export interface EstimateFlags {
  technique?: string;
  model?: string;
  gpu?: string;
  vram?: number;
  batch?: number;
  resolution?: number;
  seqLen?: number;
  rank?: number;
  targets?: Targets;
  precision?: Precision;
  quantize?: Quantization;
  optimizer?: Optimizer;
  gradientCheckpointing?: boolean;
  trainTextEncoder?: boolean;
  cache?: boolean;
  steps?: number;
  json?: boolean;
  format?: OutputFormat;
  color?: boolean;
}

export const ESTIMATE_EXAMPLES = [
  'finetune-advisor estimate --technique lora --model llama-3.1-8b --gpu 4090 --seq-len 2048 --gradient-checkpointing',
  'finetune-advisor estimate --technique qlora --model llama-3.1-70b --vram 48 --rank 16 --batch 1',
  'finetune-advisor estimate --technique lora --model flux-dev --gpu "RTX 3090" --quantize int8 --resolution 1024 --json',
  'finetune-advisor estimate --technique dreambooth --model sd15 --gpu t4 --optimizer adamw-8bit --gradient-checkpointing',
];

export function registerEstimate(program: Command, ctx: Context): void {
  program
    .command('estimate')
    .description('estimate VRAM, step time, total time and output size of one training run, part by part')
    .option('--technique <id>', 'technique id (see `techniques`)')
    .option('--model <name>', 'base model (see `models`)')
    .addOption(new Option('--gpu <name>', 'GPU by name (see `gpus`)').conflicts('vram'))
    .addOption(new Option('--vram <gb>', 'card memory in GB when the GPU is not in the catalogue').argParser(parseVram).conflicts('gpu'))
    .addOption(new Option('--batch <n>', 'micro-batch: images or sequences per step').argParser(positiveInt('a batch size', 1, 4096)))
    .addOption(new Option('--resolution <px>', 'training resolution (image models)').argParser(positiveInt('a resolution in pixels', 64, 8192)))
    .addOption(new Option('--seq-len <tokens>', 'sequence length (language models)').argParser(positiveInt('a sequence length in tokens', 16, 1048576)))
    .addOption(new Option('--rank <n>', 'adapter rank').argParser(positiveInt('a rank', 1, 65536)))
    .addOption(choiceOption('--targets <set>', 'adapted layers: qv, attention, attention-mlp (all linear), all (also conv, embeddings, head)', [...TARGETS]))
    .addOption(choiceOption('--precision <p>', 'mixed-* = fp32 weights with half-precision compute; fp16/bf16 = weights held in half precision', [...PRECISIONS]))
    .addOption(choiceOption('--quantize <q>', 'quantized frozen base (adapters only)', [...QUANTIZATIONS]))
    .addOption(choiceOption('--optimizer <o>', 'optimizer', [...OPTIMIZERS]))
    .option('--gradient-checkpointing', 'recompute activations in the backward pass')
    .option('--no-gradient-checkpointing', 'keep every activation (the default)')
    .option('--train-text-encoder', 'train the text encoder(s) too (image models)')
    .option('--no-cache', 'keep text encoders and VAE on the GPU instead of caching latents and text embeddings')
    .addOption(new Option('--steps <n>', 'optimizer steps (default: the technique\'s typical run)').argParser(positiveInt('a number of steps', 1, 10000000)))
    .option('--json', 'print only JSON (same as --format json)')
    .addOption(choiceOption('--format <format>', 'output format', ['table', 'json']))
    .option('--no-color', 'no colour even on a terminal')
    .addHelpText('after', `\nSettings not given take the technique's published defaults for the model; the output lists every\nsetting and assumption. GiB = 2^30 bytes, MB = 10^6 bytes.\n\nExamples:\n${ESTIMATE_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n`)
    .action(async (flags: EstimateFlags) => {
      const { runEstimate } = await import('../actions/estimate.js');
      await runEstimate(ctx, flags);
    });
}
