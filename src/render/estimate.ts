// Renders an estimate as text: the memory breakdown with a bar picture against the card, time, size.
import type { EstimateResult } from '../estimate/estimate.js';
import { fmtMB, fmtNum, formatDuration, plural } from '../format.js';
import { cardText, classImageTime, describeSettings, sourceLine, wrapLines } from './format.js';
import { createStyle, type RenderOptions } from './style.js';
import { renderTable } from './table.js';

/** A line of the memory table: a part of the peak, or the peak itself (shown as a heading). */
interface MemoryRow {
  part: string;
  gib: number;
  bar: string;
  peak: boolean;
}

export function renderEstimateText(e: EstimateResult, opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const out: string[] = [];
  out.push(
    `${style.heading('Estimate:')} ${e.technique.name} on ${e.model.name}${e.card ? `, ${cardText(e.card)}` : ''}`,
  );
  out.push(`Settings  ${describeSettings(e.settings).join(', ')}`, '');
  const total = e.card ? Math.max(e.card.vramGiB, e.memory.peakGiB) : e.memory.peakGiB;
  const barWidth = Math.max(10, Math.min(40, opts.width - 50));
  const marks = ['█', '▓', '▒', '░', '■', '▪', '·'];
  const rows: MemoryRow[] = e.memory.breakdown.map((p, i) => ({
    part: p.part,
    gib: p.gib,
    bar: (marks[i] ?? '#').repeat(Math.round((p.gib / total) * barWidth)),
    peak: false,
  }));
  rows.push({ part: 'peak', gib: e.memory.peakGiB, bar: '', peak: true });
  const shown = (r: MemoryRow, text: string) => (r.peak ? style.heading(text) : text);
  out.push(
    renderTable(
      [
        { header: 'part', min: 12, keep: true, cell: (r) => shown(r, r.part) },
        { header: 'memory', min: 9, keep: true, cell: (r) => shown(r, `${fmtNum(r.gib, 2)} GiB`) },
        { header: 'share of the card', weight: 3, min: 10, cell: (r) => r.bar },
      ],
      rows,
      opts.width,
      style,
    ),
  );
  // the whole picture: each part's mark in turn, then the free memory, against the card
  let bar = e.memory.breakdown
    .map((p, i) => (marks[i] ?? '#').repeat(Math.round((p.gib / total) * barWidth * 1.5)))
    .join('');
  const cardWidth = Math.round(barWidth * 1.5);
  if (e.card) {
    bar =
      bar.length > cardWidth
        ? `${bar.slice(0, cardWidth)}${style.bad(bar.slice(cardWidth))}`
        : bar + ' '.repeat(cardWidth - bar.length);
    out.push(`[${bar}] ${fmtNum(e.memory.peakGiB, 1)} of ${fmtNum(e.card.vramGiB, 1)} GiB`);
    if (e.fit) {
      const fits = e.memory.peakGiB <= e.fit.limitGiB;
      out.push(
        fits
          ? style.good(`Fits under 90% of the card (${fmtNum(e.fit.limitGiB, 1)} GiB).`)
          : style.bad(`Does not fit under 90% of the card (${fmtNum(e.fit.limitGiB, 1)} GiB).`) +
              (e.fit.fits
                ? ` It would with: ${e.fit.saverLabels.join(', ')} (${fmtNum(e.fit.run.memory.peakGiB, 1)} GiB).`
                : ' No memory saver makes it fit.'),
      );
    }
  }
  out.push('');
  if (e.step && e.hours !== null) {
    const tput =
      e.step.tokensPerSecond !== undefined
        ? `${fmtNum(e.step.tokensPerSecond, 0)} tokens/s`
        : `${fmtNum(e.step.imagesPerSecond ?? 0, 2)} images/s`;
    out.push(
      `Time      ${fmtNum(e.step.stepSeconds, 2)} s per step of ${e.settings.batch}${e.settings.priorPreservation ? ` + ${e.settings.batch} class` : ''} (${tput}); ${plural(e.settings.steps, 'step')}${e.settings.gradAccum > 1 ? ` x ${e.settings.gradAccum} micro-steps` : ''}${classImageTime(e.settings, e.classImageHours ?? 0)} = ${formatDuration(e.hours)}`,
    );
    const extra = [
      e.step.referenceSeconds > 0 && `${fmtNum(e.step.referenceSeconds, 2)} s forwards without gradient for log-probs`,
      e.step.generationSeconds > 0 && `${fmtNum(e.step.generationSeconds, 2)} s sampling completions`,
    ].filter((t): t is string => typeof t === 'string');
    if (extra.length) out.push(`          of each step: ${extra.join(', ')} (${e.settings.objective})`);
  }
  out.push(`Output    ${fmtMB(e.sizeMB)} (${fmtNum(e.memory.trainableParams / 1e6, 2)} M trainable parameters)`);
  out.push('', style.heading('Assumptions'), ...e.assumptions.map((a) => `- ${a}`));
  out.push('', style.heading('Sources'), ...e.sources.map((s) => sourceLine(s, 'for')));
  return wrapLines(out, opts.width).join('\n') + '\n';
}
