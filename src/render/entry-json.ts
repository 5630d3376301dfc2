// Knowledge-base entries in the JSON contract (`gpus`, `models`, `techniques --json`), field by
// field: a field added to an entry (src/kb/schema.ts) reaches the contract only once it is named
// here. Fields are listed in the schema's order, the order of the loaded entries' keys, which the
// output has always had. An optional field the entry lacks is undefined here, so JSON.stringify
// leaves it out as it always did.
import { gpuMemoryGiB, linkWithinNode } from '../estimate/card.js';
import { llmActiveMatmulParams, llmActiveParamsWithEmbedding } from '../estimate/kinds/llm-layers.js';
import { round } from '../format.js';
import type { Applies, Pitfall, TechniqueDefaults } from '../kb/schema.js';
import type { Gpu, ImageModel, KnowledgeBase, LlmModel, Model, Technique, Trainer, VideoModel } from '../kb/types.js';
import type { Family, Goal, Method, Optimizer, Precision, Quantization, Targets } from '../kb/vocabulary.js';
import { type LinkJson, linkJson } from './card-json.js';
import { ifPresent, type SourceJson, sourceJson } from './source-json.js';

// ---------- GPUs ----------

export interface GpuJson {
  id: string;
  name: string;
  vendor: Gpu['vendor'];
  generation?: string;
  segment?: Gpu['segment'];
  vramGB: number;
  memoryMiB?: number;
  smiMemoryMiB?: number;
  computeCapability?: string;
  bf16: boolean;
  tflops: number;
  sustainedTflops?: number;
  fp32Tflops?: number;
  powerW?: number;
  backend?: Gpu['backend'];
  bandwidthGBs: number;
  aliases: string[];
  sharedNames?: string[];
  /** how the cards of a node reach each other, as catalogued (absent: one card to a computer) */
  interconnect?: Gpu['interconnect'];
  notes?: string;
  sources: SourceJson[];
  /** the memory the estimates use: what nvidia-smi reports where known */
  usableGiB: number;
  /** the link a set of these cards is estimated over by default (a bridge's NVLink only with --interconnect nvlink); null: no set */
  link: LinkJson | null;
  /** 'bundled' or the file that defined the entry last */
  origin?: string;
}

export const gpuJson = (kb: KnowledgeBase, g: Gpu): GpuJson => ({
  id: g.id,
  name: g.name,
  vendor: g.vendor,
  generation: g.generation,
  segment: g.segment,
  vramGB: g.vramGB,
  memoryMiB: g.memoryMiB,
  smiMemoryMiB: g.smiMemoryMiB,
  computeCapability: g.computeCapability,
  bf16: g.bf16,
  tflops: g.tflops,
  sustainedTflops: g.sustainedTflops,
  fp32Tflops: g.fp32Tflops,
  powerW: g.powerW,
  backend: g.backend,
  bandwidthGBs: g.bandwidthGBs,
  aliases: [...g.aliases],
  sharedNames: g.sharedNames ? [...g.sharedNames] : undefined,
  interconnect: g.interconnect,
  notes: g.notes,
  sources: g.sources.map(sourceJson),
  usableGiB: round(gpuMemoryGiB(g), 2),
  link: linkJson(linkWithinNode(g)),
  origin: kb.origin[`gpus:${g.id}`],
});

// ---------- models ----------

interface ModelCommonJson {
  id: string;
  name: string;
  group: string;
  publisher?: string;
  license?: string;
  aliases: string[];
  params: number;
  notes?: string;
  sources: SourceJson[];
}

export interface LlmArchitectureJson {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  tiedEmbeddings: boolean;
  qkvBias: boolean;
  fusedQkv: boolean;
  normsPerLayer: number;
  qkNorm: boolean;
  fusedGateUp: boolean;
  mlp: 'gated' | 'plain';
  linearBias: boolean;
  normBias: boolean;
  decoderLayers?: number;
  positionEmbeddings?: number;
  parallelBlock?: boolean;
  attentionSoftcap?: number;
  finalLogitSoftcap?: number;
  lossUpcast: boolean;
  attentionSinks: boolean;
  moe?: { experts: number; perToken: number; expertIntermediate: number; shared: number; every: number };
}

export interface LlmModelJson extends ModelCommonJson {
  family: 'llm';
  contextLength: number;
  architecture: LlmArchitectureJson;
  chatTemplate?: string;
  /** weights one token is multiplied by (a mixture-of-experts model's routed experts, shared experts and router; the output head) */
  activeParams: number;
  activeParamsWithEmbedding: number;
  origin?: string;
}

export interface ComponentJson {
  name: string;
  params: number;
  width?: number;
}

export interface TextEncoderJson extends ComponentJson {
  loraDims?: { attention: number; 'attention-mlp': number };
}

export interface BlockGroupJson {
  count: number;
  width: number;
  tokensPerLatentPixel: number;
  mlpRatio: number;
  heads?: number;
  kind?: string;
}

export interface ImageModelJson extends ModelCommonJson {
  family: 'image';
  nativeResolution: number;
  latent: { downscale: number; channels: number };
  components: {
    denoiser: {
      name: string;
      kind: ImageModel['components']['denoiser']['kind'];
      params: number;
      blocks: BlockGroupJson[];
      textTokens: number;
      referenceImages?: number;
      moe?: { experts: number; perToken: number; shared: number; activeParams: number; expertLoraDims: number };
    };
    textEncoders: TextEncoderJson[];
    vae: ComponentJson;
  };
  loraDims: { qv: number; attention: number; 'attention-mlp': number; all: number };
  loraDimsDerivation?: string;
  sampling?: { steps: number; guidance: 'cfg' | 'distilled' };
  checkpointBundles: Array<'textEncoders' | 'vae'>;
  origin?: string;
}

export interface VideoModelJson extends ModelCommonJson {
  family: 'video';
  nativeSize: { width: number; height: number };
  nativeFrames: number;
  latent: { frames: number; downscale: number; channels: number };
  components: ImageModelJson['components'];
  loraDims: ImageModelJson['loraDims'];
  loraDimsDerivation?: string;
  checkpointBundles: Array<'textEncoders' | 'vae'>;
  origin?: string;
}

export type ModelJson = LlmModelJson | ImageModelJson | VideoModelJson;

const modelCommonJson = (m: Model): ModelCommonJson => ({
  id: m.id,
  name: m.name,
  group: m.group,
  publisher: m.publisher,
  license: m.license,
  aliases: [...m.aliases],
  params: m.params,
  notes: m.notes,
  sources: m.sources.map(sourceJson),
});

function architectureJson(a: LlmModel['architecture']): LlmArchitectureJson {
  return {
    layers: a.layers,
    hidden: a.hidden,
    intermediate: a.intermediate,
    heads: a.heads,
    kvHeads: a.kvHeads,
    headDim: a.headDim,
    vocab: a.vocab,
    tiedEmbeddings: a.tiedEmbeddings,
    qkvBias: a.qkvBias,
    fusedQkv: a.fusedQkv,
    normsPerLayer: a.normsPerLayer,
    qkNorm: a.qkNorm,
    fusedGateUp: a.fusedGateUp,
    mlp: a.mlp,
    linearBias: a.linearBias,
    normBias: a.normBias,
    decoderLayers: a.decoderLayers,
    positionEmbeddings: a.positionEmbeddings,
    parallelBlock: a.parallelBlock,
    attentionSoftcap: a.attentionSoftcap,
    finalLogitSoftcap: a.finalLogitSoftcap,
    lossUpcast: a.lossUpcast,
    attentionSinks: a.attentionSinks,
    moe: ifPresent(a.moe, (m) => ({
      experts: m.experts,
      perToken: m.perToken,
      expertIntermediate: m.expertIntermediate,
      shared: m.shared,
      every: m.every,
    })),
  };
}

const componentJson = (c: ImageModel['components']['vae']): ComponentJson => ({
  name: c.name,
  params: c.params,
  width: c.width,
});

const textEncoderJson = (c: ImageModel['components']['textEncoders'][number]): TextEncoderJson => ({
  ...componentJson(c),
  loraDims: ifPresent(c.loraDims, (d) => ({ attention: d.attention, 'attention-mlp': d['attention-mlp'] })),
});

function componentsJson(c: ImageModel['components'] | VideoModel['components']): ImageModelJson['components'] {
  const d = c.denoiser;
  return {
    denoiser: {
      name: d.name,
      kind: d.kind,
      params: d.params,
      blocks: d.blocks.map((b): BlockGroupJson => ({
        count: b.count,
        width: b.width,
        tokensPerLatentPixel: b.tokensPerLatentPixel,
        mlpRatio: b.mlpRatio,
        heads: b.heads,
        kind: b.kind,
      })),
      textTokens: d.textTokens,
      referenceImages: d.referenceImages,
      moe: ifPresent(d.moe, (m) => ({
        experts: m.experts,
        perToken: m.perToken,
        shared: m.shared,
        activeParams: m.activeParams,
        expertLoraDims: m.expertLoraDims,
      })),
    },
    textEncoders: c.textEncoders.map(textEncoderJson),
    vae: componentJson(c.vae),
  };
}

/** A family's own fields, after the common ones (the compiler keeps the table exhaustive). */
type FamilyFieldsJson<F extends Family> = F extends Family
  ? Omit<Extract<ModelJson, { family: F }>, keyof ModelCommonJson | 'origin'>
  : never;
const FAMILY_FIELDS: { [F in Family]: (m: Extract<Model, { family: F }>) => FamilyFieldsJson<F> } = {
  llm: (m): FamilyFieldsJson<'llm'> => ({
    family: m.family,
    contextLength: m.contextLength,
    architecture: architectureJson(m.architecture),
    chatTemplate: m.chatTemplate,
    activeParams: llmActiveMatmulParams(m),
    activeParamsWithEmbedding: llmActiveParamsWithEmbedding(m),
  }),
  image: (m): FamilyFieldsJson<'image'> => {
    const d = m.loraDims;
    return {
      family: m.family,
      nativeResolution: m.nativeResolution,
      latent: { downscale: m.latent.downscale, channels: m.latent.channels },
      components: componentsJson(m.components),
      loraDims: { qv: d.qv, attention: d.attention, 'attention-mlp': d['attention-mlp'], all: d.all },
      loraDimsDerivation: m.loraDimsDerivation,
      sampling: ifPresent(m.sampling, (x) => ({ steps: x.steps, guidance: x.guidance })),
      checkpointBundles: [...m.checkpointBundles],
    };
  },
  video: (m): FamilyFieldsJson<'video'> => {
    const d = m.loraDims;
    return {
      family: m.family,
      nativeSize: { width: m.nativeSize.width, height: m.nativeSize.height },
      nativeFrames: m.nativeFrames,
      latent: { frames: m.latent.frames, downscale: m.latent.downscale, channels: m.latent.channels },
      components: componentsJson(m.components),
      loraDims: { qv: d.qv, attention: d.attention, 'attention-mlp': d['attention-mlp'], all: d.all },
      loraDimsDerivation: m.loraDimsDerivation,
      checkpointBundles: [...m.checkpointBundles],
    };
  },
};

export function modelJson(kb: KnowledgeBase, m: Model): ModelJson {
  // the entry for the model's own family takes that family's model type
  const own = (FAMILY_FIELDS[m.family] as (m: Model) => FamilyFieldsJson<Family>)(m);
  return { ...modelCommonJson(m), ...own, origin: kb.origin[`models:${m.id}`] };
}

// ---------- techniques ----------

export interface LevelJson {
  level: number;
  text: string;
}

export interface AttributesJson {
  trains: { value: string; text: string };
  trainingTime: LevelJson;
  resourceUse: LevelJson;
  storage: { minMB: number; maxMB: number; text: string };
  quality: LevelJson;
  consistency: LevelJson;
  modifiesWholeModel: { value: boolean; text: string };
  overfittingRisk: LevelJson;
  flexibility: LevelJson;
}

export interface GoalFitJson {
  fit: number;
  text: string;
}

export interface ImageDataJson {
  minImages: number;
  typicalImages?: number;
  classImages?: number;
  text: string;
}

export interface LlmDataJson {
  minExamples: number;
  typicalExamples?: number;
  text: string;
}

export interface DefaultsJson {
  steps: number;
  learningRate: number;
  rank?: number;
  batch: number;
  microBatch?: number;
  seqLen?: number;
  resolution?: number;
  frames?: number;
  targets?: Targets;
  optimizer: Optimizer;
  precision?: Precision;
  quantize?: Quantization;
  trainTextEncoder?: boolean;
  priorPreservation?: boolean;
  virtualTokens?: number;
  factor?: number;
  recipeSamples?: number;
  minSteps?: number;
  notes?: string;
}

export interface TechniqueJson {
  id: string;
  name: string;
  families: Technique['families'];
  summary: string;
  method: Method;
  attributes: AttributesJson;
  goals: {
    subject?: GoalFitJson;
    style?: GoalFitJson;
    concept?: GoalFitJson;
    motion?: GoalFitJson;
    task?: GoalFitJson;
    domain?: GoalFitJson;
    chat?: GoalFitJson;
    preference?: GoalFitJson;
    reasoning?: GoalFitJson;
  };
  data: { image?: ImageDataJson; llm?: LlmDataJson };
  /** keyed by model group id */
  defaults: Record<string, DefaultsJson>;
  /** as written: a sentence, or a sentence and what it applies to */
  pitfalls: PitfallJson[];
  sources: SourceJson[];
  origin?: string;
}

export interface AppliesJson {
  families?: Family[];
  groups?: string[];
  goals?: Goal[];
  methods?: Method[];
  bf16?: boolean;
  precisions?: Precision[];
  maxVramGiB?: number;
  minParamsB?: number;
  quantizedBase?: boolean;
  priorPreservation?: boolean;
}

export type PitfallJson = string | { text: string; applies?: AppliesJson };

const copy = <T>(list: readonly T[] | undefined): T[] | undefined => (list ? [...list] : undefined);

export const appliesJson = (a: Applies): AppliesJson => ({
  families: copy(a.families),
  groups: copy(a.groups),
  goals: copy(a.goals),
  methods: copy(a.methods),
  bf16: a.bf16,
  precisions: copy(a.precisions),
  maxVramGiB: a.maxVramGiB,
  minParamsB: a.minParamsB,
  quantizedBase: a.quantizedBase,
  priorPreservation: a.priorPreservation,
});

const pitfallJson = (p: Pitfall): PitfallJson =>
  typeof p === 'string' ? p : { text: p.text, applies: ifPresent(p.applies, appliesJson) };

const levelJson = (l: Technique['attributes']['quality']): LevelJson => ({ level: l.level, text: l.text });
const goalFitJson = (g: NonNullable<Technique['goals']['subject']>): GoalFitJson => ({ fit: g.fit, text: g.text });

export function attributesJson(a: Technique['attributes']): AttributesJson {
  return {
    trains: { value: a.trains.value, text: a.trains.text },
    trainingTime: levelJson(a.trainingTime),
    resourceUse: levelJson(a.resourceUse),
    storage: { minMB: a.storage.minMB, maxMB: a.storage.maxMB, text: a.storage.text },
    quality: levelJson(a.quality),
    consistency: levelJson(a.consistency),
    modifiesWholeModel: { value: a.modifiesWholeModel.value, text: a.modifiesWholeModel.text },
    overfittingRisk: levelJson(a.overfittingRisk),
    flexibility: levelJson(a.flexibility),
  };
}

const defaultsJson = (d: TechniqueDefaults): DefaultsJson => ({
  steps: d.steps,
  learningRate: d.learningRate,
  rank: d.rank,
  batch: d.batch,
  microBatch: d.microBatch,
  seqLen: d.seqLen,
  resolution: d.resolution,
  frames: d.frames,
  targets: d.targets,
  optimizer: d.optimizer,
  precision: d.precision,
  quantize: d.quantize,
  trainTextEncoder: d.trainTextEncoder,
  priorPreservation: d.priorPreservation,
  virtualTokens: d.virtualTokens,
  factor: d.factor,
  recipeSamples: d.recipeSamples,
  minSteps: d.minSteps,
  notes: d.notes,
});

export function techniqueJson(kb: KnowledgeBase, t: Technique): TechniqueJson {
  const g = t.goals;
  return {
    id: t.id,
    name: t.name,
    families: [...t.families],
    summary: t.summary,
    method: t.method,
    attributes: attributesJson(t.attributes),
    goals: {
      subject: ifPresent(g.subject, goalFitJson),
      style: ifPresent(g.style, goalFitJson),
      concept: ifPresent(g.concept, goalFitJson),
      motion: ifPresent(g.motion, goalFitJson),
      task: ifPresent(g.task, goalFitJson),
      domain: ifPresent(g.domain, goalFitJson),
      chat: ifPresent(g.chat, goalFitJson),
      preference: ifPresent(g.preference, goalFitJson),
      reasoning: ifPresent(g.reasoning, goalFitJson),
    },
    data: {
      image: ifPresent(t.data.image, (d): ImageDataJson => ({
        minImages: d.minImages,
        typicalImages: d.typicalImages,
        classImages: d.classImages,
        text: d.text,
      })),
      llm: ifPresent(t.data.llm, (d): LlmDataJson => ({
        minExamples: d.minExamples,
        typicalExamples: d.typicalExamples,
        text: d.text,
      })),
    },
    // the record's own order (group ids as the file lists them)
    defaults: Object.fromEntries(Object.entries(t.defaults).map(([group, d]) => [group, defaultsJson(d!)])),
    pitfalls: t.pitfalls.map(pitfallJson),
    sources: t.sources.map(sourceJson),
    origin: kb.origin[`techniques:${t.id}`],
  };
}

// ---------- trainers ----------

export interface TrainerJson {
  id: string;
  name: string;
  families: Family[];
  defaultFor?: Family[];
  /** model groups of its families it does not train */
  notFor?: string[];
  loss?: Trainer['loss'];
  attention?: Trainer['attention'];
  gradientCheckpointing?: Trainer['gradientCheckpointing'];
  /** the least micro-batch it runs an objective at, where that is not TRL's (KTO: 1) */
  objectiveMinBatch?: Trainer['objectiveMinBatch'];
  savePrecision?: Trainer['savePrecision'];
  defaults?: { precision?: Precision; quantize?: Quantization; cache?: boolean };
  /** what its code falls back to for a key a config file leaves out, where its runs set another (`check` reads it) */
  unsetDefaults?: {
    precision?: Precision;
    quantize?: Quantization;
    cache?: boolean;
    batch?: number;
    gradAccum?: number;
    optimizer?: Optimizer;
  };
  savers: Trainer['savers'];
  /** the optimizers it runs, its default first (absent: every one) */
  optimizers?: Trainer['optimizers'];
  quantizesExperts?: boolean;
  textEncoderTargets?: Trainer['textEncoderTargets'];
  loraTargets?: Trainer['loraTargets'];
  /** the techniques it runs and how each is selected there (absent: not recorded) */
  techniques?: Array<{ id: string; via?: string }>;
  /** the strategies for several cards it runs and how each is selected there (absent: not recorded; empty: one card per run) */
  strategies?: Array<{ id: string; via?: string }>;
  /** the option table `config` writes its files from */
  config?: Trainer['config'];
  notes?: string;
  sources: SourceJson[];
  /** 'bundled' or the file that defined the entry last */
  origin?: string;
}

export const trainerJson = (kb: KnowledgeBase, t: Trainer): TrainerJson => ({
  id: t.id,
  name: t.name,
  families: [...t.families],
  defaultFor: ifPresent(t.defaultFor, (f) => [...f]),
  notFor: ifPresent(t.notFor, (g) => [...g]),
  loss: t.loss,
  attention: t.attention,
  gradientCheckpointing: t.gradientCheckpointing,
  objectiveMinBatch: ifPresent(t.objectiveMinBatch, (m) => ({ ...m })),
  savePrecision: t.savePrecision,
  defaults: ifPresent(t.defaults, (d) => ({ precision: d.precision, quantize: d.quantize, cache: d.cache })),
  unsetDefaults: ifPresent(t.unsetDefaults, (d) => ({
    precision: d.precision,
    quantize: d.quantize,
    cache: d.cache,
    batch: d.batch,
    gradAccum: d.gradAccum,
    optimizer: d.optimizer,
  })),
  savers: [...t.savers],
  optimizers: ifPresent(t.optimizers, (o) => [...o]),
  quantizesExperts: t.quantizesExperts,
  textEncoderTargets: t.textEncoderTargets,
  loraTargets: t.loraTargets,
  techniques: ifPresent(t.techniques, (list) => list.map((x) => ({ id: x.id, via: x.via }))),
  strategies: ifPresent(t.strategies, (list) => list.map((x) => ({ id: x.id, via: x.via }))),
  config: t.config,
  notes: t.notes,
  sources: t.sources.map(sourceJson),
  origin: kb.origin[`trainers:${t.id}`],
});
