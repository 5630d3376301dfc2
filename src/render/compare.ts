// The seed article's comparison table (its nine rows) for any techniques, with numbers.
import { fmtMB } from '../format.js';
import { uniqueSources } from '../kb/lookup.js';
import type { Source } from '../kb/schema.js';
import type { Technique } from '../kb/types.js';
import { type AttributesJson, attributesJson } from './entry-json.js';
import { sourceLine, wrapLines } from './format.js';
import { type SourceJson, sourceJson } from './source-json.js';
import { createStyle, type RenderOptions } from './style.js';
import { type Column, markdownTable, renderTable } from './table.js';

type AttrKey = keyof Technique['attributes'];
type CompareRow = { key: AttrKey; label: string; levels?: string[] };
type CompareCell = { headline: string; text: string };

export const COMPARE_ROWS: CompareRow[] = [
  { key: 'trains', label: 'Training' },
  { key: 'trainingTime', label: 'Training time', levels: ['fastest', 'fast', 'moderate', 'slow', 'slowest'] },
  {
    key: 'resourceUse',
    label: 'Resource usage / computational cost',
    levels: ['very low', 'low', 'moderate', 'high', 'very high'],
  },
  { key: 'storage', label: 'Storage space' },
  { key: 'quality', label: 'Result quality', levels: ['low', 'fair', 'good', 'high', 'highest'] },
  { key: 'consistency', label: 'Consistency', levels: ['low', 'fair', 'good', 'high', 'highest'] },
  { key: 'modifiesWholeModel', label: 'Modifies the entire model?' },
  { key: 'overfittingRisk', label: 'Overfitting risk', levels: ['very low', 'low', 'moderate', 'high', 'very high'] },
  { key: 'flexibility', label: 'Flexibility', levels: ['rigid', 'limited', 'moderate', 'flexible', 'most flexible'] },
];

export function compareCell(t: Technique, key: AttrKey): CompareCell {
  const row = COMPARE_ROWS.find((r) => r.key === key)!;
  const attr = t.attributes[key] as Record<string, unknown> & { text: string };
  if (key === 'storage') {
    const s = t.attributes.storage;
    return { headline: `${fmtMB(s.minMB)} – ${fmtMB(s.maxMB)}`, text: s.text };
  }
  if (key === 'modifiesWholeModel')
    return { headline: t.attributes.modifiesWholeModel.value ? 'Yes' : 'No', text: attr.text };
  if (key === 'trains') return { headline: t.attributes.trains.value, text: attr.text };
  const level = attr['level'] as number;
  return { headline: `${row.levels![level - 1]} (${level}/5)`, text: attr.text };
}

/**
 * The comparison's columns: the feature, then a column per technique showing its cell as `show`
 * writes it (the text table and the markdown table write a cell differently, not its column);
 * `featureMin` is the text table's, which sizes the feature column to the terminal.
 */
function compareColumns(
  techniques: Technique[],
  show: (c: CompareCell) => string,
  featureMin?: number,
): Column<CompareRow>[] {
  return [
    { header: 'Feature', min: featureMin, weight: 0, cell: (r) => r.label },
    ...techniques.map((t) => ({
      header: t.name,
      weight: 3,
      min: 14,
      cell: (r: CompareRow) => show(compareCell(t, r.key)),
    })),
  ];
}

export function renderCompareText(techniques: Technique[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const labelWidth = Math.min(22, Math.max(12, Math.floor(opts.width * 0.22)));
  const perTable = Math.max(1, Math.floor((opts.width - labelWidth - 3) / 28));
  const show = (c: CompareCell) => `${style.accent(c.headline)}\n${c.text}`;
  const out: string[] = [];
  for (let i = 0; i < techniques.length; i += perTable)
    out.push(
      renderTable(
        compareColumns(techniques.slice(i, i + perTable), show, labelWidth - 2),
        COMPARE_ROWS,
        opts.width,
        style,
      ),
    );
  out.push('', style.heading('Sources'));
  out.push(...compareSources(techniques).map((s) => sourceLine(s, 'ref')));
  return wrapLines(out, opts.width).join('\n') + '\n';
}

function compareSources(techniques: Technique[]): Source[] {
  return uniqueSources(techniques.flatMap((t) => t.sources));
}

export function renderCompareMarkdown(techniques: Technique[]): string {
  const out = markdownTable(
    compareColumns(techniques, (c) => `**${c.headline}**: ${c.text}`),
    COMPARE_ROWS,
  );
  out.push('', '## Sources', '', ...compareSources(techniques).map((s) => sourceLine(s, 'ref')));
  return out.join('\n') + '\n';
}

/** A technique's attribute as in its entry, with the headline the tables show for it. */
export type CompareValueJson = AttributesJson[AttrKey] & { headline: string };

export interface CompareJson {
  techniques: CompareTechniqueJson[];
  attributes: CompareAttributeJson[];
  sources: SourceJson[];
}

export interface CompareTechniqueJson {
  id: string;
  name: string;
  families: Technique['families'];
}

/** One row of the table: each technique's value, keyed by its id. */
export interface CompareAttributeJson {
  attribute: AttrKey;
  label: string;
  values: Record<string, CompareValueJson>;
}

export function compareToJson(techniques: Technique[]): CompareJson {
  const attributes = techniques.map((t) => attributesJson(t.attributes));
  return {
    techniques: techniques.map((t): CompareTechniqueJson => ({
      id: t.id,
      name: t.name,
      families: [...t.families],
    })),
    attributes: COMPARE_ROWS.map((r): CompareAttributeJson => ({
      attribute: r.key,
      label: r.label,
      values: Object.fromEntries(
        techniques.map((t, i) => [t.id, { ...attributes[i]![r.key], headline: compareCell(t, r.key).headline }]),
      ),
    })),
    sources: compareSources(techniques).map(sourceJson),
  };
}
