// The trainers of the knowledge base (data/trainers.yaml): the ids `--trainer` will name, one
// default per family, and a user file that adds one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadKnowledgeBase, validateKnowledgeBase } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const IDS = [
  'diffusers',
  'kohya',
  'ai-toolkit',
  'onetrainer',
  'simpletuner',
  'musubi-tuner',
  'transformers',
  'trl',
  'unsloth',
  'axolotl',
  'llama-factory',
  'torchtune',
  'litgpt',
  'ms-swift',
];

const SOURCE = '    sources:\n      - ref: "a reference"\n';

describe('trainers', () => {
  it('are the named ids, with one default for each family', () => {
    const kb = loadKnowledgeBase();
    expect(kb.trainers.map((t) => t.id)).toEqual(IDS);
    expect(kb.trainers.filter((t) => t.defaultFor?.includes('image')).map((t) => t.id)).toEqual(['diffusers']);
    expect(kb.trainers.filter((t) => t.defaultFor?.includes('llm')).map((t) => t.id)).toEqual(['transformers']);
    // the memory-changing defaults trainers.md names (TRL SFTConfig, Unsloth from_pretrained)
    expect(kb.trainers.find((t) => t.id === 'trl')!.gradientCheckpointing).toBe('on');
    expect(kb.trainers.find((t) => t.id === 'unsloth')!.defaults?.quantize).toBe('nf4');
  });

  it('a user file adds a trainer; a second default for a family, or one for a family it does not train, is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainers-'));
    const add = join(dir, 'add.yaml');
    writeFileSync(add, `trainers:\n  - id: my-trainer\n    name: Mine\n    families: [llm]\n${SOURCE}`);
    const kb = loadKnowledgeBase([join(process.cwd(), 'data'), add]);
    expect(kb.trainers.at(-1)!.id).toBe('my-trainer');
    expect(kb.origin['trainers:my-trainer']).toContain('add.yaml');

    // a user trainer that claims to be a family's default: the errors validation reports for it
    const defaultingErrors = (file: string, families: string) => {
      const path = join(dir, file);
      writeFileSync(
        path,
        `trainers:\n  - id: my-trainer\n    name: Mine\n    families: [llm]\n    defaultFor: [${families}]\n${SOURCE}`,
      );
      return validateKnowledgeBase([join(process.cwd(), 'data'), path]).errors.join('\n');
    };
    expect(defaultingErrors('twice.yaml', 'llm')).toContain("llm models already default to trainer 'transformers'");
    expect(defaultingErrors('other.yaml', 'image')).toContain('does not train them');
  });

  it('notFor names the groups a trainer lacks: they exist and are of a family it trains', () => {
    const kb = loadKnowledgeBase();
    const notFor = (id: string) => kb.trainers.find((t) => t.id === id)!.notFor;
    expect(notFor('musubi-tuner')).toEqual(['ltx-video']);
    expect(notFor('simpletuner')).toEqual(['hunyuan-video']);
    expect(notFor('ai-toolkit')).toEqual(['hunyuan-video', 'ltx-video']);
    const dir = mkdtempSync(join(tmpdir(), 'trainers-'));
    const errors = (file: string, groups: string) => {
      const path = join(dir, file);
      writeFileSync(
        path,
        `trainers:\n  - id: my-trainer\n    name: Mine\n    families: [llm]\n    notFor: [${groups}]\n${SOURCE}`,
      );
      return validateKnowledgeBase([join(process.cwd(), 'data'), path]).errors.join('\n');
    };
    expect(errors('unknown.yaml', 'ltx-vid')).toMatch(/unknown model group 'ltx-vid' \(did you mean 'ltx-video'\?\)/);
    expect(errors('other.yaml', 'ltx-video')).toContain("group 'ltx-video' is of video models");
    expect(errors('fine.yaml', 'llm')).toBe('');
  });
  it('`trainers` names the groups each lacks after its families', async () => {
    const text = await runCli(['trainers', '--family', 'video', '--no-color'], { COLUMNS: '200' });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/musubi-tuner .*image, video \(default\); not ltx-video/);
    const json = JSON.parse((await runCli(['trainers', '--family', 'video', '--json'])).stdout) as Array<{
      id: string;
      notFor?: string[];
    }>;
    expect(json.find((t) => t.id === 'simpletuner')?.notFor).toEqual(['hunyuan-video']);
  });

  it("record the techniques each runs (trainers.md section 15), among the knowledge base's", () => {
    const kb = loadKnowledgeBase();
    const runs = (id: string) => kb.trainers.find((t) => t.id === id)!.techniques?.map((t) => t.id);
    // kohya has no NF4 base (fp8 only); LyCORIS brings LoHa and LoKr
    expect(runs('kohya')).toEqual(expect.arrayContaining(['lora', 'loha', 'lokr', 'dreambooth-lora']));
    expect(runs('kohya')).not.toContain('qlora');
    expect(runs('trl')).toEqual(expect.arrayContaining(['lora', 'qlora', 'dora', 'full-finetune']));
    expect(runs('litgpt')).not.toContain('dora');
    // not in the matrix: not recorded, so every technique is taken as runnable
    expect(runs('musubi-tuner')).toBeUndefined();
    const techniques = new Set(kb.techniques.map((t) => t.id));
    for (const t of kb.trainers) for (const x of t.techniques ?? []) expect(techniques, t.id).toContain(x.id);
    // a pair is one some model can take: the technique is for a family the trainer trains (an image
    // trainer's NF4 base is LoRA on an NF4 base, QLoRA being the language-model technique)
    const pairsNoModelTakes = kb.trainers.flatMap((t) =>
      (t.techniques ?? [])
        .filter((x) => !kb.techniques.find((k) => k.id === x.id)!.families.some((f) => t.families.includes(f)))
        .map((x) => `${t.id} ${x.id}`),
    );
    expect(pairsNoModelTakes).toEqual([]);
  });

  it("plans only optimizers its files can name: a recipe's other one becomes its default (diffusers: no Adafactor)", async () => {
    const kb = loadKnowledgeBase();
    const keys = (spec: unknown) => {
      const o = spec as { values?: object; sets?: object } | undefined;
      return o && typeof o === 'object' ? Object.keys(o.values ?? o.sets ?? {}) : null;
    };
    const unwritable: string[] = [];
    for (const t of kb.trainers) {
      if (!t.config) continue;
      const top = keys(t.config.options.optimizer);
      // its own list is its table's, default first
      if (t.optimizers) expect(t.optimizers, t.id).toEqual(top);
      for (const id of Object.keys(t.config.techniques)) {
        const technique = kb.techniques.find((x) => x.id === id)!;
        for (const [group, recipe] of Object.entries(technique.defaults)) {
          if (!t.families.includes(kb.groups.find((x) => x.id === group)!.family)) continue;
          const g = t.config.groups?.find((x) => x.groups.includes(group));
          if (t.config.groups && !g) continue;
          const only = t.config.techniques[id]!.groups;
          if (only && !only.includes(group)) continue;
          const writable =
            keys(t.config.techniques[id]!.options?.optimizer) ?? keys(g?.options?.optimizer) ?? top ?? [];
          const planned =
            !t.optimizers || t.optimizers.includes(recipe.optimizer) ? recipe.optimizer : t.optimizers[0]!;
          if (!writable.includes(planned)) unwritable.push(`${t.id} ${id} ${group}: ${planned}`);
        }
      }
    }
    expect(unwritable).toEqual([]);
    // the run planned: diffusers' SDXL full fine-tune is AdamW where the recipe has Adafactor
    const r = await runCli([
      'estimate',
      '--technique',
      'full-finetune',
      '--model',
      'sdxl',
      '--trainer',
      'diffusers',
      '--json',
    ]);
    expect(JSON.parse(r.stdout).settings.optimizer).toBe('adamw');
  });

  it('a technique a trainer runs must exist, and its config writes only techniques it runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainers-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      `trainers:\n  - id: my-trainer\n    name: Mine\n    families: [llm]\n    techniques: [{ id: lroa }]\n    config:\n      writer: yaml\n      file: x.yaml\n      reads: "For x"\n      checkedAgainst: "x@1"\n      launch: "x {config}"\n      options: { rank: r }\n      techniques: { qlora: {} }\n      layout: "a file"\n${SOURCE}`,
    );
    const errors = validateKnowledgeBase([join(process.cwd(), 'data'), path]).errors.join('\n');
    expect(errors).toContain("no technique 'lroa'");
    expect(errors).toContain("the config writes 'qlora', which is not among the techniques 'my-trainer' runs");
  });

  it('a strategy a trainer runs is one of the vocabulary (nearest named), once, and its config writes only those it runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainers-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      `trainers:\n  - id: my-trainer\n    name: Mine\n    families: [llm]\n    strategies: [{ id: zero-3 }, { id: ddp }, { id: ddp }]\n    config:\n      writer: yaml\n      file: x.yaml\n      reads: "For x"\n      checkedAgainst: "x@1"\n      launch: "x {config}"\n      options: { rank: r }\n      techniques: { lora: {} }\n      layout: "a file"\n      distributed:\n        strategies:\n          fsdp: { launch: "x {config}" }\n${SOURCE}`,
    );
    const errors = validateKnowledgeBase([join(process.cwd(), 'data'), path]).errors.join('\n');
    expect(errors).toContain("no strategy 'zero-3' (did you mean 'zero3'?)");
    expect(errors).toContain("strategy 'ddp' is listed twice");
    expect(errors).toContain("the config writes 'fsdp', which is not among the strategies 'my-trainer' runs");
  });

  it('`trainers` lists them, by family, as text or JSON', async () => {
    const text = await runCli(['trainers', '--no-color']);
    expect(text.code).toBe(0);
    for (const id of IDS) expect(text.stdout).toContain(id);
    const json = await runCli(['trainers', '--family', 'image', '--json']);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as Array<{ id: string; families: string[] }>;
    expect(list.map((t) => t.id)).toEqual(IDS.slice(0, 6));
  });
});
