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
    const texts = parse.mock.calls.map(([text]) => String(text));
    expect(texts.filter((t) => t.startsWith('[') && t.length > 10_000)).toEqual([]);
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThan(40_000);
    expect(sdxl.sources.length).toBeGreaterThan(0);
    expect(kb.models.find((m) => m.id === 'sdxl')).toBe(sdxl);
    expect(kb.gpus.find((g) => g.id === 'rtx-4090')).toBe(card);
    expect(findModel(kb, 'sdxl').found).toBe(sdxl);
  });

  it('a --kb file that leaves a list as it was shares its index; a list it changes is looked up in the merge', () => {
    const base = compiled();
    const sdxl = plain.models.find((m) => m.id === 'sdxl')!;
    const merged = applyKbDelta(base, {
      lists: {
        techniques: { replaced: [], appended: [] },
        models: { replaced: [[plain.models.indexOf(sdxl), { ...sdxl, name: 'SDXL (edited)' }]], appended: [] },
        gpus: { replaced: [], appended: [{ ...plain.gpus[0]!, id: 'extra-card', name: 'Extra Card' }] },
        rules: { replaced: [], appended: [] },
        groups: { replaced: [], appended: [] },
        dataPlan: { replaced: [], appended: [] },
        trainers: { replaced: [], appended: [] },
      },
      origin: {},
    } as Parameters<typeof applyKbDelta>[1]);
    expect(nameIndex(merged, 'models')).toBeUndefined();
    expect(findModel(merged, 'sdxl').found?.name).toBe('SDXL (edited)');
    expect(findGpu(merged, 'Extra Card').found?.id).toBe('extra-card');
    const unchanged = applyKbDelta(base, {
      lists: Object.fromEntries(
        ['techniques', 'models', 'gpus', 'rules', 'groups', 'dataPlan', 'trainers'].map((n) => [
          n,
          { replaced: [], appended: [] },
        ]),
      ),
      origin: {},
    } as unknown as Parameters<typeof applyKbDelta>[1]) as KnowledgeBase;
    expect(nameIndex(unchanged, 'gpus')).toBeDefined();
    expect(findGpu(unchanged, 'rtx-4090').found).toBe(findGpu(base, 'rtx-4090').found);
  });
});
