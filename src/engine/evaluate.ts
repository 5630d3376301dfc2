// Evaluates the rules over one technique's facts. Every condition becomes a record; the
// explanation table renders these records and never recomputes them.
import type { Condition, Rule } from '../kb/schema.js';
import type { Operator } from '../kb/vocabulary.js';
import { FACTS, type FactName, type Facts } from './facts.js';
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

function factValue(facts: Facts, name: string): FactValue {
  if (!(name in FACTS)) throw new Error(`unknown fact '${name}'`);
  return facts[name as FactName];
}

function resolveThreshold(facts: Facts, value: Condition['value']): Threshold {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'fact' in value) {
    const v = factValue(facts, value.fact);
    return v === null ? Number.NaN : (v as Threshold);
  }
  return value as Threshold;
}

export function formatFact(v: FactValue | Threshold | null): string {
  if (v === null) return '—';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)));
  return String(v);
}

/** Hours as people say them: "40 min", "5.4 h", "2.5 days". */
export function formatDuration(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Number(hours.toFixed(1))} h`;
  return `${Number((hours / 24).toFixed(1))} days`;
}

/**
 * Fills `{fact.name}` placeholders (and `{value}`, `{threshold}`) in a reason template;
 * `{fact.name:duration}` prints hours as a duration.
 */
export function fillTemplate(template: string, facts: Facts, value: FactValue, threshold: Threshold | null): string {
  return template.replace(/\{([a-z_.]+)(?::(duration))?\}/g, (whole, name: string, format?: string) => {
    let v: FactValue | Threshold | null;
    if (name === 'value') v = value;
    else if (name === 'threshold') v = threshold;
    else if (name in FACTS) v = facts[name as FactName];
    else return whole;
    return format === 'duration' && typeof v === 'number' ? formatDuration(v) : formatFact(v);
  });
}

export function evaluateRules(rules: readonly Rule[], facts: Facts): Evaluation {
  const records: RuleRecord[] = [];
  let eligible = true;
  let score = 0;
  for (const rule of rules) {
    if (rule.disabled) continue;
    const applies = (rule.when ?? []).every((c) => {
      const v = factValue(facts, c.fact);
      return v !== null && applyOperator(c.op, v, resolveThreshold(facts, c.value));
    });
    const fact = (rule.check?.fact ?? rule.score?.fact ?? rule.when?.[0]?.fact) as FactName;
    const value = fact ? factValue(facts, fact) : null;
    const base = { rule: rule.id, kind: rule.kind, description: rule.description, fact, label: FACTS[fact] ?? fact, value } as const;
    if (!applies) {
      records.push({ ...base, operator: rule.check?.op ?? 'x', threshold: rule.check ? resolveThreshold(facts, rule.check.value) : null, passed: null, applies: false, effect: 'not applicable', points: 0, reason: '' });
      continue;
    }
    let passed: boolean | null = true;
    let threshold: Threshold | null = null;
    if (rule.check) {
      threshold = resolveThreshold(facts, rule.check.value);
      passed = value === null || (typeof threshold === 'number' && Number.isNaN(threshold)) ? null : applyOperator(rule.check.op, value, threshold);
    }
    let effect: RuleRecord['effect'];
    let points = 0;
    if (passed === null) effect = 'not evaluated';
    else if (rule.kind === 'hard') {
      effect = passed ? 'ok' : 'ineligible';
      if (!passed) eligible = false;
    } else if (passed) {
      const scaleFact = rule.score?.fact;
      const scale = scaleFact ? factValue(facts, scaleFact) : 1;
      points = (rule.score?.points ?? 0) + (rule.score?.weight ?? 0) * (typeof scale === 'number' ? scale : 0);
      effect = points === 0 ? 'none' : 'score';
      score += points;
    } else effect = 'none';
    const template = passed === false && rule.reason.fail ? rule.reason.fail : rule.reason.pass;
    records.push({ ...base, operator: rule.check?.op ?? 'x', threshold, passed, applies: true, effect, points: Math.round(points * 100) / 100, reason: fillTemplate(template, facts, value, threshold) });
  }
  return { eligible, score: Math.round(score * 100) / 100, records };
}
