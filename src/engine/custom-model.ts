// A model the catalogue does not have, given only its parameter count: the catalogue model of the
// same family with the nearest size, with its layers (or denoiser blocks) scaled to that size.
// Pure. The result says which model it was modelled on.
import type { KnowledgeBase, Model } from '../kb/types.js';
import { compareIds } from '../kb/lookup.js';
import type { Family } from '../kb/vocabulary.js';
import { llmParamSplit, llmParamTotal } from '../estimate/parameters.js';

export function customModelId(family: Family, billions: number): string {
  return `custom-${family}-${Number(billions.toFixed(2))}b`;
}

export function scaledModel(kb: KnowledgeBase, family: Family, billions: number): Model {
  const target = billions * 1e9;
  // Decoder-only language models in today's common layout (Llama 3, Qwen 2.5: GQA, SwiGLU, a
  // 128-152 k vocabulary) are the templates when there are any; an unknown model is most likely one.
  const family_ = kb.models.filter((m) => m.family === family && !(m.family === 'llm' && m.architecture.decoderLayers));
  const common = family_.filter((m) => /^(llama-3|qwen2\.5-)/.test(m.id));
  const pool = family === 'llm' && common.length ? common : family_;
  if (!pool.length) throw new Error(`no ${family} model to scale from`);
  const template = [...pool].sort((a, b) => Math.abs(Math.log(a.params / target)) - Math.abs(Math.log(b.params / target)) || compareIds(a.id, b.id))[0]!;
  const id = customModelId(family, billions);
  const notes = `modelled on ${template.name}, scaled to ${Number(billions.toFixed(2))} B parameters`;
  if (template.family === 'llm') {
    const base = { ...template, id, aliases: [], notes };
    const split = llmParamSplit(template);
    const perLayer = (llmParamTotal(template) - split.embeddings) / template.architecture.layers;
    const layers = Math.max(1, Math.round((target - split.embeddings) / perLayer));
    const scaled: Model = { ...base, name: `a ${Number(billions.toFixed(2))} B language model (layout of ${template.name}, ${layers} layers)`, architecture: { ...template.architecture, layers } };
    return { ...scaled, params: llmParamTotal(scaled) };
  }
  const base = { ...template, id, aliases: [], notes };
  const d = template.components.denoiser;
  const others = template.params - d.params;
  const ratio = Math.max(0.05, (target - others) / d.params);
  const blocks = d.blocks.map((b) => ({ ...b, count: Math.max(1, Math.round(b.count * ratio)) }));
  const denoiserParams = Math.round(d.params * ratio);
  const loraDims = Object.fromEntries(Object.entries(template.loraDims).map(([k, v]) => [k, Math.max(1, Math.round(v * ratio))])) as typeof template.loraDims;
  return {
    ...base,
    name: `a ${Number(billions.toFixed(2))} B image model (layout of ${template.name})`,
    components: { ...template.components, denoiser: { ...d, params: denoiserParams, blocks } },
    loraDims,
    params: denoiserParams + others,
  };
}
