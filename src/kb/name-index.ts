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

/** `to`, a knowledge base made from `from`, looks its lists but `changed` up through `from`'s name index. */
export function shareNameIndex(
  from: KnowledgeBase,
  to: KnowledgeBase,
  changed: (name: IndexedSection) => boolean,
): void {
  const lookup = nameIndexes.get(from);
  if (lookup) nameIndexes.set(to, (name) => (changed(name) ? undefined : lookup(name)));
}

/** compiled.ts: the name index of a knowledge base it loaded. */
export function registerNameIndex(kb: KnowledgeBase, lookup: (name: IndexedSection) => NameIndex | undefined): void {
  nameIndexes.set(kb, lookup);
}
