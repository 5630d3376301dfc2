// The compiled knowledge base's name index (src/kb/name-index.ts, built by compiled.ts): a lookup by
// name or id parses the entry it finds, not its list, and answers as a lookup in the list would.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { bundledDataDir, loadCompiledKb } from '../../src/kb/compiled.js';
import { applyKbDelta } from '../../src/kb/kb-cache.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import { entryById, findGpu, findModel } from '../../src/kb/lookup.js';
import { nameIndex } from '../../src/kb/name-index.js';
import type { KnowledgeBase } from '../../src/kb/types.js';

const compiled = () => {
  const kb = loadCompiledKb(bundledDataDir());
  if (!kb) throw new Error('dist/kb.json is not current: run npm run build');
  return kb;
};
/** the same data as YAML, validated: no name index, every lookup reads the list */
const plain = loadKnowledgeBase();

afterEach(() => vi.restoreAllMocks());

/** The texts JSON.parse was given while spied on. */
const texts = (parse: { mock: { calls: unknown[][] } }) => parse.mock.calls.map(([text]) => String(text));

/** What a lookup says, by ids, so two knowledge bases' answers compare. */
const ids = (l: { found: { id: string } | null; suggestions: string[]; alternatives: Array<{ id: string }> }) => ({
  found: l.found?.id ?? null,
  suggestions: l.suggestions,
  alternatives: l.alternatives.map((a) => a.id),
});

describe('name index of the compiled knowledge base', () => {
  it('answers every id, name and alias (and a few misspellings) as a lookup in the list does', () => {
    const kb = compiled();
    expect(nameIndex(plain, 'models')).toBeUndefined();
    expect(nameIndex(kb, 'models')).toBeDefined();
    const inputs = (list: Array<{ id: string; name: string; aliases?: string[]; sharedNames?: string[] }>) =>
      list.flatMap((e) => [e.id, e.name, e.name.toUpperCase(), ...(e.aliases ?? []), ...(e.sharedNames ?? [])]);
    for (const input of [...inputs(plain.models), 'sdxl1', 'qwen3-8', 'lama-3.1-8b', 'no-such-model'])
      expect(ids(findModel(kb, input)), input).toEqual(ids(findModel(plain, input)));
    for (const input of [...inputs(plain.gpus), '4090', 'A100', 'rtx 409', 'no-such-card'])
      expect(ids(findGpu(kb, input)), input).toEqual(ids(findGpu(plain, input)));
    for (const m of plain.models) expect(entryById(kb, 'models', m.id)).toEqual(m);
    expect(entryById(kb, 'gpus', 'no-such-card')).toBeUndefined();
  });

  it('a lookup parses the entry it finds, and the list holds that same object once parsed', () => {
    const kb = compiled();
    const parse = vi.spyOn(JSON, 'parse');
    const sdxl = findModel(kb, 'sdxl').found!;
    const card = findGpu(kb, 'rtx-4090').found!;
    // no list parsed whole (the models' is about 100 KB, the GPUs' about 40 KB): the entries found,
    // their sources and the name index (one object of names, about 30 KB) only
    expect(texts(parse).filter((t) => t.startsWith('[') && t.length > 10_000)).toEqual([]);
    expect(Math.max(...texts(parse).map((t) => t.length))).toBeLessThan(40_000);
    expect(sdxl.sources.length).toBeGreaterThan(0);
    expect(kb.models.find((m) => m.id === 'sdxl')).toBe(sdxl);
    expect(kb.gpus.find((g) => g.id === 'rtx-4090')).toBe(card);
    expect(findModel(kb, 'sdxl').found).toBe(sdxl);
  });

  it('a --kb merge looks up through the base index with its entries over it, as its lists answer', () => {
    const base = compiled();
    const sdxl = plain.models.find((m) => m.id === 'sdxl')!;
    const lists = Object.fromEntries(
      ['techniques', 'models', 'gpus', 'rules', 'groups', 'dataPlan', 'trainers'].map((n) => [
        n,
        { replaced: [], appended: [] },
      ]),
    );
    const edited = { ...sdxl, name: 'SDXL (edited)', aliases: ['my-sdxl'] };
    const extra = { ...plain.gpus[0]!, id: 'extra-card', name: 'Extra Card', aliases: [], sharedNames: ['4090'] };
    const merged = applyKbDelta(base, {
      lists: {
        ...lists,
        models: { replaced: [[plain.models.indexOf(sdxl), edited]], appended: [] },
        gpus: { replaced: [], appended: [extra] },
      },
      origin: {},
    } as unknown as Parameters<typeof applyKbDelta>[1]);
    const parse = vi.spyOn(JSON, 'parse');
    expect(findModel(merged, 'my-sdxl').found).toBe(edited);
    expect(findGpu(merged, 'Extra Card').found).toBe(extra);
    expect(texts(parse).filter((t) => t.startsWith('[') && t.length > 10_000)).toEqual([]);
    // the same answers as the merged lists give read whole, and the lists hold the same objects
    const asLists = { ...merged } as KnowledgeBase;
    for (const input of ['sdxl', 'SDXL (edited)', 'my-sdxl', 'flux-dev', 'sdx', '4090', 'extra-card', 'a100'])
      for (const find of [findModel, findGpu])
        expect(ids(find(merged, input)), input).toEqual(ids(find(asLists, input)));
    expect(merged.models.find((m) => m.id === 'sdxl')).toBe(edited);
    expect(findGpu(merged, 'rtx-4090').found).toBe(findGpu(base, 'rtx-4090').found);
  });
});
