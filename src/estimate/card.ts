// The card a run is planned for: a catalogue GPU, or memory alone with a typical card's speed. Pure.
import { compareIds } from '../kb/lookup.js';
import type { Gpu, KnowledgeBase } from '../kb/types.js';
import type { Backend } from './backend.js';
import type { GpuPerf } from './time.js';

/**
 * The link the cards of a set exchange gradients and parameters over (src/estimate/parallel.ts):
 * NVLink / NVSwitch between the cards of a node, PCIe through the host, or the network between nodes.
 */
export interface Link {
  kind: 'nvlink' | 'pcie' | 'network';
  /** nominal bandwidth per card and direction, GB/s (the catalogue's figure, before any efficiency) */
  GBs: number;
  /** e.g. "NVLink 4 (450 GB/s per direction)", "PCIe 4.0 x16 (32 GB/s per direction)" */
  label: string;
}

/** One card as the estimates see it: memory and speed, and where its speed came from. */
export interface Card extends GpuPerf {
  id: string | null;
  name: string;
  /** memory of ONE card (with several cards, each has this much) */
  vramGiB: number;
  /** cards training together, all nodes counted (1: a single card) */
  cards: number;
  /** nodes the cards are spread over (cards / nodes per node) */
  nodes: number;
  /** between the cards of a node; null with one card per node */
  link: Link | null;
  /** between nodes; null on one node */
  nodeLink: Link | null;
  /** when no GPU was named: the typical card with this memory whose speed stands in */
  speedFrom: string | null;
  /** the software stack (what runs there differs: src/estimate/backend.ts) */
  backend: Backend;
}

/** Usable memory in GiB: what nvidia-smi reports where known, else the nominal size. */
export function gpuMemoryGiB(gpu: Gpu): number {
  return gpu.memoryMiB ? gpu.memoryMiB / 1024 : gpu.vramGB;
}

/** A catalogue card's speed figures, as the step-time estimate reads them (GpuPerf). */
function speedOf(gpu: Gpu): GpuPerf {
  return {
    tflops: gpu.tflops,
    ...(gpu.sustainedTflops ? { sustainedTflops: gpu.sustainedTflops } : {}),
    ...(gpu.fp32Tflops ? { fp32Tflops: gpu.fp32Tflops } : {}),
    bandwidthGBs: gpu.bandwidthGBs,
    bf16: gpu.bf16,
  };
}

/** A single card: no link to share anything over. */
export const ONE_CARD = { cards: 1, nodes: 1, link: null, nodeLink: null } as const;

export function cardFromGpu(gpu: Gpu): Card {
  return {
    id: gpu.id,
    name: gpu.name,
    vramGiB: gpuMemoryGiB(gpu),
    ...speedOf(gpu),
    ...ONE_CARD,
    speedFrom: null,
    backend: gpu.backend ?? 'cuda',
  };
}

/**
 * With only the memory known, speed comes from the median-throughput NVIDIA card of the catalogue
 * with about that much memory (within 15%), or the nearest in memory; the result says so, and
 * names the card so the user can pass --gpu for their own.
 */
export function typicalCardFor(kb: KnowledgeBase, vramGiB: number): Card {
  // Cards bought for training today have bf16 tensor cores (Ampere or newer); older ones are
  // only taken when nothing newer has that memory, and whoever has one can name it with --gpu.
  // laptop parts run at a fraction of their desktop namesakes' power: not what a memory size alone suggests
  const nvidia = kb.gpus.filter((g) => g.vendor === 'nvidia' && g.segment !== 'laptop');
  const modern = nvidia.filter((g) => g.bf16);
  const pool =
    [modern, nvidia, kb.gpus].find((p) => p.some((g) => Math.abs(g.vramGB - vramGiB) <= vramGiB * 0.15)) ??
    (nvidia.length ? nvidia : kb.gpus);
  let near = pool.filter((g) => Math.abs(g.vramGB - vramGiB) <= vramGiB * 0.15);
  if (!near.length) {
    const best = Math.min(...pool.map((g) => Math.abs(g.vramGB - vramGiB)));
    near = pool.filter((g) => Math.abs(g.vramGB - vramGiB) === best);
  }
  const sorted = [...near].sort((a, b) => a.tflops - b.tflops || compareIds(a.id, b.id));
  // the upper median: with an even count, the newer and faster of the two middle cards
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return {
    id: null,
    name: `a card with ${fmt(vramGiB)} GiB (speed of ${median.name})`,
    vramGiB,
    ...speedOf(median),
    ...ONE_CARD,
    speedFrom: median.name,
    backend: median.backend ?? 'cuda',
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** The card for a GPU id (its memory overridden when given too), or for memory alone. */
export function resolveCard(kb: KnowledgeBase, request: { gpu: string | null; vramGiB: number | null }): Card {
  const gpu = request.gpu ? kb.gpus.find((g) => g.id === request.gpu) : undefined;
  if (gpu) {
    const card = cardFromGpu(gpu);
    return request.vramGiB ? { ...card, vramGiB: request.vramGiB } : card;
  }
  if (request.vramGiB === null) throw new Error('a card needs a GPU or its memory');
  return typicalCardFor(kb, request.vramGiB);
}
