// The validated-knowledge-base cache (src/kb/kb-cache.ts): the built bin run twice with the same
// --kb file takes the second run from the cache, without loading the YAML loader's bundle, and
// prints the same bytes; anything that changes the result, and anything wrong with the cache,
// goes through the loader. A preload hook records every load of kb-load.cjs.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { bundledDataDir, loadCompiledKb } from '../../src/kb/compiled.js';
import {
  applyKbDelta,
  cachedKnowledgeBase,
  currentKbIdentity,
  kbCacheDir,
  kbCacheKey,
  type KbDelta,
  kbDelta,
  type KbIdentity,
  readKbCacheEntry,
  writeKbCacheEntry,
} from '../../src/kb/kb-cache.js';
import type { KnowledgeBase } from '../../src/kb/types.js';

const root = new URL('../../', import.meta.url).pathname;
const BIN = join(root, 'bin', 'finetune-advisor.js');
const work = mkdtempSync(join(tmpdir(), 'fa-kb-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOOK = join(work, 'trace-loader.cjs');
writeFileSync(
  HOOK,
  `'use strict';
const fs = require('node:fs');
const Module = require('node:module');
let loaded = false;
const watched = (p) => /kb-load\\.cjs$/.test(String(p));
for (const name of ['openSync', 'readFileSync', 'open', 'readFile']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (watched(path)) loaded = true;
    return original.call(this, path, ...rest);
  };
}
const load = Module._load;
Module._load = function (request, ...rest) {
  if (watched(request)) loaded = true;
  return load.call(this, request, ...rest);
};
process.on('exit', () => fs.writeFileSync(process.env.FA_TRACE_LOG, loaded ? 'loaded' : ''));
`,
);

const GPU_FILE = (tflops: number) => `gpus:
  - id: cache-card
    name: Cache Card
    vendor: nvidia
    vramGB: 16
    bf16: true
    tflops: ${tflops}
    bandwidthGBs: 672
    sources: [{ ref: cache test fixture }]
`;

let home: string;
let kbFile: string;
let emptyFolder: string;
let n = 0;
beforeEach(() => {
  const dir = join(work, `case-${n++}`);
  home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  kbFile = join(dir, 'extra.yaml');
  writeFileSync(kbFile, GPU_FILE(88));
  emptyFolder = join(dir, 'empty'); // a --kb folder without YAML files: the warning a hit must print too
  mkdirSync(emptyFolder);
});

const cacheFolder = () => join(home, '.cache', 'finetune-advisor', 'kb');
const entries = () => (existsSync(cacheFolder()) ? readdirSync(cacheFolder()) : []);
const theEntry = () => {
  const names = entries();
  expect(names).toHaveLength(1);
  return join(cacheFolder(), names[0]!);
};

/** The bin with `--kb kbFile --kb emptyFolder`; `yamlLoader`: whether kb-load.cjs was loaded. */
function run(env: Record<string, string> = {}, extraArgs: string[] = []) {
  const log = join(work, `trace-${n}-${Math.random().toString(36).slice(2)}.log`);
  const args = ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'cache-card', '--time', '2h'];
  const r = spawnSync(process.execPath, [BIN, ...args, '--kb', kbFile, '--kb', emptyFolder, ...extraArgs, '--json'], {
    encoding: 'utf8',
    timeout: 10_000,
    env: {
      PATH: `/nonexistent-nvidia-smi:${process.env.PATH}`,
      NO_COLOR: '1',
      HOME: home,
      NODE_OPTIONS: `--require ${HOOK}`,
      FA_TRACE_LOG: log,
      ...env,
    },
  });
  expect(r.error).toBeUndefined();
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, yamlLoader: readFileSync(log, 'utf8') === 'loaded' };
}
const output = (r: ReturnType<typeof run>) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });

describe('the validated-knowledge-base cache (built bin)', () => {
  it('serves a repeated --kb run without the YAML loader, byte for byte as validated', () => {
    const first = run();
    expect(first.status).toBe(0);
    expect(first.yamlLoader).toBe(true);
    expect(first.stderr).toContain('warning: no .yaml or .yml files');
    expect(JSON.parse(first.stdout)).toBeTruthy();
    const entry = theEntry();
    expect(statSync(cacheFolder()).mode & 0o777).toBe(0o700);
    expect(statSync(entry).mode & 0o777).toBe(0o600);
    const second = run();
    expect(second.yamlLoader).toBe(false);
    expect(output(second)).toEqual(output(first));
    // the same as with the cache off
    expect(output(run({ FINETUNE_ADVISOR_CACHE: '0' }))).toEqual(output(first));
  });

  it('takes XDG_CACHE_HOME when set', () => {
    const xdg = join(home, 'xdg');
    run({ XDG_CACHE_HOME: xdg });
    expect(readdirSync(join(xdg, 'finetune-advisor', 'kb'))).toHaveLength(1);
    expect(entries()).toEqual([]);
    expect(run({ XDG_CACHE_HOME: xdg }).yamlLoader).toBe(false);
  });

  it('misses when a --kb file is edited to other bytes of the same size', () => {
    const first = run();
    writeFileSync(kbFile, GPU_FILE(99));
    const edited = run();
    expect(edited.yamlLoader).toBe(true);
    expect(edited.stdout).not.toBe(first.stdout);
    expect(output(edited)).toEqual(output(run({ FINETUNE_ADVISOR_CACHE: '0' })));
    expect(entries()).toHaveLength(2);
  });

  it('FINETUNE_ADVISOR_CACHE=0 validates every time and writes nothing', () => {
    const first = run({ FINETUNE_ADVISOR_CACHE: '0' });
    expect(first.status).toBe(0);
    expect(run({ FINETUNE_ADVISOR_CACHE: '0' }).yamlLoader).toBe(true);
    expect(existsSync(join(home, '.cache'))).toBe(false);
  });

  const damaged: Array<[string, (entry: string) => void]> = [
    [
      'a corrupted entry (one byte of its JSON changed)',
      (entry) => writeFileSync(entry, readFileSync(entry, 'latin1').replace('Cache Card', 'Cache Cord'), 'latin1'),
    ],
    ['a truncated entry', (entry) => writeFileSync(entry, readFileSync(entry).subarray(0, 100))],
    [
      'a symlinked entry (to an intact copy)',
      (entry) => {
        const copy = join(home, 'elsewhere.json');
        copyFileSync(entry, copy);
        unlinkSync(entry);
        symlinkSync(copy, entry);
      },
    ],
    [
      'a FIFO in the entry’s place',
      (entry) => {
        unlinkSync(entry);
        expect(spawnSync('mkfifo', [entry]).status).toBe(0);
      },
    ],
    ['a group-writable entry', (entry) => chmodSync(entry, 0o620)],
  ];
  for (const [what, damage] of damaged) {
    it(`ignores ${what}, validates, and rewrites it`, () => {
      const first = run();
      const entry = theEntry();
      damage(entry);
      const after = run();
      expect(after.yamlLoader).toBe(true);
      expect(output(after)).toEqual(output(first));
      expect(statSync(entry).isFile()).toBe(true); // the rename replaced whatever was there
      const again = run();
      expect(again.yamlLoader).toBe(false);
      expect(output(again)).toEqual(output(first));
    });
  }

  const unsafeFolders: Array<[string, () => void]> = [
    ['group-writable', () => chmodSync(cacheFolder(), 0o770)],
    ['world-writable', () => chmodSync(cacheFolder(), 0o707)],
    [
      'a symbolic link (to an intact copy)',
      () => {
        const real = join(home, 'real-kb-cache');
        mkdirSync(real, { mode: 0o700 });
        for (const f of entries()) copyFileSync(join(cacheFolder(), f), join(real, f));
        rmSync(cacheFolder(), { recursive: true });
        symlinkSync(real, cacheFolder());
      },
    ],
    ...(process.getuid?.() === 0
      ? ([['owned by another user', () => chownSync(cacheFolder(), 65534, 65534)]] as Array<[string, () => void]>)
      : []),
  ];
  for (const [what, unsafe] of unsafeFolders) {
    it(`never uses a cache folder that is ${what}`, () => {
      const first = run();
      unsafe();
      for (let i = 0; i < 2; i++) {
        const r = run();
        expect(r.yamlLoader).toBe(true);
        expect(output(r)).toEqual(output(first));
      }
    });
  }

  it('runs without a cache where the cache folder cannot be made', () => {
    const blocked = join(home, 'a-file');
    writeFileSync(blocked, '');
    const env = { XDG_CACHE_HOME: blocked }; // a file where the folder's parent should be
    const first = run(env);
    expect(first.status).toBe(0);
    expect(output(first)).toEqual(output(run({ FINETUNE_ADVISOR_CACHE: '0' })));
    expect(run(env).yamlLoader).toBe(true);
  });

  it('never stores an invalid --kb file, which reports its errors as before', () => {
    writeFileSync(kbFile, GPU_FILE(88).replace('vramGB: 16', 'vramGB: lots'));
    const first = run();
    expect(first.status).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/extra\.yaml:\d+:\d+: .*vramGB/);
    expect(entries()).toEqual([]);
    const second = run();
    expect(second.yamlLoader).toBe(true);
    expect(output(second)).toEqual(output(first));
    expect(output(second)).toEqual(output(run({ FINETUNE_ADVISOR_CACHE: '0' })));
  });
});

describe('the cache key and entries (in-process)', () => {
  const compiled = loadCompiledKb(bundledDataDir());
  const identity = compiled ? currentKbIdentity(compiled) : undefined;
  const tinyKb = (id: string): KnowledgeBase => ({
    techniques: [],
    models: [],
    gpus: [{ id } as KnowledgeBase['gpus'][number]],
    rules: [],
    groups: [],
    dataPlan: [],
    trainers: [],
    origin: { [`gpus:${id}`]: 'extra.yaml' },
  });
  const emptyBase: KnowledgeBase = {
    techniques: [],
    models: [],
    gpus: [],
    rules: [],
    groups: [],
    dataPlan: [],
    trainers: [],
    origin: {},
  };

  it('reads the identity of this package: version, loader build and the bundled base', () => {
    expect(identity).toBeDefined();
    expect(identity!.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(identity!.base.map(([name]) => name)).toContain('gpus.yaml');
    expect(identity!.base.every(([, sha]) => /^[0-9a-f]{64}$/.test(sha))).toBe(true);
  });

  it('keys by the version, the loader, the bundled base and the files', () => {
    const key = kbCacheKey(identity!, [kbFile]);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(kbCacheKey(identity!, [kbFile])).toBe(key);
    const other = (change: Partial<KbIdentity>) => kbCacheKey({ ...identity!, ...change }, [kbFile]);
    expect(other({ version: '9.9.9' })).not.toBe(key);
    expect(other({ loader: 'kb-load.cjs:1:2' })).not.toBe(key);
    const base = identity!.base.map(([name, sha], i): [string, string] => [name, i ? sha : '0'.repeat(64)]);
    expect(other({ base })).not.toBe(key);
    expect(kbCacheKey(identity!, [kbFile], '/elsewhere')).not.toBe(key);
    expect(kbCacheKey(identity!, [kbFile, emptyFolder])).not.toBe(key);
    writeFileSync(kbFile, GPU_FILE(99));
    expect(kbCacheKey(identity!, [kbFile])).not.toBe(key);
    expect(kbCacheKey(identity!, [join(home, 'missing.yaml')])).toBeUndefined();
  });

  it('validates again when the bundled base differs, and serves each base its own result', async () => {
    const env = { HOME: home };
    const validated: string[] = [];
    const load = (id: string) => (warn: (line: string) => void) => {
      validated.push(id);
      warn(`warning from ${id}`);
      return Promise.resolve(tinyKb(id));
    };
    const otherBase = { ...identity!, base: [['gpus.yaml', 'f'.repeat(64)]] as Array<[string, string]> };
    const warned: string[] = [];
    const warn = (line: string) => warned.push(line);
    const a1 = await cachedKnowledgeBase([kbFile], env, warn, load('a'), identity, emptyBase);
    const b1 = await cachedKnowledgeBase([kbFile], env, warn, load('b'), otherBase, emptyBase);
    const a2 = await cachedKnowledgeBase([kbFile], env, warn, load('a again'), identity, emptyBase);
    const b2 = await cachedKnowledgeBase([kbFile], env, warn, load('b again'), otherBase, emptyBase);
    expect(validated).toEqual(['a', 'b']);
    expect([a1, b1]).toEqual([tinyKb('a'), tinyKb('b')]);
    expect([a2, b2]).toEqual([a1, b1]);
    expect(warned).toEqual(['warning from a', 'warning from b', 'warning from a', 'warning from b']);
  });

  it('never stores a failed validation', async () => {
    const env = { HOME: home };
    const fail = () => Promise.reject(new Error('invalid'));
    await expect(cachedKnowledgeBase([kbFile], env, () => {}, fail, identity, emptyBase)).rejects.toThrow('invalid');
    expect(entries()).toEqual([]);
  });

  it('keeps an entry only under its own key, and writes non-ASCII text as ASCII', () => {
    const dir = cacheFolder();
    const delta = kbDelta(emptyBase, tinyKb('Ünïcödé card'))!;
    writeKbCacheEntry(dir, 'a'.repeat(64), { delta, warnings: ['w'] });
    expect(readKbCacheEntry(dir, 'a'.repeat(64))).toEqual({ delta, warnings: ['w'] });
    expect(/^[\x00-\x7f]*$/.test(readFileSync(join(dir, `${'a'.repeat(64)}.json`), 'latin1'))).toBe(true);
    // an entry renamed to another key's name is not that key's
    copyFileSync(join(dir, `${'a'.repeat(64)}.json`), join(dir, `${'b'.repeat(64)}.json`));
    expect(readKbCacheEntry(dir, 'b'.repeat(64))).toBeUndefined();
  });

  it('stores what the --kb files changed in the base, and rebuilds each list from it only when used', () => {
    const gpu = (id: string, tflops = 1) => ({ id, tflops }) as unknown as KnowledgeBase['gpus'][number];
    const base: KnowledgeBase = {
      ...emptyBase,
      gpus: [gpu('a'), gpu('b'), gpu('c')],
      origin: { 'gpus:a': 'bundled', 'gpus:b': 'bundled', 'gpus:c': 'bundled' },
    };
    const merged: KnowledgeBase = {
      ...base,
      gpus: [base.gpus[0]!, gpu('b', 2), base.gpus[2]!, gpu('d')],
      origin: { ...base.origin, 'gpus:b': 'extra.yaml', 'gpus:d': 'extra.yaml' },
    };
    const delta = kbDelta(base, merged)!;
    expect(delta.lists.gpus).toEqual({ replaced: [[1, gpu('b', 2)]], appended: [gpu('d')] });
    expect(delta.origin).toEqual({ 'gpus:b': 'extra.yaml', 'gpus:d': 'extra.yaml' });
    expect(JSON.stringify(delta)).not.toContain('"a"'); // the base's own entries are not copied
    expect(applyKbDelta(base, JSON.parse(JSON.stringify(delta)) as KbDelta)).toEqual(merged);
    // a list not used is never read from the base (the compiled base parses each on first read)
    const lazyBase = { ...base };
    Object.defineProperty(lazyBase, 'models', {
      get: () => {
        throw new Error('models read');
      },
    });
    expect(applyKbDelta(lazyBase, delta).gpus.map((g) => g.id)).toEqual(['a', 'b', 'c', 'd']);
    // not a change of the base (an entry of the base gone): not stored
    expect(kbDelta(base, { ...merged, gpus: [base.gpus[0]!] })).toBeUndefined();
    expect(kbDelta(base, { ...merged, origin: {} })).toBeUndefined();
  });

  it('finds the folder from XDG_CACHE_HOME, then HOME; off by FINETUNE_ADVISOR_CACHE=0 or without either', () => {
    expect(kbCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/finetune-advisor/kb');
    expect(kbCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/finetune-advisor/kb');
    expect(kbCacheDir({ HOME: '/h' })).toBe('/h/.cache/finetune-advisor/kb');
    expect(kbCacheDir({ HOME: '/h', FINETUNE_ADVISOR_CACHE: '0' })).toBeUndefined();
    expect(kbCacheDir({})).toBeUndefined();
  });
});
