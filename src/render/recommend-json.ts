// The JSON contract of `recommend` (README, "JSON output of recommend"). Free of chalk and
// cli-table3 so the --json path loads neither.
import type { RecommendResult, RankedTechnique } from '../engine/rank.js';

function techniqueJson(t: RankedTechnique) {
  const run = t.time?.run ?? t.fit?.run;
  return {
    id: t.id,
    name: t.name,
    score: t.score,
    settings: run ? { ...run.settings } : null,
    estimates: run && t.fit
      ? {
          vram: { peakGiB: round(run.memory.peakGiB), limitGiB: round(t.fit.limitGiB), savers: t.fit.savers, breakdown: run.memory.breakdown.map((p) => ({ part: p.part, gib: round(p.gib) })) },
          time: { hours: round(run.hours), typicalHours: round(t.time?.typicalHours ?? run.hours), stepSeconds: round(run.step.stepSeconds), steps: run.settings.steps, ...(run.step.tokensPerSecond !== undefined ? { tokensPerSecond: round(run.step.tokensPerSecond) } : { imagesPerSecond: round(run.step.imagesPerSecond ?? 0) }) },
          output: { sizeMB: round(run.sizeMB), trainableParams: run.memory.trainableParams },
        }
      : null,
    reasons: t.rules.filter((r) => r.applies && r.effect !== 'none').map((r) => r.reason),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function recommendToJson(result: RecommendResult): unknown {
  return {
    answers: { ...result.answers },
    model: { id: result.model.id, name: result.model.name, family: result.model.family },
    gpu: { id: result.card.id, name: result.card.name, vramGiB: round(result.card.vramGiB), tflops: result.card.tflops, assumedSpeed: result.card.speedFrom !== null },
    recommendation: result.recommendation ? techniqueJson(result.recommendation) : null,
    runnerUp: result.runnerUp ? techniqueJson(result.runnerUp) : null,
    ranking: result.ranking.map((r) => ({ id: r.id, eligible: r.eligible, score: r.score, rules: r.rules })),
    suggestions: result.suggestions,
    sources: result.sources,
  };
}
