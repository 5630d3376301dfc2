// Evaluates the rules over one technique's facts. Ranking needs only each technique's verdict and
// score (scoreTechnique, no allocation per rule); a rule's full record (ruleRecord) is built when
// it is shown. The explanation table renders these records and never recomputes them.
import { formatDuration, formatFact, round } from '../format.js';
import type { Condition, Rule } from '../kb/schema.js';
import type { Operator } from '../kb/vocabulary.js';
import { FACT_NAMES, type FactName, FACTS, type Facts } from './facts.js';
import { applyOperator, type FactValue, type Threshold } from './operators.js';

export interface RuleRecord {
  rule: string;
  kind: 'hard' | 'soft';
  description: string;
  fact: FactName;
  label: string;
  value: FactValue;
  operator: Operator | 'x';
  threshold: Threshold | null;
  /** null when the fact has no value here (no estimate) */
  passed: boolean | null;
  /** does the rule apply to these answers (its `when` conditions)? */
  applies: boolean;
  effect: 'ineligible' | 'ok' | 'score' | 'none' | 'not evaluated' | 'not applicable';
  points: number;
  reason: string;
}

export interface Evaluation {
  eligible: boolean;
  score: number;
  records: RuleRecord[];
}

/** A condition with its fact (and a fact used as threshold) as positions in a fact vector. */
interface PreparedCondition {
  op: Operator;
  fact: number;
  /** position of the fact used as threshold, or -1 for a constant */
  thresholdFact: number;
  value: Threshold;
}

/**
 * A rule made ready once per knowledge base: disabled rules dropped, fact names checked, and facts
 * turned into positions in a vector, so scoring a technique is a tight loop over plain fields
 * (a 1,000 x 1,000 knowledge base is a million evaluations).
 */
export interface PreparedRule {
  rule: Rule;
  /** the fact the record shows: the check's, else the score's, else the first condition's */
  fact: FactName;
  when: PreparedCondition[];
  check: PreparedCondition | null;
  hard: boolean;
  points: number;
  weight: number;
  /** position of the fact the weight multiplies, or -1 */
  scaleFact: number;
}

const FACT_INDEX = new Map(FACT_NAMES.map((name, i) => [name as string, i]));

function factIndex(name: string, rule: Rule): number {
  const i = FACT_INDEX.get(name);
  if (i === undefined) throw new Error(`rule '${rule.id}': unknown fact '${name}'`);
  return i;
}

function prepareCondition(c: Condition, rule: Rule): PreparedCondition {
  const v = c.value;
  const factThreshold = v !== null && typeof v === 'object' && !Array.isArray(v) && 'fact' in v;
  return {
    op: c.op,
    fact: factIndex(c.fact, rule),
    thresholdFact: factThreshold ? factIndex(v.fact, rule) : -1,
    value: factThreshold ? Number.NaN : (v as Threshold),
  };
}

const preparedByRules = new WeakMap<readonly Rule[], PreparedRule[]>();

export function prepareRules(rules: readonly Rule[]): PreparedRule[] {
  let prepared = preparedByRules.get(rules);
  if (prepared) return prepared;
  prepared = rules
    .filter((rule) => !rule.disabled)
    .map((rule) => ({
      rule,
      fact: (rule.check?.fact ?? rule.score?.fact ?? rule.when?.[0]?.fact) as FactName,
      when: (rule.when ?? []).map((c) => prepareCondition(c, rule)),
      check: rule.check ? prepareCondition(rule.check, rule) : null,
      hard: rule.kind === 'hard',
      points: rule.score?.points ?? 0,
      weight: rule.score?.weight ?? 0,
      scaleFact: rule.score?.fact ? factIndex(rule.score.fact, rule) : -1,
    }));
  preparedByRules.set(rules, prepared);
  return prepared;
}

/** The facts in FACT_NAMES order. */
export function factVector(facts: Facts): FactValue[] {
  return FACT_NAMES.map((name) => facts[name]);
}

/** A condition's threshold: its constant, or the value of a fact (NaN when that has none). */
function thresholdOf(c: PreparedCondition, values: readonly FactValue[]): Threshold {
  if (c.thresholdFact < 0) return c.value;
  const t = values[c.thresholdFact];
  return t === null || t === undefined ? Number.NaN : t;
}

/** `when` conditions: all must hold, and a fact without a value never does. */
function applies(p: PreparedRule, values: readonly FactValue[]): boolean {
  for (const c of p.when) {
    const v = values[c.fact];
    if (v === null || v === undefined || !applyOperator(c.op, v, thresholdOf(c, values))) return false;
  }
  return true;
}

/**
 * What one rule finds for one technique's facts: the single decision that ranking (scoreTechnique)
 * and the explanation (ruleRecord) both read. A check whose fact, or fact threshold, has no value
 * is not evaluated; a rule without a check passes wherever it applies.
 */
export type Verdict = 'not applicable' | 'not evaluated' | 'passed' | 'failed';

export function ruleVerdict(p: PreparedRule, values: readonly FactValue[]): Verdict {
  if (p.when.length && !applies(p, values)) return 'not applicable';
  const c = p.check;
  if (!c) return 'passed';
  const v = values[c.fact];
  const th = thresholdOf(c, values);
  if (v === null || v === undefined || (typeof th === 'number' && Number.isNaN(th))) return 'not evaluated';
  return applyOperator(c.op, v, th) ? 'passed' : 'failed';
}

/** A soft rule's points when it passes: its constant plus its weight times its scaling fact. */
function softPoints(p: PreparedRule, values: readonly FactValue[]): number {
  if (p.scaleFact < 0) return p.points;
  const scale = values[p.scaleFact];
  return p.points + p.weight * (typeof scale === 'number' ? scale : 0);
}

export interface Score {
  eligible: boolean;
  score: number;
  /** indices (into the prepared rules) of the hard rules that failed */
  failed: number[];
}

const NONE_FAILED: number[] = [];

/**
 * Eligibility and score without building records: what ranking needs for every technique. A hard
 * rule that fails makes the technique ineligible; a soft rule that passes adds its points.
 */
export function scoreTechnique(prepared: readonly PreparedRule[], values: readonly FactValue[]): Score {
  let eligible = true;
  let score = 0;
  let failed = NONE_FAILED;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!;
    const verdict = ruleVerdict(p, values);
    if (p.hard) {
      if (verdict === 'failed') {
        eligible = false;
        if (failed === NONE_FAILED) failed = [];
        failed.push(i);
      }
    } else if (verdict === 'passed') score += softPoints(p, values);
  }
  return { eligible, score: round(score, 2), failed };
}

/** One rule's record for one technique's facts: what the explanation table and JSON show. */
export function ruleRecord(
  p: PreparedRule,
  facts: Facts,
  values: readonly FactValue[] = factVector(facts),
): RuleRecord {
  const rule = p.rule;
  const fact = p.fact;
  const value = fact ? facts[fact] : null;
  const verdict = ruleVerdict(p, values);
  const ruleApplies = verdict !== 'not applicable';
  // a rule that does not apply still shows the threshold its check would have used
  const threshold: Threshold | null = p.check ? thresholdOf(p.check, values) : null;
  const passed = verdict === 'passed' ? true : verdict === 'failed' ? false : null;
  const points = !p.hard && verdict === 'passed' ? softPoints(p, values) : 0;
  const effect: RuleRecord['effect'] =
    verdict === 'not applicable' || verdict === 'not evaluated'
      ? verdict
      : p.hard
        ? passed
          ? 'ok'
          : 'ineligible'
        : points !== 0
          ? 'score'
          : 'none';
  const template = passed === false && rule.reason.fail ? rule.reason.fail : rule.reason.pass;
  // one object shape for every record (fast to build, small to keep)
  return {
    rule: rule.id,
    kind: rule.kind,
    description: rule.description,
    fact,
    label: Object.hasOwn(FACTS, fact) ? FACTS[fact] : fact,
    value,
    operator: rule.check?.op ?? 'x',
    threshold,
    passed,
    applies: ruleApplies,
    effect,
    points: round(points, 2),
    reason: ruleApplies ? fillTemplate(template, facts, value, threshold) : '',
  };
}

type TemplatePart = string | { name: string; duration: boolean };
const compiledTemplates = new Map<string, TemplatePart[]>();

/** Splits a reason template into text and placeholders once; rules reuse it for every technique. */
function compileTemplate(template: string): TemplatePart[] {
  let parts = compiledTemplates.get(template);
  if (parts) return parts;
  parts = [];
  let last = 0;
  for (const m of template.matchAll(/\{([a-z_.]+)(?::(duration))?\}/g)) {
    const name = m[1]!;
    if (name !== 'value' && name !== 'threshold' && !Object.hasOwn(FACTS, name)) continue; // not a placeholder: kept as text
    if (m.index! > last) parts.push(template.slice(last, m.index));
    parts.push({ name, duration: m[2] === 'duration' });
    last = m.index! + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  compiledTemplates.set(template, parts);
  return parts;
}

/**
 * Fills `{fact.name}` placeholders (and `{value}`, `{threshold}`) in a reason template;
 * `{fact.name:duration}` prints hours as a duration.
 */
export function fillTemplate(template: string, facts: Facts, value: FactValue, threshold: Threshold | null): string {
  let out = '';
  for (const part of compileTemplate(template)) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const v = part.name === 'value' ? value : part.name === 'threshold' ? threshold : facts[part.name as FactName];
    out += part.duration && typeof v === 'number' ? formatDuration(v) : formatFact(v);
  }
  return out;
}

/** Every rule's record, with the verdict they add up to. */
export function evaluateRules(rules: readonly Rule[], facts: Facts): Evaluation {
  const prepared = prepareRules(rules);
  const values = factVector(facts);
  const { eligible, score } = scoreTechnique(prepared, values);
  return { eligible, score, records: prepared.map((p) => ruleRecord(p, facts, values)) };
}
