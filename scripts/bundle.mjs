#!/usr/bin/env node
// Build step: bundles the CLI into dist/bundle/ (ESM, code-split), so start-up reads a few files
// instead of hundreds. Every dynamic import() becomes its own chunk: inquirer, yaml and zod stay out
// of the chunks that --help and the --json paths load. dist/bundle/meta.json is esbuild's metafile;
// a test reads it to keep those paths lean.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const result = await build({
  entryPoints: { run: 'src/cli/run.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // cli-table3 measures every line with string-width; see src/render/fast-string-width.cjs
  alias: { 'string-width': './src/render/fast-string-width.cjs' },
  // CommonJS dependencies (cli-table3) call require() for Node built-ins
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
writeFileSync('dist/bundle/meta.json', JSON.stringify(result.metafile));
