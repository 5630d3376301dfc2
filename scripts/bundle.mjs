#!/usr/bin/env node
// Build step: bundles the CLI into dist/bundle/ as CommonJS files, so start-up reads one file and
// never starts Node's ESM loader (which alone costs about a fifth of a bare `node -e 0`).
//   cli.cjs        everything --help, the --json paths and the tables need;
//   kb-load.cjs    yaml + zod: parsing and validating a --kb file (or an edited checkout's data);
//   prompts.cjs    inquirer: the interactive questions;
//   kb-schema.cjs  zod's JSON Schema export (`kb schema`);
//   model-files.cjs  --model PATH: a model read from its config.json, folder or Hugging Face cache;
//   config.cjs     `config`: the trainer's files (yaml, the TOML writer, the file writing).
// The source's `await import('../kb/load.js')` (and the other two) become require() of the lazy
// bundle in cli.cjs, so the heavy libraries load only on the paths that need them.
// dist/bundle/meta.json merges esbuild's metafiles; a test reads it to keep cli.cjs lean. Then
// scripts/code-cache.mjs writes each bundle's V8 code cache.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
/** source module -> the lazy bundle that holds it */
export const LAZY_BUNDLES = {
  'src/kb/load.ts': 'kb-load.cjs',
  'src/cli/prompts.ts': 'prompts.cjs',
  'src/kb/json-schema.ts': 'kb-schema.cjs',
  'src/cli/model-files.ts': 'model-files.cjs',
  'src/cli/commands/config/run.ts': 'config.cjs',
  'src/cli/commands/check/run.ts': 'check.cjs',
};

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: process.env.FA_NO_MINIFY !== '1', // FA_NO_MINIFY=1: readable names for profiling
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // the sources are ESM and locate data/ and package.json from their own URL
  // and the package's version is written in (src/version.ts), so a start reads no package.json for it
  define: {
    'import.meta.url': '__bundleUrl',
    __PACKAGE_VERSION__: JSON.stringify(JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version),
  },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** In cli.cjs, a dynamic import of a lazy module becomes require('./<its bundle>'). */
const lazyBundles = {
  name: 'lazy-bundles',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import' || !args.path.startsWith('.')) return undefined;
      const source = relative(root, resolve(args.resolveDir, args.path)).replace(/\.js$/, '.ts');
      const bundle = LAZY_BUNDLES[source];
      return bundle ? { path: bundle, namespace: 'lazy-bundle' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-bundle' }, (args) => ({
      contents: `module.exports = require('./${args.path}');`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/[\w-]+\.cjs$/, namespace: 'lazy-bundle' }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/**
 * cli-table3 truncates every cell's whole content to 10 columns on every drawn line, only to build a
 * debug message that is dropped unless its debug level is raised (cell.js, Cell#draw). On a
 * comparison table that is a third of the run. The bundle skips that work (the debug message, never
 * shown, loses its 10-column excerpt of the cell). Measured: a comparison table 303 -> 60 ms.
 * Upstream cli-table3 PR #362 (https://github.com/cli-table/cli-table3/pull/362, open) makes the
 * same message lazy; once released, this patch goes.
 */
const CELL_DEBUG_TRUNCATE = 'let content = utils.truncate(this.content, 10, this.truncate);';
const cliTable3DebugTruncate = {
  name: 'cli-table3-debug-truncate',
  setup(b) {
    b.onLoad({ filter: /cli-table3[\\/]src[\\/]cell\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(CELL_DEBUG_TRUNCATE))
        throw new Error(`cli-table3 changed: update ${CELL_DEBUG_TRUNCATE} in scripts/bundle.mjs`);
      return { contents: source.replace(CELL_DEBUG_TRUNCATE, "let content = '';"), loader: 'js' };
    });
  },
};

/** cli-table3's string-width becomes the renderers' width measure (src/render/table-width.cjs). */
const tableWidth = {
  name: 'table-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) =>
      /[\\/]cli-table3[\\/]/.test(args.importer) ? { path: resolve(root, 'src/render/table-width.cjs') } : undefined,
    );
  },
};

/** A plugin that gives `contents` (JavaScript) for the module `filter` matches, where the importer is one `from` accepts. */
const replaceModule = (name, filter, contents, from = () => true) => ({
  name,
  setup(b) {
    b.onResolve({ filter }, (args) => (from(args.importer) ? { path: name, namespace: name } : undefined));
    b.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
  },
});

/**
 * commander requires node:child_process at load, for executable subcommands, which this CLI has
 * none of; loading it costs about 3 ms on every start (in-process, 25 fresh runs: median 3.6 ms,
 * min 2.9), 0.04x of a bare `node -e 0`. Its uses go through a stand-in that loads the real
 * module on first use.
 */
const lazyChildProcessForCommander = replaceModule(
  'lazy-child-process-for-commander',
  /^node:child_process$/,
  "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
  (importer) => /[\\/]commander[\\/]/.test(importer),
);

/**
 * chalk detects colour support at load (its vendored supports-color), which loads node:tty and
 * node:os, about 3 ms (median 3.6 ms, min 2.6, as above). This CLI decides colour itself (colorEnabled in src/cli/io.ts) and gives
 * every Chalk an explicit level (src/render/style.ts), so the detection is replaced by "none".
 */
const noChalkColorDetection = replaceModule(
  'no-chalk-color-detection',
  /^#supports-color$/,
  'export default { stdout: false, stderr: false };',
);

/**
 * inquirer registers every prompt type, the `editor` one with it, which opens $EDITOR through
 * @inquirer/external-editor and brings iconv-lite and chardet: 535 KB of prompts.cjs's 680, and
 * about 12 ms of loading it (in-process, 5 fresh runs, cached: 11.5-14.3 ms before). The questions
 * ask no editor prompt (src/cli/prompts.ts: select, search, input, number), so the bundle gets a
 * stand-in that says so if one were ever asked.
 */
const noEditorPrompt = replaceModule(
  'no-editor-prompt',
  /^@inquirer\/editor$/,
  "export default function editor() { throw new Error('the editor prompt is not bundled: finetune-advisor asks none'); }",
);

/**
 * The questions read the flags' parsers (src/cli/parse.ts), which throw commander's
 * InvalidArgumentError; the rest of commander (45 KB, loaded again as a second copy beside
 * cli.cjs's) is of no use there, so the questions' bundle takes its error classes alone.
 */
const commanderErrorsOnly = {
  name: 'commander-errors-only',
  setup(b) {
    b.onResolve({ filter: /^commander$/ }, (args) =>
      /[\\/]src[\\/]cli[\\/]parse\.ts$/.test(args.importer)
        ? { path: resolve(root, 'node_modules/commander/lib/error.js') }
        : undefined,
    );
  },
};

// a rebuild leaves nothing of an earlier layout behind (the folder is published)
rmSync('dist/bundle', { recursive: true, force: true });
const results = await Promise.all([
  build({
    ...common,
    entryPoints: ['src/cli/run.ts'],
    outfile: 'dist/bundle/cli.cjs',
    plugins: [lazyBundles, cliTable3DebugTruncate, tableWidth, lazyChildProcessForCommander, noChalkColorDetection],
  }),
  // a lazy bundle that reaches cli-table3 (config.cjs, through the CLI's shared modules) measures as cli.cjs does
  ...Object.entries(LAZY_BUNDLES).map(([source, out]) =>
    build({
      ...common,
      entryPoints: [source],
      outfile: `dist/bundle/${out}`,
      plugins: [
        cliTable3DebugTruncate,
        tableWidth,
        ...(out === 'prompts.cjs' ? [noEditorPrompt, commanderErrorsOnly] : []),
      ],
    }),
  ),
]);
const meta = { inputs: {}, outputs: {} };
for (const r of results) {
  Object.assign(meta.inputs, r.metafile.inputs);
  Object.assign(meta.outputs, r.metafile.outputs);
}
writeFileSync('dist/bundle/meta.json', JSON.stringify(meta));

// each bundle's first line: a hash of its content, which its code cache must carry (bin/code-cache.cjs)
for (const out of ['cli.cjs', ...Object.values(LAZY_BUNDLES)]) {
  const file = `dist/bundle/${out}`;
  const code = readFileSync(file, 'utf8');
  // ASCII only: one non-ASCII character makes the whole source a two-byte string, slower to read
  // and compile on every start (esbuild escapes strings, not regular expression literals: write
  // \u00d7 there, not the character)
  const wide = /[^\0-\x7f]/.exec(code);
  if (wide && common.minify)
    // a profiling build (FA_NO_MINIFY=1) keeps the sources' comments
    throw new Error(
      `${file}: non-ASCII character U+${wide[0].codePointAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(code.slice(Math.max(0, wide.index - 40), wide.index + 10))}`,
    );
  writeFileSync(file, `// ${createHash('sha256').update(code).digest('hex')}\n${code}`);
}
