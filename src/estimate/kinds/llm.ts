// Language models (decoder-only, and T5's encoder-decoder): activations per token and layer,
// forward FLOPs per token, the token stream the prompt methods attach to. Pure.
import type { LlmModel, Model } from '../../kb/types.js';
import { TARGETS } from '../../kb/vocabulary.js';
import { METHOD_TRAITS } from '../methods.js';
import { activationBytes } from '../precision.js';
import type { TrainingSettings } from '../settings.js';
import type { ModelKind } from './kind.js';
import {
  adaptedWeightElements,
  type LayerStack,
  llmActiveMatmulParams,
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
  // soft-capped attention keeps each layer's scores (see EAGER_SCORE_BYTES)
  const scores = a.attentionSoftcap ? s.batch * a.heads * seq * seq * EAGER_SCORE_BYTES : 0;
  for (const stack of llmStacks(model)) {
    const layer = llmLayerElementsPerToken(model, stack) * bytes * tokens + scores;
    largestLayer = Math.max(largestLayer, layer);
    kept += stack.count * (s.gradientCheckpointing ? tokens * a.hidden * bytes : layer);
  }
  if (s.gradientCheckpointing) kept += largestLayer;
  // a soft-capped head keeps its tanh output beside the capped logits
  const logits = tokens * a.vocab * (bytes * (a.finalLogitSoftcap ? 2 : 1) + LOSS_BYTES_PER_LOGIT);
  return kept + logits;
}

function forwardFlopsPerToken(model: LlmModel, s: TrainingSettings): number {
  const a = model.architecture;
  // the weights a token is multiplied by (an MoE token's experts only) and the output head; the embedding lookup is free
  const matmulParams = llmActiveMatmulParams(model);
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
  // A recipe's attention-mlp means the layers' linear modules (PEFT all-linear, axolotl
  // lora_target_linear); a mixture-of-experts model's routed experts are not among them (PEFT
  // needs target_parameters for them, axolotl lora_target_parameters; Unsloth and ms-swift leave
  // the router out: ../shared/reference/models-2026.md §2.3), so such a recipe adapts attention;
  // --targets attention-mlp adapts every expert.
  targetChoices: (model) => (model.architecture.moe ? TARGETS : TARGETS.filter((t) => t !== 'experts')),
  recipeTargets: (model, targets) => (model.architecture.moe && targets === 'attention-mlp' ? 'attention' : targets),
  shapeSetting: 'seqLen',
  runShape: (_model, recipe) => ({ resolution: null, seqLen: recipe.seqLen ?? DEFAULT_SEQ_LEN }),

  baseNetwork: (model) => {
    const split = llmParamSplit(model);
    return { params: model.params, linear: split.linear, experts: split.experts, width: model.architecture.hidden };
  },
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
  savers: new Set(['gradient-checkpointing', '8-bit-optimizer', 'bf16-weights', 'micro-batch-1']),

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

  assumptions: (model, s) => [
    ...moeAssumptions(model, s),
    s.meanSeqLen === null
      ? `every sequence ${s.seqLen} tokens long (packed, or --seq-len as the measured runs state it); --no-packing or --tokens-per-example for shorter examples`
      : `one example per sequence, about ${s.meanSeqLen} tokens computed of the ${s.seqLen}-token cut-off; memory sized for the longest (${s.seqLen})`,
    `logits and loss at ${activationBytes(s.precision) + LOSS_BYTES_PER_LOGIT} bytes per vocabulary entry per token, as transformers' cross-entropy keeps them; chunked or fused losses (torchtune, litgpt, Liger) keep less, and some trainers more`,
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

/** What a mixture-of-experts run resolves to: the experts resident, the compute of the active ones, where adapters and a quantized base reach. */
function moeAssumptions(model: LlmModel, s: TrainingSettings): string[] {
  const moe = model.architecture.moe;
  if (!moe) return [];
  const active = Number((llmActiveMatmulParams(model) / 1e9).toFixed(1));
  const out = [
    `mixture of experts: all ${moe.experts} experts of each MoE layer resident, each token computed through ${moe.perToken}${moe.shared ? ` and ${moe.shared} shared` : ''} (${active} B active weights)`,
    s.targets === 'attention-mlp' || s.targets === 'all'
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
