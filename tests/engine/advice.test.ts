// The advice that goes with a recommendation: the pitfalls of its technique that fit the run (the
// ones that name the model's group, the card or the run's settings first) and the data plan for
// the model's family and the goal, both from the knowledge base.
import { describe, expect, it } from 'vitest';

import { adviceFor, matchApplies, type RunFacts, selectDataPlan, selectPitfalls } from '../../src/engine/advice.js';
import type { Answers } from '../../src/engine/answers.js';
import { rankTechniques, recommend } from '../../src/engine/rank.js';
import { resolveCard } from '../../src/estimate/card.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import { PitfallSchema } from '../../src/kb/schema.js';

const kb = loadKnowledgeBase();

const ask = (a: Partial<Answers> & Pick<Answers, 'goal' | 'model'>): Answers => ({
  gpu: null,
  vramGiB: null,
  timeHours: 4,
  priority: 'balanced',
  ...a,
});

/** The advice for one technique of the ranking, whether or not it won. */
function adviceOf(techniqueId: string, answers: Answers) {
  const model = kb.models.find((m) => m.id === answers.model)!;
  const ranked = rankTechniques(kb, model, resolveCard(kb, answers), answers).find((t) => t.id === techniqueId)!;
  const technique = kb.techniques.find((t) => t.id === techniqueId)!;
  return adviceFor(kb.dataPlan, technique, model, ranked.facts, ranked.plan);
}

const RUN: RunFacts = {
  family: 'image',
  group: 'sdxl',
  goal: 'subject',
  method: 'lora',
  bf16: true,
  precision: 'mixed-fp16',
  vramGiB: 23.99,
  paramsB: 3.5,
  quantizedBase: false,
  priorPreservation: false,
  classImages: null,
};

describe('what a piece of advice applies to', () => {
  it.each([
    [{ families: ['image'] }, true],
    [{ families: ['llm'] }, false],
    [{ groups: ['sd1', 'sdxl'] }, true],
    [{ groups: ['flux'] }, false],
    [{ goals: ['style'] }, false],
    [{ methods: ['lora', 'dora'] }, true],
    [{ bf16: false }, false],
    [{ precisions: ['mixed-fp16'] }, true],
    [{ maxVramGiB: 24 }, true],
    [{ maxVramGiB: 16 }, false],
    [{ minParamsB: 7 }, false],
    [{ quantizedBase: true }, false],
    [{ priorPreservation: false }, true],
    [{ groups: ['sdxl'], maxVramGiB: 16 }, false], // every condition must hold
  ] as const)('%j holds: %s', (applies, holds) => {
    const m = matchApplies(applies as never, RUN);
    expect(m.holds).toBe(holds);
    expect(m.matched).toEqual(holds ? Object.keys(applies) : []);
  });

  it('no conditions: applies to every run, and matches none', () => {
    expect(matchApplies(undefined, RUN)).toEqual({ holds: true, matched: [] });
  });
});

describe('pitfalls for the run', () => {
  it('plain sentences are still pitfalls; specific ones that hold come first, at most three', () => {
    expect(PitfallSchema.safeParse('a sentence').success).toBe(true);
    expect(PitfallSchema.safeParse({ text: 'x', applies: { group: ['sdxl'] } }).success).toBe(false);
    const picked = selectPitfalls(
      [
        'generic one',
        { text: 'for FLUX', applies: { groups: ['flux'] } },
        'generic two',
        { text: 'for SDXL', applies: { groups: ['sdxl'] } },
        { text: 'for SDXL on 24 GB', applies: { groups: ['sdxl'], maxVramGiB: 24 } },
        { text: 'for images', applies: { families: ['image'] } },
      ],
      RUN,
    );
    expect(picked.map((p) => p.text)).toEqual(['for SDXL on 24 GB', 'for SDXL', 'generic one']);
    expect(picked[0]!.matched).toEqual(['groups', 'maxVramGiB']);
    expect(picked[2]!.matched).toEqual([]);
  });

  it('SDXL DreamBooth on a 24 GB card: the U-Net-only / Adafactor pitfall among the top ones; not on SD1.5', () => {
    // planned with prior preservation (a subject): its pitfall matches the run as specifically
    const sdxl = adviceOf('dreambooth', ask({ goal: 'subject', model: 'sdxl', gpu: 'rtx-4090' }));
    const adafactor = sdxl.pitfalls.find((p) => /^SDXL: train the U-Net only.*Adafactor/.test(p.text));
    expect(adafactor?.matched).toContain('groups');
    const without = adviceOf(
      'dreambooth',
      ask({ goal: 'subject', model: 'sdxl', gpu: 'rtx-4090', priorPreservation: false }),
    );
    expect(without.pitfalls[0]!.text).toMatch(/^SDXL: train the U-Net only.*Adafactor/);
    expect(sdxl.pitfalls).toHaveLength(3);
    const sd15 = adviceOf('dreambooth', ask({ goal: 'subject', model: 'sd15', gpu: 'rtx-4090' }));
    expect(sd15.pitfalls.map((p) => p.text).join('\n')).not.toMatch(/SDXL/);
  });

  it('full fine-tuning of SDXL: the 24 GB pitfall on a 24 GB card, not on an 80 GB one', () => {
    const small = adviceOf('full-finetune', ask({ goal: 'style', model: 'sdxl', gpu: 'rtx-4090' }));
    expect(small.pitfalls[0]!.text).toMatch(/^SDXL on 24 GB/);
    expect(small.pitfalls[0]!.matched).toEqual(['groups', 'maxVramGiB']);
    const big = adviceOf('full-finetune', ask({ goal: 'style', model: 'sdxl', gpu: 'a100-80gb' }));
    expect(big.pitfalls.some((p) => p.text.startsWith('SDXL on 24 GB'))).toBe(false);
    // the language-model pitfalls of a two-family technique never reach an image run
    expect(big.pitfalls.some((p) => p.text.startsWith('LLMs:'))).toBe(false);
  });

  it('a card without bf16 (T4) shows the bf16 pitfall first; a 4090 does not', () => {
    const t4 = recommend(kb, ask({ goal: 'chat', model: 'llama-3.1-8b', gpu: 't4' })).recommendation!;
    expect(t4.id).toBe('qlora');
    expect(t4.advice!.pitfalls[0]!.text).toMatch(/no bf16/);
    expect(t4.advice!.pitfalls[0]!.matched).toEqual(['families', 'bf16']);
    const rtx = recommend(kb, ask({ goal: 'chat', model: 'llama-3.1-8b', gpu: 'rtx-4090' })).recommendation!;
    expect(rtx.advice!.pitfalls.some((p) => /no bf16/.test(p.text))).toBe(false);
  });

  it('SDXL DreamBooth-LoRA in mixed fp16: the fp16-fix VAE pitfall', () => {
    const r = recommend(kb, ask({ goal: 'subject', model: 'sdxl', gpu: 'rtx-4090', timeHours: 2 })).recommendation!;
    expect(r.id).toBe('dreambooth-lora');
    expect(r.advice!.pitfalls[0]!.text).toMatch(/^SDXL in fp16: use the fp16-fix VAE/);
    expect(r.advice!.pitfallsTotal).toBe(kb.techniques.find((t) => t.id === 'dreambooth-lora')!.pitfalls.length);
  });

  it('the runner-up has its advice too; the rest of the ranking does not', () => {
    const result = recommend(kb, ask({ goal: 'subject', model: 'sdxl', gpu: 'rtx-4090', timeHours: 2 }));
    expect(result.runnerUp?.advice?.pitfalls.length).toBeGreaterThan(0);
    expect(
      result.ranking
        .filter((t) => t.advice)
        .map((t) => t.id)
        .sort(),
    ).toEqual([result.recommendation!.id, result.runnerUp!.id].sort());
  });
});

describe('the data plan', () => {
  const topics = (a: { dataPlan: Array<{ topic: string }> }) => a.dataPlan.map((d) => d.topic);

  it('an image subject with prior preservation: captions, a trigger word and class images', () => {
    const result = recommend(kb, ask({ goal: 'subject', model: 'sd15', vramGiB: 24, priority: 'quality' }));
    const r = result.recommendation!;
    expect(r.id).toBe('dreambooth');
    expect(r.plan!.run.settings.priorPreservation).toBe(true);
    expect(topics(r.advice!)).toEqual(['captions', 'trigger', 'class-images']);
    const [captions, trigger, classes] = r.advice!.dataPlan;
    expect(captions!.text).toMatch(/tags/); // SD1.x reads captions through CLIP
    expect(trigger!.text).toMatch(/sks dog/);
    expect(classes!.text).toMatch(/class/);
    // the sources of the data plan shown are among the answer's sources
    const refs = new Set(result.sources.map((s) => s.ref));
    for (const d of r.advice!.dataPlan)
      for (const s of kb.dataPlan.find((e) => e.id === d.id)!.sources) expect(refs.has(s.ref)).toBe(true);
  });

  it('without prior preservation there are no class images; FLUX captions are sentences and its trigger is ai-toolkit`s', () => {
    const flux = adviceOf('lora', ask({ goal: 'subject', model: 'flux-dev', gpu: 'rtx-3090' }));
    expect(topics(flux)).toEqual(['captions', 'trigger']);
    expect(flux.dataPlan[0]!.text).toMatch(/sentence/);
    expect(flux.dataPlan[1]!.id).toBe('trigger-flux-ai-toolkit'); // more specific than the generic rare token
    const style = adviceOf('lora', ask({ goal: 'style', model: 'sdxl', gpu: 'rtx-4090' }));
    expect(topics(style)).toEqual(['captions']);
  });

  it('textual inversion: its placeholder token, and no caption files', () => {
    const ti = adviceOf('textual-inversion', ask({ goal: 'concept', model: 'sd15', gpu: 'rtx-3060' }));
    expect(topics(ti)).toEqual(['trigger']);
    expect(ti.dataPlan[0]!.text).toMatch(/<cat-toy>/);
  });

  it('a chat goal: the model`s chat template by name, and the loss on the responses only', () => {
    const r = recommend(kb, ask({ goal: 'chat', model: 'llama-3.1-8b', gpu: 'rtx-4090' })).recommendation!;
    expect(topics(r.advice!)).toEqual(['chat-template', 'loss-masking']);
    expect(r.advice!.dataPlan[0]!.value).toBe('llama3');
    expect(r.advice!.dataPlan[1]!.text).toMatch(/assistant_only_loss.*train_on_inputs: false/);
    // a model the knowledge base names no template for still gets the advice, without a name
    const phi = adviceOf('lora', ask({ goal: 'chat', model: 'phi-1.5', gpu: 'rtx-4090' }));
    expect(phi.dataPlan[0]).toMatchObject({ topic: 'chat-template', value: null });
  });

  it('a domain goal: packed raw text, no chat template', () => {
    const r = recommend(kb, ask({ goal: 'domain', model: 'llama-3.1-8b', vramGiB: 24, timeHours: 8 })).recommendation!;
    expect(topics(r.advice!)).toEqual(['packing']);
  });

  it('a topic of the other family never applies, whatever its conditions say', () => {
    const model = kb.models.find((m) => m.id === 'llama-3.1-8b')!;
    const run: RunFacts = { ...RUN, family: 'llm', group: 'llm', goal: 'chat', method: 'qlora' };
    const entries = [{ id: 'x', topic: 'captions' as const, text: 'tags', sources: [{ ref: 'r' }] }];
    expect(selectDataPlan(entries, model, run)).toEqual([]);
    // the same entry for an image run is chosen
    expect(selectDataPlan(entries, model, RUN).map((d) => d.id)).toEqual(['x']);
  });
});
