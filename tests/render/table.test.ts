// The typed table: columns are declared once, with their header and the accessor that fills them,
// and the text table, its list form and the markdown table all follow those declarations.
import { describe, expect, it } from 'vitest';

import { createStyle } from '../../src/render/style.js';
import { type Column, markdownTable, MIN_TABLE_WIDTH, renderTable } from '../../src/render/table.js';

const plain = createStyle(false);

interface Run {
  technique: string;
  vramGiB: number;
  hours: number;
}
const runs: Run[] = [
  { technique: 'lora', vramGiB: 8.4, hours: 1.5 },
  { technique: 'qlora', vramGiB: 6, hours: 2.25 },
];
// declared in another order than the row's fields, so the order shown can only come from here
const columns: Column<Run>[] = [
  { header: 'hours', cell: (r) => `${r.hours} h` },
  { header: 'technique', cell: (r) => r.technique },
  { header: 'VRAM', cell: (r) => `${r.vramGiB} GiB` },
];
const cellsOf = (line: string) =>
  line
    .split(/[│|]/)
    .slice(1, -1)
    .map((c) => c.trim());

describe('typed tables', () => {
  it('a table shows the columns in the order they are declared, each filled by its own accessor', () => {
    const lines = renderTable(columns, runs, 60, plain).split('\n');
    const rows = lines.filter((l) => l.startsWith('│')).map(cellsOf);
    expect(rows).toEqual([
      ['hours', 'technique', 'VRAM'],
      ['1.5 h', 'lora', '8.4 GiB'],
      ['2.25 h', 'qlora', '6 GiB'],
    ]);
  });

  it(`below ${MIN_TABLE_WIDTH} columns each row is a list item, its first column the item, the others under their headers`, () => {
    const text = renderTable(columns, runs, MIN_TABLE_WIDTH - 1, plain);
    expect(text.split('\n')).toEqual([
      '- 1.5 h',
      '  technique: lora',
      '  VRAM: 8.4 GiB',
      '- 2.25 h',
      '  technique: qlora',
      '  VRAM: 6 GiB',
    ]);
  });

  it('the markdown table reads the same declarations, cells escaped', () => {
    const piped: Column<Run> = { header: 'note', cell: (r) => `${r.technique} | fits\non 8 GB` };
    expect(markdownTable([...columns, piped], runs)).toEqual([
      '| hours | technique | VRAM | note |',
      '|---|---|---|---|',
      '| 1.5 h | lora | 8.4 GiB | lora \\| fits on 8 GB |',
      '| 2.25 h | qlora | 6 GiB | qlora \\| fits on 8 GB |',
    ]);
    const header = cellsOf(renderTable(columns, runs, 60, plain).split('\n')[1]!);
    expect(cellsOf(markdownTable(columns, runs)[0]!)).toEqual(header);
  });
});
