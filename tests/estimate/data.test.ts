// The user's data as a run (src/estimate/data.ts, through planRun and estimate): steps =
// ceil(samples x repeats x epochs / effective batch), epochs the recipe's own unless given.
import { describe, expect, it } from 'vitest';

import type { Answers } from '../../src/engine/answers.js';
import { recommend } from '../../src/engine/rank.js';
import { resolveCard } from '../../src/estimate/card.js';
import { minimumUsefulSteps } from '../../src/estimate/data.js';
import { estimate } from '../../src/estimate/estimate.js';
import { planRun } from '../../src/estimate/plan.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const kb = loadKnowledgeBase();
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const model = (id: string) => kb.models.find((m) => m.id === id)!;
const card = resolveCard(kb, { gpu: 'rtx-4090', vramGiB: null })!;

describe('steps from the data', () => {
  it("images: the recipe's epochs (its steps x batch over the images it was published for) on the user's images", () => {
    // LoRA on SDXL: 500 steps at batch 4 for the technique's typical 20 images = 100 epochs
    const plan = planRun(technique('lora'), model('sdxl'), card, { overrides: {}, data: { images: 60 } })!;
    expect(plan.data).toMatchObject({ samplesPerEpoch: 60, epochs: 100, epochsFrom: 'recipe', effectiveBatch: 4 });
    expect(plan.settings.steps).toBe(1500);
    const repeated = planRun(technique('lora'), model('sdxl'), card, {
      overrides: {},
      data: { images: 60, repeats: 3, epochs: 2 },
    })!;
    expect(repeated.settings.steps).toBe(Math.ceil((60 * 3 * 2) / 4));
  });

  it('language, one example per sequence: computed at the length given, epochs from the recipe (20,000 samples, 1 epoch)', () => {
    const plan = planRun(technique('lora'), model('llama-3.1-8b'), card, {
      overrides: {},
      data: { examples: 3000, tokensPerExample: 400 },
    })!;
    expect(plan.data).toMatchObject({ samplesPerEpoch: 3000, epochs: 1, recipeSamplesFrom: 'recipe', packing: false });
    expect(plan.settings.steps).toBe(Math.ceil(3000 / 16));
    expect(plan.settings.meanSeqLen).toBe(400);
  });

  it('language, packed: the tokens cut into full sequences', () => {
    const plan = planRun(technique('lora'), model('llama-3.1-8b'), card, {
      overrides: {},
      data: { tokens: 20_000_000, packing: true, epochs: 2 },
    })!;
    expect(plan.data!.samplesPerEpoch).toBe(Math.ceil(20_000_000 / 1024));
    expect(plan.settings.steps).toBe(Math.ceil((Math.ceil(20_000_000 / 1024) * 2) / 16));
    expect(plan.settings.meanSeqLen).toBeNull();
  });

  it('--steps given wins over the data; a run of the data is never shortened to the budget', () => {
    const given = planRun(technique('lora'), model('llama-3.1-8b'), card, {
      overrides: { steps: 10 },
      data: { examples: 3000 },
    })!;
    expect(given.settings.steps).toBe(10);
    const long = planRun(technique('lora'), model('llama-3.1-8b'), card, {
      overrides: {},
      data: { examples: 200_000, tokensPerExample: 800 },
      budgetHours: 1,
    })!;
    expect(long.time).toMatchObject({ stepsShare: 1, fits: false });
    expect(long.run.settings.steps).toBe(12_500);
  });

  it('estimate and the planner resolve the same run from the same data', () => {
    const request = { technique: technique('qlora'), model: model('llama-3.1-8b'), card, overrides: {} };
    const data = { examples: 5000, tokensPerExample: 600 };
    const e = estimate(kb, { ...request, data })!;
    const p = planRun(request.technique, request.model, card, { overrides: {}, data })!;
    expect(e.settings).toEqual(p.settings);
    expect(e.data).toEqual(p.data);
  });
});

describe('data flags', () => {
  it('--batch is the micro-batch: the recipe keeps its effective batch through accumulation unless --grad-accum', async () => {
    const run = async (...extra: string[]) => {
      const r = await runCli([
        'estimate',
        '--technique',
        'lora',
        '--model',
        'llama-3.1-8b',
        '--gpu',
        '4090',
        '--json',
        ...extra,
      ]);
      return JSON.parse(r.stdout) as { settings: { batch: number; gradAccum: number } };
    };
    expect((await run('--batch', '2')).settings).toMatchObject({ batch: 2, gradAccum: 8 });
    expect((await run('--batch', '4')).settings).toMatchObject({ batch: 4, gradAccum: 4 });
    expect((await run('--batch', '2', '--grad-accum', '1')).settings).toMatchObject({ batch: 2, gradAccum: 1 });
  });

  it.each([
    [
      ['--images', '0'],
      /^error: option '--images <n>' argument '0' is invalid\. Expected a number of images: a whole number from 1 to/,
    ],
    [['--examples', '-5'], /^error: option '--examples <n>' argument '-5' is invalid\./],
    [['--tokens-per-example', 'abc'], /^error: option '--tokens-per-example <n>' argument 'abc' is invalid\./],
    [['--epochs', '0'], /^error: option '--epochs <n>' argument '0' is invalid\. Expected a number of epochs/],
    [['--images', '5'], /^error: --images is for image models; --goal task is a language goal \(use --examples\)\.\n/u],
    [['--epochs', '2'], /^error: --epochs needs the data's size: pass --examples or --tokens too\.\n/u],
  ])('recommend %j: exit 2, one line', async (extra, message) => {
    const r = await runCli([
      'recommend',
      '--goal',
      'task',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '4090',
      '--time',
      '1h',
      ...extra,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('--examples on an image goal, --repeats alone: exit 2 naming the flag to use', async () => {
    const r = await runCli([
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--gpu',
      '4090',
      '--time',
      '1h',
      '--examples',
      '5',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --examples is for language models; --goal style is an image goal (use --images).\n');
    const e = await runCli(['estimate', '--technique', 'lora', '--model', 'sdxl', '--repeats', '4']);
    expect(e.code).toBe(2);
    expect(e.stderr).toBe("error: --repeats needs the data's size: pass --images too.\n");
  });

  it('a run of the data over the budget: exit 3, the time it needs, and a subset that fits (which then does)', async () => {
    const argv = ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--time', '1h'];
    const data = ['--examples', '200000', '--tokens-per-example', '800'];
    const r = await runCli([...argv, ...data, '--json']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout) as {
      suggestions: Array<{ kind: string; change: Record<string, number>; hours: number | null }>;
      ranking: Array<{ id: string; rules: Array<{ rule: string; value: unknown }> }>;
    };
    const time = json.suggestions.find((s) => s.change.timeHours !== undefined)!;
    expect(time.change.timeHours).toBeGreaterThan(10); // the whole run of the data: about a day
    const subset = json.suggestions.find((s) => s.change.examples !== undefined)!;
    expect(subset.change.examples).toBeLessThan(200_000);
    expect(subset.hours).toBeLessThanOrEqual(1);
    const again = await runCli([...argv, '--examples', String(subset.change.examples), '--tokens-per-example', '800']);
    expect(again.code).toBe(0);
  });

  it.each([
    ['llama-3.2-3b', 'rtx-3060', '1h'],
    ['qwen2.5-7b', '4060-ti-16gb', '3h'],
  ])(
    'a budget under the typical run is not "nothing fits": %s on %s in %s recommends an adapter and says what the budget trains',
    async (model, gpu, time) => {
      const argv = ['recommend', '--goal', 'task', '--model', model, '--gpu', gpu, '--time', time];
      const r = await runCli(argv, { COLUMNS: '100' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Recommendation: (LoRA|QLoRA|DoRA)\b/);
      expect(r.stdout).toMatch(/\d h\s+trains\s+about\s+[\d,]+\s+examples/);
    },
  );
});

describe('the shortest useful run', () => {
  it("is the technique's least data at its recipe's epochs: DreamBooth-LoRA on SDXL, 3 images x 400 epochs / batch 4", () => {
    const t = technique('dreambooth-lora');
    const m = model('sdxl');
    const plan = planRun(t, m, card, { overrides: {}, budgetHours: 100 })!;
    expect(minimumUsefulSteps(t, t.defaults[m.group]!, plan.settings)).toBe(300);
    // a budget below it: not shortened, and it does not fit
    const tight = planRun(t, m, card, { overrides: {}, budgetHours: 0.001 })!;
    expect(tight.time).toMatchObject({ fits: false, stepsShare: 1, minSteps: 300 });
    // a budget above it but under the typical run: shortened, never below it
    const short = planRun(t, m, card, { overrides: {}, budgetHours: plan.run.hours * 0.7 })!;
    expect(short.time!.fits).toBe(true);
    expect(short.run.settings.steps).toBeGreaterThanOrEqual(300);
    expect(short.run.settings.steps).toBeLessThan(plan.run.settings.steps);
  });
});

describe('the data in the advice', () => {
  const points = (r: ReturnType<typeof recommend>, technique: string, rule: string) =>
    r.ranking.find((t) => t.id === technique)!.rules.find((x) => x.rule === rule)!.points;
  const ask = (a: Partial<Answers> & Pick<Answers, 'goal' | 'model'>): Answers => ({
    gpu: 'a100-80gb',
    vramGiB: null,
    timeHours: 8,
    priority: 'quality',
    ...a,
  });

  it('below the least data a technique learns from: a penalty; at or above it: none', () => {
    const few = recommend(kb, ask({ goal: 'subject', model: 'sdxl', data: { images: 2 } }));
    expect(points(few, 'dreambooth-lora', 'data-below-minimum')).toBeLessThan(0);
    const enough = recommend(kb, ask({ goal: 'subject', model: 'sdxl', data: { images: 5 } }));
    expect(points(enough, 'dreambooth-lora', 'data-below-minimum')).toBe(0);
    // without data flags the rule is not evaluated: the typical run is assumed
    const none = recommend(kb, ask({ goal: 'subject', model: 'sdxl' }));
    expect(none.ranking[0]!.rules.find((x) => x.rule === 'data-below-minimum')!.effect).toBe('not evaluated');
  });

  it('every weight of an image model, or of a 7B+ language model, on a small dataset: an overfitting penalty adapters do not get', () => {
    const image = recommend(kb, ask({ goal: 'subject', model: 'sdxl', data: { images: 3 } }));
    expect(points(image, 'dreambooth', 'overfitting-small-data-image')).toBeLessThan(0);
    expect(points(image, 'dreambooth-lora', 'overfitting-small-data-image')).toBe(0);
    const llm = recommend(kb, ask({ goal: 'task', model: 'llama-3.1-8b', data: { examples: 100 } }));
    expect(points(llm, 'full-finetune', 'overfitting-small-data-llm')).toBeLessThan(0);
    expect(points(llm, 'lora', 'overfitting-small-data-llm')).toBe(0);
    const small = recommend(kb, ask({ goal: 'task', model: 'llama-3.2-1b', data: { examples: 100 } }));
    expect(points(small, 'full-finetune', 'overfitting-small-data-llm')).toBe(0);
  });

  it('the JSON plan adds up: steps x effective batch covers the samples x epochs it states, shortened or not', async () => {
    for (const argv of [
      ['--goal', 'task', '--model', 'llama-3.2-3b', '--gpu', '3060', '--time', '1h'],
      ['--goal', 'task', '--model', 'llama-3.2-3b', '--gpu', '3060', '--time', '24h'],
      ['--goal', 'subject', '--model', 'sdxl', '--gpu', 'rtx-4090', '--time', '2h', '--images', '6'],
      ['--goal', 'task', '--model', 'llama-3.2-3b', '--gpu', '3060', '--time', '9h', '--examples', '3001'],
    ]) {
      const r = await runCli(['recommend', ...argv, '--json']);
      const plan = (JSON.parse(r.stdout) as { recommendation: { plan: Record<string, number> } }).recommendation.plan;
      const work = plan.samplesPerEpoch! * plan.epochs!;
      expect(plan.steps! * plan.effectiveBatch!, argv.join(' ')).toBeGreaterThanOrEqual(
        work - plan.effectiveBatch! - 1,
      );
      expect(plan.steps! * plan.effectiveBatch!, argv.join(' ')).toBeLessThanOrEqual(work + plan.effectiveBatch! + 1);
    }
  });
});
