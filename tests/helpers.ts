// Shared test helpers: the bundled knowledge base (loaded once) and an in-memory Io for run().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Io } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { KnowledgeBase } from '../src/kb/types.js';

let cached: KnowledgeBase | null = null;
export function bundledKb(): KnowledgeBase {
  return (cached ??= loadKnowledgeBase());
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  tty = false,
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...env },
    stdoutIsTTY: tty,
    stdinIsTTY: tty,
    columns: 100,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** Splits a flags string the way a shell would (double quotes only). */
export function splitFlags(flags: string): string[] {
  return (flags.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, ''));
}

/** A usage error as the conventions require it: exit 2, one line on stderr, nothing on stdout, no stack trace. */
export async function expectUsageError(argv: string[], message: RegExp): Promise<void> {
  const { expect } = await import('vitest');
  const r = await runCli(argv);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A small deterministic random generator (mulberry32): a failing seed names a case that can be repeated. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A trainer's option names as read from its source (data/trainer-options/NAME.json), in the shape the test reads. */
export function trainerOptions<T = { options: string[] }>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'data', 'trainer-options', `${name}.json`), 'utf8')) as T;
}

/** The JSON a command prints with --json; it must exit 0 (its stderr is the message when it does not). */
export async function jsonOf<T>(argv: string[]): Promise<T> {
  const { expect } = await import('vitest');
  const r = await runCli([...argv, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
