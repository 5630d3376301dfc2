// What the estimators ask of a model kind (a language model, an image model; mixture-of-experts
// and video models). One module per kind implements it; kinds/index.ts dispatches on the
// model's family. Types only.
import type { TechniqueDefaults } from '../../kb/schema.js';
import type { Model } from '../../kb/types.js';
import type { Objective, Precision, Targets } from '../../kb/vocabulary.js';
import type { SaverId } from '../fit.js';
import type { MethodTraits, TrainableDims } from '../methods.js';
import type { TrainingSettings } from '../settings.js';
import type { UtilisationKey } from '../time.js';

/**
 * The network being trained or adapted: its parameters, those in quantizable linear layers (of
 * which a mixture-of-experts model's routed experts), its widest matrix side.
 */
export interface BaseNetwork {
  params: number;
  linear: number;
  experts: number;
  width: number;
  /**
   * parameters of the largest unit a sharded run gathers whole at once (src/estimate/parallel.ts):
   * a decoder layer or denoiser block (FSDP's transformer auto-wrap unit), or the embedding matrix
   * where that is larger (a 128 k vocabulary on an 8 B model)
   */
  shardUnit: number;
  /** parameters of one decoder layer or denoiser block: the unit prefetched beside the one in use */
  blockParams: number;
  /**
   * parameters outside the repeated layers or blocks (a language model's embeddings and head): the
   * root unit FSDP wraps around the wrapped layers, which it keeps gathered from the forward to the
   * backward (src/estimate/memory.ts)
   */
  rootParams: number;
}

/** The base weights a quantized base holds in its low-bit format: the linear layers, a mixture-of-experts model's experts only where the trainer reaches them. */
export function quantizedParams(net: BaseNetwork, s: TrainingSettings): number {
  if (s.quantize === 'none') return 0;
  return s.quantizesExperts ? net.linear : net.linear - net.experts;
}

export interface ModelKind<M extends Model = Model> {
  /** how a message names a model of this kind: "a language model" */
  readonly description: string;
  /** the kind as an adjective: "language" (models) */
  readonly adjective: string;
  /** the size a list of models shows: "8 B"; image models by their denoiser, "12 B FLUX" */
  sizeLabel(model: M): string;

  // ---- settings of a run
  /** precision when the recipe names none */
  readonly defaultPrecision: Precision;
  /** adapter targets when the recipe names none */
  readonly defaultTargets: Targets;
  /** the targets a recipe's targets come to on this model (a mixture-of-experts model leaves its experts out) */
  recipeTargets(model: M, targets: Targets): Targets;
  /** the --targets values that name layers this model has (`experts` only on a mixture-of-experts model) */
  targetChoices(model: M): readonly Targets[];
  /** the training objectives a run of this kind may take (--objective); the first is the default */
  readonly objectives: readonly Objective[];
  /** the setting that sizes a run's samples: image side in pixels, or sequence length in tokens */
  readonly shapeSetting: 'resolution' | 'seqLen';
  /**
   * the sample's shape of a run from the recipe, what this kind does not use null: an image's side
   * (resolution; width when not square), a clip's height, width and frames, a sequence's length
   */
  runShape(
    model: M,
    recipe: TechniqueDefaults,
  ): { resolution: number | null; width: number | null; seqLen: number | null; frames: number | null };

  // ---- parameters and memory
  baseNetwork(model: M): BaseNetwork;
  /** what the methods' trainable-parameter formulas read (methods.ts) */
  trainableDims(model: M): TrainableDims;
  /** bytes of the activations autograd keeps at the peak */
  activationBytes(model: M, s: TrainingSettings): number;
  /** bytes of the layer inputs gradient checkpointing keeps, every layer's (what offloading moves to host memory) */
  checkpointBytes(model: M, s: TrainingSettings): number;
  /** parameters a full fine-tune's checkpoint holds (what is saved, not every component loaded) */
  checkpointParams(model: M, s: TrainingSettings): number;
  /**
   * the blocks a trainer's block swap can hold in host memory (every transformer block of a
   * diffusion transformer); 0 where no trainer swaps blocks (a UNet, a language model)
   */
  swappableBlocks(model: M): number;
  /** bytes of the parts beside the trained network (an image model's text encoders and VAE); 0 when none */
  componentBytes(model: M, s: TrainingSettings, method: MethodTraits): number;
  /** the memory savers this kind's trainers offer; fit.ts tries them in its own order */
  readonly savers: ReadonlySet<SaverId>;

  // ---- work per step
  /** forward FLOPs of one micro-batch */
  forwardFlops(model: M, s: TrainingSettings): number;
  /** samples through the network per micro-batch */
  samplesPerStep(s: TrainingSettings): number;
  /** the throughput a step is reported in, and how many of its units a micro-batch holds */
  readonly throughputUnit: 'tokensPerSecond' | 'imagesPerSecond';
  /** frames per clip: whether --frames applies to this kind */
  readonly hasFrames: boolean;
  /** the pixels a sample's side is a multiple of in its trainers (their buckets, the VAE and patch); null: no images */
  resolutionStep(model: M): number | null;
  throughputPerStep(model: M, s: TrainingSettings): number;
  /**
   * bytes of key and value cache one generated or prompt token holds in half precision, over all
   * layers (what sampling completions keeps: GRPO); null when the kind generates no tokens
   */
  kvCacheBytesPerToken(model: M): number | null;
  /** layers dispatched per pass (the fixed per-layer cost of eager PyTorch) */
  layerPasses(model: M): number;
  /**
   * generating one class image for prior preservation at the run's resolution: forward FLOPs of
   * one denoiser evaluation and how many evaluations the model's default sampling makes; null
   * when the kind has no class images or the model no sampling entry
   */
  classImageWork(model: M, s: TrainingSettings): { flops: number; evaluations: number } | null;
  /** which share of the tensor peak a step reaches (time.ts UTILISATION) */
  utilisation(model: M): UtilisationKey;
  /** the weight elements a DoRA/LoHa/LoKr adapter materialises per pass, the tokens its extra matmul sees and the share of peak that matmul reaches */
  materialisedDelta(model: M, s: TrainingSettings): { elements: number; tokens: number; utilisation: UtilisationKey };

  // ---- words
  /** the assumptions specific to the kind, in the order the estimate lists them */
  assumptions(model: M, s: TrainingSettings, given: readonly string[]): string[];
  /** how attention runs when it is not a fused kernel that keeps no scores; null: fused */
  eagerAttention(model: M, s: TrainingSettings): string | null;
  /** attention scores eager attention writes per micro-batch forward, over all layers (0: a fused kernel) */
  attentionScores(model: M, s: TrainingSettings): number;
  /** bytes eager attention reads and writes per score in the forward and the backward pass (its unfused element-wise kernels) */
  eagerScoreTraffic(s: TrainingSettings): { forward: number; backward: number };

  // ---- models the catalogue does not have
  /** the catalogue models a model of this kind given only its size may be scaled from */
  scalingTemplates(models: readonly Model[]): M[];
  /** the template scaled to `billions` parameters, with the given id and notes */
  scaled(template: M, billions: number, identity: { id: string; notes: string }): M;
}
