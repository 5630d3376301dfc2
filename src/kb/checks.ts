// Cross-entry checks the schemas cannot express: aliases claimed twice, rules over unknown facts,
// recipes for groups the technique does not serve, goals outside its families.
import { FACTS } from '../engine/facts.js';
import { GOAL_FAMILY, type Goal } from './vocabulary.js';
import { normalizeName, nearest } from './lookup.js';
import type { KnowledgeBase } from './types.js';

export interface CheckProblem { key: string; message: string }

const GROUP_FAMILY = { sd1: 'image', sd2: 'image', sdxl: 'image', sd3: 'image', flux: 'image', llm: 'llm' } as const;

function aliasClashes(kind: 'gpus' | 'models' | 'techniques', entries: Array<{ id: string; name: string; aliases?: string[] }>): CheckProblem[] {
  const owner = new Map<string, string>();
  const out: CheckProblem[] = [];
  for (const e of entries) owner.set(normalizeName(e.id), e.id);
  for (const e of entries) {
    for (const alias of e.aliases ?? []) {
      const n = normalizeName(alias);
      const prev = owner.get(n);
      if (prev && prev !== e.id) out.push({ key: `${kind}:${e.id}`, message: `alias '${alias}' of '${e.id}' is already claimed by '${prev}'` });
      else owner.set(n, e.id);
    }
  }
  return out;
}

export function crossCheck(kb: KnowledgeBase): CheckProblem[] {
  const out: CheckProblem[] = [];
  out.push(...aliasClashes('gpus', kb.gpus), ...aliasClashes('models', kb.models), ...aliasClashes('techniques', kb.techniques));
  const factNames = Object.keys(FACTS);
  for (const rule of kb.rules) {
    const conditions = [...(rule.when ?? []), ...(rule.check ? [rule.check] : [])];
    const named = conditions.flatMap((c) => [c.fact, ...(typeof c.value === 'object' && c.value !== null && !Array.isArray(c.value) ? [c.value.fact] : [])]);
    if (rule.score?.fact) named.push(rule.score.fact);
    for (const f of named) {
      if (!(f in FACTS)) {
        const guess = nearest(f, factNames);
        out.push({ key: `rules:${rule.id}`, message: `rule '${rule.id}' names unknown fact '${f}'${guess ? ` (did you mean '${guess}'?)` : ''}` });
      }
    }
    if (!rule.check && !(rule.kind === 'soft' && rule.score)) out.push({ key: `rules:${rule.id}`, message: `rule '${rule.id}' needs a check (hard rules) or a score (soft rules)` });
    if (rule.kind === 'hard' && rule.score) out.push({ key: `rules:${rule.id}`, message: `hard rule '${rule.id}' cannot have a score` });
  }
  for (const t of kb.techniques) {
    for (const group of Object.keys(t.defaults) as Array<keyof typeof GROUP_FAMILY>) {
      if (!t.families.includes(GROUP_FAMILY[group])) out.push({ key: `techniques:${t.id}`, message: `defaults for '${group}' but '${t.id}' serves ${t.families.join(', ')}` });
    }
    for (const goal of Object.keys(t.goals) as Goal[]) {
      if (!t.families.includes(GOAL_FAMILY[goal])) out.push({ key: `techniques:${t.id}`, message: `goal '${goal}' is a ${GOAL_FAMILY[goal]} goal but '${t.id}' serves ${t.families.join(', ')}` });
    }
    if (t.attributes.storage.minMB > t.attributes.storage.maxMB) out.push({ key: `techniques:${t.id}`, message: `storage minMB is above maxMB` });
  }
  for (const m of kb.models) {
    if (GROUP_FAMILY[m.group] !== m.family) out.push({ key: `models:${m.id}`, message: `group '${m.group}' is not a ${m.family} group` });
  }
  return out;
}
