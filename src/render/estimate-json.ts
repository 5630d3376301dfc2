// The JSON contract of `estimate` (README, "JSON output of estimate"); no chalk or cli-table3.
import { round } from '../engine/facts.js';
import type { EstimateResult } from '../estimate/estimate.js';
import { settingsJson } from './settings-json.js';

const r3 = (n: number) => round(n, 3);

export function estimateToJson(e: EstimateResult): unknown {
  return {
    technique: e.technique.id,
    model: e.model.id,
    gpu: e.card
      ? {
          id: e.card.id,
          name: e.card.name,
          vramGiB: r3(e.card.vramGiB),
          tflops: e.card.tflops,
          bf16: e.card.bf16,
          assumedSpeed: e.card.speedFrom !== null,
        }
      : null,
    settings: settingsJson(e.settings),
    vram: {
      peakGiB: r3(e.memory.peakGiB),
      breakdown: e.memory.breakdown.map((p) => ({ part: p.part, gib: r3(p.gib) })),
      ...(e.fit
        ? {
            cardGiB: r3(e.card!.vramGiB),
            limitGiB: r3(e.fit.limitGiB),
            fits: e.memory.peakGiB <= e.fit.limitGiB,
            saversToFit: e.fit.fits ? e.fit.savers : null,
          }
        : {}),
    },
    time:
      e.step && e.hours !== null
        ? {
            stepSeconds: r3(e.step.stepSeconds),
            steps: e.settings.steps,
            microStepsPerStep: e.settings.gradAccum,
            totalHours: r3(e.hours),
            ...(e.step.tokensPerSecond !== undefined
              ? { tokensPerSecond: Math.round(e.step.tokensPerSecond) }
              : { imagesPerSecond: r3(e.step.imagesPerSecond ?? 0) }),
          }
        : null,
    output: { sizeMB: r3(e.sizeMB), trainableParams: e.memory.trainableParams },
    assumptions: e.assumptions,
    sources: e.sources,
  };
}
