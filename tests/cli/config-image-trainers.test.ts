// `finetune-advisor config` for the image trainers whose files are nested (ai-toolkit's job YAML):
// every key written, as its path in the file, is an option read from the trainer's own source
// (data/trainer-options/TRAINER.json: paths, '*' a list index), the file parses back to the
// planned settings, prior preservation writes the class images as the trainer takes them, and a
// setting the trainer has no option for is a usage error.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { flattenOptions } from '../../src/cli/commands/config/option-paths.js';
import { jsonOf, runCli, trainerOptions } from '../helpers.js';

interface Fixture {
  readFrom: { repo: string; commit: string };
  options: string[];
}
const fixture = (name: string) => trainerOptions<Fixture>(name);

interface ConfigJson {
  trainer: { id: string; checkedAgainst: string };
  settings: Record<string, unknown>;
  files: Array<{ name: string; path: string | null; text: string }>;
  launch: string;
  data: string[];
}
const configJson = (args: string[]) => jsonOf<ConfigJson>(['config', ...args]);
const file = (c: ConfigJson, name: string) => c.files.find((f) => f.name === name)!.text;

/** A parsed file's leaves as fixture paths: list indices become '*'. */
const fixturePaths = (doc: unknown) =>
  flattenOptions(doc)
    .map((o) => o.path.replace(/(^|\.)\d+(?=\.|$)/g, '$1*'))
    // a JSON file's header (__comment) is no option of the trainer's
    .filter((p) => !/^(\*\.)?__comment(\.|$)/.test(p));

/** The one process of an ai-toolkit job file, its sections as parsed. */
interface JobProcess {
  train: Record<string, unknown>;
  model: Record<string, unknown>;
  network?: Record<string, unknown>;
  datasets: Array<Record<string, unknown>>;
}
const jobProcess = (text: string) => (parseYaml(text) as { config: { process: JobProcess[] } }).config.process[0]!;

const AI_TOOLKIT_RUNS = [
  ['--technique', 'lora', '--model', 'flux-dev', '--gpu', 'rtx-4090', '--quantize', 'fp8', '--precision', 'mixed-bf16'],
  ['--technique', 'lora', '--model', 'sdxl', '--targets', 'attention'],
  ['--technique', 'dreambooth-lora', '--model', 'sd15', '--prior-preservation'],
  ['--technique', 'lokr', '--model', 'sdxl'],
  ['--technique', 'dora', '--model', 'sdxl', '--optimizer', 'adamw'],
  ['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb'],
  ['--technique', 'textual-inversion', '--model', 'sd15'],
  ['--technique', 'textual-inversion', '--model', 'sdxl', '--token', 'ohwx'],
];

/** The trainer's published example configs (tests/fixtures/trainer-examples/TRAINER, copied unchanged). */
const examples = (trainer: string, ext: string) => {
  const dir = join(__dirname, '../fixtures/trainer-examples', trainer);
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const);
};

describe('config --trainer ai-toolkit', () => {
  it.each(examples('ai-toolkit', '.yaml'))(
    'the fixture holds every option of the published example %s (the fixture is read right)',
    (_name, text) => {
      const known = new Set(fixture('ai-toolkit').options);
      const doc = parseYaml(text) as Record<string, unknown>;
      // meta is free-form ("you can add any additional meta info here")
      delete doc['meta'];
      // the examples' process device is not read by sd_trainer (BaseSDTrainProcess: self.device =
      // str(self.accelerator.device)); only older processes read it (GenerateProcess get_conf('device'))
      const unread = ['config.process.*.device'];
      expect(fixturePaths(doc).filter((p) => !known.has(p) && !unread.includes(p))).toEqual([]);
    },
  );

  it.each(AI_TOOLKIT_RUNS)('%j: every path is an option ai-toolkit reads', async (...args) => {
    const c = await configJson(['--trainer', 'ai-toolkit', ...args]);
    const known = new Set(fixture('ai-toolkit').options);
    const doc = parseYaml(file(c, 'job.yaml'));
    expect(fixturePaths(doc).filter((p) => !known.has(p))).toEqual([]);
    expect(c.launch).toBe('python run.py job.yaml');
    expect(c.trainer.checkedAgainst).toContain(fixture('ai-toolkit').readFrom.commit.slice(0, 8));
  });

  it('writes the run estimate resolves: one process of type sd_trainer, its sections in ai-toolkit names', async () => {
    const args = ['--technique', 'lora', '--model', 'flux-dev', '--gpu', 'rtx-4090', '--quantize', 'fp8'];
    const c = await configJson(['--trainer', 'ai-toolkit', ...args, '--precision', 'mixed-bf16']);
    const est = JSON.parse(
      (await runCli(['estimate', '--trainer', 'ai-toolkit', ...args, '--precision', 'mixed-bf16', '--json'])).stdout,
    );
    expect(c.settings).toEqual(est.settings);
    const s = est.settings;
    const doc = parseYaml(file(c, 'job.yaml')) as { job: string; config: { name: string; process: unknown[] } };
    expect(doc.job).toBe('extension');
    expect(doc.config.name).toBe('flux-dev-lora');
    expect(doc.config.process).toHaveLength(1);
    expect(doc.config.process[0]).toEqual({
      type: 'sd_trainer',
      training_folder: 'output',
      // qtype left to its default, qfloat8, as the examples do
      model: { name_or_path: 'black-forest-labs/FLUX.1-dev', arch: 'flux', quantize: true },
      network: { type: 'lora', linear: s.rank, linear_alpha: s.rank },
      train: {
        disable_sampling: true,
        noise_scheduler: 'flowmatch',
        lr: s.learningRate,
        steps: s.steps,
        batch_size: s.batch,
        gradient_accumulation: s.gradAccum,
        dtype: 'bf16',
        optimizer: 'adamw8bit',
        gradient_checkpointing: true,
        train_text_encoder: false,
      },
      save: { dtype: 'float16' },
      datasets: [
        {
          folder_path: 'img/1_sks person',
          caption_ext: '.txt',
          resolution: [s.resolution],
          cache_latents_to_disk: true,
          default_caption: 'sks person',
          num_repeats: 1,
        },
      ],
    });
  });

  it('prior preservation: the class images are a second datasets entry with is_reg, weighted by reg_weight', async () => {
    const c = await configJson([
      '--trainer',
      'ai-toolkit',
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
    const p = jobProcess(file(c, 'job.yaml'));
    expect(p.datasets.map((d) => [d['folder_path'], d['default_caption'], d['is_reg']])).toEqual([
      ['img/1_ohwx dog', 'ohwx dog', undefined],
      ['reg/1_dog', 'dog', true],
    ]);
    expect(p.train['reg_weight']).toBe(1);
    expect(p.model['arch']).toBe('sd1');
    expect(c.data).toEqual(['img/1_ohwx dog/', 'reg/1_dog/']);
    // without prior preservation: one entry and no reg_weight
    const plain = await configJson(['--trainer', 'ai-toolkit', '--technique', 'lora', '--model', 'sd15']);
    const q = jobProcess(file(plain, 'job.yaml'));
    expect(q.datasets).toHaveLength(1);
    expect(q.train['reg_weight']).toBeUndefined();
  });

  it('selects the technique by network type: LoKr at the rank given, DoRA, and full fine-tuning with no network', async () => {
    const process = async (technique: string, extra: string[] = []) =>
      jobProcess(
        file(
          await configJson(['--trainer', 'ai-toolkit', '--technique', technique, '--model', 'sdxl', ...extra]),
          'job.yaml',
        ),
      );
    // lokr_full_rank defaults to True, which sets linear to 9999999999 and ignores the rank
    expect((await process('lokr', ['--rank', '32'])).network).toEqual({
      type: 'lokr',
      lokr_full_rank: false,
      linear: 32,
      linear_alpha: 32,
    });
    expect((await process('dora')).network?.['type']).toBe('dora');
    const full = await process('full-finetune', ['--gpu', 'a100-80gb']);
    expect(full.network).toBeUndefined();
    expect(full.train['optimizer']).toBe('adafactor');
    // textual inversion: an embedding section, no network, the U-Net frozen; the trigger is the
    // embedding's file name, so the token as given (no <>)
    const ti = await process('textual-inversion', ['--token', 'ohwx', '--class-word', 'dog']);
    expect(ti.network).toBeUndefined();
    expect(ti.train['train_unet']).toBe(false);
    expect((ti as unknown as { embedding: unknown }).embedding).toEqual({
      trigger: 'ohwx',
      init_words: 'dog',
      tokens: 1,
    });
  });

  it('--out writes job.yaml and the launch command names it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-aitk-')), 'run');
    const r = await runCli([
      'config',
      '--trainer',
      'ai-toolkit',
      '--technique',
      'lora',
      '--model',
      'sdxl',
      '--out',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${dir}/job.yaml`);
    expect(r.stdout).toContain(`python run.py ${dir}/job.yaml`);
    const p = jobProcess(readFileSync(join(dir, 'job.yaml'), 'utf8'));
    expect(p.datasets[0]!['folder_path']).toBe(`${dir}/img/1_sks person`);
  });

  it('recommend --trainer ai-toolkit --out DIR writes the same job file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-aitk-rec-')), 'run');
    const r = await runCli([
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--vram',
      '24',
      '--time',
      '2h',
      '--trainer',
      'ai-toolkit',
      '--out',
      dir,
      '--no-input',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'job.yaml'), 'utf8');
    expect(text.split('\n')[1]).toBe(
      '# Option names checked against ostris/ai-toolkit@27a03a91 (no version string), read from its source (not run).',
    );
    const known = new Set(fixture('ai-toolkit').options);
    expect(fixturePaths(parseYaml(text)).filter((p) => !known.has(p))).toEqual([]);
  });

  it.each([
    [
      ['--technique', 'lora', '--model', 'sdxl', '--precision', 'bf16'],
      'error: ai-toolkit has no option for --precision bf16 in its option table. Allowed for config --trainer ai-toolkit: --precision fp32, mixed-bf16, mixed-fp16.',
    ],
    [
      ['--technique', 'lora', '--model', 'sdxl', '--resolution', '1216x832'],
      'error: ai-toolkit has no option for --resolution 1216x832: it takes square bucket sizes (resolution: [832]). Allowed for config --trainer ai-toolkit: --resolution PX.',
    ],
    [
      ['--technique', 'lora', '--model', 'sdxl', '--quantize', 'nf4'],
      'error: ai-toolkit has no option for --quantize nf4 in its option table. Allowed for config --trainer ai-toolkit: --quantize none, fp8.',
    ],
  ])('a setting it has no option for: %j exits 2', async (args, message) => {
    const r = await runCli(['config', '--trainer', 'ai-toolkit', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n`);
  });
});

interface OneTrainerFixture extends Fixture {
  concepts: { readFrom: unknown; options: string[] };
}
const ONETRAINER_RUNS = [
  ['--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ['--technique', 'lora', '--model', 'sd15', '--quantize', 'nf4', '--precision', 'mixed-bf16'],
  ['--technique', 'dora', '--model', 'sdxl', '--optimizer', 'adamw', '--targets', 'all'],
  ['--technique', 'loha', '--model', 'sd15', '--train-text-encoder'],
  ['--technique', 'lokr', '--model', 'sdxl', '--rank', '8'],
  ['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb'],
  ['--technique', 'full-finetune', '--model', 'sd15', '--gpu', 'a100-80gb'],
  ['--technique', 'textual-inversion', '--model', 'sd15'],
  ['--technique', 'textual-inversion', '--model', 'sdxl'],
];

describe('config --trainer onetrainer', () => {
  const fx = fixture('onetrainer') as OneTrainerFixture;

  it.each(examples('onetrainer', '.json'))(
    'the fixture holds every option of the published preset %s (the fixture is read right)',
    (_name, text) => {
      // and the older keys its migrations read (a preset without __version is migrated: TrainConfig.py)
      const older = Object.keys((fx as { legacyKeys?: { forwards?: object } }).legacyKeys?.forwards ?? {});
      const known = new Set([...fx.options, ...older]);
      expect(fixturePaths(JSON.parse(text)).filter((p) => !known.has(p))).toEqual([]);
    },
  );

  it.each(ONETRAINER_RUNS)('%j: every key is a TrainConfig or ConceptConfig field', async (...args) => {
    const c = await configJson(['--trainer', 'onetrainer', ...args]);
    const config = JSON.parse(file(c, 'config.json')) as Record<string, unknown>;
    const concepts = JSON.parse(file(c, 'concepts.json')) as Array<Record<string, unknown>>;
    // the header key is the only one OneTrainer does not know (from_dict reads only its own fields)
    const known = new Set([...fx.options, '__comment']);
    expect(fixturePaths(config).filter((p) => !known.has(p))).toEqual([]);
    const conceptKeys = new Set([...fx.concepts.options, '__comment']);
    for (const concept of concepts) expect(fixturePaths(concept).filter((p) => !conceptKeys.has(p))).toEqual([]);
    expect(c.launch).toBe('python scripts/train.py --config-path config.json');
  });

  it('writes the run estimate resolves, and one epoch of the concept is the planned steps', async () => {
    const args = ['--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090', '--rank', '32', '--steps', '1200'];
    const c = await configJson(['--trainer', 'onetrainer', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'onetrainer', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings;
    const config = JSON.parse(file(c, 'config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({
      __version: 11,
      epochs: 1,
      base_model_name: 'stabilityai/stable-diffusion-xl-base-1.0',
      model_type: 'STABLE_DIFFUSION_XL_10_BASE',
      training_method: 'LORA',
      // peft_type LORA: TrainConfig's default, not written
      output_model_destination: 'output/sdxl-lora.safetensors',
      concept_file_name: 'concepts.json',
      lora_rank: 32,
      lora_alpha: 32,
      learning_rate: s.learningRate,
      batch_size: s.batch,
      gradient_accumulation_steps: s.gradAccum,
      // a number, which from_dict makes the string field it is (str(data[name]))
      resolution: 1024,
      // the recipe's bf16 (the SDXL presets leave train_dtype at its FLOAT_16 fallback: unsetDefaults)
      train_dtype: 'BFLOAT_16',
      unet: { weight_dtype: 'BFLOAT_16', gradient_checkpointing: s.gradientCheckpointing },
      optimizer: { optimizer: 'ADAMW_8BIT' },
      latent_caching: true,
      text_encoder: { train: false },
      text_encoder_2: { train: false },
    });
    const [concept, ...rest] = JSON.parse(file(c, 'concepts.json')) as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    expect(concept).toMatchObject({
      __version: 2,
      type: 'STANDARD',
      path: 'img/1_sks person',
      text: { prompt_source: 'sample' },
      balancing_strategy: 'SAMPLES',
      // one epoch: 1200 steps of batch x accumulation samples
      balancing: 1200 * s.batch * s.gradAccum,
    });
    // the header is the first key of each file
    expect(Object.keys(config)[0]).toBe('__comment');
    expect(config['__comment']).toMatchObject({
      written_by: `finetune-advisor config --trainer onetrainer ${args.join(' ')} --json`,
      checked_against: 'Nerogar/OneTrainer@23df3832 (config __version 11), read from its source (not run)',
    });
    expect(Object.keys(concept!)[0]).toBe('__comment');
  });

  it('DoRA and LoHa are LoRA training with lora_decompose or peft_type LOHA; an NF4 U-Net is its weight dtype', async () => {
    const config = async (args: string[]) =>
      JSON.parse(file(await configJson(['--trainer', 'onetrainer', ...args]), 'config.json')) as Record<
        string,
        unknown
      >;
    expect(await config(['--technique', 'dora', '--model', 'sdxl'])).toMatchObject({
      training_method: 'LORA',
      // peft_type LORA: TrainConfig's default, not written
      lora_decompose: true,
    });
    expect(await config(['--technique', 'loha', '--model', 'sd15'])).toMatchObject({
      peft_type: 'LOHA',
      model_type: 'STABLE_DIFFUSION_15',
    });
    const nf4 = await config([
      '--technique',
      'lora',
      '--model',
      'sd15',
      '--quantize',
      'nf4',
      '--precision',
      'mixed-bf16',
    ]);
    expect(nf4).toMatchObject({ train_dtype: 'BFLOAT_16', unet: { weight_dtype: 'NFLOAT_4' } });
    // textual inversion: training_method EMBEDDING (its presets'), the embedding's own fields, no LoRA ones
    const ti = await config([
      '--technique',
      'textual-inversion',
      '--model',
      'sdxl',
      '--token',
      'ohwx',
      '--class-word',
      'dog',
    ]);
    expect(ti).toMatchObject({
      training_method: 'EMBEDDING',
      embedding: { placeholder: '<ohwx>', initial_embedding_text: 'dog', token_count: 1 },
    });
    for (const k of ['lora_rank', 'lokr_dim', 'lora_alpha', 'layer_filter_preset', 'peft_type'])
      expect(ti[k], k).toBeUndefined();
  });

  it.each([
    ['lokr', 'sdxl'],
    ['full-finetune', 'sdxl'],
    ['full-finetune', 'sd15'],
  ])('%s on %s: the file holds the settings estimate resolves', async (technique, model) => {
    const args = ['--technique', technique, '--model', model, '--gpu', 'a100-80gb'];
    const c = await configJson(['--trainer', 'onetrainer', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'onetrainer', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings;
    const config = JSON.parse(file(c, 'config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_type: model === 'sdxl' ? 'STABLE_DIFFUSION_XL_10_BASE' : 'STABLE_DIFFUSION_15',
      learning_rate: s.learningRate,
      batch_size: s.batch,
      gradient_accumulation_steps: s.gradAccum,
      resolution: s.resolution,
      optimizer: {
        optimizer:
          { adamw: 'ADAMW', 'adamw-8bit': 'ADAMW_8BIT', adafactor: 'ADAFACTOR' }[s.optimizer as string] ?? 'unmapped',
      },
    });
    if (technique === 'lokr') {
      // LoKr's rank is lokr_dim (LoRAModule.py: LoKrModule(..., self.lokr_dim, self.alpha, ...))
      expect(config).toMatchObject({
        training_method: 'LORA',
        peft_type: 'LOKR',
        lokr_dim: s.rank,
        lora_alpha: s.rank,
      });
    } else {
      // the whole U-Net: no adapter, so no rank or alpha written
      expect(config).toMatchObject({ training_method: 'FINE_TUNE' });
      expect(s.rank).toBeNull();
      for (const key of ['peft_type', 'lora_rank', 'lokr_dim', 'lora_alpha', 'lora_decompose'])
        expect(config[key], key).toBeUndefined();
    }
  });

  it('--out writes config.json and concepts.json, the config naming the concepts file by its path', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-ot-')), 'run');
    const r = await runCli([
      'config',
      '--trainer',
      'onetrainer',
      '--technique',
      'lora',
      '--model',
      'sdxl',
      '--out',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${dir}/config.json\nwrote ${dir}/concepts.json`);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config['concept_file_name']).toBe(`${dir}/concepts.json`);
    const concepts = JSON.parse(readFileSync(join(dir, 'concepts.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(concepts[0]!['path']).toBe(`${dir}/img/1_sks person`);
  });

  it('recommend --trainer onetrainer --out DIR writes the same two files', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-ot-rec-')), 'run');
    const r = await runCli([
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--vram',
      '24',
      '--time',
      '2h',
      '--trainer',
      'onetrainer',
      '--out',
      dir,
      '--no-input',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const known = new Set([...fx.options, '__comment']);
    expect(fixturePaths(config).filter((p) => !known.has(p))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'concepts.json'), 'utf8'))).toHaveLength(1);
  });

  it.each([
    [
      ['--technique', 'dreambooth-lora', '--model', 'sd15', '--prior-preservation'],
      'error: --trainer onetrainer does not run dreambooth-lora. Trainers that run it: diffusers, kohya, ai-toolkit.',
    ],
    [
      ['--technique', 'lora', '--model', 'sd15', '--prior-preservation'],
      'error: onetrainer has no option for --prior-preservation in its option table (no class-image subset). Allowed for config --trainer onetrainer: --no-prior-preservation.',
    ],
    [
      ['--technique', 'lora', '--model', 'sdxl', '--resolution', '1216x832'],
      'error: onetrainer has no option for --resolution 1216x832 in its option table (a square resolution). Allowed for config --trainer onetrainer: --resolution PX.',
    ],
    [
      ['--technique', 'lora', '--model', 'flux-dev'],
      'error: config writes onetrainer files for sd1, sdxl models; flux-dev is a flux model.',
    ],
  ])('a setting or model it has no option for: %j exits 2', async (args, message) => {
    const r = await runCli(['config', '--trainer', 'onetrainer', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n`);
  });
});

interface SimpleTunerFixture extends Fixture {
  dataBackend: { options: string[] };
  /** the LyCORIS file's keys (lycoris_config.json), apply_preset's as apply_preset.NAME */
  adapterFile: { options: string[] };
}
const SIMPLETUNER_RUNS = [
  ['--technique', 'loha', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ['--technique', 'lokr', '--model', 'sd15', '--factor', '8', '--targets', 'attention'],
  ['--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ['--technique', 'lora', '--model', 'flux-dev', '--quantize', 'nf4'],
  ['--technique', 'dora', '--model', 'sdxl', '--optimizer', 'adamw'],
  ['--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb', '--optimizer', 'adamw-8bit'],
];

describe('config --trainer simpletuner', () => {
  const fx = fixture('simpletuner') as SimpleTunerFixture;
  const known = new Set([...fx.options, '__comment']);
  const backendKeys = new Set([...fx.dataBackend.options, '__comment']);
  const topKeys = (o: Record<string, unknown>) => Object.keys(o);
  const lycorisKeys = new Set(fx.adapterFile.options);
  // a list by its name; module_algo_map's and name_algo_map's keys are module and layer names
  const lycorisUnknown = (doc: unknown) =>
    fixturePaths(doc)
      .map((p) => p.replace(/\.\*$/, ''))
      .filter((p) => !lycorisKeys.has(p) && !/^apply_preset\.(module|name)_algo_map\./.test(p));

  it.each(examples('simpletuner', '.json'))(
    'the fixture holds every key of the published example %s (the fixture is read right)',
    (_name, text) => {
      const doc = JSON.parse(text) as Record<string, unknown> | Array<Record<string, unknown>>;
      if (_name.endsWith('lycoris_config.json')) return expect(lycorisUnknown(doc)).toEqual([]);
      if (Array.isArray(doc)) {
        for (const backend of doc)
          expect(topKeys(backend).filter((k) => !fx.dataBackend.options.includes(k))).toEqual([]);
        return;
      }
      // keys of the shipped examples that no registry field defines at this commit (renamed:
      // validation_step_interval; fuse_qkv_projections has no field): argparse would refuse them
      const unread = ['validation_steps', 'fuse_qkv_projections'];
      expect(topKeys(doc).filter((k) => !fx.options.includes(k) && !unread.includes(k))).toEqual([]);
    },
  );

  it.each(SIMPLETUNER_RUNS)('%j: every key is a registry option or a backend key', async (...args) => {
    const c = await configJson(['--trainer', 'simpletuner', ...args]);
    const config = JSON.parse(file(c, 'config.json')) as Record<string, unknown>;
    expect(topKeys(config).filter((k) => !known.has(k))).toEqual([]);
    // the keys as the shipped examples spell them: no leading -- (cli_utils._ensure_prefixed adds it)
    expect(topKeys(config).filter((k) => k.startsWith('-'))).toEqual([]);
    const backends = JSON.parse(file(c, 'multidatabackend.json')) as Array<Record<string, unknown>>;
    for (const b of backends) expect(topKeys(b).filter((k) => !backendKeys.has(k))).toEqual([]);
    const lycoris = c.files.find((f) => f.name === 'lycoris_config.json');
    expect(lycoris !== undefined).toBe(config['lora_type'] === 'lycoris');
    if (lycoris) expect(lycorisUnknown(JSON.parse(lycoris.text))).toEqual([]);
    expect(c.launch).toBe('CONFIG_BACKEND=json CONFIG_PATH=config.json simpletuner train');
  });

  it.each([
    ['loha', ['--rank', '16'], { algo: 'loha', linear_dim: 16, linear_alpha: 16 }],
    ['lokr', ['--rank', '8', '--factor', '4'], { algo: 'lokr', linear_dim: 8, linear_alpha: 8, factor: 4 }],
  ])(
    'LyCORIS %s: lora_type lycoris naming lycoris_config.json, which holds the algorithm and the shape the estimate sizes',
    async (technique, flags, lycoris) => {
      const args = ['--technique', technique, '--model', 'sdxl', '--targets', 'attention', ...flags];
      const printed = await configJson(['--trainer', 'simpletuner', ...args]);
      const est = JSON.parse((await runCli(['estimate', '--trainer', 'simpletuner', ...args, '--json'])).stdout);
      expect(printed.settings).toEqual(est.settings);
      const config = JSON.parse(file(printed, 'config.json')) as Record<string, unknown>;
      expect(config).toMatchObject({ model_type: 'lora', lora_type: 'lycoris', lycoris_config: 'lycoris_config.json' });
      // SimpleTuner reads the adapter's shape from the LyCORIS file alone
      expect(config['lora_rank']).toBeUndefined();
      expect(config['lora_alpha']).toBeUndefined();
      const file2 = JSON.parse(file(printed, 'lycoris_config.json')) as Record<string, unknown>;
      expect(file2).toMatchObject({ ...lycoris, multiplier: 1, apply_preset: { target_module: ['Attention'] } });
      if (technique === 'loha') expect(file2['factor']).toBeUndefined();
      expect(printed.files.map((f) => f.name)).toEqual(['config.json', 'multidatabackend.json', 'lycoris_config.json']);
    },
  );

  it('writes the run estimate resolves: max_train_steps with no epoch limit, one image backend and the text-embeds cache', async () => {
    const args = ['--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090', '--rank', '32', '--steps', '1200'];
    const c = await configJson(['--trainer', 'simpletuner', ...args]);
    const est = JSON.parse((await runCli(['estimate', '--trainer', 'simpletuner', ...args, '--json'])).stdout);
    expect(c.settings).toEqual(est.settings);
    const s = est.settings;
    const config = JSON.parse(file(c, 'config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_family: 'sdxl',
      model_type: 'lora',
      lora_type: 'standard',
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      output_dir: 'output',
      data_backend_config: 'multidatabackend.json',
      lora_rank: 32,
      lora_alpha: 32,
      max_train_steps: 1200,
      num_train_epochs: 0,
      learning_rate: s.learningRate,
      train_batch_size: s.batch,
      gradient_accumulation_steps: s.gradAccum,
      resolution: 1024,
      mixed_precision: 'bf16',
      base_model_precision: 'no_change',
      optimizer: 'bnb-adamw8bit',
      gradient_checkpointing: s.gradientCheckpointing,
      train_text_encoder: false,
    });
    // the header is an object: SimpleTuner sets a mapping value aside instead of making it an option
    expect(config['__comment']).toMatchObject({
      written_by: `finetune-advisor config --trainer simpletuner ${args.join(' ')} --json`,
    });
    const backends = JSON.parse(file(c, 'multidatabackend.json')) as Array<Record<string, unknown>>;
    expect(backends.map((b) => ({ ...b, __comment: undefined }))).toEqual([
      {
        __comment: undefined,
        id: 'sks person',
        type: 'local',
        instance_data_dir: 'img/1_sks person',
        caption_strategy: 'textfile',
        resolution: 1024,
        resolution_type: 'pixel_area',
        cache_dir_vae: 'cache/vae',
      },
      {
        __comment: undefined,
        id: 'text-embeds',
        type: 'local',
        dataset_type: 'text_embeds',
        default: true,
        cache_dir: 'cache/text',
      },
    ]);
  });

  it('DoRA is use_dora on a standard LoRA, full fine-tuning model_type full, an NF4 base nf4-bnb', async () => {
    const config = async (args: string[]) =>
      JSON.parse(file(await configJson(['--trainer', 'simpletuner', ...args]), 'config.json')) as Record<
        string,
        unknown
      >;
    expect(await config(['--technique', 'dora', '--model', 'sdxl'])).toMatchObject({
      model_family: 'sdxl',
      model_type: 'lora',
      use_dora: true,
    });
    const full = await config([
      '--technique',
      'full-finetune',
      '--model',
      'sdxl',
      '--gpu',
      'a100-80gb',
      '--optimizer',
      'adamw-8bit',
    ]);
    expect(full).toMatchObject({ model_type: 'full' });
    expect(full['lora_rank']).toBeUndefined();
    const nf4 = await config(['--technique', 'lora', '--model', 'flux-dev', '--quantize', 'nf4']);
    expect(nf4).toMatchObject({ model_family: 'flux', base_model_precision: 'nf4-bnb', mixed_precision: 'bf16' });
  });

  it('recommend --trainer simpletuner --out DIR writes config.json and multidatabackend.json', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-st-rec-')), 'run');
    const r = await runCli([
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--vram',
      '24',
      '--time',
      '2h',
      '--trainer',
      'simpletuner',
      '--out',
      dir,
      '--no-input',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(topKeys(config).filter((k) => !known.has(k))).toEqual([]);
    expect(config['data_backend_config']).toBe(`${dir}/multidatabackend.json`);
    expect(JSON.parse(readFileSync(join(dir, 'multidatabackend.json'), 'utf8'))).toHaveLength(2);
  });

  it.each([
    [
      // mixed_precision bf16 trains the bf16 weights themselves (cmd_args.py weight_dtype): no fp32 copy to write
      ['--technique', 'lora', '--model', 'flux-dev', '--precision', 'mixed-bf16'],
      'error: simpletuner has no option for --precision mixed-bf16 in its option table. Allowed for config --trainer simpletuner: --precision bf16, mixed-fp16, fp32.',
    ],
    [
      ['--technique', 'lora', '--model', 'sdxl', '--prior-preservation'],
      'error: simpletuner has no option for --prior-preservation in its option table (no class-image subset). Allowed for config --trainer simpletuner: --no-prior-preservation.',
    ],
    [
      [
        '--technique',
        'full-finetune',
        '--model',
        'sdxl',
        '--gpu',
        'a100-80gb',
        '--optimizer',
        'adamw-8bit',
        '--precision',
        'mixed-bf16',
      ],
      'error: simpletuner has no option for --precision mixed-bf16 in its option table. Allowed for config --trainer simpletuner: --precision bf16, mixed-fp16, fp32.',
    ],
    [
      ['--technique', 'lokr', '--model', 'sdxl', '--targets', 'all'],
      'error: simpletuner has no option for --targets all in its option table. Allowed for config --trainer simpletuner: --targets attention, attention-mlp.',
    ],
  ])('a setting it has no option for: %j exits 2', async (args, message) => {
    const r = await runCli(['config', '--trainer', 'simpletuner', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n`);
  });
});

// QLoRA on an image model is LoRA on an NF4 base: the knowledge base gives --technique qlora to
// language models and points image models at --technique lora --quantize nf4, which these tables
// write as OneTrainer's U-Net weight dtype NFLOAT_4 and SimpleTuner's base_model_precision nf4-bnb
describe('an NF4 base (QLoRA on an image model): config writes it, check reads it back', () => {
  it.each([
    ['onetrainer', 'sd15', { unet: { weight_dtype: 'NFLOAT_4' }, training_method: 'LORA' }],
    ['onetrainer', 'sdxl', { unet: { weight_dtype: 'NFLOAT_4' }, training_method: 'LORA' }],
    ['simpletuner', 'sdxl', { base_model_precision: 'nf4-bnb', model_type: 'lora' }],
    ['simpletuner', 'flux-dev', { base_model_precision: 'nf4-bnb', model_type: 'lora' }],
  ])('%s %s', async (trainer, model, written) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-nf4-')), 'run');
    // each trainer's bf16: OneTrainer's autocast over fp32 adapters, SimpleTuner's bf16 weights (cmd_args.py weight_dtype)
    const precision = trainer === 'simpletuner' ? 'bf16' : 'mixed-bf16';
    const args = ['--technique', 'lora', '--model', model, '--quantize', 'nf4', '--precision', precision];
    const r = await runCli(['config', '--trainer', trainer, ...args, '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as ConfigJson;
    expect(c.settings['quantize']).toBe('nf4');
    const path = join(dir, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject(written);
    const known = new Set([...fixture(trainer).options, '__comment']);
    expect(fixturePaths(config).filter((p) => !known.has(p))).toEqual([]);
    const back = await runCli(['check', path, '--json']);
    expect([0, 3], back.stderr).toContain(back.code);
    const read = JSON.parse(back.stdout) as { settings: Record<string, unknown> };
    expect(read.settings).toMatchObject({ method: 'lora', quantize: 'nf4', precision });
  });
});
