// A language model from its Hugging Face `config.json`: the fields of the model types the
// catalogue's language models are (llama, mistral, qwen2, qwen3, qwen3_moe, mixtral, gemma, gemma2,
// gemma3_text, phi3, gpt_oss, llama4), mapped to the catalogue's entry (src/kb/schema.ts
// LlmModelSchema) the way data/models.yaml writes its entries, and the parameter count from the
// architecture with the arithmetic the catalogue's `params` are checked with (llmParamTotal). Pure:
// the caller reads the files. Every problem is a UsageError naming the file.
import { UsageError } from '../errors.js';
import { llmParamTotal } from '../estimate/kinds/llm-layers.js';
import type { LlmModel } from '../kb/types.js';

type Config = Record<string, unknown>;
type Architecture = LlmModel['architecture'];
type Moe = NonNullable<Architecture['moe']>;

/** What a model type's modelling code fixes (not in its config.json), and how its MoE block reads. */
interface ModelType {
  /** the config class's default for tie_word_embeddings, when the file leaves it out */
  tied: boolean;
  /** RMSNorms per layer: 2 (input, post-attention); Gemma 2 and 3 add pre- and post-feedforward norms */
  normsPerLayer: number;
  /** q_norm and k_norm on each head (Qwen3Attention, Gemma3Attention) */
  qkNorm?: boolean;
  /** bias on q, k and v (Qwen2Attention: nn.Linear(..., bias=True) for q/k/v, o without) */
  qkvBias?: boolean;
  /** one qkv_proj and one gate_up_proj (Phi3Attention, Phi3MLP): the catalogue's phi-3/phi-4 layout */
  fusedPhi3?: boolean;
  /** gpt-oss: every linear layer biased, a sink logit per head, as the catalogue's gpt-oss entries */
  gptOss?: boolean;
  /** attn_logit_softcapping and final_logit_softcapping read (Gemma2Config defaults 50.0 and 30.0) */
  softcaps?: { attention: number; finalLogit: number };
  /** config-class defaults that released configs rely on (Gemma 3's text_config leaves these out) */
  defaults?: Record<string, number>;
  /** the dense MLP width (Llama 4: intermediate_size_mlp where only every n-th layer is MoE) */
  intermediate?: (c: Config, f: Fields) => number;
  moe?: (c: Config, f: Fields) => Moe;
}

const DENSE: ModelType = { tied: false, normsPerLayer: 2 };

// transformers' configuration_<type>.py defaults and modelling code (huggingface/transformers
// src/transformers/models/<type>/); the layouts are those of the catalogue's entries of each type.
const MODEL_TYPES: Record<string, ModelType> = {
  llama: DENSE,
  mistral: DENSE,
  qwen2: { ...DENSE, qkvBias: true },
  qwen3: { ...DENSE, qkNorm: true },
  qwen3_moe: {
    ...DENSE,
    qkNorm: true,
    // Qwen3MoeSparseMoeBlock in each layer with (idx + 1) % decoder_sparse_step == 0 and not in mlp_only_layers
    moe: (c, f) => {
      const dense = c.mlp_only_layers;
      if (Array.isArray(dense) && dense.length)
        throw f.problem('"mlp_only_layers" lists dense layers among the MoE ones, which this tool does not model');
      return {
        experts: f.int('num_experts'),
        perToken: f.int('num_experts_per_tok'),
        expertIntermediate: f.int('moe_intermediate_size'),
        shared: 0,
        every: f.optionalInt('decoder_sparse_step') ?? 1,
      };
    },
  },
  // MixtralSparseMoeBlock: num_local_experts experts of intermediate_size in every layer
  mixtral: {
    ...DENSE,
    moe: (_c, f) => ({
      experts: f.int('num_local_experts'),
      perToken: f.int('num_experts_per_tok'),
      expertIntermediate: f.int('intermediate_size'),
      shared: 0,
      every: 1,
    }),
  },
  gemma: { tied: true, normsPerLayer: 2 },
  gemma2: { tied: true, normsPerLayer: 4, softcaps: { attention: 50, finalLogit: 30 } },
  // Gemma3TextConfig: vocab_size=262_208, head_dim=256, max_position_embeddings=131_072
  gemma3_text: {
    tied: true,
    normsPerLayer: 4,
    qkNorm: true,
    defaults: { vocab_size: 262208, head_dim: 256, max_position_embeddings: 131072 },
  },
  phi3: { ...DENSE, fusedPhi3: true },
  // GptOssExperts: num_local_experts experts of intermediate_size; the router biased; sinks per head
  gpt_oss: {
    ...DENSE,
    gptOss: true,
    moe: (c, f) => ({
      experts: f.int('num_local_experts'),
      perToken: f.optionalInt('num_experts_per_tok') ?? f.int('experts_per_token'),
      expertIntermediate: f.int('intermediate_size'),
      shared: 0,
      every: 1,
    }),
  },
  // Llama4TextMoe: num_local_experts routed experts of intermediate_size and one shared expert, in
  // every interleave_moe_layer_step-th layer; the other layers a dense MLP of intermediate_size_mlp
  llama4_text: {
    ...DENSE,
    intermediate: (c, f) =>
      (f.optionalInt('interleave_moe_layer_step') ?? 1) > 1
        ? f.int('intermediate_size_mlp')
        : f.int('intermediate_size'),
    moe: (_c, f) => ({
      experts: f.int('num_local_experts'),
      perToken: f.int('num_experts_per_tok'),
      expertIntermediate: f.int('intermediate_size'),
      shared: 1,
      every: f.optionalInt('interleave_moe_layer_step') ?? 1,
    }),
  },
};

/** Multimodal configs whose language model is their text_config (Gemma3Config, Llama4Config). */
const TEXT_CONFIG_TYPES: Record<string, string> = { gemma3: 'gemma3_text', llama4: 'llama4_text' };

/** The model types read, as a message lists them. */
export const READABLE_MODEL_TYPES = [...Object.keys(MODEL_TYPES), ...Object.keys(TEXT_CONFIG_TYPES)].sort();

/** Bytes per parameter of a config's torch_dtype, for the checkpoint-size cross-check. */
export const DTYPE_BYTES: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

/** Fields of one config, each read or reported missing naming the file. */
interface Fields {
  int(key: string): number;
  optionalInt(key: string): number | undefined;
  problem(text: string): UsageError;
}

function fieldsOf(c: Config, file: string, modelType: string, defaults: Record<string, number> = {}): Fields {
  const problem = (text: string) => new UsageError(`${file}: ${text}.`);
  const optionalInt = (key: string): number | undefined => {
    const v = c[key] ?? defaults[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw problem(`"${key}" is ${JSON.stringify(v)}, not a positive whole number`);
    return v;
  };
  return {
    problem,
    optionalInt,
    int: (key) => {
      const v = optionalInt(key);
      if (v === undefined) throw problem(`"${key}" is missing (model_type ${modelType} needs it)`);
      return v;
    },
  };
}

function flag(c: Config, key: string, fallback: boolean, f: Fields): boolean {
  const v = c[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw f.problem(`"${key}" is ${JSON.stringify(v)}, not true or false`);
  return v;
}

const KB_HINT =
  'give the model as a --kb entry instead (README, "Extending the knowledge base"): family llm, params, contextLength and architecture {layers, hidden, intermediate, heads, kvHeads, headDim, vocab, tiedEmbeddings}';

/** The language model's own config: the file's, or its text_config for a multimodal wrapper. */
function languageConfig(config: Config, file: string): { c: Config; modelType: string; wrapper: string | null } {
  const top = config.model_type;
  if (typeof top !== 'string')
    throw new UsageError(`${file}: no "model_type" to read the architecture by; ${KB_HINT}.`);
  const inner = TEXT_CONFIG_TYPES[top];
  if (inner === undefined) return { c: config, modelType: top, wrapper: null };
  const text = config.text_config;
  if (typeof text !== 'object' || text === null || Array.isArray(text))
    throw new UsageError(`${file}: "text_config" is missing (model_type ${top} keeps its language model there).`);
  const t = text as Config;
  const modelType = typeof t.model_type === 'string' ? t.model_type : inner;
  // the multimodal config's dtype stands for its text model when the text_config has none
  return { c: { torch_dtype: config.torch_dtype, ...t }, modelType, wrapper: top };
}

export interface HfLanguageModel {
  model: LlmModel;
  modelType: string;
  /** the multimodal config type whose text_config was read (gemma3, llama4), or null */
  wrapper: string | null;
  /** torch_dtype as the config gives it, or null */
  dtype: string | null;
  /** the config has a quantization_config: the checkpoint's bytes are not parameters x dtype */
  quantized: boolean;
}

/**
 * The catalogue entry for the language model `config` describes. `file` names it in messages;
 * `identity` is the entry's id, name and the name the user typed (an alias, so --model finds it).
 */
export function languageModelFromConfig(
  config: Config,
  file: string,
  identity: { id: string; name: string; alias: string },
): HfLanguageModel {
  const { c, modelType, wrapper } = languageConfig(config, file);
  const type = Object.hasOwn(MODEL_TYPES, modelType) ? MODEL_TYPES[modelType]! : undefined;
  if (!type)
    throw new UsageError(
      `${file}: model_type '${modelType}' is not one this tool reads (it reads ${READABLE_MODEL_TYPES.join(', ')}); ${KB_HINT}.`,
    );
  const f = fieldsOf(c, file, modelType, type.defaults);
  for (const key of ['attention_bias', 'mlp_bias'] as const)
    if (!type.gptOss && c[key] === true)
      throw f.problem(`"${key}": true (biases on every projection) is not modelled for model_type ${modelType}`);
  const hidden = f.int('hidden_size');
  const heads = f.int('num_attention_heads');
  const layers = f.int('num_hidden_layers');
  const headDim = f.optionalInt('head_dim') ?? hidden / heads;
  if (!Number.isInteger(headDim))
    throw f.problem(
      `"head_dim" is missing and hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`,
    );
  const architecture: Architecture = {
    layers,
    hidden,
    intermediate: type.intermediate ? type.intermediate(c, f) : f.int('intermediate_size'),
    heads,
    // transformers' configs: num_key_value_heads None means multi-head attention (one per head)
    kvHeads: f.optionalInt('num_key_value_heads') ?? heads,
    headDim,
    vocab: f.int('vocab_size'),
    tiedEmbeddings: flag(c, 'tie_word_embeddings', type.tied, f),
    qkvBias: type.qkvBias ?? false,
    fusedQkv: (type.fusedPhi3 || type.gptOss) ?? false,
    normsPerLayer: type.normsPerLayer,
    // every model_type read here is transformers' own code, whose loss upcasts the logits
    lossUpcast: true,
    qkNorm: type.qkNorm ?? false,
    fusedGateUp: (type.fusedPhi3 || type.gptOss) ?? false,
    mlp: 'gated',
    linearBias: type.gptOss ?? false,
    normBias: false,
    attentionSinks: type.gptOss ?? false,
  };
  if (type.softcaps) {
    const cap = (key: string, fallback: number) => {
      const v = c[key];
      if (v === null) return undefined;
      if (v === undefined) return fallback;
      if (typeof v !== 'number' || !(v > 0)) throw f.problem(`"${key}" is ${JSON.stringify(v)}, not a positive number`);
      return v;
    };
    const attention = cap('attn_logit_softcapping', type.softcaps.attention);
    const finalLogit = cap('final_logit_softcapping', type.softcaps.finalLogit);
    if (attention !== undefined) architecture.attentionSoftcap = attention;
    if (finalLogit !== undefined) architecture.finalLogitSoftcap = finalLogit;
  }
  if (type.moe) architecture.moe = type.moe(c, f);
  const contextLength = f.int('max_position_embeddings');
  const draft: LlmModel = {
    id: identity.id,
    name: identity.name,
    family: 'llm',
    group: 'llm',
    aliases: [identity.alias],
    contextLength,
    params: 1,
    architecture,
    notes: `read from ${file} (model_type ${wrapper ? `${wrapper}, its text_config ${modelType}` : modelType})`,
    sources: [
      {
        ref: file,
        for: ['architecture', 'contextLength', 'params'],
        derived: 'the config.json fields mapped to the architecture; params counted from it (llmParamTotal)',
      },
    ],
  };
  const dtype = typeof c.torch_dtype === 'string' ? c.torch_dtype : typeof c.dtype === 'string' ? c.dtype : null;
  const quantized = typeof config.quantization_config === 'object' && config.quantization_config !== null;
  return { model: { ...draft, params: llmParamTotal(draft) }, modelType, wrapper, dtype, quantized };
}
