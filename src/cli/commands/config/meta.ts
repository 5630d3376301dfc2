// The options, flag types and examples of `finetune-advisor config`: estimate's flags (the run is
// resolved exactly as estimate resolves it) and where the files go.
import { type FlagsOf, switchOption, textOption } from '../../options.js';
import { ESTIMATE_OPTIONS } from '../estimate/meta.js';

export const CONFIG_OPTIONS = {
  ...ESTIMATE_OPTIONS,
  out: textOption('--out <dir>', 'write the files into this folder (made if missing) instead of printing them'),
  force: switchOption(
    '--force',
    'with --out: overwrite files that exist (without it an existing file is an error, exit 1)',
  ),
  token: textOption(
    '--token <word>',
    "image models: the instance token in the captions' stead and in the `N_token class` folder (default: sks, as in the DreamBooth examples)",
  ),
  classWord: textOption(
    '--class-word <word>',
    'image models: the class word of the subject and of the class images (default: person)',
  ),
};

export type ConfigFlags = FlagsOf<typeof CONFIG_OPTIONS>;

export const CONFIG_EXAMPLES = [
  'finetune-advisor config --trainer kohya --technique lora --model sdxl --gpu 4090',
  'finetune-advisor config --trainer kohya --technique dreambooth-lora --model sd15 --prior-preservation --out run1',
  'finetune-advisor config --trainer trl --technique qlora --model llama-3.1-8b --gpu 4090 --seq-len 2048 --out run1',
  'finetune-advisor config --trainer axolotl --technique lora --model qwen3-8b --out run1 --force --json',
  'finetune-advisor config --trainer diffusers --technique dreambooth-lora --model sdxl --prior-preservation --class-word dog',
  'finetune-advisor config --trainer unsloth --technique qlora --model qwen3-8b --seq-len 2048 --out run1',
];
