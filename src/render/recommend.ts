// Renders a recommendation as text tables, markdown, or the JSON contract (see README).
import type { RuleRecord } from '../engine/evaluate.js';
import { formatFact } from '../engine/evaluate.js';
import { OPERATOR_SYMBOLS } from '../engine/operators.js';
import type { RankedTechnique, RecommendResult } from '../engine/rank.js';
import type { Source } from '../kb/schema.js';
import { describeSettings, fmtHours, fmtMB, fmtNum, plural, sourceLine, wrapLines } from './format.js';
import { createStyle, type RenderOptions, type Style } from './style.js';
import { renderTable } from './table.js';

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

export function explanationRows(t: RankedTechnique, style: Style): string[][] {
  return t.rules.filter((r) => r.applies).map((r) => [r.rule, valueText(r), verdict(r, style), r.reason]);
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

function estimatesLines(t: RankedTechnique): string[] {
  const { fit, time, run } = t.plan!;
  const savers = fit.saverLabels.length ? `with ${fit.saverLabels.join(', ')}` : 'no memory savers needed';
  const throughput =
    run.step.tokensPerSecond !== undefined
      ? `${fmtNum(run.step.tokensPerSecond, 0)} tokens/s`
      : `${fmtNum(run.step.imagesPerSecond ?? 0, 2)} images/s`;
  return [
    `VRAM    ${fmtNum(run.memory.peakGiB, 1)} GiB peak of ${fmtNum(fit.limitGiB, 1)} GiB usable (${savers})`,
    `Time    ${fmtHours(run.hours)}${time && time.stepsShare < 1 ? ` (shortened from a typical ${fmtHours(time.typicalHours)})` : ''}: ${plural(run.settings.steps, 'step')} x ${run.settings.gradAccum > 1 ? `${run.settings.gradAccum} micro-steps x ` : ''}${fmtNum(run.step.stepSeconds, 2)} s (${throughput})`,
    `Output  ${fmtMB(run.sizeMB)} (${fmtNum(run.memory.trainableParams / 1e6, run.memory.trainableParams < 1e6 ? 3 : 1)} M trainable parameters)`,
    `Setup   ${describeSettings(run.settings).join(', ')}`,
  ];
}

export function renderRecommendText(result: RecommendResult, opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const a = result.answers;
  const out: string[] = [];
  const rec = result.recommendation;
  const context = `${a.goal} on ${result.model.name}, ${cardLine(result)}, ${fmtHours(a.timeHours)} budget, priority ${a.priority}`;
  if (rec) {
    out.push(
      `${style.heading('Recommendation:')} ${style.accent(rec.name)} ${style.dim(`(${rec.id}, score ${fmtNum(rec.score, 2)})`)}`,
    );
    out.push(style.dim(`for ${context}`));
    if (result.runnerUp)
      out.push(`Runner-up: ${result.runnerUp.name} (${result.runnerUp.id}, score ${fmtNum(result.runnerUp.score, 2)})`);
    out.push('', style.heading('Estimates'), ...estimatesLines(rec));
    if (result.card.speedFrom)
      out.push(style.dim(`(no GPU named: speed assumed from ${result.card.speedFrom}; pass --gpu for yours)`));
    out.push('', style.heading(`Why ${rec.name}`));
    const rows = explanationRows(rec, style);
    if (opts.width < NARROW)
      out.push(...rows.map(([rule, value, verdict, why]) => `- ${verdict} ${rule} (${value}): ${why}`));
    else
      out.push(
        renderTable(
          [
            { header: 'rule', min: 10, keep: true },
            { header: 'value', min: 10, weight: 2 },
            { header: 'verdict', min: 7 },
            { header: 'why', weight: 4, min: 16 },
          ],
          rows,
          opts.width,
          style,
        ),
      );
  } else {
    out.push(`${style.bad('Nothing fits')} ${style.dim(`for ${context}`)}`);
    if (result.suggestions.length) {
      out.push('', style.heading('What would make it work'));
      for (const s of result.suggestions) out.push(`- ${s.text}`);
    }
  }
  out.push('', style.heading('All techniques'));
  const rows = result.ranking
    .filter((r) => r.facts['technique.family_match'] === true)
    .map((r) => [
      r.id,
      r.eligible ? style.good('yes') : style.bad('no'),
      r.eligible ? fmtNum(r.score, 2) : '—',
      r.facts['vram.peak_gib'] === null ? '—' : `${fmtNum(r.facts['vram.peak_gib'] as number, 1)} GiB`,
      r.facts['time.hours'] === null ? '—' : fmtHours(r.facts['time.hours'] as number),
      r.eligible ? r.plan?.fit.saverLabels.join(', ') || 'no savers' : exclusionReason(r),
    ]);
  if (opts.width < NARROW)
    out.push(
      ...rows.map(
        ([id, eligible, score, vram, time, why]) =>
          `- ${id}: ${eligible === style.good('yes') ? `score ${score}, ` : ''}${vram}, ${time}; ${why}`,
      ),
    );
  else
    out.push(
      renderTable(
        [
          { header: 'technique', min: 10, keep: true },
          { header: 'eligible', min: 3 },
          { header: 'score', min: 5 },
          { header: 'VRAM', min: 8 },
          { header: 'time', min: 6 },
          { header: 'savers / why not', weight: 4, min: 16 },
        ],
        rows,
        opts.width,
        style,
      ),
    );
  out.push('', style.heading('Sources'), ...sourcesText(result.sources));
  return wrapLines(out, opts.width).join('\n') + '\n';
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function mdTable(headers: string[], rows: string[][]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`),
  ];
}

export function renderRecommendMarkdown(result: RecommendResult): string {
  const plain = createStyle(false);
  const a = result.answers;
  const rec = result.recommendation;
  const out: string[] = [];
  out.push(
    `# Fine-tuning recommendation`,
    '',
    `For a **${a.goal}** goal on **${result.model.name}**, ${cardLine(result)}, ${fmtHours(a.timeHours)} budget, priority ${a.priority}.`,
    '',
  );
  if (rec) {
    out.push(`**Recommendation: ${rec.name}** (\`${rec.id}\`, score ${fmtNum(rec.score, 2)})`);
    if (result.runnerUp)
      out.push(
        '',
        `Runner-up: ${result.runnerUp.name} (\`${result.runnerUp.id}\`, score ${fmtNum(result.runnerUp.score, 2)})`,
      );
    out.push('', '## Estimates', '', ...estimatesLines(rec).map((l) => `- ${l.replace(/^(\w+)\s+/, '**$1** ')}`));
    out.push(
      '',
      `## Why ${rec.name}`,
      '',
      ...mdTable(['rule', 'value', 'verdict', 'why'], explanationRows(rec, plain)),
    );
  } else {
    out.push('**Nothing fits.**', '');
    for (const s of result.suggestions) out.push(`- ${s.text}`);
  }
  out.push(
    '',
    '## All techniques',
    '',
    ...mdTable(
      ['technique', 'eligible', 'score', 'why not'],
      result.ranking
        .filter((r) => r.facts['technique.family_match'] === true)
        .map((r) => [
          r.id,
          r.eligible ? 'yes' : 'no',
          r.eligible ? fmtNum(r.score, 2) : '—',
          r.eligible ? '' : exclusionReason(r),
        ]),
    ),
  );
  out.push('', '## Sources', '', ...sourcesText(result.sources));
  return out.join('\n') + '\n';
}
