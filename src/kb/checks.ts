// Cross-entry checks the schemas cannot express: aliases claimed twice, rules over unknown facts,
// models and recipes naming groups that do not exist or are of another family, goals outside a
// technique's families.
import { FACTS } from './fact-names.js';
import { nearest, normalizeName } from './lookup.js';
import type { KnowledgeBase } from './types.js';
import { type Goal, GOAL_FAMILIES, STRATEGIES, TOPIC_FAMILIES } from './vocabulary.js';

export interface CheckProblem {
  key: string;
  message: string;
  severity?: 'error' | 'warning';
  /**
   * the field of the entry the problem is in (e.g. ['group'], ['defaults', 'sdxl']), so the loader
   * can point at it; `key: true` points at the last key itself rather than its value
   */
  field?: { path: Array<string | number>; key?: boolean };
}

function aliasClashes(
  kind: 'gpus' | 'models' | 'techniques',
  entries: Array<{ id: string; name: string; aliases?: string[] }>,
): CheckProblem[] {
  const owner = new Map<string, string>();
  const names = new Map<string, string>();
  const out: CheckProblem[] = [];
  for (const e of entries) owner.set(normalizeName(e.id), e.id);
  for (const e of entries) names.set(normalizeName(e.name), e.id);
  for (const e of entries) {
    for (const alias of e.aliases ?? []) {
      const n = normalizeName(alias);
      const prev = owner.get(n);
      if (prev && prev !== e.id)
        out.push({ key: `${kind}:${e.id}`, message: `alias '${alias}' of '${e.id}' is already claimed by '${prev}'` });
      else owner.set(n, e.id);
      // names are matched before aliases, so this alias would never find its entry
      const named = names.get(n);
      if (named && named !== e.id)
        out.push({
          key: `${kind}:${e.id}`,
          severity: 'warning',
          message: `alias '${alias}' of '${e.id}' is the name of '${named}', which wins`,
        });
    }
  }
  return out;
}

/**
 * A GPU's shared names must each find another card (by id, name or alias: the variant a bare name
 * resolves to); a name that finds no card, or the card itself, would never offer this one.
 */
function sharedNameProblems(gpus: KnowledgeBase['gpus']): CheckProblem[] {
  const out: CheckProblem[] = [];
  for (const g of gpus) {
    (g.sharedNames ?? []).forEach((shared, i) => {
      const n = normalizeName(shared);
      const names = (e: (typeof gpus)[number]) => [e.id, e.name, ...e.aliases].map(normalizeName);
      const field = { path: ['sharedNames', i] };
      // warnings: a user file that replaces the card a bundled variant names must not break the load
      if (names(g).includes(n))
        out.push({
          key: `gpus:${g.id}`,
          field,
          severity: 'warning',
          message: `shared name '${shared}' of '${g.id}' is its own name or alias`,
        });
      else if (!gpus.some((e) => e.id !== g.id && names(e).includes(n)))
        out.push({
          key: `gpus:${g.id}`,
          field,
          severity: 'warning',
          message: `shared name '${shared}' of '${g.id}' is no other card's id, name or alias (the card it resolves to names it)`,
        });
    });
  }
  return out;
}

/** Numbers of an entry that no source backs (sources name the fields they back in `for`). */
export function lintEntry(kind: string, entry: Record<string, unknown>): string[] {
  if (kind === 'rules') return [];
  const sources = (entry['sources'] as Array<{ for?: string[] }> | undefined) ?? [];
  const covered = sources.flatMap((s) => s.for ?? []);
  // sources that do not say what they back are taken to back the whole entry
  if (!covered.length || sources.some((s) => !s.for)) return [];
  const numbers: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'number') numbers.push(path);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) if (k !== 'sources') walk(v, path ? `${path}.${k}` : k);
  };
  walk(entry, '');
  // `for: [storage]` backs attributes.storage.minMB: a source may name any tail of the path, or
  // the start of one (any run of whole segments)
  const named = new Set(covered);
  const isCovered = (p: string) => {
    const parts = p.split('.');
    for (let i = 0; i < parts.length; i++) {
      let run = '';
      for (let j = i; j < parts.length; j++) {
        run = j === i ? parts[j]! : `${run}.${parts[j]}`;
        if (named.has(run)) return true;
      }
    }
    return false;
  };
  // levels (1-5) and goal fits (0-3) are the knowledge base's ratings, explained in their text, not figures
  const isRating = (p: string) => /(^|\.)level$/.test(p) || /^goals\.\w+\.fit$/.test(p);
  return numbers
    .filter((p) => !isRating(p) && !isCovered(p))
    .map((p) => `'${p}' of '${entry['id']}' has no source (name it in a source's \`for\`)`);
}

/** Facts whose values are entry ids, and the list the ids must be in (a Map: a rule's fact is user text). */
const ID_FACT_KIND = new Map<string, 'techniques' | 'models' | 'gpus'>([
  ['technique.id', 'techniques'],
  ['model.id', 'models'],
  ['gpu.id', 'gpus'],
]);

export function crossCheck(kb: KnowledgeBase): CheckProblem[] {
  const out: CheckProblem[] = [];
  out.push(
    ...aliasClashes('gpus', kb.gpus),
    ...aliasClashes('models', kb.models),
    ...aliasClashes('techniques', kb.techniques),
    ...sharedNameProblems(kb.gpus),
  );
  const factNames = Object.keys(FACTS);
  const knownIds: Partial<Record<'techniques' | 'models' | 'gpus', Set<string>>> = {};
  for (const rule of kb.rules) {
    const conditions = [...(rule.when ?? []), ...(rule.check ? [rule.check] : [])];
    const named = conditions.flatMap((c) => [
      c.fact,
      ...(typeof c.value === 'object' && c.value !== null && !Array.isArray(c.value) ? [c.value.fact] : []),
    ]);
    if (rule.score?.fact) named.push(rule.score.fact);
    for (const f of named) {
      if (!Object.hasOwn(FACTS, f)) {
        // own names only: 'constructor' or '__proto__' is no fact
        const guess = nearest(f, factNames);
        out.push({
          key: `rules:${rule.id}`,
          message: `rule '${rule.id}' names unknown fact '${f}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        });
      }
    }
    // conditions on ids must name entries that exist
    for (const c of conditions) {
      const kind = ID_FACT_KIND.get(c.fact);
      if (!kind) continue;
      const known = (knownIds[kind] ??= new Set((kb[kind] as Array<{ id: string }>).map((e) => e.id)));
      const values = Array.isArray(c.value) ? c.value : [c.value];
      for (const v of values) {
        if (typeof v === 'string' && !known.has(v) && !(c.fact === 'gpu.id' && v === 'none')) {
          const guess = nearest(v, [...known]);
          out.push({
            key: `rules:${rule.id}`,
            message: `rule '${rule.id}' names unknown ${kind.slice(0, -1)} '${v}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
          });
        }
      }
    }
    if (!rule.check && !(rule.kind === 'soft' && rule.score))
      out.push({
        key: `rules:${rule.id}`,
        message: `rule '${rule.id}' needs a check (hard rules) or a score (soft rules)`,
      });
    if (rule.kind === 'hard' && rule.score)
      out.push({ key: `rules:${rule.id}`, message: `hard rule '${rule.id}' cannot have a score` });
  }
  // the groups section is read only here: a start without --kb never runs these checks
  const groups = new Map(kb.groups.map((g) => [g.id, g]));
  const unknownGroup = (id: string) => {
    const guess = nearest(id, [...groups.keys()]);
    return `unknown model group '${id}'${guess ? ` (did you mean '${guess}'?)` : ''}; groups are defined in a groups file`;
  };
  for (const t of kb.techniques) {
    for (const id of Object.keys(t.defaults)) {
      const field = { path: ['defaults', id], key: true };
      const group = groups.get(id);
      if (!group) out.push({ key: `techniques:${t.id}`, field, message: `defaults for ${unknownGroup(id)}` });
      else if (!t.families.includes(group.family))
        out.push({
          key: `techniques:${t.id}`,
          field,
          message: `defaults for '${id}' but '${t.id}' serves ${t.families.join(', ')}`,
        });
    }
    for (const goal of Object.keys(t.goals) as Goal[]) {
      if (!GOAL_FAMILIES[goal].some((f) => t.families.includes(f)))
        out.push({
          key: `techniques:${t.id}`,
          message: `goal '${goal}' is a ${GOAL_FAMILIES[goal].join(' or ')} goal but '${t.id}' serves ${t.families.join(', ')}`,
        });
    }
    if (t.attributes.storage.minMB > t.attributes.storage.maxMB)
      out.push({ key: `techniques:${t.id}`, message: `storage minMB is above maxMB` });
    t.pitfalls.forEach((p, i) => {
      const applies = typeof p === 'string' ? undefined : p.applies;
      for (const [j, id] of (applies?.groups ?? []).entries())
        if (!groups.has(id))
          out.push({
            key: `techniques:${t.id}`,
            field: { path: ['pitfalls', i, 'applies', 'groups', j] },
            message: `a pitfall for ${unknownGroup(id)}`,
          });
    });
  }
  for (const d of kb.dataPlan) {
    for (const [j, id] of (d.applies?.groups ?? []).entries()) {
      const group = groups.get(id);
      const field = { path: ['applies', 'groups', j] };
      if (!group) out.push({ key: `dataPlan:${d.id}`, field, message: `advice for ${unknownGroup(id)}` });
      else if (!TOPIC_FAMILIES[d.topic].includes(group.family))
        out.push({
          key: `dataPlan:${d.id}`,
          field,
          message: `'${d.topic}' is advice for ${TOPIC_FAMILIES[d.topic].join(' or ')} models but group '${id}' is a ${group.family} group`,
        });
    }
    for (const goal of d.applies?.goals ?? [])
      if (!GOAL_FAMILIES[goal].some((f) => TOPIC_FAMILIES[d.topic].includes(f)))
        out.push({
          key: `dataPlan:${d.id}`,
          message: `'${d.topic}' is advice for ${TOPIC_FAMILIES[d.topic].join(' or ')} models but goal '${goal}' is a ${GOAL_FAMILIES[goal].join(' or ')} goal`,
        });
  }
  // a trainer is the default only for a family it trains, and a family has one default
  const defaultOf = new Map<string, string>();
  for (const tr of kb.trainers ?? []) {
    // the groups a trainer does not train exist and are of a family it trains
    for (const [j, id] of (tr.notFor ?? []).entries()) {
      const field = { path: ['notFor', j] };
      const group = groups.get(id);
      if (!group) out.push({ key: `trainers:${tr.id}`, field, message: `notFor names ${unknownGroup(id)}` });
      else if (!tr.families.includes(group.family))
        out.push({
          key: `trainers:${tr.id}`,
          field,
          message: `group '${id}' is of ${group.family} models, which '${tr.id}' does not train anyway (families)`,
        });
    }
    for (const [j, family] of (tr.defaultFor ?? []).entries()) {
      const field = { path: ['defaultFor', j] };
      if (!tr.families.includes(family))
        out.push({
          key: `trainers:${tr.id}`,
          field,
          message: `'${tr.id}' is a default for ${family} models but does not train them (families)`,
        });
      else if (defaultOf.has(family))
        out.push({
          key: `trainers:${tr.id}`,
          field,
          message: `${family} models already default to trainer '${defaultOf.get(family)}'`,
        });
      else defaultOf.set(family, tr.id);
    }
  }
  // the strategies a trainer runs are the vocabulary's (src/estimate/parallel.ts has a record for
  // each), each named once, and its config writes files only for those it runs
  const strategyIds: readonly string[] = STRATEGIES;
  for (const tr of kb.trainers ?? []) {
    const seen = new Set<string>();
    (tr.strategies ?? []).forEach((st, j) => {
      const field = { path: ['strategies', j, 'id'] };
      if (!strategyIds.includes(st.id)) {
        const guess = nearest(st.id, [...strategyIds]);
        out.push({
          key: `trainers:${tr.id}`,
          field,
          message: `no strategy '${st.id}'${guess ? ` (did you mean '${guess}'?)` : ''}; strategies: ${strategyIds.join(', ')}`,
        });
      } else if (seen.has(st.id))
        out.push({ key: `trainers:${tr.id}`, field, message: `strategy '${st.id}' is listed twice` });
      seen.add(st.id);
    });
    for (const id of Object.keys(tr.config?.distributed?.strategies ?? {}))
      if (tr.strategies && !seen.has(id))
        out.push({
          key: `trainers:${tr.id}`,
          field: { path: ['config', 'distributed', 'strategies', id] },
          message: `the config writes '${id}', which is not among the strategies '${tr.id}' runs (strategies)`,
        });
  }
  // the techniques a trainer runs are the knowledge base's, and its config writes only those it runs
  const techniqueIds = new Set(kb.techniques.map((t) => t.id));
  for (const tr of kb.trainers ?? []) {
    const runs = new Set((tr.techniques ?? []).map((t) => t.id));
    (tr.techniques ?? []).forEach((t, j) => {
      if (!techniqueIds.has(t.id))
        out.push({
          key: `trainers:${tr.id}`,
          field: { path: ['techniques', j, 'id'] },
          message: `no technique '${t.id}'`,
        });
    });
    for (const id of Object.keys(tr.config?.techniques ?? {}))
      if (tr.techniques && !runs.has(id))
        out.push({
          key: `trainers:${tr.id}`,
          field: { path: ['config', 'techniques', id] },
          message: `the config writes '${id}', which is not among the techniques '${tr.id}' runs (techniques)`,
        });
    for (const [j, g] of (tr.config?.groups ?? []).entries())
      for (const [k, id] of g.groups.entries())
        if (!groups.has(id))
          out.push({
            key: `trainers:${tr.id}`,
            field: { path: ['config', 'groups', j, 'groups', k] },
            message: unknownGroup(id),
          });
    for (const [j, g] of (tr.config?.groups ?? []).entries())
      for (const id of Object.keys(g.scripts ?? {}))
        if (!tr.config?.techniques[id])
          out.push({
            key: `trainers:${tr.id}`,
            field: { path: ['config', 'groups', j, 'scripts', id] },
            message: `a script for '${id}', which the config does not write (config.techniques)`,
          });
    for (const [id, t] of Object.entries(tr.config?.techniques ?? {}))
      for (const [k, group] of (t.groups ?? []).entries())
        if (!(tr.config?.groups ?? []).some((g) => g.groups.includes(group)))
          out.push({
            key: `trainers:${tr.id}`,
            field: { path: ['config', 'techniques', id, 'groups', k] },
            message: `'${group}' is not among the config's groups (config.groups)`,
          });
  }
  for (const m of kb.models) {
    const field = { path: ['group'] };
    const groupFamily = groups.get(m.group)?.family;
    if (!groupFamily) out.push({ key: `models:${m.id}`, field, message: unknownGroup(m.group) });
    else if (groupFamily !== m.family)
      out.push({ key: `models:${m.id}`, field, message: `group '${m.group}' is not a ${m.family} group` });
  }
  return out;
}
