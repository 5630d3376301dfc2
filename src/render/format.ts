import stringWidth from 'string-width';

import type { Card } from '../estimate/card.js';
import type { DataPlan, RecipeData } from '../estimate/data.js';
// Settings, widths and wrapping shared by every renderer (numbers, durations and sizes: src/format.ts).
import { METHOD_TRAITS } from '../estimate/methods.js';
import { OBJECTIVE_TRAITS } from '../estimate/objectives.js';
import type { TrainingSettings } from '../estimate/settings.js';
import { fmtLr, fmtNum, formatDuration, groupThousands, plural } from '../format.js';
import type { Applies, Source } from '../kb/schema.js';
import { DEFAULT_OBJECTIVE } from '../kb/vocabulary.js';

export function describeSettings(s: TrainingSettings): string[] {
  const parts: string[] = [];
  // a preference or RL objective first: it is what the run trains for (sft, the default, goes unsaid)
  if (s.objective !== DEFAULT_OBJECTIVE) parts.push(`objective ${s.objective}`);
  if (s.rank !== null) parts.push(`rank ${s.rank}`, `targets ${s.targets}`);
  parts.push(
    `lr ${fmtLr(s.learningRate)}`,
    plural(s.steps, 'step'),
    `batch ${s.batch}${s.gradAccum > 1 ? ` x ${s.gradAccum} accumulation` : ''}`,
  );
  if (s.resolution !== null) parts.push(s.width !== null ? `${s.width}x${s.resolution}` : `${s.resolution} px`);
  if (s.frames !== null) parts.push(plural(s.frames, 'frame'));
  if (s.seqLen !== null) parts.push(`${s.seqLen} tokens`);
  parts.push(s.precision, s.optimizer);
  if (s.quantize !== 'none') parts.push(`${s.quantize} base`);
  if (s.gradientCheckpointing) parts.push('gradient checkpointing');
  if (s.cache && s.resolution !== null) parts.push('cached latents + text embeddings');
  if (s.trainTextEncoder) parts.push('text encoder trained');
  if (s.priorPreservation) parts.push('prior preservation');
  if (s.factor !== null && METHOD_TRAITS[s.method].kroneckerFactor) parts.push(`factor ${s.factor}`);
  if (s.virtualTokens !== null && METHOD_TRAITS[s.method].virtualTokens)
    parts.push(`${s.virtualTokens} virtual tokens`);
  return parts;
}

const ANSI_SGR = /\u001b\[[0-9;]*m/g;
// Control characters, combining marks, (c) and (r), and everything from U+1100 up need
// string-width's rules, except four blocks whose every character string-width counts as one
// column: general punctuation (U+2010-2027, U+2030-205E: dashes, quotes, bullets), mathematical
// operators (U+2200-22FF: <= >= x) and box drawing (U+2500-257F). A variation selector or emoji
// after them is itself above U+1100 and sends the text to string-width.
const NEEDS_STRING_WIDTH =
  // eslint-disable-next-line no-misleading-character-class -- ranges of code points, not combined characters
  /[\u0000-\u001f\u007f-\u009f\u00a9\u00ae\u0300-\u036f\u1100-\u200f\u2028-\u202f\u205f-\u21ff\u2300-\u24ff\u2580-\uffff]/;

/**
 * Columns a line takes in a terminal, measured as cli-table3 measures its cells (string-width:
 * wide characters 2, combining marks and controls 0, colour codes none), so the widths this code
 * shares out are the ones the table draws. string-width runs a very large emoji expression over
 * every string; text with no character that its rules treat apart (NEEDS_STRING_WIDTH, checked
 * against string-width on every code point of the Basic Multilingual Plane by a test) takes one
 * column per character, and is counted directly: most text, and every word a table wraps.
 */
export function visibleWidth(s: string): number {
  const plain = s.includes('\u001b') ? s.replace(ANSI_SGR, '') : s;
  return NEEDS_STRING_WIDTH.test(plain) ? stringWidth(s) : plain.length;
}

/**
 * The first `width` columns of a line and the rest, colour codes kept with the text they colour:
 * a colour open at the cut is closed at the end of the head and opened again at the start of the
 * rest. A wide character that would straddle the cut goes to the rest.
 */
export function splitVisible(line: string, width: number): [string, string] {
  if (!line.includes('\u001b') && !NEEDS_STRING_WIDTH.test(line)) return [line.slice(0, width), line.slice(width)];
  let shown = 0;
  let i = 0;
  let open = '';
  while (i < line.length) {
    const sgr = /^\u001b\[[0-9;]*m/.exec(line.slice(i, i + 24));
    if (sgr) {
      if (shown >= width) break; // codes right at the cut belong to the rest
      open = sgr[0] === '\u001b[0m' || /^\u001b\[(?:2[2-9]|39|49)m$/.test(sgr[0]) ? '' : open + sgr[0];
      i += sgr[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const char = String.fromCodePoint(cp);
    const columns = visibleWidth(char);
    if (shown + columns > width) break;
    i += char.length;
    shown += columns;
  }
  return open ? [`${line.slice(0, i)}\u001b[0m`, `${open}${line.slice(i)}`] : [line.slice(0, i), line.slice(i)];
}

/**
 * Wraps prose to the terminal width at word boundaries; continuation lines get `indent` spaces
 * (a hanging indent under list bullets and labels). Words longer than a line are cut.
 * Each word is measured once, so a long text wraps in linear time.
 */
export function wrapText(text: string, width: number, indent = 0): string {
  const out: string[] = [];
  const pad = ' '.repeat(indent);
  for (const para of text.split('\n')) {
    if (visibleWidth(para) <= width) {
      out.push(para); // fits: most lines, and every line of a rendered table
      continue;
    }
    let line = '';
    let lineWidth = 0;
    for (const word of para.split(' ')) {
      const wordWidth = visibleWidth(word);
      if (!line || lineWidth + 1 + wordWidth <= width) {
        lineWidth = line ? lineWidth + 1 + wordWidth : wordWidth;
        line = line ? `${line} ${word}` : word;
      } else {
        out.push(line);
        line = pad + word;
        lineWidth = indent + wordWidth;
      }
      while (lineWidth > width) {
        const [head, rest] = splitVisible(line, width);
        out.push(head);
        line = pad + rest;
        lineWidth = visibleWidth(line);
      }
    }
    out.push(line);
  }
  return out.join('\n');
}

/** Wraps each line; lines starting with "- " or a "Label   " column get a matching hanging indent. */
export function wrapLines(lines: string[], width: number): string[] {
  return lines.map((l) => {
    const hang = /^(- |[A-Za-z]+\s{2,})/.exec(l)?.[0].length ?? 0;
    return wrapText(l, width, hang);
  });
}

/**
 * A source as a list line: its reference and address, with `detail` also the fields it backs
 * ('for') or those and its quote ('full', for a technique's own page).
 */
export function sourceLine(s: Source, detail: 'ref' | 'for' | 'full'): string {
  let line = `- ${s.ref}${s.url && !s.ref.includes(s.url) ? ` <${s.url}>` : ''}`;
  if (detail === 'for' && s.for?.length) line += ` (${s.for.join('; ')})`;
  if (detail === 'full')
    line += `${s.for?.length ? ` (for ${s.for.join(', ')})` : ''}${s.quote ? `: "${s.quote}"` : ''}`;
  return line;
}

/**
 * Where a run's steps come from, in one line: the user's data (samples x epochs / effective batch)
 * or, without data flags, the recipe's typical run, named as an assumption, with how much data the
 * time budget trains at the recipe's epochs.
 */
/** ", each image beside a class image (prior preservation)": the Classes line says how many */
const classImagesNote = (s: TrainingSettings) =>
  s.priorPreservation && s.classImages !== null ? ', each image beside a class image (prior preservation)' : '';

/** "plus 17 min generating 100 class images": the part of a run's time before its first step. */
export function classImageTime(s: TrainingSettings, hours: number): string {
  return hours > 0 && s.classImages !== null
    ? `, plus ${formatDuration(hours)} generating ${plural(s.classImages, 'class image')}`
    : '';
}

export function dataLine(
  run: { settings: TrainingSettings; step: { stepSeconds: number } },
  data: DataPlan | null,
  recipe: RecipeData,
  budgetHours?: number,
  typicalSteps = run.settings.steps,
): string {
  const s = run.settings;
  const language = s.seqLen !== null;
  // GRPO trains on each prompt's sampled completions: its samples are completions, its examples prompts;
  // a clip (frames set) is counted as --images counts it: one sample a clip
  const perExample = OBJECTIVE_TRAITS[s.objective].samplesPerExample;
  const unit = language ? (perExample > 1 ? 'completion' : 'example') : s.frames !== null ? 'clip' : 'image';
  const epochs = (n: number) => `${fmtNum(n, n < 10 ? 1 : 0)} epoch${n === 1 ? '' : 's'}`;
  const published = `the recipe's: ${epochs(recipe.epochs)} of ${plural(recipe.samples, unit)}${recipe.samplesFrom === 'typical data size' ? ', the typical size' : ''}`;
  const effective = s.batch * s.gradAccum;
  if (data) {
    const g = data.given;
    const what = !language
      ? `${plural(g.images!, unit)}${g.repeats && g.repeats > 1 ? ` x ${g.repeats} repeats` : ''}`
      : data.packing
        ? `${plural(data.samplesPerEpoch, 'packed sequence')} of ${groupThousands(s.seqLen!)} tokens`
        : `${perExample > 1 ? `${plural(data.samplesPerEpoch / perExample, 'prompt')} x ${perExample} completions` : plural(data.samplesPerEpoch, 'example')}${data.meanSeqLen !== null ? ` of ${groupThousands(data.meanSeqLen)} tokens` : ''}`;
    const from = data.epochsFrom === 'given' ? 'given' : published;
    const steps = s.steps === data.steps ? '' : ` (${plural(s.steps, 'step')} given)`;
    return `${what} x ${epochs(data.epochs)} (${from}) / batch ${effective} = ${plural(data.steps, 'step')}${steps}${classImagesNote(s)}`;
  }
  const passes = s.steps * effective;
  const run0 =
    s.steps < typicalSteps
      ? `assumes ${groupThousands(s.steps)} of the recipe's ${plural(typicalSteps, 'step')}`
      : `assumes the recipe's ${plural(s.steps, 'step')}`;
  let line = `${run0} x batch ${effective} = ${groupThousands(passes)} ${unit} passes (${epochs(recipe.epochs)} of ${plural(recipe.samples, unit)})${classImagesNote(s)}`;
  if (budgetHours !== undefined && run.step.stepSeconds > 0) {
    const budgetPasses = (budgetHours * 3600 * s.batch) / run.step.stepSeconds;
    const fits = Number(Math.floor(budgetPasses / recipe.epochs).toPrecision(2));
    const length = language && s.meanSeqLen !== null ? ` of about ${groupThousands(s.meanSeqLen)} tokens` : '';
    const trained =
      perExample > 1
        ? `${plural(Number((fits / perExample).toPrecision(2)), 'prompt')} (${perExample} completions each)`
        : plural(fits, unit);
    line += `; ${formatDuration(budgetHours)} trains about ${trained}${length} at ${epochs(recipe.epochs)}`;
  }
  return `${line}; pass ${language ? '--examples' : '--images'} for yours`;
}

/** What a piece of advice applies to, in a few words: "sdxl; cards of at most 24 GiB". */
export function appliesText(a: Applies): string {
  const or = (list: readonly string[]) => list.join(' or ');
  const parts: string[] = [];
  if (a.families) parts.push(`${or(a.families)} models`);
  if (a.groups) parts.push(or(a.groups));
  if (a.goals) parts.push(`${or(a.goals)} goals`);
  if (a.methods) parts.push(`method ${or(a.methods)}`);
  if (a.bf16 !== undefined) parts.push(a.bf16 ? 'cards with bf16' : 'cards without bf16');
  if (a.precisions) parts.push(`precision ${or(a.precisions)}`);
  if (a.maxVramGiB !== undefined) parts.push(`cards of at most ${fmtNum(a.maxVramGiB, 1)} GiB`);
  if (a.minParamsB !== undefined) parts.push(`models of ${fmtNum(a.minParamsB, 1)}B parameters or more`);
  if (a.quantizedBase !== undefined) parts.push(a.quantizedBase ? 'a quantized base' : 'an unquantized base');
  if (a.priorPreservation !== undefined)
    parts.push(a.priorPreservation ? 'prior preservation' : 'no prior preservation');
  return parts.join('; ');
}

/**
 * The card line: "NVIDIA GeForce RTX 4090, 24 GiB" for one card (its name alone when only its
 * memory was given); a set says how many, each card's memory and the links between them.
 */
export function cardText(card: Card): string {
  if (card.cards === 1) return card.id ? `${card.name}, ${fmtNum(card.vramGiB, 1)} GiB` : card.name;
  const where = card.nodes > 1 ? ` (${card.nodes} nodes of ${card.cards / card.nodes})` : '';
  const what = card.id
    ? `${card.cards} x ${card.name}${where}, ${fmtNum(card.vramGiB, 1)} GiB each`
    : `${card.cards} cards${where} with ${fmtNum(card.vramGiB, 1)} GiB each (speed of ${card.speedFrom})`;
  const links = [
    card.link && `${card.link.label}${card.nodeLink ? ' within a node' : ''}`,
    card.nodeLink && `${card.nodeLink.label} between nodes`,
  ].filter(Boolean);
  return links.length ? `${what}; ${links.join('; ')}` : what;
}

/** The flags that name the set beyond --gpu / --vram: --gpus, --nodes, --interconnect (none for one card). */
export function cardSetFlags(card: Card, interconnect?: string): string[] {
  if (card.cards === 1) return [];
  return [
    `--gpus ${card.cards / card.nodes}`,
    ...(card.nodes > 1 ? [`--nodes ${card.nodes}`] : []),
    ...(interconnect ? [`--interconnect ${interconnect}`] : []),
    ...(card.hostGiB !== undefined ? [`--host-ram ${card.hostGiB}`] : []),
  ];
}
