// Parameter counts from the architecture. Formulas: huggingface/peft docs and the LoRA paper
// (arXiv 2106.09685): LoRA adds r x (d_in + d_out) per adapted matrix; DoRA adds one magnitude per
// output feature (arXiv 2402.09353); IA3 one scaling vector per adapted module (arXiv 2205.05638);
// prompt tuning n_virtual x hidden (arXiv 2104.08691); prefix tuning n_virtual x layers x 2 x kv width
// (arXiv 2101.00190, as PEFT implements it with grouped-query attention).
import type { Targets } from '../kb/vocabulary.js';
import type { ImageModel, LlmModel, Model } from '../kb/types.js';
import type { TrainingSettings } from './settings.js';

interface Matrix { dIn: number; dOut: number }

/** The linear layers of one decoder layer, grouped the way --targets names them. */
export function llmLayerMatrices(model: LlmModel): { qv: Matrix[]; attention: Matrix[]; mlp: Matrix[] } {
  const a = model.architecture;
  const h = a.hidden;
  const qd = a.heads * a.headDim;
  const kvd = a.kvHeads * a.headDim;
  const I = a.intermediate;
  if (a.fusedQkv) {
    // Phi-3: one qkv_proj and one gate_up_proj; --targets qv adapts the fused qkv_proj.
    const qkv = { dIn: h, dOut: qd + 2 * kvd };
    return { qv: [qkv], attention: [qkv, { dIn: qd, dOut: h }], mlp: [{ dIn: h, dOut: 2 * I }, { dIn: I, dOut: h }] };
  }
  const q = { dIn: h, dOut: qd };
  const k = { dIn: h, dOut: kvd };
  const v = { dIn: h, dOut: kvd };
  const o = { dIn: qd, dOut: h };
  return { qv: [q, v], attention: [q, k, v, o], mlp: [{ dIn: h, dOut: I }, { dIn: h, dOut: I }, { dIn: I, dOut: h }] };
}

function llmTargetMatrices(model: LlmModel, targets: Targets): { perLayer: Matrix[]; extra: Matrix[] } {
  const m = llmLayerMatrices(model);
  const a = model.architecture;
  switch (targets) {
    case 'qv': return { perLayer: m.qv, extra: [] };
    case 'attention': return { perLayer: m.attention, extra: [] };
    case 'attention-mlp': return { perLayer: [...m.attention, ...m.mlp], extra: [] };
    case 'all': {
      // also the embedding and the output head
      const extra = [{ dIn: a.vocab, dOut: a.hidden }];
      if (!a.tiedEmbeddings) extra.push({ dIn: a.hidden, dOut: a.vocab });
      return { perLayer: [...m.attention, ...m.mlp], extra };
    }
  }
}

/** Linear parameters inside the decoder layers (what bitsandbytes quantizes) and the rest. */
export function llmParamSplit(model: LlmModel): { linear: number; embeddings: number; other: number } {
  const a = model.architecture;
  const m = llmLayerMatrices(model);
  const perLayer = [...m.attention, ...m.mlp].reduce((s, x) => s + x.dIn * x.dOut, 0);
  const linear = perLayer * a.layers;
  const embeddings = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2);
  return { linear, embeddings, other: Math.max(0, model.params - linear - embeddings) };
}

function adapterParamsPerRank(model: Model, targets: Targets): number {
  if (model.family === 'image') return model.loraDims[targets];
  const { perLayer, extra } = llmTargetMatrices(model, targets);
  return perLayer.reduce((s, x) => s + x.dIn + x.dOut, 0) * model.architecture.layers + extra.reduce((s, x) => s + x.dIn + x.dOut, 0);
}

function outputFeatures(model: Model, targets: Targets): number {
  if (model.family === 'image') return Math.round(model.loraDims[targets] / 2); // d_out is about half of d_in + d_out
  const { perLayer, extra } = llmTargetMatrices(model, targets);
  return perLayer.reduce((s, x) => s + x.dOut, 0) * model.architecture.layers + extra.reduce((s, x) => s + x.dOut, 0);
}

/** Width of the text encoders' token embeddings (what a textual-inversion vector has). */
export function textEmbeddingWidths(model: ImageModel): number[] {
  return model.components.textEncoders.map((te) => te.width ?? 768);
}

/** Parameters the run trains (and, for adapters, saves). */
export function trainableParams(model: Model, s: TrainingSettings): number {
  const rank = s.rank ?? 16;
  switch (s.method) {
    case 'full':
      if (model.family === 'llm') return model.params;
      return model.components.denoiser.params + (s.trainTextEncoder ? model.components.textEncoders.reduce((t, te) => t + te.params, 0) : 0);
    case 'lora':
    case 'qlora':
      return rank * adapterParamsPerRank(model, s.targets);
    case 'dora':
      return rank * adapterParamsPerRank(model, s.targets) + outputFeatures(model, s.targets);
    case 'loha':
      // two Hadamard-multiplied low-rank pairs per matrix (LyCORIS, arXiv 2108.06098)
      return 2 * rank * adapterParamsPerRank(model, s.targets);
    case 'lokr':
      // sized like a LoRA of the same rank: LyCORIS measured a factor-8 full-dim LoKr at 12 MB
      // against 9.5 MB for a rank-8 LoRA on SD1 (KohakuBlueleaf/LyCORIS docs/Guidelines.md)
      return rank * adapterParamsPerRank(model, s.targets);
    case 'embedding': {
      if (model.family !== 'image') return 0;
      return (s.virtualTokens ?? 1) * textEmbeddingWidths(model).reduce((t, w) => t + w, 0);
    }
    case 'crossattn-kv': {
      if (model.family !== 'image') return 0;
      // Custom Diffusion trains K and V of every cross-attention: 2 x context width x block width
      const ctx = textEmbeddingWidths(model)[0] ?? 768;
      return model.components.denoiser.blocks.reduce((t, b) => t + b.count * 2 * ctx * b.width, 0) + ctx;
    }
    case 'ia3': {
      if (model.family !== 'llm') return 0;
      const a = model.architecture;
      return a.layers * (2 * a.kvHeads * a.headDim + a.intermediate);
    }
    case 'prompt':
      return model.family === 'llm' ? (s.virtualTokens ?? 20) * model.architecture.hidden : 0;
    case 'prefix':
      return model.family === 'llm' ? (s.virtualTokens ?? 20) * model.architecture.layers * 2 * model.architecture.kvHeads * model.architecture.headDim : 0;
  }
}
