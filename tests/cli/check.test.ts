// `finetune-advisor check FILE`: a trainer's config read back as the run it is. Every trainer x
// technique pair `config` writes is written and read back to the same settings (the round trip);
// the estimate is estimate's with the flags it prints; a misspelt key is reported with the name
// the trainer has; hostile files exit 1 naming file and line, with nothing run or written.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { jsonErrorOffset } from '../../src/cli/commands/check/read-config.js';
import { bundledKb, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();

/** A model of each group an option table has scripts for, else of the family (the catalogue's first). */
function modelsFor(groups: string[] | null, family: string): string[] {
  if (groups) return groups.map((g) => kb.models.find((m) => m.group === g)!.id);
  return [family === 'llm' ? 'llama-3.1-8b' : 'sdxl'];
}

interface Pair {
  trainer: string;
  technique: string;
  model: string;
}
/** Every trainer config writes for: check reads its files back, scripts (train.sh, train.py) included. */
const readable = (t: (typeof kb.trainers)[number]) => t.config !== undefined;
const ALL_PAIRS: Pair[] = kb.trainers.filter(readable).flatMap((t) =>
  Object.keys(t.config!.techniques).flatMap((technique) => {
    const tech = kb.techniques.find((x) => x.id === technique)!;
    const groups = t.config!.groups ? [...new Set(t.config!.groups.flatMap((g) => g.groups))] : null;
    return t.families.flatMap((family) =>
      modelsFor(groups, family)
        .filter((id) => {
          const model = kb.models.find((m) => m.id === id)!;
          // a technique the table writes for some groups only (diffusers' DoRA: SDXL)
          const only = t.config!.techniques[technique]!.groups;
          return (
            tech.families.includes(model.family) &&
            tech.defaults[model.group] !== undefined &&
            (!only || only.includes(model.group))
          );
        })
        .map((model) => ({ trainer: t.id, technique, model })),
    );
  }),
);

/** each pair once (a trainer of image and video models lists its image models under both families) */
const PAIRS = ALL_PAIRS.filter((p, i) => ALL_PAIRS.findIndex((q) => JSON.stringify(q) === JSON.stringify(p)) === i);

/** The run's settings a trainer's files state, by the table's options and the technique's adapter file's (see the round trip). */
function statedSettings(trainerId: string, technique: string): string[] {
  const config = kb.trainers.find((t) => t.id === trainerId)!.config!;
  const adapter = config.techniques[technique]?.adapterFile;
  const alike = (spec: unknown) => {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return false;
    const table = 'values' in spec ? spec.values : 'sets' in spec ? spec.sets : {};
    const values = Object.values(table as Record<string, unknown>).map((v) => JSON.stringify(v));
    return new Set(values).size < values.length;
  };
  const named = [
    ...Object.entries(config.options)
      .filter(([, spec]) => !alike(spec))
      .map(([k]) => k),
    ...Object.keys(config.dataset ?? {}),
    ...Object.entries(adapter?.options ?? {})
      .filter(([, spec]) => !alike(spec))
      .map(([k]) => k),
  ];
  const as: Record<string, string> = {
    checkpointing: 'gradientCheckpointing',
    unetOnly: 'trainTextEncoder',
    priorLossWeight: 'priorPreservation',
    isReg: 'priorPreservation',
    resolutions: 'resolution',
  };
  return [...new Set(['method', ...named.map((k) => as[k] ?? k)])];
}

/** The trainers whose files are data (not scripts), as check lists them. */
const dataTrainers = kb.trainers
  .filter((t) => t.config && !['shell', 'python'].includes(t.config.writer))
  .map((t) => t.id)
  .join(', ');

const tmp = () => mkdtempSync(join(tmpdir(), 'fa-check-'));

interface Json {
  settings: Record<string, unknown>;
  technique?: string | { id: string };
  files?: Array<{ name: string; path: string }>;
  equivalent?: string;
  unknownKeys?: Array<{ key: string; suggestion: string | null; line: number | null }>;
  verdict?: { fits: boolean | null };
  changes?: Array<{ why: string; options: Record<string, unknown> }>;
}

async function json(argv: string[]): Promise<Json> {
  const r = await runCli([...argv, '--json']);
  expect(r.code === 0 || r.code === 3, `${argv.join(' ')}: ${r.stderr}`).toBe(true);
  return JSON.parse(r.stdout) as Json;
}

describe('check reads back what config writes', () => {
  it('covers every trainer with an option table', () => {
    expect(new Set(PAIRS.map((p) => p.trainer))).toEqual(new Set(kb.trainers.filter(readable).map((t) => t.id)));
  });

  it.each(PAIRS)('$trainer $technique $model: the same settings', async ({ trainer, technique, model }) => {
    const dir = tmp();
    const card = ['--gpu', 'a100-80gb'];
    let args = ['config', '--trainer', trainer, '--technique', technique, '--model', model, ...card, '--out', dir];
    let r = await runCli([...args, '--json']);
    // a switch its script has no option for (diffusers' FLUX full fine-tune: no --cache_latents) is
    // written with the flag the error names
    const off = /cannot turn it on\. Allowed for config --trainer \S+: (--no-[\w-]+)\.$/.exec(r.stderr.trim());
    if (r.code === 2 && off) {
      args = [...args, off[1]!];
      r = await runCli([...args, '--json']);
    }
    // a recipe default the trainer has no option for (SimpleTuner: pure bf16) is a usage error naming what it has
    if (r.code === 2) return expect(r.stderr).toMatch(/has no option for --\w[\w-]* \S+ in its option table\. Allowed/);
    expect(r.code, r.stderr).toBe(0);
    const written = JSON.parse(r.stdout) as Json;
    const main = written.files![0]!.path;
    const read = await json(['check', main, ...card]);
    // the settings the file states: those the table has options for (a setting it does not write,
    // such as the targets fixed in diffusers' scripts, is the estimate's default either way), but
    // one whose values the table writes alike (diffusers' --mixed_precision bf16: mixed-bf16 and bf16)
    const stated = statedSettings(trainer, technique);
    // QLoRA is LoRA on an NF4 base: a trainer whose LoRA loads 4-bit by default (Unsloth) writes both alike
    const pick = (x: Record<string, unknown>) =>
      Object.fromEntries(stated.map((k) => [k, k === 'method' && x[k] === 'qlora' ? 'lora' : x[k]]));
    expect(pick(read.settings)).toEqual(pick(written.settings));
    // and the base as stored, whatever option or builder says it (torchtune's qlora_* builders)
    expect(read.settings.quantize).toBe(written.settings.quantize);
    expect(read.unknownKeys).toEqual([]);
  });
});

describe('check tells the full-weight techniques apart', () => {
  /** config then check: the settings each states, and the technique check reads */
  async function roundTrip(trainer: string, args: string[]) {
    const dir = tmp();
    const card = ['--gpu', 'a100-80gb'];
    const written = await json(['config', '--trainer', trainer, ...args, ...card, '--out', dir]);
    const read = await json(['check', written.files![0]!.path, ...card]);
    const technique = args[args.indexOf('--technique') + 1]!;
    const stated = statedSettings(trainer, technique);
    const pick = (x: Record<string, unknown>) => Object.fromEntries(stated.map((k) => [k, x[k]]));
    expect(pick(read.settings)).toEqual(pick(written.settings));
    expect(read.unknownKeys).toEqual([]);
    return read.technique;
  }
  const id = (t: Json['technique']) => (typeof t === 'string' ? t : t?.id);

  // kohya runs full DreamBooth and the full fine-tune with the same scripts (train_db.py,
  // sdxl_train.py, flux_train.py) and dataset TOML: the instance subset's class_tokens (the
  // identifier and class) is DreamBooth's, a fine-tune's images are captioned by their .txt files
  // alone, and check reads the technique (and so its recipe's learning rate) from that
  it.each([
    ['dreambooth', 'sd15'],
    ['full-finetune', 'sd15'],
    ['dreambooth', 'sdxl'],
    ['full-finetune', 'sdxl'],
    ['dreambooth', 'flux-dev'],
    ['full-finetune', 'flux-dev'],
  ])('kohya %s %s: read back as itself', async (technique, model) => {
    expect(id(await roundTrip('kohya', ['--technique', technique, '--model', model]))).toBe(technique);
  });

  // train_db.py trains the text encoder unless stop_text_encoder_training = -1: absent, it is trained
  it.each([[[]], [['--train-text-encoder']]])(
    'kohya full-finetune sd15 %j: the text encoder as train_db.py reads it',
    async (extra: string[]) => {
      expect(id(await roundTrip('kohya', ['--technique', 'full-finetune', '--model', 'sd15', ...extra]))).toBe(
        'full-finetune',
      );
    },
  );

  it('kohya DreamBooth with prior preservation: the is_reg subset and prior_loss_weight (train_db.py)', async () => {
    const args = ['--technique', 'dreambooth', '--model', 'sd15', '--prior-preservation'];
    expect(id(await roundTrip('kohya', args))).toBe('dreambooth');
  });

  // diffusers' recipes for SDXL and FLUX full fine-tunes use Adafactor, which neither script has
  // (the round trip above stops at that usage error): read back with an optimizer each one has
  it.each([
    ['sdxl', ['--optimizer', 'adamw-8bit']],
    ['flux-dev', ['--optimizer', 'prodigy', '--no-cache']],
    ['sd15', ['--optimizer', 'adamw-8bit']],
  ])('diffusers full-finetune %s: the script says the technique', async (model, extra) => {
    expect(id(await roundTrip('diffusers', ['--technique', 'full-finetune', '--model', model, ...extra]))).toBe(
      'full-finetune',
    );
  });
});

describe('check', () => {
  it('gives the estimate estimate gives with the flags it prints, and says what to change to fit', async () => {
    const dir = tmp();
    await json([
      'config',
      '--trainer',
      'trl',
      '--technique',
      'lora',
      '--model',
      'llama-3.1-8b',
      '--seq-len',
      '4096',
      '--out',
      dir,
    ]);
    const read = await json(['check', join(dir, 'sft.yaml'), '--vram', '16']);
    const words = splitFlags(read.equivalent!.replace(/^finetune-advisor /, ''));
    const direct = await json(words);
    expect(read.settings).toEqual(direct.settings);
    expect(read.verdict!.fits).toBe(false);
    // the savers in TRL's own option names
    expect(read.changes!.find((c) => c.why === 'fit')!.options).toMatchObject({ optim: 'adamw_8bit' });
  });

  it("kohya textual inversion without use_object_template (docs/train_textual_inversion.md's captions naming the token): still textual inversion, by token_string", async () => {
    const dir = tmp();
    await json(['config', '--trainer', 'kohya', '--technique', 'textual-inversion', '--model', 'sdxl', '--out', dir]);
    const toml = join(dir, 'train.toml');
    const text = readFileSync(toml, 'utf8');
    expect(text).toMatch(/^use_object_template = true$/m);
    writeFileSync(toml, text.replace(/^use_object_template = true\n/m, ''));
    const read = await json(['check', toml]);
    expect(read.technique).toBe('textual-inversion');
    expect(read.settings.method).toBe('embedding');
    expect(read.unknownKeys).toEqual([]);
  });

  it('a misspelt key: reported with its line and the name the trainer has (TRL, kohya)', async () => {
    const dir = tmp();
    await json(['config', '--trainer', 'trl', '--technique', 'qlora', '--model', 'llama-3.1-8b', '--out', dir]);
    const file = join(dir, 'sft.yaml');
    const text = readFileSync(file, 'utf8').replace('gradient_checkpointing:', 'gradient_checkpointng:');
    writeFileSync(file, text);
    const read = await json(['check', file]);
    const line = text.split('\n').findIndex((l) => l.startsWith('gradient_checkpointng')) + 1;
    expect(read.unknownKeys).toEqual([
      expect.objectContaining({ key: 'gradient_checkpointng', suggestion: 'gradient_checkpointing', line }),
    ]);

    const k = tmp();
    await json(['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl', '--out', k]);
    const toml = join(k, 'train.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('network_dim =', 'network_dimm ='));
    const r = await runCli(['check', toml]);
    expect(r.stdout).toMatch(/train\.toml:\d+:1: network_dimm \(did you mean `network_dim`\?\)/);
  });

  it('an option kohya reads from a [section] of its TOML, and the dataset TOML beside it', async () => {
    const dir = tmp();
    await json([
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'dreambooth-lora',
      '--model',
      'sd15',
      '--prior-preservation',
      '--out',
      dir,
    ]);
    const toml = join(dir, 'train.toml');
    const sectioned = readFileSync(toml, 'utf8').replace(/^(network_dim = .*)$/m, '[additional_network_arguments]\n$1');
    writeFileSync(toml, sectioned);
    const read = await json(['check', toml]);
    expect(read.technique).toBe('dreambooth-lora');
    expect(read.settings).toMatchObject({ priorPreservation: true, resolution: 512 });
  });

  it("SimpleTuner's LyCORIS file: the algorithm says the technique, a misspelt key is named there, without it exit 2", async () => {
    const dir = tmp();
    await json([
      'config',
      '--trainer',
      'simpletuner',
      '--technique',
      'lokr',
      '--model',
      'sdxl',
      '--factor',
      '4',
      '--out',
      dir,
    ]);
    const config = join(dir, 'config.json');
    const lycoris = join(dir, 'lycoris_config.json');
    const read = await json(['check', config]);
    expect(read.settings).toMatchObject({ method: 'lokr', factor: 4, rank: 32 });
    const text = readFileSync(lycoris, 'utf8');
    writeFileSync(lycoris, text.replace('"lokr"', '"loha"').replace('"linear_alpha"', '"linear_alpa"'));
    const misspelt = await json(['check', config]);
    // LoHa has no factor: the file's is not taken
    expect(misspelt.settings).toMatchObject({ method: 'loha', factor: null, rank: 32 });
    expect(misspelt.unknownKeys).toEqual([
      expect.objectContaining({ key: 'linear_alpa', suggestion: 'linear_alpha', line: expect.any(Number) }),
    ]);
    writeFileSync(lycoris, text.replace('"lokr"', '"locon"'));
    const other = await runCli(['check', config]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/lycoris_config\.json:\d+:\d+: algo = "locon" selects none of loha, lokr/);
    rmSync(lycoris);
    const missing = await runCli(['check', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /config\.json:\d+:\d+: lycoris_config names .*lycoris_config\.json, which is neither here nor beside/,
    );
  });

  it("SimpleTuner's older names and its own optimizer: read as it reads them (cli_utils.py _LEGACY_ARG_HANDLERS, field aliases, adamw_bf16)", async () => {
    const dir = tmp();
    await json(['config', '--trainer', 'simpletuner', '--technique', 'lora', '--model', 'sdxl', '--out', dir]);
    const config = join(dir, 'config.json');
    const written = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
    const before = await json(['check', config]);
    // validation_steps and checkpointing_steps are fields' aliases; save_total_limit is forwarded;
    // a top-level repeats is a dataset option SimpleTuner drops unread; adamw_bf16 is AdamW
    writeFileSync(
      config,
      JSON.stringify(
        {
          ...written,
          validation_steps: 100,
          checkpointing_steps: 250,
          save_total_limit: 3,
          repeats: 10,
          optimizer: 'adamw_bf16',
        },
        null,
        2,
      ),
    );
    const read = (await json(['check', config])) as Json & { notes: string[]; warnings: string[] };
    expect(read.unknownKeys).toEqual([]);
    expect(read.settings).toEqual({ ...before.settings, optimizer: 'adamw' });
    expect(read.notes).toContainEqual(
      expect.stringMatching(
        /config\.json:\d+:\d+: save_total_limit is an older name SimpleTuner reads as checkpoints_total_limit$/,
      ),
    );
    expect(read.warnings).toContainEqual(
      expect.stringMatching(/config\.json:\d+:\d+: SimpleTuner drops repeats from this file unread \(a dataset option/),
    );
    expect(read.warnings.join('\n')).not.toMatch(/adamw_bf16/);
  });

  it("a trainer's YAML as PyYAML reads it (YAML 1.1): yes and on are true, 4_096 is 4096", async () => {
    const f = join(tmp(), 'qlora.yml');
    writeFileSync(
      f,
      'base_model: meta-llama/Llama-3.1-8B\nadapter: qlora\nload_in_4bit: yes\nsequence_len: 4_096\nlora_r: 16\nmicro_batch_size: 1\nbf16: on\ngradient_checkpointing: true\n',
    );
    const read = await json(['check', f, '--gpu', 'rtx-4090']);
    expect(read.settings).toMatchObject({ method: 'qlora', seqLen: 4096, precision: 'mixed-bf16' });
  });

  it('a file no trainer reads, an unknown --trainer: exit 2 naming the trainers', async () => {
    const dir = tmp();
    const f = join(dir, 'x.yaml');
    writeFileSync(f, 'hello: world\n');
    const r = await runCli(['check', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(`no trainer's option table reads these options; pass --trainer (one of ${dataTrainers}).`);
    const t = await runCli(['check', f, '--trainer', 'nope']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain(
      `--trainer 'nope': check reads the files of the trainers config writes for. Allowed: ${dataTrainers}.`,
    );
  });

  it('a value the run cannot take: exit 2 with the file, line and option', async () => {
    const dir = tmp();
    const f = join(dir, 'sft.yaml');
    writeFileSync(f, 'model_name_or_path: meta-llama/Llama-3.1-8B\nuse_peft: true\nlora_r: 0\n');
    const r = await runCli(['check', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sft\.yaml:3:1: lora_r = 0: Expected a rank/);
  });
});

describe("a trainer's fallback for a key left out, apart from what its runs set (ai-toolkit's train.dtype)", () => {
  const example = join(__dirname, '../fixtures/trainer-examples/ai-toolkit/train_lora_flux_24gb.yaml');
  it("the flagship FLUX example: bf16 as written, and `quantize: true` alone is the fp8 base (qtype's default qfloat8)", async () => {
    const read = (await json(['check', example, '--gpu', 'rtx-4090'])) as Json & { warnings: string[] };
    expect(read.settings.precision).toBe('mixed-bf16');
    expect(read.settings.quantize).toBe('fp8');
    // the one warning is its process device, which sd_trainer does not read
    expect(read.warnings).toEqual([expect.stringMatching(/drops config\.process\.0\.device from this file unread/)]);
  });
  it('the same file without train.dtype: fp32, as TrainConfig falls back to, said in a note', async () => {
    const copy = join(tmp(), 'job.yaml');
    writeFileSync(copy, readFileSync(example, 'utf8').replace(/^ *dtype: bf16.*\n/m, ''));
    const read = (await json(['check', copy, '--gpu', 'rtx-4090'])) as Json & { notes: string[] };
    expect(read.settings.precision).toBe('fp32');
    expect(read.notes.join('\n')).toMatch(
      /config\.process\.0\.train\.dtype is not set: ostris ai-toolkit falls back to fp32/,
    );
  });
  it("a planned run with --trainer ai-toolkit is its examples' bf16, not the fallback", async () => {
    const r = await runCli(
      splitFlags('estimate --technique lora --model flux-dev --gpu rtx-4090 --trainer ai-toolkit --json'),
    );
    expect(JSON.parse(r.stdout).settings.precision).toBe('mixed-bf16');
  });
});

describe('check: files handled safely (exit 1, file:line:column, nothing run or written)', () => {
  const BAD = join(__dirname, '../fixtures/bad-kb');
  const hostile: Array<[string, RegExp]> = [
    ['syntax-error.yaml', /syntax-error\.yaml:4:1: /],
    ['duplicate-key.yaml', /duplicate-key\.yaml:4:5: Map keys must be unique/],
    ['alias-bomb.yaml', /alias-bomb\.yaml:1:1: .*alias count/],
    ['js-function-tag.yaml', /js-function-tag\.yaml:3:\d+: Unresolved tag/],
    ['unknown-tag.yaml', /unknown-tag\.yaml:3:\d+: Unresolved tag: !custom/],
    ['proto-key.yaml', /proto-key\.yaml:10:5: key '__proto__' is not an option name/],
    ['constructor-key.yaml', /constructor-key\.yaml:10:5: key 'constructor' is not an option name/],
    ['not-utf8.yaml', /not-utf8\.yaml:1:1: not UTF-8 text/],
    ['empty.yaml', /empty\.yaml:1:1: expected a mapping of options/],
  ];
  it.each(hostile)('%s', async (name, message) => {
    const before = readdirSync(BAD).length;
    const r = await runCli(['check', join(BAD, name)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(BAD).length).toBe(before);
  });

  it('broken JSON and TOML: the line and column where they break', async () => {
    const dir = tmp();
    const cases: Array<[string, string, RegExp]> = [
      ['a.json', '{"lora_r": 8,\n "bf16": }', /a\.json:2:10: not JSON/],
      ['b.json', '{"lora_r": [1, 2,]}', /b\.json:1:18: not JSON/],
      ['c.toml', 'network_dim = 8\nnetwork_alpha = \n', /c\.toml:2:\d+: /],
      ['d.toml', 'a = 1\na = 2\n', /d\.toml:2:\d+: /],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      const r = await runCli(['check', join(dir, name)]);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
    }
  });

  it('a file over the size limit, a folder, a missing file', async () => {
    const dir = tmp();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `lora_r: 8\n#${'x'.repeat(6 * 1024 * 1024)}\n`);
    for (const [path, message] of [
      [big, /big\.yaml:1:1: file is larger than the 5 MB limit/],
      [dir, /is a folder, not a file/],
      [join(dir, 'missing.yaml'), /no such file/],
    ] as const) {
      const r = await runCli(['check', path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('jsonErrorOffset: where RFC 8259 JSON breaks, -1 for valid JSON', () => {
    expect(jsonErrorOffset('{"a": [1, 2, {"b": null}], "c": "\\u00e9"}')).toBe(-1);
    expect(jsonErrorOffset('{"a": 01}')).toBe(7);
    expect(jsonErrorOffset("{'a': 1}")).toBe(1);
    expect(jsonErrorOffset('[1, 2] x')).toBe(7);
  });
});

/**
 * What a published example needs that its file does not say, or why check cannot read it: each with
 * its reason. Every other example is read as it is.
 */
const EXAMPLE_NEEDS: Record<
  string,
  {
    flags?: string[];
    unknown?: string[];
    skip?: string;
    /** the files it names, put where it names them beside a copy of it: path as named -> example */
    beside?: Record<string, string>;
  }
> = {
  'ai-toolkit/train_full_fine_tune_flex.yaml': {
    skip: 'Flex.1-alpha (ostris, FLUX.1-derived) is not in the catalogue',
  },
  // its fsdp_config keys carry the deprecated fsdp_ prefix axolotl strips (validation.py
  // check_fsdp_config_kwargs_prefix); limit_all_gathers is no field of its FSDPConfig, so dropped
  'axolotl/llama-2-qlora-fsdp.yml': { unknown: ['fsdp_config.fsdp_limit_all_gathers'] },
  // the README's `export MODEL_NAME="CompVis/stable-diffusion-v1-4"`: SD 1.4, the SD 1.5 architecture
  'diffusers/README-dreambooth-lora.sh': { flags: ['--model', 'sd15'] },
  'diffusers/README-dreambooth-prior-preservation.sh': { flags: ['--model', 'sd15'] },
  // the full fine-tune (train_text_to_image.py) of CompVis/stable-diffusion-v1-4 likewise
  'diffusers/README-text_to_image.sh': { flags: ['--model', 'sd15'] },
  // model_family flux with no flavour and no model path: read as SimpleTuner's default flavour's
  // Hub id, black-forest-labs/flux.1-krea-dev (setup_model_flavour). Its fuse_qkv_projections is in no field of SimpleTuner's registry at the commit its
  // table names, so SimpleTuner's parser refuses it (validation_steps is a field's alias).
  'simpletuner/flux.peft-lora.config.json': { unknown: ['fuse_qkv_projections'] },
  'simpletuner/multidatabackend-small-dreambooth-1024px.json': {
    skip: 'a dataset file: read when a config names it (data_backend_config)',
  },
  // (Lykon/dreamshaper-8, an SD 1.5 fine-tune the catalogue lacks, is read as model_family sd1x's
  // base, sd15.) No model path (model_family sdxl): read as sdxl; its LyCORIS file is the example's own
  // lycoris_config.json, which SimpleTuner finds under its packaged examples folder
  // (resolve_config_path: 'config/examples/...'); its dataset file is not beside it
  'simpletuner/sdxl.lycoris-lokr.config.json': {
    beside: {
      'config/examples/sdxl.lycoris-lokr/lycoris_config.json': 'simpletuner/sdxl.lycoris-lokr.lycoris_config.json',
    },
  },
  'simpletuner/sdxl.lycoris-lokr.lycoris_config.json': {
    skip: 'the LyCORIS file: read when a config names it (lycoris_config)',
  },
  // its model is argparse's default (--model_name unsloth/llama-3-8b), not a literal at the call
  'unsloth/unsloth-cli.py': { flags: ['--model', 'llama-3-8b'] },
  'unsloth/test_unsloth_qlora_train_and_merge.py': {
    skip: 'every argument of its calls is a Python variable: no literal to read (check names each one)',
  },
};

describe("check on the trainers' own published example configs (tests/fixtures/trainer-examples)", () => {
  const ROOT = join(__dirname, '../fixtures/trainer-examples');
  const all: Array<readonly [string, string]> = readdirSync(ROOT).flatMap((trainer) =>
    readdirSync(join(ROOT, trainer))
      .filter((f) => f !== 'SOURCE.md')
      .map((f) => [`${trainer}/${f}`, trainer] as const),
  );
  const examples = all.filter(([name]) => !EXAMPLE_NEEDS[name]?.skip);

  it('every entry of EXAMPLE_NEEDS names an example', () => {
    const names = new Set(all.map(([n]) => n));
    expect(Object.keys(EXAMPLE_NEEDS).filter((n) => !names.has(n))).toEqual([]);
  });

  /** The example where check reads it: in place, or copied with the files it names put where it names them. */
  const placed = (name: string, text = readFileSync(join(ROOT, name), 'utf8')) => {
    const beside = EXAMPLE_NEEDS[name]?.beside;
    if (!beside) return null;
    const dir = tmp();
    const copy = join(dir, name.split('/')[1]!);
    writeFileSync(copy, text);
    for (const [named, example] of Object.entries(beside)) {
      mkdirSync(dirname(join(dir, named)), { recursive: true });
      copyFileSync(join(ROOT, example), join(dir, named));
    }
    return copy;
  };

  it("ai-toolkit's process device: recognised, and said to be unread by sd_trainer (BaseSDTrainProcess takes accelerate's)", async () => {
    const read = (await json([
      'check',
      join(ROOT, 'ai-toolkit/train_lora_flux_24gb.yaml'),
      '--gpu',
      'a100-80gb',
    ])) as Json & {
      warnings: string[];
    };
    expect(read.unknownKeys).toEqual([]);
    expect(read.warnings).toContainEqual(
      expect.stringMatching(
        /:\d+:\d+: ostris ai-toolkit drops config\.process\.0\.device from this file unread \(sd_trainer trains on accelerate's device/,
      ),
    );
  });

  it("axolotl's gpt-oss FSDP2 example: the Cut Cross-Entropy plugin as the fused loss, torchao's 8-bit AdamW, FlashAttention 3, bf16 weights and FSDP", async () => {
    const read = (await json([
      'check',
      join(ROOT, 'axolotl/gpt-oss-20b-fft-fsdp2.yaml'),
      '--gpu',
      'h100-sxm',
      '--gpus',
      '4',
    ])) as Json & { warnings: string[] };
    expect(read.settings).toMatchObject({ optimizer: 'adamw-8bit', precision: 'bf16' });
    expect(read.equivalent).toMatch(/--strategy fsdp .*--attention flash --loss fused/);
    // only the epochs, which need the dataset's size
    expect(read.warnings).toEqual([expect.stringMatching(/num_epochs = 1: the steps follow from the dataset's size/)]);
  });

  it('axolotl: lora_target_modules naming the seven linear layers in any order is attention-mlp; a logger plugin beside them changes nothing', async () => {
    const file = join(tmp(), 'config.yml');
    writeFileSync(
      file,
      [
        'base_model: meta-llama/Llama-3.1-8B',
        'adapter: lora',
        'lora_r: 16',
        'lora_target_modules: [gate_proj, down_proj, up_proj, q_proj, v_proj, k_proj, o_proj]',
        'plugins: [axolotl.integrations.swanlab.SwanLabPlugin]',
        'micro_batch_size: 1',
        'max_steps: 100',
        'sequence_len: 1024',
        'datasets: [{ path: train.jsonl, ds_type: json, type: chat_template }]',
        '',
      ].join('\n'),
    );
    const read = (await json(['check', file, '--gpu', 'a100-80gb'])) as Json & { warnings: string[] };
    expect(read.settings).toMatchObject({ targets: 'attention-mlp' });
    expect(read.equivalent).toMatch(/--loss full/);
    expect(read.warnings.join('\n')).not.toMatch(/plugins|lora_target_modules/);
  });

  it.each([
    ['torchtune/qwen2_5-14B_lora_single_device.yaml', 'lora', 'qwen2.5-14b', 'qwen2_5_14b_instruct'],
    ['torchtune/gemma2-9B_qlora_single_device.yaml', 'qlora', 'gemma-2-9b', 'gemma2_9b'],
  ])(
    '%s: a builder the table has no entry of says the technique by its prefix and the model by its name (a note)',
    async (name, technique, model, builder) => {
      const read = (await json(['check', join(ROOT, name), '--gpu', 'a100-80gb'])) as Json & {
        model: string;
        notes: string[];
      };
      expect(read.technique).toBe(technique);
      expect(read.model).toBe(model);
      expect(read.notes).toContainEqual(expect.stringMatching(new RegExp(`the builder ${builder} read as ${model}`)));
    },
  );

  it("LLaMA-Factory: stage sft is supervised fine-tuning (no warning), and quantization_bit 4 alone is bitsandbytes' NF4 (its defaults)", async () => {
    const sft = (await json([
      'check',
      join(ROOT, 'llama-factory/qwen3_lora_sft.yaml'),
      '--gpu',
      'a100-80gb',
    ])) as Json & { warnings: string[] };
    expect(sft.settings.objective).toBe('sft');
    expect(sft.warnings.join('\n')).not.toMatch(/stage/);
    const file = join(tmp(), 'qlora.yaml');
    writeFileSync(
      file,
      [
        'model_name_or_path: Qwen/Qwen3-8B',
        'stage: sft',
        'do_train: true',
        'finetuning_type: lora',
        'lora_target: all',
        'quantization_bit: 4',
        'dataset: identity',
        'cutoff_len: 1024',
        'per_device_train_batch_size: 1',
        'max_steps: 100',
        'output_dir: out',
        '',
      ].join('\n'),
    );
    const q = (await json(['check', file, '--gpu', 'a100-80gb'])) as Json & { warnings: string[] };
    expect(q.technique).toBe('qlora');
    expect(q.settings.quantize).toBe('nf4');
    expect(q.warnings.join('\n')).not.toMatch(/quantization/);
  });

  it.each([
    ['ms-swift/train-rlhf-kto.sh', 'kto'],
    ['ms-swift/train-rlhf-dpo-lora.sh', 'dpo'],
    ['ms-swift/train-rlhf-cpo.sh', 'orpo'],
  ])(
    "%s: swift rlhf's --rlhf_type is the objective (CPO's reference-free pairs as ORPO's), with no warning",
    async (name, objective) => {
      const read = (await json(['check', join(ROOT, name), '--gpu', 'a100-80gb'])) as Json & { warnings: string[] };
      expect(read.settings.objective).toBe(objective);
      expect(read.warnings).toEqual([]);
      // $(expr 16 / $nproc_per_node) with nproc_per_node=2 (kto.sh: gradient accumulation 8)
      if (objective === 'kto') expect(read.settings.gradAccum).toBe(8);
    },
  );

  it.each([
    ['ms-swift/train-multi-gpu-ddp-train.sh', 'ddp'],
    ['ms-swift/train-rlhf-kto.sh', 'zero2'],
  ])(
    '%s: NPROC_PER_NODE=$nproc_per_node gives the cards, and DDP where no strategy is in the file',
    async (name, strategy) => {
      const read = (await json(['check', join(ROOT, name), '--gpu', 'a100-80gb'])) as Json & { notes: string[] };
      expect(read.equivalent).toContain(`--strategy ${strategy} --gpus 2`);
      expect(read.notes).toContainEqual(
        expect.stringMatching(new RegExp(`--strategy ${strategy} on the 2 cards the file names`)),
      );
    },
  );

  it("KTO's micro-batch of 1: TRL's KTOTrainer refuses it, LLaMA-Factory and ms-swift run it (objectiveMinBatch)", async () => {
    const kto = ['estimate', '--technique', 'lora', '--model', 'qwen3-8b', '--objective', 'kto', '--batch', '1'];
    const trl = await runCli(kto);
    expect(trl.code).toBe(2);
    expect(trl.stderr).toMatch(/TRL's KTOTrainer needs a micro-batch of 2 or more/);
    for (const trainer of ['llama-factory', 'ms-swift'])
      expect((await runCli([...kto, '--trainer', trainer])).code).toBe(0);
  });

  it('an accelerate config or a DeepSpeed JSON given alone: exit 2, naming what it is and where check reads it', async () => {
    const dir = tmp();
    const accelerate = join(dir, 'fsdp.yaml');
    writeFileSync(accelerate, 'compute_environment: LOCAL_MACHINE\ndistributed_type: FSDP\nnum_processes: 2\n');
    const deepspeed = join(dir, 'ds_z3.json');
    writeFileSync(
      deepspeed,
      JSON.stringify({ train_micro_batch_size_per_gpu: 'auto', zero_optimization: { stage: 3 } }),
    );
    for (const [file, what] of [
      [accelerate, 'an accelerate config \\(distributed_type FSDP\\)'],
      [deepspeed, 'a DeepSpeed config'],
    ] as const) {
      const r = await runCli(['check', file]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`: ${what}, not a trainer's training config; check reads it beside`));
    }
  });

  it("torchtune's evaluation config names a model's builder but trains nothing: no technique (exit 2)", async () => {
    const r = await runCli([
      'check',
      join(__dirname, '../fixtures/check/torchtune-eleuther_evaluation.yaml'),
      '--trainer',
      'torchtune',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/none of the options that select a technique in torchtune/);
  });

  it('torchtune: the published LoRA set (q, v and output projections with the MLP) is read as qvo-mlp, with no warning', async () => {
    const read = (await json([
      'check',
      join(ROOT, 'torchtune/llama3_1-8B_lora_single_device.yaml'),
      '--gpu',
      'a100-80gb',
    ])) as Json & { warnings: string[]; output: { trainableParams: number } };
    expect(read.settings.targets).toBe('qvo-mlp');
    expect(read.warnings).toEqual([]);
    // rank 8 on Llama 3.1 8B: 32 layers x 8 x (q 4096+4096, v 4096+1024, o 4096+4096, gate and up 4096+14336, down 14336+4096)
    expect(read.output.trainableParams).toBe(32 * 8 * (8192 + 5120 + 8192 + 3 * 18432));
  });

  it.each([
    [
      'torchtune/llama3_2-8B_to_1B_KD_lora_single_device.yaml',
      /:30:1: knowledge distillation .*the teacher model is held beside the student and runs a forward every step, neither counted/,
    ],
    ['torchtune/llama3_1-8B_qat_lora.yaml', /:\d+:1: quantization-aware training .*fake-quantizes the weights/],
  ])('%s: read as the fine-tune it runs, with a warning of what the estimate leaves out', async (name, said) => {
    const read = (await json(['check', join(ROOT, name), '--gpu', 'a100-80gb'])) as Json & { warnings: string[] };
    expect(read.unknownKeys).toEqual([]);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatch(said);
  });

  it("torchtune's PPO recipe is refused at policy_model (exit 2, one line): the estimate models none of its four models", async () => {
    const file = join(tmp(), 'ppo.yaml');
    writeFileSync(
      file,
      'policy_model:\n  _component_: torchtune.models.mistral.mistral_7b\nbatch_size: 64\ndtype: bf16\n',
    );
    const r = await runCli(['check', file, '--gpu', 'a100-80gb']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ppo\.yaml:1:1: a PPO recipe .*it models --objective sft, dpo, orpo, kto and grpo\.$/m);
  });

  it.each([
    ['llama-factory/qwen3_lora_dpo.yaml', 'dpo'],
    ['llama-factory/qwen3_lora_kto.yaml', 'kto'],
    ['axolotl/llama-3-instruct-dpo-lora-8b.yml', 'dpo'],
    ['axolotl/llama-3-qlora.yml', 'sft'],
    ['torchtune/llama3_1-8B_lora_dpo_single_device.yaml', 'dpo'],
    ['torchtune/llama3_1-8B_lora_single_device.yaml', 'sft'],
  ])(
    "%s: the objective its trainer runs (LLaMA-Factory's stage, axolotl's rl, torchtune's loss), estimated as such",
    async (name, objective) => {
      const read = (await json(['check', join(ROOT, name), '--gpu', 'a100-80gb'])) as Json & { warnings: string[] };
      expect(read.settings.objective).toBe(objective);
      expect(read.equivalent).toContain(objective === 'sft' ? '--trainer' : `--objective ${objective}`);
      expect(read.warnings.join('\n')).not.toMatch(/pref_loss/);
    },
  );

  it('a SimpleTuner flavour its family does not have stops the run there: exit 2 at the key, naming the flavours it has', async () => {
    const file = join(tmp(), 'config.json');
    writeFileSync(
      file,
      JSON.stringify(
        { model_family: 'flux', model_flavour: 'pro', model_type: 'lora', lora_type: 'standard', output_dir: 'out' },
        null,
        2,
      ),
    );
    const r = await runCli(['check', file, '--gpu', 'a100-80gb']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /config\.json:3:\d+: model_flavour 'pro' is not a flavour of model_family flux in .*; allowed: dev, krea, schnell, kontext, fluxbooru, libreflux/,
    );
    // with a model path, SimpleTuner reads no flavour: the path is the model
    writeFileSync(
      file,
      JSON.stringify({
        model_family: 'flux',
        model_flavour: 'pro',
        pretrained_model_name_or_path: 'black-forest-labs/FLUX.1-dev',
        model_type: 'lora',
        lora_type: 'standard',
        output_dir: 'out',
      }),
    );
    expect((await runCli(['check', file, '--gpu', 'a100-80gb'])).code).toBe(0);
  });

  it.each([
    [
      { model_family: 'sd3', model_flavour: 'large' },
      'sd35-large',
      'model_flavour large is stabilityai/stable-diffusion-3.5-large',
    ],
    [
      { model_family: 'sd3' },
      'sd35-medium',
      'model_flavour medium (its default) is stabilityai/stable-diffusion-3.5-medium',
    ],
    [{ model_family: 'flux', model_flavour: 'dev' }, 'flux-dev', 'model_flavour dev is black-forest-labs/flux.1-dev'],
    [
      { model_family: 'wan', model_flavour: 't2v-480p-14b-2.1' },
      'wan2.1-t2v-14b',
      'is Wan-AI/Wan2.1-T2V-14B-Diffusers',
    ],
    // FLUX.2's default flavour is klein-9b (flux2/model.py DEFAULT_MODEL_FLAVOUR)
    [
      { model_family: 'flux2' },
      'flux2-klein-9b',
      'model_flavour klein-9b (its default) is black-forest-labs/FLUX.2-klein-base-9B',
    ],
    [{ model_family: 'flux2', model_flavour: 'dev' }, 'flux2-dev', 'is black-forest-labs/FLUX.2-dev'],
  ])(
    "a SimpleTuner file with no model path trains its family's flavour (setup_model_flavour): %j",
    async (keys, model, said) => {
      const file = join(tmp(), 'config.json');
      writeFileSync(
        file,
        JSON.stringify({
          ...keys,
          model_type: 'lora',
          lora_type: 'standard',
          lora_rank: 16,
          train_batch_size: 1,
          max_train_steps: 100,
          output_dir: 'out',
        }),
      );
      const read = (await json(['check', file, '--gpu', 'a100-80gb'])) as Json & { model: string; notes: string[] };
      expect(read.model).toBe(model);
      expect(read.notes.join('\n')).toContain(said);
    },
  );

  it("TRL's CLI example names no batch, accumulation or optimizer: TrainingArguments' 8, 1 and AdamW, each said", async () => {
    const read = (await json([
      'check',
      join(ROOT, 'trl/cli_configs-example_config.yaml'),
      '--gpu',
      'a100-80gb',
    ])) as Json & {
      notes: string[];
    };
    expect(read.settings).toMatchObject({ batch: 8, gradAccum: 1, optimizer: 'adamw' });
    expect(read.notes).toContainEqual(
      'per_device_train_batch_size is not set: Hugging Face TRL falls back to 8 for it',
    );
  });

  it("OneTrainer's FLUX and Chroma presets: their transformer part read as the table's unet part (NF4, fp8; bf16), checkpointed by default", async () => {
    const flux = (await json(['check', join(ROOT, 'onetrainer/flux-lora.json'), '--gpu', 'rtx-4090'])) as Json & {
      notes: string[];
    };
    expect(flux.settings).toMatchObject({ quantize: 'nf4', precision: 'mixed-bf16', gradientCheckpointing: true });
    expect(flux.notes.join('\n')).toContain('transformer.* as unet.*');
    const chroma = await json(['check', join(ROOT, 'onetrainer/chroma-lora-16gb.json'), '--gpu', 'rtx-4090']);
    expect(chroma.settings).toMatchObject({ quantize: 'fp8', precision: 'mixed-bf16' });
  });

  it.each(examples)('%s: every key recognised, the estimate of the flags it prints', async (name, trainer) => {
    const path = placed(name) ?? join(ROOT, name);
    const read = await json(['check', path, '--gpu', 'a100-80gb', ...(EXAMPLE_NEEDS[name]?.flags ?? [])]);
    expect((read as { trainer?: { id: string } }).trainer?.id).toBe(trainer);
    expect(read.unknownKeys!.map((u) => u.key)).toEqual(EXAMPLE_NEEDS[name]?.unknown ?? []);
    const direct = await json(splitFlags(read.equivalent!.replace(/^finetune-advisor /, '')));
    expect(read.settings).toEqual(direct.settings);
  });

  // a Python keyword misspelt is Python's own TypeError at the call: train.py's are read, not guessed at
  const misspellable = examples.filter(([name]) => !name.endsWith('.py'));
  it.each(misspellable)('%s with one key misspelt: reported with the right suggestion', async (name) => {
    const text = readFileSync(join(ROOT, name), 'utf8');
    // the first option (a --flag of train.sh) of eight letters or more but the model's
    // (without it there is no run), one letter dropped
    // (nor one that selects the technique: without it there is no run either, and check says which it was meant to be)
    const table = kb.trainers.find((t) => t.id === name.split('/')[0])!.config!;
    const needed = new Set([
      String(table.options.model),
      ...Object.values(table.techniques).flatMap((t) => Object.keys(t.set ?? {})),
    ]);
    const shell = name.endsWith('.sh');
    // a train.sh's flags are the script's after its name (`accelerate launch --mixed_precision=fp16
    // train_text_to_image.py ...`: the first is accelerate's own, which the script never sees)
    const at = shell ? Math.max(0, text.indexOf('.py ')) : 0;
    const body = text.slice(at);
    const pattern = shell ? /--([a-z][a-z0-9_]{7,})\b/g : /^\s*"?([a-z][a-z0-9_]{7,})"?\s*[:=]/gm;
    const key = [...body.matchAll(pattern)].map((m) => m[1]!).find((k) => !needed.has(k))!;
    const typo = key.slice(0, 3) + key.slice(4);
    const spot = shell ? new RegExp(`--${key}\\b`) : new RegExp(`^(\\s*"?)${key}("?\\s*[:=])`, 'm');
    const misspelt = text.slice(0, at) + body.replace(spot, shell ? `--${typo}` : `$1${typo}$2`);
    let copy = placed(name, misspelt);
    if (!copy) {
      copy = join(tmp(), name.split('/')[1]!);
      writeFileSync(copy, misspelt);
    }
    const read = await json(['check', copy, '--trainer', name.split('/')[0]!, ...(EXAMPLE_NEEDS[name]?.flags ?? [])]);
    // a nested option is named by its path: its last name is the one misspelt, the suggestion's the one written
    const found = read.unknownKeys!.find((u) => u.key === typo || u.key.endsWith(`.${typo}`));
    expect(found, JSON.stringify(read.unknownKeys)).toBeDefined();
    expect(found!.suggestion).toBe(found!.key.slice(0, found!.key.length - typo.length) + key);
  });
});

describe('check never runs a script', () => {
  it('a train.py that would do harm if run: read for its calls, nothing executed or written', async () => {
    const dir = tmp();
    const marker = join(dir, 'ran');
    const py = join(dir, 'train.py');
    writeFileSync(
      py,
      [
        'import os',
        `os.system("touch ${marker}")`,
        `open("${marker}", "w").write("x")`,
        'from unsloth import FastLanguageModel',
        'model, tokenizer = FastLanguageModel.from_pretrained(model_name="meta-llama/Llama-3.1-8B", max_seq_length=2048, load_in_4bit=True)',
        'model = FastLanguageModel.get_peft_model(model, r=__import__("os").getpid())',
      ].join('\n'),
    );
    const read = await json(['check', py, '--gpu', 'rtx-4090']);
    expect((read as { trainer?: { id: string } }).trainer?.id).toBe('unsloth');
    expect(read.settings).toMatchObject({ method: 'qlora', seqLen: 2048 });
    // the rank's value is an expression, not a literal: named, and the recipe's rank taken
    expect((read as { warnings?: string[] }).warnings!.join('\n')).toMatch(/get_peft_model\.r: .*not a literal/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a train.sh with a command substitution or an operator: refused with its line, nothing run', async () => {
    const dir = tmp();
    const marker = join(dir, 'ran');
    for (const line of [
      `accelerate launch train_dreambooth_lora.py --output_dir=$(touch ${marker})`,
      `touch ${marker}; accelerate launch x.py`,
    ]) {
      const sh = join(dir, 'train.sh');
      writeFileSync(sh, `${line}\n`);
      const r = await runCli(['check', sh]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/train\.sh:1:1: line 1: /);
      expect(existsSync(marker)).toBe(false);
    }
  });
});
