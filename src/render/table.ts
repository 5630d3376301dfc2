// Tables that fit the terminal: column widths are shared out from the available width, cells wrap.
// A column is declared once, its header beside the code that fills it, and the text and markdown
// tables of one result read the same declarations, so they cannot disagree on what a column holds.
import Table from 'cli-table3';

import { splitVisible, visibleWidth, wrapText } from './format.js';
import type { Style } from './style.js';

export interface Column<R> {
  header: string;
  /** relative share of the spare width */
  weight?: number;
  /** never narrower than this (characters of content) */
  min?: number;
  /** keep the natural width (ids) when the table can afford it */
  keep?: boolean;
  /** the cell's text for a row (may hold newlines and colour codes) */
  cell: (row: R) => string;
}

/** What the layout reads of a column: all but its accessor. */
type Layout = Omit<Column<unknown>, 'cell'>;

/** Columns a cell takes: its widest line. */
const visibleLength = (s: string) => s.split('\n').reduce((m, l) => Math.max(m, visibleWidth(l)), 0);

/** Below this width no table reads well; rows become lists (README: tables fit COLUMNS). */
export const MIN_TABLE_WIDTH = 40;

export interface TableOptions {
  /** no rule between body rows: for short one-line rows, where the rules would double the height */
  compact?: boolean;
}

export function renderTable<R>(
  columns: readonly Column<R>[],
  rows: readonly R[],
  width: number,
  style: Style,
  options: TableOptions = {},
): string {
  return layOut(
    columns,
    rows.map((r) => columns.map((c) => c.cell(r))),
    width,
    style,
    options,
  );
}

/** A markdown table of the same columns (layout aside): a header line, the rule, a line per row. */
export function markdownTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string[] {
  const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${columns.map((c) => escape(c.header)).join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => escape(c.cell(r))).join(' | ')} |`),
  ];
}

function layOut(
  columns: readonly Layout[],
  rows: string[][],
  width: number,
  style: Style,
  options: TableOptions,
): string {
  const n = columns.length;
  // each column needs 5 characters (3 of content) and borders take n + 1: narrower, a list
  if (width < MIN_TABLE_WIDTH || n * 5 + n + 1 > width) return renderList(columns, rows, width, style);
  const available = width - (n + 1); // borders take n + 1 characters
  // natural width of each column (content + 2 padding), capped by its share
  const natural = columns.map(
    (c, i) => Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i]!))) + 2,
  );
  let mins = columns.map((c, i) => Math.min(natural[i]!, Math.max((c.min ?? 4) + 2, 5)));
  // the columns' least widths do not fit: a table would lose what the cut drops, a list keeps it
  if (mins.reduce((a, b) => a + b, 0) > available) return renderList(columns, rows, width, style);
  const kept = columns.map((c, i) => (c.keep ? natural[i]! : mins[i]!));
  if (kept.reduce((a, b) => a + b, 0) <= available) mins = kept;
  let widths = [...natural];
  if (widths.reduce((a, b) => a + b, 0) > available) {
    widths = [...mins];
    let spare = available - widths.reduce((a, b) => a + b, 0);
    // hand out the rest by weight, never beyond a column's natural width
    for (let round = 0; round < 5 && spare > 0; round++) {
      const open = columns.map((c, i) => (widths[i]! < natural[i]! ? (c.weight ?? 1) : 0));
      const total = open.reduce((a, b) => a + b, 0);
      if (total === 0) break;
      let given = 0;
      widths = widths.map((w, i) => {
        const add = Math.min(natural[i]! - w, Math.floor((spare * open[i]!) / total));
        given += add;
        return w + add;
      });
      spare -= given;
      if (given === 0) {
        const i = widths.findIndex((w, k) => w < natural[k]!);
        if (i < 0) break;
        widths[i]! += 1;
        spare -= 1;
      }
    }
  }
  // Cells are wrapped here, once, rather than by cli-table3's word wrap, which measures every word
  // with string-width's emoji regular expression (tens of milliseconds on a large table).
  const table = new Table({
    head: columns.map((c) => style.heading(c.header)),
    colWidths: widths,
    wordWrap: false,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: options.compact ?? false },
  });
  for (const r of rows) table.push(r.map((cell, i) => wrapText(cell, Math.max(1, widths[i]! - 2))));
  return hardWrap(table.toString(), width);
}

/**
 * A table as a list for a narrow terminal: each row's first cell as an item, the other cells as
 * "header: value" lines under it, wrapped to the width.
 */
function renderList(columns: readonly Layout[], rows: string[][], width: number, style: Style): string {
  const out: string[] = [];
  for (const r of rows) {
    out.push(wrapText(`- ${r[0]!.replace(/\n/g, ' ')}`, width, 2));
    for (let i = 1; i < columns.length; i++) {
      const cell = r[i]!.replace(/\s*\n\s*/g, ' ').trim();
      if (cell) out.push(wrapText(`${style.heading(columns[i]!.header)}: ${cell}`, width - 2, 2).replace(/^/gm, '  '));
    }
  }
  return hardWrap(out.join('\n'), width);
}

/** cli-table3 cannot break a word longer than its column; as a last resort cut lines at the width. */
function hardWrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => (visibleLength(line) > width ? splitVisible(line, width)[0] : line))
    .join('\n');
}
