#!/usr/bin/env node
// Build step after the bundle: writes dist/bundle/<bundle>.cache, V8's compiled code for each
// bundle, taken after running the common commands in-process so the functions they call are in
// it too (V8 compiles most functions lazily, on first call), and cli.cjs.<command>.cache for the
// commands that have their own (each made in a process that runs only that command).
// bin/code-cache.cjs explains how the caches are used.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { cacheFileOf, cacheVariant, loadWithCodeCache, writeCaches } = require('../bin/code-cache.cjs');
const bundleDir = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
/** set in the processes that make one command's cache: the fixtures' folder, made by the first */
const fixtures = option('--fixtures');
// caches, their verified stamps (bin/code-cache.cjs) and temporary files of an earlier build
const isCacheOrTemp = (f) => f.endsWith('.cache') || f.endsWith('.cache.verified') || /\.cache\..+\.tmp$/.test(f);
if (fixtures === undefined) for (const f of readdirSync(bundleDir)) if (isCacheOrTemp(f)) rmSync(join(bundleDir, f));

// a user's knowledge-base file, so the YAML loader runs too
const extra = join(fixtures ?? mkdtempSync(join(tmpdir(), 'fa-cache-')), 'extra.yaml');
writeFileSync(
  extra,
  'gpus:\n  - id: cache-card\n    name: Cache Card\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: build fixture }]\n',
);
// a model given by its config.json (--model PATH), so the model-files bundle runs too
const modelConfig = join(dirname(extra), 'config.json');
writeFileSync(
  modelConfig,
  JSON.stringify({
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
  }),
);

// a trainer's config file, so the check bundle runs too
const trainerConfig = join(dirname(extra), 'sft.yaml');
writeFileSync(
  trainerConfig,
  'model_name_or_path: meta-llama/Llama-3.1-8B\nuse_peft: true\nlora_r: 16\nmax_length: 2048\n',
);

const RUNS = [
  ['--help'],
  // each command as it prints (tables, JSON), on an image and a language model alike, so a
  // command's own cache holds the functions of both kinds
  ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'],
  ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', '4090', '--time', '8h', '--json'],
  ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', '4090', '--time', '8h'],
  ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
  ['compare'],
  ['compare', '--json'],
  ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--json'],
  ['estimate', '--technique', 'dreambooth-lora', '--model', 'sdxl', '--vram', '12', '--json'],
  ['estimate', '--technique', 'dreambooth-lora', '--model', 'sdxl', '--vram', '12'],
  ['estimate', '--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ['techniques'],
  ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'cache-card', '--time', '2h', '--kb', extra, '--json'],
  ['kb', 'schema'],
  ['estimate', '--technique', 'lora', '--model', modelConfig, '--gpu', '4090', '--json'],
  // config.cjs: printed, not written
  ['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl', '--json'],
  ['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl'],
  // check.cjs: a config file read back
  ['check', trainerConfig, '--gpu', '4090'],
];

const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });
const io = {
  stdout: sink(),
  stderr: sink(),
  env: { NO_COLOR: '1' },
  stdoutIsTTY: false,
  stdinIsTTY: false,
  columns: 100,
};
const cliFile = join(bundleDir, 'cli.cjs');

// A command's own cache of cli.cjs (bin/code-cache.cjs, cacheVariant): made in a process of its
// own that runs only that command's lines, so it holds only the functions they call.
const variant = option('--variant');
if (variant !== undefined) {
  const cli = loadWithCodeCache(cliFile, variant);
  for (const argv of RUNS) if (cacheVariant(argv) === variant) await cli.exports.run(argv, io);
  if (!cli.writeCache(cacheFileOf(cliFile, variant))) throw new Error(`the ${variant} cache was not written`);
  process.exit(0);
}

const variants = [...new Set(RUNS.map(cacheVariant).filter((v) => v !== undefined))];
for (const v of variants) {
  // first, while no cache of cli.cjs exists for it to read
  const args = [fileURLToPath(import.meta.url), '--variant', v, '--fixtures', dirname(extra)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`the ${v} cache: exit ${r.status ?? r.signal}`);
}

// the bundle's own cache of cli.cjs (help, and the commands without one) holds every run's functions
const cli = loadWithCodeCache(cliFile);
for (const argv of RUNS) await cli.exports.run(argv, io);
// the questions' bundle cannot run without a terminal: its top level is compiled at least
loadWithCodeCache(join(bundleDir, 'prompts.cjs'));
rmSync(dirname(extra), { recursive: true });
writeCaches();
const caches = readdirSync(bundleDir).filter((f) => f.endsWith('.cjs.cache'));
const bundles = readdirSync(bundleDir).filter((f) => f.endsWith('.cjs'));
const temps = readdirSync(bundleDir).filter((f) => /\.cache\..+\.tmp$/.test(f));
if (temps.length > 0) throw new Error(`temporary files left in dist/bundle: ${temps.join(', ')}`);
if (caches.length !== bundles.length)
  throw new Error(`code caches written for ${caches.join(', ')}, bundles are ${bundles.join(', ')}`);
const commandCaches = variants.filter((v) => readdirSync(bundleDir).includes(`cli.cjs.${v}.cache`));
if (commandCaches.length !== variants.length)
  throw new Error(`command caches written for ${commandCaches.join(', ')}, expected ${variants.join(', ')}`);
