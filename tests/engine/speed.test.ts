// "speed" ranks by how soon each technique's typical run is done (the fact
// time.typical_log2_budget: its unshortened hours against the budget, on a log scale), not by the
// share of the budget its planned run uses, which is 1 for every run shortened to the budget.
import { describe, expect, it } from 'vitest';

import type { Answers } from '../../src/engine/answers.js';
import { recommend } from '../../src/engine/rank.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const ask = (a: Partial<Answers>): Answers => ({
  goal: 'task',
  model: 'llama-3.2-3b',
  gpu: 'rtx-3060',
  vramGiB: null,
  timeHours: 2,
  priority: 'speed',
  ...a,
});
type Result = ReturnType<typeof recommend>;
const entry = (r: Result, id: string) => r.ranking.find((t) => t.id === id)!;
const rule = (r: Result, id: string, name: string) => entry(r, id).rules.find((x) => x.rule === name)!;
const eligible = (r: Result) => r.ranking.filter((t) => t.eligible).map((t) => t.id);

describe('speed first', () => {
  it('a 3B model on a 3060 in 2 h: runs shortened to the budget still rank by their speed, and IA3 does not win', () => {
    const r = recommend(kb, ask({}));
    expect(['lora', 'qlora', 'dora']).toContain(r.recommendation?.id);
    expect(r.recommendation!.score).toBeGreaterThan(0);
    // every eligible run here is shortened to the budget, so the old share-of-budget fact is 1 for all
    for (const id of eligible(r)) expect(rule(r, id, 'time-share').value).toBe(1);
    // yet the speed rule tells them apart, by their typical runs: slower runs lose more points
    const lora = rule(r, 'lora', 'speed-first');
    const dora = rule(r, 'dora', 'speed-first');
    expect(entry(r, 'dora').rules.find((x) => x.rule === 'fits-time')!.passed).toBe(true);
    expect(dora.points).toBeLessThan(lora.points);
  });

  it('2 h and 2.1 h give the same answer, and the same speed gaps between techniques', () => {
    const a = recommend(kb, ask({ timeHours: 2 }));
    const b = recommend(kb, ask({ timeHours: 2.1 }));
    expect(b.recommendation?.id).toBe(a.recommendation?.id);
    const gap = (r: Result) => rule(r, 'lora', 'speed-first').points - rule(r, 'dora', 'speed-first').points;
    expect(gap(b)).toBeCloseTo(gap(a), 1);
    // the gap is 3 points per doubling of the typical run's hours (the value: log2 of hours / budget)
    const log2 = (id: string) => rule(a, id, 'speed-first').value as number;
    expect(gap(a)).toBeCloseTo(3 * (log2('dora') - log2('lora')), 1);
  });

  it('when both fit without memory savers, LoRA ranks above the slower QLoRA (dequantization) and full fine-tuning', () => {
    const r = recommend(kb, ask({ gpu: 'rtx-4090' }));
    expect(rule(r, 'lora', 'savers-needed').points).toBe(0);
    expect(rule(r, 'qlora', 'savers-needed').points).toBe(0);
    expect(rule(r, 'lora', 'speed-first').points).toBeGreaterThan(rule(r, 'qlora', 'speed-first').points);
    expect(r.recommendation?.id).toBe('lora');
    const big = recommend(kb, ask({ model: 'llama-3.2-1b', gpu: null, vramGiB: 80 }));
    expect(entry(big, 'full-finetune').eligible).toBe(true);
    expect(rule(big, 'lora', 'speed-first').points).toBeGreaterThan(rule(big, 'full-finetune', 'speed-first').points);
    expect(entry(big, 'lora').score).toBeGreaterThan(entry(big, 'full-finetune').score);
  });

  it('a typical run exactly as long as the budget scores 0 (no effect), and only speed-first weighs it', () => {
    const probe = recommend(kb, ask({ gpu: 'rtx-4090', timeHours: 100 }));
    const typicalHours = 100 * 2 ** (rule(probe, 'lora', 'speed-first').value as number);
    const r = recommend(kb, ask({ gpu: 'rtx-4090', timeHours: typicalHours }));
    expect(rule(r, 'lora', 'speed-first').value).toBe(0);
    expect(rule(r, 'lora', 'speed-first').effect).toBe('none');
    const balanced = recommend(kb, ask({ gpu: 'rtx-4090', priority: 'balanced' }));
    expect(rule(balanced, 'lora', 'speed-first').applies).toBe(false);
  });
});
