#!/usr/bin/env node
// Build step: src/**/*.ts -> dist/**/*.js, one file each, types stripped (esbuild; under a second,
// where tsc's emit took 5 s). The build steps after it (scripts/compile-kb.mjs) and the benches
// import these files; the CLI runs from the bundles. Types are checked by `npm run typecheck`, which
// `npm test` runs through `npm run lint`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(src, f));
// a rebuild leaves no module of a deleted source behind (the bundles and kb.json are rebuilt after this)
const dist = join(root, 'dist');
const modules = existsSync(dist) ? readdirSync(dist, { withFileTypes: true, encoding: 'utf8' }) : [];
for (const e of modules.filter((e) => (e.isDirectory() && e.name !== 'bundle') || e.name.endsWith('.js')))
  rmSync(join(dist, e.name), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
