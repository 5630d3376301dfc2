// The --kb cache's key stamps (src/kb/kb-cache.ts, kbCacheKey with a stamps folder): files whose
// stat equals the one recorded when their bytes were hashed give their recorded key without being
// read again, as git's index and the bundled data's check do; any other stat means hashing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const reads = vi.hoisted(() => ({ files: [] as string[] }));
vi.mock('../../src/kb/read-file.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/kb/read-file.js')>();
  return {
    ...real,
    readFileBounded: (path: string, limit: number) => {
      reads.files.push(path);
      return real.readFileBounded(path, limit);
    },
  };
});

const { kbCacheKey, kbKeyStampDir } = await import('../../src/kb/kb-cache.js');

const identity = {
  version: '0.1.0',
  loader: 'kb-load.cjs:1:2',
  base: [['gpus.yaml', 'a'.repeat(64)]] as Array<[string, string]>,
};
const GPU = (tflops: number) =>
  `gpus:\n  - id: t-card\n    name: T Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: ${tflops}\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n`;

let dir: string;
let file: string;
let stamps: string;
/**
 * The file's times a minute back and the clock 5 s on: out of the 2 s in which a stat is not
 * trusted (its ctime, which utimes sets to now, included).
 */
const settle = (path: string) => {
  vi.useRealTimers();
  const t = new Date(Date.now() - 60_000);
  utimesSync(path, t, t);
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5_000 });
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-key-stamps-'));
  file = join(dir, 'extra.yaml');
  writeFileSync(file, GPU(88));
  stamps = join(dir, 'cache', 'finetune-advisor', 'kb-stat');
  reads.files.length = 0;
});
afterEach(() => vi.useRealTimers());

describe('--kb key stamps', () => {
  it('a second run with the stat unchanged gets the same key without reading the file', () => {
    settle(file);
    const key = kbCacheKey(identity, [file], dir, stamps);
    expect(key).toBe(kbCacheKey(identity, [file], dir)); // the stamp changes nothing of the key
    expect(readdirSync(stamps)).toHaveLength(1);
    reads.files.length = 0;
    expect(kbCacheKey(identity, [file], dir, stamps)).toBe(key);
    expect(reads.files.filter((f) => f === file)).toEqual([]);
  });

  it('an edit of the same size (its ctime moves, whatever the mtime) is hashed again', () => {
    settle(file);
    const key = kbCacheKey(identity, [file], dir, stamps);
    writeFileSync(file, GPU(99));
    settle(file); // the mtime put back a minute: the ctime says the file changed
    reads.files.length = 0;
    const edited = kbCacheKey(identity, [file], dir, stamps);
    expect(reads.files).toContain(file);
    expect(edited).not.toBe(key);
    expect(edited).toBe(kbCacheKey(identity, [file], dir));
  });

  it('a file changed within 2 s is not recorded; another cwd, identity or file list is another stamp', () => {
    kbCacheKey(identity, [file], dir, stamps); // just written, the clock as it is: racy
    expect(() => readdirSync(stamps)).toThrow();
    settle(file);
    const key = kbCacheKey(identity, [file], dir, stamps);
    reads.files.length = 0;
    expect(kbCacheKey(identity, [file], '/elsewhere', stamps)).not.toBe(key);
    expect(kbCacheKey({ ...identity, version: '9.9.9' }, [file], dir, stamps)).not.toBe(key);
    const folder = join(dir, 'more');
    mkdirSync(folder);
    expect(kbCacheKey(identity, [file, folder], dir, stamps)).not.toBe(key);
    expect(reads.files.filter((f) => f === file)).toHaveLength(3); // each hashed
  });

  it('a stamp that is malformed, for something else, or in a folder others can write is not trusted', () => {
    settle(file);
    const key = kbCacheKey(identity, [file], dir, stamps)!;
    const [name] = readdirSync(stamps);
    const path = join(stamps, name!);
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as { key: string; what: string };
    for (const bad of [
      { ...stamp, key: 'f'.repeat(63) },
      { ...stamp, what: `${stamp.what} ` },
      { ...stamp, files: [{ file }] },
      'not json',
    ]) {
      writeFileSync(path, typeof bad === 'string' ? bad : JSON.stringify(bad), { mode: 0o600 });
      reads.files.length = 0;
      expect(kbCacheKey(identity, [file], dir, stamps)).toBe(key);
      expect(reads.files).toContain(file);
    }
    // a stamp naming another key, in a folder anyone can write: read as absent
    writeFileSync(path, JSON.stringify({ ...stamp, key: 'e'.repeat(64) }), { mode: 0o600 });
    execFileSync('chmod', ['0777', stamps]);
    expect(kbCacheKey(identity, [file], dir, stamps)).toBe(key);
  });

  it('the folder sits beside the entries, and is off with the cache', () => {
    expect(kbKeyStampDir({ HOME: '/h' })).toBe('/h/.cache/finetune-advisor/kb-stat');
    expect(kbKeyStampDir({ HOME: '/h', FINETUNE_ADVISOR_CACHE: '0' })).toBeUndefined();
  });
});
