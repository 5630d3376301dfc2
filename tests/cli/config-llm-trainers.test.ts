// `finetune-advisor config` for the language-model trainers whose tables came after TRL and
// axolotl: LLaMA-Factory, ms-swift, LitGPT, torchtune. Every key written (a nested one by its
// dotted path) is checked against the option names read from the trainer's own source
// (data/trainer-options/TRAINER.json), every file parses back to the run estimate resolves, and
// a setting the trainer has no option for is a usage error naming the values it has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { flattenOptions } from '../../src/cli/commands/config/option-paths.js';
import { jsonOf, runCli, trainerOptions } from '../helpers.js';

interface Fixture {
  options: string[];
  datasetRegistry?: { options: string[]; columns: string[]; tags: string[] };
}
const fixture = (name: string) => trainerOptions<Fixture>(name);

interface ConfigJson {
  settings: Record<string, unknown>;
  files: Array<{ name: string; text: string }>;
  launch: string;
  data: string[];
}
const configJson = (trainer: string, args: string[]) => jsonOf<ConfigJson>(['config', '--trainer', trainer, ...args]);
const file = (c: ConfigJson, name: string) => c.files.find((f) => f.name === name)!.text;
async function estimateSettings(trainer: string, args: string[]): Promise<Record<string, number | string | boolean>> {
  const r = await runCli(['estimate', '--trainer', trainer, ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { settings: Record<string, number | string | boolean> }).settings;
}

/** The written keys the fixture does not name: each leaf by its dotted path (`train.max_steps`). */
const unknownKeys = (yaml: Record<string, unknown>, known: string[]): string[] =>
  flattenOptions(yaml)
    .map((o) => o.path)
    .filter((p) => !known.includes(p));

async function usageError(trainer: string, args: string[]): Promise<string> {
  const r = await runCli(['config', '--trainer', trainer, ...args]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  return r.stderr;
}

const LLM_RUNS = [
  ['--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'],
  ['--technique', 'dora', '--model', 'qwen3-8b', '--optimizer', 'adamw-8bit', '--targets', 'attention'],
  ['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb', '--precision', 'mixed-fp16'],
];

describe('config --trainer llama-factory', () => {
  it.each(LLM_RUNS)(
    '%j: every key is a field llamafactory-cli train parses; the registry entry too',
    async (...args) => {
      const c = await configJson('llama-factory', args);
      const yaml = parseYaml(file(c, 'train.yaml')) as Record<string, unknown>;
      const fx = fixture('llama-factory');
      expect(unknownKeys(yaml, fx.options)).toEqual([]);
      const info = JSON.parse(file(c, 'dataset_info.json')) as Record<string, Record<string, unknown>>;
      // the dataset the YAML names is the one registered, with the JSONL file beside the registry
      expect(Object.keys(info)).toEqual([yaml['dataset']]);
      const entry = info[yaml['dataset'] as string]!;
      const reg = fx.datasetRegistry!;
      // `_comment` carries the lines the other files start with; DatasetAttr.join reads only its own keys
      expect(Object.keys(entry).filter((k) => k !== '_comment' && !reg.options.includes(k))).toEqual([]);
      expect(Object.keys(entry['columns'] as object).filter((k) => !reg.columns.includes(k))).toEqual([]);
      expect(Object.keys(entry['tags'] as object).filter((k) => !reg.tags.includes(k))).toEqual([]);
      expect(entry['file_name']).toBe('train.jsonl');
      expect(yaml['dataset_dir']).toBe('.');
      expect(c.launch).toBe('llamafactory-cli train train.yaml');
      expect(c.data).toEqual(['train.jsonl']);
    },
  );

  it('writes the run estimate resolves: QLoRA is LoRA on a 4-bit bitsandbytes base', async () => {
    const args = ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'];
    const c = await configJson('llama-factory', args);
    const s = await estimateSettings('llama-factory', args);
    expect(c.settings).toEqual(s);
    expect(parseYaml(file(c, 'train.yaml'))).toMatchObject({
      model_name_or_path: 'meta-llama/Llama-3.1-8B',
      stage: 'sft',
      do_train: true,
      finetuning_type: 'lora',
      quantization_bit: 4,
      quantization_method: 'bnb',
      quantization_type: 'nf4',
      lora_rank: s['rank'],
      lora_alpha: s['rank'],
      lora_target: 'all',
      learning_rate: s['learningRate'],
      max_steps: s['steps'],
      per_device_train_batch_size: s['batch'],
      gradient_accumulation_steps: s['gradAccum'],
      cutoff_len: 2048,
      optim: 'paged_adamw_8bit',
      disable_gradient_checkpointing: !s['gradientCheckpointing'],
    });
    const dora = parseYaml(file(await configJson('llama-factory', LLM_RUNS[2]!), 'train.yaml'));
    expect(dora).toMatchObject({ finetuning_type: 'lora', use_dora: true, lora_target: 'q_proj,k_proj,v_proj,o_proj' });
    const full = parseYaml(file(await configJson('llama-factory', LLM_RUNS[3]!), 'train.yaml'));
    expect(full).toMatchObject({ finetuning_type: 'full', fp16: true });
    expect(full).not.toHaveProperty('lora_rank');
  });

  it('--out writes the registry beside the config, dataset_dir naming the folder', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-lf-')), 'run');
    const r = await runCli([
      'config',
      '--trainer',
      'llama-factory',
      '--technique',
      'lora',
      '--model',
      'qwen3-8b',
      '--out',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(dir, 'train.yaml')}\nwrote ${join(dir, 'dataset_info.json')}\n`);
    const yaml = parseYaml(readFileSync(join(dir, 'train.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml).toMatchObject({ dataset: 'train', dataset_dir: dir, output_dir: join(dir, 'output') });
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8')) as Record<
      string,
      { file_name: string }
    >;
    expect(info['train']!.file_name).toBe('train.jsonl');
    expect(r.stdout).toContain(`Dataset layout:\n  ${join(dir, 'train.jsonl')}\n`);
  });

  it('a setting it has no option for: exit 2 naming the values it has', async () => {
    // pure fp16 weights: LLaMA-Factory has pure_bf16 only
    expect(
      await usageError('llama-factory', ['--technique', 'lora', '--model', 'llama-3.2-1b', '--precision', 'fp16']),
    ).toBe(
      'error: llama-factory has no option for --precision fp16 in its option table. Allowed for config --trainer llama-factory: --precision mixed-bf16, mixed-fp16, fp32, bf16.\n',
    );
  });
});

describe('config --trainer ms-swift', () => {
  it.each(LLM_RUNS)('%j: every key is a field swift sft takes as a --flag (v4 names)', async (...args) => {
    const c = await configJson('ms-swift', args);
    const yaml = parseYaml(file(c, 'sft.yaml')) as Record<string, unknown>;
    expect(unknownKeys(yaml, fixture('ms-swift').options)).toEqual([]);
    // parse_yaml_args appends a list's items as the flag's values: strings only
    for (const v of Object.values(yaml)) if (Array.isArray(v)) for (const x of v) expect(typeof x).toBe('string');
    expect(yaml['dataset']).toEqual(['train.jsonl']);
    expect(yaml).not.toHaveProperty('train_type');
    expect(c.launch).toBe('swift sft sft.yaml');
    expect(c.data).toEqual(['train.jsonl']);
  });

  it('writes the run estimate resolves: QLoRA is tuner_type lora on a 4-bit bnb base', async () => {
    const args = ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'];
    const c = await configJson('ms-swift', args);
    const s = await estimateSettings('ms-swift', args);
    expect(c.settings).toEqual(s);
    expect(parseYaml(file(c, 'sft.yaml'))).toMatchObject({
      model: 'meta-llama/Llama-3.1-8B',
      use_hf: true,
      tuner_type: 'lora',
      quant_method: 'bnb',
      quant_bits: 4,
      bnb_4bit_quant_type: 'nf4',
      lora_rank: s['rank'],
      lora_alpha: s['rank'],
      target_modules: ['all-linear'],
      learning_rate: s['learningRate'],
      max_steps: s['steps'],
      per_device_train_batch_size: s['batch'],
      gradient_accumulation_steps: s['gradAccum'],
      max_length: 2048,
      optim: 'paged_adamw_8bit',
      gradient_checkpointing: s['gradientCheckpointing'],
    });
    const dora = parseYaml(file(await configJson('ms-swift', LLM_RUNS[2]!), 'sft.yaml'));
    expect(dora).toMatchObject({
      tuner_type: 'lora',
      use_dora: true,
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
    });
    const full = parseYaml(file(await configJson('ms-swift', LLM_RUNS[3]!), 'sft.yaml'));
    expect(full).toMatchObject({ tuner_type: 'full', torch_dtype: 'float32', fp16: true, bf16: false });
  });

  it('a setting it has no option for: exit 2 naming the values it has', async () => {
    // fp16 weights with fp16 autocast has no set here (torch_dtype float16 turns on fp16 AMP over fp16 weights)
    expect(
      await usageError('ms-swift', ['--technique', 'lora', '--model', 'llama-3.2-1b', '--precision', 'fp16']),
    ).toBe(
      'error: ms-swift has no option for --precision fp16 in its option table. Allowed for config --trainer ms-swift: --precision mixed-bf16, mixed-fp16, fp32, bf16.\n',
    );
  });
});

/** LitGPT runs LoRA, QLoRA and full fine-tuning (no DoRA), each with its script's own setup() options. */
const LITGPT_RUNS: Array<[args: string[], script: string]> = [
  [['--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--targets', 'qv'], 'finetune_lora'],
  [['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'], 'finetune_lora'],
  [
    ['--technique', 'lora', '--model', 'qwen3-8b', '--optimizer', 'adamw-8bit', '--targets', 'attention'],
    'finetune_lora',
  ],
  [['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb'], 'finetune_full'],
];

describe('config --trainer litgpt', () => {
  it.each(LITGPT_RUNS)('%j: every key (by its dotted path) is a setup() option of %s', async (args, script) => {
    const c = await configJson('litgpt', args);
    const yaml = parseYaml(file(c, 'finetune.yaml')) as Record<string, unknown>;
    const scripts = (fixture('litgpt') as Fixture & { scripts: Record<string, string[]> }).scripts;
    expect(unknownKeys(yaml, scripts[script]!)).toEqual([]);
    expect(c.launch).toBe(`litgpt ${script} --config finetune.yaml`);
    expect(c.data).toEqual(['train.jsonl']);
    expect(yaml['data']).toEqual({
      class_path: 'litgpt.data.JSON',
      init_args: { json_path: 'train.jsonl', val_split_fraction: 0.05 },
    });
  });

  it('writes the run estimate resolves: global batch = micro-batch x accumulation, the rate in init_args', async () => {
    const args = LITGPT_RUNS[1]![0];
    const c = await configJson('litgpt', args);
    const s = await estimateSettings('litgpt', args);
    expect(c.settings).toEqual(s);
    const yaml = parseYaml(file(c, 'finetune.yaml')) as Record<string, unknown>;
    expect(yaml).toMatchObject({
      checkpoint_dir: 'meta-llama/Llama-3.1-8B',
      quantize: 'bnb.nf4',
      lora_r: s['rank'],
      lora_alpha: s['rank'],
      train: {
        max_steps: s['steps'],
        micro_batch_size: s['batch'],
        global_batch_size: (s['batch'] as number) * (s['gradAccum'] as number),
        max_seq_length: 2048,
      },
      optimizer: { class_path: 'bitsandbytes.optim.PagedAdamW8bit', init_args: { lr: s['learningRate'] } },
    });
    const qv = parseYaml(file(await configJson('litgpt', LITGPT_RUNS[0]![0]), 'finetune.yaml'));
    expect(qv).toMatchObject({
      lora_query: true,
      lora_key: false,
      lora_value: true,
      lora_projection: false,
      lora_mlp: false,
    });
    const full = parseYaml(file(await configJson('litgpt', LITGPT_RUNS[3]![0]), 'finetune.yaml'));
    expect(full).not.toHaveProperty('lora_r');
    expect(full).not.toHaveProperty('quantize');
  });

  it('a setting it has no option for: exit 2 naming the values it has', async () => {
    // its documented precisions: "bf16-true", "bf16-mixed", "32-true"
    expect(
      await usageError('litgpt', ['--technique', 'lora', '--model', 'llama-3.2-1b', '--precision', 'mixed-fp16']),
    ).toBe(
      'error: litgpt has no option for --precision mixed-fp16 in its option table. Allowed for config --trainer litgpt: --precision mixed-bf16, bf16, fp32.\n',
    );
    // a switch the run turns on that its scripts have no option for is not dropped silently
    expect(
      await usageError('litgpt', ['--technique', 'lora', '--model', 'llama-3.1-8b', '--gradient-checkpointing']),
    ).toBe(
      'error: litgpt has no option for --gradient-checkpointing in its option table: its file cannot turn it on. Allowed for config --trainer litgpt: --no-gradient-checkpointing.\n',
    );
    // on several cards it checkpoints every block unasked (lora.py parallelize_fn): planned, nothing to write
    const two = await configJson('litgpt', [
      '--technique',
      'lora',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'rtx-4090',
      '--gpus',
      '2',
    ]);
    expect(two.settings).toMatchObject({ gradientCheckpointing: true });
    expect(await usageError('litgpt', ['--technique', 'dora', '--model', 'llama-3.1-8b'])).toMatch(
      /^error: --trainer litgpt does not run dora\./,
    );
  });
});

/** torchtune: a builder per model and technique, each run checked against its recipe's keys and the components' parameters. */
const TORCHTUNE_RUNS: Array<[args: string[], recipe: string, builder: string]> = [
  [
    ['--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
    'lora_finetune_single_device',
    'torchtune.models.llama3_1.lora_llama3_1_8b',
  ],
  [
    ['--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--seq-len', '2048'],
    'lora_finetune_single_device',
    'torchtune.models.llama3_1.qlora_llama3_1_8b',
  ],
  [
    ['--technique', 'dora', '--model', 'qwen3-8b', '--optimizer', 'adamw-8bit', '--targets', 'attention'],
    'lora_finetune_single_device',
    'torchtune.models.qwen3.lora_qwen3_8b_instruct',
  ],
  [
    ['--technique', 'qlora', '--model', 'llama-3.2-3b', '--targets', 'qv'],
    'lora_finetune_single_device',
    'torchtune.models.llama3_2.qlora_llama3_2_3b',
  ],
  [
    ['--technique', 'full-finetune', '--model', 'llama-3.2-1b', '--gpu', 'a100-80gb'],
    'full_finetune_single_device',
    'torchtune.models.llama3_2.llama3_2_1b',
  ],
];

describe('config --trainer torchtune', () => {
  it.each(TORCHTUNE_RUNS)(
    '%j: every key is one %s reads or a parameter of the component it names',
    async (args, recipe, builder) => {
      const c = await configJson('torchtune', args);
      const yaml = parseYaml(file(c, 'finetune.yaml')) as Record<string, unknown>;
      const fx = fixture('torchtune') as Fixture & { recipes: Record<string, string[]> };
      expect(unknownKeys(yaml, fx.options)).toEqual([]);
      // every key the recipe reads with cfg.KEY is there (a missing one is an error when it runs)
      const paths = new Set(flattenOptions(yaml).map((o) => o.path));
      const top = new Set(Object.keys(yaml));
      const required = REQUIRED_KEYS[recipe]!;
      expect(required.filter((k) => !paths.has(k) && !top.has(k))).toEqual([]);
      expect((yaml['model'] as Record<string, unknown>)['_component_']).toBe(builder);
      expect(c.launch).toBe(`tune run ${recipe} --config finetune.yaml`);
      expect(c.data).toEqual(['train.jsonl']);
    },
  );

  it('writes the run estimate resolves: rank, rate, steps, batch in its nested keys', async () => {
    const args = TORCHTUNE_RUNS[1]![0];
    const c = await configJson('torchtune', args);
    const s = await estimateSettings('torchtune', args);
    expect(c.settings).toEqual(s);
    expect(parseYaml(file(c, 'finetune.yaml'))).toMatchObject({
      model: { lora_rank: s['rank'], lora_alpha: s['rank'], apply_lora_to_mlp: true },
      optimizer: { _component_: 'bitsandbytes.optim.PagedAdamW8bit', lr: s['learningRate'] },
      max_steps_per_epoch: s['steps'],
      epochs: 1,
      batch_size: s['batch'],
      gradient_accumulation_steps: s['gradAccum'],
      tokenizer: { max_seq_len: 2048, path: 'Llama-3.1-8B/original/tokenizer.model' },
      checkpointer: { checkpoint_dir: 'Llama-3.1-8B', model_type: 'LLAMA3' },
      dataset: {
        _component_: 'torchtune.datasets.chat_dataset',
        data_files: 'train.jsonl',
        conversation_style: 'openai',
      },
      dtype: 'bf16',
      enable_activation_checkpointing: s['gradientCheckpointing'],
    });
    const dora = parseYaml(file(await configJson('torchtune', TORCHTUNE_RUNS[2]![0]), 'finetune.yaml'));
    expect(dora).toMatchObject({
      model: { use_dora: true, lora_attn_modules: ['q_proj', 'k_proj', 'v_proj', 'output_proj'] },
    });
    const full = parseYaml(file(await configJson('torchtune', TORCHTUNE_RUNS[4]![0]), 'finetune.yaml'));
    expect(full).toMatchObject({
      model: { _component_: 'torchtune.models.llama3_2.llama3_2_1b' },
      optimizer_in_bwd: false,
    });
    expect(full).not.toHaveProperty('model.lora_rank');
  });

  it('a model or technique it has no builder for, or a setting it has no option for: exit 2 naming what it has', async () => {
    expect(await usageError('torchtune', ['--technique', 'lora', '--model', 'mistral-7b'])).toBe(
      'error: config writes torchtune files for llama-3.1-8b, llama-3.2-1b, llama-3.2-3b, qwen3-8b (the models its table has builders for); not for mistral-7b.\n',
    );
    expect(await usageError('torchtune', ['--technique', 'qlora', '--model', 'qwen3-8b'])).toBe(
      'error: config writes torchtune files for qwen3-8b with --technique lora, dora, full-finetune (the builders its table has); not qlora.\n',
    );
    // one dtype, no autocast
    expect(
      await usageError('torchtune', ['--technique', 'lora', '--model', 'llama-3.2-1b', '--precision', 'mixed-bf16']),
    ).toBe(
      'error: torchtune has no option for --precision mixed-bf16 in its option table. Allowed for config --trainer torchtune: --precision bf16, fp32.\n',
    );
  });
});

/** The keys recipes/*.py read as cfg.KEY (not cfg.get), at pytorch/torchtune@bd2a0fc7. */
const REQUIRED_KEYS: Record<string, string[]> = {
  lora_finetune_single_device: [
    'batch_size',
    'checkpointer.model_type',
    'compile',
    'dataset',
    'device',
    'dtype',
    'epochs',
    'gradient_accumulation_steps',
    'log_level',
    'loss',
    'lr_scheduler',
    'max_steps_per_epoch',
    'metric_logger',
    'model',
    'optimizer',
    'output_dir',
    'profiler.enabled',
    'resume_from_checkpoint',
    'seed',
    'shuffle',
    'tokenizer',
  ],
  full_finetune_single_device: [
    'batch_size',
    'checkpointer.model_type',
    'compile',
    'dataset',
    'device',
    'dtype',
    'epochs',
    'gradient_accumulation_steps',
    'log_level',
    'loss',
    'max_steps_per_epoch',
    'metric_logger',
    'model',
    'optimizer',
    'optimizer_in_bwd',
    'output_dir',
    'profiler.enabled',
    'resume_from_checkpoint',
    'seed',
    'shuffle',
    'tokenizer',
  ],
};

describe('recommend --trainer T --out DIR for these trainers (config writes the files)', () => {
  it.each([
    ['llama-factory', ['train.yaml', 'dataset_info.json']],
    ['ms-swift', ['sft.yaml']],
    ['litgpt', ['finetune.yaml']],
    ['torchtune', ['finetune.yaml']],
  ])('%s', async (trainer, names) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = join(mkdtempSync(join(tmpdir(), `fa-rec-${trainer}-`)), 'run');
    const argv = ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', '4090', '--time', '8h'];
    const r = await runCli([...argv, '--trainer', trainer, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of names) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(text).toContain(`Written by: finetune-advisor recommend --goal task`);
      if (name.endsWith('.yaml')) expect(parseYaml(text)).toBeTypeOf('object');
    }
  });
});
