// A parsed YAML document to plain JavaScript values, as `doc.toJS()` gives them for the documents
// the loader accepts (core schema, no merge keys, scalar keys), with aliases bound to their anchors
// in the same single pass. yaml 2 finds an alias's anchor by scanning every anchor and alias before
// it, which is quadratic in the aliases of a file that shares much (a generated knowledge base of
// a thousand techniques spent a sixth of its load there). Anything else (a collection as a key, an
// alias that does not resolve) is left to `doc.toJS()`, which also words its errors.
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** Thrown inside the walk when a document needs yaml's own conversion. */
class NeedsLibraryToJs extends Error {}

interface AnchorData {
  value: unknown;
  /** times an alias used it */
  count: number;
  /** yaml's measure of how much one use expands (see aliasWeight) */
  weight: number;
}

export function documentToJs(doc: Document, maxAliasCount: number): unknown {
  try {
    return convertDocument(doc, maxAliasCount);
  } catch (e) {
    if (e instanceof NeedsLibraryToJs) return doc.toJS({ maxAliasCount });
    throw e;
  }
}

function convertDocument(doc: Document, maxAliasCount: number): unknown {
  /** anchor name -> the node most recently given it, in document order */
  const anchors = new Map<string, Node>();
  const data = new Map<Node, AnchorData>();
  const aliasSource = new Map<Node, Node>();

  const sourceOf = (alias: Node & { source: string }): Node => {
    let source = aliasSource.get(alias);
    if (!source) {
      source = anchors.get(alias.source);
      if (!source || !data.has(source)) throw new NeedsLibraryToJs();
      aliasSource.set(alias, source);
    }
    return source;
  };

  // yaml's getAliasCount: an alias weighs its anchor's uses x weight, a collection its heaviest
  // item, a pair its heavier side, anything else 1. A use beyond maxAliasCount / weight is refused.
  const aliasWeight = (node: unknown): number => {
    if (isAlias(node)) {
      const d = data.get(sourceOf(node));
      return d ? d.count * d.weight : 0;
    }
    if (isMap(node) || isSeq(node)) {
      let max = 0;
      for (const item of node.items) max = Math.max(max, aliasWeight(item));
      return max;
    }
    if (isPair(node)) return Math.max(aliasWeight(node.key), aliasWeight(node.value));
    return 1;
  };

  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const source = sourceOf(node);
      const d = data.get(source)!;
      d.count += 1;
      if (d.weight === 0) d.weight = aliasWeight(source);
      if (d.count * d.weight > maxAliasCount)
        throw new ReferenceError('Excessive alias count indicates a resource exhaustion attack');
      return d.value;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (isScalar(node)) {
      const value = node.value;
      if (value !== null && typeof value === 'object') throw new NeedsLibraryToJs();
      if (anchor) remember(node, anchor, value);
      return value;
    }
    if (isSeq(node)) {
      const list: unknown[] = [];
      if (anchor) remember(node, anchor, list);
      for (const item of node.items) list.push(convert(item));
      return list;
    }
    if (isMap(node)) {
      const map: Record<string, unknown> = {};
      if (anchor) remember(node, anchor, map);
      for (const pair of node.items) {
        if (!isScalar(pair.key) || (pair.key.value !== null && typeof pair.key.value === 'object'))
          throw new NeedsLibraryToJs();
        const key = pair.key.value === null ? '' : String(pair.key.value);
        const value = convert(pair.value);
        // as yaml does: a key that an object already has (__proto__, constructor) becomes an own
        // property instead of reaching the prototype
        if (key in map)
          Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
        else map[key] = value;
      }
      return map;
    }
    throw new NeedsLibraryToJs();
  };

  const remember = (node: Node, anchor: string, value: unknown) => {
    anchors.set(anchor, node);
    data.set(node, { value, count: 1, weight: 0 }); // yaml counts the anchor itself as the first use
  };

  return convert(doc.contents);
}
