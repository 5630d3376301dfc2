// The cards nvidia-smi listed, as sets of one kind (what --gpu "2x NAME" takes). Pure, and apart from
// detect-gpu.ts so that the listings and the questions read it without loading child_process.
import type { Gpu } from '../kb/types.js';
import type { DetectedGpu } from './detect-gpu.js';

/** Cards nvidia-smi listed that are of one kind: how many, and one of them. */
export interface DetectedSet {
  count: number;
  /** the name nvidia-smi printed */
  name: string;
  memoryMiB: number;
  gpu: Gpu | null;
}

/**
 * The detected cards as sets of one kind, in the order nvidia-smi listed them: the same catalogue
 * card (or, for a card the catalogue does not know, the same name and memory) is one set.
 */
export function detectedSets(gpus: readonly DetectedGpu[]): DetectedSet[] {
  const sets = new Map<string, DetectedSet>();
  for (const g of gpus) {
    const key = g.gpu ? `id:${g.gpu.id}` : `name:${g.name}:${g.memoryMiB}`;
    const set = sets.get(key);
    if (set) set.count++;
    else sets.set(key, { count: 1, name: g.name, memoryMiB: g.memoryMiB, gpu: g.gpu });
  }
  return [...sets.values()];
}

/** "2x NVIDIA GeForce RTX 4090" (a count only for several). */
export const detectedSetName = (s: DetectedSet) => (s.count > 1 ? `${s.count}x ${s.name}` : s.name);
