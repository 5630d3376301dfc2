// Step time from the work per step and the GPU's dense tensor throughput. Pure.
// Work: training FLOPs ~ 6 x params x tokens (forward 2, backward 4; EleutherAI "Transformer Math
// 101"); a frozen base skips weight gradients (forward 2 + input gradients 2); gradient
// checkpointing repeats the forward (same source: "2PD <= C_forward <= 4PD").
import type { Model } from '../kb/types.js';
import type { Precision } from '../kb/vocabulary.js';
import type { Link } from './card.js';
import { kindOf } from './kinds/index.js';
import { quantizedParams } from './kinds/kind.js';
import { generationBatch, heldWeightBytes, swappedBaseShare, trainedSequences } from './memory.js';
import { METHOD_TRAITS } from './methods.js';
import { OBJECTIVE_TRAITS } from './objectives.js';
import {
  type Communication,
  CPU_ADAM_PARAMS_PER_SECOND,
  DEFAULT_LINK,
  ringBandwidth,
  ringBytes,
  strategyTraits,
} from './parallel.js';
import { frozenWeightBytes, NF4_BITS, optimizerBytes, trainedWeightBytes } from './precision.js';
import type { TrainingSettings } from './settings.js';

/** The card set's links, where several cards train together (card.ts Card). */
export interface CardSet {
  cards: number;
  link: Link | null;
  nodeLink: Link | null;
}

export interface GpuPerf {
  /** datasheet dense half-precision tensor peak */
  tflops: number;
  /** the matmul rate the card sustains (gpus.yaml sustainedTflops; absent: the peak) */
  sustainedTflops?: number;
  /** the FP32 rate of its CUDA cores, what fp32 matmuls run at with TF32 off (absent: a quarter of the peak) */
  fp32Tflops?: number;
  bandwidthGBs: number;
  bf16: boolean;
}

/**
 * Share of the card's sustained matmul rate (gpus.yaml sustainedTflops, a published large-matmul
 * benchmark of each card) a training step achieves, per model kind. Against the datasheet peak,
 * as these anchors were first read: EleutherAI: about
 * 120 of 312 TFLOP/s on an A100 "should always be achievable" at scale (0.38); single-GPU
 * fine-tuning stacks reach less: LLaMA-Factory measured 2,392 tokens/s for Llama-2-7B LoRA on one
 * A100 (hiyouga/LLaMA-Factory wiki, Performance comparison), 0.32 of peak by the FLOP count here.
 * UNets spend much of a step in memory-bound convolutions and GroupNorm: 1.23 s/it for SDXL LoRA at
 * 1024 px on an RTX 3090 (bmaltais/kohya_ss issue #1288) is about 0.2 of peak. Transformer
 * denoisers are matmul-bound: 3.5 s/step for FLUX LoRA at 1024 px on an RTX 4090 (bghira/SimpleTuner
 * documentation/quickstart/FLUX.md) is about 0.4 of peak. Against the sustained rate (an A100
 * sustains 271 of its 312) the language-model share is 0.5, the median over the calibration set
 * (tests/fixtures/measurements.yaml) of step times and tokens per second alike.
 */
export const UTILISATION = { llm: 0.5, unet: 0.45, transformer: 0.45 } as const;
export type UtilisationKey = keyof typeof UTILISATION;
/**
 * Fixed cost per layer and pass in eager PyTorch (kernel launches and Python dispatch of a layer's
 * few dozen kernels, more with adapters): the step time of Qwen-1.8B/7B/14B LoRA at 256 tokens
 * stays at 0.125 / 0.15 / 0.2 s for 24 / 32 / 40 layers and three passes (QwenLM/Qwen README,
 * profiling table), about 1.6 ms per layer-pass, whatever the model's width.
 */
export const LAYER_PASS_SECONDS = 1.6e-3;
/** Elementwise kernels over a weight-sized matrix (DoRA's weight norm) reach about half of peak memory bandwidth. */
export const DEQUANT_BANDWIDTH_SHARE = 0.5;
/**
 * Share of peak memory bandwidth the dequantizing path of a quantized base reaches in training.
 * bitsandbytes' 4-bit layers (MatMul4Bit) dequantize the whole weight into a new half-precision
 * tensor for every matmul, in the forward and again for the input gradient in the backward ("we
 * dequantize the storage data type to the computation data type to perform the forward and
 * backward pass", QLoRA, arXiv 2305.14314 §3), then run a 16-bit matmul. Its blockwise kernel
 * branches per value and falls well short of the bandwidth: replacing the branches with a lookup
 * table made it 1.36-2.07x faster on A100 and H100 "across all problem sizes"
 * (bitsandbytes-foundation/bitsandbytes PR #1747, 2025; PR #1746). Read from the published LoRA
 * vs bnb-NF4 pairs at equal settings (Lightning-AI/litgpt tutorials/resource-tables.md, A100 40 GB,
 * bitsandbytes 0.41.1, taken without checkpointing as the table names none: Llama-2-7B 2.36 vs 3.83 min per 1k iterations, 1.62x;
 * Llama-2-13B 3.19 vs 6.55 min, 2.05x), the extra time per pass is the bytes moved here (packed
 * weight read, half-precision copy written and read) at 0.43 and 0.37 of the card's 1,555 GB/s:
 * 0.4. quanto and torchao int8 bases for image models take the same path (dequantize, then a
 * 16-bit matmul) and are taken at the same share.
 */
export const QUANTIZED_BASE_BANDWIDTH_SHARE = 0.4;

/**
 * DoRA, LoHa and LoKr build a weight-sized matrix per adapted layer on every pass. DoRA the norm of
 * W + BA (arXiv 2402.09353 §4.3; ~1.9x slower than LoRA in modelscope/ms-swift
 * docs/source_en/LLM/Benchmark.md): writing and reading that matrix in fp32. LoHa and LoKr as
 * LyCORIS runs them by default (KohakuBlueleaf/LyCORIS lycoris/modules/loha.py, lokr.py: not
 * bypass mode): the delta is built from its small factors, merged into the weight and the layer
 * runs one matmul in the autocast dtype, so the forward costs no extra per-token work; but the
 * factors' gradient comes through the merged weight, so the backward computes the full weight
 * gradient of every adapted matrix (2 x d_in x d_out per token, what full fine-tuning pays), plus
 * the merge traffic: build, add and read the weight-sized matrix in half precision. The LyCORIS
 * SD1 table on an RTX 4090 (docs/Guidelines.md, "Training time, Vram usage, File size") has LoKr
 * at 3 h 40 - 3 h 50 and LoRA at 4 h for the same 49,622 steps, full fine-tuning at 5 h 20.
 */
function materialisedDeltaSeconds(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  const delta = METHOD_TRAITS[s.method].materialisesDelta;
  if (delta === 'none') return 0;
  const work = kindOf(model).materialisedDelta(model, s);
  if (delta === 'norm')
    return (work.elements * (4 + 4) * passes(s)) / (gpu.bandwidthGBs * 1e9 * DEQUANT_BANDWIDTH_SHARE);
  const merge = (work.elements * 4 * 2 * passes(s)) / (gpu.bandwidthGBs * 1e9);
  const weightGradient =
    (2 * work.elements * work.tokens) / (matmulTflops(gpu, s.precision) * 1e12 * UTILISATION[work.utilisation]);
  return merge + weightGradient;
}

/**
 * Eager attention runs its softmax and the element-wise steps around it as separate kernels over
 * the whole score matrix, each bound by memory bandwidth (what the fused kernels avoid by never
 * writing the scores out: FlashAttention, arXiv 2205.14135, an IO-aware attention): the bytes each score moves
 * (the kind's eagerScoreTraffic) over the card's bandwidth; gradient checkpointing repeats the
 * forward's. Its extra matmul work (the full square) is in the kind's forward FLOPs. 0 when fused.
 */
function eagerAttentionSeconds(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  const kind = kindOf(model);
  const scores = kind.attentionScores(model, s);
  if (scores === 0) return 0;
  const t = kind.eagerScoreTraffic(s);
  return (scores * (t.forward * (s.gradientCheckpointing ? 2 : 1) + t.backward)) / (gpu.bandwidthGBs * 1e9);
}

/**
 * Host link bandwidth for checkpoints offloaded to CPU memory: bitsandbytes' paged-optimizer worked
 * example takes PCIe 3.0 x16 at 16 GB/s and half of it achieved ("1/(16*0.5) = 1/8 = 125ms"
 * per GB, bitsandbytes docs/source/optimizers.mdx); newer links are faster, so this is the slow case.
 */
export const HOST_LINK_GBS = 16 * 0.5;

/**
 * Offloaded gradient checkpointing (Unsloth's default, use_gradient_checkpointing="unsloth"):
 * every layer's input goes to host memory in the forward and comes back in the backward, on a
 * copy stream beside the compute ("offloads intermediate activations to system RAM asynchronously
 * whilst being only 1% slower", unslothai/unsloth README). Time is lost only when the copies
 * outlast the compute they overlap.
 */
function checkpointOffloadSeconds(model: Model, s: TrainingSettings, compute: number): number {
  if (!s.gradientCheckpointing || !s.offloadCheckpoints) return 0;
  const transfer = (2 * kindOf(model).checkpointBytes(model, s)) / (HOST_LINK_GBS * 1e9);
  return Math.max(0, transfer - compute);
}

/**
 * Block swap (musubi-tuner and kohya --blocks_to_swap): each swapped block's frozen weights are
 * copied to the GPU before its forward and again before its backward (recomputation included),
 * on a copy stream beside the compute ("memory reduction by block swap", musubi-tuner
 * docs/wan.md); at the slow host link of offloaded checkpoints. Time is lost only when the copies
 * outlast the compute they overlap.
 */
function blockSwapSeconds(model: Model, s: TrainingSettings, compute: number): number {
  const share = swappedBaseShare(model, s);
  if (share === 0) return 0;
  const bytes = kindOf(model).baseNetwork(model).params * share * frozenWeightBytes(s.precision, s.quantize);
  return Math.max(0, (2 * bytes) / (HOST_LINK_GBS * 1e9) - compute);
}

export interface StepTime {
  stepSeconds: number;
  samplesPerStep: number;
  tokensPerSecond?: number;
  imagesPerSecond?: number;
  flopsPerStep: number;
  /** of stepSeconds, the forwards without gradient an objective adds: the reference model's log-probs, KTO's KL term */
  referenceSeconds: number;
  /** of stepSeconds, sampling the completions (GRPO), per micro-step */
  generationSeconds: number;
  /** several cards: what they exchange per step and the time it adds (null on one card) */
  communication: Communication | null;
}

function passes(s: TrainingSettings): number {
  const backward = METHOD_TRAITS[s.method].trainsEveryWeight ? 2 : 1;
  return 1 + backward + (s.gradientCheckpointing ? 1 : 0);
}

/**
 * The matmul rate a step's work runs at: the card's sustained half-precision rate (a published
 * matmul benchmark of that card, gpus.yaml sustainedTflops: a power-capped T4 sustains 24 of its 65
 * peak, an MI300X 668 of 1,307), or for an fp32 run its CUDA cores' FP32 rate, since PyTorch keeps
 * TF32 off for matmuls by default (torch.backends.cuda.matmul.allow_tf32 = False since 1.12).
 */
export function matmulTflops(gpu: GpuPerf, precision: Precision): number {
  if (precision === 'fp32') return gpu.fp32Tflops ?? gpu.tflops / 4;
  return gpu.sustainedTflops ?? gpu.tflops;
}

export function estimateStepTime(
  model: Model,
  s: TrainingSettings,
  gpu: GpuPerf & Partial<CardSet>,
  trainable: number,
): StepTime {
  const kind = kindOf(model);
  const util = UTILISATION[kind.utilisation(model)];
  const samples = kind.samplesPerStep(s);
  // the sequences the trained passes see (DPO, ORPO: chosen and rejected of every pair)
  const trained = trainedSequences(s);
  const flops = kind.forwardFlops(model, trained) * passes(s);
  const quantized = quantizedParams(kind.baseNetwork(model), s);
  const compute =
    flops / (matmulTflops(gpu, s.precision) * 1e12 * util) + kind.layerPasses(model) * passes(s) * LAYER_PASS_SECONDS;
  // A quantized base is dequantized to half precision for every matmul of every pass:
  // read the packed weight, write and re-read the half-precision copy.
  const dequant = dequantSecondsPerPass(quantized, s, gpu) * passes(s);
  // The optimizer step reads the weights, gradients and states and writes weights and states once
  // per optimizer step; torch's multi-tensor (foreach) AdamW doubles that with its temporaries.
  const w = trainedWeightBytes(s.precision);
  const optimizerStep =
    (2 * trainable * (2 * w + w + 2 * optimizerBytes(s.optimizer, s.precision, 4096))) /
    (gpu.bandwidthGBs * 1e9) /
    s.gradAccum;
  const reference = referenceSeconds(model, s, gpu);
  const generation = generationSeconds(model, s, gpu);
  const communication = communicationOf(model, s, gpu, compute + dequant, trainable);
  const stepSeconds =
    compute +
    dequant +
    materialisedDeltaSeconds(model, trained, gpu) +
    eagerAttentionSeconds(model, trained, gpu) +
    checkpointOffloadSeconds(model, trained, compute) +
    blockSwapSeconds(model, trained, compute) +
    optimizerStep +
    reference +
    generation +
    (communication ? communication.exposedSeconds + communication.hostOptimizerSeconds / s.gradAccum : 0);
  const result: StepTime = {
    stepSeconds,
    samplesPerStep: samples,
    flopsPerStep: flops,
    referenceSeconds: reference,
    generationSeconds: generation,
    communication,
  };
  // the whole set's throughput: every card runs its own micro-batch in the same step
  result[kind.throughputUnit] = (kind.throughputPerStep(model, trained) * s.cards) / stepSeconds;
  return result;
}

/**
 * What several cards exchange per step and the time it adds, by the strategy's traits
 * (parallel.ts): DDP all-reduces the gradients once per optimizer step, overlapped with the last
 * backward; ZeRO-1 reduce-scatters them once a step and ZeRO-2 every micro-step (overlapped with
 * the backward), both all-gathering the updated 16-bit parameters after the step; ZeRO-3 and
 * FSDP all-gather every unit's parameters for the forward and again for the backward and
 * reduce-scatter its gradients, prefetched beside the compute. Gradients travel in the training's
 * half precision under the sharded engines (DeepSpeed's communication_data_type, FSDP's
 * MixedPrecision reduce_dtype), in the gradients' own dtype under DDP. Offload copies the
 * gradients to the host and the parameters back over the host link, and runs the optimizer step
 * there. Null on one card.
 */
function communicationOf(
  model: Model,
  s: TrainingSettings,
  set: Partial<CardSet>,
  compute: number,
  trainable: number,
): Communication | null {
  const strategy = strategyTraits(s.strategy, s.cards);
  if (!strategy) return null;
  const n = s.cards;
  // a set whose catalogue entry names no link is taken on PCIe (DEFAULT_LINK): the ring always has one
  const card = { cards: n, link: set.link ?? (set.nodeLink ? null : DEFAULT_LINK), nodeLink: set.nodeLink ?? null };
  const bandwidth = ringBandwidth(card)!;
  const half = s.precision === 'fp32' ? 4 : 2;
  const gradients = trainable * (strategy.engine === 'ddp' ? trainedWeightBytes(s.precision) : half);
  const updated = trainable * half;
  const backward = (compute * (passes(s) - 1)) / passes(s);
  const net = kindOf(model).baseNetwork(model);
  // the weights gathered for a pass: the 16-bit copy of a full fine-tune, the frozen base as stored
  const weights = METHOD_TRAITS[s.method].trainsEveryWeight ? net.params * half : heldWeightBytes(model, s);
  const collectives: string[] = [];
  let perStep = 0; // bytes once per optimizer step, exposed but for the part the last backward hides
  let perStepHidden = 0;
  let perMicro = 0; // bytes every micro-step, hidden behind the backward (gradients) or all the compute (parameters)
  let perMicroHiddenBy = backward;
  if (!strategy.shards.gradients) {
    perStepHidden += ringBytes(strategy.shards.optimizer ? 'reduce-scatter' : 'all-reduce', gradients, n);
    collectives.push(strategy.shards.optimizer ? 'reduce-scatter of the gradients' : 'all-reduce of the gradients');
  } else {
    perMicro += ringBytes('reduce-scatter', gradients, n);
    collectives.push('reduce-scatter of the gradients every micro-step');
  }
  if (strategy.shards.parameters) {
    perMicro += 2 * ringBytes('all-gather', weights, n);
    perMicroHiddenBy = compute;
    collectives.push('all-gather of the parameters for every forward and backward');
  } else if (strategy.shards.optimizer) {
    perStep += ringBytes('all-gather', updated, n);
    collectives.push('all-gather of the updated parameters after each step');
  }
  let hostOptimizerSeconds = 0;
  let hostMicro = 0;
  if (strategy.offload.optimizer) {
    // each card's shard of gradients down and of updated parameters up, and the CPU's Adam step
    const hostBytes = (2 * updated) / n;
    hostOptimizerSeconds = hostBytes / (HOST_LINK_GBS * 1e9) + trainable / n / CPU_ADAM_PARAMS_PER_SECOND;
    collectives.push('gradients to host memory and parameters back, the optimizer step on the CPU');
  }
  if (strategy.offload.parameters) {
    // the card's parameter shard comes from the host for the forward and the backward
    hostMicro = (2 * weights) / n / (HOST_LINK_GBS * 1e9);
    collectives.push('parameter shards from host memory for every pass');
  }
  const micro = perMicro / bandwidth;
  const exposedSeconds =
    Math.max(0, micro + hostMicro - perMicroHiddenBy) +
    (perStep / bandwidth + Math.max(0, perStepHidden / bandwidth - backward)) / s.gradAccum;
  const link = [card.link, card.nodeLink].filter((l): l is Link => l !== null).map((l) => l.label);
  return {
    exposedSeconds,
    bytesPerStep: (perMicro + hostMicro * HOST_LINK_GBS * 1e9) * s.gradAccum + perStep + perStepHidden,
    hostOptimizerSeconds,
    collectives,
    effectiveGBs: bandwidth / 1e9,
    link: link.join(' and '),
  };
}

function dequantSecondsPerPass(quantized: number, s: TrainingSettings, gpu: GpuPerf): number {
  const packed = s.quantize === 'nf4' ? NF4_BITS / 8 : 1;
  return (quantized * (packed + 2 + 2)) / (gpu.bandwidthGBs * 1e9 * QUANTIZED_BASE_BANDWIDTH_SHARE);
}

/**
 * One forward pass without gradients over the micro-batch: its matmuls, the fixed cost of each
 * layer's kernels and, on a quantized base, the dequantization of every weight once.
 */
function forwardSeconds(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  const kind = kindOf(model);
  const util = UTILISATION[kind.utilisation(model)];
  return (
    kind.forwardFlops(model, s) / (matmulTflops(gpu, s.precision) * 1e12 * util) +
    kind.layerPasses(model) * LAYER_PASS_SECONDS +
    dequantSecondsPerPass(quantizedParams(kind.baseNetwork(model), s), s, gpu)
  );
}

/**
 * The forwards without gradients an objective adds per micro-batch (objectives.ts): the reference
 * model's log-probs of each sequence (DPO: chosen and rejected; KTO: the completion and its KL
 * completion), through the base with the adapters disabled or through the frozen copy, and KTO's
 * KL completion through the policy. Each costs a forward of the micro-batch's sequences. 0 for sft.
 */
export function referenceSeconds(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  const o = OBJECTIVE_TRAITS[s.objective];
  const forwards = o.policyForwards + (o.reference?.forwards ?? 0);
  return forwards ? forwards * forwardSeconds(model, s, gpu) : 0;
}

/**
 * Sampling the completions an objective trains on (GRPO), per micro-step: one generation batch of
 * batch x accumulation completions per optimizer step (TRL generation_batch_size), spread over its
 * micro-steps. The prompt (the sequence less the completion) is one forward; each of the
 * completion's tokens is a decoding step over the whole batch, which reads every weight and the
 * cache so far: memory-bandwidth bound while its matmuls (2 x params x batch FLOPs) take less
 * than those bytes over the card's bandwidth (the roofline), plus each layer's fixed kernel cost.
 * transformers' generate, TRL's default (use_vllm False); vLLM would batch and page far better.
 */
export function generationSeconds(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  const g = OBJECTIVE_TRAITS[s.objective].generation;
  if (!g) return 0;
  const kind = kindOf(model);
  const util = UTILISATION[kind.utilisation(model)];
  const rate = matmulTflops(gpu, s.precision) * 1e12 * util;
  const batch = generationBatch(s);
  const seqLen = s.seqLen ?? g.completionTokens;
  const completion = Math.min(g.completionTokens, seqLen);
  const prompt = seqLen - completion;
  const bandwidth = gpu.bandwidthGBs * 1e9;
  const prefill = prompt > 0 ? forwardSeconds(model, { ...s, batch, seqLen: prompt, meanSeqLen: null }, gpu) : 0;
  const kvPerToken = kind.kvCacheBytesPerToken(model) ?? 0;
  // bytes every decoding step reads: the weights, and the cache of the prompt and the tokens so far
  const bytes = completion * heldWeightBytes(model, s) + batch * kvPerToken * completion * (prompt + completion / 2);
  const flops = completion * kind.forwardFlops(model, { ...s, batch, seqLen: 1, meanSeqLen: null });
  const decode = Math.max(bytes / bandwidth, flops / rate) + completion * kind.layerPasses(model) * LAYER_PASS_SECONDS;
  return (prefill + decode) / s.gradAccum;
}

/** Hours of training: optimizer steps x accumulated micro-steps x step time. */
export function totalHours(s: TrainingSettings, step: StepTime): number {
  return (s.steps * s.gradAccum * step.stepSeconds) / 3600;
}

/**
 * Hours to generate the class images of prior preservation before training, as the DreamBooth
 * scripts do when class_data_dir holds fewer than num_class_images (diffusers
 * train_dreambooth.py: `pipeline(example["prompt"])`, the pipeline's default sampling, in half
 * precision): per image the denoiser's forward FLOPs x its evaluations at the training step's
 * share of the tensor peak. Sampling runs under torch.no_grad with no adapters, so the fixed
 * per-layer cost measured for training passes (LAYER_PASS_SECONDS) is not counted; no published
 * sampling time calibrates this (README, "How accurate"). 0 without class images.
 */
export function classImageHours(model: Model, s: TrainingSettings, gpu: GpuPerf): number {
  if (!s.priorPreservation || s.classImages === null) return 0;
  const kind = kindOf(model);
  const work = kind.classImageWork(model, s);
  if (!work) return 0;
  // the pipeline samples in half precision whatever the training precision
  const perEvaluation = work.flops / (matmulTflops(gpu, 'fp16') * 1e12 * UTILISATION[kind.utilisation(model)]);
  return (s.classImages * work.evaluations * perEvaluation) / 3600;
}
