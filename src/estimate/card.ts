// The card a run is planned for: a catalogue GPU, or memory alone with a typical card's speed. Pure.
import { compareIds, entryById } from '../kb/lookup.js';
import type { Source } from '../kb/schema.js';
import type { Gpu, KnowledgeBase } from '../kb/types.js';
import type { Interconnect } from '../kb/vocabulary.js';
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
  /** e.g. "NVLink 4 (450 GB/s per direction)", "PCIe 4.0 x16 (31.5 GB/s per direction)" */
  label: string;
  /**
   * false: PCIe without peer-to-peer (GeForce 40 series: NVIDIA's driver gives none), so every
   * transfer between two cards is staged through host memory; absent: peer-to-peer, or not PCIe
   */
  peerToPeer?: false;
}

/**
 * PCIe per lane and direction, GB/s: the transfer rate (8, 16, 32 GT/s for generations 3, 4, 5)
 * times the 128b/130b encoding, in bytes (PCI-SIG, "PCI Express Base Specification" 3.0-5.0: x16 =
 * 15.75, 31.5, 63 GB/s per direction); generation 6 runs 64 GT/s in FLIT mode, which PCI-SIG
 * counts as 8 GB/s per lane and direction (x16: 256 GB/s both directions).
 */
const PCIE_LANE_GBS: Record<number, number> = {
  3: (8 * 128) / 130 / 8,
  4: (16 * 128) / 130 / 8,
  5: (32 * 128) / 130 / 8,
  6: 64 / 8,
};

/** The link of the catalogue's PCIe entry. */
export function pcieLink(pcie: { gen: number; lanes: number }, peerToPeer = true): Link {
  const GBs = Math.round(PCIE_LANE_GBS[pcie.gen]! * pcie.lanes * 100) / 100;
  return {
    kind: 'pcie',
    GBs,
    label: `PCIe ${pcie.gen}.0 x${pcie.lanes} (${Math.round(GBs * 10) / 10} GB/s per direction${peerToPeer ? '' : '; no peer-to-peer: through host memory'})`,
    ...(peerToPeer ? {} : { peerToPeer: false as const }),
  };
}

/** The card's NVLink as a link. */
export function nvlinkLink(nvlink: NonNullable<NonNullable<Gpu['interconnect']>['nvlink']>): Link {
  const via = nvlink.via === 'bridge' ? `, a bridge between ${nvlink.bridgeCards} cards` : '';
  return {
    kind: 'nvlink',
    GBs: nvlink.GBs,
    label: `NVLink ${nvlink.generation} (${nvlink.GBs} GB/s per direction${via})`,
  };
}

/**
 * Between nodes: one InfiniBand adapter per GPU, as NVIDIA's DGX systems have it (8 adapters for 8
 * GPUs): NDR 400 Gb/s = 50 GB/s per direction with Hopper and Blackwell (DGX H100, DGX B200: "8x
 * single-port NVIDIA ConnectX-7 VPI, up to 400Gb/s InfiniBand"), HDR 200 Gb/s = 25 GB/s with every
 * older card (DGX A100: "8x Single-Port Mellanox ConnectX-6 VPI 200Gb/s HDR InfiniBand"). A
 * cluster on Ethernet, or with fewer adapters, has less; the estimate says which it assumed.
 */
export const NODE_NETWORKS = {
  ndr: {
    kind: 'network',
    GBs: 50,
    label: 'InfiniBand NDR 400 Gb/s, one adapter per GPU as in a DGX H100 (50 GB/s per direction)',
  },
  hdr: {
    kind: 'network',
    GBs: 25,
    label: 'InfiniBand HDR 200 Gb/s, one adapter per GPU as in a DGX A100 (25 GB/s per direction)',
  },
} as const satisfies Record<string, Link>;

/** the generations whose DGX systems carry NDR adapters */
const NDR_GENERATIONS = new Set(['Hopper', 'Blackwell']);

export function nodeNetworkFor(gpu: Gpu): Link {
  return { ...(NDR_GENERATIONS.has(gpu.generation ?? '') ? NODE_NETWORKS.ndr : NODE_NETWORKS.hdr) };
}

/**
 * The link between the cards of a node: the catalogue's NVLink when it is on the board (SXM), else
 * PCIe; --interconnect nvlink takes a bridge's NVLink (an accessory: not assumed), pcie the PCIe
 * link. null: the catalogue has no link for the card, or the asked one it does not have (the CLI
 * checks that before: src/cli/resolve.ts).
 */
export function linkWithinNode(gpu: Gpu, interconnect: Interconnect | null = null): Link | null {
  const ic = gpu.interconnect;
  if (!ic) return null;
  const wantNvlink = interconnect === 'nvlink' || (interconnect === null && ic.nvlink?.via === 'board');
  if (wantNvlink) return ic.nvlink ? nvlinkLink(ic.nvlink) : null;
  return pcieLink(ic.pcie, ic.peerToPeer !== false);
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
  /** host memory of each node the user gave (--host-ram), GiB; absent: hostMemoryOf's rule of thumb */
  hostGiB?: number;
}

/**
 * The host memory each node has for offloaded states: what the user gave, else twice the node's
 * card memory ("System RAM should be at least 2x your VRAM", AI Hardware Index, How to size your
 * first AI server; a sizing rule, so the answer says it was assumed).
 */
export const HOST_RAM_PER_CARD_MEMORY = 2;
export function hostMemoryOf(card: Pick<Card, 'hostGiB' | 'cards' | 'nodes' | 'vramGiB'>): {
  gib: number;
  given: boolean;
} {
  if (card.hostGiB !== undefined) return { gib: card.hostGiB, given: true };
  return { gib: HOST_RAM_PER_CARD_MEMORY * (card.cards / card.nodes) * card.vramGiB, given: false };
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

/** What a card set is asked for: a GPU id or memory alone, and how many cards where. */
export interface CardRequest {
  gpu: string | null;
  /** memory of each card (overrides a named card's) */
  vramGiB: number | null;
  /** cards in all, every node counted (absent: 1) */
  cards?: number;
  /** nodes they are spread over, cards / nodes in each (absent: 1) */
  nodes?: number;
  /** the link within a node over the catalogue's default (absent: the catalogue's) */
  interconnect?: Interconnect;
  /** host memory of each node, GiB (absent: hostMemoryOf's rule of thumb) */
  hostGiB?: number;
}

/**
 * The card set for a GPU id (its memory overridden when given too), or for memory alone (the
 * typical card's links), with `cards` cards over `nodes` nodes: the link within a node when a node
 * has several cards, the network between nodes when there are several.
 */
export function resolveCard(kb: KnowledgeBase, request: CardRequest): Card {
  const gpu = request.gpu ? entryById(kb, 'gpus', request.gpu) : undefined;
  let card: Card;
  if (gpu) {
    card = cardFromGpu(gpu);
    if (request.vramGiB) card = { ...card, vramGiB: request.vramGiB };
  } else {
    if (request.vramGiB === null) throw new Error('a card needs a GPU or its memory');
    card = typicalCardFor(kb, request.vramGiB);
  }
  const cards = request.cards ?? 1;
  const nodes = request.nodes ?? 1;
  if (cards === 1 && nodes === 1) return card;
  const linkFrom = gpu ?? kb.gpus.find((g) => g.name === card.speedFrom);
  return {
    ...card,
    cards,
    nodes,
    link: cards / nodes > 1 && linkFrom ? linkWithinNode(linkFrom, request.interconnect ?? null) : null,
    nodeLink: nodes > 1 && linkFrom ? nodeNetworkFor(linkFrom) : null,
    ...(request.hostGiB !== undefined ? { hostGiB: request.hostGiB } : {}),
  };
}

/** What a set of cards assumes about its links, in words for the assumptions (none for one card). */
export function cardSetAssumptions(card: Card): string[] {
  if (card.cards === 1) return [];
  const out = [
    `${card.cards} cards${card.nodes > 1 ? ` on ${card.nodes} nodes of ${card.cards / card.nodes}` : ''}, each with its own ${fmt(card.vramGiB)} GiB`,
  ];
  if (card.link)
    out.push(
      `between the cards of a node: ${card.link.label}, the catalogue's nominal figure${card.link.peerToPeer === false ? "; NVIDIA's driver gives GeForce RTX 40 cards no peer-to-peer, so every transfer between two of them is staged through host memory" : ''}`,
    );
  if (card.nodeLink)
    out.push(
      `between nodes: ${card.nodeLink.label} (assumed; a cluster on Ethernet, or with fewer adapters, moves less)`,
    );
  return out;
}

/**
 * The catalogue card's sources that back what this card set uses: its link figures
 * (`for: [interconnect...]`) only when a link is used, so a single card's sources are as before.
 */
export function cardSources(kb: KnowledgeBase, card: Card): Source[] {
  const gpu = card.id ? entryById(kb, 'gpus', card.id) : undefined;
  if (!gpu) return [];
  if (card.link || card.nodeLink) return gpu.sources;
  return gpu.sources.filter((s) => !s.for?.length || !s.for.every((f) => f.startsWith('interconnect')));
}

/** "2 x NVIDIA GeForce RTX 4090", "16 x NVIDIA H100 SXM5 80GB (2 nodes of 8)": the set's name; a single card's own. */
export function cardSetName(card: Pick<Card, 'name' | 'cards' | 'nodes'>): string {
  if (card.cards === 1) return card.name;
  return `${card.cards} x ${card.name}${card.nodes > 1 ? ` (${card.nodes} nodes of ${card.cards / card.nodes})` : ''}`;
}
