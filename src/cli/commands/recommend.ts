// `finetune-advisor recommend`: the flags and help. The work (engine, rendering, prompts) is in
// actions/recommend.ts, loaded when the command runs, so --help and other commands never load it.
import { Command, Option } from 'commander';
import { GOALS, PRIORITIES, type Goal, type Priority } from '../../kb/vocabulary.js';
import type { Context, OutputFormat } from '../context.js';
import { parseDuration, parsePositive, parseVram, positiveInt, choiceOption } from '../parse.js';

export interface RecommendFlags {
  goal?: Goal;
  model?: string;
  modelParams?: number;
  gpu?: string;
  vram?: number;
  time?: number;
  priority: Priority;
  resolution?: number;
  seqLen?: number;
  steps?: number;
  json?: boolean;
  format?: OutputFormat;
  explainAll?: boolean;
  color?: boolean;
  input?: boolean;
}

export const RECOMMEND_EXAMPLES = [
  'finetune-advisor recommend --goal style --model sdxl --vram 12 --time 2h',
  'finetune-advisor recommend --goal subject --model sd15 --gpu "RTX 3060" --time 90m --priority quality',
  'finetune-advisor recommend --goal task --model meta-llama/Llama-3.1-8B --gpu 4090 --time 8h --json',
  'finetune-advisor recommend --goal chat --model qwen2.5-72b --gpu a100-80gb --time 1d --format markdown',
];

export function registerRecommend(program: Command, ctx: Context, setExit: (code: number) => void): void {
  program
    .command('recommend')
    .description('recommend a fine-tuning technique for your goal, model, GPU and time budget')
    .addOption(choiceOption('--goal <goal>', 'what to teach the model', [...GOALS]))
    .addOption(new Option('--model <name>', 'base model: an id, a Hugging Face repo id or a common name (see `models`)').conflicts('modelParams'))
    .addOption(new Option('--model-params <billions>', 'a model not in the catalogue, by its parameter count (modelled on the nearest one of the goal\'s family)').argParser(parsePositive('a parameter count in billions', 0.01, 2000)).conflicts('model'))
    .addOption(new Option('--gpu <name>', 'GPU by name, e.g. "RTX 4090", 4090, t4, a100-80gb (see `gpus`)').conflicts('vram'))
    .addOption(new Option('--vram <gb>', 'card memory in GB when the GPU is not in the catalogue').argParser(parseVram).conflicts('gpu'))
    .addOption(new Option('--time <duration>', 'time budget: 90m, 2h, 1.5h, 1d').argParser(parseDuration))
    .addOption(choiceOption('--priority <priority>', 'what matters most', [...PRIORITIES]).default('balanced'))
    .addOption(new Option('--resolution <px>', 'training resolution for image models').argParser(positiveInt('a resolution in pixels', 64, 8192)))
    .addOption(new Option('--seq-len <tokens>', 'sequence length for language models').argParser(positiveInt('a sequence length in tokens', 16, 1048576)))
    .addOption(new Option('--steps <n>', 'optimizer steps, instead of the typical run').argParser(positiveInt('a number of steps', 1, 10000000)))
    .option('--json', 'print only JSON (same as --format json)')
    .addOption(choiceOption('--format <format>', 'output format', ['table', 'markdown', 'json']))
    .option('--explain-all', 'JSON: every rule record for every technique, however large the knowledge base')
    .option('--no-color', 'no colour even on a terminal')
    .option('--no-input', 'never prompt; missing answers are an error')
    .addHelpText('after', `\nExamples:\n${RECOMMEND_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n\nExit codes: 0 a recommendation, 2 usage error, 3 nothing fits the GPU or the time.\n`)
    .action(async (flags: RecommendFlags, command: Command) => {
      const { runRecommend } = await import('../actions/recommend.js');
      await runRecommend(ctx, flags, command, setExit);
    });
}
