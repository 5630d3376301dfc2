// Language models (decoder-only, and T5's encoder-decoder): activations per token and layer,
// forward FLOPs per token, the token stream the prompt methods attach to. Pure.
import type { LlmModel, Model } from '../../kb/types.js';
import { OBJECTIVES, TARGETS } from '../../kb/vocabulary.js';
import { METHOD_TRAITS } from '../methods.js';
import { activationBytes, computesInHalf } from '../precision.js';
import type { TrainingSettings } from '../settings.js';
import type { ModelKind } from './kind.js';
import {
  adaptedWeightElements,
  type LayerStack,
  llmActiveMatmulParams,
  llmActiveParamsWithEmbedding,
  llmAdapterParamsPerRank,
  llmLayerCount,
  llmOutputFeatures,
  llmParamSplit,
  llmParamTotal,
  llmStacks,
} from './llm-layers.js';

/** Tokens per sequence of a recipe that names none. */
export const DEFAULT_SEQ_LEN = 1024;

/**
 * Bytes per logit beyond the half-precision logits themselves, for the cross-entropy of a causal
 * LM in transformers (loss_utils.ForCausalLMLoss): the fp32 upcast (4), log-softmax output kept for
 * the backward pass (4) and its gradient (4); peak at the start of the backward pass.
 */
export const LOSS_BYTES_PER_LOGIT = 12;
/** Of LOSS_BYTES_PER_LOGIT, the fp32 log-softmax output autograd keeps for the backward pass. */
const LOG_SOFTMAX_BYTES = 4;
/**
 * torchtune's CEWithChunkedOutputLoss: the output projection emits the logits in 8 chunks along the
 * sequence (num_output_chunks: int = 8) and the loss upcasts "only one chunk at a time"
 * (pytorch/torchtune torchtune/modules/loss/ce_chunked_output_loss.py). Every chunk's
 * half-precision logits and the log-softmax its cross_entropy saves stay until the backward pass;
 * the fp32 upcast and the gradient exist for one chunk at a time.
 */
export const CHUNKED_LOSS_CHUNKS = 8;
/**
 * A fused linear cross-entropy never holds the logits: Liger's (linkedin/Liger-Kernel
 * src/liger_kernel/ops/fused_linear_cross_entropy.py) computes the loss and its gradients in the
 * forward pass chunk by chunk, sizing a chunk so that its logits are "approximately BT x H
 * elements regardless of vocabulary size" ("Bound transient logits to C x BT x H", C = 1), in the
 * input dtype with the gradient written in place, and keeps grad_input (BT x H) for the backward.
 * Unsloth's fused CE loss takes "hidden_states + lm_head.weight directly, skipping the lm_head
 * matmul and fp32 logits materialisation" (unslothai/unsloth-zoo
 * unsloth_zoo/fused_losses/forward_adapter.py) and sizes its chunks to the memory left (at most
 * 4 GB, cross_entropy_loss.py _CE_TARGET_GB_CAP): taken here at Liger's bound. So: two
 * half-precision tensors of tokens x hidden.
 */
export const FUSED_LOSS_HIDDEN_COPIES = 2;

/**
 * Bytes kept per attention score (batch x heads x sequence x sequence) by eager attention, as
 * transformers' eager_attention_forward computes it (`softmax(attn_weights, dim=-1,
 * dtype=torch.float32).to(query.dtype)` then `matmul(attn_weights, value_states)`): the softmax
 * output in fp32 its backward reads (4) and the half-precision copy the value product keeps (2).
 * The scaling, the mask addition and a dropout of p = 0 keep nothing. SDPA (which picks the flash
 * or memory-efficient kernel) and FlashAttention keep no scores: memory O(sequence).
 */
export const EAGER_SCORE_BYTES = 6;
/**
 * Soft-capping (Gemma 2, `attn_weights = tanh(attn_weights / softcap) * softcap`) adds the tanh
 * output its backward reads (2 bytes). Transformers' Gemma 2 asks for eager attention in training
 * and litgpt's CausalSelfAttention says "with softcapping we cannot use SDPA": a soft-capped model
 * runs eager whatever the trainer's default.
 */
export const SOFTCAP_SCORE_BYTES = 2;

/** Whether attention runs eager: asked for (--attention eager, a trainer's default) or forced by soft-capping. */
export function llmAttentionIsEager(model: LlmModel, s: TrainingSettings): boolean {
  return s.attention === 'eager' || model.architecture.attentionSoftcap !== undefined;
}

/** Scores one layer's eager attention computes per micro-batch (0 with a fused kernel). */
function llmScoresPerLayer(model: LlmModel, s: TrainingSettings): number {
  if (!llmAttentionIsEager(model, s)) return 0;
  const seq = llmSequenceLength(s);
  return s.batch * model.architecture.heads * seq * seq;
}

/**
 * Elements autograd keeps per token for one layer of a stack: norm in and out before attention
 * and MLP, q, k, v and the attention output; gate, up, activation and product of a gated MLP (up and
 * activation of a plain one); a T5 decoder layer adds its cross-attention's norm, q and output.
 */
export function llmLayerElementsPerToken(model: LlmModel, stack: LayerStack = llmStacks(model)[0]!): number {
  const a = model.architecture;
  const qd = a.heads * a.headDim;
  const cross = stack.crossAttention ? 2 * a.hidden + 2 * qd : 0;
  return 4 * a.hidden + 2 * qd + 2 * a.kvHeads * a.headDim + mlpElementsPerToken(model, stack) + cross;
}

/**
 * The MLP's share: gate, up, activation and product (up and activation of a plain MLP). A token
 * of an MoE layer keeps them for each expert it runs through, plus the copy of its hidden state
 * gathered for each routed expert and each expert's weighted output, as transformers' MoE blocks
 * compute them (Qwen3MoeSparseMoeBlock: `hidden_states[top_x]`, `expert_layer(current_state) *
 * routing_weights`), and the router's logits.
 */
function mlpElementsPerToken(model: LlmModel, stack: LayerStack): number {
  const a = model.architecture;
  const per = (width: number) => (a.mlp === 'plain' ? 2 : 4) * width;
  const e = stack.experts;
  if (!e || !a.moe) return per(a.intermediate);
  return (e.perToken + a.moe.shared) * per(a.moe.expertIntermediate) + 2 * e.perToken * a.hidden + e.count;
}

export function llmSequenceLength(s: TrainingSettings): number {
  // prompt tuning and p-tuning prepend their virtual tokens to every sequence
  const virtual = METHOD_TRAITS[s.method].virtualTokens;
  return (s.seqLen ?? DEFAULT_SEQ_LEN) + (virtual?.prepended ? (s.virtualTokens ?? virtual.default) : 0);
}

/** Tokens per sequence that the matmuls see: the mean length when known, else the full length. */
export function computedSequenceLength(s: TrainingSettings): number {
  const full = llmSequenceLength(s);
  return s.meanSeqLen !== null ? Math.min(full, s.meanSeqLen + (full - (s.seqLen ?? full))) : full;
}

function activationBytesOf(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  const seq = llmSequenceLength(s);
  const tokens = s.batch * seq;
  const bytes = activationBytes(s.precision);
  let kept = 0;
  let largestLayer = 0;
  // eager attention keeps each layer's scores (see EAGER_SCORE_BYTES); with gradient checkpointing
  // only the layer being recomputed holds them
  const scores = llmScoresPerLayer(model, s) * (EAGER_SCORE_BYTES + (a.attentionSoftcap ? SOFTCAP_SCORE_BYTES : 0));
  for (const stack of llmStacks(model)) {
    const layer = llmLayerElementsPerToken(model, stack) * bytes * tokens + scores;
    largestLayer = Math.max(largestLayer, layer);
    if (!s.gradientCheckpointing) kept += stack.count * layer;
  }
  // checkpointing keeps each layer's input and recomputes one layer at a time; offloaded (Unsloth),
  // the inputs wait in host memory and the GPU holds the one being moved back
  if (s.gradientCheckpointing)
    kept += (s.offloadCheckpoints ? tokens * a.hidden * bytes : checkpointBytesOf(model, s)) + largestLayer;
  return kept + logitsBytes(model, s);
}

/** Bytes the output head's logits and the loss keep at the peak, by how the trainer computes the loss. */
export function logitsBytes(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  const tokens = s.batch * llmSequenceLength(s);
  const bytes = activationBytes(s.precision);
  // a soft-capped head keeps its tanh output beside the capped logits
  const half = bytes * (a.finalLogitSoftcap ? 2 : 1);
  switch (s.loss) {
    case 'full':
      return tokens * a.vocab * (half + fullLossBytesPerLogit(model, s));
    case 'chunked':
      return (
        tokens * a.vocab * (half + LOG_SOFTMAX_BYTES + (LOSS_BYTES_PER_LOGIT - LOG_SOFTMAX_BYTES) / CHUNKED_LOSS_CHUNKS)
      );
    case 'fused':
      return tokens * a.hidden * bytes * FUSED_LOSS_HIDDEN_COPIES;
  }
}

/**
 * The cross-entropy's own bytes per logit over the whole logits: LOSS_BYTES_PER_LOGIT's three
 * tensors (the copy it runs on, the log-softmax output, its gradient) in fp32, or in the logits'
 * half precision where the model's code does not upcast (`lossUpcast: false`) and no autocast
 * does it for it (half precision without autocast; autocast runs cross_entropy in fp32, PyTorch's autocast op
 * reference "CUDA Ops that can autocast to float32").
 */
function fullLossBytesPerLogit(model: LlmModel, s: TrainingSettings): number {
  if (model.architecture.lossUpcast || !computesInHalf(s.precision)) return LOSS_BYTES_PER_LOGIT;
  return (LOSS_BYTES_PER_LOGIT / 4) * activationBytes(s.precision);
}

/** What the assumptions say of the logits and the loss. */
function lossAssumption(model: LlmModel, s: TrainingSettings): string {
  const bytes = activationBytes(s.precision);
  switch (s.loss) {
    case 'full':
      return model.architecture.lossUpcast || !computesInHalf(s.precision)
        ? `logits and loss at ${bytes + LOSS_BYTES_PER_LOGIT} bytes per vocabulary entry per token, as transformers' cross-entropy keeps them; chunked or fused losses (torchtune, Liger, Unsloth) keep less`
        : `logits and loss at ${bytes + fullLossBytesPerLogit(model, s)} bytes per vocabulary entry per token: the model's own code runs the cross-entropy in ${s.precision.replace('-master', '')} (no fp32 upcast)`;
    case 'chunked':
      return `cross-entropy over ${CHUNKED_LOSS_CHUNKS} chunks of the logits, each upcast to fp32 in turn (torchtune's CEWithChunkedOutputLoss): ${bytes + LOG_SOFTMAX_BYTES + (LOSS_BYTES_PER_LOGIT - LOG_SOFTMAX_BYTES) / CHUNKED_LOSS_CHUNKS} bytes per vocabulary entry per token`;
    case 'fused':
      return 'fused linear cross-entropy (Liger, Unsloth): the logits never held whole, a chunk of about tokens x hidden at a time';
  }
}

function checkpointBytesOf(model: LlmModel, s: TrainingSettings): number {
  return (
    s.batch * llmSequenceLength(s) * model.architecture.hidden * activationBytes(s.precision) * llmLayerCount(model)
  );
}

function forwardFlopsPerToken(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  // the weights a token is multiplied by (an MoE token's experts only) and the output head; the embedding lookup is free
  const matmulParams = llmActiveMatmulParams(model);
  const seq = computedSequenceLength(s);
  // QK^T and AV, causal half: 4 x (s/2) x d x L; eager attention multiplies the whole s x s
  // square and masks it afterwards, twice the work of the causal kernels that skip masked blocks
  const attention = (llmAttentionIsEager(model, s) ? 2 : 1) * 2 * seq * a.heads * a.headDim * llmLayerCount(model);
  return 2 * matmulParams + attention;
}

/** Decoder-only models in today's common layout (Llama 3, Qwen 2.5: GQA, SwiGLU, a 128-152 k vocabulary). */
const COMMON_LAYOUT = /^(llama-3|qwen2\.5-)/;

export const LLM_KIND: ModelKind<LlmModel> = {
  description: 'a language model',
  sizeLabel: (m) => `${Number((m.params / 1e9).toFixed(1))} B`,
  adjective: 'language',

  // transformers Trainer bf16=True with PEFT (adapters kept in fp32)
  defaultPrecision: 'mixed-bf16',
  defaultTargets: 'attention-mlp',
  // A recipe's attention-mlp means the layers' linear modules (PEFT all-linear, axolotl
  // lora_target_linear); a mixture-of-experts model's routed experts are not among them (PEFT
  // needs target_parameters for them, axolotl lora_target_parameters; Unsloth and ms-swift leave
  // the router out: ../shared/reference/models-2026.md §2.3), so such a recipe adapts attention;
  // --targets attention-mlp adapts every expert.
  targetChoices: (model) => (model.architecture.moe ? TARGETS : TARGETS.filter((t) => t !== 'experts')),
  recipeTargets: (model, targets) => (model.architecture.moe && targets === 'attention-mlp' ? 'attention' : targets),
  objectives: OBJECTIVES,
  shapeSetting: 'seqLen',
  runShape: (_model, recipe) => ({
    resolution: null,
    width: null,
    seqLen: recipe.seqLen ?? DEFAULT_SEQ_LEN,
    frames: null,
  }),
  hasFrames: false,
  swappableBlocks: () => 0,
  resolutionStep: () => null,

  baseNetwork: (model) => {
    const split = llmParamSplit(model);
    const a = model.architecture;
    const layer = (model.params - split.embeddings) / a.layers;
    return {
      params: model.params,
      linear: split.linear,
      experts: split.experts,
      width: a.hidden,
      shardUnit: Math.max(layer, a.vocab * a.hidden),
      blockParams: layer,
      rootParams: split.embeddings,
    };
  },
  trainableDims: (model) => {
    const a = model.architecture;
    return {
      fullParams: () => model.params,
      adaptedMatrices: (s) => [
        {
          perRank: llmAdapterParamsPerRank(model, s.targets),
          outputs: llmOutputFeatures(model, s.targets),
          width: a.hidden,
        },
      ],
      tokenStream: {
        hidden: a.hidden,
        layers: llmLayerCount(model),
        kvHeads: a.kvHeads,
        headDim: a.headDim,
        intermediate: a.intermediate,
      },
      textConditioning: null,
    };
  },
  activationBytes: activationBytesOf,
  checkpointBytes: checkpointBytesOf,
  checkpointParams: (model) => model.params,
  componentBytes: () => 0,
  savers: new Set(['fused-loss', 'gradient-checkpointing', '8-bit-optimizer', 'bf16-weights', 'micro-batch-1']),

  forwardFlops: (model, s) => s.batch * computedSequenceLength(s) * forwardFlopsPerToken(model, s),
  samplesPerStep: (s) => s.batch,
  classImageWork: () => null,
  throughputUnit: 'tokensPerSecond',
  throughputPerStep: (_model, s) => s.batch * computedSequenceLength(s),
  // every layer caches a key and a value of kvHeads x headDim per token, in bf16 (transformers'
  // DynamicCache in the model's half-precision compute dtype)
  kvCacheBytesPerToken: (model) =>
    llmLayerCount(model) * 2 * model.architecture.kvHeads * model.architecture.headDim * 2,
  layerPasses: llmLayerCount,
  utilisation: () => 'llm',
  materialisedDelta: (model, s) => ({
    elements: adaptedWeightElements(model, s.targets),
    tokens: s.batch * computedSequenceLength(s),
    utilisation: 'llm',
  }),

  assumptions: (model, s) => [
    ...moeAssumptions(model, s),
    s.meanSeqLen === null
      ? `every sequence ${s.seqLen} tokens long (packed, or --seq-len as the measured runs state it); --no-packing or --tokens-per-example for shorter examples`
      : `one example per sequence, about ${s.meanSeqLen} tokens computed of the ${s.seqLen}-token cut-off; memory sized for the longest (${s.seqLen})`,
    lossAssumption(model, s),
  ],
  eagerAttention: (model, s) => {
    const cap = model.architecture.attentionSoftcap;
    if (cap)
      return `soft-capped attention (cap ${cap}) runs eager: every layer keeps its sequence x sequence scores (${EAGER_SCORE_BYTES + SOFTCAP_SCORE_BYTES} bytes each with the tanh output), as transformers and litgpt train ${model.name}`;
    return s.attention === 'eager'
      ? `eager attention: every layer keeps its sequence x sequence scores (${EAGER_SCORE_BYTES} bytes each: fp32 softmax and its half copy, as transformers' eager_attention_forward), over the whole square; --attention sdpa keeps none`
      : null;
  },
  attentionScores: (model, s) => llmScoresPerLayer(model, s) * llmLayerCount(model),
  // eager_attention_forward, per score: forward the QK^T product written (2), scaled (read 2, write
  // 2), masked (2 + 2), the fp32 softmax (2 + 4), its half copy (4 + 2) and the value product's read
  // (2) = 24; backward the probabilities' gradient (2) and re-read (2), the cast (2 + 4), the softmax
  // backward (4 + 4 + 2), the scaling (2 + 2) and the two products reading the scores' gradient (4) = 28
  eagerScoreTraffic: () => ({ forward: 24, backward: 28 }),

  // Decoder-only language models in today's common layout are the templates when there are any;
  // an unknown model is most likely one.
  scalingTemplates: (models) => {
    const decoderOnly = models.filter((m): m is LlmModel => isLlm(m) && !m.architecture.decoderLayers);
    const common = decoderOnly.filter((m) => COMMON_LAYOUT.test(m.id));
    return common.length ? common : decoderOnly;
  },
  scaled: (template, billions, identity) => {
    const target = billions * 1e9;
    const split = llmParamSplit(template);
    const perLayer = (llmParamTotal(template) - split.embeddings) / template.architecture.layers;
    const layers = Math.max(1, Math.round((target - split.embeddings) / perLayer));
    const scaled: LlmModel = {
      ...template,
      id: identity.id,
      aliases: [],
      notes: identity.notes,
      name: `a ${Number(billions.toFixed(2))} B language model (layout of ${template.name}, ${layers} layers)`,
      architecture: { ...template.architecture, layers },
    };
    return { ...scaled, params: llmParamTotal(scaled) };
  },
};

/** What a mixture-of-experts run resolves to: the experts resident, the compute of the active ones, where adapters and a quantized base reach. */
function moeAssumptions(model: LlmModel, s: TrainingSettings): string[] {
  const moe = model.architecture.moe;
  if (!moe) return [];
  const active = Number((llmActiveMatmulParams(model) / 1e9).toFixed(2));
  const withEmbedding = Number((llmActiveParamsWithEmbedding(model) / 1e9).toFixed(2));
  const out = [
    `mixture of experts: all ${moe.experts} experts of each MoE layer resident, each token computed through ${moe.perToken}${moe.shared ? ` and ${moe.shared} shared` : ''} (${active} B active weights in the matmuls${withEmbedding !== active ? `, ${withEmbedding} B with the input embedding` : ''})`,
    s.targets === 'attention-mlp' || s.targets === 'qvo-mlp' || s.targets === 'all' || s.targets === 'experts'
      ? `adapters on every expert (${moe.experts} per MoE layer), as PEFT target_parameters or axolotl lora_target_parameters put them`
      : 'adapters leave the routed experts out, as the trainers do unless told (--targets attention-mlp adapts every expert)',
  ];
  if (s.quantize !== 'none')
    out.push(
      s.quantizesExperts
        ? `the ${s.quantize} base reaches the experts too (${s.trainer})`
        : `the ${s.quantize} base leaves the experts in 16-bit: Transformers v5 stores them as fused parameters that bitsandbytes cannot quantize (axolotl docs, expert_quantization)`,
    );
  return out;
}

function isLlm(m: Model): m is LlmModel {
  return m.family === 'llm';
}
