// Renderers at the edges: terminals narrower than any table, and runs too small for minutes.
import { describe, expect, it } from 'vitest';

import { fmtNum, formatDuration, plural } from '../../src/format.js';
import { createStyle } from '../../src/render/style.js';
import { type Column, MIN_TABLE_WIDTH, renderTable } from '../../src/render/table.js';
import { runCli } from '../helpers.js';

const plain = createStyle(false);
const width = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('below 40 columns tables become lists', () => {
  type Row = { id: string; memory: string; why: string };
  const columns: Column<Row>[] = [
    { header: 'id', cell: (r) => r.id },
    { header: 'memory', cell: (r) => r.memory },
    { header: 'why', cell: (r) => r.why },
  ];
  const rows: Row[] = [
    { id: 'lora', memory: '8.4 GiB', why: 'gradient checkpointing, cached latents and text embeddings' },
    { id: 'qlora', memory: '6 GiB', why: 'nf4 base' },
  ];
  it('every line fits, every cell is there with its header', () => {
    for (const w of [20, 30, MIN_TABLE_WIDTH - 1]) {
      const text = renderTable(columns, rows, w, plain);
      expect(width(text), `width ${w}`).toBeLessThanOrEqual(w);
      expect(text).not.toMatch(/[┌│└]/);
      expect(text.replace(/\s+/g, ' ')).toContain(
        '- lora memory: 8.4 GiB why: gradient checkpointing, cached latents and text embeddings - qlora memory: 6 GiB why: nf4 base',
      );
    }
  });
  it('from 40 columns it is a table that fits', () => {
    const text = renderTable(columns, rows, MIN_TABLE_WIDTH, plain);
    expect(text).toMatch(/┌/);
    expect(width(text)).toBeLessThanOrEqual(MIN_TABLE_WIDTH);
  });
  it('every command fits COLUMNS=24', async () => {
    for (const argv of [
      ['compare'],
      ['techniques'],
      ['gpus'],
      ['models'],
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--vram', '12'],
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
    ]) {
      const r = await runCli(argv, { COLUMNS: '24' });
      expect(r.code, argv.join(' ')).toBe(0);
      expect(width(r.stdout), argv.join(' ')).toBeLessThanOrEqual(24);
    }
  });
});

describe('tiny runs read as plain numbers', () => {
  it('durations under a minute are seconds', () => {
    expect(formatDuration(0.1 / 3600)).toBe('0.1 s');
    expect(formatDuration(0.05 / 3600)).toBe('0.05 s');
    expect(formatDuration(12.3 / 3600)).toBe('12 s');
    expect(formatDuration(59 / 3600)).toBe('59 s');
    expect(formatDuration(61 / 3600)).toBe('1 min');
    expect(formatDuration(0.5)).toBe('30 min');
    expect(formatDuration(5.44)).toBe('5.4 h');
  });
  it('small numbers are decimals, not exponents', () => {
    expect(fmtNum(0.001)).toBe('0.001');
    expect(fmtNum(0.00123)).toBe('0.0012');
    expect(fmtNum(0.0000029)).toBe('0.0000029');
    expect(fmtNum(0.05)).toBe('0.05');
    expect(fmtNum(12345.67)).toBe('12,345.7');
  });
  it('one step is a step', async () => {
    expect(plural(1, 'step')).toBe('1 step');
    expect(plural(1200, 'step')).toBe('1,200 steps');
    const r = await runCli([
      'estimate',
      '--technique',
      'lora',
      '--model',
      'llama-3.2-1b',
      '--gpu',
      '4090',
      '--steps',
      '1',
      '--seq-len',
      '16',
      '--batch',
      '1',
      '--grad-accum',
      '1',
    ]);
    expect(r.stdout).toMatch(/1 step, /);
    expect(r.stdout).toMatch(/; 1 step = [\d.]+ s\n/);
    expect(r.stdout).not.toMatch(/\de-\d+ (GiB|s\b)/); // the learning rate 2e-4 is the one exponent
  });
});
