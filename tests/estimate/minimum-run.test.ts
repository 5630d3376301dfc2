// The shortest useful run a time budget may shorten a run to (src/estimate/data.ts
// minimumUsefulSteps): the larger of the data floor (least data x the recipe's epochs) and the
// recipe's sourced minSteps, counted in samples so another effective batch keeps the same floor.
import { describe, expect, it } from 'vitest';

import { resolveCard } from '../../src/estimate/card.js';
import { minimumUsefulSteps } from '../../src/estimate/data.js';
import { planRun } from '../../src/estimate/plan.js';
import { resolveSettings } from '../../src/estimate/settings.js';
import { bundledKb, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const model = (id: string) => kb.models.find((m) => m.id === id)!;

describe('the shortest useful run', () => {
  it("an LLM LoRA's is its sourced floor (PEFT's 1,000 x 4 samples = 250 steps at 16), not the data floor of 4 steps", () => {
    const t = technique('lora');
    const m = model('llama-3.2-3b');
    const recipe = t.defaults[m.group]!;
    const settings = resolveSettings(t, m)!;
    // the data floor alone: 50 examples x 1 epoch / batch 16
    expect(minimumUsefulSteps(t, { ...recipe, minSteps: undefined }, settings)).toBe(4);
    expect(minimumUsefulSteps(t, recipe, settings)).toBe(250);
  });

  it('the floor is a number of samples: at half the effective batch it is twice the steps', () => {
    const t = technique('lora');
    const m = model('llama-3.2-3b');
    const settings = resolveSettings(t, m, { batch: 2, gradAccum: 4 })!;
    expect(minimumUsefulSteps(t, t.defaults[m.group]!, settings)).toBe(500);
  });

  it('where the data floor is higher it stands (DreamBooth-LoRA on SDXL: 3 images x 400 epochs / 4 = 300)', () => {
    const t = technique('dreambooth-lora');
    const m = model('sdxl');
    expect(t.defaults[m.group]!.minSteps).toBeUndefined();
    expect(minimumUsefulSteps(t, t.defaults[m.group]!, resolveSettings(t, m)!)).toBe(300);
  });

  it('every language recipe in the knowledge base states a floor of at least 4,000 samples', () => {
    const recipes = kb.techniques.flatMap((t) => (t.defaults['llm'] ? [[t.id, t.defaults['llm']] as const] : []));
    expect(recipes.length).toBeGreaterThan(5);
    for (const [id, d] of recipes) {
      expect(d.minSteps, id).toBeDefined();
      expect(d.minSteps! * d.batch, id).toBeGreaterThanOrEqual(4000);
      expect(d.minSteps!, id).toBeLessThanOrEqual(d.steps);
    }
  });

  it('a run is shortened to the budget down to the floor and no further', () => {
    const t = technique('qlora');
    const m = model('llama-3.1-70b');
    const card = resolveCard(kb, { gpu: 'a6000', vramGiB: null })!;
    const full = planRun(t, m, card, { overrides: {}, data: { packing: false }, budgetHours: 1000 })!;
    const perStep = full.run.hours / full.run.settings.steps;
    const above = planRun(t, m, card, { overrides: {}, data: { packing: false }, budgetHours: perStep * 300 })!;
    expect(above.time).toMatchObject({ fits: true, minSteps: 250 });
    expect(above.run.settings.steps).toBeGreaterThanOrEqual(250);
    const below = planRun(t, m, card, { overrides: {}, data: { packing: false }, budgetHours: perStep * 200 })!;
    expect(below.time).toMatchObject({ fits: false, minSteps: 250 });
  });
});

describe('a budget too short for any useful run is rejected honestly', () => {
  it('a 70B model on a 48 GB card in 20 minutes: nothing fits, QLoRA fails the time rule at its 250-step floor', async () => {
    const r = await runCli(splitFlags('recommend --goal task --model llama-3.1-70b --gpu a6000 --time 20m --json'));
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout) as {
      recommendation: unknown;
      ranking: Array<{ id: string; rules: Array<{ rule: string; passed: boolean | null; reason: string }> }>;
    };
    expect(json.recommendation).toBeNull();
    const time = json.ranking.find((t) => t.id === 'qlora')!.rules.find((x) => x.rule === 'fits-time')!;
    expect(time.passed).toBe(false);
    expect(time.reason).toMatch(/and 250 steps \(its shortest useful run/);
    // a budget that holds the floor (250 x 16 micro-steps of ~5.8 s, about 6.5 h) does fit
    const enough = await runCli(splitFlags('recommend --goal task --model llama-3.1-70b --gpu a6000 --time 7h'));
    expect(enough.code).toBe(0);
    expect(enough.stdout).toMatch(/^Recommendation: QLoRA\b/);
  });
});
