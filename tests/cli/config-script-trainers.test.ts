// `config` for the trainers whose "config" is a script: diffusers (train.sh, one `accelerate launch`
// of the example script with argparse flags) and Unsloth (train.py, keyword arguments of its calls).
// Every flag / keyword written is in the option names read from the trainer's own source
// (data/trainer-options/diffusers-*.json, unsloth.json), and each file reads back to the run:
// train.sh split into words as sh splits them, train.py by readPythonCalls (never run).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readPythonCalls } from '../../src/cli/commands/config/python-calls.js';
import { commandLine, pythonOptions, scriptRun, shellOptions } from '../../src/cli/commands/config/script-options.js';
import { shellCommands } from '../../src/cli/commands/config/shell-words.js';
import { pythonLiteral, shellWord } from '../../src/render/trainer-config.js';
import { bundledKb, jsonOf, runCli, trainerOptions } from '../helpers.js';

const fixture = (name: string) => trainerOptions(name);

interface ConfigJson {
  settings: Record<string, unknown>;
  files: Array<{ name: string; text: string }>;
  launch: string;
  data: string[];
}
const configJson = (args: string[]) => jsonOf<ConfigJson>(['config', ...args]);

/** `accelerate launch SCRIPT --flag value ...` as the script and its flags (a switch: true). */
function launchArgs(text: string): { script: string; flags: Record<string, string | true> } {
  const commands = shellCommands(text);
  expect(commands).toHaveLength(1);
  const [accelerate, launch, script, ...rest] = commands[0]!.words;
  expect([accelerate, launch]).toEqual(['accelerate', 'launch']);
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const name = rest[i]!;
    expect(name, 'every word after the script is a --flag or its value').toMatch(/^--[a-z0-9_]+$/);
    const next = rest[i + 1];
    if (next === undefined || next.startsWith('--')) flags[name.slice(2)] = true;
    else flags[name.slice(2)] = rest[++i]!;
  }
  return { script: script!, flags };
}

const DIFFUSERS_RUNS: Array<[args: string[], script: string]> = [
  [['--technique', 'lora', '--model', 'sd15', '--gpu', 't4'], 'train_dreambooth_lora'],
  [['--technique', 'dreambooth-lora', '--model', 'sd15', '--prior-preservation'], 'train_dreambooth_lora'],
  [['--technique', 'lora', '--model', 'sdxl', '--gpu', '4090'], 'train_dreambooth_lora_sdxl'],
  [['--technique', 'dora', '--model', 'sdxl', '--train-text-encoder'], 'train_dreambooth_lora_sdxl'],
  [['--technique', 'dreambooth-lora', '--model', 'flux-dev', '--prior-preservation'], 'train_dreambooth_lora_flux'],
  [['--technique', 'dreambooth', '--model', 'sd15', '--prior-preservation', '--gpu', 'a100-80gb'], 'train_dreambooth'],
  // the full fine-tune from captions: the text-to-image scripts, and for FLUX (no such script) the full DreamBooth one
  [['--technique', 'full-finetune', '--model', 'sd15', '--gpu', 'a100-80gb'], 'train_text_to_image'],
  [
    ['--technique', 'full-finetune', '--model', 'sd21', '--gpu', 'a100-80gb', '--optimizer', 'adamw-8bit'],
    'train_text_to_image',
  ],
  [
    ['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb', '--optimizer', 'adamw-8bit'],
    'train_text_to_image_sdxl',
  ],
  [
    [
      '--technique',
      'full-finetune',
      '--model',
      'flux-dev',
      '--optimizer',
      'prodigy',
      '--no-cache',
      '--train-text-encoder',
    ],
    'train_dreambooth_flux',
  ],
  [['--technique', 'textual-inversion', '--model', 'sd15'], 'textual_inversion'],
  [['--technique', 'textual-inversion', '--model', 'sdxl', '--gradient-checkpointing'], 'textual_inversion_sdxl'],
];
/** The examples folder of each script (the DreamBooth ones', else textual inversion's). */
const exampleDir = (script: string) =>
  script.startsWith('textual_inversion')
    ? 'textual_inversion'
    : script.startsWith('train_text_to_image')
      ? 'text_to_image'
      : 'dreambooth';

describe('config --trainer diffusers (train.sh)', () => {
  it.each(DIFFUSERS_RUNS)(
    '%j: every flag is in %s.py parse_args, and the command splits back',
    async (args, script) => {
      const c = await configJson(['--trainer', 'diffusers', ...args]);
      expect(c.files.map((f) => f.name)).toEqual(['train.sh']);
      const text = c.files[0]!.text;
      expect(text).toMatch(
        /^# Written by: finetune-advisor config --trainer diffusers .*\n# Option names checked against huggingface\/diffusers@58eb52c0 /,
      );
      const { script: path, flags } = launchArgs(text);
      expect(path).toBe(`examples/${exampleDir(script)}/${script}.py`);
      const known = new Set(fixture(`diffusers-${script}`).options);
      expect(Object.keys(flags).filter((f) => !known.has(f))).toEqual([]);
      expect(c.launch).toBe('sh train.sh');
    },
  );

  it('writes the run estimate resolves, in the script flags', async () => {
    const args = [
      '--technique',
      'dreambooth-lora',
      '--model',
      'sdxl',
      '--gpu',
      '4090',
      '--prior-preservation',
      '--rank',
      '32',
    ];
    const c = await configJson(['--trainer', 'diffusers', ...args, '--token', "o'hw x", '--class-word', 'dog $HOME']);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'diffusers', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings as Record<string, number | boolean | string>;
    const { flags } = launchArgs(c.files[0]!.text);
    const expected: Record<string, string | true> = {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      instance_data_dir: 'instance_images',
      // quotes, spaces and a dollar sign come back as typed
      instance_prompt: "a photo of o'hw x dog $HOME",
      with_prior_preservation: true,
      class_data_dir: 'class_images',
      class_prompt: 'a photo of dog $HOME',
      num_class_images: String(s.classImages),
      prior_loss_weight: '1',
      output_dir: 'output',
      resolution: '1024',
      train_batch_size: String(s.batch),
      gradient_accumulation_steps: String(s.gradAccum),
      learning_rate: String(s.learningRate),
      max_train_steps: String(s.steps),
      rank: '32',
      mixed_precision: (
        { 'mixed-fp16': 'fp16', 'mixed-bf16': 'bf16', bf16: 'bf16', fp32: 'no' } as Record<string, string>
      )[String(s.precision)]!,
    };
    expect(flags).toMatchObject(expected);
    expect(flags.use_8bit_adam === true).toBe(s.optimizer === 'adamw-8bit');
    expect(flags.gradient_checkpointing === true).toBe(s.gradientCheckpointing);
    expect(c.data).toEqual(['instance_images/', 'class_images/']);
  });

  it('FLUX: --lora_alpha written with the rank, --guidance_scale 1 as its README runs it; full DreamBooth is SD 1.x/2.x only', async () => {
    const c = await configJson([
      '--trainer',
      'diffusers',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--rank',
      '16',
    ]);
    expect(launchArgs(c.files[0]!.text).flags).toMatchObject({ rank: '16', lora_alpha: '16', guidance_scale: '1' });
    const full = await runCli(['config', '--trainer', 'diffusers', '--technique', 'dreambooth', '--model', 'sdxl']);
    expect(full.code).toBe(2);
    expect(full.stderr).toBe(
      'error: config writes diffusers files for --technique dreambooth on sd1, sd2 models; sdxl is a sdxl model (diffusers: train_dreambooth.py --with_prior_preservation).\n',
    );
    // the SD 1.x script has no --optimizer: prodigy is the SDXL and FLUX scripts' only
    const prodigy = await runCli([
      'config',
      '--trainer',
      'diffusers',
      '--technique',
      'lora',
      '--model',
      'sd15',
      '--optimizer',
      'prodigy',
    ]);
    expect(prodigy.code).toBe(2);
    expect(prodigy.stderr).toMatch(/Allowed for config --trainer diffusers: --optimizer adamw, adamw-8bit\.\n$/);
    const sdxl = await configJson([
      '--trainer',
      'diffusers',
      '--technique',
      'lora',
      '--model',
      'sdxl',
      '--optimizer',
      'prodigy',
    ]);
    expect(launchArgs(sdxl.files[0]!.text).flags).toMatchObject({ optimizer: 'prodigy' });
  });

  it("textual inversion: the README's run (textual_inversion.py, --learnable_property object) at the rate its --scale_lr steps with, the token as placeholder, no FLUX", async () => {
    const c = await configJson([
      '--trainer',
      'diffusers',
      '--technique',
      'textual-inversion',
      '--model',
      'sd15',
      '--token',
      'ohwx',
      '--class-word',
      'dog',
    ]);
    const { script, flags } = launchArgs(c.files[0]!.text);
    expect(script).toBe('examples/textual_inversion/textual_inversion.py');
    expect(flags).toMatchObject({
      train_data_dir: 'instance_images',
      placeholder_token: '<ohwx>',
      initializer_token: 'dog',
      num_vectors: String(c.settings.virtualTokens),
      learnable_property: 'object',
      // the README's 5e-4 x batch 1 x accumulation 4 (its --scale_lr), written as stepped
      learning_rate: '0.002',
    });
    expect(flags.scale_lr).toBeUndefined();
    expect(c.settings.learningRate).toBe(2e-3);
    // the DreamBooth scripts' flags are not the textual-inversion scripts'
    for (const f of ['instance_prompt', 'instance_data_dir', 'with_prior_preservation', 'train_text_encoder'])
      expect(flags[f], f).toBeUndefined();
    expect(c.data).toEqual(['instance_images/']);
    const flux = await runCli([
      'config',
      '--trainer',
      'diffusers',
      '--technique',
      'textual-inversion',
      '--model',
      'flux-dev',
    ]);
    expect(flux.code).toBe(2);
    // FLUX has no textual-inversion recipe (nor a diffusers script): refused before the table is read
    expect(flux.stderr).toMatch(/textual-inversion has no published recipe for flux models/);
  });

  it('settings the scripts have no flag for are usage errors, not dropped', async () => {
    for (const extra of [
      ['--precision', 'fp16'],
      ['--quantize', 'nf4'],
      ['--resolution', '1216x832'],
    ]) {
      const r = await runCli(['config', '--trainer', 'diffusers', '--technique', 'lora', '--model', 'sdxl', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  });

  it("the published example commands split into words the same way, and use the scripts' flags", () => {
    const dir = join(__dirname, '../fixtures/trainer-examples/diffusers');
    const examples = readdirSync(dir).filter((f) => f.endsWith('.sh'));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const name of examples) {
      // the README blocks set variables (export) and use them ($MODEL_NAME): read the launch line's flag names only
      const text = readFileSync(join(dir, name), 'utf8');
      const launch = /accelerate launch (?:--\S+\s+)*(\S+)\.py([\s\S]*)/.exec(text)!;
      const known = new Set(fixture(`diffusers-${launch[1]!}`).options);
      // the flags after the script (any before it are accelerate's own)
      const flags = [...launch[2]!.matchAll(/--([a-z0-9_]+)/g)].map((m) => m[1]!);
      expect(flags.length, name).toBeGreaterThan(5);
      expect(
        flags.filter((f) => !known.has(f)),
        name,
      ).toEqual([]);
    }
  });
});

const UNSLOTH_CALLS = ['from_pretrained', 'get_peft_model', 'load_dataset', 'SFTConfig'];
const UNSLOTH_RUNS = [
  ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'],
  ['--technique', 'lora', '--model', 'qwen3-8b', '--gpu', 'a100-80gb', '--targets', 'attention'],
  ['--technique', 'dora', '--model', 'llama-3.1-8b', '--optimizer', 'adamw-8bit'],
  ['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb', '--precision', 'mixed-fp16'],
];
const keywordsOf = (text: string) => {
  const calls = readPythonCalls(text, UNSLOTH_CALLS);
  const errors = calls.filter((k) => 'error' in k);
  expect(errors).toEqual([]);
  return Object.fromEntries(calls.map((k) => [`${k.call}.${k.keyword}`, 'value' in k ? k.value : undefined]));
};

describe('config --trainer unsloth (train.py)', () => {
  it.each(UNSLOTH_RUNS)('%j: every keyword is a parameter of its call, and every value a literal', async (...args) => {
    const c = await configJson(['--trainer', 'unsloth', ...args]);
    expect(c.files.map((f) => f.name)).toEqual(['train.py']);
    const text = c.files[0]!.text;
    expect(text).toMatch(
      /^# Written by: finetune-advisor config --trainer unsloth .*\n# Option names checked against unslothai\/unsloth@015bdef0 /,
    );
    const known = new Set(fixture('unsloth').options);
    expect(Object.keys(keywordsOf(text)).filter((k) => !known.has(k))).toEqual([]);
    expect(c.launch).toBe('python train.py');
    expect(c.data).toEqual(['train.jsonl']);
  });

  it('writes the run estimate resolves: QLoRA is a 4-bit load with adapters, full fine-tuning has no get_peft_model', async () => {
    const args = ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'];
    const c = await configJson(['--trainer', 'unsloth', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'unsloth', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings as Record<string, number>;
    expect(keywordsOf(c.files[0]!.text)).toMatchObject({
      'from_pretrained.model_name': 'meta-llama/Llama-3.1-8B',
      'from_pretrained.max_seq_length': 2048,
      'from_pretrained.load_in_4bit': true,
      'get_peft_model.r': s.rank,
      'get_peft_model.lora_alpha': s.rank,
      'get_peft_model.target_modules': ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      'get_peft_model.use_gradient_checkpointing': 'unsloth',
      'load_dataset.path': 'json',
      'load_dataset.data_files': 'train.jsonl',
      'SFTConfig.max_length': 2048,
      'SFTConfig.per_device_train_batch_size': s.batch,
      'SFTConfig.gradient_accumulation_steps': s.gradAccum,
      'SFTConfig.max_steps': s.steps,
      'SFTConfig.learning_rate': s.learningRate,
      'SFTConfig.optim': 'paged_adamw_8bit',
      'SFTConfig.output_dir': 'output',
    });
    const full = await configJson(['--trainer', 'unsloth', '--technique', 'full-finetune', '--model', 'llama-3.2-1b']);
    const kw = keywordsOf(full.files[0]!.text);
    expect(kw['from_pretrained.full_finetuning']).toBe(true);
    expect(kw['from_pretrained.load_in_4bit']).toBe(false);
    expect(Object.keys(kw).filter((k) => k.startsWith('get_peft_model.'))).toEqual([]);
    expect(full.files[0]!.text).not.toContain('get_peft_model(');
  });

  it("the published example scripts read back by the same calls, their keywords the fixture's", () => {
    const dir = join(__dirname, '../fixtures/trainer-examples/unsloth');
    const known = new Set(fixture('unsloth').options);
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.py'))) {
      const calls = readPythonCalls(readFileSync(join(dir, name), 'utf8'), ['from_pretrained', 'get_peft_model']);
      expect(calls.length, name).toBeGreaterThan(3);
      // the examples pass most values as variables (args.r): not literals, reported as such
      expect(calls.some((k) => 'error' in k && k.error.startsWith('not a literal'))).toBe(true);
      expect(
        calls.map((k) => `${k.call}.${k.keyword}`).filter((k) => !known.has(k)),
        name,
      ).toEqual([]);
    }
  });
});

// TRL's LoHa: `trl sft` builds LoRA only, so config writes a train.py passing PEFT's LoHaConfig to
// SFTTrainer (trainers.yaml trl `techniques.loha`: its own writer and options), read back by check
const TRL_PYTHON_CALLS = ['SFTTrainer', 'load_dataset', 'LoHaConfig', 'SFTConfig'];
describe('config --trainer trl --technique loha (train.py)', () => {
  const keywords = (text: string) => {
    const calls = readPythonCalls(text, TRL_PYTHON_CALLS);
    // every keyword check reads is a literal: the calls are SFTTrainer's arguments, not variables
    expect(calls.filter((k) => 'error' in k)).toEqual([]);
    return Object.fromEntries(calls.map((k) => [`${k.call}.${k.keyword}`, 'value' in k ? k.value : undefined]));
  };

  it.each([
    ['--technique', 'loha', '--model', 'llama-3.1-8b', '--gpu', '4090'],
    ['--technique', 'loha', '--model', 'qwen3-8b', '--targets', 'attention-mlp', '--rank', '16', '--loss', 'fused'],
  ])('%j: every keyword is a parameter of its call, the settings the estimate resolves', async (...args) => {
    const c = await configJson(['--trainer', 'trl', ...args]);
    expect(c.files.map((f) => f.name)).toEqual(['train.py']);
    expect(c.launch).toBe('python train.py');
    expect(c.data).toEqual(['train.jsonl']);
    const text = c.files[0]!.text;
    expect(text).toMatch(
      /^# Written by: finetune-advisor config --trainer trl .*\n# Option names checked against huggingface\/trl@f2cd5771 /,
    );
    const kw = keywords(text);
    const known = new Set(trainerOptions<{ options: string[] }>('trl-python').options);
    expect(Object.keys(kw).filter((k) => !known.has(k))).toEqual([]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'trl', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings as Record<string, number | string>;
    expect(kw).toMatchObject({
      'SFTTrainer.model': expect.any(String),
      'load_dataset.path': 'json',
      'load_dataset.data_files': 'train.jsonl',
      'load_dataset.split': 'train',
      'LoHaConfig.task_type': 'CAUSAL_LM',
      'LoHaConfig.r': s.rank,
      'LoHaConfig.alpha': s.rank,
      'SFTConfig.max_steps': s.steps,
      'SFTConfig.per_device_train_batch_size': s.batch,
      'SFTConfig.gradient_accumulation_steps': s.gradAccum,
      'SFTConfig.max_length': s.seqLen,
      'SFTConfig.bf16': true,
    });
    // PEFT's all-linear shorthand is a string, not a list (tuners_utils.py)
    if (s.targets === 'attention-mlp') expect(kw['LoHaConfig.target_modules']).toBe('all-linear');
    if (args.includes('fused')) expect(kw['SFTConfig.use_liger_kernel']).toBe(true);
    // none of trl sft's LoRA options: the YAML's names are not the script's
    expect(text).not.toMatch(/use_peft|lora_r/);
  });

  it('a 4-bit base or pure bf16 weights: SFTConfig.model_init_kwargs is a mapping, not written: exit 2 naming what it has', async () => {
    const r = await runCli([
      'config',
      '--trainer',
      'trl',
      '--technique',
      'loha',
      '--model',
      'llama-3.1-8b',
      '--quantize',
      'nf4',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: trl has no option for --quantize nf4 in its option table. Allowed for config --trainer trl: --quantize none.\n',
    );
  });
});

describe('readPythonCalls', () => {
  it("a known call as a keyword's value is read as that call, not as the keyword; another call is not a literal", () => {
    const text =
      'SFTTrainer(model="m", args=SFTConfig(max_steps=10), train_dataset=ds, peft_config=f(1), x=SFTConfig(a=1) + 1)';
    const calls = readPythonCalls(text, ['SFTTrainer', 'SFTConfig']);
    expect(calls.map((k) => [`${k.call}.${k.keyword}`, 'value' in k ? k.value : 'error'])).toEqual([
      ['SFTTrainer.model', 'm'],
      ['SFTTrainer.train_dataset', 'error'],
      ['SFTTrainer.peft_config', 'error'],
      ['SFTTrainer.x', 'error'],
      ['SFTConfig.max_steps', 10],
      ['SFTConfig.a', 1],
    ]);
  });

  it('reads strings, numbers, True/False/None and lists; refuses anything else as not a literal', () => {
    const text = [
      'x = FastLanguageModel.from_pretrained(',
      "    model_name = 'a\\'b\\n\\u00e9',  # a comment, with = and (",
      '    r = -16, lr = 2e-4, big = 1_000, h = 0x10,',
      '    on = True, off = False, none = None,',
      '    names = ["q_proj", \'v_proj\', r"raw\\d"],',
      '    name = model, call = f(1), fs = f"x{y}", sum = 1 + 2, t = (1, 2),',
      '    **kwargs,',
      ')',
      'def from_pretrained(model_name = "not a call"): pass',
    ].join('\n');
    const calls = readPythonCalls(text, ['from_pretrained']);
    const byKey = Object.fromEntries(calls.map((k) => [k.keyword, 'value' in k ? k.value : k.error]));
    expect(byKey).toEqual({
      model_name: "a'b\né",
      r: -16,
      lr: 2e-4,
      big: 1000,
      h: 16,
      on: true,
      off: false,
      none: null,
      names: ['q_proj', 'v_proj', 'raw\\d'],
      name: 'not a literal: model',
      call: 'not a literal: f ( 1 )',
      fs: 'not a literal: f"x{y}"',
      sum: 'not a literal: 1 + 2',
      t: 'not a literal: ( 1 , 2 )',
    });
    expect(calls[0]).toMatchObject({ call: 'from_pretrained', keyword: 'model_name', line: 2, column: 5 });
    expect(() => readPythonCalls('SFTConfig(max_steps=1', ['SFTConfig'])).toThrow(SyntaxError);
  });

  it("reads back every value config's Python writer renders, however odd the string", () => {
    const values = [
      'plain',
      'quote " and \' both',
      'back\\slash',
      'line\nbreak\ttab',
      'é ✓ 😀',
      '\u2028\u0085\u0000',
      1e-7,
      0.0002,
      3,
      true,
      false,
      ['a', 'b"'],
    ];
    for (const v of values) {
      const [k] = readPythonCalls(`SFTConfig(v=${pythonLiteral(v)})`, ['SFTConfig']);
      expect(k && 'value' in k ? k.value : k, JSON.stringify(v)).toEqual(v);
      expect(pythonLiteral(v)).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
    }
  });

  it('shellWord: a word sh reads back as given', () => {
    for (const v of ['plain-1.0', '', "it's", 'a b', '$HOME `x` "q" \\ *', 'line\nbreak'])
      expect(shellCommands(`echo ${shellWord(v)}\n`).map((c) => c.words)).toEqual([['echo', v]]);
  });

  it('shellCommands: quotes, escapes, continuations and comments as sh reads them; expansions refused', () => {
    const text = ['# a comment', 'a "b \\" c" \\', "  'd e'f\\ g # tail", 'next'].join('\n');
    expect(shellCommands(text)).toEqual([
      { words: ['a', 'b " c', 'd ef g'], line: 2 },
      { words: ['next'], line: 4 },
    ]);
    // a variable standing alone as a word, or as a flag's value, is kept as written: its reader says
    // its value is not in the file (the diffusers READMEs' --pretrained_model_name_or_path=$MODEL_NAME)
    expect(shellCommands('run --model=$MODEL_NAME ${OUT}')).toEqual([
      { words: ['run', '--model=$MODEL_NAME', '${OUT}'], line: 1 },
    ]);
    // after an environment word, and expr's arithmetic of numbers and variables (ms-swift's scripts)
    expect(
      shellCommands(
        'NPROC_PER_NODE=$nproc_per_node swift sft --gradient_accumulation_steps $(expr 16 / $nproc_per_node)',
      ),
    ).toEqual([
      {
        words: [
          'NPROC_PER_NODE=$nproc_per_node',
          'swift',
          'sft',
          '--gradient_accumulation_steps',
          '$(expr 16 / $nproc_per_node)',
        ],
        line: 1,
      },
    ]);
    for (const bad of [
      'echo pre$HOME',
      'echo "$x"',
      'echo $(id)',
      'echo $(expr 2 \\| 3)',
      'a; b',
      'echo `x`',
      "echo 'open",
    ])
      expect(() => shellCommands(bad), bad).toThrow(SyntaxError);
  });

  it("commandLine: a variable and expr's integer arithmetic from the script's own assignments; one it has not: its value is not in the file", () => {
    const script = [
      'nproc_per_node=2',
      'nnodes=2',
      'NPROC_PER_NODE=$nproc_per_node \\',
      'swift sft --model Qwen/Qwen2.5-7B-Instruct \\',
      '  --gradient_accumulation_steps $(expr 32 / $nproc_per_node / $nnodes) \\',
      '  --per_device_train_batch_size $(expr 1 + 2 \\* 3) \\',
      '  --output_dir $OUT',
      '',
    ].join('\n');
    expect(commandLine(script, ['swift', 'sft']).options).toEqual([
      { path: 'model', value: 'Qwen/Qwen2.5-7B-Instruct', line: 3 },
      { path: 'gradient_accumulation_steps', value: 8, line: 3 },
      { path: 'per_device_train_batch_size', value: 7, line: 3 },
      { path: 'output_dir', error: 'a shell variable ($OUT): its value is not in the file', line: 3 },
    ]);
  });
});

describe('recommend --trainer diffusers|unsloth --out', () => {
  it('writes train.sh / train.py for the recommended run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-script-out-'));
    const img = ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'rtx-4090', '--time', '2h'];
    const r = await runCli([...img, '--trainer', 'diffusers', '--out', join(dir, 'img'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sh = readFileSync(join(dir, 'img', 'train.sh'), 'utf8');
    expect(sh).toMatch(/^# Written by: finetune-advisor recommend --goal style /);
    expect(launchArgs(sh).script).toBe('examples/dreambooth/train_dreambooth_lora_sdxl.py');
    const llm = ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--time', '8h'];
    const p = await runCli([...llm, '--trainer', 'unsloth', '--out', join(dir, 'llm'), '--json']);
    expect(p.code, p.stderr).toBe(0);
    const j = JSON.parse(p.stdout) as { recommendation: { settings: { steps: number } } };
    const kw = keywordsOf(readFileSync(join(dir, 'llm', 'train.py'), 'utf8'));
    expect(kw['SFTConfig.max_steps']).toBe(j.recommendation.settings.steps);
  });
});

describe('script-options: the files as the option paths check reads', () => {
  const trainers = bundledKb().trainers;
  const table = (id: string) => trainers.find((t) => t.id === id)!.config!;

  it('train.sh: the flags after the script, typed as argparse reads them, and the run the script stands for', async () => {
    const c = await configJson([
      '--trainer',
      'diffusers',
      '--technique',
      'dreambooth',
      '--model',
      'sd15',
      '--prior-preservation',
    ]);
    const { script, options } = shellOptions(c.files[0]!.text);
    expect(script).toBe('examples/dreambooth/train_dreambooth.py');
    expect(scriptRun(table('diffusers'), script!)).toEqual({ groups: ['sd1', 'sd2'], technique: 'dreambooth' });
    const byPath = Object.fromEntries(options.map((o) => [o.path, o.value]));
    expect(byPath).toMatchObject({
      with_prior_preservation: true,
      resolution: 512,
      instance_prompt: 'a photo of sks person',
    });
    expect(options.filter((o) => o.error)).toEqual([]);
    // a published command: accelerate's own flag before the script, --flag=value words
    const readme = shellOptions(
      'accelerate launch --mixed_precision="fp16" train_dreambooth.py \\\n  --resolution=512 --with_prior_preservation\n',
    );
    expect(readme).toEqual({
      script: 'train_dreambooth.py',
      options: [
        { path: 'resolution', value: 512, line: 1 },
        { path: 'with_prior_preservation', value: true, line: 1 },
      ],
    });
    expect(scriptRun(table('diffusers'), 'train_dreambooth_lora_sdxl.py')).toEqual({
      groups: ['sdxl'],
      technique: null,
    });
  });

  it("train.py: CALL.keyword for the table's calls, non-literals named", async () => {
    const c = await configJson(['--trainer', 'unsloth', '--technique', 'lora', '--model', 'qwen3-8b']);
    const options = pythonOptions(c.files[0]!.text, table('unsloth'));
    expect(options.filter((o) => o.error)).toEqual([]);
    expect(options.map((o) => o.path)).toContain('SFTConfig.max_steps');
    const cli = readFileSync(join(__dirname, '../fixtures/trainer-examples/unsloth/unsloth-cli.py'), 'utf8');
    expect(pythonOptions(cli, table('unsloth')).find((o) => o.path === 'get_peft_model.r')).toMatchObject({
      error: 'not a literal: args . r',
    });
  });
});
