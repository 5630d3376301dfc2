// When the compiled knowledge base is trusted (src/kb/compiled.ts): by content hash, with the
// build's stat and this copy's verified cache in front of it, never by file times alone. Every
// open is recorded, so a test can say which data files were read.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { KnowledgeBase } from '../../src/kb/types.js';

const trace = vi.hoisted(() => ({ opened: [] as string[], denied: new Set<string>() }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: [never]) => {
    trace.opened.push(String(path));
    if (trace.denied.has(String(path)))
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    return fs.openSync(path, ...rest);
  }) as typeof fs.openSync;
  return { ...fs, openSync, default: { ...fs, openSync } };
});

const { bundledDataDir, dataFileRecords, loadCompiledKb, serializeCompiledKb, verifiedCachePath, verifiedUserDir } =
  await import('../../src/kb/compiled.js');
const { loadKnowledgeBase } = await import('../../src/kb/load.js');

let kb: KnowledgeBase;
beforeAll(() => {
  kb = JSON.parse(JSON.stringify(loadKnowledgeBase())) as KnowledgeBase;
});
afterEach(() => {
  vi.useRealTimers();
  trace.denied.clear();
});

/** A package-like folder: data/ copied now (fresh times) and a kb.json compiled from it. */
function compiledCopy(options: { stat?: boolean; crc32?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fa-compiled-'));
  const data = join(dir, 'data');
  cpSync(bundledDataDir(), data, { recursive: true });
  mkdirSync(join(dir, 'dist'));
  const kbPath = join(dir, 'dist', 'kb.json');
  // the build's stat is recorded only when the files are older than 2 s at build time
  const records = dataFileRecords(data, options.stat === false ? Date.now() : Date.now() + 10_000).map((r) =>
    options.crc32 === false ? { ...r, crc32: undefined } : r,
  );
  writeFileSync(kbPath, serializeCompiledKb(records, kb));
  const cache = verifiedCachePath(kbPath);
  return {
    dir,
    data,
    kbPath,
    cache,
    load: (userDir?: string) => {
      trace.opened.length = 0;
      return loadCompiledKb(data, kbPath, userDir);
    },
    yamlRead: () => trace.opened.filter((p) => p.startsWith(data)).map((p) => p.slice(data.length + 1)),
    verified: () =>
      (JSON.parse(readFileSync(cache, 'utf8')) as { files: Array<{ name: string }> }).files.map((f) => f.name),
    /** new times for every data file, as npm's unpacking or cp -r gives them; old enough to be recorded */
    retime: () => {
      const t = new Date(Date.now() - 60_000);
      for (const f of readdirSync(data)) utimesSync(join(data, f), t, t);
    },
  };
}

const DATA = [
  'data-plan.yaml',
  'gpus.yaml',
  'groups.yaml',
  'models.yaml',
  'rules.yaml',
  'techniques.yaml',
  'trainers.yaml',
];
/** The same size, other bytes. */
const editGpuName = (data: string) => {
  const file = join(data, 'gpus.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('name: "NVIDIA GeForce RTX 4090"');
  writeFileSync(file, text.replace('name: "NVIDIA GeForce RTX 4090"', 'name: "NVIDIA GeForce RTX 409X"'));
};

describe('compiled knowledge base: trusted by content', () => {
  it('a copy as built is trusted by the build stat, reading no data file', () => {
    const c = compiledCopy();
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual([]);
    expect(existsSync(c.cache)).toBe(false);
  });

  it('a copy with other times is checked by hash once, then by its verified cache', () => {
    const c = compiledCopy();
    c.retime();
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
    expect(c.verified()).toEqual(DATA);
    expect(c.load()!.gpus.length).toBeGreaterThan(10);
    expect(c.yamlRead()).toEqual([]);
  });

  it('a file modified within 2 s of the check is trusted by hash but not recorded (racy)', () => {
    const c = compiledCopy();
    c.retime();
    const gpus = join(c.data, 'gpus.yaml');
    const t = new Date();
    utimesSync(gpus, t, t);
    vi.useFakeTimers({ toFake: ['Date'], now: statSync(gpus).mtimeMs + 1500 });
    expect(c.load()).not.toBeNull();
    expect(c.verified()).toEqual(DATA.filter((f) => f !== 'gpus.yaml'));
    vi.setSystemTime(statSync(gpus).mtimeMs + 2500);
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(['gpus.yaml']);
    expect(c.verified()).toEqual(DATA);
  });

  it('the build does not record a stat that is racy either', () => {
    const c = compiledCopy({ stat: false });
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
  });

  it('an edit that keeps the size is not trusted, even with the mtime put back (touch -r)', () => {
    for (const retimed of [false, true]) {
      const c = compiledCopy();
      if (retimed) {
        c.retime();
        expect(c.load()).not.toBeNull(); // verified and recorded
      }
      const gpus = join(c.data, 'gpus.yaml');
      const before = statSync(gpus);
      const timeOnly = join(c.dir, 'times');
      execFileSync('touch', ['-r', gpus, timeOnly]); // exact to the nanosecond, as touch -r restores it
      editGpuName(c.data);
      execFileSync('touch', ['-r', timeOnly, gpus]);
      expect(statSync(gpus).mtimeMs).toBe(before.mtimeMs);
      expect(c.load(), retimed ? 'after the verified cache' : 'as built').toBeNull();
    }
  });

  it('without a CRC-32 in the header (zlib.crc32 came in Node 20.15), SHA-256 decides', () => {
    const c = compiledCopy({ crc32: false });
    expect(readFileSync(c.kbPath, 'utf8').split('\n')[0]).not.toContain('crc32');
    c.retime();
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
    editGpuName(c.data);
    expect(c.load()).toBeNull();
  });

  it('other names or sizes are stale with no data file read', () => {
    const added = compiledCopy();
    writeFileSync(join(added.data, 'extra.yaml'), 'gpus: []\n');
    const removed = compiledCopy();
    rmSync(join(removed.data, 'rules.yaml'));
    const renamed = compiledCopy();
    execFileSync('mv', [join(renamed.data, 'rules.yaml'), join(renamed.data, 'rules2.yaml')]);
    const grown = compiledCopy();
    writeFileSync(join(grown.data, 'rules.yaml'), `${readFileSync(join(grown.data, 'rules.yaml'), 'utf8')}\n`);
    for (const c of [added, removed, renamed, grown]) {
      expect(c.load()).toBeNull();
      expect(c.yamlRead()).toEqual([]);
    }
  });

  it('an unreadable data file with the compiled name and size keeps the compiled base', () => {
    const c = compiledCopy();
    c.retime();
    trace.denied.add(join(c.data, 'models.yaml'));
    expect(c.load()).not.toBeNull();
    expect(c.verified()).toEqual(DATA.filter((f) => f !== 'models.yaml'));
  });

  it('a verified cache that is malformed, not ours or too large is ignored, then replaced', () => {
    const bad = [
      'not json',
      '{"version":2,"files":[]}',
      JSON.stringify({ version: 1, files: [{ name: 'gpus.yaml', size: '1' }] }),
      JSON.stringify({ version: 1, files: {} }),
      'null',
    ];
    for (const text of bad) {
      const c = compiledCopy();
      c.retime();
      writeFileSync(c.cache, text);
      expect(c.load(), text.slice(0, 30)).not.toBeNull();
      expect(c.yamlRead()).toEqual(DATA);
      expect(c.verified()).toEqual(DATA);
    }
  });

  it('a verified cache over 64 KB is not read, even when it is valid', () => {
    const c = compiledCopy();
    c.retime();
    expect(c.load()).not.toBeNull();
    writeFileSync(c.cache, `${readFileSync(c.cache, 'utf8')}${' '.repeat(64 * 1024)}`);
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
  });

  it('a verified cache whose hashes or stats belong to other bytes is not trusted', () => {
    const c = compiledCopy();
    c.retime();
    expect(c.load()).not.toBeNull();
    const cache = JSON.parse(readFileSync(c.cache, 'utf8')) as {
      files: Array<{ name: string; sha256: string; size: number }>;
    };
    cache.files.find((f) => f.name === 'gpus.yaml')!.sha256 = '0'.repeat(64); // as if verified against another build
    writeFileSync(c.cache, JSON.stringify(cache));
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(['gpus.yaml']);
    editGpuName(c.data); // and an edit is not hidden by the entry for the old bytes
    expect(c.load()).toBeNull();
  });

  // a FIFO in its place: tests/e2e/installed.test.ts (a blocking open would hang this process)
  it('a folder in the cache place breaks nothing, and its failed write leaves no temporary file', () => {
    const c = compiledCopy();
    c.retime();
    mkdirSync(c.cache);
    expect(c.load()).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
    expect(readdirSync(join(c.dir, 'dist'))).toEqual(['kb.json', 'kb.verified.json']);
  });
});

describe('compiled knowledge base: a copy whose folder cannot be written (a global install owned by root)', () => {
  /** a private cache folder of this user, as ~/.cache/finetune-advisor/verified would be */
  const userDir = () => join(mkdtempSync(join(tmpdir(), 'fa-user-cache-')), 'finetune-advisor', 'verified');

  it('keeps its verified stamps in the user cache folder: hashed once, then trusted by stat', () => {
    const c = compiledCopy();
    c.retime();
    mkdirSync(c.cache); // the package's own stamp file cannot be written
    const dir = userDir();
    expect(c.load(dir)).not.toBeNull();
    expect(c.yamlRead()).toEqual(DATA);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^kb-[0-9a-f]{8}\.json$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, file!), 'utf8')).compiled).toBe(c.kbPath);
    expect(c.load(dir)).not.toBeNull();
    expect(c.yamlRead()).toEqual([]);
    // an edit is still seen: the stamps are a stat cache in front of the hash
    editGpuName(c.data);
    expect(c.load(dir)).toBeNull();
  });

  it("a writable copy writes its own stamp file and leaves the user's folder alone", () => {
    const c = compiledCopy();
    c.retime();
    const dir = userDir();
    expect(c.load(dir)).not.toBeNull();
    expect(c.verified()).toEqual(DATA);
    expect(existsSync(dir)).toBe(false);
  });

  it("another copy's stamps, or a folder others can write, are not trusted", () => {
    const a = compiledCopy();
    const b = compiledCopy();
    for (const c of [a, b]) {
      c.retime();
      mkdirSync(c.cache);
    }
    const dir = userDir();
    expect(a.load(dir)).not.toBeNull();
    const [file] = readdirSync(dir);
    // b's file name taken by a's stamps (as a hash collision would): they name another compiled file
    const bFile = () => readdirSync(dir).find((f) => f !== file)!;
    expect(b.load(dir)).not.toBeNull();
    writeFileSync(join(dir, bFile()), readFileSync(join(dir, file!)));
    expect(b.load(dir)).not.toBeNull();
    expect(b.yamlRead()).toEqual(DATA);
    // a folder anyone can write: read as absent, never written to
    execFileSync('chmod', ['0777', dir]);
    expect(a.load(dir)).not.toBeNull();
    expect(a.yamlRead()).toEqual(DATA);
  });

  it('the folder: XDG_CACHE_HOME, else ~/.cache; none with FINETUNE_ADVISOR_CACHE=0 or relative paths', () => {
    expect(verifiedUserDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/h' })).toBe('/x/cache/finetune-advisor/verified');
    expect(verifiedUserDir({ HOME: '/h' })).toBe('/h/.cache/finetune-advisor/verified');
    expect(verifiedUserDir({ XDG_CACHE_HOME: 'rel', HOME: '/h' })).toBe('/h/.cache/finetune-advisor/verified');
    expect(verifiedUserDir({ HOME: '/h', FINETUNE_ADVISOR_CACHE: '0' })).toBeUndefined();
    expect(verifiedUserDir({})).toBeUndefined();
  });
});
