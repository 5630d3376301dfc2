// Renders a recommendation as text tables, markdown, or the JSON contract (see README).
import type { RuleRecord } from '../engine/evaluate.js';
import type { RankedTechnique, RecommendResult } from '../engine/rank.js';
import { precisionChangeText, strategyShortName } from '../estimate/assumptions.js';
import { backendChangeText } from '../estimate/backend.js';
import { STRATEGY_SAVERS } from '../estimate/fit.js';
import { ESTIMATE_SOURCES } from '../estimate/sources.js';
import { fmtMB, fmtNum, formatDuration, formatFact, plural } from '../format.js';
import type { Source } from '../kb/schema.js';
import { type DataTopic, DEFAULT_OBJECTIVE, type Operator } from '../kb/vocabulary.js';
import { estimateFlags } from './estimate-flags.js';
import {
  cardSetFlags,
  cardText,
  classImageTime,
  dataLine,
  describeSettings,
  sourceLine,
  splitVisible,
  visibleWidth,
  wrapLines,
} from './format.js';
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
  /** the hard rules it failed, by name */
  ruledOutBy: string;
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
      ruledOutBy: r.failed.map((x) => x.rule).join(', '),
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
    ruledOutBy: { header: 'ruled out by', weight: 4, min: 16, cell: (r) => r.ruledOutBy },
  } satisfies Record<string, Column<RankingRow>>;
}

/** The first reason a technique is out: its first failing hard rule. */
export function exclusionReason(t: RankedTechnique): string {
  return t.failed[0]?.reason ?? '';
}

/** How much of the output to show: by default only what decided the answer and backs its figures. */
export interface RecommendDetail {
  /** every applicable rule record and the whole ranking, not only the records that mattered */
  explain?: boolean;
  /** every source with the fields it backs, not only those behind a figure shown, one line each */
  sources?: boolean;
}

/** A record that changed the outcome: a failed hard rule or points won or lost. */
const mattered = (r: RuleRecord) => r.effect === 'ineligible' || (r.effect === 'score' && r.points !== 0);

/** A technique's name without its spelled-out expansion: "LoRA", not "LoRA (Low-Rank Adaptation)". */
const shortName = (t: RankedTechnique) => t.name.replace(/\s*\(.*\)$/, '') || t.id;

const signed = (n: number) => (n > 0 ? `+${fmtNum(n, 2)}` : fmtNum(n, 2));

/** Items joined as prose: "a", "a and b", "a, b and c". */
function prose(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The techniques for the model's family that are out, grouped by the hard rule that put them out first. */
function exclusions(result: RecommendResult): string | null {
  const byRule = new Map<string, string[]>();
  for (const t of result.ranking) {
    if (t.eligible || t.facts['technique.family_match'] !== true) continue;
    const rule = t.failed[0]?.rule ?? 'a hard rule';
    byRule.set(rule, [...(byRule.get(rule) ?? []), t.id]);
  }
  if (!byRule.size) return null;
  return `Ruled out ${prose([...byRule].map(([rule, ids]) => `by ${rule}: ${ids.join(', ')}`))}.`;
}

/** Reasons past the first only while they stay short together: a long list of savers is one sentence's worth. */
const REASONS_CHARS = 120;
function briefly(reasons: string[]): string[] {
  let chars = 0;
  return reasons.filter((r, i) => (chars += r.length) <= REASONS_CHARS || i === 0);
}

/**
 * Why the recommendation won, in 3-5 sentences from its rule records: what it gained, what it lost,
 * where the runner-up fell behind it, the others' scores relative to it, and what is out and why.
 */
function whySentences(result: RecommendResult, rec: RankedTechnique): string[] {
  const scored = rec.rules.filter((r) => r.applies && r.effect === 'score' && r.points !== 0);
  const gains = scored.filter((r) => r.points > 0).sort((a, b) => b.points - a.points);
  const costs = scored.filter((r) => r.points < 0).sort((a, b) => a.points - b.points);
  const out: string[] = [];
  const gained = gains.slice(0, 3).map((r) => `${r.reason} (${signed(r.points)})`);
  out.push(
    gained.length
      ? `${shortName(rec)} is chosen because ${prose(gained)}.`
      : `${shortName(rec)} is chosen as the best score among the techniques that fit.`,
  );
  if (costs.length)
    out.push(`Against it: ${prose(briefly(costs.slice(0, 2).map((r) => `${r.reason} (${signed(r.points)})`)))}.`);
  const runnerUp = result.runnerUp;
  if (runnerUp) {
    const points = new Map(rec.rules.map((r) => [r.rule, r.effect === 'score' ? r.points : 0]));
    // the rules where the runner-up fell furthest behind, in its own words
    const behind = briefly(
      runnerUp.rules
        .filter((r) => r.applies && (points.get(r.rule) ?? 0) - (r.effect === 'score' ? r.points : 0) > 0)
        .map((r) => ({ r, gap: (points.get(r.rule) ?? 0) - (r.effect === 'score' ? r.points : 0) }))
        .sort((a, b) => b.gap - a.gap)
        .slice(0, 2)
        .map(({ r, gap }) => `${r.reason} (${fmtNum(gap, 2)} behind)`),
    );
    const gap = fmtNum(rec.score - runnerUp.score, 2);
    out.push(
      behind.length
        ? `${shortName(runnerUp)}, the runner-up, scores ${gap} lower: it lost because ${prose(behind)}.`
        : `${shortName(runnerUp)}, the runner-up, scores ${gap} lower.`,
    );
  }
  const others = result.ranking.filter((t) => t.eligible && t !== rec && t !== runnerUp);
  if (others.length) {
    const listed = others.slice(0, 4).map((t) => `${t.id} ${fmtNum(t.score - rec.score, 2)}`);
    const more = others.length > 4 ? ` and ${others.length - 4} more` : '';
    out.push(`Also eligible, relative to ${shortName(rec)}: ${listed.join(', ')}${more}.`);
  }
  const out2 = exclusions(result);
  if (out2) out.push(out2);
  return out;
}

/** Why nothing fits: what put the techniques out, and the first reason of the best-scored one. */
function nothingFitsWhy(result: RecommendResult): string[] {
  const out: string[] = [];
  const ruledOut = exclusions(result);
  if (ruledOut) out.push(ruledOut);
  const closest = result.ranking.find((t) => t.facts['technique.family_match'] === true);
  if (closest?.failed.length) out.push(`For example, ${closest.id}: ${exclusionReason(closest)}.`);
  return out;
}

/** The command that shows the recommended run part by part, or null (a model from --model-params is not in the catalogue, so `estimate` cannot take it). */
function estimateCommand(result: RecommendResult, rec: RankedTechnique | null): string | null {
  if (!rec?.plan || result.model.id.startsWith('custom-')) return null;
  const card = result.card.id ? `--gpu ${result.card.id}` : `--vram ${fmtNum(result.card.vramGiB, 2)}`;
  return [
    'finetune-advisor estimate',
    `--technique ${rec.id}`,
    `--model ${result.model.id}`,
    card,
    ...cardSetFlags(result.card, result.answers.interconnect),
    ...estimateFlags(rec.plan),
  ].join(' ');
}

/** Where the full explanation and sources are, unless they are shown. */
function morePointer(detail: RecommendDetail): string[] {
  const more = [
    detail.explain ? null : '--explain shows every rule and technique',
    detail.sources ? null : '--sources every source',
  ].filter((x): x is string => x !== null);
  return more.length ? [`${more.join(', ')}.`] : [];
}

/** What to do with the answer: the run's breakdown, and where the full explanation is. */
function nextStep(result: RecommendResult, rec: RankedTechnique | null, detail: RecommendDetail): string[] {
  const command = estimateCommand(result, rec);
  return [...(command ? [`Train with the setup above; the run part by part: ${command}`] : []), ...morePointer(detail)];
}

/**
 * The sources behind a figure the estimates and setup show, told by the fields a source says it
 * backs: the recipe's defaults for this model's group, the model's size and architecture, the card's
 * memory, speed and bf16 support. The estimators' own references stand behind every figure alike
 * and are counted on one line; sources of other groups, of scores, data, pitfalls or summaries are
 * left to --sources.
 */
function figureSources(result: RecommendResult): { shown: Source[]; estimator: number } {
  const group = result.model.group;
  const behindFigure = (tag: string) =>
    tag === 'defaults' ||
    tag === `defaults.${group}` ||
    tag.startsWith(`defaults.${group}.`) ||
    /^(params|architecture|vramGB|memoryMiB|tflops|bandwidthGBs|bf16)$/.test(tag);
  const estimator = new Set(ESTIMATE_SOURCES.map((s) => s.ref));
  return {
    shown: result.sources.filter((s) => !estimator.has(s.ref) && (s.for ?? []).some(behindFigure)),
    estimator: result.sources.filter((s) => estimator.has(s.ref)).length,
  };
}

/** A source on one line: its reference and address when they fit, else the reference cut to the width. */
function sourceOneLine(s: Source, width: number): string {
  const full = `- ${s.ref}${s.url && !s.ref.includes(s.url) ? ` <${s.url}>` : ''}`;
  if (visibleWidth(full) <= width) return full;
  const ref = `- ${s.ref}`;
  return visibleWidth(ref) <= width ? ref : `${splitVisible(ref, width - 1)[0]}…`;
}

function sourcesText(sources: Source[]): string[] {
  return sources.map((s) => sourceLine(s, 'for'));
}

function cardLine(result: RecommendResult): string {
  return cardText(result.card);
}

/** The recommendation's estimates, each a label and its line (text aligns them, markdown bolds the label). */
function estimates(t: RankedTechnique, card: RecommendResult['card']): Array<{ label: string; text: string }> {
  const { backend } = card;
  const { fit, time, run } = t.plan!;
  const several = run.settings.cards > 1;
  // on several cards the strategy is named once (the Cards line says how it shards), not as the sharding savers taken
  const strategy = several && run.settings.strategy ? strategyShortName(run.settings.strategy) : null;
  const labels = fit.saverLabels.filter((_, i) => !strategy || !STRATEGY_SAVERS.has(fit.savers[i]!));
  const savers = labels.length
    ? `${strategy ? `${strategy}, ` : ''}with ${labels.join(', ')}`
    : strategy
      ? `${strategy}, no other memory savers needed`
      : 'no memory savers needed';
  const precision = t.plan!.precisionChange;
  const throughput =
    run.step.tokensPerSecond !== undefined
      ? `${fmtNum(run.step.tokensPerSecond, 0)} tokens/s`
      : `${fmtNum(run.step.imagesPerSecond ?? 0, 2)} images/s`;
  return [
    {
      label: 'VRAM',
      text: `${fmtNum(run.memory.peakGiB, 1)} GiB peak${several ? ' per card' : ''} of ${fmtNum(fit.limitGiB, 1)} GiB usable (${savers})`,
    },
    ...cardSetLine(t, card),
    {
      label: 'Time',
      text: `${formatDuration(run.hours)}${time && time.stepsShare < 1 ? ` (shortened from a typical ${formatDuration(time.typicalHours)})` : ''}: ${plural(run.settings.steps, 'step')} x ${run.settings.gradAccum > 1 ? `${run.settings.gradAccum} micro-steps x ` : ''}${fmtNum(run.step.stepSeconds, 2)} s (${throughput})${classImageTime(run.settings, run.classImageHours)}`,
    },
    {
      label: 'Output',
      text: `${fmtMB(run.sizeMB)} (${fmtNum(run.memory.trainableParams / 1e6, run.memory.trainableParams < 1e6 ? 3 : 1)} M trainable parameters)`,
    },
    { label: 'Setup', text: describeSettings(run.settings).join(', ') },
    ...(precision ? [{ label: 'Dtype', text: precisionChangeText(precision, 'the card', backend) }] : []),
    ...t.plan!.backendChanges.map((c) => ({ label: 'Stack', text: backendChangeText(c, 'the card') })),
  ];
}

/**
 * On several cards, how they share the run: the strategy, why (what one card would need) and what
 * each card holds (the card-set-strategy rule's reason, said here as it is not scored), and the
 * host memory each node needs where the strategy offloads.
 */
function cardSetLine(t: RankedTechnique, card: RecommendResult['card']): Array<{ label: string; text: string }> {
  const why = t.facts['run.strategy_why'];
  const { run } = t.plan!;
  if (run.settings.cards <= 1 || !run.settings.strategy || typeof why !== 'string') return [];
  const host = run.memory.hostGiB / card.nodes;
  const offload = host > 0 ? `; ${fmtNum(host, 1)} GiB of host memory per node for what it offloads` : '';
  return [{ label: 'Cards', text: `${why}${offload}` }];
}

/** How the data plan labels each topic of the knowledge base's advice. */
const TOPIC_LABELS: Record<DataTopic, string> = {
  captions: 'Captions',
  trigger: 'Trigger',
  'class-images': 'Classes',
  'chat-template': 'Template',
  'loss-masking': 'Loss',
  packing: 'Packing',
};

/**
 * The data plan: where the steps come from (the user's data, or the recipe's run the budget
 * allows), then the knowledge base's advice for this run (data/data-plan.yaml), a line a topic.
 */
function dataPlan(t: RankedTechnique, budgetHours: number): Array<{ label: string; text: string }> {
  const { fit, run, data, recipeData } = t.plan!;
  return [
    { label: 'Steps', text: dataLine(run, data, recipeData, data ? undefined : budgetHours, fit.run.settings.steps) },
    ...(t.advice?.dataPlan ?? []).map((d) => ({
      label: TOPIC_LABELS[d.topic],
      text: d.value ? `${d.value}: ${d.text}` : d.text,
    })),
  ];
}

/** The pitfalls' heading: how many of the technique's are shown, and where the rest are. */
function pitfallsHeading(t: RankedTechnique): string {
  const a = t.advice!;
  return a.pitfalls.length < a.pitfallsTotal
    ? `Pitfalls for this run (${a.pitfalls.length} of ${a.pitfallsTotal}; all: techniques show ${t.id})`
    : 'Pitfalls';
}

/** The explanation's rows: every applicable record with --explain, else only those that mattered. */
/**
 * The records that mattered (a failed hard rule, non-zero points), in the table's order; at most
 * `limit` of them when the screen is short: the failed hard rules and the largest effects stay.
 */
function explained(rec: RankedTechnique, style: Style, detail: RecommendDetail, limit = Infinity): ExplanationRow[] {
  const rows = explanationRows(rec, style);
  if (detail.explain) return rows;
  const mattering = rec.rules.filter((r) => r.applies && mattered(r));
  const weight = (r: (typeof mattering)[number]) => (r.effect === 'ineligible' ? Infinity : Math.abs(r.points));
  const keep = new Set(
    [...mattering]
      .sort((x, y) => weight(y) - weight(x))
      .slice(0, limit)
      .map((r) => r.rule),
  );
  return rows.filter((r) => keep.has(r.rule));
}

function explanationHeading(rec: RankedTechnique, rows: number, detail: RecommendDetail, mattering = rows): string {
  const all = rec.rules.filter((r) => r.applies).length;
  if (detail.explain) return `Why ${rec.name}: every rule`;
  if (rows === all) return `Why ${rec.name}: every rule (--explain adds every technique)`;
  return rows < mattering
    ? `Why ${rec.name}: the ${rows} weightiest of the ${mattering} rules that mattered (of ${all}; --explain for all)`
    : `Why ${rec.name}: the ${plural(rows, 'rule')} that mattered (of ${all}; --explain for all)`;
}

function sourcesHeading(shown: number, all: number, listed = shown): string {
  // none of them left room for: the pointer alone
  if (listed === 0 && shown > 0) return `Sources behind the estimates and setup: --sources lists all ${all}`;
  const here = listed < shown ? `${listed} of ${shown} here` : `${shown} here`;
  return `Sources behind the estimates and setup (${here}; --sources lists all ${all})`;
}

const estimatorLine = (n: number) => `- the estimators' formulas and constants: ${plural(n, 'reference')} (--sources)`;

/**
 * The default answer fits on a screen of this many lines at 100 columns (issue 12, item 6); the
 * short source list, a pointer to --sources, gives way first: its last entries (the card's, then
 * the model's) are left to --sources when the rest of the answer needs the room; then the
 * explanation table keeps its weightiest rows (failed hard rules, the largest points).
 */
export const SCREEN_LINES = 60;

/** ", objective dpo" for a preference or RL objective (sft, the default, goes unsaid), with where it came from. */
function objectivePhrase(a: RecommendResult['answers']): string {
  if (!a.objective || a.objective === DEFAULT_OBJECTIVE) return '';
  return `, objective ${a.objective}${a.objectiveGiven ? '' : ` (the ${a.goal} goal's)`}`;
}

/**
 * With --trainer: the best technique it does not run, which would rank above what it does run, and
 * the trainers that run it (one line; none when the trainer runs the winner).
 */
export function notRunLine(result: RecommendResult): string | null {
  const n = result.notRunByTrainer;
  const trainer = result.answers.trainer;
  if (!n || !trainer) return null;
  const where = n.trainers.length ? `; it runs on --trainer ${n.trainers.join(', ')}` : '';
  return `${trainer.id} does not run ${n.name} (${n.id}), which would rank ${result.recommendation ? 'above this' : 'first'}${where}. Only what ${trainer.id} runs is ranked.`;
}

/** ", trainer trl" for the trainer the runs are planned for; the family's default says so (--trainer picks another). */
function trainerPhrase(a: RecommendResult['answers']): string {
  if (!a.trainer) return '';
  return `, trainer ${a.trainer.id}${a.trainerGiven ? '' : ' (default)'}`;
}

export function renderRecommendText(
  result: RecommendResult,
  opts: RenderOptions,
  detail: RecommendDetail = {},
): string {
  const style = createStyle(opts.color);
  const a = result.answers;
  const out: string[] = [];
  const rec = result.recommendation;
  const context = `${a.goal} on ${result.model.name}, ${cardLine(result)}, ${formatDuration(a.timeHours)} budget, priority ${a.priority}${objectivePhrase(a)}${trainerPhrase(a)}`;
  const c = rankingColumns(style);
  const ranking = rankingRows(result);
  const rankingTable = (compact: boolean) =>
    opts.width < NARROW
      ? ranking.map(
          (r) =>
            `- ${r.technique}: ${r.eligible ? `score ${c.score.cell(r)}, ` : ''}${c.vram.cell(r)}, ${c.time.cell(r)}; ${c.saversOrWhyNot.cell(r)}`,
        )
      : [
          renderTable(
            [c.technique, c.eligible, c.score, c.vram, c.time, c.saversOrWhyNot],
            ranking,
            opts.width,
            style,
            {
              compact,
            },
          ),
        ];
  if (rec) {
    out.push(
      `${style.heading('Recommendation:')} ${style.accent(rec.name)} ${style.dim(`(${rec.id}, score ${fmtNum(rec.score, 2)})`)}`,
    );
    out.push(style.dim(`for ${context}`));
    const notRun = notRunLine(result);
    if (notRun) out.push(`${style.heading('Note:')} ${notRun}`);
    out.push('', style.heading('Why'), whySentences(result, rec).join(' '));
    out.push(
      '',
      style.heading('Estimates'),
      ...estimates(rec, result.card).map((l) => `${l.label.padEnd(8)}${l.text}`),
    );
    if (result.card.speedFrom)
      out.push(style.dim(`(no GPU named: speed assumed from ${result.card.speedFrom}; pass --gpu for yours)`));
    out.push(
      '',
      style.heading('Data plan'),
      ...dataPlan(rec, a.timeHours).map((l) => `${l.label.padEnd(10)}${l.text}`),
    );
    if (rec.advice?.pitfalls.length)
      out.push('', style.heading(pitfallsHeading(rec)), ...rec.advice.pitfalls.map((p) => `- ${p.text}`));
    // the command on a line of its own, under a heading that says what it is for; the explanation's
    // and the sources' headings say where --explain and --sources lead
    const command = estimateCommand(result, rec);
    if (command) out.push('', style.heading('Next step: train with the setup above; the run part by part:'), command);
    else out.push('', style.heading('Next step'), ...morePointer(detail));
    const mattering = explained(rec, style, detail).length;
    // the explanation gives way after the source list: its smallest effects first, down to 3 rows
    const table = (limit: number) => {
      const rows = explained(rec, style, detail, limit);
      const lines = ['', style.heading(explanationHeading(rec, rows.length, detail, mattering))];
      if (opts.width < NARROW) lines.push(...rows.map((r) => `- ${r.verdict} ${r.rule} (${r.value}): ${r.why}`));
      else lines.push(renderTable(EXPLANATION_COLUMNS, rows, opts.width, style, { compact: !detail.explain }));
      return lines;
    };
    let limit = mattering;
    let lines = table(limit);
    const minimumTail = 3; // the sources' heading, a blank line and the estimators' line
    const count = (xs: string[]) => wrapLines(xs, opts.width).flatMap((l) => l.split('\n')).length;
    if (!detail.explain && !detail.sources)
      while (limit > 3 && count([...out, ...lines]) + minimumTail > SCREEN_LINES) lines = table(--limit);
    out.push(...lines);
    if (detail.explain) out.push('', style.heading('All techniques'), ...rankingTable(false));
  } else {
    out.push(`${style.bad('Nothing fits')} ${style.dim(`for ${context}`)}`);
    const notRun = notRunLine(result);
    if (notRun) out.push(`${style.heading('Note:')} ${notRun}`);
    const why = nothingFitsWhy(result);
    if (why.length) out.push('', style.heading('Why'), why.join(' '));
    if (result.suggestions.length) {
      out.push('', style.heading('What would make it work'));
      for (const s of result.suggestions) out.push(`- ${suggestionText(s)}`);
    }
    const next = nextStep(result, null, detail);
    if (next.length) out.push('', style.heading('Next step'), ...next);
    out.push('', style.heading('All techniques'));
    if (detail.explain) out.push(...rankingTable(false));
    else if (opts.width < NARROW) out.push(...ranking.map((r) => `- ${r.technique}: ${r.ruledOutBy}`));
    else
      out.push(renderTable([c.technique, c.vram, c.time, c.ruledOutBy], ranking, opts.width, style, { compact: true }));
  }
  if (detail.sources) {
    out.push('', style.heading('Sources'), ...sourcesText(result.sources));
    return wrapLines(out, opts.width).join('\n') + '\n';
  }
  const { shown, estimator } = figureSources(result);
  const body = wrapLines(out, opts.width).flatMap((l) => l.split('\n'));
  const tail = estimator ? wrapLines([estimatorLine(estimator)], opts.width) : [];
  // one line each, not wrapped: the short list is a pointer, --sources gives the full references;
  // as many as the screen has room for below the heading and the estimators' line (all of them
  // when the rest alone does not fit: leaving some out would not make it fit)
  const heading = (listed: number) =>
    wrapLines([style.heading(sourcesHeading(shown.length, result.sources.length, listed))], opts.width)[0]!.split('\n');
  const room = SCREEN_LINES - body.length - 1 - heading(0).length - tail.length;
  const listed = shown.slice(0, Math.max(0, room));
  body.push('', ...heading(listed.length), ...listed.map((s) => sourceOneLine(s, opts.width)), ...tail);
  return body.join('\n') + '\n';
}

export function renderRecommendMarkdown(result: RecommendResult, detail: RecommendDetail = {}): string {
  const plain = createStyle(false);
  const a = result.answers;
  const rec = result.recommendation;
  const out: string[] = [];
  out.push(
    `# Fine-tuning recommendation`,
    '',
    `For a **${a.goal}** goal on **${result.model.name}**, ${cardLine(result)}, ${formatDuration(a.timeHours)} budget, priority ${a.priority}${objectivePhrase(a)}${trainerPhrase(a)}.`,
    '',
  );
  const notRun = notRunLine(result);
  if (notRun) out.push(`**Note:** ${notRun}`, '');
  const c = rankingColumns(plain);
  const ranking = () => markdownTable([c.technique, c.eligible, c.score, c.whyNot], rankingRows(result));
  if (rec) {
    out.push(`**Recommendation: ${rec.name}** (\`${rec.id}\`, score ${fmtNum(rec.score, 2)})`);
    out.push('', '## Why', '', whySentences(result, rec).join(' '));
    out.push('', '## Estimates', '', ...estimates(rec, result.card).map((l) => `- **${l.label}** ${l.text}`));
    out.push('', '## Data plan', '', ...dataPlan(rec, a.timeHours).map((l) => `- **${l.label}** ${l.text}`));
    if (rec.advice?.pitfalls.length)
      out.push('', `## ${pitfallsHeading(rec)}`, '', ...rec.advice.pitfalls.map((p) => `- ${p.text}`));
    out.push('', '## Next step', '', ...nextStep(result, rec, detail).map(code));
    const rows = explained(rec, plain, detail);
    out.push('', `## ${explanationHeading(rec, rows.length, detail)}`, '', ...markdownTable(EXPLANATION_COLUMNS, rows));
    if (detail.explain) out.push('', '## All techniques', '', ...ranking());
  } else {
    out.push('**Nothing fits.**', '');
    const why = nothingFitsWhy(result);
    if (why.length) out.push(why.join(' '), '');
    for (const s of result.suggestions) out.push(`- ${suggestionText(s)}`);
    const next = nextStep(result, null, detail);
    if (next.length) out.push('', '## Next step', '', ...next.map(code));
    out.push('', '## All techniques', '', ...ranking());
  }
  if (detail.sources) out.push('', '## Sources', '', ...sourcesText(result.sources));
  else {
    const { shown, estimator } = figureSources(result);
    out.push('', `## ${sourcesHeading(shown.length, result.sources.length)}`, '');
    out.push(...shown.map((s) => sourceLine(s, 'ref')), ...(estimator ? [estimatorLine(estimator)] : []));
  }
  return out.join('\n') + '\n';
}

/** A next-step line for markdown: its commands and flags as code. */
function code(line: string): string {
  return line.replace(/(finetune-advisor [^;.]*$|--[a-z-]+)/g, '`$1`');
}
