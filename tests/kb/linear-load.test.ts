// Loading is linear in the entries: merging by id through a Map, every entry's id located in one
// pass. Checked by counting work (elements visited by array scans), not by timing, and by a
// 30,000-entry file that validates with its problems still at the right line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';

import { validateKnowledgeBase } from '../../src/kb/load.js';
import { locateEach, locateKey, locatePath } from '../../src/kb/locate.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-linear-'));

/** A GPU file of `n` entries (one line each); entry `dup`, when given, repeats entry 0's id. */
function gpuFile(n: number, dup?: number): string {
  const file = join(dir, `gpus-${n}-${dup ?? 'nodup'}.yaml`);
  const lines = ['gpus:'];
  for (let i = 0; i < n; i++) {
    const id = i === dup ? 'g-0' : `g-${i}`;
    lines.push(
      `  - { id: ${id}, name: GPU ${i}, vendor: nvidia, vramGB: 16, bf16: true, tflops: 10, bandwidthGBs: 100, sources: [{ ref: generated }] }`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * Elements visited by the array scans that find things (find, findIndex, some, includes, indexOf)
 * while `work` runs, anywhere (the loader, yaml, zod). A lookup by scanning a growing list makes
 * this grow with the square of the entries.
 */
function scannedElements(work: () => void): number {
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ['find', 'findIndex', 'some', 'includes', 'indexOf'] as const;
  const originals = names.map((n) => proto[n]!);
  let visited = 0;
  names.forEach((name, i) => {
    const original = originals[i]!;
    proto[name] = function (this: unknown[], first: unknown, ...rest: unknown[]) {
      if (typeof first === 'function') {
        const predicate = first as (...a: unknown[]) => unknown;
        return original.call(
          this,
          function (this: unknown, ...a: unknown[]) {
            visited++;
            return predicate.apply(this, a);
          },
          ...rest,
        );
      }
      const result = original.call(this, first, ...rest) as number | boolean;
      visited += typeof result === 'number' && result >= 0 ? result + 1 : this.length; // elements compared
      return result;
    };
  });
  try {
    work();
  } finally {
    names.forEach((name, i) => (proto[name] = originals[i]!));
  }
  return visited;
}

describe('linear loading', () => {
  it('four times the entries cost about four times the scanning, not sixteen', () => {
    const small = gpuFile(1000);
    const large = gpuFile(4000);
    validateKnowledgeBase([small]); // warm: zod and yaml build their lazy parts once
    const a = scannedElements(() => expect(validateKnowledgeBase([small]).errors).toEqual([]));
    const b = scannedElements(() => expect(validateKnowledgeBase([large]).errors).toEqual([]));
    // the merge by findIndex this replaced scanned 8 million ids for the large file (ratio ~16)
    expect(b / a).toBeLessThan(5);
  });

  it('a 30,000-entry file within the size limit validates, and a duplicate at the end of a large one is found at its line', () => {
    // a file with a problem is read again by yaml for its messages (about 1 MB/s): 10,000 entries here
    const file = gpuFile(10_000, 9_999);
    const v = validateKnowledgeBase([file]);
    expect(v.errors).toEqual([`${file}:10001:11: duplicate id 'g-0' in gpus`]);
    const valid = validateKnowledgeBase([gpuFile(30_000)]);
    expect(valid.errors).toEqual([]);
    expect(valid.entries).toBe(30_000);
    expect(valid.kb.gpus).toHaveLength(30_000);
  }, 60_000);

  it('a later file overrides by id, keeping the list order', () => {
    const first = join(dir, 'first.yaml');
    const second = join(dir, 'second.yaml');
    writeFileSync(
      first,
      'gpus:\n  - { id: a, name: A, vendor: nvidia, vramGB: 8, bf16: true, tflops: 1, bandwidthGBs: 1, sources: [{ ref: r }] }\n  - { id: b, name: B, vendor: nvidia, vramGB: 8, bf16: true, tflops: 1, bandwidthGBs: 1, sources: [{ ref: r }] }\n',
    );
    writeFileSync(
      second,
      'gpus:\n  - { id: c, name: C, vendor: nvidia, vramGB: 8, bf16: true, tflops: 1, bandwidthGBs: 1, sources: [{ ref: r }] }\n  - { id: a, name: A2, vendor: nvidia, vramGB: 16, bf16: true, tflops: 1, bandwidthGBs: 1, sources: [{ ref: r }] }\n',
    );
    const v = validateKnowledgeBase([first, second]);
    expect(v.errors).toEqual([]);
    expect(v.kb.gpus.map((g) => `${g.id}:${g.name}`)).toEqual(['a:A2', 'b:B', 'c:C']);
    expect(v.kb.origin['gpus:a']).toBe(second);
  });
});

describe('locating entries', () => {
  const source = [
    'gpus:',
    '  - id: first',
    '    name: First',
    '  - { name: no id here }',
    '  - just a scalar',
    '  - &shared { id: anchored }',
    '  - *shared',
    '  -',
    '  - name: id last',
    '    id: last',
  ].join('\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });

  it('locateEach gives what locatePath gives for each entry, in one walk', () => {
    const count = 8; // one past the list: a missing entry falls back to the list itself
    const each = locateEach(doc, lineCounter, ['gpus'], count, 'id');
    for (let i = 0; i < count; i++)
      expect(each[i], `entry ${i}`).toEqual(locatePath(doc, lineCounter, ['gpus', i, 'id']));
    expect(each[0]).toEqual({ line: 2, col: 9 });
    expect(each[6]).toEqual({ line: 10, col: 9 }); // an id after the other fields
    expect(locateEach(doc, lineCounter, ['models'], 2, 'id')).toEqual([
      locatePath(doc, lineCounter, ['models', 0, 'id']),
      locatePath(doc, lineCounter, ['models', 1, 'id']),
    ]);
  });

  it('a key of a large map is found by its index, first occurrence first', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `  k${i}: ${i}`);
    const big = `entry:\n${keys.join('\n')}\n  k7: again\n`;
    const lc = new LineCounter();
    const d = parseDocument(big, { lineCounter: lc, uniqueKeys: false });
    expect(locateKey(d, lc, ['entry'], 'k42')).toEqual({ line: 44, col: 3 });
    expect(locatePath(d, lc, ['entry', 'k7'])).toEqual({ line: 9, col: 7 });
    expect(locateKey(d, lc, ['entry'], 'absent')).toEqual(locatePath(d, lc, ['entry']));
  });
});
