// What every command gets: the I/O, the knowledge base (loaded once, on first use) and output helpers.
import { delimiter } from 'node:path';

import { bundledDataDir, loadCompiledKb, verifiedUserDir } from '../kb/compiled.js';
import type { KnowledgeBase } from '../kb/types.js';
import type { RenderOptions } from '../render/style.js';
import { colorEnabled, type Io, terminalWidth } from './io.js';

export interface Context {
  io: Io;
  /** the knowledge base: the compiled bundled one when it is current, else parsed and validated */
  kb(): Promise<KnowledgeBase>;
  renderOptions(colorFlag: boolean | undefined): RenderOptions;
  printJson(value: unknown): void;
  print(text: string): void;
}

/** Extra knowledge-base files: --kb (repeatable), else FINETUNE_ADVISOR_KB (path-list separated). */
export function userKbPaths(io: Io, flag: string[] | undefined): string[] {
  if (flag?.length) return flag;
  const env = io.env.FINETUNE_ADVISOR_KB;
  return env ? env.split(delimiter).filter(Boolean) : [];
}

export function createContext(io: Io, extraKbPaths: () => string[]): Context {
  let kb: Promise<KnowledgeBase> | null = null;
  const load = async (): Promise<KnowledgeBase> => {
    const extra = extraKbPaths();
    const compiled = loadCompiledKb(bundledDataDir(), undefined, verifiedUserDir(io.env));
    if (compiled && !extra.length) return compiled;
    const warn = (line: string) => io.stderr.write(`${line}\n`); // a --kb folder without YAML files
    // yaml and zod are loaded only here: for --kb files not validated before, or a checkout whose data changed
    const validate = async (paths: string[], base: KnowledgeBase | undefined, warnLine: typeof warn) => {
      const { loadKnowledgeBase } = await import('../kb/load.js');
      return loadKnowledgeBase(paths, base, warnLine);
    };
    if (!compiled) return validate([bundledDataDir(), ...extra], undefined, warn);
    // --kb files on the compiled base: validated once per content (the user's cache folder)
    const { cachedKnowledgeBase, currentKbIdentity, kbCacheDir } = await import('../kb/kb-cache.js');
    const identity = kbCacheDir(io.env) ? currentKbIdentity(compiled) : undefined;
    return cachedKnowledgeBase(
      extra,
      io.env,
      warn,
      (warnLine) => validate(extra, compiled, warnLine),
      identity,
      compiled,
    );
  };
  return {
    io,
    kb: () => (kb ??= load()),
    renderOptions: (colorFlag) => ({ color: colorEnabled(io, colorFlag), width: terminalWidth(io) }),
    // the newline written on its own: joined, the JSON (240 KB for recommend) is copied once more
    printJson: (value) => {
      io.stdout.write(JSON.stringify(value, null, 2));
      io.stdout.write('\n');
    },
    print: (text) => io.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  };
}

export type OutputFormat = 'table' | 'markdown' | 'json';

/** --json is shorthand for --format json. */
export function outputFormat(opts: { json?: boolean; format?: OutputFormat }): OutputFormat {
  return opts.json ? 'json' : (opts.format ?? 'table');
}
