// Snapshots of the recommend renderers (text with colour off and on at three widths, markdown,
// JSON) on results computed from the fixture knowledge base, with the properties that hold
// whatever the snapshot says.
import { describe, expect, it } from 'vitest';

import type { RuleRecord } from '../../src/engine/evaluate.js';
import { type RankedTechnique, recommend, type RecommendResult } from '../../src/engine/rank.js';
import { explanationRows, renderRecommendMarkdown, renderRecommendText } from '../../src/render/recommend.js';
import { recommendToJson } from '../../src/render/recommend-json.js';
import { createStyle } from '../../src/render/style.js';
import { answers, expectTextProperties, fixtureKb, snapshotPath, stripAnsi, TEXT_VARIANTS } from './fixture.js';

const kb = fixtureKb();

/** One record of each effect, taken from the ranking (the recommendation alone has only ok, score, none). */
function oneRecordPerEffect(result: RecommendResult): RuleRecord[] {
  const effects: RuleRecord['effect'][] = ['ok', 'ineligible', 'score', 'none', 'not evaluated', 'not applicable'];
  const all = result.ranking.flatMap((r) => r.rules);
  const used = new Set<string>();
  // each of a different rule, so a row names its record
  return effects.map((e) => {
    const record = all.find((r) => r.effect === e && !used.has(r.rule));
    if (!record) throw new Error(`the fixture ranking has no '${e}' record`);
    used.add(record.rule);
    return record;
  });
}

const imageRunnerUp = () => recommend(kb, answers({ goal: 'subject', model: 'sd15', gpu: 'rtx-4090', timeHours: 4 }));

/** The runner-up result with its recommendation explained by one record of each effect. */
function everyEffect(): RecommendResult {
  const result = imageRunnerUp();
  const rec = result.recommendation!;
  const rules = oneRecordPerEffect(result);
  const explained: RankedTechnique = {
    id: rec.id,
    name: rec.name,
    eligible: rec.eligible,
    score: rec.score,
    facts: rec.facts,
    plan: rec.plan,
    rules,
    failed: [],
    ruleCount: rules.length,
    advice: rec.advice,
  };
  return { ...result, recommendation: explained, ranking: [explained, ...result.ranking.slice(1)] };
}

const SCENARIOS: Record<string, { result: () => RecommendResult; check: (r: RecommendResult) => void }> = {
  // DreamBooth first, LoRA runner-up, a named card
  'image-runner-up': {
    result: imageRunnerUp,
    check: (r) => {
      expect(r.recommendation?.id).toBe('dreambooth');
      expect(r.runnerUp?.id).toBe('lora');
      expect(r.card.speedFrom).toBeNull();
    },
  },
  // a budget under the typical run: LoRA at a share of its steps
  shortened: {
    result: () => recommend(kb, answers({ goal: 'subject', model: 'sd15', gpu: 'rtx-3060', timeHours: 0.15 })),
    check: (r) => {
      expect(r.recommendation?.id).toBe('lora');
      expect(r.recommendation?.plan?.time?.stepsShare).toBeLessThan(1);
      expect(r.recommendation?.plan?.run.settings.steps).toBeGreaterThanOrEqual(r.recommendation!.plan!.time!.minSteps);
    },
  },
  // an 8B model on 6 GiB, no card named: a bigger card and a smaller model are suggested
  'nothing-fits-llm': {
    result: () => recommend(kb, answers({ goal: 'task', model: 'llama-3.1-8b', vramGiB: 6, timeHours: 24 })),
    check: (r) => {
      expect(r.recommendation).toBeNull();
      expect(r.suggestions.map((s) => s.kind)).toEqual(['gpu', 'model']);
      expect(r.card.speedFrom).not.toBeNull();
    },
  },
  // SDXL on 12 GB in 6 minutes, under every technique's shortest useful run: a lower resolution
  // first, then a bigger card or more time
  'nothing-fits-image': {
    result: () => recommend(kb, answers({ goal: 'style', model: 'sdxl', gpu: 'rtx-3060', timeHours: 0.1 })),
    check: (r) => {
      expect(r.recommendation).toBeNull();
      expect(r.suggestions.map((s) => s.kind)).toEqual(['resolution', 'gpu', 'time']);
    },
  },
  // a language model on an assumed card (memory only): tokens/s and the "no GPU named" line
  'llm-assumed-card': {
    result: () => recommend(kb, answers({ goal: 'task', model: 'llama-3.2-1b', vramGiB: 12, timeHours: 8 })),
    check: (r) => {
      expect(r.recommendation).not.toBeNull();
      expect(r.card.speedFrom).not.toBeNull();
    },
  },
  // a one-step run: seconds, "1 step", small numbers
  'one-step': {
    result: () =>
      recommend(
        kb,
        answers({ goal: 'chat', model: 'llama-3.2-1b', gpu: 'rtx-4090', timeHours: 1, steps: 1, priority: 'size' }),
      ),
    check: (r) => {
      expect(r.recommendation?.plan?.run.settings.steps).toBe(1);
      expect(r.runnerUp).not.toBeNull();
    },
  },
  // the explanation table with a row of each effect
  'every-effect': {
    result: everyEffect,
    check: (r) => expect(new Set(r.recommendation!.rules.map((x) => x.effect)).size).toBe(6),
  },
};

describe.each(Object.entries(SCENARIOS))('recommend: %s', (name, scenario) => {
  const result = scenario.result();
  it('is the situation it is named for', () => scenario.check(result));

  const plain = new Map(
    [100, 60, 30].map((width) => [width, renderRecommendText(result, { width, color: false })] as const),
  );
  it.each(TEXT_VARIANTS)('text $name', async ({ width, color, name: variant }) => {
    const text = renderRecommendText(result, { width, color });
    expectTextProperties(text, plain.get(width)!, width, color);
    expect(stripAnsi(text)).toContain(result.recommendation ? 'Recommendation:' : 'Nothing fits');
    await expect(text).toMatchFileSnapshot(snapshotPath('recommend', `${name}.${variant}`, 'txt'));
  });

  it('markdown', async () => {
    const md = renderRecommendMarkdown(result);
    expect(md).not.toMatch(/\x1b/);
    expect(md.startsWith('# Fine-tuning recommendation\n')).toBe(true);
    // every table row has as many cells as its header
    const tableLines = md.split('\n').filter((l) => l.startsWith('|'));
    for (const l of tableLines) expect(l.endsWith('|'), l).toBe(true);
    await expect(md).toMatchFileSnapshot(snapshotPath('recommend', name, 'md'));
  });

  it('JSON', async () => {
    const text = JSON.stringify(recommendToJson(result), null, 2) + '\n';
    const json = JSON.parse(text);
    // the keys README "JSON output of recommend" documents
    expect(Object.keys(json)).toEqual([
      'answers',
      'model',
      'gpu',
      'recommendation',
      'runnerUp',
      'notRunByTrainer',
      'ranking',
      'suggestions',
      'sources',
    ]);
    // the README's order, whatever order the answers were built in (the CLI's differs from answers() here)
    expect(Object.keys(json.answers).slice(0, 6)).toEqual(['goal', 'model', 'gpu', 'vramGiB', 'timeHours', 'priority']);
    expect(Object.keys(json.model)).toEqual(['id', 'name', 'family']);
    expect(Object.keys(json.gpu)).toEqual([
      'id',
      'name',
      'vramGiB',
      'tflops',
      'assumedSpeed',
      'cards',
      'nodes',
      'link',
      'nodeLink',
    ]);
    expect(json.gpu.assumedSpeed).toBe(result.card.speedFrom !== null);
    for (const t of [json.recommendation, json.runnerUp].filter(Boolean)) {
      expect(Object.keys(t)).toEqual([
        'id',
        'name',
        'score',
        'settings',
        'estimates',
        'strategy',
        'perCard',
        'communication',
        'plan',
        'estimateFlags',
        'precisionChange',
        'dataPlan',
        'pitfalls',
        'reasons',
      ]);
      for (const d of t.dataPlan) expect(Object.keys(d)).toEqual(['id', 'topic', 'value', 'text', 'matched']);
      for (const p of t.pitfalls) expect(Object.keys(p)).toEqual(['text', 'matched']);
      expect(Object.keys(t.estimates)).toEqual(['vram', 'time', 'output']);
      expect(Object.keys(t.estimates.vram)).toEqual(['peakGiB', 'limitGiB', 'savers', 'breakdown']);
      expect(Object.keys(t.estimates.time)).toEqual([
        'hours',
        'typicalHours',
        'stepSeconds',
        'steps',
        result.model.family === 'llm' ? 'tokensPerSecond' : 'imagesPerSecond',
      ]);
      expect(Object.keys(t.estimates.output)).toEqual(['sizeMB', 'trainableParams']);
    }
    expect(json.recommendation === null).toBe(result.recommendation === null);
    expect(json.ranking.map((r: { id: string }) => r.id)).toEqual(result.ranking.map((r) => r.id));
    for (const r of json.ranking) {
      expect(Object.keys(r)).toEqual(['id', 'eligible', 'score', 'explained', 'rules']);
      for (const record of r.rules)
        expect(Object.keys(record)).toEqual(
          expect.arrayContaining(['rule', 'kind', 'fact', 'value', 'operator', 'threshold', 'passed', 'applies']),
        );
    }
    for (const s of json.suggestions)
      expect(Object.keys(s)).toEqual(['kind', 'technique', 'text', 'change', 'flags', 'peakGiB', 'hours']);
    await expect(text).toMatchFileSnapshot(snapshotPath('recommend', name, 'json'));
  });
});

describe('the explanation of each effect', () => {
  const result = everyEffect();
  const rec = result.recommendation!;
  it('each applicable record is a row with its verdict; a record whose rule does not apply is no row', () => {
    const rows = explanationRows(rec, createStyle(false));
    const byRule = (effect: RuleRecord['effect']) => rec.rules.find((r) => r.effect === effect)!;
    const verdictOf = (effect: RuleRecord['effect']) => rows.find((r) => r.rule === byRule(effect).rule)?.verdict;
    expect(verdictOf('ok')).toBe('✓ pass');
    expect(verdictOf('ineligible')).toBe('✗ ineligible');
    expect(verdictOf('score')).toMatch(/^[+-]\d/);
    expect(verdictOf('none')).toBe('0');
    expect(verdictOf('not evaluated')).toBe('—');
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r.rule)).not.toContain(byRule('not applicable').rule);
  });
  it('the JSON keeps every record, the one that does not apply too', () => {
    const json = recommendToJson(result) as { ranking: Array<{ rules: RuleRecord[] }> };
    expect(json.ranking[0]!.rules.map((r) => r.effect)).toEqual([
      'ok',
      'ineligible',
      'score',
      'none',
      'not evaluated',
      'not applicable',
    ]);
  });
});
