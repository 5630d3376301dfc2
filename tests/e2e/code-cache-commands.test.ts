// cli.cjs's caches of one command each (bin/code-cache.cjs, cacheVariant): each command line reads
// its own, made by running only that command, through the same checks as the bundle's one cache.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  cachePath,
  expectRan,
  install,
  isCommandCache,
  RECOMMEND,
  removeCopiesAfterEach,
  reports,
  root,
  run,
} from './code-cache-fixture.js';

removeCopiesAfterEach();

const { cacheVariant } = createRequire(import.meta.url)(join(root, 'bin/code-cache.cjs')) as {
  cacheVariant: (argv: string[]) => string | undefined;
};
const commandCache = (dir: string, variant: string) => join(dir, 'dist/bundle', `cli.cjs.${variant}.cache`);

describe("code cache: a command's own", () => {
  it('a command line names its cache: the command, and .json where it prints JSON', () => {
    expect(cacheVariant(RECOMMEND)).toBe('recommend.json');
    expect(cacheVariant(['recommend', '--goal', 'style'])).toBe('recommend');
    expect(cacheVariant(['--kb', 'x.yaml', 'estimate', '--format', 'json'])).toBe('estimate.json');
    expect(cacheVariant(['--kb=x.yaml', 'compare', '--format=json'])).toBe('compare.json');
    expect(cacheVariant(['config', '--trainer', 'kohya'])).toBe('config');
    // after --, a word is an argument, not an option
    expect(cacheVariant(['recommend', '--', '--json'])).toBe('recommend');
    // help, a catalogue, a typo, an option first: the bundle's own cache
    for (const argv of [['--help'], ['techniques'], ['recomend'], ['-V'], []])
      expect(cacheVariant(argv)).toBeUndefined();
  });

  it('the build writes one per command that V8 accepts, each smaller than the bundle cache that holds them all', () => {
    const dir = install({ commandCaches: true });
    const variants = readdirSync(join(dir, 'dist/bundle'))
      .filter(isCommandCache)
      .map((f) => f.slice('cli.cjs.'.length, -'.cache'.length))
      .sort();
    expect(variants).toEqual([
      'check',
      'compare',
      'compare.json',
      'config',
      'config.json',
      'estimate',
      'estimate.json',
      'recommend',
      'recommend.json',
    ]);
    const probe = `const { loadWithCodeCache } = require(${JSON.stringify(join(dir, 'bin/code-cache.cjs'))});
process.stdout.write(JSON.stringify(loadWithCodeCache(${JSON.stringify(join(dir, 'dist/bundle/cli.cjs'))}, process.argv[1]).cacheUsed));`;
    const whole = statSync(cachePath(dir)).size;
    for (const v of variants) {
      const r = spawnSync(process.execPath, ['-e', probe, v], { encoding: 'utf8' });
      expect(r.stdout, `${v}: ${r.stderr}`).toBe('true');
      expect(statSync(commandCache(dir, v)).size, v).toBeLessThan(whole);
    }
  });

  it("each run reads its command's cache; help and the catalogues the bundle's", () => {
    const dir = install({ commandCaches: true });
    const r = run(dir, RECOMMEND);
    expectRan(r, RECOMMEND, 'recommend --json');
    expect(reports(r)).toEqual(['(recommend.json) used']);
    for (const [args, said] of [
      [['compare'], '(compare) used'],
      [
        ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--format', 'json'],
        '(estimate.json) used',
      ],
      [['--help'], 'used'],
      [['techniques'], 'used'],
    ] as const) {
      const rr = run(dir, [...args]);
      expect(rr.status, rr.stderr).toBe(0);
      expect(reports(rr), args.join(' ')).toEqual([said]);
    }
  });

  it("a damaged command cache is rejected and rewritten in its place; a missing one falls back to the bundle's", () => {
    const dir = install({ commandCaches: true });
    const own = commandCache(dir, 'recommend.json');
    const whole = readFileSync(cachePath(dir));
    const bytes = readFileSync(own);
    bytes[bytes.length - 100]! ^= 0x10;
    writeFileSync(own, bytes);
    const r = run(dir, RECOMMEND);
    expectRan(r, RECOMMEND, 'a damaged command cache');
    expect(reports(r)).toEqual(['(recommend.json) rejected: checksum mismatch', '(recommend.json) rewritten']);
    expect(reports(run(dir, RECOMMEND))).toEqual(['(recommend.json) used']);
    expect(readFileSync(cachePath(dir)).equals(whole)).toBe(true);
    rmSync(own);
    const fallback = run(dir, RECOMMEND);
    expectRan(fallback, RECOMMEND, 'no command cache');
    expect(reports(fallback)).toEqual(['used']);
  });
});
