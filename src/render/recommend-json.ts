// The JSON contract of `recommend` (README, "JSON output of recommend"). Free of chalk and
// cli-table3 so the --json path loads neither.
import { round } from '../engine/facts.js';
import type { RankedTechnique, RecommendResult } from '../engine/rank.js';
import { settingsJson } from './settings-json.js';

function techniqueJson(t: RankedTechnique) {
  const plan = t.plan;
  const run = plan?.run;
  return {
    id: t.id,
    name: t.name,
    score: t.score,
    settings: run ? settingsJson(run.settings) : null,
    estimates:
      plan && run
        ? {
            vram: {
              peakGiB: r3(run.memory.peakGiB),
              limitGiB: r3(plan.fit.limitGiB),
              savers: plan.fit.savers,
              breakdown: run.memory.breakdown.map((p) => ({ part: p.part, gib: r3(p.gib) })),
            },
            time: {
              hours: r3(run.hours),
              typicalHours: r3(plan.time?.typicalHours ?? run.hours),
              stepSeconds: r3(run.step.stepSeconds),
              steps: run.settings.steps,
              ...(run.step.tokensPerSecond !== undefined
                ? { tokensPerSecond: r3(run.step.tokensPerSecond) }
                : { imagesPerSecond: r3(run.step.imagesPerSecond ?? 0) }),
            },
            output: { sizeMB: r3(run.sizeMB), trainableParams: run.memory.trainableParams },
          }
        : null,
    reasons: t.rules.filter((r) => r.applies && r.effect !== 'none').map((r) => r.reason),
  };
}

const r3 = (n: number) => round(n, 3);

/**
 * Full rule records are printed for techniques in ranking order while the total stays within this
 * many (the bundled knowledge base needs 14 x 20 = 280, so every technique is explained). Beyond
 * it, an entry lists only the hard rules that excluded it and says `"explained": false`; a
 * 1,000 x 1,000 knowledge base would otherwise print a million records. `--explain-all` lifts it.
 */
export const RECORD_BUDGET = 5000;

function rankingJson(ranking: RankedTechnique[], explainAll: boolean) {
  let printed = 0;
  return ranking.map((r) => {
    const explained = explainAll || printed + r.ruleCount <= RECORD_BUDGET;
    if (explained) printed += r.ruleCount;
    return { id: r.id, eligible: r.eligible, score: r.score, explained, rules: explained ? r.rules : r.failed };
  });
}

export function recommendToJson(result: RecommendResult, options: { explainAll?: boolean } = {}): unknown {
  return {
    answers: { ...result.answers },
    model: { id: result.model.id, name: result.model.name, family: result.model.family },
    gpu: {
      id: result.card.id,
      name: result.card.name,
      vramGiB: r3(result.card.vramGiB),
      tflops: result.card.tflops,
      assumedSpeed: result.card.speedFrom !== null,
    },
    recommendation: result.recommendation ? techniqueJson(result.recommendation) : null,
    runnerUp: result.runnerUp ? techniqueJson(result.runnerUp) : null,
    ranking: rankingJson(result.ranking, options.explainAll ?? false),
    suggestions: result.suggestions,
    sources: result.sources,
  };
}
