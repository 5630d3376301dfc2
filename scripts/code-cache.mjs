#!/usr/bin/env node
// Build step after the bundle: writes dist/bundle/cli.cjs.cache, V8's compiled code for cli.cjs,
// taken after running the common commands in-process so the functions they call are in it too
// (V8 compiles most functions lazily, on first call). bin/code-cache.cjs explains how it is used.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { loadWithCodeCache } = require('../bin/code-cache.cjs');
const bundle = fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url));
rmSync(`${bundle}.cache`, { force: true });

const cli = loadWithCodeCache(bundle);
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });
const io = { stdout: sink(), stderr: sink(), env: { NO_COLOR: '1' }, stdoutIsTTY: false, stdinIsTTY: false, columns: 100 };
for (const argv of [
  ['--help'],
  ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'],
  ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', '4090', '--time', '8h'],
  ['compare'],
  ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--json'],
  ['estimate', '--technique', 'dreambooth-lora', '--model', 'sdxl', '--vram', '12'],
  ['techniques'],
]) {
  await cli.exports.run(argv, io);
}
if (!cli.writeCache()) throw new Error(`could not write ${bundle}.cache`);
