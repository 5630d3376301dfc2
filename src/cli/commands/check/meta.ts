// The options, flag types and examples of `finetune-advisor check FILE`: the card and time budget
// the config is checked against, and what to say when the file cannot (the trainer, the model).
import { CARD_OPTIONS, DATA_OPTIONS, type FlagsOf, type OptionSpec, outputOptions, textOption } from '../../options.js';
import { parseDuration } from '../../parse.js';

export const CHECK_OPTIONS = {
  trainer: textOption('--trainer <id>', "the trainer the file is for (default: told from the file's options)"),
  model: textOption(
    '--model <name>',
    "the base model, when the file's model is a path this machine cannot read (a single .safetensors file)",
  ),
  ...CARD_OPTIONS,
  time: {
    flags: '--time <duration>',
    description: 'time budget the run must fit: 90m, 2h, 1.5h, 1d',
    parse: parseDuration,
  } satisfies OptionSpec<number>,
  // the dataset's size, for a file that counts epochs rather than steps (epochs come from the file)
  images: DATA_OPTIONS.images,
  repeats: DATA_OPTIONS.repeats,
  examples: DATA_OPTIONS.examples,
  tokensPerExample: DATA_OPTIONS.tokensPerExample,
  tokens: DATA_OPTIONS.tokens,
  ...outputOptions(['table', 'json']),
};

export type CheckFlags = FlagsOf<typeof CHECK_OPTIONS>;

export const CHECK_EXAMPLES = [
  'finetune-advisor check train.toml --gpu 4090',
  'finetune-advisor check sft.yaml --vram 24 --time 4h',
  'finetune-advisor check run1/config.yml --trainer axolotl --gpu a100-80gb --json',
];
