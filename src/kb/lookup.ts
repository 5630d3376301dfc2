// Name matching for GPUs, models and techniques: case-insensitive, spaces, dashes and underscores
// collapsed, so "RTX 4090", "rtx-4090" and "NVIDIA GeForce RTX 4090" all find the same card.
import type { Source } from './schema.js';
import type { KnowledgeBase } from './types.js';

export function normalizeName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The candidates closest to `input`, best first (at most `limit`), within a distance that still looks like a typo. */
export function nearestMany(input: string, candidates: readonly string[], limit = 3): string[] {
  const n = normalizeName(input);
  const scored = candidates
    .map((c) => {
      const cn = normalizeName(c);
      const d = editDistance(n, cn);
      const contains = cn.includes(n) || n.includes(cn) ? 0.5 : 0;
      return { c, score: d - (contains * Math.min(n.length, cn.length)) / 2 };
    })
    .filter((s) => s.score <= Math.max(2, Math.ceil(n.length * 0.45)))
    .sort((a, b) => a.score - b.score || compareIds(a.c, b.c));
  return [...new Set(scored.map((s) => s.c))].slice(0, limit);
}

/** Code-point order for ids and names: the same on every machine, and no ICU collator to load. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function nearest(input: string, candidates: readonly string[]): string | undefined {
  return nearestMany(input, candidates, 1)[0];
}

interface Named {
  id: string;
  name: string;
  aliases?: string[];
}

export interface Lookup<T> {
  found: T | null;
  suggestions: string[];
}

function lookupNamed<T extends Named>(entries: readonly T[], input: string): Lookup<T> {
  const exact = entries.find((e) => e.id === input); // what scripts pass: no normalising needed
  if (exact) return { found: exact, suggestions: [] };
  const n = normalizeName(input);
  for (const e of entries) {
    if (normalizeName(e.id) === n || normalizeName(e.name) === n) return { found: e, suggestions: [] };
  }
  for (const e of entries) {
    if ((e.aliases ?? []).some((a) => normalizeName(a) === n)) return { found: e, suggestions: [] };
  }
  const names = entries.flatMap((e) => [e.id, ...(e.aliases ?? [])]);
  const suggestions = nearestMany(input, names, 6).map(
    (s) => entries.find((e) => e.id === s || (e.aliases ?? []).includes(s))!.id,
  );
  return { found: null, suggestions: [...new Set(suggestions)].slice(0, 3) };
}

export const findGpu = (kb: KnowledgeBase, input: string) => lookupNamed(kb.gpus, input);
export const findModel = (kb: KnowledgeBase, input: string) => lookupNamed(kb.models, input);
export const findTechnique = (kb: KnowledgeBase, input: string) => lookupNamed(kb.techniques, input);

/** Sources once each, by reference, in the order first cited. */
export function uniqueSources(list: Source[]): Source[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.ref) ? false : (seen.add(s.ref), true)));
}
