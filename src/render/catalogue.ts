// Catalogue listings: techniques, one technique in full, models, GPUs, trainers.
import { llmActiveMatmulParams, llmActiveParamsWithEmbedding } from '../estimate/kinds/llm-layers.js';
import { fmtLr, fmtMB, fmtNum, groupThousands } from '../format.js';
import { FACTS } from '../kb/fact-names.js';
import type { Source } from '../kb/schema.js';
import type { Gpu, KnowledgeBase, LlmModel, Model, Technique, Trainer } from '../kb/types.js';
import { type Family, GOALS } from '../kb/vocabulary.js';
import { COMPARE_ROWS, compareCell } from './compare.js';
import { appliesText, sourceLine, wrapLines } from './format.js';
import { createStyle, type RenderOptions, type Style } from './style.js';
import { type Column, renderTable } from './table.js';

// the catalogue commands' JSON, field by field, with their text renderings
export { gpuJson, modelJson, techniqueJson, trainerJson } from './entry-json.js';

/** Where an entry comes from: the knowledge base's 'bundled' marker or the file that defined it last. */
const originOf = (kb: KnowledgeBase, kind: 'techniques' | 'models' | 'gpus' | 'trainers', id: string) =>
  kb.origin[`${kind}:${id}`] ?? 'bundled';

/** A listing, with a last ("from") column when some entry is not bundled. */
function originTable<R>(
  columns: Column<R>[],
  rows: readonly R[],
  origin: (row: R) => string,
  opts: RenderOptions,
  style: Style,
): string {
  const from: Column<R> = { header: 'from', min: 8, cell: origin };
  const shown = rows.some((r) => origin(r) !== 'bundled') ? [...columns, from] : columns;
  return renderTable(shown, rows, opts.width, style) + '\n';
}

const goalsText = (t: Technique) =>
  GOALS.filter((g) => t.goals[g])
    .map((g) => `${g} ${t.goals[g]!.fit}/3`)
    .join(', ');

export function renderTechniquesText(kb: KnowledgeBase, list: Technique[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return originTable(
    [
      { header: 'id', min: 10, keep: true, cell: (t) => t.id },
      { header: 'name', weight: 2, min: 12, cell: (t) => t.name },
      { header: 'families', min: 6, cell: (t) => t.families.join(', ') },
      { header: 'goals (fit)', weight: 2, min: 12, cell: goalsText },
      {
        header: 'output',
        min: 8,
        cell: (t) => `${fmtMB(t.attributes.storage.minMB)} – ${fmtMB(t.attributes.storage.maxMB)}`,
      },
    ],
    list,
    (t) => originOf(kb, 'techniques', t.id),
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
    `${style.heading(t.name)} ${style.dim(`(${t.id}; ${t.families.join(', ')}; method ${t.method}; from ${originOf(kb, 'techniques', t.id)})`)}`,
    t.summary,
    '',
  );
  out.push(style.heading('Attributes'));
  const attributes = COMPARE_ROWS.map((r) => {
    const c = compareCell(t, r.key);
    return { attribute: r.label, value: c.headline, detail: c.text };
  });
  out.push(
    renderTable(
      [
        { header: 'attribute', min: 14, cell: (a) => a.attribute },
        { header: 'value', min: 10, cell: (a) => a.value },
        { header: 'detail', weight: 4, min: 16, cell: (a) => a.detail },
      ],
      attributes,
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
  const defaults = Object.entries(t.defaults).map(([group, d]) => ({ group, d: d! }));
  out.push(
    renderTable(
      [
        { header: 'group', min: 5, cell: (r) => r.group },
        { header: 'steps', min: 5, cell: ({ d }) => String(d.steps) },
        { header: 'lr', min: 6, cell: ({ d }) => fmtLr(d.learningRate) },
        { header: 'rank', min: 4, cell: ({ d }) => (d.rank ? String(d.rank) : '—') },
        {
          header: 'batch',
          min: 5,
          cell: ({ d }) => `${d.batch}${d.microBatch && d.microBatch !== d.batch ? ` (micro ${d.microBatch})` : ''}`,
        },
        {
          header: 'other',
          weight: 3,
          min: 14,
          cell: ({ d }) =>
            [
              d.optimizer,
              d.precision,
              d.targets,
              d.resolution ? `${d.resolution} px` : '',
              d.seqLen ? `${d.seqLen} tokens` : '',
              d.quantize ? `${d.quantize} base` : '',
              d.priorPreservation ? 'prior preservation' : '',
              d.trainTextEncoder ? 'text encoder trained' : '',
              // the sourced floor a run is shortened to at most, to meet a time budget
              d.minSteps ? `shortest useful run ${d.minSteps} steps` : '',
            ]
              .filter(Boolean)
              .join(', '),
        },
      ],
      defaults,
      opts.width,
      style,
    ),
  );
  // every pitfall, with what it applies to (recommend shows the three that fit the run)
  out.push(
    '',
    style.heading('Pitfalls'),
    ...t.pitfalls.map((p) =>
      typeof p === 'string' ? `- ${p}` : `- ${p.text}${p.applies ? style.dim(` (for ${appliesText(p.applies)})`) : ''}`,
    ),
  );
  out.push('', style.heading('Sources'), ...sourceLines(t.sources));
  return wrapLines(out, opts.width).join('\n') + '\n';
}

/** An MoE model's active parameters, and with its embedding where that differs (the publishers count both ways). */
function activeLabel(m: LlmModel): string {
  const matmul = fmtNum(llmActiveMatmulParams(m) / 1e9, 2);
  const all = fmtNum(llmActiveParamsWithEmbedding(m) / 1e9, 2);
  return all === matmul ? `${matmul} B active` : `${matmul} B active (${all} B with the embedding)`;
}

/** A model's architecture in a few words, per family (the compiler keeps the table exhaustive). */
const ARCHITECTURE_SUMMARY: { [F in Family]: (m: Extract<Model, { family: F }>) => string } = {
  llm: (m) => {
    const a = m.architecture;
    const dense = `${a.layers} layers, hidden ${a.hidden}, ${a.heads}/${a.kvHeads} heads, context ${groupThousands(m.contextLength)}`;
    if (!a.moe) return dense;
    const shared = a.moe.shared ? ` + ${a.moe.shared} shared` : '';
    return `${dense}; MoE: ${a.moe.experts} experts, ${a.moe.perToken}${shared} per token, ${activeLabel(m)}`;
  },
  image: (m) => {
    const c = m.components;
    const moe = c.denoiser.moe;
    const experts = moe
      ? `; MoE: ${moe.experts} experts, ${moe.perToken}${moe.shared ? ` + ${moe.shared} shared` : ''} per token, ${fmtNum(moe.activeParams / 1e9, 2)} B active`
      : '';
    return `${c.denoiser.name} ${fmtNum(c.denoiser.params / 1e9, 2)} B, ${c.textEncoders.length} text encoder${c.textEncoders.length > 1 ? 's' : ''}, ${m.nativeResolution} px${experts}`;
  },
  video: (m) => {
    const c = m.components;
    return `${c.denoiser.name} ${fmtNum(c.denoiser.params / 1e9, 2)} B, ${c.textEncoders.length} text encoder${c.textEncoders.length > 1 ? 's' : ''}, ${m.nativeSize.width}x${m.nativeSize.height} x ${m.nativeFrames} frames`;
  },
};

export function modelSummary(m: Model): string {
  // the entry for the model's own family takes that family's model type
  return (ARCHITECTURE_SUMMARY[m.family] as (m: Model) => string)(m);
}

export function renderModelsText(kb: KnowledgeBase, list: Model[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return originTable(
    [
      { header: 'id', min: 8, keep: true, cell: (m) => m.id },
      { header: 'name', weight: 2, min: 10, cell: (m) => m.name },
      { header: 'family', min: 5, cell: (m) => m.family },
      { header: 'params', min: 7, cell: (m) => `${fmtNum(m.params / 1e9, 2)} B` },
      { header: 'architecture', weight: 3, min: 14, cell: modelSummary },
      { header: 'also known as', weight: 2, min: 10, cell: (m) => m.aliases.slice(0, 3).join(', ') },
    ],
    list,
    (m) => originOf(kb, 'models', m.id),
    opts,
    style,
  );
}

/**
 * The link between a node's cards, short: "NVLink 4, 450 GB/s", "PCIe 4.0 x16, bridge NVLink 3",
 * "PCIe 4.0 x8, no P2P"; "-" for a GPU that is one to a computer.
 */
function linkCell(g: Gpu): string {
  const ic = g.interconnect;
  if (!ic) return '-';
  const pcie = `PCIe ${ic.pcie.gen}.0 x${ic.pcie.lanes}${ic.peerToPeer === false ? ', no P2P' : ''}`;
  if (ic.nvlink?.via === 'board')
    return `NVLink ${ic.nvlink.generation}, ${fmtNum(ic.nvlink.GBs, Number.isInteger(ic.nvlink.GBs) ? 0 : 1)} GB/s`;
  if (ic.nvlink)
    return `${pcie}; bridge: NVLink ${ic.nvlink.generation}, ${fmtNum(ic.nvlink.GBs, Number.isInteger(ic.nvlink.GBs) ? 0 : 1)} GB/s`;
  return pcie;
}

export function renderGpusText(kb: KnowledgeBase, list: Gpu[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return originTable(
    [
      { header: 'id', min: 8, keep: true, cell: (g) => g.id },
      { header: 'name', weight: 3, min: 12, cell: (g) => g.name },
      { header: 'VRAM', min: 6, cell: (g) => `${g.vramGB} GB` },
      { header: 'bf16', min: 4, cell: (g) => (g.bf16 ? 'yes' : 'no') },
      { header: 'TFLOPS', min: 6, cell: (g) => fmtNum(g.tflops, 1) },
      { header: 'GB/s', min: 5, cell: (g) => fmtNum(g.bandwidthGBs, 0) },
      // a listing with the user's own entries keeps the room for where each came from (a path);
      // `gpus --json` has every card's link
      ...(list.some((g) => originOf(kb, 'gpus', g.id) !== 'bundled')
        ? []
        : [{ header: 'link', weight: 2, min: 6, cell: linkCell }]),
    ],
    list,
    (g) => originOf(kb, 'gpus', g.id),
    opts,
    style,
  );
}

/**
 * The strategies a trainer runs, short: DeepSpeed's stages as one range, FSDP's variants after it
 * (`ddp, zero1-3, zero3-offload, fsdp: grad-op, offload, qlora`); none: one card per run.
 */
export function compactStrategies(ids: readonly string[]): string {
  if (!ids.length) return 'one card';
  const has = new Set(ids);
  const out: string[] = [];
  if (has.has('ddp')) out.push('ddp');
  const stages = [1, 2, 3].filter((n) => has.has(`zero${n}`));
  if (stages.length) {
    const contiguous = stages.length > 1 && stages[stages.length - 1]! - stages[0]! === stages.length - 1;
    out.push(contiguous ? `zero${stages[0]}-${stages[stages.length - 1]}` : stages.map((n) => `zero${n}`).join(', '));
  }
  if (has.has('zero3-offload')) out.push('zero3-offload');
  const variants = ids.filter((id) => id.startsWith('fsdp-')).map((id) => id.slice('fsdp-'.length));
  if (has.has('fsdp') || variants.length)
    out.push(variants.length ? `fsdp${has.has('fsdp') ? '' : ' only'}: ${variants.join(', ')}` : 'fsdp');
  return out.join(', ');
}

export function renderTrainersText(kb: KnowledgeBase, list: Trainer[], opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return originTable(
    [
      { header: 'id', min: 8, keep: true, cell: (t) => t.id },
      { header: 'name', weight: 2, min: 12, cell: (t) => t.name },
      {
        header: 'for',
        weight: 2,
        min: 5,
        // the model groups it lacks follow its families (musubi-tuner: video, not ltx-video)
        cell: (t) =>
          t.families.map((f) => (t.defaultFor?.includes(f) ? `${f} (default)` : f)).join(', ') +
          (t.notFor ? `; not ${t.notFor.join(', ')}` : ''),
      },
      // 'chunked', the longest value, whole
      { header: 'loss', min: 7, cell: (t) => t.loss ?? '-' },
      { header: 'checkpointing', min: 4, cell: (t) => t.gradientCheckpointing ?? '-' },
      { header: 'savers', weight: 2, min: 6, cell: (t) => t.savers.join(', ') || '-' },
      // several cards: the strategies it runs (not recorded: '-'; none: one card per run)
      {
        header: 'several cards',
        weight: 2,
        min: 8,
        cell: (t) => (t.strategies ? compactStrategies(t.strategies.map((s) => s.id)) : '-'),
      },
    ],
    list,
    (t) => originOf(kb, 'trainers', t.id),
    opts,
    style,
  );
}

export function renderFactsText(opts: RenderOptions): string {
  const style = createStyle(opts.color);
  return (
    renderTable(
      [
        { header: 'fact', min: 12, cell: (f) => f.fact },
        { header: 'meaning', weight: 3, min: 16, cell: (f) => f.meaning },
      ],
      Object.entries(FACTS).map(([fact, meaning]) => ({ fact, meaning })),
      opts.width,
      style,
    ) + '\n'
  );
}
