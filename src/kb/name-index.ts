// The name index of a compiled knowledge base's lists (compiled.ts builds and registers it; lookup.ts
// reads it): a lookup by name or id parses the entry it finds, not the list. Pure: no I/O here.
import type { KnowledgeBase } from './types.js';

/**
 * The lists a run looks entries up in by name or id (`--model sdxl`, `--gpu 4090`): an index of
 * their names, and where each entry's JSON is inside its section, so a lookup parses the entry it
 * finds and not the whole list (the models' 106 KB took about 0.6 ms of every recommend and
 * estimate to parse, for the one model they use).
 */
export const INDEXED_SECTIONS = ['models', 'gpus'] as const;
export type IndexedSection = (typeof INDEXED_SECTIONS)[number];

/** What a lookup reads of an entry (lookup.ts): its id, name, aliases and the names it shares. */
export interface NameRow {
  id: string;
  name: string;
  aliases?: string[];
  sharedNames?: string[];
}

/** A list's names, and its entries one at a time (the same objects the list holds). */
export interface NameIndex {
  rows: readonly NameRow[];
  entry(i: number): object;
}

const nameIndexes = new WeakMap<KnowledgeBase, (name: IndexedSection) => NameIndex | undefined>();

/**
 * The name index of a list of a compiled knowledge base, or of one made from it whose list is the
 * compiled one's (shareNameIndex); undefined for any other (a lookup then reads the list).
 */
export function nameIndex(kb: KnowledgeBase, name: IndexedSection): NameIndex | undefined {
  return nameIndexes.get(kb)?.(name);
}

/** What a knowledge base made from another changed in one of its lists: entries replaced by position, entries added at the end. */
export interface ListEdits {
  replaced: ReadonlyArray<readonly [number, object]>;
  appended: readonly object[];
}

const rowOf = (e: object): NameRow => e as NameRow;

/**
 * `to`, a knowledge base made from `from` by `edits` (a --kb merge, a model read from its files),
 * looks its lists up through `from`'s name index with those edits over it: a replaced entry's row
 * and entry are the new one's, an added one's come after the list's. Its lists must hold the
 * entries `from`'s index gives where they were not edited.
 */
export function shareNameIndex(
  from: KnowledgeBase,
  to: KnowledgeBase,
  edits: (name: IndexedSection) => ListEdits,
): void {
  const lookup = nameIndexes.get(from);
  if (!lookup) return;
  nameIndexes.set(to, (name) => {
    const base = lookup(name);
    if (!base) return undefined;
    const { replaced, appended } = edits(name);
    if (!replaced.length && !appended.length) return base;
    const byPosition = new Map(replaced);
    const rows = base.rows.map((r, i) => (byPosition.has(i) ? rowOf(byPosition.get(i)!) : r));
    rows.push(...appended.map(rowOf));
    const length = base.rows.length;
    return {
      rows,
      entry: (i) => byPosition.get(i) ?? (i >= length ? appended[i - length]! : base.entry(i)),
    };
  });
}

/** compiled.ts: the name index of a knowledge base it loaded. */
export function registerNameIndex(kb: KnowledgeBase, lookup: (name: IndexedSection) => NameIndex | undefined): void {
  nameIndexes.set(kb, lookup);
}
