// The option tables: each key is the name commander gives the option's value (so the inferred
// flag types are the flags the actions receive), and the shared options are defined once.
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';

import { COMPARE_OPTIONS } from '../../src/cli/commands/compare.js';
import { ESTIMATE_OPTIONS } from '../../src/cli/commands/estimate/meta.js';
import { RECOMMEND_OPTIONS } from '../../src/cli/commands/recommend/meta.js';
import { CARD_OPTIONS, type OptionTable, RUN_SHAPE_OPTIONS } from '../../src/cli/options.js';
import { runCli } from '../helpers.js';

const tables: Record<string, OptionTable> = {
  recommend: RECOMMEND_OPTIONS,
  estimate: ESTIMATE_OPTIONS,
  compare: COMPARE_OPTIONS,
};

describe('option tables', () => {
  it.each(Object.entries(tables))('%s: every key is the attribute commander sets', (_name, table) => {
    for (const [key, spec] of Object.entries(table))
      expect(new Option(spec.flags).attributeName(), spec.flags).toBe(key);
  });
  it('recommend and estimate share the card and run-shape options (one definition each)', () => {
    for (const key of Object.keys(CARD_OPTIONS))
      expect(ESTIMATE_OPTIONS[key as keyof typeof ESTIMATE_OPTIONS]).toBe(
        RECOMMEND_OPTIONS[key as keyof typeof RECOMMEND_OPTIONS],
      );
    for (const key of Object.keys(RUN_SHAPE_OPTIONS))
      expect(ESTIMATE_OPTIONS[key as keyof typeof ESTIMATE_OPTIONS]).toBe(
        RECOMMEND_OPTIONS[key as keyof typeof RECOMMEND_OPTIONS],
      );
  });
  it('--gradient-checkpointing has its --no- form', async () => {
    const r = await runCli([
      'estimate',
      '--technique',
      'lora',
      '--model',
      'sdxl',
      '--vram',
      '12',
      '--gradient-checkpointing',
      '--no-gradient-checkpointing',
      '--json',
    ]);
    expect(JSON.parse(r.stdout).settings.gradientCheckpointing).toBe(false);
  });
});
