// --model PATH: a model read from its config.json, its folder or the local Hugging Face cache
// (src/cli/model-files.ts, src/engine/hf-config.ts), against the catalogue entries of the same models.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { languageModelFromConfig } from '../../src/engine/hf-config.js';
import type { LlmModel } from '../../src/kb/types.js';
import { bundledKb, runCli } from '../helpers.js';

const FIXTURES = 'tests/fixtures/model-files';
const tmp = mkdtempSync(join(tmpdir(), 'fa-model-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const catalogue = (id: string) => bundledKb().models.find((m) => m.id === id) as LlmModel;
const estimateJson = async (model: string, env: Record<string, string> = {}, extra: string[] = []) => {
  const r = await runCli(
    ['estimate', '--technique', 'lora', '--model', model, '--gpu', 'h100-sxm', '--json', ...extra],
    env,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    model: string;
    vram: unknown;
    time: unknown;
    output: unknown;
    settings: unknown;
    assumptions: string[];
  };
};

describe('a model read from its config.json', () => {
  it("Llama-3.1-8B's config.json gives exactly the estimate of the catalogue's llama-3.1-8b", async () => {
    const fromCatalogue = await estimateJson('llama-3.1-8b');
    for (const path of [`${FIXTURES}/Llama-3.1-8B`, `${FIXTURES}/Llama-3.1-8B/config.json`]) {
      const fromFile = await estimateJson(path);
      expect(fromFile.vram).toEqual(fromCatalogue.vram);
      expect(fromFile.time).toEqual(fromCatalogue.time);
      expect(fromFile.output).toEqual(fromCatalogue.output);
      expect(fromFile.settings).toEqual(fromCatalogue.settings);
      // where it came from, and the checkpoint index that agrees with the architecture
      expect(fromFile.model).toBe('local-llama-3.1-8b');
      expect(fromFile.assumptions[0]).toMatch(
        /^model read from tests\/fixtures\/model-files\/Llama-3\.1-8B\/config\.json \(model_type llama\): 8\.03 B .*16,060,522,496 bytes of bfloat16 = 8\.030 B parameters, within 2%/,
      );
    }
  });

  it('maps every architecture field the way the catalogue entry writes it', () => {
    const read = languageModelFromConfig(
      JSON.parse(readFileSync(`${FIXTURES}/Llama-3.1-8B/config.json`, 'utf8')),
      'config.json',
      { id: 'x', name: 'x', alias: 'x' },
    ).model;
    const entry = catalogue('llama-3.1-8b');
    expect(read.architecture).toEqual(entry.architecture);
    expect(read.params).toBe(entry.params);
    expect(read.contextLength).toBe(entry.contextLength);
  });

  it.each([
    ['Qwen3-30B-A3B', 'qwen3-30b-a3b'],
    ['gpt-oss-20b', 'gpt-oss-20b'],
    ['gemma-3-12b-it', 'gemma-3-12b'],
  ])(
    '%s (mixture of experts, or a multimodal text_config) counts the parameters of %s within 0.5%%',
    async (dir, id) => {
      const r = await runCli(['estimate', '--technique', 'lora', '--model', `${FIXTURES}/${dir}`, '--json']);
      expect(r.code).toBe(0);
      const params = Number(/: ([\d.]+) B parameters counted/.exec(JSON.parse(r.stdout).assumptions[0])![1]) * 1e9;
      expect(Math.abs(params - catalogue(id).params) / catalogue(id).params).toBeLessThan(0.005);
      const read = languageModelFromConfig(
        JSON.parse(readFileSync(`${FIXTURES}/${dir}/config.json`, 'utf8')),
        'config.json',
        { id: 'x', name: 'x', alias: 'x' },
      ).model;
      expect(read.architecture.moe).toEqual(catalogue(id).architecture.moe);
      expect(read.params).toBe(catalogue(id).params);
    },
  );

  it('a checkpoint index that disagrees with the architecture by more than 2% is a warning naming both', async () => {
    const dir = join(tmp, 'Mismatch-8B');
    cpSync(`${FIXTURES}/Llama-3.1-8B`, dir, { recursive: true });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 17e9 } }));
    const r = await runCli(['estimate', '--technique', 'lora', '--model', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^warning: .*model\.safetensors\.index\.json: the checkpoint holds 8\.500 B parameters .* the architecture in config\.json 8\.030 B \(5\.8% apart\)/,
    );
  });

  it('recommend takes it too, and its script line repeats the path', async () => {
    const r = await runCli([
      'recommend',
      '--goal',
      'chat',
      '--model',
      `${FIXTURES}/Llama-3.1-8B`,
      '--gpu',
      'h100-sxm',
      '--time',
      '8h',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: model read from tests\/fixtures\/model-files\/Llama-3\.1-8B\/config\.json/);
    const fromCatalogue = await runCli([
      'recommend',
      '--goal',
      'chat',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      'h100-sxm',
      '--time',
      '8h',
      '--json',
    ]);
    const pick = (s: string) => JSON.parse(s).recommendation?.id;
    expect(pick(r.stdout)).toBe(pick(fromCatalogue.stdout));
  });
});

describe('a diffusers folder', () => {
  it('an SDXL pipeline folder is estimated as the catalogue sdxl, saying so', async () => {
    const fromCatalogue = await runCli([
      'estimate',
      '--technique',
      'lora',
      '--model',
      'sdxl',
      '--gpu',
      'h100-sxm',
      '--json',
    ]);
    const r = await runCli([
      'estimate',
      '--technique',
      'lora',
      '--model',
      `${FIXTURES}/sdxl-finetune`,
      '--gpu',
      'h100-sxm',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const [a, b] = [JSON.parse(fromCatalogue.stdout), JSON.parse(r.stdout)];
    expect(b.vram).toEqual(a.vram);
    expect(b.assumptions[0]).toMatch(/a StableDiffusionXLPipeline with Stable Diffusion XL .*'s unet \(sdxl\)/);
  });

  it('a pipeline whose denoiser is not a catalogue architecture, or a missing component: exit 2 naming it', async () => {
    const dir = join(tmp, 'odd-sdxl');
    cpSync(`${FIXTURES}/sdxl-finetune`, dir, { recursive: true });
    writeFileSync(join(dir, 'unet', 'config.json'), JSON.stringify({ cross_attention_dim: 1536 }));
    const odd = await runCli(['estimate', '--technique', 'lora', '--model', dir]);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(
      /unet\/config\.json: not an architecture of the catalogue's StableDiffusionXLPipeline models \(needs unet cross_attention_dim 2048/,
    );
    rmSync(join(dir, 'vae'), { recursive: true });
    const missing = await runCli(['estimate', '--technique', 'lora', '--model', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model_index\.json: vae\/config\.json is missing beside it/);
  });
});

describe('a diffusers folder of the 2025-26 image models', () => {
  /** A pipeline folder: model_index.json naming the components, each with its config.json. */
  function pipelineFolder(name: string, cls: string, transformer: Record<string, unknown>, encoders: string[]): string {
    const dir = join(tmp, name);
    const index: Record<string, unknown> = { _class_name: cls, _diffusers_version: '0.36.0' };
    const configs: Record<string, Record<string, unknown>> = { transformer, vae: { _class_name: 'AutoencoderKL' } };
    index.transformer = ['diffusers', String(transformer._class_name)];
    index.vae = ['diffusers', 'AutoencoderKL'];
    for (const e of encoders) {
      index[e] = ['transformers', 'PreTrainedModel'];
      configs[e] = { model_type: 'encoder' };
    }
    for (const [component, config] of Object.entries(configs)) {
      mkdirSync(join(dir, component), { recursive: true });
      writeFileSync(join(dir, component, 'config.json'), JSON.stringify(config));
    }
    writeFileSync(join(dir, 'model_index.json'), JSON.stringify(index));
    return dir;
  }
  const estimate = async (model: string) => {
    const r = await runCli(['estimate', '--technique', 'lora', '--model', model, '--gpu', 'h100-sxm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { vram: unknown; assumptions: string[] };
  };

  for (const [name, cls, transformer, encoders, id] of [
    [
      'hidream',
      'HiDreamImagePipeline',
      { _class_name: 'HiDreamImageTransformer2DModel', num_layers: 16, num_single_layers: 32, num_routed_experts: 4 },
      ['text_encoder', 'text_encoder_2', 'text_encoder_3', 'text_encoder_4'],
      'hidream-i1',
    ],
    [
      'flux2-dev',
      'Flux2Pipeline',
      { _class_name: 'Flux2Transformer2DModel', num_layers: 8, num_single_layers: 48 },
      ['text_encoder'],
      'flux2-dev',
    ],
    [
      'flux2-klein-9b',
      'Flux2KleinPipeline',
      { _class_name: 'Flux2Transformer2DModel', num_layers: 8, num_single_layers: 24 },
      ['text_encoder'],
      'flux2-klein-9b',
    ],
  ] as const)
    it(`a ${cls} folder is estimated as the catalogue ${id}`, async () => {
      const dir = pipelineFolder(name, cls, { ...transformer }, [...encoders]);
      const [a, b] = [await estimate(id), await estimate(dir)];
      expect(b.vram).toEqual(a.vram);
      expect(b.assumptions[0]).toContain(`a ${cls} with`);
      expect(b.assumptions[0]).toContain(`(${id})`);
    });

  it('a FLUX.2 [klein] transformer of another size: exit 2 naming the shapes it maps', async () => {
    const dir = pipelineFolder(
      'flux2-klein-odd',
      'Flux2KleinPipeline',
      { _class_name: 'Flux2Transformer2DModel', num_layers: 6, num_single_layers: 22 },
      ['text_encoder'],
    );
    const r = await runCli(['estimate', '--technique', 'lora', '--model', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /transformer\/config\.json: not an architecture of the catalogue's Flux2KleinPipeline models \(needs transformer num_layers 5 and num_single_layers 20/,
    );
  });
});

describe('a Hub id in the local Hugging Face cache', () => {
  const home = join(tmp, 'hf-home');
  const repo = join(home, 'hub', 'models--acme--Llama-Test-8B');
  mkdirSync(join(repo, 'refs'), { recursive: true });
  for (const rev of ['1111', '2222']) mkdirSync(join(repo, 'snapshots', rev), { recursive: true });
  cpSync(`${FIXTURES}/Llama-3.1-8B/config.json`, join(repo, 'snapshots', '1111', 'config.json'));
  // a newer snapshot that refs/main does not name: not read
  writeFileSync(join(repo, 'snapshots', '2222', 'config.json'), '{"model_type": "unknown"}');
  writeFileSync(join(repo, 'refs', 'main'), '1111\n');

  it('resolves ORG/NAME from $HF_HOME/hub, the revision refs/main names', async () => {
    const fromCatalogue = await estimateJson('llama-3.1-8b');
    const r = await estimateJson('acme/Llama-Test-8B', { HF_HOME: home });
    expect(r.vram).toEqual(fromCatalogue.vram);
    expect(r.assumptions[0]).toMatch(
      /^acme\/Llama-Test-8B found in the local Hugging Face cache; model read from .*snapshots\/1111\/config\.json/,
    );
    // HF_HUB_CACHE names the hub folder itself, and wins
    expect((await estimateJson('acme/llama-test-8b', { HF_HUB_CACHE: join(home, 'hub'), HF_HOME: tmp })).vram).toEqual(
      fromCatalogue.vram,
    );
  });

  it('without refs/main, the newest snapshot', async () => {
    const other = join(tmp, 'hf-other', 'hub', 'models--acme--Newest');
    for (const rev of ['old', 'new']) mkdirSync(join(other, 'snapshots', rev), { recursive: true });
    writeFileSync(join(other, 'snapshots', 'old', 'config.json'), 'not json');
    cpSync(`${FIXTURES}/Qwen3-30B-A3B/config.json`, join(other, 'snapshots', 'new', 'config.json'));
    const past = new Date(Date.now() - 3600e3);
    utimesSync(join(other, 'snapshots', 'old'), past, past);
    const r = await estimateJson('acme/Newest', { HF_HOME: join(tmp, 'hf-other') });
    expect(r.assumptions[0]).toMatch(/snapshots\/new\/config\.json \(model_type qwen3_moe\)/);
  });

  it('a Hub id that is neither in the catalogue nor in the cache: exit 2 naming the cache folder', async () => {
    const r = await runCli(['estimate', '--technique', 'lora', '--model', 'acme/Missing-7B'], { HF_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --model 'acme\/Missing-7B' is not in the catalogue, nor in the Hugging Face cache \(.*hf-home\/hub\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('files that are not a model this tool reads: one line naming the file, no stack trace', () => {
  const write = (name: string, text: string) => {
    const path = join(tmp, 'bad', name);
    mkdirSync(join(tmp, 'bad'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const llama = JSON.parse(readFileSync(`${FIXTURES}/Llama-3.1-8B/config.json`, 'utf8'));

  it.each([
    [
      'an unknown model_type (the fields it needs and --kb)',
      () => write('unknown.json', JSON.stringify({ ...llama, model_type: 'falcon_mamba' })),
      2,
      /unknown\.json: model_type 'falcon_mamba' is not one this tool reads \(it reads .*llama.*\); give the model as a --kb entry .*architecture \{layers, hidden, intermediate, heads, kvHeads, headDim, vocab, tiedEmbeddings\}/,
    ],
    [
      'a missing field',
      () => {
        const { num_hidden_layers: _, ...rest } = llama;
        return write('missing.json', JSON.stringify(rest));
      },
      2,
      /missing\.json: "num_hidden_layers" is missing \(model_type llama needs it\)/,
    ],
    ['a non-JSON file', () => write('notjson.json', 'model_type: llama\n'), 2, /notjson\.json: not JSON/],
    [
      'a 2 GB file (refused without reading it)',
      () => {
        const path = write('huge.json', '');
        execFileSync('truncate', ['-s', '2G', path]);
        expect(statSync(path).size).toBe(2 * 1024 ** 3);
        return path;
      },
      2,
      /huge\.json: larger than the 5 MB a config file may be/,
    ],
    [
      'a folder without a config',
      () => {
        mkdirSync(join(tmp, 'bad', 'empty'), { recursive: true });
        return join(tmp, 'bad', 'empty');
      },
      2,
      /bad\/empty: no config\.json \(transformers\) or model_index\.json \(diffusers\) in the folder/,
    ],
    [
      'a file that is not there (unreadable: exit 1)',
      () => join(tmp, 'bad', 'absent.json'),
      1,
      /absent\.json: no such file or folder/,
    ],
  ])('%s', async (_what, make, code, message) => {
    const path = make();
    for (const command of [
      ['estimate', '--technique', 'lora', '--model', path],
      ['recommend', '--goal', 'chat', '--model', path, '--gpu', '4090', '--time', '8h', '--no-input'],
    ]) {
      const r = await runCli(command);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a catalogue name still resolves from the catalogue, and a misspelt one suggests names', async () => {
    const r = await runCli(['estimate', '--technique', 'lora', '--model', 'llama-3.1-8x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not in the catalogue\. Did you mean 'llama-3\.1-8b'/);
  });
});

describe('each model type read as the catalogue writes its entries', () => {
  // a config.json in Hugging Face's field names, from a catalogue entry's architecture
  const configOf = (m: LlmModel, modelType: string, extra: Record<string, unknown> = {}) => {
    const a = m.architecture;
    return {
      model_type: modelType,
      hidden_size: a.hidden,
      intermediate_size: a.intermediate,
      num_hidden_layers: a.layers,
      num_attention_heads: a.heads,
      num_key_value_heads: a.kvHeads,
      head_dim: a.headDim,
      vocab_size: a.vocab,
      tie_word_embeddings: a.tiedEmbeddings,
      max_position_embeddings: m.contextLength,
      ...extra,
    };
  };
  it.each([
    ['qwen2.5-7b', 'qwen2', {}],
    ['qwen3-8b', 'qwen3', {}],
    ['mistral-nemo-12b', 'mistral', {}],
    ['gemma-7b', 'gemma', {}],
    ['gemma-2-9b', 'gemma2', { attn_logit_softcapping: 50.0, final_logit_softcapping: 30.0 }],
    ['gemma-3-1b', 'gemma3_text', {}],
    ['phi-4', 'phi3', {}],
    ['qwen3-235b-a22b', 'qwen3_moe', { num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 1536 }],
    ['gpt-oss-120b', 'gpt_oss', { num_local_experts: 128, num_experts_per_tok: 4 }],
    [
      'llama-4-maverick',
      'llama4_text',
      {
        intermediate_size: 8192,
        intermediate_size_mlp: 16384,
        num_local_experts: 128,
        num_experts_per_tok: 1,
        interleave_moe_layer_step: 2,
      },
    ],
    [
      'llama-4-scout',
      'llama4_text',
      {
        intermediate_size: 8192,
        intermediate_size_mlp: 16384,
        num_local_experts: 16,
        num_experts_per_tok: 1,
        interleave_moe_layer_step: 1,
      },
    ],
  ] as const)('%s from model_type %s', (id, modelType, extra) => {
    const entry = catalogue(id);
    const read = languageModelFromConfig(configOf(entry, modelType, extra), 'config.json', {
      id: 'x',
      name: 'x',
      alias: 'x',
    }).model;
    expect(read.architecture).toEqual(entry.architecture);
    expect(read.params).toBe(entry.params);
  });

  it('a multimodal llama4 config reads its text_config', () => {
    const entry = catalogue('llama-4-scout');
    const text = {
      ...configOf(entry, 'llama4_text'),
      intermediate_size_mlp: 16384,
      num_local_experts: 16,
      num_experts_per_tok: 1,
      interleave_moe_layer_step: 1,
    };
    const read = languageModelFromConfig({ model_type: 'llama4', text_config: text }, 'config.json', {
      id: 'x',
      name: 'x',
      alias: 'x',
    });
    expect(read.wrapper).toBe('llama4');
    expect(read.model.params).toBe(entry.params);
  });
});
