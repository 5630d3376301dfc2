// Renders an estimate: the memory breakdown with a bar picture against the card, time, size.
import type { Model, Technique } from '../kb/types.js';
import type { Source } from '../kb/schema.js';
import type { Card, FitResult } from '../estimate/fit.js';
import type { MemoryEstimate } from '../estimate/memory.js';
import type { StepTime } from '../estimate/time.js';
import type { TrainingSettings } from '../estimate/settings.js';
import { createStyle, type RenderOptions } from './style.js';
import { renderTable } from './table.js';
import { describeSettings, fmtHours, fmtMB, fmtNum, wrapLines } from './format.js';

export interface EstimateResult {
  technique: Technique;
  model: Model;
  card: Card | null;
  settings: TrainingSettings;
  memory: MemoryEstimate;
  step: StepTime | null;
  hours: number | null;
  sizeMB: number;
  fit: FitResult | null;
  assumptions: string[];
  sources: Source[];
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

export function estimateToJson(e: EstimateResult): unknown {
  return {
    technique: e.technique.id,
    model: e.model.id,
    gpu: e.card ? { id: e.card.id, name: e.card.name, vramGiB: r3(e.card.vramGiB), tflops: e.card.tflops, bf16: e.card.bf16, assumedSpeed: e.card.assumedSpeed } : null,
    settings: { ...e.settings },
    vram: {
      peakGiB: r3(e.memory.peakGiB),
      breakdown: e.memory.breakdown.map((p) => ({ part: p.part, gib: r3(p.gib) })),
      ...(e.fit ? { cardGiB: r3(e.card!.vramGiB), limitGiB: r3(e.fit.limitGiB), fits: e.memory.peakGiB <= e.fit.limitGiB, saversToFit: e.fit.fits ? e.fit.savers : null } : {}),
    },
    time: e.step && e.hours !== null
      ? { stepSeconds: r3(e.step.stepSeconds), steps: e.settings.steps, microStepsPerStep: e.settings.gradAccum, totalHours: r3(e.hours), ...(e.step.tokensPerSecond !== undefined ? { tokensPerSecond: Math.round(e.step.tokensPerSecond) } : { imagesPerSecond: r3(e.step.imagesPerSecond ?? 0) }) }
      : null,
    output: { sizeMB: r3(e.sizeMB), trainableParams: e.memory.trainableParams },
    assumptions: e.assumptions,
    sources: e.sources,
  };
}

export function renderEstimateText(e: EstimateResult, opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const out: string[] = [];
  out.push(`${style.heading('Estimate:')} ${e.technique.name} on ${e.model.name}${e.card ? `, ${e.card.id ? `${e.card.name}, ${fmtNum(e.card.vramGiB, 1)} GiB` : e.card.name}` : ''}`);
  out.push(`Settings  ${describeSettings(e.settings).join(', ')}`, '');
  const total = e.card ? Math.max(e.card.vramGiB, e.memory.peakGiB) : e.memory.peakGiB;
  const barWidth = Math.max(10, Math.min(40, opts.width - 50));
  const marks = ['█', '▓', '▒', '░', '■', '▪', '·'];
  const rows = e.memory.breakdown.map((p, i) => [p.part, `${fmtNum(p.gib, 2)} GiB`, (marks[i] ?? '#').repeat(Math.round((p.gib / total) * barWidth))]);
  rows.push([style.heading('peak'), style.heading(`${fmtNum(e.memory.peakGiB, 2)} GiB`), '']);
  out.push(renderTable([{ header: 'part', min: 12, keep: true }, { header: 'memory', min: 9, keep: true }, { header: 'share of the card', weight: 3, min: 10 }], rows, opts.width, style));
  // the whole picture: each part's mark in turn, then the free memory, against the card
  let bar = e.memory.breakdown.map((p, i) => (marks[i] ?? '#').repeat(Math.round((p.gib / total) * barWidth * 1.5))).join('');
  const cardWidth = Math.round(barWidth * 1.5);
  if (e.card) {
    bar = bar.length > cardWidth ? `${bar.slice(0, cardWidth)}${style.bad(bar.slice(cardWidth))}` : bar + ' '.repeat(cardWidth - bar.length);
    out.push(`[${bar}] ${fmtNum(e.memory.peakGiB, 1)} of ${fmtNum(e.card.vramGiB, 1)} GiB`);
    if (e.fit) {
      const fits = e.memory.peakGiB <= e.fit.limitGiB;
      out.push(fits ? style.good(`Fits under 90% of the card (${fmtNum(e.fit.limitGiB, 1)} GiB).`) : style.bad(`Does not fit under 90% of the card (${fmtNum(e.fit.limitGiB, 1)} GiB).`) + (e.fit.fits ? ` It would with: ${e.fit.saverLabels.join(', ')} (${fmtNum(e.fit.run.memory.peakGiB, 1)} GiB).` : ' No memory saver makes it fit.'));
    }
  }
  out.push('');
  if (e.step && e.hours !== null) {
    const tput = e.step.tokensPerSecond !== undefined ? `${fmtNum(e.step.tokensPerSecond, 0)} tokens/s` : `${fmtNum(e.step.imagesPerSecond ?? 0, 2)} images/s`;
    out.push(`Time      ${fmtNum(e.step.stepSeconds, 2)} s per step of ${e.settings.batch} (${tput}); ${e.settings.steps} steps${e.settings.gradAccum > 1 ? ` x ${e.settings.gradAccum} micro-steps` : ''} = ${fmtHours(e.hours)}`);
  }
  out.push(`Output    ${fmtMB(e.sizeMB)} (${fmtNum(e.memory.trainableParams / 1e6, 2)} M trainable parameters)`);
  out.push('', style.heading('Assumptions'), ...e.assumptions.map((a) => `- ${a}`));
  out.push('', style.heading('Sources'), ...e.sources.map((s) => `- ${s.ref}${s.url && !s.ref.includes(s.url) ? ` <${s.url}>` : ''}${s.for?.length ? ` (${s.for.join('; ')})` : ''}`));
  return wrapLines(out, opts.width).join('\n') + '\n';
}
