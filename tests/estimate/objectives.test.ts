// Preference and RL objectives (--objective): what each adds over supervised fine-tuning at the
// same settings, as TRL's trainers run them (src/estimate/objectives.ts).
import { describe, expect, it } from 'vitest';

import { describeAssumptions } from '../../src/estimate/assumptions.js';
import { cardFromGpu } from '../../src/estimate/card.js';
import { kindOf } from '../../src/estimate/kinds/index.js';
import { llmLayerCount } from '../../src/estimate/kinds/llm-layers.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { GRPO_COMPLETION_TOKENS, GRPO_GENERATIONS } from '../../src/estimate/objectives.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import { estimateStepTime, generationSeconds, LAYER_PASS_SECONDS } from '../../src/estimate/time.js';
import type { LlmModel } from '../../src/kb/types.js';
import type { Objective } from '../../src/kb/vocabulary.js';
import { bundledKb, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as LlmModel;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const card = cardFromGpu(kb.gpus.find((g) => g.id === 'a100-80gb')!);
const settings = (tid: string, mid: string, objective: Objective, over: Partial<TrainingSettings> = {}) =>
  ({ ...resolveSettings(technique(tid), model(mid))!, objective, ...over }) as TrainingSettings;
const part = (s: TrainingSettings, id: string, name: string) =>
  estimateMemory(model(id), s).breakdown.find((p) => p.part === name)?.gib;
const run = (tid: string, mid: string, objective: Objective, over: Partial<TrainingSettings> = {}) => {
  const s = settings(tid, mid, objective, over);
  const memory = estimateMemory(model(mid), s);
  return { s, memory, step: estimateStepTime(model(mid), s, card, memory.trainableParams) };
};
const FIXED = { batch: 2, gradAccum: 8, seqLen: 1024, gradientCheckpointing: true } as const;

describe('DPO', () => {
  it('with LoRA: two sequences per pair (activations 2x sft) and no second copy of the weights', () => {
    const sft = run('lora', 'llama-3.1-8b', 'sft', FIXED);
    const dpo = run('lora', 'llama-3.1-8b', 'dpo', FIXED);
    expect(part(dpo.s, 'llama-3.1-8b', 'activations')! / part(sft.s, 'llama-3.1-8b', 'activations')!).toBeCloseTo(2, 5);
    expect(part(dpo.s, 'llama-3.1-8b', 'base weights')).toBe(part(sft.s, 'llama-3.1-8b', 'base weights'));
    expect(dpo.memory.breakdown.map((p) => p.part)).not.toContain('reference model');
    // trained compute twice sft's, plus the reference's two forwards without gradient (base with adapters off)
    expect(dpo.step.flopsPerStep / sft.step.flopsPerStep).toBeCloseTo(2, 5);
    expect(dpo.step.referenceSeconds).toBeGreaterThan(0);
    expect(dpo.step.stepSeconds / sft.step.stepSeconds).toBeGreaterThan(2);
    expect(dpo.step.stepSeconds / sft.step.stepSeconds).toBeLessThan(3.2);
    const words = describeAssumptions(model('llama-3.1-8b'), dpo.s, card, []).join('\n');
    expect(words).toMatch(/adapters disabled.*no second copy of the weights/);
  });

  it('with full fine-tuning: a frozen copy of the weights in the training dtype, unless precomputed (an assumption line)', () => {
    const m = model('llama-3.2-1b');
    for (const [precision, bytes] of [
      ['bf16', 2],
      ['mixed-bf16', 4],
    ] as const) {
      const dpo = run('full-finetune', 'llama-3.2-1b', 'dpo', { ...FIXED, precision });
      expect(part(dpo.s, 'llama-3.2-1b', 'reference model')! * GiB).toBe(m.params * bytes);
      const sft = run('full-finetune', 'llama-3.2-1b', 'sft', { ...FIXED, precision });
      expect(dpo.memory.peakGiB - sft.memory.peakGiB).toBeGreaterThan((m.params * bytes) / GiB);
    }
    const s = settings('full-finetune', 'llama-3.2-1b', 'dpo', FIXED);
    expect(describeAssumptions(m, s, card, []).join('\n')).toMatch(/second frozen copy.*precompute_ref_log_probs/);
  });
});

describe('ORPO and KTO', () => {
  it('ORPO: chosen and rejected, no reference model (no forwards without gradient)', () => {
    const sft = run('lora', 'llama-3.1-8b', 'sft', FIXED);
    const orpo = run('lora', 'llama-3.1-8b', 'orpo', FIXED);
    expect(part(orpo.s, 'llama-3.1-8b', 'activations')! / part(sft.s, 'llama-3.1-8b', 'activations')!).toBeCloseTo(
      2,
      5,
    );
    expect(orpo.step.referenceSeconds).toBe(0);
    const full = run('full-finetune', 'llama-3.2-1b', 'orpo', FIXED);
    expect(full.memory.breakdown.map((p) => p.part)).not.toContain('reference model');
    expect(describeAssumptions(model('llama-3.1-8b'), orpo.s, card, []).join('\n')).toMatch(/no reference model/);
  });

  it('KTO: unpaired (one sequence trained per example), the KL completion and the reference as forwards without gradient', () => {
    const sft = run('lora', 'llama-3.1-8b', 'sft', FIXED);
    const kto = run('lora', 'llama-3.1-8b', 'kto', FIXED);
    const dpo = run('lora', 'llama-3.1-8b', 'dpo', FIXED);
    expect(part(kto.s, 'llama-3.1-8b', 'activations')).toBe(part(sft.s, 'llama-3.1-8b', 'activations'));
    expect(kto.step.flopsPerStep).toBe(sft.step.flopsPerStep);
    // policy KL + reference completion + reference KL: three forwards, against DPO's two
    expect(kto.step.referenceSeconds / dpo.step.referenceSeconds).toBeCloseTo(3 / 2, 5);
    const full = run('full-finetune', 'llama-3.2-1b', 'kto', FIXED);
    expect(full.memory.breakdown.map((p) => p.part)).toContain('reference model');
    expect(describeAssumptions(model('llama-3.1-8b'), kto.s, card, []).join('\n')).toMatch(/unpaired/);
  });
});

describe('GRPO', () => {
  it('samples completions: generation time bound by reading the weights per token, and their KV cache', () => {
    const m = model('llama-3.1-8b');
    const grpo = run('lora', 'llama-3.1-8b', 'grpo', FIXED);
    const sft = run('lora', 'llama-3.1-8b', 'sft', FIXED);
    // each decoding step reads the 16-bit weights once and dispatches every layer's kernels (eager
    // PyTorch's fixed cost per layer-pass), over 512 tokens, per micro-step; the prompt's forward on top
    const perToken = (m.params * 2) / (card.bandwidthGBs * 1e9) + llmLayerCount(m) * LAYER_PASS_SECONDS;
    const decode = (GRPO_COMPLETION_TOKENS * perToken) / FIXED.gradAccum;
    expect(grpo.step.generationSeconds).toBeGreaterThan(decode);
    expect(grpo.step.generationSeconds).toBeLessThan(1.2 * decode);
    expect(grpo.step.stepSeconds - sft.step.stepSeconds).toBeCloseTo(grpo.step.generationSeconds, 5);
    // a longer completion costs more; no reference at TRL's default beta 0.0
    const shorter = generationSeconds(m, { ...grpo.s, seqLen: 256 }, card);
    expect(shorter).toBeLessThan(grpo.step.generationSeconds);
    expect(grpo.step.referenceSeconds).toBe(0);
    // the cache: layers x 2 x kv heads x head dim x 2 bytes, every token of the generation batch
    const a = m.architecture;
    const kvPerToken = llmLayerCount(m) * 2 * a.kvHeads * a.headDim * 2;
    expect(kindOf(m).kvCacheBytesPerToken(m)).toBe(kvPerToken);
    const big = settings('lora', 'llama-3.1-8b', 'grpo', { ...FIXED, batch: 1, gradAccum: 64, seqLen: 4096 });
    const kv = 64 * 4096 * kvPerToken;
    const activations = part(big, 'llama-3.1-8b', 'activations')! * GiB;
    expect(part(big, 'llama-3.1-8b', 'generation KV cache')! * GiB).toBeCloseTo(kv - activations, -3);
    const words = describeAssumptions(m, grpo.s, card, []).join('\n');
    expect(words).toMatch(new RegExp(`${GRPO_GENERATIONS} completions sampled per prompt`));
    expect(words).toMatch(/sampling: 16 completions per optimizer step.*s of each step; their KV cache \d/);
    expect(words).toMatch(/beta defaults to 0\.0/);
  });

  it('--examples counts prompts: 8 completions each', async () => {
    const args = '--technique lora --model llama-3.1-8b --gpu rtx-4090 --examples 1000 --json';
    const sft = JSON.parse((await runCli(['estimate', ...splitFlags(args)])).stdout);
    const grpo = JSON.parse((await runCli(['estimate', ...splitFlags(`${args} --objective grpo`)])).stdout);
    expect(grpo.plan.samplesPerEpoch).toBe(GRPO_GENERATIONS * sft.plan.samplesPerEpoch);
    expect(grpo.time.generationSeconds).toBeGreaterThan(0);
    expect(grpo.settings.objective).toBe('grpo');
    expect(grpo.vram.breakdown.map((p: { part: string }) => p.part)).toContain('generation KV cache');
    const text = await runCli(
      splitFlags(
        'recommend --goal reasoning --model llama-3.1-8b --gpu a100-80gb --time 1d --examples 1000 --no-color',
      ),
    );
    expect(text.stdout).toMatch(/1,000 prompts x 8\s+completions/);
  });
});

describe('the flag', () => {
  it('a bad value: exit 2, one line with the allowed values; an image model takes sft only', async () => {
    const bad = await runCli(['estimate', ...splitFlags('--technique lora --model llama-3.1-8b --objective ppo')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--objective.*sft, dpo, orpo, kto, grpo/);
    for (const argv of [
      'estimate --technique lora --model sdxl --objective dpo',
      'recommend --goal style --model sdxl --gpu rtx-4090 --time 2h --objective grpo',
    ]) {
      const image = await runCli(splitFlags(argv));
      expect(image.code).toBe(2);
      expect(image.stderr.trim().split('\n')).toHaveLength(1);
      expect(image.stderr).toMatch(
        /--objective (dpo|grpo) does not apply to sdxl, which is an image model; allowed for it: sft/,
      );
    }
    expect((await runCli(splitFlags('estimate --technique lora --model sdxl --objective sft'))).code).toBe(0);
    // KTO's KL term needs two completions in a micro-batch: --batch 1 is refused, and no saver goes there
    const kto = await runCli(splitFlags('estimate --technique lora --model llama-3.1-8b --objective kto --batch 1'));
    expect(kto.code).toBe(2);
    expect(kto.stderr).toMatch(
      /^error: --batch 1 with --objective kto: TRL's KTOTrainer needs a micro-batch of 2 or more/,
    );
    const fitting = async (objective: string) =>
      JSON.parse(
        (
          await runCli(
            splitFlags(
              `estimate --technique lora --model qwen2.5-7b --gpu rtx-4090 --seq-len 2048 --objective ${objective} --json`,
            ),
          )
        ).stdout,
      ).vram.saversToFit;
    expect(await fitting('sft')).toContain('micro-batch-1');
    expect(await fitting('kto')).toBeNull(); // the same run does not fit without it
  });

  it('recommend --goal preference: an adapter technique trained with dpo, in the answer and in JSON', async () => {
    const argv = splitFlags('recommend --goal preference --model llama-3.1-8b --gpu rtx-4090 --time 8h');
    const text = await runCli([...argv, '--no-color']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/objective dpo \(the preference goal's\)/);
    const json = JSON.parse((await runCli([...argv, '--json'])).stdout);
    expect(json.answers.objective).toBe('dpo');
    expect(json.answers.objectiveIsDefault).toBe(true);
    const rec = json.recommendation;
    expect(kb.techniques.find((t) => t.id === rec.id)!.method).not.toBe('full');
    expect(rec.settings.objective).toBe('dpo');
    // the estimate it offers gives the same run
    expect(text.stdout).toMatch(/finetune-advisor estimate --technique [\s\S]*--objective dpo/);
    // reasoning: grpo
    const reasoning = JSON.parse(
      (await runCli(splitFlags('recommend --goal reasoning --model qwen2.5-7b --gpu a100-80gb --time 1d --json')))
        .stdout,
    );
    expect(reasoning.answers.objective).toBe('grpo');
    expect(reasoning.recommendation.settings.objective).toBe('grpo');
    // --objective over the goal's
    const given = JSON.parse((await runCli([...argv, '--objective', 'orpo', '--json'])).stdout);
    expect(given.answers).toMatchObject({ objective: 'orpo', objectiveIsDefault: false });
  });
});
