// The JSON mappers name the fields of the contract: a field added to an internal object (an entry,
// a result, a rule record) does not reach the JSON, and an entry's JSON has every field of its
// schema, in the schema's order.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { type RankedTechnique, recommend, type RecommendResult } from '../../src/engine/rank.js';
import {
  AppliesSchema,
  GpuSchema,
  ImageModelSchema,
  LlmModelSchema,
  type Source,
  TechniqueSchema,
  TrainerSchema,
  VideoModelSchema,
} from '../../src/kb/schema.js';
import type { ImageModel, Technique, VideoModel } from '../../src/kb/types.js';
import { gpuJson, modelJson, techniqueJson, trainerJson } from '../../src/render/catalogue.js';
import { compareToJson } from '../../src/render/compare.js';
import { estimateToJson } from '../../src/render/estimate-json.js';
import { recommendToJson } from '../../src/render/recommend-json.js';
import { bundledKb } from '../helpers.js';
import { answers, estimateFor, fixtureKb } from './fixture.js';

const kb = fixtureKb();
const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A deep copy with a field no contract has added to every object in it. */
function withExtraField<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withExtraField) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = withExtraField(v);
  copy['internalOnly'] = 'leaked';
  return copy as T;
}

/** A technique with the extra field everywhere but in `defaults` itself, whose keys are group ids (data). */
function techniqueWithExtraField(t: Technique): Technique {
  const defaults = Object.fromEntries(Object.entries(t.defaults).map(([g, d]) => [g, withExtraField(d)]));
  return { ...withExtraField(t), defaults };
}

describe('no internal field reaches the JSON', () => {
  it('of the catalogue entries', () => {
    for (const g of kb.gpus) expect(json(gpuJson(kb, withExtraField(g)))).toBe(json(gpuJson(kb, g)));
    for (const m of kb.models) expect(json(modelJson(kb, withExtraField(m)))).toBe(json(modelJson(kb, m)));
    for (const t of kb.techniques)
      expect(json(techniqueJson(kb, techniqueWithExtraField(t)))).toBe(json(techniqueJson(kb, t)));
    expect(kb.trainers.length).toBeGreaterThan(0);
    for (const t of kb.trainers) expect(json(trainerJson(kb, withExtraField(t)))).toBe(json(trainerJson(kb, t)));
  });

  it('of compare', () => {
    expect(json(compareToJson(kb.techniques.map(techniqueWithExtraField)))).toBe(json(compareToJson(kb.techniques)));
  });

  it('of estimate', () => {
    for (const e of [
      estimateFor({ technique: 'lora', model: 'sd15', gpu: 'rtx-3060' }),
      estimateFor({ technique: 'dreambooth', model: 'sdxl', gpu: 'gtx-1070' }),
      estimateFor({ technique: 'lora', model: 'llama-3.2-1b' }),
      estimateFor({ technique: 'qlora', model: 'llama-3.1-8b', vram: 12 }),
    ])
      expect(json(estimateToJson(withExtraField(e)))).toBe(json(estimateToJson(e)));
  });

  it('of recommend', () => {
    // a ranked technique's rules are built on first read: a plain copy holds them as data
    const ranked = (r: RankedTechnique): RankedTechnique => ({
      id: r.id,
      name: r.name,
      eligible: r.eligible,
      score: r.score,
      facts: r.facts,
      plan: withExtraField(r.plan),
      rules: withExtraField(r.rules),
      failed: withExtraField(r.failed),
      ruleCount: r.ruleCount,
      advice: withExtraField(r.advice),
    });
    const withExtra = (r: RecommendResult): RecommendResult => ({
      answers: withExtraField(r.answers),
      model: withExtraField(r.model),
      card: withExtraField(r.card),
      ranking: r.ranking.map(ranked),
      notRunByTrainer: withExtraField(r.notRunByTrainer),
      recommendation: r.recommendation && ranked(r.recommendation),
      runnerUp: r.runnerUp && ranked(r.runnerUp),
      suggestions: withExtraField(r.suggestions),
      sources: withExtraField(r.sources),
    });
    for (const a of [
      answers({ goal: 'subject', model: 'sd15', gpu: 'rtx-4090', timeHours: 4 }),
      answers({ goal: 'task', model: 'llama-3.1-8b', vramGiB: 6, timeHours: 24 }),
      answers({ goal: 'style', model: 'sdxl', gpu: 'rtx-3060', timeHours: 0.6, resolution: 768, steps: 200 }),
    ]) {
      const result = recommend(kb, a);
      for (const explainAll of [false, true])
        expect(json(recommendToJson(withExtra(result), { explainAll }))).toBe(
          json(recommendToJson(result, { explainAll })),
        );
    }
  });
});

/**
 * Walks an entry and its JSON along the entry's schema: at every object the JSON has the schema's
 * fields in the schema's order, and the entry is complete (every optional field set), so that
 * every field of the schema is checked, and a field added to the schema fails here until the
 * contract says whether it is shown.
 */
function expectSchemaFields(schema: z.ZodType, entry: unknown, out: unknown, path: string): void {
  const def = schema.def as unknown as {
    type: string;
    shape?: Record<string, z.ZodType>;
    innerType?: z.ZodType;
    element?: z.ZodType;
    valueType?: z.ZodType;
  };
  if (def.type === 'optional' || def.type === 'default') return expectSchemaFields(def.innerType!, entry, out, path);
  if (def.type === 'array') {
    const list = entry as unknown[];
    expect((out as unknown[]).length, path).toBe(list.length);
    expect(list.length, `${path}: the test entry has an element`).toBeGreaterThan(0);
    list.forEach((e, i) => expectSchemaFields(def.element!, e, (out as unknown[])[i], `${path}[${i}]`));
    return;
  }
  if (def.type === 'record' || def.type === 'object') {
    const record = entry as Record<string, unknown>;
    const keys = def.shape ? Object.keys(def.shape) : Object.keys(record);
    expect(Object.keys(record), `${path}: the test entry sets every field`).toEqual(keys);
    expect(Object.keys(out as object), path).toEqual(keys);
    for (const k of keys)
      expectSchemaFields(
        def.shape?.[k] ?? def.valueType!,
        record[k],
        (out as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
    return;
  }
  expect(out, path).toEqual(entry);
}

/** What the JSON adds after an entry's own fields. */
function withoutAdded(out: object, added: string[]): object {
  expect(Object.keys(out).slice(-added.length)).toEqual(added);
  return Object.fromEntries(Object.entries(out).filter(([k]) => !added.includes(k)));
}

const FULL_SOURCE: Source = {
  ref: 'a reference',
  url: 'https://example.com/page',
  for: ['a field'],
  quote: 'a quote',
  derived: 'a derivation',
};

/** A diffusion model's components with every optional field set (the blocks' kind as given). */
function everyComponentField(c: ImageModel['components'] | VideoModel['components'], blockKind: string) {
  return {
    denoiser: {
      ...c.denoiser,
      blocks: c.denoiser.blocks.map((b) => ({ ...b, heads: b.heads ?? 8, kind: blockKind })),
      referenceImages: 1,
      moe: c.denoiser.moe ?? { experts: 4, perToken: 2, shared: 1, activeParams: 2, expertLoraDims: 4 },
    },
    textEncoders: c.textEncoders.map((e) => ({
      ...e,
      width: e.width ?? 768,
      loraDims: e.loraDims ?? { attention: 2, 'attention-mlp': 4 },
    })),
    vae: { ...c.vae, width: 4 },
  };
}

describe('an entry with every field set has all of them in its JSON, in the schema order', () => {
  const printed = (value: unknown) => JSON.parse(JSON.stringify(value)) as object;

  it('trainer', () => {
    // the render fixture's knowledge base predates option tables: kohya's from the bundled data
    const kohyaConfig = bundledKb().trainers.find((t) => t.id === 'kohya')!.config!;
    const trainer = TrainerSchema.parse({
      ...kb.trainers.find((t) => t.id === 'unsloth')!,
      defaultFor: ['llm'],
      notFor: ['llm'],
      loss: 'chunked',
      attention: 'flash',
      gradientCheckpointing: 'offloaded',
      objectiveMinBatch: { kto: 1 },
      savePrecision: 'bf16',
      defaults: { precision: 'mixed-bf16', quantize: 'nf4', cache: false },
      unsetDefaults: { precision: 'fp32', quantize: 'none', cache: true, batch: 8, gradAccum: 1, optimizer: 'adamw' },
      savers: ['liger'],
      optimizers: ['adamw', 'adamw-8bit'],
      quantizesExperts: true,
      textEncoderTargets: 'attention',
      loraTargets: 'attention-mlp',
      techniques: [{ id: 'lora', via: 'via' }],
      strategies: [{ id: 'ddp', via: 'via' }],
      // kohya's table sets every field but a language model's dataset entry and a technique's `set` (lora: the trainer's default)
      config: {
        ...kohyaConfig,
        datasetEntry: { path: '{data}' },
        readAs: { bf16: { auto: true } },
        // torchtune's recipes the estimate does not model in full
        unmodelled: [{ option: 'teacher_model', note: 'knowledge distillation', stops: false }],
        // torchtune's builders of the models its groups have no entry of
        modelBuilder: { option: 'model._component_', prefixes: { lora: 'lora_', 'full-finetune': '' } },
        // LLaMA-Factory's defaults of options a file leaves out
        optionDefaults: { quantization_method: 'bnb' },
        commandLine: 'swift sft',
        // SimpleTuner's model_family and model_flavour
        modelFlavours: {
          family: 'model_family',
          flavour: 'model_flavour',
          families: {
            sd3: { default: 'medium', flavours: [{ id: 'medium', path: 'stabilityai/stable-diffusion-3.5-medium' }] },
          },
        },
        // the fields the image trainers' tables add (ai-toolkit, OneTrainer, SimpleTuner); torchtune's seed: null
        set: { job: 'extension', seed: null },
        datasetSet: { type: 'local' },
        datasetEntries: [{ id: 'text-embeds' }],
        datasetReads: 'reads',
        datasetIn: 'config.process.0.datasets',
        // several cards: TRL's table (an accelerate file, its set and options, a strategy per id)
        // with axolotl's DeepSpeed file and ms-swift's FSDP file, and one strategy with every field
        distributed: {
          ...bundledKb().trainers.find((t) => t.id === 'trl')!.config!.distributed!,
          deepspeedFile: 'ds_config.json',
          deepspeedSet: { train_micro_batch_size_per_gpu: 'auto' },
          fsdpFile: 'fsdp_offload.json',
          fsdpSet: { 'fsdp_config.fsdp_version': 2 },
          // ms-swift's launch environment
          cardsVariable: 'NPROC_PER_NODE',
          strategies: {
            zero3: {
              set: { deepspeed: '{deepspeed}' },
              deepspeed: { 'zero_optimization.stage': 3 },
              accelerate: { distributed_type: 'DEEPSPEED' },
              fsdp: { fsdp: 'full_shard auto_wrap offload' },
              launch: 'accelerate launch {config}',
              scripts: { 'full-finetune': 'train.py' },
              options: { optimizer: 'optim' },
              techniques: ['full-finetune'],
              implies: { gradientCheckpointing: true },
            },
          },
        },
        // LLaMA-Factory's dataset_info.json
        datasetRegistry: {
          file: 'dataset_info.json',
          name: 'train',
          entry: { file_name: '{data}', columns: { messages: 'messages' } },
        },
        // FLUX's group sets every field (a script, options, a layout note), narrowed to a model with
        // a builder per technique as torchtune's entries are, with a technique's script and the
        // group's own option names added (diffusers' table has those)
        groups: kohyaConfig
          .groups!.filter((g) => g.layout)
          .map((g) => ({
            groups: g.groups,
            models: ['flux-dev'],
            script: g.script,
            scripts: { loha: 'flux_train_network.py' },
            set: g.set,
            techniques: { loha: { network_dim: 8 } },
            options: { rank: 'network_dim' },
            layout: g.layout,
          })),
        // a script's own entry with every field (diffusers' text-to-image scripts have a layout, the FLUX one a set)
        scriptOptions: {
          'train_db.py': {
            ...kohyaConfig.scriptOptions!['train_db.py']!,
            set: { caption_column: 'text' },
            layout: 'layout',
          },
        },
        techniques: {
          loha: {
            ...kohyaConfig.techniques['loha']!,
            script: 'flux_train_network.py',
            groups: ['flux'],
            options: { rank: 'network_dim' },
            omit: ['network_alpha'],
            // a technique's own writer (TRL's LoHa train.py) and adapter file (SimpleTuner's lycoris_config.json)
            writer: 'python',
            file: 'train.py',
            reads: 'reads',
            launch: 'python {config}',
            datasetEntry: { path: 'json' },
            captionFiles: true,
            layout: 'layout',
            adapterFile: {
              file: 'lycoris_config.json',
              option: 'lycoris_config',
              reads: 'reads',
              set: { algo: 'loha' },
              options: { rank: 'linear_dim' },
            },
          },
        },
      },
      notes: 'notes',
      sources: [FULL_SOURCE],
    });
    const out = printed(trainerJson(kb, trainer));
    expectSchemaFields(TrainerSchema, trainer, withoutAdded(out, ['origin']), 'trainer');
  });

  it('GPU', () => {
    const base = kb.gpus.find((g) => g.id === 'gtx-1070')!;
    const gpu = GpuSchema.parse({
      ...base,
      memoryMiB: 8192,
      smiMemoryMiB: 8110,
      sustainedTflops: 5,
      fp32Tflops: 6.46,
      powerW: 150,
      backend: 'cuda',
      sharedNames: ['GTX 1070'],
      interconnect: {
        pcie: { gen: 3, lanes: 16 },
        peerToPeer: false,
        nvlink: { generation: 2, GBs: 50, via: 'bridge', bridgeCards: 2 },
      },
      sources: [FULL_SOURCE],
    });
    const out = printed(gpuJson(kb, gpu));
    expectSchemaFields(GpuSchema, gpu, withoutAdded(out, ['usableGiB', 'link', 'origin']), 'gpu');
  });

  it('language model', () => {
    const base = kb.models.find((m) => m.id === 'llama-3.2-1b')!;
    if (base.family !== 'llm') throw new Error('llama-3.2-1b is a language model');
    const model = LlmModelSchema.parse({
      ...base,
      chatTemplate: 'llama3',
      notes: 'notes',
      sources: [FULL_SOURCE],
      architecture: {
        ...base.architecture,
        decoderLayers: 2,
        positionEmbeddings: 2048,
        parallelBlock: true,
        attentionSoftcap: 50,
        finalLogitSoftcap: 30,
        lossUpcast: false,
        qkNorm: true,
        attentionSinks: true,
        moe: { experts: 8, perToken: 2, expertIntermediate: 1024, shared: 1, every: 2 },
      },
    });
    const out = printed(modelJson(kb, model));
    expectSchemaFields(
      LlmModelSchema,
      model,
      withoutAdded(out, ['activeParams', 'activeParamsWithEmbedding', 'origin']),
      'model',
    );
  });

  it('image model', () => {
    const base = kb.models.find((m) => m.id === 'sdxl')!;
    if (base.family !== 'image') throw new Error('sdxl is an image model');
    const c = base.components;
    const model = ImageModelSchema.parse({
      ...base,
      notes: 'notes',
      sources: [FULL_SOURCE],
      sampling: { steps: 28, guidance: 'distilled' },
      checkpointBundles: ['vae'],
      components: everyComponentField(c, 'joint'),
    });
    const out = printed(modelJson(kb, model));
    expectSchemaFields(ImageModelSchema, model, withoutAdded(out, ['origin']), 'model');
  });

  it('video model', () => {
    // the fixture catalogue has no video model: the bundled one's first
    const bundled = bundledKb();
    const base = bundled.models.find((m) => m.family === 'video');
    if (!base || base.family !== 'video') throw new Error('the catalogue has a video model');
    const c = base.components;
    const model = VideoModelSchema.parse({
      ...base,
      notes: 'notes',
      sources: [FULL_SOURCE],
      checkpointBundles: ['vae'],
      components: everyComponentField(c, 'block'),
      loraDimsDerivation: base.loraDimsDerivation ?? 'derivation',
    });
    const out = printed(modelJson(bundled, model));
    expectSchemaFields(VideoModelSchema, model, withoutAdded(out, ['origin']), 'model');
  });

  it('technique', () => {
    const base = kb.techniques.find((t) => t.id === 'lora')!;
    const goal = { fit: 2, text: 'a goal' };
    const technique = TechniqueSchema.parse({
      ...base,
      goals: {
        subject: goal,
        style: goal,
        concept: goal,
        motion: goal,
        task: goal,
        domain: goal,
        chat: goal,
        preference: goal,
        reasoning: goal,
      },
      data: {
        image: { minImages: 5, typicalImages: 20, classImages: 100, text: 'images' },
        llm: { minExamples: 100, typicalExamples: 1000, text: 'examples' },
      },
      defaults: {
        sdxl: {
          steps: 100,
          learningRate: 1e-4,
          rank: 8,
          batch: 2,
          microBatch: 1,
          seqLen: 512,
          resolution: 1024,
          frames: 81,
          targets: 'qv',
          optimizer: 'adamw',
          precision: 'bf16',
          quantize: 'nf4',
          trainTextEncoder: true,
          priorPreservation: true,
          virtualTokens: 8,
          factor: 4,
          recipeSamples: 20,
          minSteps: 50,
          notes: 'notes',
        },
      },
      // a sentence, and a sentence with every condition of the vocabulary
      pitfalls: [
        'a pitfall',
        {
          text: 'a pitfall that applies',
          applies: {
            families: ['image'],
            groups: ['sdxl'],
            goals: ['subject'],
            methods: ['lora'],
            bf16: false,
            precisions: ['mixed-fp16'],
            maxVramGiB: 24,
            minParamsB: 7,
            quantizedBase: true,
            priorPreservation: true,
          },
        },
      ],
      sources: [FULL_SOURCE],
    });
    expect(Object.keys((technique.pitfalls[1] as { applies: object }).applies)).toEqual(
      Object.keys(AppliesSchema.shape),
    );
    const out = printed(techniqueJson(kb, technique));
    expectSchemaFields(TechniqueSchema, technique, withoutAdded(out, ['origin']), 'technique');
  });
});
