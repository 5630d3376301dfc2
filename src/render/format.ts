import { formatDuration } from '../engine/evaluate.js';
// Number and setting formatting shared by every renderer.
import { METHOD_TRAITS } from '../estimate/methods.js';
import type { TrainingSettings } from '../estimate/settings.js';
import type { Source } from '../kb/schema.js';

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  // below 0.01: two significant digits as a plain decimal ("0.001", "0.00042"), never "1.0e-3"
  if (abs !== 0 && abs < 0.01) return String(Number(n.toFixed(Math.min(20, 1 - Math.floor(Math.log10(abs))))));
  return groupThousands(Number(n.toFixed(abs < 1 ? Math.max(digits, 2) : digits)));
}

/** 12345.6 -> "12,345.6", as toLocaleString('en-US') writes it, without loading ICU's locale data
 * (about 10 ms on the first call, a sixth of a bare Node start). */
export function groupThousands(n: number): string {
  const [whole, fraction] = String(Math.abs(n)).split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** Durations are formatted where the rule reasons are, so the tables and the reasons agree. */
export const fmtHours = formatDuration;

export function fmtMB(mb: number): string {
  if (mb < 1) return `${fmtNum(mb * 1000, 0)} KB`;
  if (mb >= 1000) return `${fmtNum(mb / 1000, 2)} GB`;
  return `${fmtNum(mb, mb < 10 ? 1 : 0)} MB`;
}

/** "1 step", "2 steps": a count with its noun. */
export function plural(n: number, noun: string): string {
  return `${groupThousands(n)} ${noun}${n === 1 ? '' : 's'}`;
}

export function fmtLr(lr: number): string {
  return lr.toExponential().replace('e-', 'e-').replace(/\.0+e/, 'e');
}

export function describeSettings(s: TrainingSettings): string[] {
  const parts: string[] = [];
  if (s.rank !== null) parts.push(`rank ${s.rank}`, `targets ${s.targets}`);
  parts.push(
    `lr ${fmtLr(s.learningRate)}`,
    plural(s.steps, 'step'),
    `batch ${s.batch}${s.gradAccum > 1 ? ` x ${s.gradAccum} accumulation` : ''}`,
  );
  if (s.resolution !== null) parts.push(`${s.resolution} px`);
  if (s.seqLen !== null) parts.push(`${s.seqLen} tokens`);
  parts.push(s.precision, s.optimizer);
  if (s.quantize !== 'none') parts.push(`${s.quantize} base`);
  if (s.gradientCheckpointing) parts.push('gradient checkpointing');
  if (s.cache && s.resolution !== null) parts.push('cached latents + text embeddings');
  if (s.trainTextEncoder) parts.push('text encoder trained');
  if (s.priorPreservation) parts.push('prior preservation');
  if (s.virtualTokens !== null && METHOD_TRAITS[s.method].virtualTokens)
    parts.push(`${s.virtualTokens} virtual tokens`);
  return parts;
}

const ANSI_SGR = /\u001b\[[0-9;]*m/g;
const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/g;

/** Characters a line shows: code points, without colour codes. */
export function visibleWidth(s: string): number {
  const plain = s.includes('\u001b') ? s.replace(ANSI_SGR, '') : s;
  return plain.length - (plain.match(SURROGATE_PAIR)?.length ?? 0);
}

/**
 * The first `width` visible characters of a line and the rest, colour codes kept with the text
 * they colour: a colour open at the cut is closed at the end of the head and opened again at the
 * start of the rest.
 */
export function splitVisible(line: string, width: number): [string, string] {
  if (!line.includes('\u001b')) return [line.slice(0, width), line.slice(width)];
  let shown = 0;
  let i = 0;
  let open = '';
  while (i < line.length && shown < width) {
    const sgr = /^\u001b\[[0-9;]*m/.exec(line.slice(i, i + 24));
    if (sgr) {
      open = sgr[0] === '\u001b[0m' || /^\u001b\[(?:2[2-9]|39|49)m$/.test(sgr[0]) ? '' : open + sgr[0];
      i += sgr[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    shown++;
  }
  // codes right at the cut belong to the rest
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
