// Shared by the code-cache tests (code-cache.test.ts, code-cache-damage.test.ts, split so the two
// run side by side): copies of the built package to work on, and running the bin in them.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect } from 'vitest';

export const root = new URL('../../', import.meta.url).pathname;

/** The copies made by the current test, removed after it (call once per test file). */
const copies: string[] = [];
export const removeCopiesAfterEach = () =>
  afterEach(() => {
    for (const top of copies.splice(0)) {
      chmodSync(join(top, 'node modules/finetune-advisor/dist/bundle'), 0o755); // the read-only case
      rmSync(top, { recursive: true, force: true });
    }
  });

/**
 * A copy of the installed package in a folder whose name has a space, as npm could put it. The
 * commands' own caches of cli.cjs (cli.cjs.<command>.cache) are left out unless asked for, so a
 * run reads the bundle's one cache, whose handling the tests work on; a command's cache goes
 * through the same code (code-cache-commands.test.ts).
 */
export function install(options: { commandCaches?: boolean } = {}): string {
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
  if (!options.commandCaches)
    for (const f of readdirSync(join(dir, 'dist/bundle'))) if (isCommandCache(f)) rmSync(join(dir, 'dist/bundle', f));
  return dir;
}

export const cachePath = (dir: string, bundle = 'cli.cjs') => join(dir, 'dist/bundle', `${bundle}.cache`);

/** A command's own cache of cli.cjs: cli.cjs.recommend.json.cache, cli.cjs.compare.cache. */
export const isCommandCache = (file: string) => /^cli\.cjs\.[\w.]+\.cache$/.test(file);

/** Loads a bundle as the bin does, in a fresh process; reports whether V8 took the cache. */
export function cacheUsed(dir: string, bundle = 'cli.cjs'): boolean {
  return cachesUsed([dir], bundle)[0]!;
}

/** cacheUsed for many copies in one process (each copy's loader is a module of its own). */
export function cachesUsed(dirs: string[], bundle = 'cli.cjs'): boolean[] {
  const probe = `process.stdout.write(JSON.stringify(${JSON.stringify(dirs)}.map((dir) =>
    require(dir + '/bin/code-cache.cjs').loadWithCodeCache(dir + '/dist/bundle/${bundle}').cacheUsed)));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as boolean[];
}

/** The loader's report of what happened to each cache, which only this variable turns on. */
export const debugEnv = { ...process.env, FINETUNE_ADVISOR_CODE_CACHE_DEBUG: '1' };
/** Long enough for a loaded machine; a run that hangs on the cache path (a FIFO, /dev/zero) is stopped by it. */
export const TIMEOUT_MS = 10_000;

export const HELP = ['--help'];
export const RECOMMEND = ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'];

export type Run = Pick<SpawnSyncReturns<string>, 'status' | 'signal' | 'stdout' | 'stderr'>;

export function run(dir: string, args: string[], options: { uid?: number; gid?: number } = {}): Run {
  return spawnSync(process.execPath, [join(dir, 'bin/finetune-advisor.js'), ...args], {
    encoding: 'utf8',
    env: debugEnv,
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    ...options,
  });
}

/** `recommend --json` with a --kb file of one GPU (t-card), which loads the YAML loader's bundle. */
export function runWithKbFile(dir: string): Run {
  const extra = join(dir, 'extra.yaml');
  writeFileSync(
    extra,
    'gpus:\n  - id: t-card\n    name: T Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n',
  );
  return run(dir, [
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
}

/** run, in the background, so a few copies are worked on at once. */
export function runAsync(dir: string, args: string[]): Promise<Run> {
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
export function expectRan(r: Run, args: string[], what: string): void {
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
export const reports = (r: Run, bundle = 'cli.cjs') =>
  r.stderr
    .split('\n')
    .filter((line) => line.startsWith(`code cache: ${bundle} `))
    .map((line) => line.slice(`code cache: ${bundle} `.length));

/** Temporary files the cache writer left in the bundle folder. */
export const leftovers = (dir: string) => readdirSync(join(dir, 'dist/bundle')).filter((f) => f.endsWith('.tmp'));

/** Offsets over the whole cache file: its header line, V8's header and the start of its data, the middle, the end. */
export function damageOffsets(cache: Buffer): number[] {
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
