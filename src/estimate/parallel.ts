// Several cards as a table of strategies: what each one shards over the cards, what it keeps in
// host memory and what it sends over the link per step. The memory and time models read these
// traits, never a strategy's name, so a strategy is one record here. Pure.
// Sources:
// - ZeRO (Rajbhandari et al., arXiv 1910.02054, §5): P_os shards the optimizer states, P_os+g the
//   gradients too, P_os+g+p the parameters too; "P_os and P_os+g ... incur no additional
//   communication" over data parallelism's all-reduce (2 x the gradients per card), P_os+g+p
//   "increases the communication volume to 1.5x" (an all-gather of the parameters in the forward
//   and another in the backward, a reduce-scatter of the gradients).
// - PyTorch FSDP (docs.pytorch.org/docs/stable/fsdp.html): ShardingStrategy FULL_SHARD "shards
//   parameters, gradients, and optimizer states" (ZeRO-3), SHARD_GRAD_OP gradients and optimizer
//   states (ZeRO-2); CPUOffload(offload_params=True) keeps the sharded parameters and their
//   gradients in host memory, and the optimizer step runs there.
// - DDP (docs.pytorch.org/docs/stable/generated/torch.nn.parallel.DistributedDataParallel.html):
//   gradients are all-reduced in buckets during the backward; with gradient_as_bucket_view False
//   (the default) the buckets are a second copy: "the saved memory size will be equal to the total
//   gradients size" when it is True. Under gradient accumulation accelerate skips the all-reduce
//   of the non-final micro-steps (no_sync), so DDP communicates once per optimizer step; DeepSpeed
//   ZeRO-2 reduces every micro-step's gradients into their shards, ZeRO-3 and FSDP gather the
//   parameters for every forward and backward.
// - DeepSpeed's memory estimators (deepspeed/runtime/zero/stage3.py
//   estimate_zero3_model_states_mem_needs): with parameters sharded the card holds in addition
//   the largest layer gathered ("largest_layer_memory = 4 * largest_layer_params": its 16-bit
//   parameters and gradients); with offload the host holds 18 bytes per parameter (16 without
//   parameter offload) "x additional_buffer_factor=1.5" per node.
// - FSDP-QLoRA (bitsandbytes docs/source/fsdp_qlora.md; Answer.AI, "You can now train a 70b
//   language model at home", 2024): the 4-bit base is stored in a 16-bit dtype
//   (bnb_4bit_quant_storage) so FSDP shards it like any other parameter.
import type { Strategy } from '../kb/vocabulary.js';
import type { Card, Link } from './card.js';

export interface StrategyTraits {
  /** the engine that runs it, as trainers name their support */
  engine: 'ddp' | 'deepspeed' | 'fsdp';
  /** what is divided over the cards (each card holds 1/N) */
  shards: { optimizer: boolean; gradients: boolean; parameters: boolean };
  /** what waits in host memory: the optimizer states (and fp32 gradients, the step run on the CPU), the parameters */
  offload: { optimizer: boolean; parameters: boolean };
  /** DDP's gradient buckets: a second copy of the gradients (gradient_as_bucket_view False) */
  gradientBuckets: boolean;
  /** a quantized base in a shardable storage dtype (FSDP-QLoRA); false: the strategy runs on a 16-bit base */
  quantizedBase: boolean;
}

const NONE = { optimizer: false, parameters: false };
const OS = { optimizer: true, gradients: false, parameters: false };
const OS_G = { optimizer: true, gradients: true, parameters: false };
const OS_G_P = { optimizer: true, gradients: true, parameters: true };
const OFFLOAD = { optimizer: true, parameters: true };

/** One record per strategy; the compiler keeps the table exhaustive. */
export const STRATEGY_TRAITS: Record<Strategy, StrategyTraits> = {
  ddp: {
    engine: 'ddp',
    shards: { optimizer: false, gradients: false, parameters: false },
    offload: NONE,
    gradientBuckets: true,
    quantizedBase: false,
  },
  zero1: { engine: 'deepspeed', shards: OS, offload: NONE, gradientBuckets: false, quantizedBase: false },
  zero2: { engine: 'deepspeed', shards: OS_G, offload: NONE, gradientBuckets: false, quantizedBase: false },
  zero3: { engine: 'deepspeed', shards: OS_G_P, offload: NONE, gradientBuckets: false, quantizedBase: false },
  'zero3-offload': {
    engine: 'deepspeed',
    shards: OS_G_P,
    offload: OFFLOAD,
    gradientBuckets: false,
    quantizedBase: false,
  },
  'fsdp-grad-op': { engine: 'fsdp', shards: OS_G, offload: NONE, gradientBuckets: false, quantizedBase: false },
  fsdp: { engine: 'fsdp', shards: OS_G_P, offload: NONE, gradientBuckets: false, quantizedBase: false },
  'fsdp-offload': { engine: 'fsdp', shards: OS_G_P, offload: OFFLOAD, gradientBuckets: false, quantizedBase: false },
  'fsdp-qlora': { engine: 'fsdp', shards: OS_G_P, offload: NONE, gradientBuckets: false, quantizedBase: true },
  'fsdp-qlora-offload': {
    engine: 'fsdp',
    shards: OS_G_P,
    offload: OFFLOAD,
    gradientBuckets: false,
    quantizedBase: true,
  },
};

/**
 * Share of a link's nominal bandwidth NCCL's collectives reach on large messages: 8 A100 SXM4
 * 80GB on NVLink 3 (300 GB/s per direction) measure an all-reduce bus bandwidth of "~200 GB/s"
 * (NVIDIA/nccl-tests issue #149, all_reduce_perf up to 1 GB; issue #178: 208 GB/s), 0.67.
 * Taken for every link, PCIe and the network included, as no like-for-like figure was read for them.
 */
export const LINK_EFFICIENCY = 0.67;

/**
 * Host memory per parameter kept there under offload is multiplied by DeepSpeed's own estimate of
 * its buffers (`additional_buffer_factor=1.5`, estimate_zero3_model_states_mem_needs).
 */
export const HOST_BUFFER_FACTOR = 1.5;

/**
 * DeepSpeed ZeRO-3's stage3_max_live_parameters and stage3_max_reuse_distance defaults, 1e9 each
 * (deepspeed/runtime/zero/config.py: "The maximum number of parameters resident per GPU before
 * releasing"; "Do not release a parameter if it will be reused within this threshold of
 * parameters"), the values accelerate's, TRL's and ms-swift's zero3 configs pass as well.
 */
export const DEEPSPEED_MAX_LIVE_PARAMETERS = 1e9;

/** The strategy's traits, or null for a single card. */
export function strategyTraits(strategy: Strategy | null, cards: number): StrategyTraits | null {
  return strategy && cards > 1 ? STRATEGY_TRAITS[strategy] : null;
}

/**
 * The bandwidth a ring collective runs at over the set, bytes per second per card: the slowest
 * link the ring crosses (the network between nodes, else the link within the node) at NCCL's
 * measured share of it. Null for a single card.
 */
export function ringBandwidth(card: Pick<Card, 'cards' | 'link' | 'nodeLink'>): number | null {
  if (card.cards <= 1) return null;
  const links = [card.link, card.nodeLink].filter((l): l is Link => l !== null);
  if (!links.length) return null;
  return Math.min(...links.map((l) => l.GBs)) * 1e9 * LINK_EFFICIENCY;
}

/**
 * Bytes each card sends (and receives) in a ring collective over N cards: an all-gather or a
 * reduce-scatter of `bytes` moves (N-1)/N of them, an all-reduce twice that (NCCL's bus bandwidth,
 * nccl-tests doc/PERFORMANCE.md: busBw = algBw x 2(n-1)/n for all-reduce, (n-1)/n for the others).
 */
export function ringBytes(kind: 'all-reduce' | 'all-gather' | 'reduce-scatter', bytes: number, cards: number): number {
  const share = (cards - 1) / cards;
  return bytes * share * (kind === 'all-reduce' ? 2 : 1);
}

/**
 * The link assumed between cards whose catalogue entry names none: PCIe 4.0 x16, 16 GT/s per lane
 * with 128b/130b encoding, about 31.5 GB/s per direction (PCI-SIG, PCI Express Base Specification
 * 4.0), the slot of the consumer and workstation cards people pair.
 */
export const DEFAULT_LINK: Link = { kind: 'pcie', GBs: 31.5, label: 'PCIe 4.0 x16 (31.5 GB/s per direction)' };

/**
 * Parameters DeepSpeed's CPU Adam updates per second per card's process: Qwen2.5-3B fine-tuned
 * with ZeRO offload on 2 A100 40GB took 2,383 ms a step with --bind_cores_to_rank (128 host cores;
 * deepspeedai/DeepSpeed PR #7474, "In ZeRO offload, significant time is spent on CPUAdam"). Each
 * process updates half of the 3.09 B parameters: at most 2.38 s for 1.54 B, 0.65 B a second, a
 * lower bound of the rate (the step's compute is in those 2.38 s too).
 */
export const CPU_ADAM_PARAMS_PER_SECOND = 0.65e9;

export interface Communication {
  /** seconds of each micro-step the collectives add beyond the compute they overlap */
  exposedSeconds: number;
  /** bytes each card sends per optimizer step, all collectives and host copies together */
  bytesPerStep: number;
  /** the optimizer step on the host (offload), seconds per optimizer step */
  hostOptimizerSeconds: number;
  /** what is exchanged, for the explanation */
  collectives: string[];
  /** the link the ring runs over, GB/s per card and direction after NCCL's efficiency */
  effectiveGBs: number;
  link: string;
}
