// Maps a zod issue path back to the YAML node it came from, so errors read file:line:column.
import { isMap, isSeq, LineCounter, type Document, type Node } from 'yaml';

export function locatePath(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): { line: number; col: number } {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as { value?: unknown } | null;
        return (k && typeof k === 'object' && 'value' in k ? k.value : k) === key;
      });
      if (!pair) break;
      // An unknown or misspelt key points at the key itself; a bad value at the value.
      best = ((pair.value as Node | null) ?? (pair.key as Node)) || best;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      best = item;
      node = item;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  return lineCounter.linePos(offset);
}

export function locateKey(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[], key: string): { line: number; col: number } {
  let node: unknown = doc.getIn(path as unknown[], true);
  if (isMap(node)) {
    const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) return lineCounter.linePos(keyNode.range[0]);
  }
  return locatePath(doc, lineCounter, path);
}
