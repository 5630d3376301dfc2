// The assumptions behind an estimate, in words, so the output can list them. Pure.
import type { Model, Trainer } from '../kb/types.js';
import type { Strategy } from '../kb/vocabulary.js';
import { type Backend, type BackendChange, backendChangeText, BACKENDS } from './backend.js';
import { cardSetAssumptions, hostMemoryOf } from './card.js';
import type { Card } from './fit.js';
import { kindOf } from './kinds/index.js';
import {
  CUDA_CONTEXT_GIB,
  estimateMemory,
  FRAGMENTATION,
  generationBatch,
  generationCacheBytes,
  GiB,
  type MemoryEstimate,
  referenceCopyBytes,
  unquantizedBaseBytes,
} from './memory.js';
import { METHOD_TRAITS } from './methods.js';
import { GRPO_GENERATIONS, OBJECTIVE_TRAITS } from './objectives.js';
import { STRATEGY_TRAITS, strategyTraits } from './parallel.js';
import { hasMasterCopy, isHalf, isMixed, type PrecisionChange } from './precision.js';
import type { TrainingSettings } from './settings.js';
import { savedPrecision } from './size.js';
import { generationSeconds, type GpuPerf, matmulTflops, referenceSeconds, type StepTime, UTILISATION } from './time.js';

export function describeAssumptions(
  model: Model,
  s: TrainingSettings,
  card: Card | null,
  given: string[],
  precisionChange: PrecisionChange | null = null,
  backendChanges: readonly BackendChange[] = [],
): string[] {
  const out: string[] = [];
  if (precisionChange && card) out.push(precisionChangeText(precisionChange, card.name, card.backend));
  if (card) out.push(...backendChanges.map((c) => backendChangeText(c, card.name)), ...BACKENDS[card.backend].notes);
  const fromDefaults = ['batch', 'rank', 'targets', 'precision', 'optimizer', 'steps', 'resolution', 'seqLen'].filter(
    (k) => !given.includes(k) && (s as unknown as Record<string, unknown>)[k] !== null,
  );
  if (fromDefaults.length)
    out.push(`not given, from the technique's defaults for ${model.group}: ${fromDefaults.join(', ')}`);
  if (!given.includes('gradientCheckpointing'))
    out.push(`gradient checkpointing ${s.gradientCheckpointing ? 'on' : 'off'} (not given)`);
  if (s.gradientCheckpointing && s.offloadCheckpoints)
    out.push(
      `checkpoints offloaded to CPU memory (${s.trainer ?? 'the trainer'}'s): the GPU holds one layer's; the copies overlap the compute, time is added only when they outlast it`,
    );
  const kind = kindOf(model);
  out.push(...objectiveAssumptions(model, s, card));
  out.push(...kind.assumptions(model, s, given));
  out.push(
    kind.eagerAttention(model, s) ??
      (s.attention === 'flash'
        ? 'activations in half precision; FlashAttention keeps no sequence x sequence scores'
        : 'activations in half precision; PyTorch SDPA picks a flash or memory-efficient kernel and keeps no sequence x sequence scores'),
  );
  if (!METHOD_TRAITS[s.method].trainsEveryWeight) {
    out.push(
      `frozen base in ${frozenBaseText(s)}; trained parameters ${isHalf(s.precision) ? 'in half precision' : hasMasterCopy(s.precision) ? 'in half precision with fp32 master copies in the optimizer' : 'in fp32'}`,
    );
  } else if (isMixed(s.precision)) {
    out.push(
      'mixed precision: fp32 master weights and gradients plus the half-precision copy autocast keeps for the backward pass',
    );
  }
  if (hasMasterCopy(s.precision))
    out.push(
      `${s.precision}: the model in ${s.precision.slice(0, 4)} with fp32 master weights in the optimizer and no autocast (DeepSpeed's ${s.precision.slice(0, 4)} engine): half- and fp32 gradients, every op in ${s.precision.slice(0, 4)} unless the model's code upcasts it`,
    );
  out.push(savedPrecisionText(s, given));
  out.push(
    `CUDA context ${CUDA_CONTEXT_GIB} GiB and ${FRAGMENTATION * 100}% allocator slack on everything but the base weights`,
  );
  if (!card) out.push('no GPU given: no time estimate (pass --gpu or --vram)');
  else {
    if (card.speedFrom) out.push(`speed of ${card.speedFrom}, a typical card with this memory`);
    out.push(...cardSetAssumptions(card));
    out.push(
      s.precision === 'fp32'
        ? `utilisation ${UTILISATION[kind.utilisation(model)]} of the card's FP32 rate (${matmulTflops(card, s.precision)} TFLOPS; PyTorch keeps TF32 off for matmuls)`
        : `utilisation ${UTILISATION[kind.utilisation(model)]} of the card's sustained fp16/bf16 matmul rate (${matmulTflops(card, s.precision)} TFLOPS${sustainedOfPeak(card)})`,
    );
    if (!card.bf16 && s.precision.includes('bf16'))
      out.push(
        `${card.name} has no native bf16: use fp16 with loss scaling (same speed) or expect emulated bf16 to be much slower`,
      );
  }
  if (s.gradAccum > 1)
    out.push(`step time is per micro-batch of ${s.batch}; an optimizer step accumulates ${s.gradAccum} of them`);
  return out;
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
const secs = (seconds: number) => `${seconds.toFixed(2)} s`;

/**
 * What a preference or RL objective adds, in words (objectives.ts): the sequences each example
 * runs, the reference model and what it costs, the completions sampled. None for sft.
 */
export function objectiveAssumptions(model: Model, s: TrainingSettings, card: GpuPerf | null): string[] {
  const o = OBJECTIVE_TRAITS[s.objective];
  if (!o.reference && !o.generation && o.trainedSequences === 1 && o.policyForwards === 0) return [];
  const out: string[] = [];
  const head = `objective ${s.objective} (TRL ${o.trainer}): each example is ${o.example}`;
  if (o.trainedSequences > 1)
    out.push(
      `${head}; its ${o.trainedSequences} sequences run in one batch, so activations and compute are those of ${o.trainedSequences} x --batch sequences`,
    );
  else if (o.generation)
    out.push(
      `${head}; ${GRPO_GENERATIONS} completions sampled per prompt (num_generations), each up to ${Math.min(o.generation.completionTokens, s.seqLen ?? o.generation.completionTokens)} tokens (max_completion_length ${o.generation.completionTokens}) of the ${s.seqLen}-token sequence; every completion is a training sequence, so --examples counts prompts, ${GRPO_GENERATIONS} samples each`,
    );
  else out.push(head);
  if (o.policyForwards)
    out.push(
      `the KL term's mismatched completion runs through the model without gradient (TRL loss_type "kto"), which needs --batch 2 or more`,
    );
  const adapter = !METHOD_TRAITS[s.method].trainsEveryWeight;
  const forwardTime = card ? `: ${secs(referenceSeconds(model, s, card))} of each step` : '';
  if (o.reference)
    out.push(
      adapter
        ? `reference log-probs from the base with the adapters disabled (TRL with a PEFT model and ref_model=None): no second copy of the weights, ${o.reference.forwards + o.policyForwards} forwards without gradient per example${forwardTime}`
        : `reference model: a second frozen copy of the weights in the training dtype (${gib(referenceCopyBytes(model, s))}), ${o.reference.forwards + o.policyForwards} forwards without gradient per example${forwardTime}; TRL's precompute_ref_log_probs=True computes them before training and frees the copy`,
    );
  else if (!o.generation) out.push(`no reference model (${o.trainer} needs none)`);
  if (o.generation) {
    out.push(
      `sampling: ${generationBatch(s)} completions per optimizer step (TRL generation_batch_size = batch x accumulation) with transformers' generate (use_vllm off), each token bound by reading the weights and the cache at the card's bandwidth${card ? `: ${secs(generationSeconds(model, s, card))} of each step` : ''}; their KV cache ${gib(generationCacheBytes(model, s))}, held while sampling, when the activations are not (the peak counts what it exceeds them by)`,
      `no reference model: TRL GRPOConfig beta defaults to 0.0, which does not load one (beta > 0 adds one as for DPO)`,
    );
  }
  return out;
}

/** The sentence for a recipe's bf16 run as fp16 on a card without bf16 (estimate and recommend say it alike). */
export function precisionChangeText(change: PrecisionChange, cardName: string, backend: Backend = 'cuda'): string {
  // MPS: bf16 needs macOS 14 (pytorch/pytorch#119641) and is emulated on M1/M2 GPUs (huggingface/transformers#40458)
  const why =
    backend === 'mps'
      ? 'it is emulated on Apple M1/M2 GPUs; native from M3, on macOS 14 or later'
      : 'it needs compute capability 8.0, Ampere or newer';
  // fp32 where the trainer cannot state fp16 mixed precision for the run (writtenPrecisions)
  const to =
    change.to === 'fp32'
      ? 'fp32 (the trainer states no fp16 mixed precision for it)'
      : `${change.to} with loss scaling`;
  return `${to} instead of the recipe's ${change.from}: ${cardName} has no bf16 (${why})`;
}

/** Which dtype the output file is written in, and whose choice that is. */
function savedPrecisionText(s: TrainingSettings, given: readonly string[]): string {
  const { dtype } = savedPrecision(s);
  if (given.includes('savePrecision')) return `output saved in ${dtype} (--save-precision)`;
  if (s.savePrecision) return `output saved in ${dtype}, ${s.trainer}'s default (--save-precision to change)`;
  return METHOD_TRAITS[s.method].savedAs === 'half-precision checkpoint'
    ? `checkpoint saved in ${dtype}, as full checkpoints are shared (--save-precision to change)`
    : `output saved in ${dtype}, the trained weights' dtype (--save-precision to change)`;
}

/** What a trainer sets over the recipe, in words (trainers.yaml: its loss, attention, checkpointing, saved dtype and defaults). */
export function trainerChanges(t: Trainer): string[] {
  const out: string[] = [];
  if (t.gradientCheckpointing)
    out.push(
      t.gradientCheckpointing === 'offloaded'
        ? 'gradient checkpointing on, offloaded to CPU memory'
        : t.gradientCheckpointing === 'several-cards'
          ? 'gradient checkpointing on several cards only (no option for it on one)'
          : `gradient checkpointing ${t.gradientCheckpointing}`,
    );
  if (t.loss) out.push(t.loss === 'chunked' ? 'a chunked cross-entropy' : 'the full-logits cross-entropy');
  if (t.attention) out.push(`${t.attention} attention`);
  if (t.savePrecision) out.push(`saves in ${t.savePrecision}`);
  if (t.defaults?.precision) out.push(`precision ${t.defaults.precision}`);
  if (t.defaults?.quantize) out.push(`an adapter base in ${t.defaults.quantize}`);
  if (t.defaults?.cache !== undefined) out.push(t.defaults.cache ? 'latents cached' : 'latents not cached');
  return out;
}

/** A strategy's name as the answer says it. */
export const STRATEGY_NAMES: Record<Strategy, string> = {
  ddp: 'DDP (everything replicated on every card)',
  zero1: 'DeepSpeed ZeRO-1 (optimizer states sharded)',
  zero2: 'DeepSpeed ZeRO-2 (optimizer states and gradients sharded)',
  zero3: 'DeepSpeed ZeRO-3 (optimizer states, gradients and parameters sharded)',
  'zero3-offload': 'DeepSpeed ZeRO-3 with CPU offload (states and parameters in host memory)',
  'fsdp-grad-op': 'FSDP SHARD_GRAD_OP (optimizer states and gradients sharded)',
  fsdp: 'FSDP FULL_SHARD (optimizer states, gradients and parameters sharded)',
  'fsdp-offload': 'FSDP FULL_SHARD with CPU offload (parameters in host memory, the optimizer step on the CPU)',
  'fsdp-qlora': 'FSDP-QLoRA (the 4-bit base sharded over the cards)',
  'fsdp-qlora-offload': 'FSDP-QLoRA with CPU offload (the 4-bit shards in host memory)',
};

/** A strategy's name without what it shards ("DeepSpeed ZeRO-3", "FSDP-QLoRA with CPU offload"). */
export const strategyShortName = (strategy: Strategy) => STRATEGY_NAMES[strategy].replace(/ \(.*\)$/, '');

/** What one card would hold and what each card holds once the strategy shards the run. */
function cardShares(model: Model, s: TrainingSettings, memory: MemoryEstimate): { single: number; held: string } {
  const single = estimateMemory(model, { ...s, cards: 1, strategy: null });
  const whole = (part: string) => single.breakdown.find((p) => p.part === part)?.gib ?? 0;
  const mine = (part: string) => memory.breakdown.find((p) => p.part === part)?.gib ?? 0;
  // the parts that matter to the total: a LoRA's gradients of 0.4 GiB beside a 38 GiB base are left out
  const sharded = (['base weights', 'gradients', 'optimizer states'] as const).filter(
    (p) => whole(p) >= Math.max(0.05, single.peakGiB * 0.05) && mine(p) < whole(p) * 0.99,
  );
  const name = (p: string) =>
    p === 'base weights' && s.quantize !== 'none' ? `the ${QUANTIZED_BASE_NAMES[s.quantize]} base weights` : `the ${p}`;
  const fraction = s.cards === 2 ? 'half' : `1/${s.cards}`;
  // parameters offloaded: each card's shard waits in host memory and comes in for each pass
  const { offload } = STRATEGY_TRAITS[s.strategy!];
  // the optimizer offloaded: its states and the gradients it steps wait in host memory, the step on the CPU
  const share = (p: string) =>
    offload.parameters && p === 'base weights'
      ? `${name(p)}' ${gib(whole(p) * GiB)}: each card's ${fraction} (${gib((whole(p) / s.cards) * GiB)}) in host memory, brought in for every pass`
      : offload.optimizer && p !== 'base weights'
        ? `${name(p)}' ${gib(whole(p) * GiB)}: each card's ${fraction} in host memory, where the optimizer steps`
        : `${name(p)}' ${gib(whole(p) * GiB)}: ${gib(mine(p) * GiB)} per card${p === 'base weights' ? ` (${fraction})` : ''}`;
  const held = sharded.length
    ? `each card holds ${gib(memory.peakGiB * GiB)} (${sharded.map(share).join('; ')})`
    : `each card holds ${gib(memory.peakGiB * GiB)}, everything replicated`;
  return { single: single.peakGiB, held };
}

/** A quantized base as the answer names it. */
const QUANTIZED_BASE_NAMES = { fp8: 'FP8 (8-bit)', int8: 'INT8 (8-bit)', nf4: 'NF4 (4-bit)' } as const;

/**
 * How several cards share the run, in words: the strategy, what each card holds of what one card
 * would hold ("the base weights' 130.4 GiB: 16.3 GiB per card"), the collectives over the link and
 * the time they add, and the host memory offload takes. Empty on one card.
 */
export function describeStrategy(
  model: Model,
  s: TrainingSettings,
  memory: MemoryEstimate,
  step: StepTime | null,
  card: Pick<Card, 'nodes' | 'cards' | 'vramGiB' | 'hostGiB'> | null,
): string[] {
  if (!strategyTraits(s.strategy, s.cards) || !s.strategy) return [];
  const { single, held } = cardShares(model, s, memory);
  const nodes = card?.nodes ?? 1;
  const where = nodes > 1 ? `${s.cards} cards on ${nodes} nodes` : `${s.cards} cards`;
  const out = [`${where}, ${STRATEGY_NAMES[s.strategy]}: one card would hold ${gib(single * GiB)}; ${held}`];
  if (memory.hostGiB > 0) {
    const need = memory.hostGiB / nodes;
    const host = card ? hostMemoryOf(card) : null;
    const has = host
      ? `; the node has ${gib(host.gib * GiB)}${host.given ? ' (--host-ram)' : ", taken as twice its cards' memory (--host-ram GB to give yours)"}${need > host.gib ? ': NOT ENOUGH, the run cannot offload there' : ''}`
      : '';
    out.push(
      `offload: ${gib(need * GiB)} of host memory per node (with DeepSpeed's x1.5 estimate of its buffers)${has}`,
    );
  }
  const c = step?.communication;
  if (c)
    out.push(
      `communication over ${c.link} at ${c.effectiveGBs.toFixed(0)} GB/s (NCCL's measured share of the link): ${c.collectives.join('; ')}; ${(c.bytesPerStep / 1e9).toFixed(1)} GB per card per optimizer step, ${c.exposedSeconds.toFixed(2)} s per micro-step beyond the compute it overlaps${c.hostOptimizerSeconds ? `, ${c.hostOptimizerSeconds.toFixed(1)} s per step for the CPU optimizer` : ''}`,
    );
  return out;
}

/**
 * Why the run uses its strategy, in one line for the explanation: what one card would need
 * against what it has, and what each card holds once sharded ("DeepSpeed ZeRO-3 (...): one card
 * would need 312.4 GiB of 71.3 GiB usable; sharded 8 ways, each card holds 30.9 GiB (the base
 * weights' 130.4 GiB: 16.3 GiB per card; ...)"). Null on one card.
 */
export function strategyWhy(
  model: Model,
  s: TrainingSettings,
  memory: MemoryEstimate,
  limitGiB: number,
): string | null {
  if (!strategyTraits(s.strategy, s.cards) || !s.strategy) return null;
  const { single, held } = cardShares(model, s, memory);
  if (single <= limitGiB && s.strategy === 'ddp')
    return `${STRATEGY_NAMES.ddp}: the run fits one card (${gib(single * GiB)} of ${gib(limitGiB * GiB)} usable), so each of the ${s.cards} cards trains its own micro-batch`;
  // one card would hold the run, but not DDP's copy of it: its gradient buckets are a second copy of the gradients
  const ddp = single <= limitGiB ? estimateMemory(model, { ...s, strategy: 'ddp' }).peakGiB : 0;
  const need =
    single > limitGiB
      ? `one card would need ${gib(single * GiB)} of ${gib(limitGiB * GiB)} usable`
      : ddp > limitGiB
        ? `DDP would need ${gib(ddp * GiB)} per card of ${gib(limitGiB * GiB)} usable (one card's ${gib(single * GiB)} and its gradient buckets, a second copy of the gradients)`
        : `one card would hold ${gib(single * GiB)}`;
  return `${STRATEGY_NAMES[s.strategy]}: ${need}; sharded ${s.cards} ways, ${held}`;
}

/** The frozen base's storage as the memory counts it: quantized linear layers, and the rest in the dtype held (unquantizedBaseBytes). */
function frozenBaseText(s: TrainingSettings): string {
  const rest = unquantizedBaseBytes(s) === 4 ? 'fp32' : '16-bit';
  // DeepSpeed's engine casts what was loaded in fp32 (unquantizedBaseBytes)
  const cast = s.baseDtype === 'fp32' && rest !== 'fp32' ? ', cast from the fp32 it was loaded in by DeepSpeed' : '';
  const loaded = s.baseDtype === 'fp32' && rest === 'fp32' ? ' as loaded (--base-dtype)' : '';
  if (s.quantize !== 'none') return `${s.quantize} (linear layers; the rest in ${rest}${loaded}${cast})`;
  return `${rest}${loaded}${cast}`;
}

/**
 * How a measured matmul rate stands to the datasheet's: a share of the peak, or above it where
 * the card boosts past its rated clock (the RTX 4090's 165.7 measured against 165.2 at 2.52 GHz).
 */
function sustainedOfPeak(card: GpuPerf): string {
  if (!card.sustainedTflops) return '';
  return card.sustainedTflops > card.tflops
    ? `, measured; the datasheet's ${card.tflops} is at the rated boost clock`
    : `, of a ${card.tflops} peak`;
}
