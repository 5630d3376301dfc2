// Catalogue listings: techniques, one technique in full, models, GPUs.
import { FACTS, round } from '../engine/facts.js';
import { gpuMemoryGiB } from '../estimate/card.js';
import type { Source } from '../kb/schema.js';
import type { Gpu, KnowledgeBase, Model, Technique } from '../kb/types.js';
import { type Family, GOALS } from '../kb/vocabulary.js';
import { COMPARE_ROWS, compareCell } from './compare.js';
import { fmtLr, fmtMB, fmtNum, groupThousands, sourceLine, wrapLines } from './format.js';
import { createStyle, type RenderOptions, type Style } from './style.js';
import { type Column, renderTable } from './table.js';

/** Drops the last ("from") column when every entry is bundled. */
function dropBundledOrigin(columns: Column[], rows: string[][]): [Column[], string[][]] {
  if (rows.some((r) => r[r.length - 1] !== 'bundled')) return [columns, rows];
  return [columns.slice(0, -1), rows.map((r) => r.slice(0, -1))];
}
function originTable(columns: Column[], rows: string[][], opts: RenderOptions, style: Style): string {
  const [c, r] = dropBundledOrigin(columns, rows);
  return renderTable(c, r, opts.width, style) + '\n';
}

const goalsText = (t: Technique) =>
  GOALS.filter((g) => t.goals[g])
    .map((g) => `${g} ${t.goals[g]!.fit}/3`)
    .join(', ');

export function renderTechniquesText(kb: KnowledgeBase, list: Technique[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const rows = list.map((t) => [
    t.id,
    t.name,
    t.families.join(', '),
    goalsText(t),
    `${fmtMB(t.attributes.storage.minMB)} – ${fmtMB(t.attributes.storage.maxMB)}`,
    kb.origin[`techniques:${t.id}`] ?? 'bundled',
  ]);
  return originTable(
    [
      { header: 'id', min: 10, keep: true },
      { header: 'name', weight: 2, min: 12 },
      { header: 'families', min: 6 },
      { header: 'goals (fit)', weight: 2, min: 12 },
      { header: 'output', min: 8 },
      { header: 'from', min: 8 },
    ],
    rows,
    opts,
    style,
  );
}

function sourceLines(sources: Source[]): string[] {
  return sources.map((s) => sourceLine(s, 'full'));
}

export function renderTechniqueDetail(kb: KnowledgeBase, t: Technique, opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const out: string[] = [];
  out.push(
    `${style.heading(t.name)} ${style.dim(`(${t.id}; ${t.families.join(', ')}; method ${t.method}; from ${kb.origin[`techniques:${t.id}`] ?? 'bundled'})`)}`,
    t.summary,
    '',
  );
  out.push(style.heading('Attributes'));
  out.push(
    renderTable(
      [
        { header: 'attribute', min: 14 },
        { header: 'value', min: 10 },
        { header: 'detail', weight: 4, min: 16 },
      ],
      COMPARE_ROWS.map((r) => {
        const c = compareCell(t, r.key);
        return [r.label, c.headline, c.text];
      }),
      opts.width,
      style,
    ),
  );
  out.push('', style.heading('Goals'));
  for (const g of GOALS) if (t.goals[g]) out.push(`- ${g}: ${t.goals[g]!.fit}/3, ${t.goals[g]!.text}`);
  out.push('', style.heading('Data'));
  if (t.data.image)
    out.push(
      `- images: at least ${t.data.image.minImages}${t.data.image.typicalImages ? `, typically ${t.data.image.typicalImages}` : ''}. ${t.data.image.text}`,
    );
  if (t.data.llm)
    out.push(
      `- examples: at least ${t.data.llm.minExamples}${t.data.llm.typicalExamples ? `, typically ${t.data.llm.typicalExamples}` : ''}. ${t.data.llm.text}`,
    );
  out.push('', style.heading('Defaults per model group'));
  const rows = Object.entries(t.defaults).map(([group, d]) => [
    group,
    String(d!.steps),
    fmtLr(d!.learningRate),
    d!.rank ? String(d!.rank) : '—',
    `${d!.batch}${d!.microBatch && d!.microBatch !== d!.batch ? ` (micro ${d!.microBatch})` : ''}`,
    [
      d!.optimizer,
      d!.precision,
      d!.targets,
      d!.resolution ? `${d!.resolution} px` : '',
      d!.seqLen ? `${d!.seqLen} tokens` : '',
      d!.quantize ? `${d!.quantize} base` : '',
      d!.priorPreservation ? 'prior preservation' : '',
      d!.trainTextEncoder ? 'text encoder trained' : '',
    ]
      .filter(Boolean)
      .join(', '),
  ]);
  out.push(
    renderTable(
      [
        { header: 'group', min: 5 },
        { header: 'steps', min: 5 },
        { header: 'lr', min: 6 },
        { header: 'rank', min: 4 },
        { header: 'batch', min: 5 },
        { header: 'other', weight: 3, min: 14 },
      ],
      rows,
      opts.width,
      style,
    ),
  );
  out.push('', style.heading('Pitfalls'), ...t.pitfalls.map((p) => `- ${p}`));
  out.push('', style.heading('Sources'), ...sourceLines(t.sources));
  return wrapLines(out, opts.width).join('\n') + '\n';
}

/** A model's architecture in a few words, per family (the compiler keeps the table exhaustive). */
const ARCHITECTURE_SUMMARY: { [F in Family]: (m: Extract<Model, { family: F }>) => string } = {
  llm: (m) => {
    const a = m.architecture;
    return `${a.layers} layers, hidden ${a.hidden}, ${a.heads}/${a.kvHeads} heads, context ${groupThousands(m.contextLength)}`;
  },
  image: (m) => {
    const c = m.components;
    return `${c.denoiser.name} ${fmtNum(c.denoiser.params / 1e9, 2)} B, ${c.textEncoders.length} text encoder${c.textEncoders.length > 1 ? 's' : ''}, ${m.nativeResolution} px`;
  },
};

export function modelSummary(m: Model): string {
  // the entry for the model's own family takes that family's model type
  return (ARCHITECTURE_SUMMARY[m.family] as (m: Model) => string)(m);
}

export function renderModelsText(kb: KnowledgeBase, list: Model[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const rows = list.map((m) => [
    m.id,
    m.name,
    m.family,
    `${fmtNum(m.params / 1e9, 2)} B`,
    modelSummary(m),
    m.aliases.slice(0, 3).join(', '),
    kb.origin[`models:${m.id}`] ?? 'bundled',
  ]);
  return originTable(
    [
      { header: 'id', min: 8, keep: true },
      { header: 'name', weight: 2, min: 10 },
      { header: 'family', min: 5 },
      { header: 'params', min: 7 },
      { header: 'architecture', weight: 3, min: 14 },
      { header: 'also known as', weight: 2, min: 10 },
      { header: 'from', min: 8 },
    ],
    rows,
    opts,
    style,
  );
}

export function renderGpusText(kb: KnowledgeBase, list: Gpu[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  const rows = list.map((g) => [
    g.id,
    g.name,
    `${g.vramGB} GB`,
    g.bf16 ? 'yes' : 'no',
    fmtNum(g.tflops, 1),
    fmtNum(g.bandwidthGBs, 0),
    kb.origin[`gpus:${g.id}`] ?? 'bundled',
  ]);
  return originTable(
    [
      { header: 'id', min: 8, keep: true },
      { header: 'name', weight: 3, min: 12 },
      { header: 'VRAM', min: 6 },
      { header: 'bf16', min: 4 },
      { header: 'TFLOPS', min: 6 },
      { header: 'GB/s', min: 5 },
      { header: 'from', min: 8 },
    ],
    rows,
    opts,
    style,
  );
}

export const gpuJson = (kb: KnowledgeBase, g: Gpu) => ({
  ...g,
  usableGiB: round(gpuMemoryGiB(g), 2),
  origin: kb.origin[`gpus:${g.id}`],
});
export const modelJson = (kb: KnowledgeBase, m: Model) => ({ ...m, origin: kb.origin[`models:${m.id}`] });
export const techniqueJson = (kb: KnowledgeBase, t: Technique) => ({ ...t, origin: kb.origin[`techniques:${t.id}`] });

export function renderFactsText(opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return (
    renderTable(
      [
        { header: 'fact', min: 12 },
        { header: 'meaning', weight: 3, min: 16 },
      ],
      Object.entries(FACTS).map(([k, v]) => [k, v]),
      opts.width,
      style,
    ) + '\n'
  );
}
