// The V8 code cache for dist/bundle/cli.cjs (bin/code-cache.cjs): used when it matches, ignored
// when it does not, rewritten when it can be, and never in the way when the folder is read-only.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/** A copy of the installed package in a folder whose name has a space, as npm could put it. */
function install(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'fa-cache-')), 'node modules', 'finetune-advisor');
  mkdirSync(dir, { recursive: true });
  for (const part of ['bin', 'data', 'package.json', 'dist/bundle', 'dist/kb.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
  return dir;
}

/** Loads a bundle as the bin does, in a fresh process; reports whether V8 took the cache. */
function cacheUsed(dir: string, bundle = 'cli.cjs'): boolean {
  const probe = `const { loadWithCodeCache } = require(${JSON.stringify(join(dir, 'bin/code-cache.cjs'))});
    process.stdout.write(String(loadWithCodeCache(${JSON.stringify(join(dir, 'dist/bundle', bundle))}).cacheUsed));`;
  return spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout === 'true';
}

const recommend = (dir: string) =>
  spawnSync(process.execPath, [join(dir, 'bin/finetune-advisor.js'), 'recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'], { encoding: 'utf8' });

describe('code cache', () => {
  it('the build writes a cache that V8 accepts for every bundle, stamped with the bundle hash', () => {
    const dir = install();
    for (const bundle of ['cli.cjs', 'kb-load.cjs', 'prompts.cjs', 'kb-schema.cjs']) expect(cacheUsed(dir, bundle), bundle).toBe(true);
    const stamp = readFileSync(join(dir, 'dist/bundle/cli.cjs'), 'utf8').split('\n')[0]!;
    expect(stamp).toMatch(/^\/\/ [0-9a-f]{64}$/);
    expect(readFileSync(join(dir, 'dist/bundle/cli.cjs.cache')).subarray(0, stamp.length).toString('latin1')).toBe(stamp);
  });
  it('a cache made for another bundle is ignored, and the first run writes a matching one', () => {
    const dir = install();
    const cache = join(dir, 'dist/bundle/cli.cjs.cache');
    const body = readFileSync(cache);
    writeFileSync(cache, Buffer.concat([Buffer.from(`// ${'0'.repeat(64)}`), body.subarray(body.indexOf(10))]));
    expect(cacheUsed(dir)).toBe(false);
    const r = recommend(dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).recommendation.id).toBe('lora');
    expect(cacheUsed(dir)).toBe(true);
  });
  it('a lazily required bundle goes through the cache too, and a stale one is rewritten after the run', () => {
    const dir = install();
    const cache = join(dir, 'dist/bundle/kb-load.cjs.cache');
    rmSync(cache);
    const extra = join(dir, 'extra.yaml');
    writeFileSync(extra, 'gpus:\n  - id: t-card\n    name: T Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n');
    const r = spawnSync(process.execPath, [join(dir, 'bin/finetune-advisor.js'), 'recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 't-card', '--time', '2h', '--kb', extra, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).gpu.id).toBe('t-card');
    expect(cacheUsed(dir, 'kb-load.cjs')).toBe(true);
  });

  it('a folder where the cache cannot be written still runs, quietly', () => {
    const dir = install();
    const cache = join(dir, 'dist/bundle/cli.cjs.cache');
    rmSync(cache);
    mkdirSync(cache); // neither readable as a file nor replaceable by rename, even for root
    const r = recommend(dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).recommendation.id).toBe('lora');
    expect(cacheUsed(dir)).toBe(false);
  });
});
