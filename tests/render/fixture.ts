// Fixed inputs for the renderer snapshot tests: a small knowledge base copied once from data/ into
// tests/fixtures/render/kb (so a change to the bundled data does not change these snapshots), the
// engine's and the estimator's results computed from it, and the properties every rendering must
// have whatever its snapshot says.
import { join } from 'node:path';

import { expect } from 'vitest';

import type { EstimateFlags } from '../../src/cli/commands/estimate/meta.js';
import { estimateRequest } from '../../src/cli/commands/estimate/run.js';
import type { Answers } from '../../src/engine/answers.js';
import { estimate, type EstimateResult } from '../../src/estimate/estimate.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import type { KnowledgeBase } from '../../src/kb/types.js';

export const FIXTURE_KB_DIR = join('tests', 'fixtures', 'render', 'kb');

let cached: KnowledgeBase | undefined;
export function fixtureKb(): KnowledgeBase {
  return (cached ??= loadKnowledgeBase([FIXTURE_KB_DIR]));
}

/** The text renderings every text renderer is snapshot in: colour off and on, three widths. */
export const TEXT_VARIANTS = [100, 60, 30].flatMap((width) =>
  [false, true].map((color) => ({ width, color, name: `w${width}${color ? '.color' : ''}` })),
);

export const snapshotPath = (group: string, name: string, ext: string) =>
  join(__dirname, '__snapshots__', group, `${name}.${ext}`);

const ANSI = /\x1b\[[0-9;]*m/g;
export const stripAnsi = (s: string) => s.replace(ANSI, '');

/** Lines wider than `width` columns, measured without colour codes (the renderers draw no wide characters). */
export function overlongLines(text: string, width: number): string[] {
  return text.split('\n').filter((l) => [...stripAnsi(l)].length > width);
}

/**
 * What holds for any text rendering: every line within the width; colour codes only when colour
 * is on, and then the same text once they are taken out (colour never changes the layout).
 */
export function expectTextProperties(text: string, plainText: string, width: number, color: boolean): void {
  expect(overlongLines(text, width), `lines over ${width} columns`).toEqual([]);
  expect(text.endsWith('\n')).toBe(true);
  if (color) {
    expect(text).toMatch(ANSI);
    expect(stripAnsi(text)).toBe(plainText);
  } else expect(text).not.toMatch(/\x1b/);
}

export function answers(over: Partial<Answers> & Pick<Answers, 'goal' | 'model'>): Answers {
  return { gpu: null, vramGiB: null, timeHours: 4, priority: 'balanced', ...over };
}

/** An estimate as `finetune-advisor estimate` makes it (the same checked request and estimate()), from the fixture knowledge base. */
export function estimateFor(flags: EstimateFlags & { technique: string; model: string }): EstimateResult {
  const kb = fixtureKb();
  const result = estimate(kb, estimateRequest(kb, flags));
  if (!result) throw new Error(`no recipe for ${flags.technique} on ${flags.model} in the fixture knowledge base`);
  return result;
}
