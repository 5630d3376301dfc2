// The V8 code cache for dist/bundle/cli.cjs (bin/code-cache.cjs): used when it matches, ignored
// when it does not, rewritten when it can be, and never in the way: not when damaged, not when
// something other than a file is at its path, not when the folder is read-only. Every case runs
// on a copy of the built package, so the real dist/ is never touched.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/** The copies made by the current test, removed after it. */
const copies: string[] = [];
afterEach(() => {
  for (const top of copies.splice(0)) {
    chmodSync(join(top, 'node modules/finetune-advisor/dist/bundle'), 0o755); // the read-only case
    rmSync(top, { recursive: true, force: true });
  }
});

/** A copy of the installed package in a folder whose name has a space, as npm could put it. */
function install(): string {
  const top = mkdtempSync(join(tmpdir(), 'fa-cache-'));
  copies.push(top);
  chmodSync(top, 0o755); // so a run as another user (the read-only case, under root) can reach it
  const dir = join(top, 'node modules', 'finetune-advisor');
  mkdirSync(dir, { recursive: true });
  // cp -a: the data files keep their times to the nanosecond (cpSync rounds them to the
  // millisecond), so the compiled knowledge base is trusted as in a clone and recommend is fast
  mkdirSync(join(dir, 'dist'));
  for (const [parts, to] of [
    [['bin', 'data', 'package.json'], dir],
    [['dist/bundle', 'dist/kb.json'], join(dir, 'dist')],
  ] as const) {
    expect(spawnSync('cp', ['-a', ...parts.map((part) => join(root, part)), to]).status, parts.join(' ')).toBe(0);
  }
  return dir;
}

const cachePath = (dir: string, bundle = 'cli.cjs') => join(dir, 'dist/bundle', `${bundle}.cache`);

/** Loads a bundle as the bin does, in a fresh process; reports whether V8 took the cache. */
function cacheUsed(dir: string, bundle = 'cli.cjs'): boolean {
  return cachesUsed([dir], bundle)[0]!;
}

/** cacheUsed for many copies in one process (each copy's loader is a module of its own). */
function cachesUsed(dirs: string[], bundle = 'cli.cjs'): boolean[] {
  const probe = `process.stdout.write(JSON.stringify(${JSON.stringify(dirs)}.map((dir) =>
    require(dir + '/bin/code-cache.cjs').loadWithCodeCache(dir + '/dist/bundle/${bundle}').cacheUsed)));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as boolean[];
}

/** The loader's report of what happened to each cache, which only this variable turns on. */
const debugEnv = { ...process.env, FINETUNE_ADVISOR_CODE_CACHE_DEBUG: '1' };
/** Long enough for a loaded machine; a run that hangs on the cache path (a FIFO, /dev/zero) is stopped by it. */
const TIMEOUT_MS = 10_000;

const HELP = ['--help'];
const RECOMMEND = ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'];

type Run = Pick<SpawnSyncReturns<string>, 'status' | 'signal' | 'stdout' | 'stderr'>;

function run(dir: string, args: string[], options: { uid?: number; gid?: number } = {}): Run {
  return spawnSync(process.execPath, [join(dir, 'bin/finetune-advisor.js'), ...args], {
    encoding: 'utf8',
    env: debugEnv,
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    ...options,
  });
}

/** run, in the background, so a few copies are worked on at once. */
function runAsync(dir: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'bin/finetune-advisor.js'), ...args], {
      env: debugEnv,
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** The run ended normally with the right output, and said nothing but the cache report (no native trace, no warning). */
function expectRan(r: Run, args: string[], what: string): void {
  expect(r.signal, `${what}: ${r.stderr}`).toBeNull();
  expect(r.status, `${what}: ${r.stderr}`).toBe(0);
  expect(
    r.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('code cache: ')),
    what,
  ).toEqual([]);
  if (args === HELP) expect(r.stdout, what).toMatch(/^Usage: finetune-advisor /);
  else expect(JSON.parse(r.stdout).recommendation.id, what).toBe('lora');
}

/** What the loader said about `bundle`: 'used', 'rejected: <why>', 'rewritten', 'not rewritten: <why>'. */
const reports = (r: Run, bundle = 'cli.cjs') =>
  r.stderr
    .split('\n')
    .filter((line) => line.startsWith(`code cache: ${bundle} `))
    .map((line) => line.slice(`code cache: ${bundle} `.length));

/** Temporary files the cache writer left in the bundle folder. */
const leftovers = (dir: string) => readdirSync(join(dir, 'dist/bundle')).filter((f) => f.endsWith('.tmp'));

/** Offsets over the whole cache file: its header line, V8's header and the start of its data, the middle, the end. */
function damageOffsets(cache: Buffer): number[] {
  const newline = cache.indexOf(10);
  const checksumStart = cache.lastIndexOf(32, newline) + 1;
  const header = [0, 40, checksumStart - 1, checksumStart, checksumStart + 6, newline];
  // V8's header: magic number, version, source, flags, length, checksum (4 bytes each), then data
  const payloadStart = [0, 4, 8, 12, 16, 20, 24, 64].map((k) => newline + 1 + k);
  const from = newline + 200;
  const middle = Array.from({ length: 12 }, (_, i) => from + Math.floor(((cache.length - 200 - from) * i) / 11));
  const end = [cache.length - 3, cache.length - 2, cache.length - 1];
  return [...header, ...payloadStart, ...middle, ...end];
}

describe('code cache', () => {
  it('the build writes a cache that V8 accepts for every bundle, stamped with the bundle hash and a checksum of the data', () => {
    const dir = install();
    for (const bundle of ['cli.cjs', 'kb-load.cjs', 'prompts.cjs', 'kb-schema.cjs'])
      expect(cacheUsed(dir, bundle), bundle).toBe(true);
    const stamp = readFileSync(join(dir, 'dist/bundle/cli.cjs'), 'utf8').split('\n')[0]!;
    expect(stamp).toMatch(/^\/\/ [0-9a-f]{64}$/);
    const cache = readFileSync(cachePath(dir));
    expect(cache.subarray(0, cache.indexOf(10)).toString('latin1')).toMatch(new RegExp(`^${stamp} crc32:[0-9a-f]{8}$`));
    const r = run(dir, HELP);
    expectRan(r, HELP, 'a run with the built cache');
    expect(reports(r)).toEqual(['used']);
  });

  it('a cache made for another bundle is ignored, and the first run writes a matching one', () => {
    const dir = install();
    const cache = cachePath(dir);
    const body = readFileSync(cache);
    writeFileSync(cache, Buffer.concat([Buffer.from(`// ${'0'.repeat(64)}`), body.subarray(body.indexOf(32, 3))]));
    expect(cacheUsed(dir)).toBe(false);
    const r = run(dir, RECOMMEND);
    expectRan(r, RECOMMEND, 'a stale cache');
    expect(reports(r)).toEqual(['rejected: made for another build of the bundle', 'rewritten']);
    expect(cacheUsed(dir)).toBe(true);
  });

  it('a lazily required bundle goes through the cache too, and a stale one is rewritten after the run', () => {
    const dir = install();
    const cache = cachePath(dir, 'kb-load.cjs');
    rmSync(cache);
    const extra = join(dir, 'extra.yaml');
    writeFileSync(
      extra,
      'gpus:\n  - id: t-card\n    name: T Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n',
    );
    const r = run(dir, [
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--gpu',
      't-card',
      '--time',
      '2h',
      '--kb',
      extra,
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gpu.id).toBe('t-card');
    expect(reports(r, 'kb-load.cjs')).toEqual(['rejected: missing', 'rewritten']);
    expect(cacheUsed(dir, 'kb-load.cjs')).toBe(true);
  });

  it(
    'a cache with one bit changed anywhere is never given to V8: both commands run, and the cache is rewritten',
    { timeout: 120_000 },
    async () => {
      const built = readFileSync(cachePath(root));
      const offsets = damageOffsets(built);
      expect(offsets.length).toBeGreaterThanOrEqual(29);
      /** The build's cache with one bit changed (again after the first command rewrote it). */
      const damage = (dir: string, offset: number, bit: number) => {
        const bytes = Buffer.from(built);
        bytes[offset]! ^= bit;
        writeFileSync(cachePath(dir), bytes);
      };
      const dirs: string[] = [];
      /** One offset: each command on a damaged cache; what the last one wrote is checked below. */
      const tryOffset = async (offset: number, i: number) => {
        const dir = install();
        dirs[i] = dir;
        const bit = 1 << (i % 8);
        for (const args of [HELP, RECOMMEND]) {
          damage(dir, offset, bit);
          const r = await runAsync(dir, args);
          const what = `${args[0]} with byte ${offset} xor 0x${bit.toString(16)}`;
          expectRan(r, args, what);
          expect(reports(r)[0], what).toMatch(/^rejected: (checksum mismatch|made for another build of the bundle)$/);
          expect(reports(r)[1], what).toBe('rewritten');
        }
      };
      // two at a time: the machine's cores, without one run waiting on the other's disk writes
      const queue = offsets.map((offset, i) => () => tryOffset(offset, i));
      await Promise.all(
        [0, 1].map(async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await next();
        }),
      );
      expect(cachesUsed(dirs)).toEqual(dirs.map(() => true));
    },
  );

  it('a damaged cache of a lazily required bundle is rejected and rewritten too', () => {
    const dir = install();
    const cache = cachePath(dir, 'kb-load.cjs');
    const bytes = readFileSync(cache);
    bytes[bytes.length >> 1]! ^= 0x10;
    writeFileSync(cache, bytes);
    const extra = join(dir, 'extra.yaml');
    writeFileSync(
      extra,
      'gpus:\n  - id: t-card\n    name: T Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n',
    );
    const r = run(dir, [
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--gpu',
      't-card',
      '--time',
      '2h',
      '--kb',
      extra,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).gpu.id).toBe('t-card');
    expect(reports(r, 'kb-load.cjs')).toEqual(['rejected: checksum mismatch', 'rewritten']);
    expect(cacheUsed(dir, 'kb-load.cjs')).toBe(true);
  });

  it.each([
    [
      'a truncated cache',
      (cache: string) => truncateSync(cache, lstatSync(cache).size >> 1),
      'rejected: checksum mismatch',
    ],
    [
      'a cache cut inside its header line',
      (cache: string) => truncateSync(cache, 70),
      'rejected: made for another build of the bundle',
    ],
    ['an empty cache', (cache: string) => writeFileSync(cache, ''), 'rejected: made for another build of the bundle'],
    [
      'a cache of 17 MB',
      (cache: string) => truncateSync(cache, 17 * 1024 * 1024),
      'rejected: larger than 16777216 bytes',
    ],
    [
      'a FIFO at the cache path',
      (cache: string) => (rmSync(cache), expect(spawnSync('mkfifo', [cache]).status).toBe(0)),
      'rejected: not a regular file',
    ],
    [
      'a symlink to /dev/zero at the cache path',
      (cache: string) => (rmSync(cache), symlinkSync('/dev/zero', cache)),
      'rejected: not a regular file',
    ],
  ])('%s: the run works, and the cache is replaced by a regular file that is used', (_name, spoil, rejection) => {
    const dir = install();
    const cache = cachePath(dir);
    spoil(cache);
    const r = run(dir, HELP);
    expectRan(r, HELP, _name);
    expect(reports(r)).toEqual([rejection, 'rewritten']);
    expect(lstatSync(cache).isFile()).toBe(true);
    expect(leftovers(dir)).toEqual([]);
    expect(cacheUsed(dir)).toBe(true);
  });

  it('a symlink at the cache path is neither followed nor written through', () => {
    const dir = install();
    const cache = cachePath(dir);
    const target = join(dir, 'target.cache');
    cpSync(cache, target); // a valid cache even, but behind a link
    const before = readFileSync(target);
    rmSync(cache);
    symlinkSync(target, cache);
    const r = run(dir, RECOMMEND);
    expectRan(r, RECOMMEND, 'a symlink');
    expect(reports(r)).toEqual(['rejected: not a regular file', 'rewritten']);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(lstatSync(cache).isFile()).toBe(true);
  });

  it('a folder at the cache path: the run works, quietly, and leaves no temporary file', () => {
    const dir = install();
    const cache = cachePath(dir);
    rmSync(cache);
    mkdirSync(cache); // neither readable as a file nor replaceable by rename, even for root
    const env = { ...process.env, FINETUNE_ADVISOR_CODE_CACHE_DEBUG: undefined };
    const quiet = spawnSync(process.execPath, [join(dir, 'bin/finetune-advisor.js'), ...RECOMMEND], {
      encoding: 'utf8',
      env,
      timeout: TIMEOUT_MS,
    });
    expect(quiet.stderr).toBe('');
    expect(quiet.status).toBe(0);
    expect(JSON.parse(quiet.stdout).recommendation.id).toBe('lora');
    const r = run(dir, HELP);
    expectRan(r, HELP, 'a folder');
    expect(reports(r)).toEqual(['rejected: not a regular file', 'not rewritten: EISDIR']);
    expect(leftovers(dir)).toEqual([]);
    expect(cacheUsed(dir)).toBe(false);
  });

  it('a read-only folder: the run works uncached and leaves no temporary file', () => {
    const dir = install();
    rmSync(cachePath(dir));
    chmodSync(join(dir, 'dist/bundle'), 0o555);
    // root writes anywhere: the run is made as nobody then
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = run(dir, RECOMMEND, asUser);
    expectRan(r, RECOMMEND, 'a read-only folder');
    expect(reports(r)).toEqual(['rejected: missing', 'not rewritten: EACCES']);
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(cachePath(dir))).toBe(false);
  });

  it('runs in parallel without a cache each write one, and what stays is a cache that is used', async () => {
    const dir = install();
    rmSync(cachePath(dir));
    const runs = await Promise.all(Array.from({ length: 6 }, () => runAsync(dir, HELP)));
    for (const r of runs) expectRan(r, HELP, 'a parallel run');
    // a run that started after another one's rename finds its cache
    for (const r of runs) expect([['rejected: missing', 'rewritten'], ['used']]).toContainEqual(reports(r));
    expect(runs.some((r) => reports(r)[1] === 'rewritten')).toBe(true);
    expect(leftovers(dir)).toEqual([]);
    expect(cacheUsed(dir)).toBe(true);
  });

  it('without zlib.crc32 (Node < 20.15) the checksum is SHA-256, and a cache is still used', () => {
    const dir = install();
    const noCrc32 = join(dir, 'no-crc32.cjs');
    writeFileSync(noCrc32, "delete require('node:zlib').crc32;\n");
    const withoutCrc32 = () =>
      spawnSync(process.execPath, ['--require', noCrc32, join(dir, 'bin/finetune-advisor.js'), ...HELP], {
        encoding: 'utf8',
        env: debugEnv,
        timeout: TIMEOUT_MS,
      });
    const first = withoutCrc32();
    expectRan(first, HELP, 'the first run without crc32');
    expect(reports(first)).toEqual(['rejected: checksum mismatch', 'rewritten']);
    const cache = readFileSync(cachePath(dir));
    expect(cache.subarray(0, cache.indexOf(10)).toString('latin1')).toMatch(/ sha256:[0-9a-f]{64}$/);
    const second = withoutCrc32();
    expectRan(second, HELP, 'the second run without crc32');
    expect(reports(second)).toEqual(['used']);
  });

  it('a verified cache is recorded by its stat: later runs skip the checksum (no node:zlib), and a change is still caught', async () => {
    const dir = install();
    const cache = cachePath(dir);
    // the racy window: a cache changed within 2 s is verified by its checksum every run
    await new Promise((r) => setTimeout(r, 2100));
    const zlibLoaded = () => {
      const probe = join(dir, 'zlib-probe.cjs');
      writeFileSync(
        probe,
        "process.on('exit', () => process.stderr.write(`zlib ${process.moduleLoadList.includes('NativeModule zlib')}\\n`));",
      );
      const r = spawnSync(process.execPath, ['--require', probe, join(dir, 'bin/finetune-advisor.js'), ...HELP], {
        encoding: 'utf8',
        env: debugEnv,
      });
      expectRan({ ...r, stderr: r.stderr.replace(/^zlib \w+\n/m, '') }, HELP, 'a run with the probe');
      return /zlib true/.test(r.stderr);
    };
    expect(zlibLoaded(), 'the first run checks the checksum').toBe(true);
    expect(existsSync(`${cache}.verified`)).toBe(true);
    expect(zlibLoaded(), 'the next one trusts the recorded stat').toBe(false);
    // a bit changed, its mtime put back: ctime and the stat differ, the checksum is checked and fails
    const st = statSync(cache);
    const bytes = readFileSync(cache);
    bytes[bytes.length - 100]! ^= 0x10;
    writeFileSync(cache, bytes);
    utimesSync(cache, st.atime, st.mtime);
    const r = run(dir, HELP);
    expectRan(r, HELP, 'the damaged cache');
    expect(reports(r)).toEqual(['rejected: checksum mismatch', 'rewritten']);
  });

  it("where Node has its own compile cache (module.enableCompileCache, Node >= 22.1) it is used instead, in the user's cache folder; where it fails, the bundle's cache", () => {
    const dir = install();
    const cacheHome = join(dir, 'cache home');
    const expected = run(dir, RECOMMEND).stdout;
    // Node 20 has no enableCompileCache: a preloaded stand-in answers as Node 22 would
    const withNodeCache = (status: 'ENABLED' | 'FAILED') => {
      const fake = join(dir, `fake-compile-cache-${status}.cjs`);
      writeFileSync(
        fake,
        `const m = require('node:module');
m.constants = { ...m.constants, compileCacheStatus: { FAILED: 0, ENABLED: 1, ALREADY_ENABLED: 2, DISABLED: 3 } };
m.enableCompileCache = (directory) => { process.stderr.write('enableCompileCache ' + directory + '\\n'); return { status: m.constants.compileCacheStatus.${status}, directory }; };
`,
      );
      const r = spawnSync(process.execPath, ['--require', fake, join(dir, 'bin/finetune-advisor.js'), ...RECOMMEND], {
        encoding: 'utf8',
        env: { ...debugEnv, XDG_CACHE_HOME: cacheHome },
        timeout: TIMEOUT_MS,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(expected);
      return r.stderr.split('\n').filter(Boolean);
    };
    rmSync(cachePath(dir));
    const folder = join(cacheHome, 'finetune-advisor', 'node-compile-cache');
    expect(withNodeCache('ENABLED')).toEqual([
      `enableCompileCache ${folder}`,
      `code cache: Node's compile cache in ${folder}`,
    ]);
    // the bundle's own cache is neither read nor written then
    expect(existsSync(cachePath(dir))).toBe(false);
    expect(withNodeCache('FAILED')).toEqual([
      `enableCompileCache ${folder}`,
      'code cache: cli.cjs rejected: missing',
      'code cache: cli.cjs rewritten',
    ]);
    expect(cacheUsed(dir)).toBe(true);
  });
});
