// `estimate`: the JSON contract, the breakdown, and bad input.
import { describe, expect, it } from 'vitest';

import { expectUsageError, runCli } from '../helpers.js';

describe('estimate', () => {
  it('prints the documented JSON', async () => {
    const r = await runCli([
      'estimate',
      '--technique',
      'lora',
      '--model',
      'llama-3.2-3b',
      '--gpu',
      'l40s',
      '--batch',
      '4',
      '--seq-len',
      '768',
      '--rank',
      '32',
      '--targets',
      'qv',
      '--precision',
      'mixed-bf16',
      '--optimizer',
      'adamw',
      '--no-gradient-checkpointing',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ technique: 'lora', model: 'llama-3.2-3b', gpu: { id: 'l40s' } });
    expect(j.settings).toMatchObject({
      batch: 4,
      seqLen: 768,
      rank: 32,
      targets: 'qv',
      precision: 'mixed-bf16',
      optimizer: 'adamw',
      gradientCheckpointing: false,
    });
    expect(j.vram.breakdown.map((p: { part: string }) => p.part)).toEqual([
      'base weights',
      'trainable parameters',
      'gradients',
      'optimizer states',
      'activations',
      'frozen encoders / VAE',
      'framework overhead',
    ]);
    const sum = j.vram.breakdown.reduce((t: number, p: { gib: number }) => t + p.gib, 0);
    expect(sum).toBeCloseTo(j.vram.peakGiB, 1);
    expect(j.time).toMatchObject({
      stepSeconds: expect.any(Number),
      steps: expect.any(Number),
      totalHours: expect.any(Number),
      tokensPerSecond: expect.any(Number),
    });
    expect(j.output.sizeMB).toBeCloseTo(36.7, 1); // 9,175,040 fp32 parameters (huggingface/peft method comparison)
    expect(j.assumptions.length).toBeGreaterThan(2);
    expect(j.sources.length).toBeGreaterThan(2);
  });

  it('image models report images per second; no GPU means no time', async () => {
    const img = JSON.parse(
      (await runCli(['estimate', '--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-3090', '--json'])).stdout,
    );
    expect(img.time.imagesPerSecond).toBeGreaterThan(0);
    const none = JSON.parse((await runCli(['estimate', '--technique', 'lora', '--model', 'sdxl', '--json'])).stdout);
    expect(none.time).toBeNull();
    expect(none.assumptions.join(' ')).toMatch(/no GPU given/);
  });

  it('QLoRA on the 4-bit LLaMA-7B base: about 3.9 GB of weights (QLoRA paper: 5,048 MB with its overheads)', async () => {
    const j = JSON.parse(
      (await runCli(['estimate', '--technique', 'qlora', '--model', 'llama-2-7b', '--json'])).stdout,
    );
    const base = (j.vram.breakdown.find((p: { part: string }) => p.part === 'base weights').gib * 2 ** 30) / 1e6;
    expect(base).toBeGreaterThan(3600);
    expect(base).toBeLessThan(5100);
  });

  it('shows the breakdown as a table with a bar against the card', async () => {
    const r = await runCli([
      'estimate',
      '--technique',
      'qlora',
      '--model',
      'llama-3.1-70b',
      '--vram',
      '48',
      '--rank',
      '16',
      '--batch',
      '1',
      '--gradient-checkpointing',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/base weights\s+│\s+[\d.]+ GiB/);
    expect(r.stdout).toMatch(/\[.+\] [\d.]+ of 48 GiB/);
    expect(r.stdout).toMatch(/Assumptions/);
  });

  const bad: Array<[string, string[], RegExp]> = [
    [
      'unknown technique',
      ['estimate', '--technique', 'lorra', '--model', 'sdxl'],
      /--technique 'lorra' is not in the catalogue. Did you mean 'lora'/,
    ],
    [
      'unknown model',
      ['estimate', '--technique', 'lora', '--model', 'sdxxl'],
      /--model 'sdxxl' is not in the catalogue. Did you mean 'sdxl'/,
    ],
    [
      'unknown gpu',
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx 4099'],
      /--gpu 'rtx 4099' is not in the catalogue. Did you mean/,
    ],
    [
      'technique of the other family',
      ['estimate', '--technique', 'textual-inversion', '--model', 'llama-3.1-8b'],
      /textual-inversion does not apply to llama-3.1-8b, which is a language model/,
    ],
    [
      'qlora on an image model',
      ['estimate', '--technique', 'qlora', '--model', 'flux-dev'],
      /use --technique lora --quantize nf4/,
    ],
    ['batch 0', ['estimate', '--technique', 'lora', '--model', 'sdxl', '--batch', '0'], /--batch.*'0' is invalid/],
    [
      'negative rank',
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--rank', '-4'],
      /--rank.*'-4' is invalid/,
    ],
    [
      'resolution 13',
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--resolution', '13'],
      /--resolution.*'13' is invalid/,
    ],
    [
      'bad precision',
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--precision', 'fp64'],
      /Allowed choices are fp32, mixed-fp16, mixed-bf16, fp16, bf16, fp16-master, bf16-master/,
    ],
    ['missing model', ['estimate', '--technique', 'lora'], /missing --model/],
    [
      'seq-len on an image model',
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--seq-len', '512'],
      /--seq-len is for language models/,
    ],
  ];
  it.each(bad)('%s: exit 2, one line', (_n, argv, message) => expectUsageError(argv, message));
});
