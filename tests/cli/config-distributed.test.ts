// `finetune-advisor config` on several cards (--gpus N, --strategy S): for every strategy a
// trainer's table writes (trainers.yaml config.distributed), every key of the trainer's own file
// is in the option names read from its source, every key of the DeepSpeed JSON and of the
// accelerate config beside it is in the names read from DeepSpeed's and accelerate's config
// classes (data/trainer-options/deepspeed-config.json, accelerate-config.json), the launch line
// carries the cards, and the strategy-defining keys equal those of the trainers' own published
// configs (tests/fixtures/distributed-examples). A strategy the trainer does not run is a usage
// error naming those it runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { flattenOptions } from '../../src/cli/commands/config/option-paths.js';
import { strategiesOf } from '../../src/estimate/trainer-strategies.js';
import { STRATEGIES, type Strategy } from '../../src/kb/vocabulary.js';
import { JSON_HEADER_KEY } from '../../src/render/trainer-config.js';
import { bundledKb, jsonOf, runCli, trainerOptions } from '../helpers.js';

interface ConfigJson {
  files: Array<{ name: string; text: string }>;
  launch: string;
}
const configJson = (args: string[]) => jsonOf<ConfigJson>(['config', ...args]);
const text = (c: ConfigJson, name: string) => c.files.find((f) => f.name === name)?.text;

/** Each leaf by its dotted path (`zero_optimization.offload_param.device`). */
const paths = (value: Record<string, unknown>) => flattenOptions(value).map((o) => o.path);
const unknown = (value: Record<string, unknown>, known: string[]) => paths(value).filter((p) => !known.includes(p));

const ACCELERATE = trainerOptions('accelerate-config').options;
const DEEPSPEED = trainerOptions('deepspeed-config').options;
/** The trainer's own file and the option list its keys are read from (data/trainer-options). */
const MAIN_FILE: Record<string, [file: string, options: string]> = {
  trl: ['sft.yaml', 'trl-sft'],
  axolotl: ['config.yml', 'axolotl'],
  'llama-factory': ['train.yaml', 'llama-factory'],
  'ms-swift': ['sft.yaml', 'ms-swift'],
  torchtune: ['finetune.yaml', 'torchtune'],
  litgpt: ['finetune.yaml', 'litgpt'],
  unsloth: ['train.py', 'unsloth'],
};

const kb = bundledKb();
/** Every (trainer, strategy) pair a table writes, with a technique it is written for. */
const PAIRS = kb.trainers.flatMap((t) =>
  Object.entries(t.config?.distributed?.strategies ?? {}).map(([strategy, entry]) => {
    const technique = entry!.techniques?.[0] ?? (strategy.startsWith('fsdp-qlora') ? 'qlora' : 'lora');
    return [t.id, strategy, technique] as const;
  }),
);

const RUN = ['--model', 'llama-3.1-8b', '--gpu', 'a100-80gb', '--gpus', '4'];
const SDXL_LORA_ON_TWO = ['--technique', 'lora', '--model', 'sdxl', '--gpu', '4090', '--gpus', '2'];

describe('config on several cards: the files each strategy writes', () => {
  it('every trainer with a table for several cards is covered, and every one of its strategies', () => {
    expect(new Set(PAIRS.map(([t]) => t))).toEqual(new Set(Object.keys(MAIN_FILE)));
  });

  it.each(PAIRS)(
    '%s --strategy %s (%s): every key in the names read from the sources; the launch has the cards',
    async (trainer, strategy, technique) => {
      const c = await configJson(['--trainer', trainer, '--technique', technique, ...RUN, '--strategy', strategy]);
      const [name, list] = MAIN_FILE[trainer]!;
      const main = text(c, name)!;
      if (!name.endsWith('.py')) {
        // a datasets entry's keys are the dataset entry model's (the fixture's datasetEntry)
        const fx = trainerOptions<{ options: string[]; datasetEntry?: { options: string[] } }>(list);
        const entry = (p: string) => /^datasets\.\d+\.(.+)$/.exec(p)?.[1];
        expect(
          paths(parseYaml(main) as Record<string, unknown>).filter((p) =>
            entry(p) !== undefined && fx.datasetEntry
              ? !fx.datasetEntry.options.includes(entry(p)!)
              : !fx.options.includes(p),
          ),
        ).toEqual([]);
      }
      const accelerate = text(c, 'accelerate.yaml');
      if (accelerate) {
        const yaml = parseYaml(accelerate) as Record<string, unknown>;
        expect(unknown(yaml, ACCELERATE)).toEqual([]);
        expect(yaml['num_processes']).toBe(4);
        // the trainer's file names it (TRL: accelerate_config, passed to accelerate launch as --config_file)
        expect(main).toContain('accelerate.yaml');
      }
      const deepspeed = text(c, 'ds_config.json');
      if (deepspeed) {
        const json = JSON.parse(deepspeed) as Record<string, unknown>;
        expect(json[JSON_HEADER_KEY]).toEqual(expect.arrayContaining([expect.stringContaining('Written by:')]));
        delete json[JSON_HEADER_KEY];
        expect(unknown(json, DEEPSPEED)).toEqual([]);
        const zero = json['zero_optimization'] as Record<string, unknown>;
        expect(zero['stage']).toBe(Number(/^zero(\d)/.exec(strategy)![1]));
        expect(main).toContain('ds_config.json');
      }
      // the trainer's own FSDP JSON (ms-swift's --fsdp PATH): the two keys its _init_fsdp reads, and the header
      const fsdp = text(c, 'fsdp_offload.json');
      if (fsdp) {
        const json = JSON.parse(fsdp) as Record<string, unknown>;
        expect(Object.keys(json).sort()).toEqual([JSON_HEADER_KEY, 'fsdp', 'fsdp_config'].sort());
        expect(main).toContain('fsdp_offload.json');
      }
      // the cards are in the launch line, or in the accelerate config it reads (TRL), or in the file (LitGPT's devices)
      if (trainer === 'litgpt') expect((parseYaml(main) as { devices: number }).devices).toBe(4);
      else if (!accelerate) expect(c.launch).toMatch(/\b4\b/);
    },
  );

  it('one card writes what it always wrote: no file or key for several cards', async () => {
    const c = await configJson(['--trainer', 'axolotl', '--technique', 'lora', '--model', 'llama-3.1-8b']);
    expect(c.files.map((f) => f.name)).toEqual(['config.yml']);
    expect(text(c, 'config.yml')).not.toMatch(/deepspeed|fsdp/);
    expect(c.launch).toBe('axolotl train config.yml');
  });

  it('ZeRO-3 with offload: both offloads to the CPU in the DeepSpeed JSON (DeepSpeed offload_config.py)', async () => {
    const c = await configJson([
      '--trainer',
      'llama-factory',
      '--technique',
      'lora',
      ...RUN,
      '--strategy',
      'zero3-offload',
    ]);
    const zero = (JSON.parse(text(c, 'ds_config.json')!) as { zero_optimization: Record<string, { device: string }> })
      .zero_optimization;
    expect(zero['offload_optimizer']!.device).toBe('cpu');
    expect(zero['offload_param']!.device).toBe('cpu');
    expect(text(c, 'train.yaml')).toMatch(/^deepspeed: ds_config\.json$/m);
    expect(c.launch).toBe('FORCE_TORCHRUN=1 NPROC_PER_NODE=4 llamafactory-cli train train.yaml');
  });

  it('torchtune runs its distributed recipe; --out puts the files and their paths in the folder', async () => {
    const c = await configJson(['--trainer', 'torchtune', '--technique', 'lora', ...RUN, '--strategy', 'fsdp-offload']);
    expect(c.launch).toBe('tune run --nproc_per_node 4 lora_finetune_distributed --config finetune.yaml');
    expect(parseYaml(text(c, 'finetune.yaml')!)).toMatchObject({ fsdp_cpu_offload: true });
    const full = await configJson([
      '--trainer',
      'torchtune',
      '--technique',
      'full-finetune',
      ...RUN,
      '--strategy',
      'fsdp',
    ]);
    expect(full.launch).toContain('full_finetune_distributed');
  });

  it("--out writes the files beside the trainer's, which names them by their paths there", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-cards-'));
    const out = join(dir, 'run');
    const r = await runCli([
      'config',
      '--trainer',
      'trl',
      '--technique',
      'lora',
      ...RUN,
      '--strategy',
      'zero2',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['accelerate.yaml', 'sft.yaml']);
    expect(parseYaml(readFileSync(join(out, 'sft.yaml'), 'utf8'))).toMatchObject({
      accelerate_config: `${out}/accelerate.yaml`,
    });
    expect(parseYaml(readFileSync(join(out, 'accelerate.yaml'), 'utf8'))).toMatchObject({
      distributed_type: 'DEEPSPEED',
      deepspeed_config: { zero_stage: 2 },
    });
  });
});

describe('config warns with the flags that make the run fit', () => {
  it.each([
    ['axolotl', 'full-finetune', 'llama-3.1-70b', ['--gpu', '8x h100-sxm']],
    ['trl', 'lora', 'llama-3.1-8b', ['--gpu', 'rtx-4090', '--seq-len', '4096']],
  ])(
    '%s %s %s: the warning names them, and with them the files fit (no warning)',
    async (trainer, technique, model, card) => {
      const base = ['config', '--trainer', trainer, '--technique', technique, '--model', model, ...card];
      const first = await runCli(base);
      expect(first.code).toBe(0);
      const m = /it fits with [^:]+: add (.+?) \(estimate with the same flags/.exec(first.stderr);
      expect(m, first.stderr).not.toBeNull();
      const again = await runCli([...base, ...m![1]!.split(' ')]);
      expect(again.code).toBe(0);
      expect(again.stderr).not.toMatch(/as written the run peaks/);
    },
  );
});

describe('check reads the strategy back from the files config wrote', () => {
  const work = mkdtempSync(join(tmpdir(), 'fa-check-strategy-'));
  /** config's files for the pair, in a folder of their own; the trainer's own file among them */
  const written = async (trainer: string, strategy: string, technique = 'lora') => {
    const out = join(work, `${trainer}-${strategy}-${technique}`);
    const args = ['--trainer', trainer, '--technique', technique, ...RUN, '--strategy', strategy, '--out', out];
    const r = await runCli(['config', ...args, '--force']);
    expect(r.code, r.stderr).toBe(0);
    return { out, main: join(out, MAIN_FILE[trainer]![0]) };
  };
  it.each(PAIRS)('%s --strategy %s (%s)', async (trainer, strategy, technique) => {
    const { main } = await written(trainer, strategy, technique);
    const entry = kb.trainers.find((t) => t.id === trainer)!.config!.distributed!.strategies[strategy as Strategy]!;
    const r = await runCli(['check', main, '--gpu', 'a100-80gb', '--gpus', '4', '--json']);
    expect([0, 3], r.stderr).toContain(r.code);
    const j = JSON.parse(r.stdout) as { strategy: { id: string } | null; notes: string[] };
    // a strategy the file states (its table sets a key for it); DDP by torchrun's launch line alone is not in the file
    if (Object.keys(entry.set ?? {}).length) {
      expect(j.strategy?.id).toBe(strategy);
      expect(j.notes.some((n) => n.includes(`--strategy ${strategy}`))).toBe(true);
    } else expect(j.notes.some((n) => n.includes('--strategy'))).toBe(false);
  });

  const checked = async (args: string[]) => {
    const r = await runCli(['check', ...args, '--json']);
    expect([0, 3], r.stderr).toContain(r.code);
    return JSON.parse(r.stdout) as {
      strategy: { id: string } | null;
      perCard: { cards: number } | null;
      notes: string[];
    };
  };

  it('on one card the note says the file is for several, and how to check it there', async () => {
    const { main } = await written('ms-swift', 'zero3');
    const j = await checked([main, '--gpu', 'a100-80gb']);
    expect(j.strategy).toBeNull();
    expect(j.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/deepspeed = "zero3": the file runs --strategy zero3 on several cards; pass --gpus N/),
      ]),
    );
  });

  it("a file that names its cards (LitGPT's devices) is checked on them", async () => {
    const { main } = await written('litgpt', 'fsdp');
    const j = await checked([main, '--gpu', 'a100-80gb']);
    expect(j.strategy?.id).toBe('fsdp');
    expect(j.perCard?.cards).toBe(4);
    expect(j.notes).toEqual(expect.arrayContaining([expect.stringContaining('on the 4 cards the file names')]));
  });

  it("ms-swift's FSDP2 checkpoints every layer whatever gradient_checkpointing says (its fsdp2 preset)", async () => {
    const { main } = await written('ms-swift', 'fsdp');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(/^gradient_checkpointing: .*$/m, 'gradient_checkpointing: false'),
    );
    const j = (await checked([main, '--gpu', 'a100-80gb', '--gpus', '4'])) as unknown as {
      settings: { gradientCheckpointing: boolean };
      notes: string[];
    };
    expect(j.settings.gradientCheckpointing).toBe(true);
    expect(j.notes).toEqual(
      expect.arrayContaining([expect.stringContaining('runs it with gradientCheckpointing true whatever the file')]),
    );
  });

  it('a DeepSpeed JSON the file names but that is not there states nothing (the estimate picks one)', async () => {
    const { out, main } = await written('axolotl', 'zero2');
    rmSync(join(out, 'ds_config.json'));
    const j = await checked([main, '--gpu', 'a100-80gb', '--gpus', '4']);
    expect(j.notes.some((n) => n.includes('--strategy'))).toBe(false);
  });
});

describe("the strategy-defining keys, against the trainers' own published configs", () => {
  const ROOT = join(__dirname, '../fixtures/distributed-examples');
  const yamlOf = (name: string) => parseYaml(readFileSync(join(ROOT, name), 'utf8')) as Record<string, unknown>;
  const jsonOfFile = (name: string) => JSON.parse(readFileSync(join(ROOT, name), 'utf8')) as Record<string, unknown>;
  const leaves = (v: Record<string, unknown>) => new Map(flattenOptions(v).map((o) => [o.path, o.value]));

  it.each(['trl-zero3.yaml', 'trl-fsdp2.yaml', 'trl-multi_gpu.yaml'])(
    '%s: every key is in the accelerate names read from ClusterConfig',
    (name) => expect(unknown(yamlOf(name), ACCELERATE)).toEqual([]),
  );
  it.each(['axolotl-zero3_bf16.json', 'axolotl-zero2.json', 'llama-factory-ds_z3_offload_config.json'])(
    '%s: every key is in the DeepSpeed names read from its config models',
    (name) => expect(unknown(jsonOfFile(name), DEEPSPEED)).toEqual([]),
  );

  // the keys both files have take the example's value, except the cards and the precision (the run's)
  const agree = (ours: Record<string, unknown>, theirs: Record<string, unknown>, except: string[]) => {
    const mine = leaves(ours);
    const shared = [...leaves(theirs)].filter(([k]) => mine.has(k) && !except.includes(k));
    expect(shared.length).toBeGreaterThan(3);
    expect(Object.fromEntries(shared.map(([k]) => [k, mine.get(k)]))).toEqual(Object.fromEntries(shared));
  };
  const ours = async (trainer: string, strategy: Strategy, file: string, technique = 'lora') => {
    const c = await configJson(['--trainer', trainer, '--technique', technique, ...RUN, '--strategy', strategy]);
    const t = text(c, file)!;
    return file.endsWith('.json')
      ? (JSON.parse(t) as Record<string, unknown>)
      : (parseYaml(t) as Record<string, unknown>);
  };

  it('TRL zero3: trl/accelerate_configs/zero3.yaml', async () =>
    agree(await ours('trl', 'zero3', 'accelerate.yaml'), yamlOf('trl-zero3.yaml'), ['num_processes']));
  it('TRL fsdp: trl/accelerate_configs/fsdp2.yaml', async () =>
    agree(await ours('trl', 'fsdp', 'accelerate.yaml'), yamlOf('trl-fsdp2.yaml'), ['num_processes']));
  it('TRL ddp: trl/accelerate_configs/multi_gpu.yaml', async () =>
    agree(await ours('trl', 'ddp', 'accelerate.yaml'), yamlOf('trl-multi_gpu.yaml'), ['num_processes']));
  it('axolotl zero3: deepspeed_configs/zero3_bf16.json (bf16 "auto" here: the run says it)', async () =>
    agree(await ours('axolotl', 'zero3', 'ds_config.json'), jsonOfFile('axolotl-zero3_bf16.json'), ['bf16.enabled']));
  it("ms-swift fsdp-qlora-offload: its bundled swift/config/fsdp2.json, with 'offload' in the fsdp string", async () => {
    const mine = await ours('ms-swift', 'fsdp-qlora-offload', 'fsdp_offload.json', 'qlora');
    const theirs = jsonOfFile('ms-swift-fsdp2.json');
    expect(mine['fsdp_config']).toEqual(theirs['fsdp_config']);
    expect(mine['fsdp']).toBe(`${String(theirs['fsdp'])} offload`);
  });
  it('LLaMA-Factory zero3-offload: examples/deepspeed/ds_z3_offload_config.json', async () =>
    agree(
      await ours('llama-factory', 'zero3-offload', 'ds_config.json'),
      jsonOfFile('llama-factory-ds_z3_offload_config.json'),
      [],
    ));
});

describe('config on several cards: usage errors (exit 2, one line)', () => {
  const usage = async (args: string[]) => {
    const r = await runCli(['config', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    return r.stderr;
  };
  it("a technique with its own writer (TRL's LoHa train.py) is written for one card, said with how to launch it on several", async () => {
    expect(await usage(['--trainer', 'trl', '--technique', 'loha', ...RUN])).toMatch(
      /config writes trl's loha run as a train\.py for one card; for \d+ cards launch it with accelerate launch --num_processes \d+, or pass --gpus 1\./,
    );
  });
  it('without --strategy, torchtune and LitGPT get one they run (FSDP), not DDP', async () => {
    for (const t of ['torchtune', 'litgpt']) {
      const r = await runCli(['config', '--trainer', t, '--technique', 'lora', ...RUN]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  it('a strategy the trainer does not run names those it runs', async () => {
    expect(await usage(['--trainer', 'unsloth', '--technique', 'qlora', ...RUN, '--strategy', 'zero3'])).toContain(
      'error: --trainer unsloth does not run --strategy zero3 on several cards. Allowed for --trainer unsloth: --strategy ddp.',
    );
    expect(await usage(['--trainer', 'torchtune', '--technique', 'lora', ...RUN, '--strategy', 'ddp'])).toContain(
      'Allowed for --trainer torchtune: --strategy fsdp-grad-op, fsdp, fsdp-offload, fsdp-qlora, fsdp-qlora-offload.',
    );
  });
  it('a trainer that trains on one card per run says so', async () => {
    expect(await usage(['--trainer', 'ai-toolkit', ...SDXL_LORA_ON_TWO])).toContain(
      '--trainer ai-toolkit trains on one card per run',
    );
  });
  it('a strategy the trainer runs but the table does not write yet names how the trainer runs it', async () => {
    const err = await usage(['--trainer', 'kohya', ...SDXL_LORA_ON_TWO]);
    expect(err).toContain('config writes kohya files for one card only; not yet for 2 cards');
    expect(err).toContain('accelerate launch --multi_gpu');
  });
  it("axolotl's FSDP2 refuses bitsandbytes' adamw_8bit (its validator): the strategy's own optimizer table", async () => {
    const args = ['--trainer', 'axolotl', '--technique', 'lora', ...RUN, '--optimizer', 'adamw-8bit'];
    expect(await usage([...args, '--strategy', 'fsdp'])).toContain(
      'axolotl has no option for --optimizer adamw-8bit with --strategy fsdp in its option table. Allowed for config --trainer axolotl: --optimizer adamw, paged-adamw-8bit,',
    );
    // DeepSpeed takes it
    const c = await configJson([...args, '--strategy', 'zero2']);
    expect(parseYaml(text(c, 'config.yml')!)).toMatchObject({
      optimizer: 'adamw_bnb_8bit',
      deepspeed: 'ds_config.json',
    });
  });
  it('LitGPT: no quantized base on several devices', async () => {
    expect(await usage(['--trainer', 'litgpt', '--technique', 'qlora', ...RUN, '--strategy', 'fsdp'])).toContain(
      'config writes litgpt files for --strategy fsdp with --technique lora, full-finetune; not qlora',
    );
  });
});

describe('strategiesOf: the strategies a trainer runs, for the planner', () => {
  it('no trainer, or none recorded: every strategy', () => {
    expect([...strategiesOf(null)]).toEqual([...STRATEGIES]);
    expect([...strategiesOf({ strategies: undefined })]).toEqual([...STRATEGIES]);
  });
  it("a trainer's list, in the vocabulary's order; empty: one card per run", () => {
    const byId = (id: string) => kb.trainers.find((t) => t.id === id)!;
    expect([...strategiesOf(byId('unsloth'))]).toEqual(['ddp']);
    expect([...strategiesOf(byId('litgpt'))]).toEqual(['fsdp']);
    expect([...strategiesOf(byId('ai-toolkit'))]).toEqual([]);
    expect(strategiesOf(byId('torchtune')).has('ddp')).toBe(false);
    expect(strategiesOf(byId('axolotl')).size).toBe(STRATEGIES.length);
  });
  it('every bundled trainer that records strategies names only vocabulary ids, each once', () => {
    for (const t of kb.trainers.filter((x) => x.strategies)) {
      const ids = t.strategies!.map((s) => s.id);
      expect(
        ids.filter((id) => !(STRATEGIES as readonly string[]).includes(id)),
        t.id,
      ).toEqual([]);
      expect(new Set(ids).size, t.id).toBe(ids.length);
    }
  });
});
