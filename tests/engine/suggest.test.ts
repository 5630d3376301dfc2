// When nothing fits, the suggestions change the run first and each one holds: recommending again
// with its change makes its technique eligible. Then a card of the user's kind, with the precision
// it would train in.
import { describe, expect, it } from 'vitest';

import type { Answers } from '../../src/engine/answers.js';
import { recommend, type Suggestion } from '../../src/engine/rank.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import type { KnowledgeBase } from '../../src/kb/types.js';

const kb = loadKnowledgeBase();
const RUN_KINDS = ['resolution', 'seq-len', 'steps', 'quantize'];

const ask = (a: Partial<Answers> & Pick<Answers, 'goal' | 'model' | 'timeHours'>): Answers => ({
  gpu: null,
  vramGiB: null,
  priority: 'balanced',
  ...a,
});
const gpuOf = (s: Suggestion | undefined) => kb.gpus.find((g) => g.id === s?.change.gpu);

/** The answers with a suggestion's change, as its flags would give them. */
function applied(a: Answers, s: Suggestion): Answers | null {
  const c = s.change;
  if (c.quantize) return { ...a, quantize: c.quantize };
  if (c.gpu) return { ...a, gpu: c.gpu, vramGiB: null };
  // the budget as the --time flag writes it, rounded up
  if (c.timeHours)
    return { ...a, timeHours: c.timeHours < 1 ? Math.ceil(c.timeHours * 60) / 60 : Math.ceil(c.timeHours * 10) / 10 };
  if (c.model) return { ...a, model: c.model };
  return {
    ...a,
    ...(c.resolution ? { resolution: c.resolution } : {}),
    ...(c.seqLen ? { seqLen: c.seqLen } : {}),
    ...(c.steps ? { steps: c.steps } : {}),
  };
}

describe('suggestions when nothing fits', () => {
  it('an RTX 3060 and SDXL in 12 minutes: a lower resolution before any card, then a consumer card with bf16', () => {
    const r = recommend(kb, ask({ goal: 'subject', model: 'sdxl', gpu: 'rtx-3060', timeHours: 0.2 }));
    expect(r.recommendation).toBeNull();
    const kinds = r.suggestions.map((s) => s.kind);
    expect(kinds[0]).toBe('resolution');
    const firstCard = kinds.indexOf('gpu');
    expect(firstCard).toBeGreaterThan(0);
    expect(kinds.slice(0, firstCard).every((k) => RUN_KINDS.includes(k))).toBe(true);
    expect(r.suggestions[0]!.text).toMatch(/^at \d+ px .+ fits in [\d.]+ GiB and takes ([1-9]|1[0-2]) min$/);
    const card = gpuOf(r.suggestions[firstCard]);
    expect(['consumer', 'workstation']).toContain(card?.segment);
    expect(card?.bf16).toBe(true);
  });

  /** Every NVIDIA card of the kinds given with less memory than `card` leaves nothing eligible. */
  const noSmallerFits = (
    a: Answers,
    card: { vramGB: number },
    kinds: (s: string | undefined) => boolean,
    base = kb,
  ) => {
    for (const g of base.gpus.filter((x) => x.vendor === 'nvidia' && kinds(x.segment) && x.vramGB < card.vramGB))
      expect(recommend(base, { ...a, gpu: g.id, vramGiB: null }).recommendation, g.id).toBeNull();
  };

  it('an RTX 4060 Ti 16 GB is pointed at the smallest consumer or workstation card that fits, never a server card', () => {
    for (const a of [
      ask({ goal: 'task', model: 'llama-3.1-70b', gpu: 'rtx-4060-ti-16gb', timeHours: 8 }),
      ask({ goal: 'task', model: 'qwen2.5-32b', gpu: 'rtx-4060-ti-16gb', timeHours: 3 }),
    ]) {
      expect(recommend(kb, a).recommendation).toBeNull();
      const card = gpuOf(recommend(kb, a).suggestions.find((s) => s.kind === 'gpu'))!;
      expect(card.segment).not.toBe('datacenter');
      expect(recommend(kb, { ...a, gpu: card.id, vramGiB: null }).recommendation).not.toBeNull();
      noSmallerFits(a, card, (seg) => seg !== 'datacenter');
    }
  });

  it('a server card only when no consumer or workstation card would do (a 70B model on 8 GiB)', () => {
    const a = ask({ goal: 'task', model: 'llama-3.1-70b', vramGiB: 8, timeHours: 8 });
    // with the catalogue's 48 GB workstation cards, one of them
    const workstation = gpuOf(recommend(kb, a).suggestions.find((s) => s.kind === 'gpu'))!;
    expect(workstation.segment).toBe('workstation');
    noSmallerFits(a, workstation, (seg) => seg !== 'datacenter');
    // without any consumer or workstation card that large, a server card
    const small = { ...kb, gpus: kb.gpus.filter((g) => g.segment === 'datacenter' || g.vramGB < 40) };
    const server = recommend(small, a).suggestions.find((s) => s.kind === 'gpu');
    expect(small.gpus.find((g) => g.id === server?.change.gpu)?.segment).toBe('datacenter');
    for (const g of small.gpus.filter((x) => x.vendor === 'nvidia' && x.segment !== 'datacenter'))
      expect(recommend(small, { ...a, gpu: g.id, vramGiB: null }).recommendation, g.id).toBeNull();
  });

  it('a card without bf16 is named with the precision a bf16 recipe would use on it', () => {
    const only: KnowledgeBase = { ...kb, gpus: kb.gpus.filter((g) => ['rtx-3060', 'v100-32gb'].includes(g.id)) };
    const r = recommend(only, ask({ goal: 'task', model: 'qwen2.5-14b', gpu: 'rtx-3060', timeHours: 24 }));
    const s = r.suggestions.find((x) => x.kind === 'gpu');
    expect(s?.change.gpu).toBe('v100-32gb');
    expect(s?.text).toMatch(/fp16 with loss scaling \(no bf16\)$/);
  });

  it('a language model gets shorter sequences or a quantized base before a card', () => {
    // 3 h: QLoRA's shortest useful run (250 steps) at 1,024 tokens takes more than 2 h on a 3060
    const r = recommend(kb, ask({ goal: 'task', model: 'llama-3.1-8b', gpu: 'rtx-3060', timeHours: 3, seqLen: 4096 }));
    expect(r.recommendation).toBeNull();
    expect(r.suggestions[0]).toMatchObject({ kind: 'seq-len', change: { seqLen: 1024 } });
    expect(r.suggestions[0]!.text).toMatch(/^with sequences cut at 1,024 tokens QLoRA .* fits in [\d.]+ GiB/);
  });

  it('every suggestion holds: recommending again with its change makes its technique eligible', () => {
    const cases: Answers[] = [];
    for (const model of ['sd15', 'sdxl', 'flux-dev', 'llama-3.2-3b', 'qwen2.5-7b', 'llama-3.1-8b'])
      for (const card of [{ gpu: 'rtx-3060' }, { gpu: 'rtx-4060-ti-16gb' }, { gpu: 't4' }, { vramGiB: 8 }])
        for (const timeHours of [0.25, 1, 3])
          cases.push(
            ask({ goal: model.startsWith('s') || model.startsWith('f') ? 'style' : 'task', model, timeHours, ...card }),
          );
    let checked = 0;
    for (const a of cases) {
      const r = recommend(kb, a);
      if (r.recommendation) continue;
      for (const s of r.suggestions) {
        const again = applied(a, s);
        if (!again) continue;
        const ranked = recommend(kb, again).ranking.find((t) => t.id === s.technique);
        expect(ranked?.eligible, `${JSON.stringify(a)} ${s.text}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
