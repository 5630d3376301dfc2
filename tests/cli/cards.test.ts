// The cards people have (issue 13 item 7): names several cards share are never resolved
// silently, nvidia-smi's names find the exact variant, suggestions keep to the product line, and
// what a card's software stack does not run (MPS: bitsandbytes' 8-bit optimizers, flash-attn) is
// moved or refused.
import { describe, expect, it } from 'vitest';

import { matchDetectedGpu } from '../../src/cli/detect-gpu.js';
import { resolveCard } from '../../src/estimate/card.js';
import { fitWithSavers } from '../../src/estimate/fit.js';
import { planRun } from '../../src/estimate/plan.js';
import { crossCheck } from '../../src/kb/checks.js';
import { findGpu, findModel, nameShape } from '../../src/kb/lookup.js';
import { bundledKb, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const gpu = (id: string) => kb.gpus.find((g) => g.id === id)!;

describe('the catalogue has the cards people have', () => {
  const added = [
    'rtx-4060',
    'rtx-4060-ti-8gb',
    'rtx-3060-ti',
    'rtx-3070-ti',
    'rtx-4070-super',
    'rtx-4070-ti-super',
    'rtx-4080-super',
    'rtx-5060-ti-16gb',
    'rtx-5070',
    'rtx-5070-ti',
    'rtx-3060-laptop',
    'rtx-3070-laptop',
    'rtx-3080-laptop',
    'rtx-4060-laptop',
    'rtx-4070-laptop',
    'rtx-4080-laptop',
    'rtx-4090-laptop',
    'rtx-5070-laptop',
    'rtx-5080-laptop',
    'rtx-5090-laptop',
    'rtx-pro-6000',
    'b200',
    'h100-nvl',
    'l40',
    'a30',
    'p100',
    'a100-40gb-pcie',
    'rx-7900-xtx',
    'm2-max',
    'm3-max',
    'm4-max',
  ];
  it.each(added)('%s: a sustained rate with its source, and the name it reports among its names', (id) => {
    const g = gpu(id);
    expect(g, id).toBeDefined();
    expect(g.sustainedTflops).toBeGreaterThan(0);
    expect(g.sources.some((s) => s.for?.includes('sustainedTflops') && (s.quote ?? s.derived))).toBe(true);
    expect(findGpu(kb, g.name).found?.id).toBe(id);
  });
  it('laptops are laptops; AMD runs on ROCm, Apple on MPS with the memory its GPU may use', () => {
    expect(gpu('rtx-4090-laptop')).toMatchObject({ segment: 'laptop', vramGB: 16 });
    expect(gpu('rx-7900-xtx').backend).toBe('rocm');
    const m2 = gpu('m2-max');
    expect(m2).toMatchObject({ backend: 'mps', bf16: false, vramGB: 32 });
    expect(m2.memoryMiB! / 1024).toBeCloseTo((32 * 2) / 3, 1);
  });
  it('a laptop is neither the typical card of a memory size nor a card to buy', () => {
    expect(resolveCard(kb, { gpu: null, vramGiB: 16 }).speedFrom).not.toMatch(/Laptop/);
  });
});

describe('names several cards share', () => {
  it.each([
    ['A100', 'a100-80gb', ['a100-40gb', 'a100-40gb-pcie']],
    ['RTX 4060 Ti', 'rtx-4060-ti-16gb', ['rtx-4060-ti-8gb']],
    ['4090', 'rtx-4090', ['rtx-4090-laptop']],
    ['H100', 'h100-sxm', ['h100-pcie', 'h100-nvl']],
    ['RTX 3080', 'rtx-3080', ['rtx-3080-12gb', 'rtx-3080-laptop']],
  ])('%s: takes %s and names the others', (name, found, others) => {
    const l = findGpu(kb, name);
    expect(l.found?.id).toBe(found);
    expect(l.alternatives.map((g) => g.id)).toEqual(others);
  });
  it.each(['a100-40gb-pcie', '4090 Laptop', 'NVIDIA GeForce RTX 4090 Laptop GPU', 'RTX 4060 Ti 8GB', 'M2 Max'])(
    '%s is one card: no alternatives',
    (name) => expect(findGpu(kb, name).alternatives).toEqual([]),
  );
  it('estimate names the variant it took on stderr and among the assumptions; an id is silent', async () => {
    const argv = ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--json'];
    const r = await runCli([...argv, '--gpu', 'A100']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: --gpu 'A100' is more than one card: took a100-80gb .*a100-40gb-pcie/);
    const json = JSON.parse(r.stdout) as { assumptions: string[] };
    expect(json.assumptions.some((a) => a.includes('took a100-80gb'))).toBe(true);
    const exact = await runCli([...argv, '--gpu', 'a100-40gb-pcie']);
    expect(exact.stderr).toBe('');
    expect(JSON.parse(exact.stdout).gpu.id).toBe('a100-40gb-pcie');
  });
  it('recommend says it on stderr, the JSON intact', async () => {
    const r = await runCli(splitFlags('recommend --goal chat --model llama-3.1-8b --gpu 4090 --time 8h --json'));
    expect(r.stderr).toMatch(/^note: --gpu '4090' is more than one card: took rtx-4090 .*rtx-4090-laptop/);
    expect(JSON.parse(r.stdout).answers.gpu).toBe('rtx-4090');
  });
  it('a shared name that finds no card is a warning of the loader, not a silent no-op', () => {
    const broken = { ...kb, gpus: kb.gpus.map((g) => (g.id === 'a30' ? { ...g, sharedNames: ['A31'] } : g)) };
    expect(crossCheck(broken).find((p) => p.key === 'gpus:a30')).toMatchObject({ severity: 'warning' });
  });
});

describe('nvidia-smi names find the exact variant, without a question', () => {
  it.each([
    ['NVIDIA GeForce RTX 4060 Ti', 8188, 'rtx-4060-ti-8gb'],
    ['NVIDIA GeForce RTX 4060 Ti', 16380, 'rtx-4060-ti-16gb'],
    ['NVIDIA GeForce RTX 4090 Laptop GPU', 16376, 'rtx-4090-laptop'],
    ['NVIDIA GeForce RTX 4090', 24564, 'rtx-4090'],
    ['NVIDIA H100 NVL', 95830, 'h100-nvl'],
    ['NVIDIA A100-PCIE-40GB', 40960, 'a100-40gb-pcie'],
    ['NVIDIA A100-SXM4-40GB', 40960, 'a100-40gb'],
    ['NVIDIA GeForce RTX 5060 Ti', 16311, 'rtx-5060-ti-16gb'],
    ['NVIDIA GeForce RTX 4060', 8188, 'rtx-4060'],
  ])('%s, %i MiB: %s', (name, mib, id) => expect(matchDetectedGpu(kb, name, mib)?.id).toBe(id));
});

describe('nearest names keep to the product line and its generation', () => {
  it('"Llama-3-8B" is the Llama 3 original; "Llama-3.1-7B" suggests llama-3.1-8b first and LLaMA 1 not at all', () => {
    expect(findModel(kb, 'Llama-3-8B').found?.id).toBe('llama-3-8b');
    const s = findModel(kb, 'Llama-3.1-7B').suggestions;
    expect(s[0]).toBe('llama-3.1-8b');
    expect(s).not.toContain('llama-7b');
  });
  it('"qwen3-9b" suggests Qwen3 models, not Qwen v1; "qwen2.5-8b" Qwen2.5 before Qwen v1', () => {
    const s = findModel(kb, 'qwen3-9b').suggestions;
    expect(s.length).toBeGreaterThan(0);
    expect(s.every((id) => id.startsWith('qwen3'))).toBe(true);
    const q25 = findModel(kb, 'qwen2.5-8b').suggestions;
    expect(q25[0]).toBe('qwen2.5-7b');
    expect(q25.every((id) => id.startsWith('qwen2.5'))).toBe(true);
  });
  it('"4060 Super" finds the 4060 family; "RTX 1080" the GTX 1080', () => {
    expect(findGpu(kb, '4060 Super').suggestions.every((id) => id.includes('4060'))).toBe(true);
    expect(findGpu(kb, 'RTX 1080').suggestions[0]).toBe('gtx-1080');
  });
  it('a name shape: the product word, the generation, the size', () => {
    expect(nameShape('meta-llama/Llama-3.1-8B')).toEqual({ word: 'llama', generation: 3.1, lead: 3.1, size: 8 });
    expect(nameShape('NVIDIA GeForce RTX 4060 Ti')).toMatchObject({ word: 'rtx', lead: 4060 });
  });
  it('the CLI message lists them', async () => {
    const r = await runCli(['estimate', '--technique', 'lora', '--model', 'Llama-3.1-7B']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean 'llama-3\.1-8b'/);
  });
});

describe('what the card stack runs', () => {
  it("MPS: QLoRA's 8-bit paged optimizer becomes AdamW, and the answer says why", async () => {
    const r = await runCli(splitFlags('estimate --technique qlora --model llama-3.1-8b --gpu "M2 Max" --json'));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { settings: { optimizer: string; precision: string }; assumptions: string[] };
    expect(json.settings.optimizer).toBe('adamw');
    expect(json.settings.precision).toBe('mixed-fp16'); // bf16 is emulated on M1/M2
    expect(json.assumptions.join('\n')).toMatch(/8-bit optimizers do not run on MPS/);
    expect(json.assumptions.join('\n')).toMatch(/emulated on Apple M1\/M2/);
  });
  it('MPS: an 8-bit optimizer or flash-attn the user fixed is a usage error naming what runs', async () => {
    const base = ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', 'm3-max'];
    const opt = await runCli([...base, '--optimizer', 'adamw-8bit']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(
      /^error: --optimizer adamw-8bit needs bitsandbytes' 8-bit optimizers, .* MPS .*use --optimizer adamw/,
    );
    const attn = await runCli([...base, '--attention', 'flash']);
    expect(attn.code).toBe(2);
    expect(attn.stderr).toMatch(/--attention flash needs the flash-attn package, .* allowed there: eager, sdpa/);
    const rec = await runCli(
      splitFlags('recommend --goal chat --model llama-3.1-8b --gpu m3-max --time 8h --optimizer paged-adamw-8bit'),
    );
    expect(rec.code).toBe(2);
  });
  it('MPS: the planner never reaches for the 8-bit optimizer saver; CUDA does', () => {
    const technique = kb.techniques.find((t) => t.id === 'full-finetune')!;
    const model = kb.models.find((m) => m.id === 'llama-3.2-1b')!;
    for (const [id, eight] of [
      ['m3-max', false],
      ['rtx-4060', true],
    ] as const) {
      const card = resolveCard(kb, { gpu: id, vramGiB: null });
      const plan = planRun(technique, model, card, { overrides: {} })!;
      const fit = fitWithSavers(model, plan.settings, { ...card, vramGiB: 0.5 });
      // the recipe's paged AdamW 8-bit stays on CUDA; on MPS it is AdamW and no saver brings an 8-bit one back
      if (!eight) expect(fit.savers).not.toContain('8-bit-optimizer');
      expect(fit.run.settings.optimizer.includes('8bit'), id).toBe(eight);
    }
  });
  it('recommend on an Apple GPU picks no 8-bit optimizer', async () => {
    const r = await runCli(splitFlags('recommend --goal chat --model llama-3.1-8b --gpu m4-max --time 1d --json'));
    const json = JSON.parse(r.stdout) as { recommendation: { settings: { optimizer: string } } | null };
    if (json.recommendation) expect(json.recommendation.settings.optimizer).not.toMatch(/8bit/);
  });
  it('ROCm: bitsandbytes runs there (v0.50), so nothing moves; the answer says so', async () => {
    const r = await runCli(splitFlags('estimate --technique qlora --model llama-3.1-8b --gpu "7900 XTX" --json'));
    const json = JSON.parse(r.stdout) as { settings: { optimizer: string }; assumptions: string[] };
    expect(json.settings.optimizer).toBe('paged-adamw-8bit');
    expect(json.assumptions.join('\n')).toMatch(/ROCm: bitsandbytes supports AMD GPUs officially since v0.50/);
  });
});
