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
  attention: Matrix[];
  mlp: Matrix[];
}

/** A stack of identical layers: the decoder of a decoder-only model, or the encoder and decoder of T5. */
export interface LayerStack extends LayerMatrices {
  count: number;
  crossAttention: boolean;
}

function attentionMatrices(model: LlmModel): { qv: Matrix[]; attention: Matrix[] } {
  const a = model.architecture;
  const h = a.hidden;
  const qd = a.heads * a.headDim;
  const kvd = a.kvHeads * a.headDim;
  if (a.fusedQkv) {
    // one fused q,k,v projection (Phi-3 qkv_proj, Qwen c_attn, BLOOM query_key_value); --targets qv adapts it
    const qkv = { dIn: h, dOut: qd + 2 * kvd };
    return { qv: [qkv], attention: [qkv, { dIn: qd, dOut: h }] };
  }
  const q = { dIn: h, dOut: qd };
  const v = { dIn: h, dOut: kvd };
  return { qv: [q, v], attention: [q, { dIn: h, dOut: kvd }, v, { dIn: qd, dOut: h }] };
}

function mlpMatrices(model: LlmModel): Matrix[] {
  const { hidden: h, intermediate: I, mlp, fusedGateUp } = model.architecture;
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
  if (!a.decoderLayers) return [self];
  // T5 decoder layers: self-attention, cross-attention (another q, k, v, o) and the MLP
  return [
    self,
    {
      count: a.decoderLayers,
      crossAttention: true,
      qv: [...attn.qv, ...attn.qv],
      attention: [...attn.attention, ...attn.attention],
      mlp,
    },
  ];
}

function targetMatrices(stack: LayerStack, targets: Targets): Matrix[] {
  switch (targets) {
    case 'qv':
      return stack.qv;
    case 'attention':
      return stack.attention;
    case 'attention-mlp':
    case 'all':
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

/** Linear parameters inside the layers (what bitsandbytes quantizes) and the rest. */
export function llmParamSplit(model: LlmModel): { linear: number; embeddings: number; other: number } {
  const a = model.architecture;
  const linear = sumOver(
    llmStacks(model),
    (s) => [...s.attention, ...s.mlp],
    (m) => m.dIn * m.dOut,
  );
  const embeddings = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2) + (a.positionEmbeddings ?? 0) * a.hidden;
  return { linear, embeddings, other: Math.max(0, model.params - linear - embeddings) };
}

/** Total parameters from the architecture: weights, biases and norms (the knowledge base's `params` must match). */
export function llmParamTotal(model: LlmModel): number {
  const a = model.architecture;
  const stacks = llmStacks(model);
  const norm = a.normBias ? 2 * a.hidden : a.hidden;
  const bias = (m: Matrix[]) =>
    a.linearBias ? m.reduce((t, x) => t + x.dOut, 0) : a.qkvBias ? (a.heads + 2 * a.kvHeads) * a.headDim : 0;
  let total = llmParamSplit(model).linear + llmParamSplit(model).embeddings;
  for (const s of stacks) {
    const attnBias = a.linearBias ? bias(s.attention) : a.qkvBias ? (s.crossAttention ? 2 : 1) * bias(s.attention) : 0;
    const mlpBias = a.linearBias ? bias(s.mlp) : 0;
    const norms = (s.crossAttention ? 3 : a.normsPerLayer) * norm;
    // per-head q and k norms (Qwen3, Gemma 3): one headDim-wide weight each per layer
    const qkNorms = a.qkNorm ? 2 * a.headDim : 0;
    total += s.count * (attnBias + mlpBias + norms + qkNorms) + norm; // + the stack's final norm
  }
  return total;
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
