// `finetune-advisor config`: the trainer's own files for a run resolved as estimate resolves it.
// Every key written is checked against the option names read from the trainer's own source
// (data/trainer-options/*.json, each naming the repository, commit and files it was read from),
// every file parses back (YAML, TOML) to what was planned, --out never overwrites without --force,
// and a technique the trainer does not run is a usage error naming the trainers that do.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { tomlString } from '../../src/render/trainer-config.js';
import { jsonOf, runCli, splitFlags, trainerOptions } from '../helpers.js';

interface Fixture {
  readFrom: unknown;
  options: string[];
  datasetEntry?: { options: string[] };
}
const fixture = (name: string) => trainerOptions<Fixture>(name);

interface ConfigJson {
  trainer: { id: string; checkedAgainst: string };
  settings: Record<string, unknown>;
  files: Array<{ name: string; path: string | null; text: string }>;
  launch: string;
  data: string[];
  layout: string;
}
const configJson = (args: string[]) => jsonOf<ConfigJson>(['config', ...args]);
const file = (c: ConfigJson, name: string) => c.files.find((f) => f.name === name)!.text;

/** The kohya runs config writes, with the parser fixture of each one's script. */
const KOHYA_RUNS: Array<[args: string[], script: string]> = [
  [['--technique', 'lora', '--model', 'sd15', '--gpu', 't4'], 'train_network'],
  [['--technique', 'dreambooth-lora', '--model', 'sd15', '--prior-preservation'], 'train_network'],
  [['--technique', 'loha', '--model', 'sdxl', '--gpu', '4090'], 'sdxl_train_network'],
  [['--technique', 'lokr', '--model', 'sdxl'], 'sdxl_train_network'],
  [['--technique', 'lora', '--model', 'sdxl', '--resolution', '1216x832'], 'sdxl_train_network'],
  [['--technique', 'lora', '--model', 'flux-dev', '--gpu', '4090', '--quantize', 'fp8'], 'flux_train_network'],
  [
    ['--technique', 'lora', '--model', 'flux-dev', '--gpu', '3090', '--quantize', 'fp8', '--blocks-to-swap', '18'],
    'flux_train_network',
  ],
  [['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb'], 'sdxl_train'],
  [['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb', '--train-text-encoder'], 'sdxl_train'],
  [['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb', '--prior-preservation'], 'sdxl_train'],
  // the full-weight scripts of SD 1.x / 2.x and FLUX, and full DreamBooth with its class-image subset
  [['--technique', 'full-finetune', '--model', 'sd15', '--gpu', 'a100-80gb'], 'train_db'],
  [['--technique', 'full-finetune', '--model', 'sd21', '--gpu', 'a100-80gb', '--train-text-encoder'], 'train_db'],
  [
    ['--technique', 'full-finetune', '--model', 'flux-dev', '--gpu', 'a100-80gb', '--blocks-to-swap', '18'],
    'flux_train',
  ],
  [['--technique', 'dreambooth', '--model', 'sd15', '--gpu', 'a100-80gb', '--prior-preservation'], 'train_db'],
  [['--technique', 'dreambooth', '--model', 'sdxl', '--gpu', 'a100-80gb', '--prior-preservation'], 'sdxl_train'],
  [['--technique', 'dreambooth', '--model', 'flux-dev', '--gpu', 'a100-80gb', '--prior-preservation'], 'flux_train'],
  [['--technique', 'textual-inversion', '--model', 'sd15'], 'train_textual_inversion'],
  [['--technique', 'textual-inversion', '--model', 'sdxl', '--gpu', 't4'], 'sdxl_train_textual_inversion'],
];
const TRL_RUNS = [
  ['--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'],
  ['--technique', 'dora', '--model', 'qwen3-8b', '--optimizer', 'adamw-8bit', '--targets', 'attention'],
  ['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb', '--precision', 'mixed-fp16'],
];

describe('config --trainer kohya', () => {
  it.each(KOHYA_RUNS)('%j: every key is an option of %s.py or of the dataset schema', async (args, script) => {
    const c = await configJson(['--trainer', 'kohya', ...args]);
    const train = parseToml(file(c, 'train.toml'));
    const known = new Set(fixture(`kohya-${script}`).options);
    expect(Object.keys(train).filter((k) => !known.has(k))).toEqual([]);
    const dataset = parseToml(file(c, 'dataset.toml')) as {
      general: Record<string, unknown>;
      datasets: Array<Record<string, unknown> & { subsets: Array<Record<string, unknown>> }>;
    };
    const datasetKeys = new Set(fixture('kohya-dataset-config').options);
    const keys = [
      ...Object.keys(dataset),
      ...Object.keys(dataset.general),
      ...dataset.datasets.flatMap((d) => Object.keys(d)),
      ...dataset.datasets.flatMap((d) => d.subsets.flatMap((s) => Object.keys(s))),
    ];
    expect(keys.filter((k) => !datasetKeys.has(k))).toEqual([]);
    expect(c.launch).toBe(`accelerate launch --num_cpu_threads_per_process 1 ${script}.py --config_file train.toml`);
  });

  it('writes the run estimate resolves: the same settings, in kohya names and values', async () => {
    const args = ['--technique', 'lora', '--model', 'sdxl', '--gpu', '4090', '--rank', '32', '--steps', '1200'];
    const c = await configJson(['--trainer', 'kohya', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'kohya', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const train = parseToml(file(c, 'train.toml'));
    expect(train).toMatchObject({
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      network_module: 'networks.lora',
      network_dim: 32,
      network_alpha: 32,
      max_train_steps: 1200,
      learning_rate: est.settings.learningRate,
      gradient_accumulation_steps: est.settings.gradAccum,
      optimizer_type: 'AdamW8bit',
      mixed_precision: 'bf16',
      cache_latents: true,
      // cached text-encoder outputs need the U-Net alone (docs/sdxl_train_network.md)
      cache_text_encoder_outputs: true,
      network_train_unet_only: true,
      dataset_config: 'dataset.toml',
    });
    const dataset = parseToml(file(c, 'dataset.toml')) as { datasets: Array<Record<string, unknown>> };
    expect(dataset.datasets[0]).toMatchObject({ resolution: 1024, batch_size: est.settings.batch });
  });

  it("puts the images in kohya's `N_token class` folder, with a class-image subset for prior preservation", async () => {
    const c = await configJson([
      '--trainer',
      'kohya',
      '--technique',
      'dreambooth-lora',
      '--model',
      'sd15',
      '--prior-preservation',
      '--token',
      'ohwx',
      '--class-word',
      'dog',
    ]);
    const dataset = parseToml(file(c, 'dataset.toml')) as { datasets: Array<{ subsets: unknown[] }> };
    expect(dataset.datasets[0]!.subsets).toEqual([
      { image_dir: 'img/1_ohwx dog', num_repeats: 1, class_tokens: 'ohwx dog' },
      { image_dir: 'reg/1_dog', num_repeats: 1, class_tokens: 'dog', is_reg: true },
    ]);
    expect(parseToml(file(c, 'train.toml'))).toMatchObject({ prior_loss_weight: 1 });
    expect(c.data).toEqual(['img/1_ohwx dog/', 'reg/1_dog/']);
  });

  it('FLUX: the single-file checkpoint, its text encoders and the flags its docs require', async () => {
    const c = await configJson([
      '--trainer',
      'kohya',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--quantize',
      'fp8',
    ]);
    expect(parseToml(file(c, 'train.toml'))).toMatchObject({
      pretrained_model_name_or_path: 'flux1-dev.safetensors',
      network_module: 'networks.lora_flux',
      guidance_scale: 1,
      fp8_base: true,
      ae: 'ae.safetensors',
    });
    // LyCORIS LoHa over networks.lora
    const loha = await configJson(['--trainer', 'kohya', '--technique', 'loha', '--model', 'sdxl']);
    expect(parseToml(file(loha, 'train.toml'))).toMatchObject({
      network_module: 'lycoris.kohya',
      network_args: ['algo=loha'],
    });
  });

  it("textual inversion: train_textual_inversion.py's options, none of the network scripts', the object templates", async () => {
    const c = await configJson([
      '--trainer',
      'kohya',
      '--technique',
      'textual-inversion',
      '--model',
      'sdxl',
      '--token',
      'ohwx',
      '--class-word',
      'dog',
    ]);
    const train = parseToml(file(c, 'train.toml'));
    expect(train).toMatchObject({
      token_string: '<ohwx>',
      init_word: 'dog',
      num_vectors_per_token: c.settings.virtualTokens,
      use_object_template: true,
      save_model_as: 'safetensors',
    });
    // sdxl_train_textual_inversion.py has no network options and cannot cache the text encoders' outputs
    for (const k of [
      'network_module',
      'network_dim',
      'network_alpha',
      'network_train_unet_only',
      'cache_text_encoder_outputs',
    ])
      expect(train[k], k).toBeUndefined();
    expect(c.launch).toBe(
      'accelerate launch --num_cpu_threads_per_process 1 sdxl_train_textual_inversion.py --config_file train.toml',
    );
    // kohya has no FLUX textual-inversion script (nor a FLUX recipe): refused
    const flux = await runCli([
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'textual-inversion',
      '--model',
      'flux-dev',
    ]);
    expect(flux.code).toBe(2);
  });

  it('a run that needs savers to fit the card: written as given, with a warning on stderr', async () => {
    const r = await runCli([
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--gpu',
      '3090',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: as written the run peaks at [\d.]+ GiB, over the card's usable 21\.6 GiB; it fits with gradient checkpointing, block swap .*\n$/,
    );
    expect(
      parseToml(r.stdout.split('==> dataset.toml <==')[0]!.replace('==> train.toml <==\n', '')),
    ).not.toHaveProperty('blocks_to_swap');
    const quiet = await runCli([
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'lora',
      '--model',
      'sd15',
      '--gpu',
      '4090',
    ]);
    expect(quiet.stderr).toBe('');
  });

  it('a setting kohya has no option for: exit 2 naming the values it has', async () => {
    // kohya's 8-bit base is fp8 only (--fp8_base; trainers.md: no int8 or NF4 option)
    const r = await runCli([
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--quantize',
      'int8',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: kohya has no option for --quantize int8 in its option table. Allowed for config --trainer kohya: --quantize none, fp8.\n',
    );
  });
});

describe('config --trainer trl', () => {
  it.each(TRL_RUNS)('%j: every key is a field trl sft reads, and the YAML parses back', async (...args) => {
    const c = await configJson(['--trainer', 'trl', ...args]);
    const yaml = parseYaml(file(c, 'sft.yaml')) as Record<string, unknown>;
    const known = new Set(fixture('trl-sft').options);
    expect(Object.keys(yaml).filter((k) => !known.has(k))).toEqual([]);
    const entry = new Set(fixture('trl-sft').datasetEntry!.options);
    for (const d of yaml['datasets'] as Array<Record<string, unknown>>)
      expect(Object.keys(d).filter((k) => !entry.has(k))).toEqual([]);
    expect(c.launch).toBe('trl sft --config sft.yaml');
    expect(c.data).toEqual(['train.jsonl']);
  });

  it('writes the run estimate resolves, in TRL names: QLoRA is use_peft with a 4-bit NF4 base', async () => {
    const args = ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'];
    const c = await configJson(['--trainer', 'trl', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'trl', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    expect(parseYaml(file(c, 'sft.yaml'))).toMatchObject({
      model_name_or_path: 'meta-llama/Llama-3.1-8B',
      use_peft: true,
      load_in_4bit: true,
      bnb_4bit_quant_type: 'nf4',
      lora_r: est.settings.rank,
      lora_target_modules: ['all-linear'],
      max_length: 2048,
      per_device_train_batch_size: est.settings.batch,
      gradient_accumulation_steps: est.settings.gradAccum,
      max_steps: est.settings.steps,
      bf16: true,
      gradient_checkpointing: est.settings.gradientCheckpointing,
      datasets: [{ path: 'json', data_files: 'train.jsonl' }],
    });
    const full = await configJson(['--trainer', 'trl', '--technique', 'full-finetune', '--model', 'llama-3.2-1b']);
    expect(parseYaml(file(full, 'sft.yaml'))).not.toHaveProperty('use_peft');
  });
});

// axolotl's fp16 loads the model in fp16 (normalize_config's cfg.torch_dtype): a full fine-tune has no
// fp32 weights under autocast, so --precision mixed-fp16 is no axolotl full fine-tune (bf16 or fp32 are)
const AXOLOTL_RUNS = TRL_RUNS.map((run) =>
  run.includes('full-finetune') ? run.map((a) => (a === 'mixed-fp16' ? 'bf16' : a)) : run,
);

describe('config --trainer axolotl', () => {
  it.each(AXOLOTL_RUNS)('%j: every key is a field of AxolotlInputConfig, and the YAML parses back', async (...args) => {
    const c = await configJson(['--trainer', 'axolotl', ...args]);
    const yaml = parseYaml(file(c, 'config.yml')) as Record<string, unknown>;
    const known = new Set(fixture('axolotl').options);
    expect(Object.keys(yaml).filter((k) => !known.has(k))).toEqual([]);
    const entry = new Set(fixture('axolotl').datasetEntry!.options);
    for (const d of yaml['datasets'] as Array<Record<string, unknown>>)
      expect(Object.keys(d).filter((k) => !entry.has(k))).toEqual([]);
    expect(c.launch).toBe('axolotl train config.yml');
  });

  it('writes the run estimate resolves, in axolotl names: QLoRA is adapter qlora on a 4-bit base', async () => {
    const args = ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'];
    const c = await configJson(['--trainer', 'axolotl', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'axolotl', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    expect(parseYaml(file(c, 'config.yml'))).toMatchObject({
      base_model: 'meta-llama/Llama-3.1-8B',
      adapter: 'qlora',
      load_in_4bit: true,
      lora_r: est.settings.rank,
      lora_target_linear: true,
      sequence_len: 2048,
      micro_batch_size: est.settings.batch,
      gradient_accumulation_steps: est.settings.gradAccum,
      max_steps: est.settings.steps,
      datasets: [{ path: 'train.jsonl', ds_type: 'json', type: 'chat_template', field_messages: 'messages' }],
    });
    const dora = await configJson(['--trainer', 'axolotl', '--technique', 'dora', '--model', 'qwen3-8b']);
    expect(parseYaml(file(dora, 'config.yml'))).toMatchObject({ adapter: 'lora', peft_use_dora: true });
  });

  it('a full fine-tune in bf16 is bf16: true (the model loaded in bf16, no fp32 master copy), read back as bf16; mixed-fp16 is refused', async () => {
    const args = ['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb'];
    const c = await configJson(['--trainer', 'axolotl', ...args, '--precision', 'bf16']);
    expect(parseYaml(file(c, 'config.yml'))).toMatchObject({ bf16: true });
    const r = await runCli(['config', '--trainer', 'axolotl', ...args, '--precision', 'mixed-fp16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--precision mixed-fp16 .*Allowed for config --trainer axolotl: --precision bf16, fp32\./);
    // on a card without bf16 the planner takes fp32 for it, and recommend --out writes it
    const out = join(mkdtempSync(join(tmpdir(), 'fa-axolotl-t4-')), 'run');
    const rec = await runCli(
      splitFlags(
        `recommend --goal domain --model llama-3.2-1b --gpu t4 --time 8h --trainer axolotl --priority quality --out ${out}`,
      ),
    );
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(
      /^Dtype +fp32 \(the trainer states no fp16 mixed precision for it\) instead of the recipe's bf16/m,
    );
    expect(parseYaml(readFileSync(join(out, 'config.yml'), 'utf8'))).toMatchObject({ bf16: false, float32: true });
  });
});

describe('config files', () => {
  it('start with comments naming the command that wrote them and the trainer version checked against', async () => {
    const argv = ['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl'];
    const r = await runCli(argv);
    expect(r.code).toBe(0);
    const c = await configJson(argv.slice(1));
    for (const f of c.files) {
      const [first, second] = f.text.split('\n');
      expect(first).toBe('# Written by: finetune-advisor config --trainer kohya --technique lora --model sdxl --json');
      expect(second).toBe(
        '# Option names checked against kohya-ss/sd-scripts@48d368fa (v0.10.1), read from its source (not run).',
      );
    }
    // printed: each file under a header line naming it, then the launch command and the layout
    expect(r.stdout.split('\n').filter((l) => l.startsWith('==> '))).toEqual([
      '==> train.toml <==',
      '==> dataset.toml <==',
    ]);
    expect(r.stdout).toContain('Launch:\n  accelerate launch --num_cpu_threads_per_process 1 sdxl_train_network.py');
    expect(r.stdout).toContain('Dataset layout:\n  img/1_sks person/\n');
    const trl = await configJson(['--trainer', 'trl', '--technique', 'lora', '--model', 'qwen3-8b']);
    expect(file(trl, 'sft.yaml')).toMatch(
      /^# Written by: finetune-advisor config --trainer trl .*\n# Option names checked against huggingface\/trl@f2cd5771/,
    );
  });

  it('TOML strings are quoted and escaped, and parse back to the text', () => {
    for (const s of ['plain', 'a "quoted" word', 'C:\\path\\to', 'line\nbreak\ttab', 'bell\u0007', 'ünïcode ✓'])
      expect(parseToml(`k = ${tomlString(s)}`)).toEqual({ k: s });
    // a token with a quote and a backslash goes through the dataset TOML intact
    return configJson(['--trainer', 'kohya', '--technique', 'lora', '--model', 'sd15', '--token', 'a"b\\c']).then(
      (c) => {
        const d = parseToml(file(c, 'dataset.toml')) as {
          datasets: Array<{ subsets: Array<{ class_tokens: string }> }>;
        };
        expect(d.datasets[0]!.subsets[0]!.class_tokens).toBe('a"b\\c person');
      },
    );
  });

  it('--out writes them into the folder, never over an existing file without --force (exit 1, nothing written)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-config-')), 'run1');
    const argv = ['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sd15', '--out', dir];
    const first = await runCli(argv);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`wrote ${join(dir, 'train.toml')}\nwrote ${join(dir, 'dataset.toml')}\n`);
    expect(first.stdout).toContain(`--config_file ${join(dir, 'train.toml')}`);
    const train = readFileSync(join(dir, 'train.toml'), 'utf8');
    expect(parseToml(train)).toMatchObject({
      dataset_config: join(dir, 'dataset.toml'),
      output_dir: join(dir, 'output'),
    });
    // an existing file: exit 1, one line, and the other file is not written either
    writeFileSync(join(dir, 'train.toml'), 'mine\n');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'dataset.toml'));
    const again = await runCli(argv);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `error: ${join(dir, 'train.toml')} exists; pass --force to overwrite it (nothing was written).\n`,
    );
    expect(readFileSync(join(dir, 'train.toml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'dataset.toml'))).toBe(false);
    const forced = await runCli([...argv, '--force']);
    expect(forced.code).toBe(0);
    // the same file but for the command in its first line
    const rest = (text: string) => text.split('\n').slice(1).join('\n');
    expect(rest(readFileSync(join(dir, 'train.toml'), 'utf8'))).toBe(rest(train));
    expect(existsSync(join(dir, 'dataset.toml'))).toBe(true);
    // --json with --out: the paths written
    const json = await runCli([...argv, '--force', '--json']);
    expect((JSON.parse(json.stdout) as ConfigJson).files.map((f) => f.path)).toEqual([
      join(dir, 'train.toml'),
      join(dir, 'dataset.toml'),
    ]);
  });
});

describe('config usage errors (exit 2, one line)', () => {
  it.each([
    [
      ['--trainer', 'ai-toolkit', '--technique', 'loha', '--model', 'sdxl'],
      'error: --trainer ai-toolkit does not run loha. Trainers that run it: kohya, onetrainer, simpletuner.',
    ],
    [
      ['--trainer', 'litgpt', '--technique', 'dora', '--model', 'llama-3.1-8b'],
      'error: --trainer litgpt does not run dora. Trainers that run it: trl, unsloth, axolotl, llama-factory, torchtune, ms-swift.',
    ],
    [
      ['--trainer', 'transformers', '--technique', 'lora', '--model', 'llama-3.1-8b'],
      'error: config writes files for --trainer diffusers, kohya, ai-toolkit, onetrainer, simpletuner, trl, unsloth, axolotl, llama-factory, torchtune, litgpt, ms-swift; not yet for transformers.',
    ],
    [
      ['--trainer', 'simpletuner', '--technique', 'textual-inversion', '--model', 'sd15'],
      'error: --trainer simpletuner does not run textual-inversion. Trainers that run it: diffusers, kohya, ai-toolkit, onetrainer.',
    ],
    [
      ['--trainer', 'kohya', '--technique', 'lora', '--model', 'sd3-medium'],
      'error: config writes kohya files for sd1, sd2, sdxl, flux models; sd3-medium is a sd3 model.',
    ],
    [
      ['--technique', 'lora', '--model', 'sdxl'],
      'error: missing --trainer. E.g. finetune-advisor config --trainer kohya --technique lora --model sdxl',
    ],
    [
      ['--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl', '--force'],
      'error: --force applies with --out DIR.',
    ],
  ])('%j', async (args, message) => {
    const r = await runCli(['config', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n`);
  });

  it('--help leads with examples and the exit status', async () => {
    const r = await runCli(['config', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:\n  $ finetune-advisor config --trainer kohya --technique lora --model sdxl');
    expect(r.stdout).toContain('Exit status: 0 written or printed; 1 a file in --out exists');
    for (const flag of ['--trainer <id>', '--out <dir>', '--force', '--technique <id>', '--gpu'])
      expect(r.stdout).toContain(flag);
  });
});

describe('config writes supervised fine-tuning only', () => {
  // a preference or RL run needs its trainer class, pair or reward data and options: an SFT file
  // for it would train something else than estimate --objective estimated
  it.each(['trl', 'axolotl', 'llama-factory', 'torchtune', 'unsloth', 'ms-swift'])(
    '%s --objective dpo: exit 2 naming what it writes, nothing printed',
    async (trainer) => {
      const r = await runCli([
        'config',
        '--trainer',
        trainer,
        '--technique',
        'lora',
        '--model',
        'llama-3.1-8b',
        '--objective',
        'dpo',
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: config writes ${trainer}'s files for supervised fine-tuning only; --objective dpo is not written yet (estimate --objective dpo estimates it). Allowed for config --trainer ${trainer}: --objective sft.\n`,
      );
    },
  );
  it('recommend --out for a preference goal writes nothing and says why', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-pref-')), 'run');
    const r = await runCli([
      'recommend',
      '--goal',
      'preference',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'rtx-4090',
      '--time',
      '8h',
      '--trainer',
      'trl',
      '--out',
      dir,
      '--no-input',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--objective dpo is not written yet');
    expect(existsSync(dir)).toBe(false);
  });
});
