// The V8 code cache for dist/bundle/cli.cjs (bin/code-cache.cjs): used when it matches, ignored
// when it does not, rewritten when it can be, Node's own compile cache where Node has one. Every
// case runs on a copy of the built package, so the real dist/ is never touched. Damage and
// special files at the cache path: code-cache-damage.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  cachePath,
  cacheUsed,
  debugEnv,
  expectRan,
  HELP,
  install,
  leftovers,
  RECOMMEND,
  removeCopiesAfterEach,
  reports,
  run,
  runAsync,
  runWithKbFile,
  TIMEOUT_MS,
} from './code-cache-fixture.js';

removeCopiesAfterEach();

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
    const r = runWithKbFile(dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gpu.id).toBe('t-card');
    expect(reports(r, 'kb-load.cjs')).toEqual(['rejected: missing', 'rewritten']);
    expect(cacheUsed(dir, 'kb-load.cjs')).toBe(true);
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
