// Language models (decoder-only, and T5's encoder-decoder): activations per token and layer,
// forward FLOPs per token, the token stream the prompt methods attach to. Pure.
import type { LlmModel, Model } from '../../kb/types.js';
import { METHOD_TRAITS } from '../methods.js';
import { activationBytes } from '../precision.js';
import type { TrainingSettings } from '../settings.js';
import type { ModelKind } from './kind.js';
import {
  adaptedWeightElements,
  type LayerStack,
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
 * Bytes kept per attention score (batch x heads x sequence x sequence) by eager attention with
 * soft-capping, as transformers' Gemma 2 (eager_attention_forward, which its training warning asks
 * for) and litgpt's CausalSelfAttention ("with softcapping we cannot use SDPA") compute it: the tanh
 * output (2), the softmax output in fp32 (4) and its half-precision copy the value product keeps (2).
 */
export const EAGER_SCORE_BYTES = 8;

/**
 * Elements autograd keeps per token for one layer of a stack: norm in and out before attention
 * and MLP, q, k, v and the attention output; gate, up, activation and product of a gated MLP (up and
 * activation of a plain one); a T5 decoder layer adds its cross-attention's norm, q and output.
 */
export function llmLayerElementsPerToken(model: LlmModel, stack: LayerStack = llmStacks(model)[0]!): number {
  const a = model.architecture;
  const qd = a.heads * a.headDim;
  const mlp = a.mlp === 'plain' ? 2 * a.intermediate : 4 * a.intermediate;
  const cross = stack.crossAttention ? 2 * a.hidden + 2 * qd : 0;
  return 4 * a.hidden + 2 * qd + 2 * a.kvHeads * a.headDim + mlp + cross;
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
  // soft-capped attention keeps each layer's scores (see EAGER_SCORE_BYTES)
  const scores = a.attentionSoftcap ? s.batch * a.heads * seq * seq * EAGER_SCORE_BYTES : 0;
  for (const stack of llmStacks(model)) {
    const layer = llmLayerElementsPerToken(model, stack) * bytes * tokens + scores;
    largestLayer = Math.max(largestLayer, layer);
    kept += stack.count * (s.gradientCheckpointing ? tokens * a.hidden * bytes : layer);
  }
  if (s.gradientCheckpointing) kept += largestLayer;
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
      return tokens * a.vocab * (half + LOSS_BYTES_PER_LOGIT);
    case 'chunked':
      return (
        tokens * a.vocab * (half + LOG_SOFTMAX_BYTES + (LOSS_BYTES_PER_LOGIT - LOG_SOFTMAX_BYTES) / CHUNKED_LOSS_CHUNKS)
      );
    case 'fused':
      return tokens * a.hidden * bytes * FUSED_LOSS_HIDDEN_COPIES;
  }
}

/** What the assumptions say of the logits and the loss. */
function lossAssumption(s: TrainingSettings): string {
  const bytes = activationBytes(s.precision);
  switch (s.loss) {
    case 'full':
      return `logits and loss at ${bytes + LOSS_BYTES_PER_LOGIT} bytes per vocabulary entry per token, as transformers' cross-entropy keeps them; chunked or fused losses (torchtune, Liger, Unsloth) keep less`;
    case 'chunked':
      return `cross-entropy over ${CHUNKED_LOSS_CHUNKS} chunks of the logits, each upcast to fp32 in turn (torchtune's CEWithChunkedOutputLoss): ${bytes + LOG_SOFTMAX_BYTES + (LOSS_BYTES_PER_LOGIT - LOG_SOFTMAX_BYTES) / CHUNKED_LOSS_CHUNKS} bytes per vocabulary entry per token`;
    case 'fused':
      return 'fused linear cross-entropy (Liger, Unsloth): the logits never held whole, a chunk of about tokens x hidden at a time';
  }
}

function forwardFlopsPerToken(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  const split = llmParamSplit(model);
  const matmulParams = split.linear + a.vocab * a.hidden; // decoder layers + output head; the embedding lookup is free
  const seq = computedSequenceLength(s);
  const attention = 2 * seq * a.heads * a.headDim * llmLayerCount(model); // QK^T and AV, causal half: 4 x (s/2) x d x L
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
  shapeSetting: 'seqLen',
  runShape: (_model, recipe) => ({ resolution: null, seqLen: recipe.seqLen ?? DEFAULT_SEQ_LEN }),

  baseNetwork: (model) => ({
    params: model.params,
    linear: llmParamSplit(model).linear,
    width: model.architecture.hidden,
  }),
  trainableDims: (model) => {
    const a = model.architecture;
    return {
      fullParams: () => model.params,
      adapterParamsPerRank: (targets) => llmAdapterParamsPerRank(model, targets),
      outputFeatures: (targets) => llmOutputFeatures(model, targets),
      matrixWidth: a.hidden,
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
  checkpointParams: (model) => model.params,
  componentBytes: () => 0,
  savers: new Set(['fused-loss', 'gradient-checkpointing', '8-bit-optimizer', 'bf16-weights', 'micro-batch-1']),

  forwardFlops: (model, s) => s.batch * computedSequenceLength(s) * forwardFlopsPerToken(model, s),
  samplesPerStep: (s) => s.batch,
  classImageWork: () => null,
  throughputUnit: 'tokensPerSecond',
  throughputPerStep: (s) => s.batch * computedSequenceLength(s),
  layerPasses: llmLayerCount,
  utilisation: () => 'llm',
  materialisedDelta: (model, s) => ({
    elements: adaptedWeightElements(model, s.targets),
    tokens: s.batch * computedSequenceLength(s),
    utilisation: 'llm',
  }),

  assumptions: (_model, s) => [
    s.meanSeqLen === null
      ? `every sequence ${s.seqLen} tokens long (packed, or --seq-len as the measured runs state it); --no-packing or --tokens-per-example for shorter examples`
      : `one example per sequence, about ${s.meanSeqLen} tokens computed of the ${s.seqLen}-token cut-off; memory sized for the longest (${s.seqLen})`,
    lossAssumption(s),
  ],
  eagerAttention: (model) =>
    model.architecture.attentionSoftcap
      ? `soft-capped attention (cap ${model.architecture.attentionSoftcap}) runs eager: every layer keeps its sequence x sequence scores, as transformers and litgpt train ${model.name}`
      : null,

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

function isLlm(m: Model): m is LlmModel {
  return m.family === 'llm';
}
