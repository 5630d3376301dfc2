// The linear layers of a language model from its architecture: the matrices of each layer stack,
// the parameter split quantizers see, the total the knowledge base's `params` must match, and the
// matrices an adapter targets. Pure.
import type { LlmModel } from '../../kb/types.js';
import type { Targets } from '../../kb/vocabulary.js';

interface Matrix {
  dIn: number;
  dOut: number;
}

/** The linear layers of one transformer layer, grouped the way --targets names them. */
export interface LayerMatrices {
  qv: Matrix[];
  /** q, v and the output projection (torchtune's lora_attn_modules default: no k_proj) */
  qvo: Matrix[];
  attention: Matrix[];
  mlp: Matrix[];
}

/**
 * The experts of a mixture-of-experts layer: every routed expert is resident, each token runs
 * through `perToken` of them, the shared experts and the router.
 */
export interface ExpertMatrices {
  count: number;
  perToken: number;
  /** one routed expert's matrices */
  expert: Matrix[];
  /** the shared experts' matrices */
  shared: Matrix[];
  router: Matrix;
}

/**
 * A stack of identical layers: the decoder of a decoder-only model, or the encoder and decoder of
 * T5; a mixture-of-experts model has a stack of MoE layers (and one of dense layers where only
 * every n-th layer is MoE). In an MoE stack `mlp` holds every expert's matrices and the shared
 * experts' (what is resident and what attention-mlp adapts), `experts` what a token runs through.
 */
export interface LayerStack extends LayerMatrices {
  count: number;
  crossAttention: boolean;
  experts?: ExpertMatrices;
}

function attentionMatrices(model: LlmModel): Pick<LayerMatrices, 'qv' | 'qvo' | 'attention'> {
  const a = model.architecture;
  const h = a.hidden;
  const qd = a.heads * a.headDim;
  const kvd = a.kvHeads * a.headDim;
  if (a.fusedQkv) {
    // one fused q,k,v projection (Phi-3 qkv_proj, Qwen c_attn, BLOOM query_key_value); --targets qv adapts it
    // (and with the output projection, qvo-mlp: the fused projection holds k too)
    const qkv = { dIn: h, dOut: qd + 2 * kvd };
    const o = { dIn: qd, dOut: h };
    return { qv: [qkv], qvo: [qkv, o], attention: [qkv, o] };
  }
  const q = { dIn: h, dOut: qd };
  const v = { dIn: h, dOut: kvd };
  const o = { dIn: qd, dOut: h };
  return { qv: [q, v], qvo: [q, v, o], attention: [q, { dIn: h, dOut: kvd }, v, o] };
}

function mlpMatrices(model: LlmModel, I: number = model.architecture.intermediate): Matrix[] {
  const { hidden: h, mlp, fusedGateUp } = model.architecture;
  if (mlp === 'plain')
    return [
      { dIn: h, dOut: I },
      { dIn: I, dOut: h },
    ];
  // Phi-3 fuses gate and up into one gate_up_proj
  if (fusedGateUp)
    return [
      { dIn: h, dOut: 2 * I },
      { dIn: I, dOut: h },
    ];
  return [
    { dIn: h, dOut: I },
    { dIn: h, dOut: I },
    { dIn: I, dOut: h },
  ];
}

export function llmStacks(model: LlmModel): LayerStack[] {
  const a = model.architecture;
  const attn = attentionMatrices(model);
  const mlp = mlpMatrices(model);
  const self: LayerStack = { count: a.layers, crossAttention: false, ...attn, mlp };
  if (a.moe) return moeStacks(model, self);
  if (!a.decoderLayers) return [self];
  // T5 decoder layers: self-attention, cross-attention (another q, k, v, o) and the MLP
  return [
    self,
    {
      count: a.decoderLayers,
      crossAttention: true,
      qv: [...attn.qv, ...attn.qv],
      qvo: [...attn.qvo, ...attn.qvo],
      attention: [...attn.attention, ...attn.attention],
      mlp,
    },
  ];
}

/**
 * The layers of a mixture-of-experts decoder: every `every`-th layer's MLP is `experts` routed
 * experts of `expertIntermediate` (gated, like the dense MLP) plus `shared` always-on experts of
 * the same width and a router (hidden -> experts); the other layers keep the dense MLP
 * (models-2026.md §2.2: per MoE layer attention + norms + router + E x expert + shared).
 */
function moeStacks(model: LlmModel, dense: LayerStack): LayerStack[] {
  const a = model.architecture;
  const moe = a.moe!;
  const expert = mlpMatrices(model, moe.expertIntermediate);
  const shared = Array.from({ length: moe.shared }, () => expert).flat();
  const experts: ExpertMatrices = {
    count: moe.experts,
    perToken: moe.perToken,
    expert,
    shared,
    router: { dIn: a.hidden, dOut: moe.experts },
  };
  const moeLayers = Math.floor(a.layers / moe.every);
  const stack: LayerStack = {
    ...dense,
    count: moeLayers,
    mlp: [...Array.from({ length: moe.experts }, () => expert).flat(), ...shared],
    experts,
  };
  return moeLayers === a.layers ? [stack] : [{ ...dense, count: a.layers - moeLayers }, stack];
}

/** The MLP matrices a token runs through in a layer of the stack: the routed experts it picks, the shared ones and the router. */
export function activeMlpMatrices(stack: LayerStack): Matrix[] {
  const e = stack.experts;
  if (!e) return stack.mlp;
  return [...Array.from({ length: e.perToken }, () => e.expert).flat(), ...e.shared, e.router];
}

function targetMatrices(stack: LayerStack, targets: Targets): Matrix[] {
  switch (targets) {
    case 'qv':
      return stack.qv;
    case 'attention':
      return stack.attention;
    // an MoE stack's mlp is every expert's matrices and the shared experts'
    case 'qvo-mlp':
      return [...stack.qvo, ...stack.mlp];
    case 'attention-mlp':
    case 'all':
    case 'experts':
      return [...stack.attention, ...stack.mlp];
  }
}

/** Matrices outside the layers that --targets all also adapts: the embedding and an untied output head. */
function extraMatrices(model: LlmModel, targets: Targets): Matrix[] {
  if (targets !== 'all') return [];
  const a = model.architecture;
  const extra = [{ dIn: a.vocab, dOut: a.hidden }];
  if (!a.tiedEmbeddings) extra.push({ dIn: a.hidden, dOut: a.vocab });
  return extra;
}

const sumOver = (stacks: LayerStack[], pick: (s: LayerStack) => Matrix[], f: (m: Matrix) => number) =>
  stacks.reduce((t, s) => t + s.count * pick(s).reduce((u, m) => u + f(m), 0), 0);

const routers = (s: LayerStack): Matrix[] => (s.experts ? [s.experts.router] : []);
const routedExperts = (s: LayerStack): Matrix[] =>
  s.experts ? Array.from({ length: s.experts.count }, () => s.experts!.expert).flat() : [];

/**
 * Linear parameters inside the layers (what bitsandbytes quantizes: attention, MLPs, routers and
 * experts), of which the routed experts' weights (`experts`), the embeddings, and the rest.
 */
export function llmParamSplit(model: LlmModel): { linear: number; experts: number; embeddings: number; other: number } {
  const a = model.architecture;
  const stacks = llmStacks(model);
  const elements = (m: Matrix) => m.dIn * m.dOut;
  const linear = sumOver(stacks, (s) => [...s.attention, ...s.mlp, ...routers(s)], elements);
  const experts = sumOver(stacks, routedExperts, elements);
  const embeddings = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2) + (a.positionEmbeddings ?? 0) * a.hidden;
  return { linear, experts, embeddings, other: Math.max(0, model.params - linear - embeddings) };
}

/**
 * Weights one token's forward pass multiplies by: the layers' attention and the MLP matrices it
 * runs through (an MoE token its routed experts, shared experts and router) and the output head.
 * A dense model's is every linear weight; gpt-oss-20b's 3.6 B of 20.9 B (openai/gpt-oss README:
 * "21B parameters with 3.6B active parameters").
 */
export function llmActiveMatmulParams(model: LlmModel): number {
  const a = model.architecture;
  const layers = sumOver(
    llmStacks(model),
    (s) => [...s.attention, ...activeMlpMatrices(s)],
    (m) => m.dIn * m.dOut,
  );
  return layers + a.vocab * a.hidden;
}

/**
 * The active parameters counted with the input embedding as well, the other convention publishers
 * use: Qwen's "30.5B in total and 3.3B activated" for Qwen3-30B-A3B is the 3.04 B of matmuls plus
 * its untied 0.31 B embedding (huggingface.co/Qwen/Qwen3-30B-A3B model card), where OpenAI's 3.6 B for
 * gpt-oss-20b leaves the embedding out. A tied embedding is the output head, already counted.
 */
export function llmActiveParamsWithEmbedding(model: LlmModel): number {
  const a = model.architecture;
  return llmActiveMatmulParams(model) + (a.tiedEmbeddings ? 0 : a.vocab * a.hidden);
}

/** Total parameters from the architecture: weights, biases and norms (the knowledge base's `params` must match). */
export function llmParamTotal(model: LlmModel): number {
  const a = model.architecture;
  const stacks = llmStacks(model);
  const norm = a.normBias ? 2 * a.hidden : a.hidden;
  const bias = (m: Matrix[]) =>
    a.linearBias ? m.reduce((t, x) => t + x.dOut, 0) : a.qkvBias ? (a.heads + 2 * a.kvHeads) * a.headDim : 0;
  const split = llmParamSplit(model);
  let total = split.linear + split.embeddings;
  for (const s of stacks) {
    const attnBias = a.linearBias ? bias(s.attention) : a.qkvBias ? (s.crossAttention ? 2 : 1) * bias(s.attention) : 0;
    const mlpBias = a.linearBias ? bias([...s.mlp, ...routers(s)]) : 0;
    const norms = (s.crossAttention ? 3 : a.normsPerLayer) * norm;
    const qkNormsAndSinks = (a.qkNorm ? 2 * a.headDim : 0) + (a.attentionSinks ? a.heads : 0);
    total += s.count * (attnBias + mlpBias + norms + qkNormsAndSinks);
  }
  // each stack's final norm
  return total + (a.decoderLayers ? 2 : 1) * norm;
}

/** d_in + d_out over the matrices --targets adapts: LoRA parameters per unit of rank. */
export function llmAdapterParamsPerRank(model: LlmModel, targets: Targets): number {
  const f = (m: Matrix) => m.dIn + m.dOut;
  return (
    sumOver(llmStacks(model), (s) => targetMatrices(s, targets), f) +
    extraMatrices(model, targets).reduce((t, m) => t + f(m), 0)
  );
}

/** d_out over the same matrices (DoRA's magnitudes). */
export function llmOutputFeatures(model: LlmModel, targets: Targets): number {
  const f = (m: Matrix) => m.dOut;
  return (
    sumOver(llmStacks(model), (s) => targetMatrices(s, targets), f) +
    extraMatrices(model, targets).reduce((t, m) => t + f(m), 0)
  );
}

/** Elements of the weight matrices an adapter targets (what DoRA, LoHa and LoKr materialise per pass). */
export function adaptedWeightElements(model: LlmModel, targets: Targets): number {
  return (
    sumOver(
      llmStacks(model),
      (s) => targetMatrices(s, targets),
      (m) => m.dIn * m.dOut,
    ) + extraMatrices(model, targets).reduce((t, m) => t + m.dIn * m.dOut, 0)
  );
}

/** Layers that tokens pass through (encoder and decoder layers of an encoder-decoder). */
export function llmLayerCount(model: LlmModel): number {
  return model.architecture.layers + (model.architecture.decoderLayers ?? 0);
}
