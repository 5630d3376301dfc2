// Renders a recommendation as text tables, markdown, or the JSON contract (see README).
import type { RuleRecord } from '../engine/evaluate.js';
import type { RankedTechnique, RecommendResult } from '../engine/rank.js';
import { fmtMB, fmtNum, formatDuration, formatFact, plural } from '../format.js';
import type { Source } from '../kb/schema.js';
import type { Operator } from '../kb/vocabulary.js';
import { describeSettings, sourceLine, wrapLines } from './format.js';
import { createStyle, type RenderOptions, type Style } from './style.js';
import { suggestionText } from './suggestion.js';
import { type Column, markdownTable, renderTable } from './table.js';

/** How the explanation table writes a rule's operator. */
const OPERATOR_SYMBOLS: Record<Operator, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  in: 'in',
  nin: 'not in',
};

/** Below this width the explanation reads better as a list than as a four-column table. */
const NARROW = 72;

function verdict(r: RuleRecord, style: Style): string {
  switch (r.effect) {
    case 'ineligible':
      return style.bad('✗ ineligible');
    case 'ok':
      return style.good('✓ pass');
    case 'score':
      return r.points > 0 ? style.good(`+${fmtNum(r.points, 2)}`) : style.bad(fmtNum(r.points, 2));
    case 'none':
      return '0';
    case 'not evaluated':
      return style.dim('—');
    case 'not applicable':
      return style.dim('n/a');
  }
}

function valueText(r: RuleRecord): string {
  const v = formatFact(r.value);
  if (r.threshold === null || r.operator === 'x') return v;
  return `${v} ${OPERATOR_SYMBOLS[r.operator]} ${formatFact(r.threshold)}`;
}

/** A line of a technique's explanation: one rule that applies to it. */
export interface ExplanationRow {
  rule: string;
  value: string;
  verdict: string;
  why: string;
}

export function explanationRows(t: RankedTechnique, style: Style): ExplanationRow[] {
  return t.rules
    .filter((r) => r.applies)
    .map((r) => ({ rule: r.rule, value: valueText(r), verdict: verdict(r, style), why: r.reason }));
}

const EXPLANATION_COLUMNS: Column<ExplanationRow>[] = [
  { header: 'rule', min: 10, keep: true, cell: (r) => r.rule },
  { header: 'value', min: 10, weight: 2, cell: (r) => r.value },
  { header: 'verdict', min: 7, cell: (r) => r.verdict },
  { header: 'why', weight: 4, min: 16, cell: (r) => r.why },
];

/** A line of the ranking: a technique for the model's family, eligible or not. */
interface RankingRow {
  technique: string;
  eligible: boolean;
  score: number;
  peakGiB: number | null;
  hours: number | null;
  savers: string[];
  whyNot: string;
}

function rankingRows(result: RecommendResult): RankingRow[] {
  return result.ranking
    .filter((r) => r.facts['technique.family_match'] === true)
    .map((r) => ({
      technique: r.id,
      eligible: r.eligible,
      score: r.score,
      peakGiB: r.facts['vram.peak_gib'] as number | null,
      hours: r.facts['time.hours'] as number | null,
      savers: r.plan?.fit.saverLabels ?? [],
      whyNot: r.eligible ? '' : exclusionReason(r),
    }));
}

/** The ranking's columns, each declared once: the text table shows all but `whyNot`, markdown fewer. */
function rankingColumns(style: Style) {
  return {
    technique: { header: 'technique', min: 10, keep: true, cell: (r) => r.technique },
    eligible: { header: 'eligible', min: 3, cell: (r) => (r.eligible ? style.good('yes') : style.bad('no')) },
    score: { header: 'score', min: 5, cell: (r) => (r.eligible ? fmtNum(r.score, 2) : '—') },
    vram: { header: 'VRAM', min: 8, cell: (r) => (r.peakGiB === null ? '—' : `${fmtNum(r.peakGiB, 1)} GiB`) },
    time: { header: 'time', min: 6, cell: (r) => (r.hours === null ? '—' : formatDuration(r.hours)) },
    saversOrWhyNot: {
      header: 'savers / why not',
      weight: 4,
      min: 16,
      cell: (r) => (r.eligible ? r.savers.join(', ') || 'no savers' : r.whyNot),
    },
    whyNot: { header: 'why not', cell: (r) => r.whyNot },
  } satisfies Record<string, Column<RankingRow>>;
}

/** The first reason a technique is out: its first failing hard rule. */
export function exclusionReason(t: RankedTechnique): string {
  return t.failed[0]?.reason ?? '';
}

function sourcesText(sources: Source[]): string[] {
  return sources.map((s) => sourceLine(s, 'for'));
}

function cardLine(result: RecommendResult): string {
  const c = result.card;
  return c.id ? `${c.name}, ${fmtNum(c.vramGiB, 1)} GiB` : c.name;
}

/** The recommendation's estimates, each a label and its line (text aligns them, markdown bolds the label). */
function estimates(t: RankedTechnique): Array<{ label: string; text: string }> {
  const { fit, time, run } = t.plan!;
  const savers = fit.saverLabels.length ? `with ${fit.saverLabels.join(', ')}` : 'no memory savers needed';
  const throughput =
    run.step.tokensPerSecond !== undefined
      ? `${fmtNum(run.step.tokensPerSecond, 0)} tokens/s`
      : `${fmtNum(run.step.imagesPerSecond ?? 0, 2)} images/s`;
  return [
    {
      label: 'VRAM',
      text: `${fmtNum(run.memory.peakGiB, 1)} GiB peak of ${fmtNum(fit.limitGiB, 1)} GiB usable (${savers})`,
    },
    {
      label: 'Time',
      text: `${formatDuration(run.hours)}${time && time.stepsShare < 1 ? ` (shortened from a typical ${formatDuration(time.typicalHours)})` : ''}: ${plural(run.settings.steps, 'step')} x ${run.settings.gradAccum > 1 ? `${run.settings.gradAccum} micro-steps x ` : ''}${fmtNum(run.step.stepSeconds, 2)} s (${throughput})`,
    },
    {
      label: 'Output',
      text: `${fmtMB(run.sizeMB)} (${fmtNum(run.memory.trainableParams / 1e6, run.memory.trainableParams < 1e6 ? 3 : 1)} M trainable parameters)`,
    },
    { label: 'Setup', text: describeSettings(run.settings).join(', ') },
  ];
}

export function renderRecommendText(result: RecommendResult, opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const a = result.answers;
  const out: string[] = [];
  const rec = result.recommendation;
  const context = `${a.goal} on ${result.model.name}, ${cardLine(result)}, ${formatDuration(a.timeHours)} budget, priority ${a.priority}`;
  if (rec) {
    out.push(
      `${style.heading('Recommendation:')} ${style.accent(rec.name)} ${style.dim(`(${rec.id}, score ${fmtNum(rec.score, 2)})`)}`,
    );
    out.push(style.dim(`for ${context}`));
    if (result.runnerUp)
      out.push(`Runner-up: ${result.runnerUp.name} (${result.runnerUp.id}, score ${fmtNum(result.runnerUp.score, 2)})`);
    out.push('', style.heading('Estimates'), ...estimates(rec).map((l) => `${l.label.padEnd(8)}${l.text}`));
    if (result.card.speedFrom)
      out.push(style.dim(`(no GPU named: speed assumed from ${result.card.speedFrom}; pass --gpu for yours)`));
    out.push('', style.heading(`Why ${rec.name}`));
    const rows = explanationRows(rec, style);
    if (opts.width < NARROW) out.push(...rows.map((r) => `- ${r.verdict} ${r.rule} (${r.value}): ${r.why}`));
    else out.push(renderTable(EXPLANATION_COLUMNS, rows, opts.width, style));
  } else {
    out.push(`${style.bad('Nothing fits')} ${style.dim(`for ${context}`)}`);
    if (result.suggestions.length) {
      out.push('', style.heading('What would make it work'));
      for (const s of result.suggestions) out.push(`- ${suggestionText(s)}`);
    }
  }
  out.push('', style.heading('All techniques'));
  const c = rankingColumns(style);
  const ranking = rankingRows(result);
  if (opts.width < NARROW)
    out.push(
      ...ranking.map(
        (r) =>
          `- ${r.technique}: ${r.eligible ? `score ${c.score.cell(r)}, ` : ''}${c.vram.cell(r)}, ${c.time.cell(r)}; ${c.saversOrWhyNot.cell(r)}`,
      ),
    );
  else
    out.push(
      renderTable([c.technique, c.eligible, c.score, c.vram, c.time, c.saversOrWhyNot], ranking, opts.width, style),
    );
  out.push('', style.heading('Sources'), ...sourcesText(result.sources));
  return wrapLines(out, opts.width).join('\n') + '\n';
}

export function renderRecommendMarkdown(result: RecommendResult): string {
  const plain = createStyle(false);
  const a = result.answers;
  const rec = result.recommendation;
  const out: string[] = [];
  out.push(
    `# Fine-tuning recommendation`,
    '',
    `For a **${a.goal}** goal on **${result.model.name}**, ${cardLine(result)}, ${formatDuration(a.timeHours)} budget, priority ${a.priority}.`,
    '',
  );
  if (rec) {
    out.push(`**Recommendation: ${rec.name}** (\`${rec.id}\`, score ${fmtNum(rec.score, 2)})`);
    if (result.runnerUp)
      out.push(
        '',
        `Runner-up: ${result.runnerUp.name} (\`${result.runnerUp.id}\`, score ${fmtNum(result.runnerUp.score, 2)})`,
      );
    out.push('', '## Estimates', '', ...estimates(rec).map((l) => `- **${l.label}** ${l.text}`));
    out.push('', `## Why ${rec.name}`, '', ...markdownTable(EXPLANATION_COLUMNS, explanationRows(rec, plain)));
  } else {
    out.push('**Nothing fits.**', '');
    for (const s of result.suggestions) out.push(`- ${suggestionText(s)}`);
  }
  const c = rankingColumns(plain);
  out.push(
    '',
    '## All techniques',
    '',
    ...markdownTable([c.technique, c.eligible, c.score, c.whyNot], rankingRows(result)),
  );
  out.push('', '## Sources', '', ...sourcesText(result.sources));
  return out.join('\n') + '\n';
}
