// The V8 code cache is never in the way: not when damaged, not when something other than a file
// is at its path, not when the folder is read-only (bin/code-cache.cjs). On copies of the built
// package (code-cache-fixture.ts).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  cachePath,
  cachesUsed,
  cacheUsed,
  damageOffsets,
  expectRan,
  HELP,
  install,
  leftovers,
  RECOMMEND,
  removeCopiesAfterEach,
  reports,
  root,
  run,
  runAsync,
  runWithKbFile,
  TIMEOUT_MS,
} from './code-cache-fixture.js';

removeCopiesAfterEach();

describe('code cache, damaged or replaced', () => {
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
    const r = runWithKbFile(dir);
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
});
