// The training methods as a table: what each one trains, what it needs and how it is saved. The
// estimators, the settings, the CLI checks and the renderers read these traits, never a method's
// name, so a new method is one record here. Pure; no imports beyond types.
// Trainable-parameter formulas: huggingface/peft docs and the LoRA paper (arXiv 2106.09685): LoRA
// adds r x (d_in + d_out) per adapted matrix; DoRA adds one magnitude per output feature (arXiv
// 2402.09353); IA3 one scaling vector per adapted module (arXiv 2205.05638); prompt tuning
// n_virtual x hidden (arXiv 2104.08691); prefix tuning n_virtual x layers x 2 x kv width (arXiv
// 2101.00190, as PEFT implements it with grouped-query attention).
import type { Method, Quantization } from '../kb/vocabulary.js';
import type { TrainingSettings } from './settings.js';

/** A quantization of the frozen base. */
export type BaseQuantization = Exclude<Quantization, 'none'>;

/**
 * What a method's trainable-parameter formula reads from the model, as its kind supplies it. A
 * part the kind does not have is null: the methods that need it train nothing there (0), as when
 * a technique is estimated on a model family it does not serve.
 */
export interface TrainableDims {
  /** every parameter full fine-tuning trains (with the text encoders when they are trained) */
  fullParams(s: TrainingSettings): number;
  /**
   * The matrices an adapter adapts (--targets in the network; the text encoders' too when they are
   * trained), in groups of one typical width.
   */
  adaptedMatrices(s: TrainingSettings): AdaptedMatrices[];
  /** the token stream of a language model: what IA3, prompt, p-tuning and prefix tuning attach to */
  tokenStream: { hidden: number; layers: number; kvHeads: number; headDim: number; intermediate: number } | null;
  /** the text conditioning of a denoiser: what textual inversion and Custom Diffusion train */
  textConditioning: { embeddingWidths: number[]; blocks: ReadonlyArray<{ count: number; width: number }> } | null;
}

/** A group of adapted matrices about `width` wide (each d_in x d_out is about (d_in + d_out) x width / 2). */
export interface AdaptedMatrices {
  /** d_in + d_out summed: LoRA parameters per unit of rank */
  perRank: number;
  /** d_out summed: DoRA's magnitudes */
  outputs: number;
  width: number;
}

/** How an adapter's weight update is built on every pass (see materialisedDeltaSeconds in time.ts). */
export type MaterialisedDelta = 'none' | 'norm' | 'full';

/**
 * What the output file holds: the whole model in half precision, the trained parameters in their
 * training dtype, or (p-tuning) only the virtual-token embeddings its prompt encoder produced.
 * Sizes in size.ts.
 */
export type SavedAs = 'half-precision checkpoint' | 'trained dtype' | 'prompt embeddings';

export interface MethodTraits {
  /** trains every weight of the network; every other method keeps the base frozen */
  trainsEveryWeight: boolean;
  /** trains adapter matrices beside a frozen base, which the memory savers may quantize */
  adapter: boolean;
  /** takes --rank, with this default when the recipe gives none; null: takes no rank */
  rank: { default: number } | null;
  /** trains virtual tokens, this many when the recipe gives no count; `prepended`: they lengthen every sequence */
  virtualTokens: { default: number; prepended: boolean } | null;
  /** takes --factor (a Kronecker-product adapter), with this default when the recipe gives none; null: takes none */
  kroneckerFactor: { default: number } | null;
  /** the weight-sized matrix built per adapted layer and pass: none, its norm (DoRA) or the whole delta (LoHa, LoKr) */
  materialisesDelta: MaterialisedDelta;
  /** the base quantization the method is defined with (QLoRA: NF4) */
  impliedQuantization: BaseQuantization | null;
  /** trains inside the text encoders, which then stay on the GPU even with cached embeddings */
  needsTextEncoders: boolean;
  savedAs: SavedAs;
  /** parameters the run trains (and, for adapters, saves) */
  trainableParams(dims: TrainableDims, s: TrainingSettings): number;
}

/** Rank of an adapter whose recipe names none. */
export const DEFAULT_RANK = 16;
/** Virtual tokens of prompt, p-tuning and prefix tuning whose recipe names no count. */
export const DEFAULT_VIRTUAL_TOKENS = 20;
/** New tokens textual inversion learns when the recipe names no count. */
export const DEFAULT_EMBEDDING_TOKENS = 1;

const rankOf = (s: TrainingSettings) => s.rank ?? DEFAULT_RANK;

const frozen = {
  trainsEveryWeight: false,
  adapter: false,
  rank: null,
  virtualTokens: null,
  kroneckerFactor: null,
  materialisesDelta: 'none',
  impliedQuantization: null,
  needsTextEncoders: false,
  savedAs: 'trained dtype',
} as const satisfies Omit<MethodTraits, 'trainableParams'>;

const lowRank = { ...frozen, adapter: true, rank: { default: DEFAULT_RANK } } as const;

/**
 * One record per method. The adapters are listed in the order the --rank error names them
 * (lora, qlora, dora, loha, lokr); the compiler keeps the table exhaustive.
 */
export const METHOD_TRAITS: Readonly<Record<Method, MethodTraits>> = {
  full: {
    ...frozen,
    trainsEveryWeight: true,
    savedAs: 'half-precision checkpoint',
    trainableParams: (d, s) => d.fullParams(s),
  },
  lora: {
    ...lowRank,
    trainableParams: (d, s) => rankOf(s) * perRank(d, s),
  },
  qlora: {
    ...lowRank,
    impliedQuantization: 'nf4',
    trainableParams: (d, s) => rankOf(s) * perRank(d, s),
  },
  dora: {
    ...lowRank,
    materialisesDelta: 'norm',
    trainableParams: (d, s) => rankOf(s) * perRank(d, s) + d.adaptedMatrices(s).reduce((t, g) => t + g.outputs, 0),
  },
  loha: {
    ...lowRank,
    materialisesDelta: 'full',
    // two Hadamard-multiplied low-rank pairs per matrix (LyCORIS, arXiv 2108.06098)
    trainableParams: (d, s) => 2 * rankOf(s) * perRank(d, s),
  },
  lokr: {
    ...lowRank,
    // LyCORIS LokrModule's default factor=-1 (lycoris/modules/lokr.py)
    kroneckerFactor: { default: -1 },
    materialisesDelta: 'full',
    trainableParams: (d, s) => lokrParams(d, s),
  },
  embedding: {
    ...frozen,
    virtualTokens: { default: DEFAULT_EMBEDDING_TOKENS, prepended: false },
    needsTextEncoders: true,
    trainableParams: (d, s) => {
      if (!d.textConditioning) return 0;
      return (
        (s.virtualTokens ?? DEFAULT_EMBEDDING_TOKENS) * d.textConditioning.embeddingWidths.reduce((t, w) => t + w, 0)
      );
    },
  },
  'crossattn-kv': {
    ...frozen,
    trainableParams: (d) => {
      if (!d.textConditioning) return 0;
      // Custom Diffusion trains K and V of every cross-attention: 2 x context width x block width
      const ctx = d.textConditioning.embeddingWidths[0] ?? 768;
      return d.textConditioning.blocks.reduce((t, b) => t + b.count * 2 * ctx * b.width, 0) + ctx;
    },
  },
  ia3: {
    ...frozen,
    trainableParams: (d) => {
      if (!d.tokenStream) return 0;
      const a = d.tokenStream;
      return a.layers * (2 * a.kvHeads * a.headDim + a.intermediate);
    },
  },
  prompt: {
    ...frozen,
    virtualTokens: { default: DEFAULT_VIRTUAL_TOKENS, prepended: true },
    trainableParams: (d, s) => (d.tokenStream ? (s.virtualTokens ?? DEFAULT_VIRTUAL_TOKENS) * d.tokenStream.hidden : 0),
  },
  ptuning: {
    ...frozen,
    virtualTokens: { default: DEFAULT_VIRTUAL_TOKENS, prepended: true },
    savedAs: 'prompt embeddings',
    trainableParams: (d, s) => {
      // PEFT's MLP prompt encoder: three hidden x hidden linear layers with biases, plus the embeddings
      if (!d.tokenStream) return 0;
      const h = d.tokenStream.hidden;
      return 3 * h * h + 3 * h + (s.virtualTokens ?? DEFAULT_VIRTUAL_TOKENS) * h;
    },
  },
  prefix: {
    ...frozen,
    virtualTokens: { default: DEFAULT_VIRTUAL_TOKENS, prepended: false },
    trainableParams: (d, s) => {
      if (!d.tokenStream) return 0;
      const a = d.tokenStream;
      return (s.virtualTokens ?? DEFAULT_VIRTUAL_TOKENS) * a.layers * 2 * a.kvHeads * a.headDim;
    },
  },
};

/**
 * LoKr's parameters (KohakuBlueleaf/LyCORIS lycoris/modules/lokr.py): each adapted w x w matrix is
 * kron(W1, W2); `factorization(w, factor)` splits w into m x n with m <= n (factorizationOf below);
 * W1 is a full m x m matrix, W2 a rank-r product (2 r n) unless r >= n / 2, where LyCORIS makes it a
 * full n x n matrix (the "full dimension" of its guidelines). Each group of matrices is factored at
 * its own width (an image denoiser's block widths, a text encoder's). Square matrices stand in for
 * the rectangular ones (a feed-forward's w -> 8w factors each side apart, a smaller W1), so LoKr's
 * count runs high: on SD1 attn-mlp with the text encoder 246 K against 212 K counted layer by layer.
 */
function lokrParams(d: TrainableDims, s: TrainingSettings): number {
  const factor = s.factor ?? -1;
  const r = rankOf(s);
  return d.adaptedMatrices(s).reduce((t, { perRank, width: w }) => {
    const [m, n] = factorizationOf(w, factor);
    const perMatrix = m * m + (r >= n / 2 ? n * n : 2 * r * n);
    return t + (perRank / (2 * w)) * perMatrix;
  }, 0);
}

/**
 * LyCORIS's factorization(dimension, factor): the divisor pair m <= n of the dimension with m the
 * factor when it divides it, else the pair nearest the square root with m at most the factor (any
 * when -1). A width that is not an integer (an average) is split at its square root.
 */
export function factorizationOf(dimension: number, factor: number): [number, number] {
  if (!Number.isInteger(dimension) || dimension < 1) {
    const m = factor > 0 ? Math.min(factor, dimension / factor) : Math.sqrt(dimension);
    return [m, dimension / m];
  }
  if (factor > 0 && dimension % factor === 0) {
    const [a, b] = [factor, dimension / factor];
    return a <= b ? [a, b] : [b, a];
  }
  const cap = factor < 0 ? dimension : factor;
  let [m, n] = [1, dimension];
  while (m < n) {
    let next = m + 1;
    while (dimension % next !== 0) next++;
    const nextN = dimension / next;
    if (next + nextN > m + n || next > cap) break;
    [m, n] = [next, nextN];
  }
  return m <= n ? [m, n] : [n, m];
}

/** LoRA parameters per unit of rank over everything adapted. */
const perRank = (d: TrainableDims, s: TrainingSettings) => d.adaptedMatrices(s).reduce((t, g) => t + g.perRank, 0);

/** The methods that take --rank, in table order. */
export const RANKED_METHODS: readonly Method[] = (Object.keys(METHOD_TRAITS) as Method[]).filter(
  (m) => METHOD_TRAITS[m].rank !== null,
);
