// The package as a user gets it: `npm pack` of the build, installed from the tarball into a fresh
// prefix. It must hold everything its commands read, install without scripts or warnings, and take
// the fast path (the compiled knowledge base, no YAML parsed) although npm gave every file a new
// time. A preload hook records every open of a data YAML file and of the YAML loader's bundle.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'fa-installed-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'node_modules', 'finetune-advisor');
let npmInstall: SpawnSyncReturns<string>;

const HOOK = join(work, 'trace-reads.cjs');
writeFileSync(
  HOOK,
  `'use strict';
const fs = require('node:fs');
const seen = [];
const watched = /\\.ya?ml$|kb-load\\.cjs$/;
for (const name of ['openSync', 'readFileSync', 'open', 'readFile', 'createReadStream']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (watched.test(String(path))) seen.push(String(path));
    return original.call(this, path, ...rest);
  };
}
for (const name of ['open', 'readFile']) {
  const original = fs.promises[name];
  fs.promises[name] = function (path, ...rest) {
    if (watched.test(String(path))) seen.push(String(path));
    return original.call(this, path, ...rest);
  };
}
process.on('exit', () => fs.appendFileSync(process.env.FA_TRACE_LOG, seen.map((p) => p + '\\n').join('')));
`,
);

const npm = (args: string[], cwd: string) =>
  spawnSync('npm', [...args, '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });

beforeAll(() => {
  expect(existsSync(join(root, 'dist/kb.json')), 'run `npm run build` first').toBe(true);
  // the build is the test run's: pack it as is (prepack would build again)
  const pack = npm(['pack', '--ignore-scripts', '--pack-destination', work, '--json'], root);
  expect(pack.status, pack.stderr).toBe(0);
  const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
  // offline: the tarball has no dependencies, so nothing is fetched
  npmInstall = npm(['install', '--prefix', prefix, '--offline', join(work, filename!)], work);
  expect(npmInstall.status, npmInstall.stderr).toBe(0);
});
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+w', work]);
  rmSync(work, { recursive: true, force: true });
});

/** Runs the bin at `bin` with the read trace; returns the result and the traced paths (relative to `dir`). */
function run(
  dir: string,
  args: string[],
  bin = join(dir, 'bin', 'finetune-advisor.js'),
  extraEnv: Record<string, string> = {},
) {
  const log = join(work, `trace-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      NODE_OPTIONS: `--require ${HOOK}`,
      FA_TRACE_LOG: log,
      FINETUNE_ADVISOR_KB: '',
      ...extraEnv,
    },
  });
  const read = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((p) => relative(dir, p));
  return { ...r, read, yamlLoader: read.some((p) => p.endsWith('kb-load.cjs')) };
}

const RECOMMEND = ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'];
const ESTIMATE = ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--json'];
const DATA_YAML = [
  'data/data-plan.yaml',
  'data/gpus.yaml',
  'data/groups.yaml',
  'data/models.yaml',
  'data/rules.yaml',
  'data/techniques.yaml',
  'data/trainers.yaml',
];

/** Every file of a folder, relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

/** The data files' times moved back, as if the install (or copy) happened a minute ago: older than the 2 s racy window. */
function installedAMinuteAgo(dir: string) {
  const t = new Date(Date.now() - 60_000);
  for (const f of DATA_YAML) utimesSync(join(dir, f), t, t);
}

describe('installed from the tarball', () => {
  it('installs with no script, no warning and no dependency, and holds only what the bin loads plus data', () => {
    expect(npmInstall.stderr).toBe('');
    expect(readdirSync(join(prefix, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['finetune-advisor']);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: object;
      scripts: Record<string, string>;
    };
    expect(pkg.dependencies).toBeUndefined();
    expect(
      Object.keys(pkg.scripts).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s)),
    ).toEqual([]);
    const bundles = ['check', 'cli', 'config', 'kb-load', 'kb-schema', 'model-files', 'prompts'].flatMap((b) => [
      `dist/bundle/${b}.cjs`,
      `dist/bundle/${b}.cjs.cache`,
    ]);
    // cli.cjs's caches of one command each (bin/code-cache.cjs)
    const commandCaches = ['check', 'compare', 'config', 'estimate', 'recommend'].flatMap((c) =>
      c === 'check'
        ? [`dist/bundle/cli.cjs.${c}.cache`]
        : [c, `${c}.json`].map((v) => `dist/bundle/cli.cjs.${v}.cache`),
    );
    expect(filesUnder(installed)).toEqual(
      [
        'README.md',
        'bin/code-cache.cjs',
        'bin/finetune-advisor.js',
        'bin/package.json',
        'bin/stdio.cjs',
        'data/kb.schema.json',
        ...DATA_YAML,
        // the option names read from each trainer's source, which check reads
        ...readdirSync(join(root, 'data', 'trainer-options')).map((f) => `data/trainer-options/${f}`),
        ...bundles,
        ...commandCaches,
        'dist/kb.json',
        'package.json',
      ].sort(),
    );
  });

  it('runs every kind of command from the installed bin (nothing it reads was left out)', () => {
    const bin = join(prefix, 'node_modules', '.bin', 'finetune-advisor');
    const version = run(installed, ['--version'], bin);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(run(installed, ['--help'], bin).stdout).toContain('Usage:');
    expect(run(installed, ['compare'], bin).stdout).toContain('LoRA');
    expect(JSON.parse(run(installed, ESTIMATE, bin).stdout).gpu.id).toBe('rtx-4090');
    // check reads the trainers' option lists from data/trainer-options: a misspelt key is found
    const sft = join(prefix, 'sft.yaml');
    writeFileSync(sft, 'model_name_or_path: meta-llama/Llama-3.1-8B\nuse_peft: true\nlora_rr: 8\n');
    expect(JSON.parse(run(installed, ['check', sft, '--json'], bin).stdout).unknownKeys).toEqual([
      expect.objectContaining({ key: 'lora_rr', suggestion: 'lora_r' }),
    ]);
    const validate = run(installed, ['kb', 'validate'], bin);
    expect(validate.status, validate.stderr).toBe(0);
    expect(JSON.parse(run(installed, ['kb', 'schema'], bin).stdout).$schema).toMatch(/json-schema/);
  });

  it('recommend --json takes the fast path: no YAML parsed, and none read once this copy verified it', () => {
    installedAMinuteAgo(installed);
    rmSync(join(installed, 'dist/kb.verified.json'), { force: true });
    const first = run(installed, RECOMMEND);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).recommendation.id).toBe('lora');
    expect(first.yamlLoader).toBe(false);
    expect(first.read.filter((p) => p.endsWith('.yaml')).sort()).toEqual(DATA_YAML); // hashed, not parsed
    expect(existsSync(join(installed, 'dist/kb.verified.json'))).toBe(true);
    for (const args of [RECOMMEND, ESTIMATE, ['compare']]) {
      const later = run(installed, args);
      expect(later.status, later.stderr).toBe(0);
      expect(later.read, args[0]).toEqual([]);
    }
  });

  it('a copy of the built tree (cp -r) takes the fast path, and so does a read-only one', () => {
    const copy = join(work, 'copy');
    mkdirSync(copy);
    for (const part of ['bin', 'data', 'dist', 'package.json'])
      cpSync(join(root, part), join(copy, part), { recursive: true });
    rmSync(join(copy, 'dist/kb.verified.json'), { force: true });
    const first = run(copy, RECOMMEND);
    expect(first.status, first.stderr).toBe(0);
    expect(first.yamlLoader).toBe(false);

    const readOnly = join(work, 'read-only');
    cpSync(copy, readOnly, { recursive: true });
    rmSync(join(readOnly, 'dist/kb.verified.json'), { force: true });
    installedAMinuteAgo(readOnly);
    // root writes through any mode: there a folder in the cache's place keeps it from being written
    const asRoot = process.getuid?.() === 0;
    if (asRoot) mkdirSync(join(readOnly, 'dist/kb.verified.json'));
    spawnSync('chmod', ['-R', 'a-w', readOnly]);
    // the stamps go to the user's cache folder: checked by hash on the first run only, never parsed;
    // with that cache turned off, on every run
    const cache = mkdtempSync(join(work, 'user-cache-'));
    for (const [env, checked] of [
      [{ XDG_CACHE_HOME: cache }, [DATA_YAML, []]],
      [{ XDG_CACHE_HOME: cache, FINETUNE_ADVISOR_CACHE: '0' }, [DATA_YAML, DATA_YAML]],
    ] as const)
      for (const yamlRead of checked) {
        const r = run(readOnly, RECOMMEND, undefined, env);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        expect(JSON.parse(r.stdout).recommendation.id).toBe('lora');
        expect(r.yamlLoader).toBe(false);
        expect(r.read.filter((p) => p.endsWith('.yaml')).sort()).toEqual(yamlRead);
      }
    expect(filesUnder(join(readOnly, 'dist')).filter((f) => f.startsWith('kb.'))).toEqual(['kb.json']);
    expect(readdirSync(join(cache, 'finetune-advisor', 'verified'))).toHaveLength(1);
  });

  it('a FIFO in the verified cache place neither blocks the run nor breaks it', () => {
    const copy = join(work, 'fifo');
    cpSync(installed, copy, { recursive: true });
    rmSync(join(copy, 'dist/kb.verified.json'), { force: true });
    expect(spawnSync('mkfifo', [join(copy, 'dist/kb.verified.json')]).status).toBe(0);
    const r = spawnSync(process.execPath, [join(copy, 'bin/finetune-advisor.js'), ...RECOMMEND], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).recommendation.id).toBe('lora');
  });

  it('an edit of an installed data file that keeps its size (and its mtime) is noticed', () => {
    installedAMinuteAgo(installed);
    expect(run(installed, RECOMMEND).status).toBe(0); // verified and recorded
    const gpus = join(installed, 'data/gpus.yaml');
    const text = readFileSync(gpus, 'utf8');
    const times = join(work, 'gpus-times');
    writeFileSync(times, '');
    spawnSync('touch', ['-r', gpus, times]);
    writeFileSync(gpus, text.replace('name: "NVIDIA GeForce RTX 4090"', 'name: "NVIDIA GeForce RTX 409X"'));
    spawnSync('touch', ['-r', times, gpus]); // the mtime put back, to the nanosecond
    const r = run(installed, ESTIMATE);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).gpu.name).toBe('NVIDIA GeForce RTX 409X');
    expect(r.yamlLoader).toBe(true);
  });
});
