// Peak training memory, part by part. Pure: no I/O.
// Activation model: the tensors autograd keeps per token per layer (Korthikanti et al., "Reducing
// Activation Recomputation in Large Transformer Models", arXiv 2205.05198, as summarised in
// EleutherAI's "Transformer Math 101"), counted for SwiGLU / GQA decoders and for diffusion
// transformer blocks (each kind's activationBytes, src/estimate/kinds), with FlashAttention-style
// kernels that do not keep the s x s score matrix (PyTorch SDPA, the default in diffusers and
// transformers). With gradient checkpointing only each layer's input is kept, plus one layer
// recomputed during the backward pass.
import type { Model } from '../kb/types.js';
import { kindOf } from './kinds/index.js';
import { quantizedParams } from './kinds/kind.js';
import { METHOD_TRAITS } from './methods.js';
import { OBJECTIVE_TRAITS } from './objectives.js';
import { DEEPSPEED_MAX_LIVE_PARAMETERS, HOST_BUFFER_FACTOR, strategyTraits } from './parallel.js';
import { trainableParams } from './parameters.js';
import {
  autocastCopyBytes,
  frozenWeightBytes,
  hasMasterCopy,
  moduleWeightBytes,
  optimizerBytes,
  trainedWeightBytes,
} from './precision.js';
import type { TrainingSettings } from './settings.js';

export const GiB = 2 ** 30;

/** CUDA context and kernels: gpu_poor assumes 650 MB (RahulSChand/gpu_poor src/App.js); Unsloth and oumi quote 1.3-1.4 GB. */
export const CUDA_CONTEXT_GIB = 0.6;
/** PyTorch's caching allocator rounds and fragments; measured peaks are reserved memory. */
export const FRAGMENTATION = 0.1;

/**
 * GPU memory NCCL's communicator takes on each card for its channels' buffers, outside PyTorch's
 * allocator: 544 MB for a group of 2 GPUs and 688 MB for more, measured with an all-reduce on 4
 * A100s over NVLink (NVIDIA/nccl#964, read as nvidia-smi's MiB). NCCL's maintainer: it grows with
 * the channels (more for NVLink's bandwidth than for PCIe) and "beyond 2 nodes it should no longer
 * increase" (NVIDIA/nccl#986). One communicator: DDP, FSDP and ZeRO use the default process group.
 */
export function ncclBufferBytes(cards: number): number {
  if (cards <= 1) return 0;
  return (cards === 2 ? 544 : 688) * 2 ** 20;
}

export type MemoryPart =
  | 'base weights'
  | 'trainable parameters'
  | 'gradients'
  | 'optimizer states'
  | 'activations'
  | 'frozen encoders / VAE'
  | 'framework overhead'
  | 'reference model'
  | 'generation KV cache'
  | 'gathered parameters'
  | 'gradient buckets';

export interface MemoryEstimate {
  /** of one card (with several cards, each card's) */
  peakGiB: number;
  breakdown: Array<{ part: MemoryPart; gib: number }>;
  trainableParams: number;
  /** host memory the strategy keeps its offloaded states in, all nodes together (each node its cards' shards); 0 without offload */
  hostGiB: number;
}

/**
 * The share of the frozen base that block swap keeps in host memory: the swapped blocks' share of
 * the blocks, of the base's linear layers (the blocks' weights; embeddings and head stay on the GPU).
 * The offloader exchanges a block coming in for one going out (musubi-tuner's ModelOffloader), so
 * the GPU holds the unswapped blocks only.
 */
export function swappedBaseShare(model: Model, s: TrainingSettings): number {
  const kind = kindOf(model);
  const blocks = kind.swappableBlocks(model);
  if (!s.blocksToSwap || !blocks) return 0;
  const net = kind.baseNetwork(model);
  return (Math.min(s.blocksToSwap, blocks) / blocks) * (net.linear / net.params);
}

export function estimateMemory(model: Model, s: TrainingSettings): MemoryEstimate {
  const kind = kindOf(model);
  const method = METHOD_TRAITS[s.method];
  const trainable = trainableParams(model, s);
  const net = kind.baseNetwork(model);
  let baseBytes: number;
  let trainableBytes = 0;
  let gradBytes: number;
  let optBytes: number;
  if (method.trainsEveryWeight) {
    const w = trainedWeightBytes(s.precision);
    // Text encoders trained with --train-text-encoder: their weights are counted with the encoders,
    // their gradients and optimizer states here (they are part of `trainable`).
    // Autocast's half-precision weight copies are saved for the backward pass; with gradient
    // checkpointing they are re-made block by block during recomputation instead.
    baseBytes = net.params * (w + (s.gradientCheckpointing ? 0 : autocastCopyBytes(s.precision)));
    gradBytes = trainable * w;
    optBytes = trainable * optimizerBytes(s.optimizer, s.precision, net.width);
  } else {
    baseBytes = heldWeightBytes(model, s);
    // swapped blocks wait in host memory: the GPU holds the others (swappedBaseShare)
    baseBytes *= 1 - swappedBaseShare(model, s);
    // Adapters train in fp32 under mixed precision (diffusers cast_training_params, PEFT autocast_adapter_dtype).
    const w = trainedWeightBytes(s.precision);
    trainableBytes = trainable * w;
    gradBytes = trainable * w;
    optBytes = trainable * optimizerBytes(s.optimizer, s.precision, net.width);
  }
  // several cards: what the strategy shards is divided over them, what it offloads waits in host memory
  const strategy = strategyTraits(s.strategy, s.cards);
  let gathered = 0;
  let buckets = 0;
  let hostBytes = 0;
  if (strategy) {
    const n = s.cards;
    if (strategy.gradientBuckets) buckets = gradBytes;
    if (strategy.offload.optimizer) {
      // the fp32 master weights, gradients and states of the CPU optimizer step (DeepSpeed: 16
      // bytes per parameter, 18 with the parameters' 16-bit copy), per node, with its buffers
      const w = method.trainsEveryWeight ? 4 : trainedWeightBytes(s.precision);
      hostBytes += trainable * (w + 4 + optimizerBytes(s.optimizer, s.precision, net.width));
      optBytes = 0;
      // the gradients leave for the host as the backward reduces them: FSDP's CPUOffload
      // (offload_params=True) "offloads gradients to CPU as well" (PyTorch FSDP docs), DeepSpeed's
      // offload_optimizer copies each reduced partition into the host's fp32 gradients; the card
      // keeps only the gathered unit's gradient until its reduce-scatter (gathered parameters)
      gradBytes = 0;
      if (method.trainsEveryWeight)
        baseBytes = net.params * 2 + (baseBytes - net.params * trainedWeightBytes(s.precision));
      else trainableBytes = trainable * 2;
    }
    // DeepSpeed's fp16/bf16 engines keep the fp32 master weights and the fp32 gradients of the
    // partition the optimizer steps (stage_1_and_2.py single_partition_of_fp32_groups): those 4 + 4
    // bytes per parameter are sharded with the optimizer states, the 16-bit copies are not
    const master =
      method.trainsEveryWeight &&
      hasMasterCopy(s.precision) &&
      strategy.shards.optimizer &&
      !strategy.offload.optimizer;
    // the parts already sharded (the fp32 master copy and gradient partition) stay as they are
    let baseSharded = 0;
    let gradSharded = 0;
    if (master) {
      baseBytes -= net.params * 4;
      gradBytes -= trainable * 4;
      baseSharded = (net.params * 4) / n;
      gradSharded = (trainable * 4) / n;
    }
    if (strategy.shards.optimizer) optBytes /= n;
    if (strategy.shards.gradients) gradBytes /= n;
    if (strategy.shards.parameters) {
      // the 16-bit copy of the largest unit in use and of the next block prefetched, and, where the
      // unit trains, its full gradient before the reduce-scatter (DeepSpeed's
      // "4 * largest_layer_params": parameters and gradients; a block more for the prefetch)
      // A frozen base is gathered as it is stored: a quantized block in its packed bytes (FSDP-QLoRA
      // shards the packed storage; each weight is dequantized one matmul at a time), the embedding
      // unit in 16 bits (quantizers replace linear layers only)
      const blockBytes = method.trainsEveryWeight ? 2 : frozenWeightBytes(s.precision, s.quantize);
      let units: number;
      if (strategy.engine === 'fsdp') {
        // FSDP keeps the root unit (the embeddings and head outside the wrapped layers) gathered from
        // the forward to the backward: FSDP1 _post_forward_reshard "Do not free the root's parameters
        // in the post-forward for FULL_SHARD with the intention that they are immediately used for
        // backward computation"; FSDP2 fully_shard: "The root FSDP state has its value specially set
        // to False as a heuristic since its parameters would typically be immediately all-gathered
        // for backward". Its shard is counted with the base; the rest of it waits gathered, in 16
        // bits (the embeddings are never quantized), whole when the shards wait in host memory.
        const rootHeld = net.rootParams * 2 * (strategy.offload.parameters ? 1 : 1 - 1 / n);
        units = net.blockParams * blockBytes * 2 + rootHeld;
      } else {
        const unitBytes = method.trainsEveryWeight || net.shardUnit > net.blockParams ? 2 : blockBytes;
        units = net.shardUnit * unitBytes + net.blockParams * blockBytes;
      }
      // DeepSpeed leaves what it gathered resident up to stage3_max_live_parameters when it is
      // reused within stage3_max_reuse_distance: the backward starts with the blocks the forward
      // ended with, so they stay (elements of 16 bits, a 4-bit base packed in its storage dtype too)
      const live = strategy.engine === 'deepspeed' ? Math.min(DEEPSPEED_MAX_LIVE_PARAMETERS * 2, baseBytes) : 0;
      gathered = Math.max(units, live) + (method.trainsEveryWeight ? net.shardUnit * 2 : 0);
      if (strategy.offload.parameters) {
        hostBytes += baseBytes;
        baseBytes = 0;
      } else baseBytes /= n;
      trainableBytes /= n;
    }
    baseBytes += baseSharded;
    gradBytes += gradSharded;
    hostBytes *= HOST_BUFFER_FACTOR;
  }
  const activations = kind.activationBytes(model, trainedSequences(s));
  const encoders = kind.componentBytes(model, s, method);
  const reference = referenceCopyBytes(model, s);
  const kvCache = generationCacheBytes(model, s);
  // sampling and the training pass take turns: the cache's blocks are freed before the training
  // forward, so it adds to the peak only where it outgrows the activations
  const kvBeyond = Math.max(0, kvCache - activations);
  const overhead =
    CUDA_CONTEXT_GIB * GiB +
    ncclBufferBytes(s.cards) +
    FRAGMENTATION * (activations + kvBeyond + trainableBytes + gradBytes + optBytes + encoders + gathered + buckets);
  const parts: Array<[MemoryPart, number]> = [
    ['base weights', baseBytes],
    ['trainable parameters', trainableBytes],
    ['gradients', gradBytes],
    ['optimizer states', optBytes],
    ['activations', activations],
    ['frozen encoders / VAE', encoders],
    ['framework overhead', overhead],
  ];
  // an objective's parts only where it has them (supervised fine-tuning's breakdown is as it was)
  if (OBJECTIVE_TRAITS[s.objective].reference && method.trainsEveryWeight) parts.push(['reference model', reference]);
  if (OBJECTIVE_TRAITS[s.objective].generation) parts.push(['generation KV cache', kvBeyond]);
  // a strategy's parts only where it has them (one card's breakdown is as it was)
  if (strategy?.shards.parameters) parts.push(['gathered parameters', gathered]);
  if (strategy?.gradientBuckets) parts.push(['gradient buckets', buckets]);
  const breakdown = parts.map(([part, bytes]) => ({ part, gib: bytes / GiB }));
  return {
    peakGiB: breakdown.reduce((t, p) => t + p.gib, 0),
    breakdown,
    trainableParams: trainable,
    hostGiB: hostBytes / GiB,
  };
}

/**
 * The settings of the micro-batch as the trained forward and backward see it: DPO and ORPO run each
 * pair's chosen and rejected sequences in one concatenated batch (TRL's DataCollatorForPreference
 * `input_ids = prompt_chosen_ids + prompt_rejected_ids`), twice the sequences of the same --batch.
 */
export function trainedSequences(s: TrainingSettings): TrainingSettings {
  const n = OBJECTIVE_TRAITS[s.objective].trainedSequences;
  return n === 1 ? s : { ...s, batch: s.batch * n };
}

/** Bytes of the network's weights as the run holds them (what a forward pass reads): the trained weights, or the frozen base as stored. */
export function heldWeightBytes(model: Model, s: TrainingSettings): number {
  const net = kindOf(model).baseNetwork(model);
  if (METHOD_TRAITS[s.method].trainsEveryWeight) return net.params * moduleWeightBytes(s.precision);
  const quantized = quantizedParams(net, s);
  return quantized * frozenWeightBytes(s.precision, s.quantize) + (net.params - quantized) * unquantizedBaseBytes(s);
}

/**
 * Bytes per weight of the frozen base's unquantized weights as the run stores them: the compute
 * dtype the trainers cast them to, or the dtype they were loaded in (--base-dtype). DeepSpeed's
 * fp16 and bf16 engines cast every parameter to the compute dtype whatever it was loaded in
 * (deepspeed/runtime/engine.py _configure_distributed_model -> _cast_module_mixed_precision,
 * "Cast params to param_dtype"); FSDP keeps the shards in the loaded dtype and casts only what it
 * gathers (MixedPrecision param_dtype: "outside forward and backward, the sharded parameters are
 * kept in full precision", PyTorch FSDP docs).
 */
export function unquantizedBaseBytes(s: TrainingSettings): number {
  const computeBytes = frozenWeightBytes(s.precision, 'none');
  if (s.baseDtype === null) return computeBytes;
  if (strategyTraits(s.strategy, s.cards)?.engine === 'deepspeed' && s.precision !== 'fp32') return computeBytes;
  return s.baseDtype === 'fp32' ? 4 : 2;
}

/**
 * The reference model's second copy of the weights: with full fine-tuning TRL loads one
 * (`create_model_from_path` with the policy's model_init_kwargs, so in the policy's dtype: the
 * training dtype), frozen, without gradients or optimizer states; with an adapter the reference is
 * the base with its adapters disabled and costs no memory. 0 when the objective has no reference.
 */
export function referenceCopyBytes(model: Model, s: TrainingSettings): number {
  if (!OBJECTIVE_TRAITS[s.objective].reference || !METHOD_TRAITS[s.method].trainsEveryWeight) return 0;
  return kindOf(model).baseNetwork(model).params * moduleWeightBytes(s.precision);
}

/** Completions sampled at once: TRL's generation_batch_size default, per_device_train_batch_size x steps_per_generation (= gradient accumulation). */
export const generationBatch = (s: TrainingSettings) => s.batch * s.gradAccum;

/**
 * The key-value cache of the sampled completions (GRPO): every completion of the generation batch
 * at the full sequence (prompt and completion), layers x 2 x kv heads x head dim x 2 bytes a
 * token (the kind's kvCacheBytesPerToken). 0 when the objective samples nothing.
 */
export function generationCacheBytes(model: Model, s: TrainingSettings): number {
  if (!OBJECTIVE_TRAITS[s.objective].generation) return 0;
  const perToken = kindOf(model).kvCacheBytesPerToken(model) ?? 0;
  return generationBatch(s) * (s.seqLen ?? 0) * perToken;
}
