// Several cards (src/estimate/parallel.ts): what each strategy shards, what it sends, against the
// published arithmetic of ZeRO (arXiv 1910.02054) and the planner's choice of the cheapest one.
import { describe, expect, it } from 'vitest';

import { cardFromGpu, hostMemoryOf } from '../../src/estimate/card.js';
import { hostFits } from '../../src/estimate/fit.js';
import { kindOf } from '../../src/estimate/kinds/index.js';
import { estimateMemory, GiB } from '../../src/estimate/memory.js';
import { ringBytes, STRATEGY_TRAITS } from '../../src/estimate/parallel.js';
import { planRun } from '../../src/estimate/plan.js';
import { resolveSettings, type SettingsOverrides, type TrainingSettings } from '../../src/estimate/settings.js';
import { estimateStepTime } from '../../src/estimate/time.js';
import { strategiesOf } from '../../src/estimate/trainer-strategies.js';
import type { Model } from '../../src/kb/types.js';
import { STRATEGIES, type Strategy } from '../../src/kb/vocabulary.js';
import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const settings = (tid: string, mid: string, over: SettingsOverrides): TrainingSettings =>
  resolveSettings(technique(tid), model(mid), over)!;
const part = (m: Model, s: TrainingSettings, name: string) =>
  (estimateMemory(m, s).breakdown.find((p) => p.part === name)?.gib ?? 0) * GiB;
const cards = (gpu: string, n: number, GBs: number) => ({
  ...cardFromGpu(kb.gpus.find((g) => g.id === gpu)!),
  cards: n,
  link: { kind: 'nvlink' as const, GBs, label: `NVLink (${GBs} GB/s per direction)` },
});

describe('model states per card: ZeRO, arXiv 1910.02054 Table 1 (7.5 B parameters, K = 12, 64 cards)', () => {
  // Table 1: 120 GB replicated; P_os 31.4 GB; P_os+g 16.6 GB; P_os+g+p 1.9 GB. Its accounting: 2 +
  // 2 bytes of 16-bit parameters and gradients, K = 12 of fp32 master weights and Adam's moments.
  // DeepSpeed's engines (bf16-master) also keep the fp32 gradients of the partition they step
  // (stage_1_and_2.py single_partition_of_fp32_groups): 4 / N bytes more per parameter.
  const m = model('llama-3.1-8b');
  const psi = 7.5e9;
  const perParam = (strategy: Strategy | null, n: number) => {
    const s = {
      ...settings('full-finetune', m.id, { precision: 'bf16-master', optimizer: 'adamw' }),
      cards: n,
      strategy,
    };
    s.gradientCheckpointing = true;
    const states = ['base weights', 'gradients', 'optimizer states'].reduce((t, p) => t + part(m, s, p), 0);
    return states / m.params;
  };
  it('replicated (DDP): 16 bytes per parameter, 120 GB, plus the fp32 gradients', () =>
    expect((perParam('ddp', 64) - 4) * psi).toBeCloseTo(120e9, -9));
  it.each([
    ['zero1', 31.4e9],
    ['zero2', 16.6e9],
    ['zero3', 1.9e9],
  ] as const)('%s: the table less the fp32 gradient partition, within 2%%', (strategy, published) => {
    const ours = (perParam(strategy, 64) - 4 / 64) * psi;
    expect(Math.abs(ours - published) / published).toBeLessThan(0.02);
  });
});

describe('what each strategy sends per step (ring collectives, nccl-tests busBw)', () => {
  const m = model('llama-3.1-8b');
  const set = cards('h100-sxm', 8, 450);
  const run = (strategy: Strategy) => {
    const s = { ...settings('full-finetune', m.id, { precision: 'bf16', batch: 1, gradAccum: 1 }), cards: 8, strategy };
    return estimateStepTime(m, s, set, estimateMemory(m, s).trainableParams).communication!;
  };
  it('ZeRO-2 sends what DDP sends, ZeRO-3 1.5 times as much (ZeRO §7)', () => {
    expect(run('zero2').bytesPerStep / run('ddp').bytesPerStep).toBeCloseTo(1, 2);
    expect(run('zero3').bytesPerStep / run('zero2').bytesPerStep).toBeCloseTo(1.5, 2);
  });
  it('an all-reduce moves twice what an all-gather or reduce-scatter does, (N-1)/N of the bytes each', () => {
    expect(ringBytes('all-gather', 8, 8)).toBe(7);
    expect(ringBytes('all-reduce', 8, 8)).toBe(14);
  });
  it('every strategy has traits; the sharded ones shard the optimizer states first', () => {
    for (const id of STRATEGIES) {
      const t = STRATEGY_TRAITS[id];
      if (t.shards.gradients) expect(t.shards.optimizer).toBe(true);
      if (t.shards.parameters) expect(t.shards.gradients).toBe(true);
    }
  });
});

describe('the planner takes the cheapest strategy that fits', () => {
  const plan = (tid: string, mid: string, gpu: string, n: number, GBs: number) =>
    planRun(technique(tid), model(mid), cards(gpu, n, GBs), { overrides: {} })!;

  it('DDP when one card holds the run: everything replicated, a second copy of the gradients', () => {
    const p = plan('lora', 'llama-3.1-8b', 'a100-80gb', 2, 300);
    expect(p.run.settings.strategy).toBe('ddp');
    const one = planRun(
      technique('lora'),
      model('llama-3.1-8b'),
      cardFromGpu(kb.gpus.find((g) => g.id === 'a100-80gb')!),
      {
        overrides: {},
      },
    )!;
    const grads = one.run.memory.breakdown.find((x) => x.part === 'gradients')!.gib;
    // and NCCL's buffers for the 2-card communicator (NVIDIA/nccl#964: 544 MB)
    expect(p.run.memory.peakGiB).toBeCloseTo(one.run.memory.peakGiB + grads * 1.1 + 544 / 1024, 1);
  });

  it('Llama 3.1 70B full fine-tune on 8 A100 80GB: sharded, not quantized (issue 16)', () => {
    const p = plan('full-finetune', 'llama-3.1-70b', 'a100-80gb', 8, 300);
    expect(p.fit.fits).toBe(true);
    expect(STRATEGY_TRAITS[p.run.settings.strategy!].shards.parameters).toBe(true);
    expect(p.run.settings.quantize).toBe('none');
  });

  it('a LoRA that one card cannot hold shards the frozen base before it quantizes it', () => {
    const p = plan('lora', 'llama-3.1-70b', 'a100-80gb', 8, 300);
    expect(p.run.settings.strategy).toBe('zero3');
    expect(p.run.settings.quantize).toBe('none');
    // each card holds an eighth of the 16-bit base
    const base = p.run.memory.breakdown.find((x) => x.part === 'base weights')!.gib * GiB;
    expect(base / ((model('llama-3.1-70b').params * 2) / 8)).toBeCloseTo(1, 1);
  });

  it('a sharding a later saver made unneeded is taken back: DDP once gradient checkpointing lets one card hold the run', () => {
    // 2 T4s, QLoRA on an 8B: FSDP-QLoRA alone does not fit, gradient checkpointing then does; with
    // it one card holds the run, so the cards replicate it (the ladder's own rungs say so)
    const p = plan('qlora', 'llama-3.1-8b', 't4', 2, 15.75);
    expect(p.fit.ladder.map((r) => r.saver)).toEqual(['defaults', 'shard-parameters', 'gradient-checkpointing']);
    expect(p.run.settings.strategy).toBe('ddp');
    expect(p.fit.savers).toEqual(['gradient-checkpointing']);
    expect(p.fit.fits).toBe(true);
    // the sharded run the ladder reached also fits, with more room: it is the costlier strategy
    const sharded = estimateMemory(model('llama-3.1-8b'), { ...p.run.settings, strategy: 'fsdp-qlora' });
    expect(sharded.peakGiB).toBeLessThan(p.run.memory.peakGiB);
  });

  it('a sharding that the run still needs stays, and offload keeps the sharding it builds on', () => {
    const full = plan('full-finetune', 'llama-3.1-70b', 'a100-80gb', 8, 300);
    expect(full.fit.savers).toContain('shard-parameters');
    const offload = plan('qlora', 'qwen2.5-72b', 'rtx-4090', 2, 31.5);
    expect(offload.run.settings.strategy).toBe('fsdp-qlora-offload');
    expect(offload.fit.savers).toEqual(expect.arrayContaining(['shard-parameters', 'offload']));
  });

  it('the recipe keeps its effective batch: fewer micro-steps per card, the same samples', () => {
    const one = settings('lora', 'llama-3.1-8b', {});
    const p = plan('lora', 'llama-3.1-8b', 'a100-80gb', 2, 300);
    const s = p.run.settings;
    expect(s.batch * s.gradAccum * s.cards).toBe(one.batch * one.gradAccum);
    expect(s.steps).toBe(one.steps);
  });

  it('offload moves the optimizer states to host memory, which the answer sizes', () => {
    const m = model('llama-3.1-70b');
    const s = {
      ...settings('full-finetune', m.id, { gradientCheckpointing: true }),
      cards: 8,
      strategy: 'zero3-offload' as const,
    };
    const mem = estimateMemory(m, s);
    expect(mem.breakdown.find((x) => x.part === 'optimizer states')!.gib).toBe(0);
    expect(mem.hostGiB * GiB).toBeGreaterThan(m.params * 12);
  });
});

describe('a frozen base loaded in fp32 (--base-dtype fp32), per engine', () => {
  // PEFT's examples/sft loads the base in fp32 when it is not quantized; FSDP keeps the shards in
  // the dtype loaded (MixedPrecision casts what it gathers), DeepSpeed's bf16 engine casts them
  const m = model('llama-3.1-8b');
  const base = (strategy: Strategy | null, n: number, baseDtype: 'fp32' | null) =>
    part(m, { ...settings('lora', m.id, { baseDtype }), cards: n, strategy }, 'base weights');
  it('one card: 4 bytes a weight instead of 2', () =>
    expect(base(null, 1, 'fp32') / base(null, 1, null)).toBeCloseTo(2, 5));
  it('FSDP: the fp32 shards, 1/N each', () =>
    expect(base('fsdp', 8, 'fp32')).toBeCloseTo(base(null, 1, 'fp32') / 8, 0));
  it('DeepSpeed ZeRO-3: cast to bf16, as without the flag', () =>
    expect(base('zero3', 8, 'fp32')).toBeCloseTo(base('zero3', 8, null), 0));
  it('the gathered unit is in the compute dtype under FSDP whatever the shards hold', () => {
    const gathered = (baseDtype: 'fp32' | null) =>
      part(m, { ...settings('lora', m.id, { baseDtype }), cards: 8, strategy: 'fsdp' }, 'gathered parameters');
    expect(gathered('fp32')).toBeCloseTo(gathered(null), 0);
  });
});

describe('offload keeps no gradient partition on the card (FSDP CPUOffload, DeepSpeed offload_optimizer)', () => {
  const m = model('llama-3.1-8b');
  it.each(['fsdp-offload', 'zero3-offload'] as const)(
    '%s: full fine-tune, gradients 0 beside the gathered unit',
    (strategy) => {
      const s = { ...settings('full-finetune', m.id, { precision: 'bf16' }), cards: 2, strategy };
      expect(part(m, s, 'gradients')).toBe(0);
      // the unit's full gradient before its reduce-scatter is in the gathered part: parameters, the prefetched block and that gradient
      expect(part(m, s, 'gathered parameters')).toBeGreaterThan(0);
      // and without offload the gradient shard is there
      expect(part(m, { ...s, strategy: 'fsdp' }, 'gradients')).toBeCloseTo((m.params * 2) / 2, -8);
    },
  );
});

describe('DeepSpeed ZeRO-3 keeps up to stage3_max_live_parameters gathered (1e9 elements)', () => {
  const gathered = (mid: string, strategy: Strategy) => {
    const s = { ...settings('lora', mid, {}), cards: 2, strategy };
    return part(model(mid), s, 'gathered parameters');
  };
  it('a 7-8B model: its blocks are smaller, so the live parameters set it (2 GB of 16-bit elements)', () => {
    expect(gathered('llama-3.1-8b', 'zero3')).toBeCloseTo(2e9, -7);
    // FSDP frees each wrapped layer after use (two blocks, the one in use and the one prefetched),
    // but keeps its root unit gathered from the forward to the backward: the embeddings and head
    // (2 x 128,256 x 4,096 in 16 bits), of which each card's half is its shard
    const m = model('llama-3.1-8b');
    const net = kindOf(m).baseNetwork(m);
    expect(net.rootParams).toBe(2 * 128256 * 4096);
    expect(gathered(m.id, 'fsdp')).toBeCloseTo(net.blockParams * 2 * 2 + net.rootParams * 2 * 0.5, -6);
  });
  it('never more than the whole model holds', () => {
    const m = model('llama-3.2-1b');
    expect(gathered(m.id, 'zero3')).toBeLessThanOrEqual(m.params * 2 * 1.0001);
  });
});

describe('offload only where the host memory holds it (--host-ram, else twice the cards memory)', () => {
  const card = (hostGiB?: number) => ({
    ...cards('rtx-3090', 2, 31.5),
    ...(hostGiB !== undefined ? { hostGiB } : {}),
  });
  const plan = (hostGiB?: number) =>
    planRun(technique('full-finetune'), model('llama-3.1-70b'), card(hostGiB), { overrides: {} })!;
  it('70B full fine-tune on two 24 GB cards: the ~1.2 TB it would offload is not in a 48 GB-card desktop', () => {
    expect(hostMemoryOf(card())).toEqual({ gib: 2 * 2 * card().vramGiB, given: false });
    const p = plan();
    expect(p.fit.savers).not.toContain('offload');
    expect(p.fit.fits).toBe(false);
    // said with the run that does not fit: what offloading would need and what the node has
    expect(p.fit.hostShort?.hasGiB).toBeCloseTo(96, 0);
    expect(p.fit.hostShort?.needGiB).toBeGreaterThan(1000);
  });
  it('with --host-ram enough for it, offload is taken and the run fits the cards', () => {
    const p = plan(2048);
    expect(p.fit.savers).toContain('offload');
    expect(p.fit.fits).toBe(true);
    expect(p.run.memory.hostGiB).toBeGreaterThan(1000);
    expect(p.run.memory.hostGiB).toBeLessThanOrEqual(2048);
  });
  it('hostFits reads per node', () => {
    const two = { ...cards('h100-sxm', 16, 450), nodes: 2, hostGiB: 100 };
    expect(hostFits({ hostGiB: 200 }, two)).toBe(true);
    expect(hostFits({ hostGiB: 201 }, two)).toBe(false);
  });
});

describe("a trainer's strategies: the planner offers only what the trainer runs (trainers.yaml `strategies`)", () => {
  const trainer = (id: string) => kb.trainers.find((t) => t.id === id)!;
  const plan = (tid: string, mid: string, trainerId: string | null, n = 8) =>
    planRun(technique(tid), model(mid), cards('a100-80gb', n, 300), {
      overrides: {},
      ...(trainerId ? { trainer: trainer(trainerId) } : {}),
    })!;
  it('torchtune runs FSDP only: a 70B full fine-tune shards with FSDP, never ZeRO', () => {
    const p = plan('full-finetune', 'llama-3.1-70b', 'torchtune');
    expect(strategiesOf(trainer('torchtune')).has(p.run.settings.strategy!)).toBe(true);
    expect(STRATEGY_TRAITS[p.run.settings.strategy!].engine).toBe('fsdp');
    expect(p.fit.fits).toBe(true);
  });
  it('without a trainer, DeepSpeed first as before', () => {
    expect(STRATEGY_TRAITS[plan('full-finetune', 'llama-3.1-70b', null).run.settings.strategy!].engine).toBe(
      'deepspeed',
    );
  });
  it('every trainer with a list gets a strategy from it for a LoRA that one card holds', () => {
    for (const t of kb.trainers.filter((x) => x.families.includes('llm') && x.strategies?.length)) {
      const s = plan('lora', 'llama-3.1-8b', t.id, 2).run.settings.strategy!;
      expect(strategiesOf(t).has(s), `${t.id}: ${s}`).toBe(true);
    }
  });
});

describe('LitGPT: no gradient checkpointing on one card, every block checkpointed on several', () => {
  const litgpt = kb.trainers.find((t) => t.id === 'litgpt')!;
  const planOn = (n: number) =>
    planRun(
      technique('lora'),
      model('llama-3.1-8b'),
      n > 1 ? cards('rtx-4090', n, 31.5) : cardFromGpu(kb.gpus.find((g) => g.id === 'rtx-4090')!),
      { overrides: {}, trainer: litgpt },
    )!;
  it('one card: the planner does not reach for it (the run does not fit a 24 GB card as LoRA)', () => {
    const one = planOn(1);
    expect(one.run.settings.gradientCheckpointing).toBe(false);
    expect(one.fit.savers).not.toContain('gradient-checkpointing');
  });
  it('two cards: on, as lora.py parallelize_fn wraps every Block', () => {
    expect(planOn(2).run.settings.gradientCheckpointing).toBe(true);
  });
});
