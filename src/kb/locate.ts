// Maps a zod issue path back to the YAML node it came from, so errors read file:line:column.
import { type Document, isMap, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

type Position = { line: number; col: number };

/** A map with more pairs than this gets an index (key -> first pair) on its first lookup. */
const INDEXED_MAP_SIZE = 8;
const mapIndexes = new WeakMap<YAMLMap, Map<unknown, Pair>>();

const keyValue = (p: Pair): unknown => {
  const k = p.key as { value?: unknown } | null;
  return k && typeof k === 'object' && 'value' in k ? k.value : k;
};

/** The first pair of `map` whose key is `key`: a scan for an entry's few fields, an index for a large map. */
function findPair(map: YAMLMap, key: unknown): Pair | undefined {
  if (map.items.length <= INDEXED_MAP_SIZE) return map.items.find((p) => keyValue(p) === key);
  let index = mapIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      const k = keyValue(p);
      if (!index.has(k)) index.set(k, p);
    }
    mapIndexes.set(map, index);
  }
  return index.get(key);
}

interface Walk {
  /** the node the path reached (when complete) */
  node: unknown;
  /** the closest node found: the reported position */
  best: Node | null;
  complete: boolean;
}

/** Follows `path` from `from`, keeping the last node found, as far as the document goes. */
function walk(from: Walk, path: readonly PropertyKey[]): Walk {
  let { node, best } = from;
  if (!from.complete) return from;
  for (const key of path) {
    if (isMap(node)) {
      const pair = findPair(node, key);
      if (!pair) return { node, best, complete: false };
      // An unknown or misspelt key points at the key itself; a bad value at the value.
      best = ((pair.value as Node | null) ?? (pair.key as Node)) || best;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) return { node, best, complete: false };
      best = item;
      node = item;
    } else return { node, best, complete: false };
  }
  return { node, best, complete: true };
}

const root = (doc: Document): Walk => ({
  node: doc.contents,
  best: (doc.contents as Node | null) ?? null,
  complete: true,
});
const positionOf = (lineCounter: LineCounter, w: Walk): Position => lineCounter.linePos(w.best?.range?.[0] ?? 0);

export function locatePath(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): Position {
  return positionOf(lineCounter, walk(root(doc), path));
}

/**
 * locatePath(path + [i, key]) for every i below `count`, walking `path` once: the positions of a
 * list's entries' ids, without a walk from the root for each.
 */
export function locateEach(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  count: number,
  key: string,
): Position[] {
  const list = walk(root(doc), path);
  const out: Position[] = [];
  for (let i = 0; i < count; i++) out.push(positionOf(lineCounter, walk(list, [i, key])));
  return out;
}

export function locateKey(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key: string,
): Position {
  const reached = walk(root(doc), path);
  if (reached.complete && isMap(reached.node)) {
    const keyNode = findPair(reached.node, key)?.key as Node | undefined;
    if (keyNode?.range) return lineCounter.linePos(keyNode.range[0]);
  }
  return positionOf(lineCounter, reached);
}
