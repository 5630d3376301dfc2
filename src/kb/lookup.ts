// Name matching for GPUs, models and techniques: case-insensitive, spaces, dashes and underscores
// collapsed, so "RTX 4090", "rtx-4090" and "NVIDIA GeForce RTX 4090" all find the same card.
import { type IndexedSection, nameIndex } from './name-index.js';
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
  sharedNames?: string[];
}

export interface Lookup<T> {
  found: T | null;
  suggestions: string[];
  /** other entries that answer to the name given (a bare "A100"): the answer names them, never silently */
  alternatives: T[];
}

// Words that name a vendor or a brand rather than a product line: "NVIDIA GeForce RTX 4090" is of
// the RTX family, "meta-llama/Llama-3.1-8B" of the llama family.
const VENDOR_WORDS = new Set(['nvidia', 'geforce', 'tesla', 'quadro', 'amd', 'radeon', 'instinct', 'apple']);

/** A name's product line: its product word (RTX, llama), its generation (the first number that is not a size) and the numbers in it. */
export interface NameShape {
  word: string;
  generation: number | null;
  /** the first number of the name (RTX 4060: 4060; llama-3.1-8b: 3.1) */
  lead: number | null;
  /** a parameter count ("8b", "0.5b") in billions */
  size: number | null;
}

export function nameShape(name: string): NameShape {
  const base = name.toLowerCase().split('/').pop() ?? '';
  const tokens = base.match(/[a-z]+|\d+(?:\.\d+)?[a-z]*/g) ?? [];
  let word = '';
  let generation: number | null = null;
  let lead: number | null = null;
  let size: number | null = null;
  for (const t of tokens) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(t);
    if (!m) {
      if (!word && !VENDOR_WORDS.has(t)) word = t;
      continue;
    }
    const n = Number(m[1]);
    if (m[2] === 'b' || m[2] === 'm') {
      size ??= m[2] === 'b' ? n : n / 1000;
      continue;
    }
    lead ??= n;
    generation ??= n;
  }
  return { word, generation, lead, size };
}

/**
 * Names close to what was typed, best first: the same product family and the nearest generation
 * before mere spelling ("Llama-3-8B" finds llama-3.1-8b before LLaMA 1, "qwen3-8b" Qwen2.5 before
 * Qwen v1, "4060" the 4060 family), then the nearest size, then the edit distance. A name of the
 * family is offered however it is spelled; others only within a distance that still looks like a typo.
 */
export function nearestNames(input: string, candidates: readonly string[], limit = 3): string[] {
  const n = normalizeName(input);
  const want = nameShape(input);
  // a model without a version number is its family's first generation (LLaMA, Qwen v1)
  const generation = (s: NameShape) => s.generation ?? (s.size !== null ? 1 : null);
  const scored = candidates.map((c) => {
    const cn = normalizeName(c);
    const shape = nameShape(c);
    const d = editDistance(n, cn);
    const contains = cn.includes(n) || n.includes(cn) ? 0.5 : 0;
    const edit = d - (contains * Math.min(n.length, cn.length)) / 2;
    // the same product line: the same family word, or the same model number under another ("RTX 1080" for the GTX 1080)
    const sameLine =
      (want.word !== '' && shape.word === want.word) ||
      (want.word === '' &&
        want.lead !== null &&
        shape.lead !== null &&
        String(shape.lead).startsWith(String(want.lead))) ||
      (want.lead !== null && want.lead >= 100 && shape.lead === want.lead);
    const wantGen = generation(want);
    const gen = generation(shape);
    const genGap = wantGen !== null && gen !== null ? Math.abs(gen - wantGen) : Number.POSITIVE_INFINITY;
    const sizeGap = want.size !== null && shape.size !== null ? Math.abs(Math.log(shape.size / want.size)) : 0;
    return { c, sameLine, genGap, sizeGap, edit };
  });
  const typo = Math.max(2, Math.ceil(n.length * 0.45));
  const kept = scored
    .filter((s) => s.sameLine || s.edit <= typo)
    .sort(
      (a, b) =>
        Number(b.sameLine) - Number(a.sameLine) ||
        (a.sameLine ? a.genGap - b.genGap || a.sizeGap - b.sizeGap : 0) ||
        a.edit - b.edit ||
        compareIds(a.c, b.c),
    );
  return [...new Set(kept.map((s) => s.c))].slice(0, limit);
}

/**
 * `input` looked up among `rows` (the entries, or a compiled list's name index): the first whose id
 * is `input`, else whose id or name is it normalised, else one of whose aliases is, else the one
 * entry a Hub id alias of which has it as its repository name; `entry(i)` gives
 * the entry of row i. Not found: the names nearest it, from the whole list (`all`).
 */
function lookupRows<T extends Named>(
  rows: readonly Named[],
  entry: (i: number) => T,
  all: () => readonly T[],
  input: string,
): Lookup<T> {
  const n = normalizeName(input);
  const found = (i: number): Lookup<T> => {
    const alternatives: T[] = [];
    rows.forEach((r, j) => {
      if (j !== i && (r.sharedNames ?? []).some((s) => normalizeName(s) === n)) alternatives.push(entry(j));
    });
    return { found: entry(i), suggestions: [], alternatives };
  };
  const exact = rows.findIndex((e) => e.id === input); // what scripts pass: no normalising needed
  if (exact >= 0) return { found: entry(exact), suggestions: [], alternatives: [] };
  const byName = rows.findIndex((e) => normalizeName(e.id) === n || normalizeName(e.name) === n);
  if (byName >= 0) return found(byName);
  const byAlias = rows.findIndex((e) => (e.aliases ?? []).some((a) => normalizeName(a) === n));
  if (byAlias >= 0) return found(byAlias);
  // a Hub id's repository name typed without its organisation ("Llama-4-Scout-17B-16E-Instruct"),
  // when it names one entry only
  if (!input.includes('/')) {
    const byRepo = rows.flatMap((e, i) =>
      (e.aliases ?? []).some((a) => a.includes('/') && normalizeName(a.slice(a.lastIndexOf('/') + 1)) === n) ? [i] : [],
    );
    if (byRepo.length === 1) return found(byRepo[0]!);
  }
  const entries = all();
  const names = entries.flatMap((e) => [e.id, ...(e.aliases ?? [])]);
  const suggestions = nearestNames(input, names, 12).map(
    (s) => entries.find((e) => e.id === s || (e.aliases ?? []).includes(s))!.id,
  );
  return { found: null, suggestions: [...new Set(suggestions)].slice(0, 3), alternatives: [] };
}

function lookupNamed<T extends Named>(entries: readonly T[], input: string): Lookup<T> {
  return lookupRows(
    entries,
    (i) => entries[i]!,
    () => entries,
    input,
  );
}

/** A lookup in a list the compiled knowledge base indexes: through its name index where it has one. */
function lookupIndexed<K extends IndexedSection>(
  kb: KnowledgeBase,
  name: K,
  input: string,
): Lookup<KnowledgeBase[K][number]> {
  type T = KnowledgeBase[K][number];
  const index = nameIndex(kb, name);
  if (!index) return lookupNamed(kb[name] as readonly T[], input);
  return lookupRows(
    index.rows,
    (i) => index.entry(i) as T,
    () => kb[name] as readonly T[],
    input,
  );
}

export const findGpu = (kb: KnowledgeBase, input: string) => lookupIndexed(kb, 'gpus', input);
export const findModel = (kb: KnowledgeBase, input: string) => lookupIndexed(kb, 'models', input);
export const findTechnique = (kb: KnowledgeBase, input: string) => lookupNamed(kb.techniques, input);

/** The entry of a list with this id (ids are unique), through the compiled name index where there is one. */
export function entryById<K extends IndexedSection>(
  kb: KnowledgeBase,
  name: K,
  id: string,
): KnowledgeBase[K][number] | undefined {
  type T = KnowledgeBase[K][number];
  const index = nameIndex(kb, name);
  if (!index) return (kb[name] as readonly T[]).find((e) => e.id === id);
  const i = index.rows.findIndex((r) => r.id === id);
  return i < 0 ? undefined : (index.entry(i) as T);
}

/** Sources once each, by reference, in the order first cited. */
export function uniqueSources(list: Source[]): Source[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.ref) ? false : (seen.add(s.ref), true)));
}
