// recommend's fixed settings (estimate's knobs) and its own planning decisions: prior preservation
// for subjects, the goal's packing, and memory savers that leave a fixed setting alone.
import { describe, expect, it } from 'vitest';

import { expectUsageError, runCli, splitFlags } from '../helpers.js';

interface Choice {
  id: string;
  settings: Record<string, unknown>;
  estimates: { vram: { savers: string[]; peakGiB: number; limitGiB: number } };
  estimateFlags: string[];
}

async function recommendJson(
  flags: string,
): Promise<{ code: number; recommendation: Choice | null; ranking: Array<{ id: string }> }> {
  const r = await runCli(['recommend', ...splitFlags(flags), '--json']);
  expect(r.stderr).toBe('');
  return {
    code: r.code,
    ...(JSON.parse(r.stdout) as { recommendation: Choice | null; ranking: Array<{ id: string }> }),
  };
}

describe('recommend: the settings a user fixed', () => {
  it('a memory saver never changes a fixed setting: --no-gradient-checkpointing keeps activations, another saver fits', async () => {
    const base = await recommendJson('--goal task --model llama-3.1-8b --gpu 4060-ti-16gb --time 8h');
    expect(base.recommendation!.estimates.vram.savers).toContain('gradient-checkpointing');
    const fixed = await recommendJson(
      '--goal task --model llama-3.1-8b --gpu 4060-ti-16gb --time 8h --no-gradient-checkpointing',
    );
    const rec = fixed.recommendation!;
    expect(rec.settings.gradientCheckpointing).toBe(false);
    expect(rec.estimates.vram.savers).not.toContain('gradient-checkpointing');
    expect(rec.estimates.vram.savers.length).toBeGreaterThan(0);
    expect(rec.estimateFlags).toContain('--no-gradient-checkpointing');
  });

  it('--batch is the micro-batch: the effective batch is kept through accumulation; --grad-accum overrides it', async () => {
    const kept = (await recommendJson('--goal style --model sdxl --gpu rtx-4090 --time 4h --batch 2')).recommendation!;
    expect(kept.settings.batch).toBe(2);
    expect((kept.settings.batch as number) * (kept.settings.gradAccum as number)).toBe(4);
    const given = (await recommendJson('--goal style --model sdxl --gpu rtx-4090 --time 4h --batch 2 --grad-accum 1'))
      .recommendation!;
    expect([given.settings.batch, given.settings.gradAccum]).toEqual([2, 1]);
  });

  it('--rank and --optimizer are kept as given where the technique has them', async () => {
    const rec = (
      await recommendJson('--goal task --model llama-3.2-3b --gpu rtx-4090 --time 8h --rank 64 --optimizer adamw')
    ).recommendation!;
    expect(rec.settings.rank).toBe(64);
    expect(rec.settings.optimizer).toBe('adamw');
  });

  it('prior preservation for a few-image subject: class images in the settings and the flags', async () => {
    const rec = (await recommendJson('--goal subject --model sdxl --gpu rtx-4090 --time 2h --images 6'))
      .recommendation!;
    expect(rec.id).toBe('dreambooth-lora');
    expect(rec.settings.priorPreservation).toBe(true);
    expect(rec.settings.classImages).toBe(100);
    expect(rec.estimateFlags).toEqual(expect.arrayContaining(['--prior-preservation', '--images 6']));
    const text = await runCli(splitFlags('recommend --goal subject --model sdxl --gpu rtx-4090 --time 2h --images 6'));
    expect(text.stdout.replace(/\s+/g, ' ')).toMatch(/plus \d+ min generating 100 class images/);
    const off = (
      await recommendJson('--goal subject --model sdxl --gpu rtx-4090 --time 2h --images 6 --no-prior-preservation')
    ).recommendation!;
    expect(off.settings.priorPreservation).toBe(false);
    expect(off.settings.classImages).toBeNull();
  });

  it('class images are left out when the run with them fits no budget, not the technique', async () => {
    const rec = (await recommendJson('--goal subject --model sdxl --vram 16 --time 30m --priority speed'))
      .recommendation!;
    expect(['dreambooth-lora', 'lora']).toContain(rec.id);
    expect(rec.settings.priorPreservation).toBe(false);
  });

  it('the goal packs its sequences: domain packs, task keeps one example per sequence at a typical fill', async () => {
    const domain = (await recommendJson('--goal domain --model llama-3.2-3b --gpu rtx-4090 --time 8h')).recommendation!;
    expect(domain.settings.meanSeqLen).toBeNull();
    const task = (await recommendJson('--goal task --model llama-3.2-3b --gpu rtx-4090 --time 8h')).recommendation!;
    expect(task.settings.meanSeqLen).toBe(Math.round((task.settings.seqLen as number) * 0.35));
    expect(task.estimateFlags).toContain('--no-packing');
  });

  it('a fixed setting of the other family, or a bad value, is a usage error naming the flag', async () => {
    await expectUsageError(
      splitFlags('recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 1h --prior-preservation'),
      /^error: --prior-preservation is for image models; --goal task is a language goal/,
    );
    await expectUsageError(
      splitFlags('recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 1h --grad-accum 0'),
      /--grad-accum.*whole number from 1/,
    );
    await expectUsageError(
      splitFlags('recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 1h --optimizer adam'),
      /--optimizer/,
    );
  });
});
