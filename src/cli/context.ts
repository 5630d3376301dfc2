// What every command gets: the I/O, the knowledge base (loaded once, on first use) and output helpers.
import { delimiter } from 'node:path';
import type { KnowledgeBase } from '../kb/types.js';
import { bundledDataDir, loadKnowledgeBase } from '../kb/load.js';
import { colorEnabled, terminalWidth, type Io } from './io.js';
import type { RenderOptions } from '../render/style.js';

export interface Context {
  io: Io;
  kb(): KnowledgeBase;
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
  let kb: KnowledgeBase | null = null;
  return {
    io,
    kb: () => (kb ??= loadKnowledgeBase([bundledDataDir(), ...extraKbPaths()])),
    renderOptions: (colorFlag) => ({ color: colorEnabled(io, colorFlag), width: terminalWidth(io) }),
    printJson: (value) => io.stdout.write(JSON.stringify(value, null, 2) + '\n'),
    print: (text) => io.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  };
}

export type OutputFormat = 'table' | 'markdown' | 'json';

/** --json is shorthand for --format json. */
export function outputFormat(opts: { json?: boolean; format?: OutputFormat }): OutputFormat {
  return opts.json ? 'json' : opts.format ?? 'table';
}
