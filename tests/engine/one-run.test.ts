// One run, one model of it (issue 12): for random answers, `recommend --json`'s winner and
// `estimate --json` with the flags recommend gives for it (its `estimateFlags`) are the same run,
// setting by setting and figure by figure; and every printed time line adds up.
import { afterAll, describe, expect, it } from 'vitest';

import { bundledKb, mulberry32, runCli } from '../helpers.js';

const kb = bundledKb();
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Random answers a practitioner might give, data and fixed settings included now and then. */
function randomRun(seed: number): string[] {
  const r = mulberry32(seed);
  const image = r() < 0.5;
  const model = pick(
    r,
    kb.models.filter((m) => m.family === (image ? 'image' : 'llm') && !m.id.startsWith('custom-')),
  );
  const goal = pick(r, image ? (['subject', 'style', 'concept'] as const) : (['task', 'domain', 'chat'] as const));
  const gpu = pick(r, kb.gpus);
  const time = pick(r, ['20m', '1h', '3h', '8h', '2d']);
  const argv = ['recommend', '--goal', goal, '--model', model.id, '--gpu', gpu.id, '--time', time, '--json'];
  if (r() < 0.3) argv.push('--priority', pick(r, ['quality', 'speed', 'size']));
  if (image && r() < 0.5) argv.push('--images', String(pick(r, [3, 6, 20, 400])));
  if (!image && r() < 0.5) {
    argv.push('--examples', String(pick(r, [200, 5000, 100000])));
    if (r() < 0.5) argv.push('--tokens-per-example', String(pick(r, [150, 600, 3000])));
  }
  if (!image && r() < 0.2) argv.push(r() < 0.5 ? '--packing' : '--no-packing');
  if (r() < 0.2) argv.push('--batch', String(pick(r, [1, 2, 4])));
  if (r() < 0.15) argv.push('--grad-accum', String(pick(r, [1, 4])));
  if (r() < 0.15) argv.push('--rank', String(pick(r, [8, 32])));
  // bitsandbytes' 8-bit optimizers do not run on MPS (src/estimate/backend.ts): fixed there, they are a usage error
  if (r() < 0.15) argv.push('--optimizer', gpu.backend === 'mps' ? 'adamw' : pick(r, ['adamw', 'adamw-8bit']));
  if (r() < 0.1) argv.push(r() < 0.5 ? '--gradient-checkpointing' : '--no-gradient-checkpointing');
  if (r() < 0.1) argv.push('--precision', pick(r, ['mixed-bf16', 'bf16']));
  if (r() < 0.1) argv.push('--targets', pick(r, ['qv', 'attention-mlp']));
  if (!image && r() < 0.1) argv.push('--quantize', pick(r, ['int8', 'nf4']));
  return argv;
}

interface Choice {
  id: string;
  settings: Record<string, unknown>;
  estimates: {
    vram: { peakGiB: number; breakdown: unknown };
    time: { hours: number; stepSeconds: number; steps: number; tokensPerSecond?: number; imagesPerSecond?: number };
    output: { sizeMB: number; trainableParams: number };
  };
  plan: unknown;
  estimateFlags: string[];
}

/** "1.5 h", "45 min", "2 d" (formatDuration) in hours, and how far a rounded one may be off. */
function durationHours(text: string): { hours: number; tolerance: number } {
  const m = /^([\d.,]+) (s|min|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]!.replace(/,/g, ''));
  const unit = { s: 1 / 3600, min: 1 / 60, h: 1, d: 24 }[m[2] as 's' | 'min' | 'h' | 'd'];
  const decimals = m[1]!.split('.')[1]?.length ?? 0;
  return { hours: n * unit, tolerance: (0.5 * 10 ** -decimals + 0.02 * n) * unit };
}

const num = (s: string) => Number(s.replace(/,/g, ''));

/** recommend's time line: "1.1 h: 600 steps x 4 micro-steps x 1.21 s (1.66 images/s), plus 15 min generating ..." */
function checkRecommendTimeLine(text: string, choice: Choice, settings: Record<string, unknown>): void {
  const line = text
    .split('\n\n')
    .find((b) => b.startsWith('Estimates'))
    ?.split('\n')
    .filter((l, i, all) => l.startsWith('Time') || (i > 0 && all[i - 1]!.startsWith('Time') && l.startsWith('  ')))
    .join(' ')
    .replace(/\s+/g, ' ');
  expect(line, text).toBeDefined();
  const m =
    /^Time (.+?)(?: \(shortened from a typical .+?\))?: ([\d,]+) steps? x (?:(\d+) micro-steps x )?([\d.]+) s \(([\d.,]+) (tokens|images)\/s\)(?:, plus (.+?) generating [\d,]+ class images?)?$/.exec(
      line!,
    );
  expect(m, line).not.toBeNull();
  const [, total, steps, micro, seconds, rate, unit, generating] = m!;
  const { hours, tolerance } = durationHours(total!);
  const extra = generating ? durationHours(generating).hours : 0;
  const computed = (num(steps!) * Number(micro ?? 1) * Number(seconds)) / 3600 + extra;
  // the step time is printed to 2 decimals: allow its rounding on top of the total's
  const slack =
    tolerance +
    (num(steps!) * Number(micro ?? 1) * 0.005) / 3600 +
    (generating ? durationHours(generating).tolerance : 0);
  expect(Math.abs(computed - hours), line).toBeLessThanOrEqual(slack);
  expect(num(steps!)).toBe(choice.estimates.time.steps);
  // work per micro-step / seconds = the throughput printed
  const batch = settings.batch as number;
  const work =
    unit === 'tokens'
      ? batch * ((settings.meanSeqLen as number | null) ?? (settings.seqLen as number))
      : batch * (settings.priorPreservation ? 2 : 1);
  const expected = work / choice.estimates.time.stepSeconds;
  const printed = rate!.split('.')[1]?.length ?? 0;
  expect(Math.abs(num(rate!) - expected), line).toBeLessThanOrEqual(Math.max(0.02 * expected, 0.5 * 10 ** -printed));
}

describe('recommend and estimate resolve the same run', () => {
  const seeds = Array.from({ length: 100 }, (_, i) => 1000 + i);
  let compared = 0;
  afterAll(() => {
    // most random runs have a winner to compare (a run where nothing fits compares nothing)
    expect(compared).toBeGreaterThanOrEqual(50);
  });
  it.each(seeds)('random run %i', async (seed) => {
    const argv = randomRun(seed);
    const rec = await runCli(argv);
    expect(rec.stderr, argv.join(' ')).toBe('');
    const json = JSON.parse(rec.stdout) as { recommendation: Choice | null; gpu: { id: string } };
    const winner = json.recommendation;
    if (!winner) {
      expect(rec.code).toBe(3);
      return;
    }
    compared++;
    const model = argv[argv.indexOf('--model') + 1]!;
    const est = await runCli([
      'estimate',
      '--technique',
      winner.id,
      '--model',
      model,
      '--gpu',
      json.gpu.id,
      ...winner.estimateFlags.flatMap((f) => f.split(' ')),
      '--json',
    ]);
    expect(est.stderr, `${argv.join(' ')} -> ${winner.estimateFlags.join(' ')}`).toBe('');
    const e = JSON.parse(est.stdout) as {
      settings: Record<string, unknown>;
      plan: unknown;
      vram: { peakGiB: number; breakdown: unknown };
      time: { totalHours: number; stepSeconds: number; steps: number; tokensPerSecond?: number };
      output: { sizeMB: number; trainableParams: number };
    };
    const what = `${argv.join(' ')} -> estimate ${winner.estimateFlags.join(' ')}`;
    expect(e.settings, what).toEqual(winner.settings);
    expect(e.vram.peakGiB, what).toBe(winner.estimates.vram.peakGiB);
    expect(e.vram.breakdown, what).toEqual(winner.estimates.vram.breakdown);
    expect(e.time.stepSeconds, what).toBe(winner.estimates.time.stepSeconds);
    expect(e.time.steps, what).toBe(winner.estimates.time.steps);
    expect(e.time.totalHours, what).toBe(winner.estimates.time.hours);
    expect(e.output, what).toEqual(winner.estimates.output);
    expect(e.plan, what).toEqual(winner.plan);

    // the text answer's time line adds up
    const text = await runCli(argv.filter((a) => a !== '--json'));
    checkRecommendTimeLine(text.stdout, winner, winner.settings);
  });
});
