// Evaluates the rules over one technique's facts. Every condition becomes a record; the
// explanation table renders these records and never recomputes them.
import type { Condition, Rule } from '../kb/schema.js';
import type { Operator } from '../kb/vocabulary.js';
import { FACTS, round, type FactName, type Facts } from './facts.js';
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
    if (name !== 'value' && name !== 'threshold' && !(name in FACTS)) continue; // not a placeholder: kept as text
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

export function evaluateRules(rules: readonly Rule[], facts: Facts): Evaluation {
  const records: RuleRecord[] = [];
  let eligible = true;
  let score = 0;
  for (const rule of rules) {
    if (rule.disabled) continue;
    let applies = true;
    for (const c of rule.when ?? []) {
      const v = factValue(facts, c.fact);
      if (v === null || !applyOperator(c.op, v, resolveThreshold(facts, c.value))) {
        applies = false;
        break;
      }
    }
    const fact = (rule.check?.fact ?? rule.score?.fact ?? rule.when?.[0]?.fact) as FactName;
    const value = fact ? factValue(facts, fact) : null;
    let threshold: Threshold | null = rule.check ? resolveThreshold(facts, rule.check.value) : null;
    let passed: boolean | null = null;
    let effect: RuleRecord['effect'] = 'not applicable';
    let points = 0;
    let reason = '';
    if (applies) {
      passed = true;
      if (rule.check) passed = value === null || (typeof threshold === 'number' && Number.isNaN(threshold)) ? null : applyOperator(rule.check.op, value, threshold!);
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
      reason = fillTemplate(template, facts, value, threshold);
    } else if (!rule.check) threshold = null;
    // one object shape for every record (fast to build, small to keep)
    records.push({
      rule: rule.id, kind: rule.kind, description: rule.description, fact, label: FACTS[fact] ?? fact, value,
      operator: rule.check?.op ?? 'x', threshold, passed, applies, effect, points: round(points, 2), reason,
    });
  }
  return { eligible, score: round(score, 2), records };
}
