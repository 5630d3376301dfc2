// Video models through the CLI (issue 14, items 1 and 3): the family in the catalogue, --frames and
// --resolution WIDTHxHEIGHT, the motion goal, and the published Wan figures where their settings
// are stated (../shared/reference/models-2026.md section 4: N22-N24).
import { describe, expect, it } from 'vitest';

import { expectUsageError, runCli, splitFlags } from '../helpers.js';

interface EstimateJson {
  model: string;
  settings: { resolution: number; width: number | null; frames: number | null; batch: number };
  vram: { peakGiB: number; breakdown?: Array<{ part: string; gib: number }> };
  time: { stepSeconds: number; tokensPerSecond?: number } | null;
  assumptions: string[];
}

async function estimateJson(flags: string[]): Promise<EstimateJson> {
  const r = await runCli(['estimate', '--technique', 'lora', ...flags, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as EstimateJson;
}

describe('the video family in the catalogue', () => {
  it('`models` lists the Wan models as video models, and --family video only them', async () => {
    const all = await runCli(['models', '--json']);
    const models = JSON.parse(all.stdout) as Array<{ id: string; family: string; nativeFrames?: number }>;
    const video = models.filter((m) => m.family === 'video').map((m) => m.id);
    expect(video).toEqual(expect.arrayContaining(['wan2.1-t2v-1.3b', 'wan2.1-t2v-14b']));
    const only = JSON.parse((await runCli(['models', '--family', 'video', '--json'])).stdout) as Array<{
      family: string;
    }>;
    expect(only.length).toBe(video.length);
    expect(only.every((m) => m.family === 'video')).toBe(true);
    const text = await runCli(['models', '--family', 'video']);
    expect(text.stdout).toMatch(/wan2\.1-t2v-1\.3b/);
    expect(text.stdout).toMatch(/video/);
  });
  it('`--model wan2.1` and the Hub id are Wan 2.1 1.3B, not SD 2.1', async () => {
    for (const name of ['wan2.1', 'Wan-AI/Wan2.1-T2V-1.3B', 'wan2.1-1.3b'])
      expect((await estimateJson(['--model', name])).model).toBe('wan2.1-t2v-1.3b');
    expect((await estimateJson(['--model', 'Wan-AI/Wan2.1-T2V-14B'])).model).toBe('wan2.1-t2v-14b');
  });
});

describe('--frames and --resolution WIDTHxHEIGHT', () => {
  it('set the clip: 832x480 at 81 frames is 32,760 latent tokens', async () => {
    const e = await estimateJson(['--model', 'wan2.1', '--resolution', '832x480', '--frames', '81']);
    expect(e.settings).toMatchObject({ resolution: 480, width: 832, frames: 81 });
    expect(e.assumptions.join('\n')).toMatch(
      /81 frames at 832x480: 21 latent frames of 30x52 patches|32,760 latent tokens/,
    );
  });
  it("without them a Wan run trains the native 832x480 clip of the trainers' 75 frames", async () => {
    const e = await estimateJson(['--model', 'wan2.1']);
    expect(e.settings).toMatchObject({ resolution: 480, width: 832, frames: 75 });
  });
  it('a side alone is a square clip; WIDTHxHEIGHT works for image models too', async () => {
    expect((await estimateJson(['--model', 'wan2.1', '--resolution', '480'])).settings).toMatchObject({
      resolution: 480,
      width: null,
    });
    const wide = await estimateJson(['--model', 'sdxl', '--resolution', '1216x832']);
    const square = await estimateJson(['--model', 'sdxl', '--resolution', '1024']);
    expect(wide.settings).toMatchObject({ resolution: 832, width: 1216, frames: null });
    expect(wide.vram.peakGiB).toBeLessThan(square.vram.peakGiB);
  });
  it('twice the frames, more than twice the step: attention is over every latent token', async () => {
    const step = async (frames: string) =>
      (await estimateJson(['--model', 'wan2.1', '--frames', frames, '--gpu', 'rtx-4090', '--gradient-checkpointing']))
        .time!.stepSeconds;
    expect((await step('81')) / (await step('41'))).toBeGreaterThan(2);
  });
  it('--frames on an image or language model, a malformed --resolution: exit 2, one line naming the flag', async () => {
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--frames', '81'],
      /^error: --frames is for video models; sdxl is an image model/,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--frames', '81'],
      /^error: --frames is for video models; llama-3\.1-8b is a language model/,
    );
    await expectUsageError(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--frames', '9'],
      /^error: --frames is for video models/,
    );
    for (const bad of ['832x', 'x480', '832*480', '832x480x81', '832x32'])
      await expectUsageError(
        ['estimate', '--technique', 'lora', '--model', 'wan2.1', '--resolution', bad],
        /^error: option '--resolution <px\|WxH>' argument '.*' is invalid\. Expected a resolution: a side in pixels \(512\) or WIDTHxHEIGHT \(832x480\)/,
      );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'wan2.1', '--frames', '0'],
      /^error: option '--frames <n>' argument '0' is invalid/,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'wan2.1', '--seq-len', '512'],
      /^error: --seq-len is for language models; wan2\.1-t2v-1\.3b is a video model \(use --resolution\)/,
    );
  });
  it("a side the Wan VAE and patch do not divide (16 px) is estimated as given, with a warning; 64 px buckets are an image trainer's", async () => {
    const r = await runCli(splitFlags('estimate --technique lora --model wan2.1 --resolution 840x480 --json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: --resolution 840x480 is not a multiple of 16 .*crop it to 832x480/);
  });
});

describe('the motion goal', () => {
  it('recommend --goal motion --model wan2.1-1.3b --gpu rtx-4090 --time 4h: a LoRA that fits the card and the budget', async () => {
    const argv = ['recommend', ...'--goal motion --model wan2.1-1.3b --gpu rtx-4090 --time 4h'.split(' ')];
    const r = await runCli([...argv, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      recommendation: {
        id: string;
        estimates: { vram: { peakGiB: number }; time: { hours: number } };
        estimateFlags: string[];
      };
    };
    expect(out.recommendation.id).toBe('lora');
    expect(out.recommendation.estimates.vram.peakGiB).toBeLessThan(24 * 0.9);
    expect(out.recommendation.estimates.time.hours).toBeLessThanOrEqual(4);
    const text = await runCli(argv);
    expect(text.stdout).toMatch(/832x480, 75 frames/);
    // the data plan counts clips, as --images does for a video model
    expect(text.stdout).toMatch(/clip passes/);
  });
  it('motion is for video models only; a video model takes the image goals too', async () => {
    await expectUsageError(
      ['recommend', '--goal', 'motion', '--model', 'sdxl', '--vram', '24', '--time', '4h'],
      /^error: --goal 'motion' does not apply to sdxl, which is an image model\. Allowed goals for it: subject, style, concept\./,
    );
    const r = await runCli(splitFlags('recommend --goal style --model wan2.1 --gpu rtx-4090 --time 8h --json'));
    expect(r.code).toBe(0);
  });
  it("recommend's estimate flags give estimate's run: --resolution WIDTHxHEIGHT and --frames carried over", async () => {
    const r = await runCli(
      splitFlags(
        'recommend --goal motion --model wan2.1 --gpu rtx-4090 --time 8h --resolution 640x368 --frames 49 --json',
      ),
    );
    expect(r.code).toBe(0);
    const best = (
      JSON.parse(r.stdout) as { recommendation: { estimateFlags: string[]; estimates: { vram: { peakGiB: number } } } }
    ).recommendation;
    expect(best.estimateFlags).toEqual(expect.arrayContaining(['--resolution 640x368', '--frames 49']));
    const flags = best.estimateFlags.flatMap((f) => f.split(' '));
    const e = await estimateJson(['--model', 'wan2.1', '--gpu', 'rtx-4090', ...flags]);
    expect(e.vram.peakGiB).toBeCloseTo(best.estimates.vram.peakGiB, 3);
  });
});

describe('published Wan 2.1 figures (models-2026.md section 4)', () => {
  it('N22, SimpleTuner WAN.md: 1.3B rank-16 LoRA at 832x480, batch 4, "a bit more than 12G"; the clip length is not stated', async () => {
    // The quickstart states no frame count beside the figure (its dataset example trains 75-frame
    // clips, and recommends gradient checkpointing "in practically every situation"). 12 GB falls
    // between a batch of single frames and one of 75-frame clips; at 75 frames the checkpointed
    // block inputs alone are 30 x 4 x 19 x 30 x 52 x 1536 x 2 bytes = 10.4 GiB.
    const at = async (frames: string) =>
      (
        await estimateJson([
          '--model',
          'wan2.1',
          '--rank',
          '16',
          '--batch',
          '4',
          '--resolution',
          '832x480',
          '--frames',
          frames,
          '--gradient-checkpointing',
          '--trainer',
          'simpletuner',
        ])
      ).vram.peakGiB;
    expect(await at('1')).toBeLessThan(12);
    expect(await at('75')).toBeGreaterThan(12);
  });
  it('N24, SimpleTuner WAN.md lowest-VRAM config: int8 base, Lion 8-bit, 480 px, batch 1, one frame fits a 10G card', async () => {
    const e = await estimateJson([
      '--model',
      'wan2.1',
      '--quantize',
      'int8',
      '--optimizer',
      'lion-8bit',
      '--resolution',
      '480',
      '--batch',
      '1',
      '--frames',
      '1',
      '--rank',
      '16',
      '--gradient-checkpointing',
      '--trainer',
      'simpletuner',
    ]);
    expect(e.vram.peakGiB).toBeLessThan(10 * 0.9);
  });
  it("ai-toolkit train_lora_wan21_14b_24gb.yaml: the 14B on an 8-bit base at about 480p, one frame, fits 24 GB (N23: 'It'll fit in 24G')", async () => {
    const e = await estimateJson([
      '--model',
      'wan2.1-14b',
      '--trainer',
      'ai-toolkit',
      '--quantize',
      'fp8',
      '--resolution',
      '832x480',
      '--frames',
      '1',
      '--gradient-checkpointing',
      '--gpu',
      'rtx-4090',
    ]);
    expect(e.vram.peakGiB).toBeLessThan(24 * 0.9);
    // and not on its bf16 weights alone: 14.29 B x 2 bytes is 26.6 GiB
    const bf16 = await estimateJson(['--model', 'wan2.1-14b', '--frames', '1', '--gradient-checkpointing']);
    expect(bf16.vram.peakGiB).toBeGreaterThan(24);
  });
  it('N32, ai-toolkit train_lora_wan22_14b_24gb.yaml: one Wan 2.2 A14B expert on a 4-bit base, single frames, rank 32, fits 24 GB', async () => {
    // the config's uint4 base with an accuracy-recovery adapter is taken as NF4 (both 4-bit)
    const e = await estimateJson([
      '--model',
      'Wan-AI/Wan2.2-T2V-A14B',
      '--trainer',
      'ai-toolkit',
      '--quantize',
      'nf4',
      '--frames',
      '1',
      '--rank',
      '32',
      '--gradient-checkpointing',
      '--gpu',
      'rtx-4090',
    ]);
    expect(e.model).toBe('wan2.2-t2v-a14b');
    expect(e.vram.peakGiB).toBeLessThan(24 * 0.9);
  });
});

describe('block swap (musubi-tuner and kohya --blocks_to_swap)', () => {
  const base = (e: EstimateJson) => e.vram.breakdown!.find((p) => p.part === 'base weights')!.gib;
  it("swapped blocks leave the GPU: 20 of the 14B's 40 blocks halve its block weights, and the copies cost time where they outlast the compute", async () => {
    const flags = ['--model', 'wan2.1-14b', '--gpu', 'rtx-4090', '--gradient-checkpointing', '--frames', '1'];
    const all = await estimateJson(flags);
    const half = await estimateJson([...flags, '--blocks-to-swap', '20']);
    // the blocks are 14,055,772,160 of the 14,288,491,584 parameters (kinds' linear share 0.98)
    expect(base(half) / base(all)).toBeCloseTo(1 - 0.5 * 0.98, 3);
    expect(half.time!.stepSeconds).toBeGreaterThan(all.time!.stepSeconds);
    // a 75-frame clip computes long enough to hide the copies
    const long = ['--model', 'wan2.1-14b', '--gpu', 'rtx-4090', '--gradient-checkpointing'];
    const [a, b] = [await estimateJson(long), await estimateJson([...long, '--blocks-to-swap', '20'])];
    expect(b.time!.stepSeconds).toBeCloseTo(a.time!.stepSeconds, 6);
  });
  it("recommend swaps the fewest blocks that fit before lowering the base's precision, where the trainer offers it", async () => {
    const argv = ['recommend', '--goal', 'motion', '--model', 'wan2.1-14b', '--gpu', 'rtx-4090', '--time', '1d'];
    const out = JSON.parse((await runCli([...argv, '--frames', '1', '--json'])).stdout) as {
      recommendation: { estimateFlags: string[]; estimates: { vram: { peakGiB: number } } };
    };
    const flags = out.recommendation.estimateFlags.join(' ');
    expect(flags).toMatch(/--blocks-to-swap \d+/);
    expect(flags).not.toMatch(/--quantize/);
    expect(out.recommendation.estimates.vram.peakGiB).toBeLessThan(24 * 0.9);
    // with a trainer that has no block swap the base is quantized instead
    const ai = JSON.parse((await runCli([...argv, '--frames', '1', '--trainer', 'ai-toolkit', '--json'])).stdout) as {
      recommendation: { estimateFlags: string[] };
    };
    expect(ai.recommendation.estimateFlags.join(' ')).not.toMatch(/--blocks-to-swap/);
  });
  it('--blocks-to-swap on a trainer without it, a UNet or a language model, or past the blocks: exit 2', async () => {
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'flux-dev', '--blocks-to-swap', '10'],
      /^error: --blocks-to-swap needs a trainer that swaps blocks; diffusers does not\. Allowed: --trainer kohya, musubi-tuner\./,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--blocks-to-swap', '3', '--trainer', 'kohya'],
      /^error: --blocks-to-swap: sdxl has no transformer blocks a trainer swaps/,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'wan2.1', '--blocks-to-swap', '30'],
      /^error: --blocks-to-swap 30 is more than wan2\.1-t2v-1\.3b's 30 blocks less the one computing: use 1\.\.29\./,
    );
  });
});
