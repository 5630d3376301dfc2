// Ranking scores every technique without building rule records (scoreTechnique); the records are
// built only when shown (ruleRecord). Both read one verdict per rule (ruleVerdict); what each makes
// of it (eligibility and points, the record's effect) must add up the same, for every technique.
import { describe, expect, it } from 'vitest';

import type { Answers } from '../../src/engine/answers.js';
import { evaluateRules, factVector, prepareRules, scoreTechnique } from '../../src/engine/evaluate.js';
import { recommend } from '../../src/engine/rank.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import type { Rule } from '../../src/kb/schema.js';
import { GOALS, PRIORITIES } from '../../src/kb/vocabulary.js';

const kb = loadKnowledgeBase();

function* answerGrid(): Generator<Answers> {
  const models = ['sd15', 'sdxl', 'flux-dev', 'llama-3.2-3b', 'llama-3.1-8b', 'llama-3.1-70b'];
  const cards: Array<Pick<Answers, 'gpu' | 'vramGiB'>> = [
    { gpu: 't4', vramGiB: null },
    { gpu: 'rtx-4090', vramGiB: null },
    { gpu: null, vramGiB: 8 },
    { gpu: 'a100-80gb', vramGiB: null },
  ];
  for (const model of models)
    for (const goal of GOALS)
      for (const card of cards)
        for (const timeHours of [0.25, 2, 24]) {
          yield {
            goal,
            model,
            ...card,
            timeHours,
            priority: PRIORITIES[(model.length + timeHours) % PRIORITIES.length]!,
          };
        }
}

describe('rule evaluation', () => {
  it('the fast verdict equals what the records add up to, for every technique and many answers', () => {
    let compared = 0;
    let ineligible = 0;
    for (const answers of answerGrid()) {
      for (const t of recommend(kb, answers).ranking) {
        const records = t.rules;
        const failed = records.filter((r) => r.effect === 'ineligible');
        expect(t.eligible).toBe(failed.length === 0);
        expect(t.score).toBeCloseTo(
          records.reduce((sum, r) => sum + r.points, 0),
          1,
        );
        expect(t.failed.map((r) => r.rule)).toEqual(failed.map((r) => r.rule));
        compared++;
        if (!t.eligible) ineligible++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(ineligible).toBeGreaterThan(100); // both verdicts are exercised
    // ~2,000 full recommendations: about 11 s alone, several times that beside the other files on 2 cores
  }, 120_000);

  it('failed records come from the same decisions whether or not every record was built first', () => {
    const answers: Answers = {
      goal: 'task',
      model: 'llama-3.1-70b',
      gpu: 't4',
      vramGiB: null,
      timeHours: 1,
      priority: 'balanced',
    };
    const lazy = recommend(kb, answers).ranking.map((t) => t.failed);
    const eager = recommend(kb, answers).ranking.map((t) => (t.rules, t.failed));
    expect(lazy).toEqual(eager);
    expect(lazy.flat().length).toBeGreaterThan(0);
  });

  it('conditions, fact thresholds and missing values decide as the records say', () => {
    const rules: Rule[] = [
      {
        id: 'needs-estimate',
        kind: 'hard',
        description: 'd',
        check: { fact: 'vram.peak_gib', op: 'lte', value: { fact: 'vram.limit_gib' } },
        reason: { pass: 'ok', fail: 'too big' },
      },
      {
        id: 'only-llm',
        kind: 'soft',
        description: 'd',
        when: [{ fact: 'model.family', op: 'eq', value: 'llm' }],
        score: { points: 2 },
        reason: { pass: 'llm bonus' },
      },
      {
        id: 'not-lora',
        kind: 'hard',
        description: 'd',
        check: { fact: 'technique.id', op: 'nin', value: ['lora'] },
        reason: { pass: 'ok', fail: 'no lora' },
      },
    ] as Rule[];
    const prepared = prepareRules(rules);
    const base = recommend(kb, {
      goal: 'task',
      model: 'llama-3.1-8b',
      gpu: 'rtx-4090',
      vramGiB: null,
      timeHours: 8,
      priority: 'balanced',
    }).ranking;
    for (const t of base) {
      const values = factVector(t.facts);
      const fast = scoreTechnique(prepared, values);
      const slow = evaluateRules(rules, t.facts);
      expect(fast.eligible, t.id).toBe(slow.eligible);
      expect(fast.score, t.id).toBe(slow.score);
      expect(fast.failed.map((i) => prepared[i]!.rule.id)).toEqual(
        slow.records.filter((r) => r.effect === 'ineligible').map((r) => r.rule),
      );
    }
    const lora = base.find((t) => t.id === 'lora')!;
    expect(evaluateRules(rules, lora.facts).records.map((r) => r.effect)).toEqual(['ok', 'score', 'ineligible']);
    // a technique with no estimate: the memory check is not evaluated, not failed
    const ti = base.find((t) => t.facts['vram.peak_gib'] === null)!;
    expect(evaluateRules(rules, ti.facts).records[0]).toMatchObject({ passed: null, effect: 'not evaluated' });
  });

  it('an unknown fact in a rule is an error when the rules are prepared', () => {
    expect(() =>
      prepareRules([
        {
          id: 'x',
          kind: 'soft',
          description: 'd',
          check: { fact: 'no.such', op: 'eq', value: 1 },
          reason: { pass: 'p' },
        },
      ] as Rule[]),
    ).toThrow(/unknown fact 'no.such'/);
  });
});
