// The precision an adapter or checkpoint is saved in: --save-precision, else the trainer's default
// (trainers.yaml savePrecision), else the trained weights' dtype; checked against published file sizes.
import { describe, expect, it } from 'vitest';

import { estimateMemory } from '../../src/estimate/memory.js';
import { resolveSettings, type SettingsOverrides } from '../../src/estimate/settings.js';
import { outputSizeMB } from '../../src/estimate/size.js';
import type { Model } from '../../src/kb/types.js';
import { bundledKb, runCli } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const trainer = (id: string) => kb.trainers.find((t) => t.id === id)!;

function sizeMB(tid: string, mid: string, over: SettingsOverrides, trainerId: string | null = null): number {
  const m = model(mid);
  const s = resolveSettings(technique(tid), m, over, trainerId ? trainer(trainerId) : null)!;
  return outputSizeMB(m, s, estimateMemory(m, s).trainableParams);
}

describe('save precision', () => {
  it('diffusers saves the adapter in its training dtype: fp32 under mixed precision (SD 1.x rank 4, 3.29 MB; SDXL rank 4, 23.4 MB)', () => {
    const sd15 = sizeMB('lora', 'sd15', { rank: 4, targets: 'attention', precision: 'mixed-fp16' }, 'diffusers');
    expect(sd15 / 3.29).toBeGreaterThan(0.95);
    expect(sd15 / 3.29).toBeLessThan(1.05);
    const sdxl = sizeMB(
      'dreambooth-lora',
      'sdxl',
      { rank: 4, targets: 'attention', precision: 'mixed-fp16' },
      'diffusers',
    );
    expect(sdxl / 23.4).toBeGreaterThan(0.95);
    expect(sdxl / 23.4).toBeLessThan(1.05);
  });

  it('kohya (its GUI default) saves fp16: the LyCORIS SD1 DreamBooth checkpoint is 2 GiB, the same run in fp32 twice that', () => {
    const over: SettingsOverrides = { precision: 'mixed-fp16', trainTextEncoder: true };
    // "| Full (db) | | | 4hr47min | 22118 | 2 G (with 200mb VAE) |" (KohakuBlueleaf/LyCORIS docs/Guidelines.md)
    const kohya = sizeMB('dreambooth', 'sd15', over, 'kohya');
    expect(kohya / ((2 * 2 ** 30) / 1e6)).toBeGreaterThan(0.95);
    expect(kohya / ((2 * 2 ** 30) / 1e6)).toBeLessThan(1.05);
    expect(sizeMB('dreambooth', 'sd15', { ...over, savePrecision: 'fp32' }, 'kohya')).toBeCloseTo(2 * kohya, 6);
  });

  it('an adapter under kohya is half the fp32 file; --save-precision fp32 restores it', () => {
    const over: SettingsOverrides = { rank: 32, targets: 'attention', precision: 'mixed-fp16' };
    const fp32 = sizeMB('lora', 'sd15', over, 'diffusers');
    expect(sizeMB('lora', 'sd15', over, 'kohya')).toBeCloseTo(fp32 / 2, 6);
    expect(sizeMB('lora', 'sd15', { ...over, savePrecision: 'fp32' }, 'kohya')).toBeCloseTo(fp32, 6);
    // OneTrainer's output_dtype default FLOAT_32, ai-toolkit's save.dtype default float16
    expect(sizeMB('lora', 'sd15', over, 'onetrainer')).toBeCloseTo(fp32, 6);
    expect(sizeMB('lora', 'sd15', over, 'ai-toolkit')).toBeCloseTo(fp32 / 2, 6);
  });

  it('estimate --save-precision: in the settings, the size and the assumptions; a bad value exits 2 naming the choices', async () => {
    const base = ['estimate', '--technique', 'lora', '--model', 'sd15', '--rank', '32', '--json'];
    const kohya = JSON.parse((await runCli([...base, '--trainer', 'kohya'])).stdout);
    expect(kohya.trainer.savePrecision).toBe('fp16');
    expect(kohya.assumptions.join('\n')).toContain("output saved in fp16, kohya's default");
    const given = JSON.parse((await runCli([...base, '--trainer', 'kohya', '--save-precision', 'fp32'])).stdout);
    expect(given.trainer.savePrecision).toBe('fp32');
    expect(given.output.sizeMB).toBeCloseTo(2 * kohya.output.sizeMB, 2);
    expect(given.assumptions.join('\n')).toContain('output saved in fp32 (--save-precision)');
    const bad = await runCli([...base, '--save-precision', 'fp8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('fp16, bf16, fp32');
  });
});
