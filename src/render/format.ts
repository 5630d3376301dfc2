// Number and setting formatting shared by every renderer.
import type { TrainingSettings } from '../estimate/settings.js';

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs !== 0 && abs < 0.01) return n.toExponential(1);
  return Number(n.toFixed(abs < 1 ? Math.max(digits, 2) : digits)).toLocaleString('en-US');
}

export function fmtHours(h: number): string {
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} min`;
  if (h < 48) return `${fmtNum(h, 1)} h`;
  return `${fmtNum(h / 24, 1)} days`;
}

export function fmtMB(mb: number): string {
  if (mb < 1) return `${fmtNum(mb * 1000, 0)} KB`;
  if (mb >= 1000) return `${fmtNum(mb / 1000, 2)} GB`;
  return `${fmtNum(mb, mb < 10 ? 1 : 0)} MB`;
}

export function fmtLr(lr: number): string {
  return lr.toExponential().replace('e-', 'e-').replace(/\.0+e/, 'e');
}

export function describeSettings(s: TrainingSettings): string[] {
  const parts: string[] = [];
  if (s.rank !== null) parts.push(`rank ${s.rank}`, `targets ${s.targets}`);
  parts.push(`lr ${fmtLr(s.learningRate)}`, `${s.steps} steps`, `batch ${s.batch}${s.gradAccum > 1 ? ` x ${s.gradAccum} accumulation` : ''}`);
  if (s.resolution !== null) parts.push(`${s.resolution} px`);
  if (s.seqLen !== null) parts.push(`${s.seqLen} tokens`);
  parts.push(s.precision, s.optimizer);
  if (s.quantize !== 'none') parts.push(`${s.quantize} base`);
  if (s.gradientCheckpointing) parts.push('gradient checkpointing');
  if (s.cache) parts.push('cached latents + text embeddings');
  if (s.trainTextEncoder) parts.push('text encoder trained');
  if (s.priorPreservation) parts.push('prior preservation');
  if (s.virtualTokens !== null && ['prompt', 'prefix', 'embedding'].includes(s.method)) parts.push(`${s.virtualTokens} virtual tokens`);
  return parts;
}
