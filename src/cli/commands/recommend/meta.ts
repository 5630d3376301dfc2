// The options, flag types and examples of `finetune-advisor recommend`: what its help, its run and the
// questions share, with no import of either.
import { GOALS, PRIORITIES, type Priority } from '../../../kb/vocabulary.js';
import {
  CARD_OPTIONS,
  choiceOption,
  DATA_OPTIONS,
  type FlagsOf,
  type OptionSpec,
  outputOptions,
  RUN_KNOB_OPTIONS,
  RUN_SHAPE_OPTIONS,
  switchOption,
  textOption,
  TRAINER_OPTIONS,
} from '../../options.js';
import { parseDuration, parsePositive } from '../../parse.js';
import { CONFIG_OPTIONS } from '../config/meta.js';

export const RECOMMEND_OPTIONS = {
  goal: choiceOption('--goal <goal>', 'what to teach the model', GOALS),
  model: textOption(
    '--model <name>',
    'base model: an id, a Hugging Face repo id or a common name (see `models`); or a config.json, a model folder, or a Hub id in the local Hugging Face cache (read offline)',
    ['modelParams'],
  ),
  modelParams: {
    flags: '--model-params <billions>',
    description:
      "a model not in the catalogue, by its parameter count (modelled on the nearest one of the goal's family)",
    parse: parsePositive('a parameter count in billions', 0.01, 2000),
    conflicts: ['model'],
  } satisfies OptionSpec<number>,
  ...CARD_OPTIONS,
  time: {
    flags: '--time <duration>',
    description: 'time budget: 90m, 2h, 1.5h, 1d',
    parse: parseDuration,
  } satisfies OptionSpec<number>,
  priority: {
    ...choiceOption('--priority <priority>', 'what matters most', PRIORITIES),
    defaultValue: 'balanced' as Priority,
  },
  ...RUN_SHAPE_OPTIONS,
  // the settings the user has fixed: the planner keeps them (no memory saver changes one)
  ...RUN_KNOB_OPTIONS,
  trainer: TRAINER_OPTIONS.trainer,
  ...DATA_OPTIONS,
  ...outputOptions(['table', 'markdown', 'json']),
  explain: switchOption('--explain', 'every rule record and every technique, not only what decided the answer'),
  sources: switchOption('--sources', 'every source with what it backs, not only those behind the figures shown'),
  explainAll: switchOption(
    '--explain-all',
    'JSON: every rule record for every technique, however large the knowledge base',
  ),
  input: switchOption('--no-input', 'never prompt; missing answers are an error'),
  // with --trainer: the recommended run as that trainer's files (config's writers)
  out: textOption(
    '--out <dir>',
    "with --trainer: write the trainer's files for the recommended run into this folder (as `config` writes them)",
  ),
  force: CONFIG_OPTIONS.force,
  token: CONFIG_OPTIONS.token,
  classWord: CONFIG_OPTIONS.classWord,
};

/** recommend's flags; --priority has a default, so it is always there. */
export type RecommendFlags = FlagsOf<typeof RECOMMEND_OPTIONS> & { priority: Priority };

export const RECOMMEND_EXAMPLES = [
  'finetune-advisor recommend --goal style --model sdxl --vram 12 --time 2h',
  'finetune-advisor recommend --goal subject --model sd15 --gpu "RTX 3060" --time 90m --priority quality',
  'finetune-advisor recommend --goal task --model meta-llama/Llama-3.1-8B --gpu 4090 --time 8h --json',
  'finetune-advisor recommend --goal chat --model qwen2.5-72b --gpu a100-80gb --time 1d --format markdown',
  'finetune-advisor recommend --goal preference --model llama-3.1-8b --gpu 4090 --time 8h --objective orpo',
  'finetune-advisor recommend --goal chat --model ./my-model/config.json --gpu 4090 --time 4h   # a model read from its config.json',
  "finetune-advisor recommend --goal style --model sdxl --gpu 4090 --time 2h --trainer kohya --out run1   # and the trainer's files for it",
  'finetune-advisor recommend --goal domain --model llama-3.1-8b --gpu "8x H100" --time 2d --priority quality   # eight cards',
];
