// --model PATH: a model read from its files on disk, never the network. PATH is a config.json, a
// model folder (transformers: config.json; diffusers: model_index.json and its components'
// config.json), or a Hub id ORG/NAME found in the local Hugging Face cache. Loaded (its own bundle,
// scripts/bundle.mjs) only when --model names no catalogue entry.
// Exit codes: a file that cannot be read (missing, permission) is a failure, 1; a file read whose
// content is not a model this tool reads (not JSON, too large, an unknown model_type, a missing
// field, a folder without a config) is a usage error, 2. Each problem is one line naming the file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

import { DTYPE_BYTES, languageModelFromConfig } from '../engine/hf-config.js';
import { KbError, UsageError } from '../errors.js';
import { groupThousands } from '../format.js';
import { MAX_FILE_BYTES } from '../kb/limits.js';
import { FileReadError, formatLimit, printableName, readFileBounded } from '../kb/read-file.js';
import type { ImageModel, KnowledgeBase, Model } from '../kb/types.js';

/** A model read from files: the entry, where it came from, the line for the assumptions and any warnings. */
export interface ModelFromFiles {
  model: Model;
  /** the file or folder it was read from, as `from` shows it */
  origin: string;
  assumption: string;
  warnings: string[];
}

/**
 * A checkpoint index lists every tensor's shard: a few hundred KB for a large model. Only its
 * metadata is read, for the size cross-check, so a bigger one is skipped rather than read.
 */
const MAX_INDEX_BYTES = 8 * MAX_FILE_BYTES;
/** A checkpoint size further than this from parameters x dtype bytes is worth a warning. */
const SIZE_TOLERANCE = 0.02;

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** The Hugging Face cache folder as huggingface_hub finds it: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hfHubCache(env: Record<string, string | undefined>): string | null {
  const hub = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (hub) return hub;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : null;
  if (cache) return join(cache, 'huggingface', 'hub');
  return env.HOME ? join(env.HOME, '.cache', 'huggingface', 'hub') : null;
}

/** What stat says, or null when nothing is there (any other failure is the file's problem, exit 1). */
function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new KbError([`${printableName(path)}: cannot be read (${code ?? String(err)})`]);
  }
}

/** The snapshot folder of a cached repo: the revision refs/main names, else the newest snapshot. */
function cachedSnapshot(cache: string, hubId: string): string | null {
  const wanted = `models--${hubId.replace('/', '--')}`;
  let names: string[];
  try {
    names = readdirSync(cache);
  } catch {
    return null;
  }
  // the cache keeps the repo's spelling; what was typed may differ in case
  const folder = names.includes(wanted) ? wanted : names.find((n) => n.toLowerCase() === wanted.toLowerCase());
  if (!folder) return null;
  const snapshots = join(cache, folder, 'snapshots');
  try {
    const main = readFileSync(join(cache, folder, 'refs', 'main'), 'utf8').trim();
    if (/^[\w.-]+$/.test(main) && statOrNull(join(snapshots, main))?.isDirectory()) return join(snapshots, main);
  } catch {
    // no refs/main: the newest snapshot below
  }
  let revisions: string[];
  try {
    revisions = readdirSync(snapshots);
  } catch {
    return null;
  }
  const dated = revisions
    .map((r) => ({ r, st: statOrNull(join(snapshots, r)) }))
    .filter((x) => x.st?.isDirectory())
    .sort((a, b) => b.st!.mtimeMs - a.st!.mtimeMs || (a.r < b.r ? -1 : 1));
  return dated.length ? join(snapshots, dated[0]!.r) : null;
}

/** A JSON object from `file`: too large or not JSON is a usage error (2), unreadable a failure (1). */
function readJsonObject(file: string, limit = MAX_FILE_BYTES): Record<string, unknown> {
  let bytes: Buffer;
  try {
    bytes = readFileBounded(file, limit);
  } catch (err) {
    if (!(err instanceof FileReadError) && (err as Error).name !== 'FileReadError') throw err;
    const e = err as FileReadError;
    if (e.kind === 'file') throw new KbError([`${printableName(file)}: ${e.reason}`]);
    const what = e.kind === 'too-large' ? `larger than the ${formatLimit(limit)} a config file may be` : e.reason;
    throw new UsageError(`${printableName(file)}: ${what}; --model takes a config.json or its folder.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UsageError(`${printableName(file)}: not JSON (${(err as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${printableName(file)}: not a JSON object of a model's configuration.`);
  return value as Record<string, unknown>;
}

/** A path as messages show it: relative to the working folder when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return printableName(rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path);
}

/** An entry id for the name: `local-` and its letters and digits, lowercase kebab-case. */
function localId(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `local-${slug || 'model'}`;
}

/** The checkpoint's size against parameters x bytes of its dtype, when the index gives it. */
function sizeCheck(folder: string, params: number, dtype: string | null): { text: string; warning: string | null } {
  const indexFile = join(folder, 'model.safetensors.index.json');
  if (!statOrNull(indexFile)) return { text: 'no model.safetensors.index.json to cross-check it with', warning: null };
  const bytesPer = dtype ? DTYPE_BYTES[dtype] : undefined;
  if (!bytesPer)
    return { text: `torch_dtype ${dtype ?? 'not given'}: the checkpoint size not cross-checked`, warning: null };
  let index: Record<string, unknown>;
  try {
    index = readJsonObject(indexFile, MAX_INDEX_BYTES);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { text: `${err.message.replace(/\.$/, '')}: not cross-checked`, warning: null };
  }
  const total = (index.metadata as Record<string, unknown> | undefined)?.total_size;
  if (typeof total !== 'number' || !(total > 0))
    return { text: `${shown(indexFile)} gives no metadata.total_size: not cross-checked`, warning: null };
  const fromIndex = total / bytesPer;
  const off = Math.abs(fromIndex - params) / params;
  const b = (n: number) => `${(n / 1e9).toFixed(3)} B`;
  const text = `${shown(indexFile)}: ${groupThousands(total)} bytes of ${dtype} = ${b(fromIndex)} parameters`;
  return {
    text: off > SIZE_TOLERANCE ? `${text}, ${(off * 100).toFixed(1)}% off` : `${text}, within ${SIZE_TOLERANCE * 100}%`,
    warning:
      off > SIZE_TOLERANCE
        ? `${shown(indexFile)}: the checkpoint holds ${b(fromIndex)} parameters (${groupThousands(total)} bytes of ${dtype}), the architecture in config.json ${b(params)} (${(off * 100).toFixed(1)}% apart); the estimate uses the architecture's.`
        : null,
  };
}

/** A transformers model from its config.json (and the folder's checkpoint index, when there is one). */
function languageModel(configFile: string, input: string, label: string): ModelFromFiles {
  const file = shown(configFile);
  const config = readJsonObject(configFile);
  if (typeof config._class_name === 'string' && typeof config._diffusers_version === 'string')
    return diffusersFromComponent(file, config);
  const read = languageModelFromConfig(config, file, { id: localId(label), name: label, alias: input });
  const { model } = read;
  const billions = `${(model.params / 1e9).toFixed(2)} B`;
  let check: { text: string; warning: string | null };
  if (read.quantized) check = { text: 'a quantization_config: the checkpoint size not cross-checked', warning: null };
  else if (read.wrapper)
    check = {
      text: `the checkpoint of a ${read.wrapper} model holds its vision encoder too: its size not cross-checked`,
      warning: null,
    };
  else check = sizeCheck(dirname(configFile), model.params, read.dtype);
  return {
    model,
    origin: file,
    assumption: `model read from ${file} (model_type ${read.modelType}): ${billions} parameters counted from its architecture (${check.text}); not a catalogue entry, so no published figure for it is checked`,
    warnings: check.warning ? [check.warning] : [],
  };
}

/** A component's config.json, read or reported missing. */
function componentConfig(folder: string, name: string): Record<string, unknown> {
  const file = join(folder, name, 'config.json');
  if (!statOrNull(file))
    throw new UsageError(`${shown(join(folder, 'model_index.json'))}: ${name}/config.json is missing beside it.`);
  return readJsonObject(file);
}

/**
 * Diffusers pipelines whose components map to a catalogue architecture: the pipeline class, the
 * denoiser component, and the catalogue entry its config is (or what it lacks). The configs are
 * those of the repos the catalogue entries cite (unet/ and transformer/config.json).
 */
const PIPELINES: Record<
  string,
  { denoiser: 'unet' | 'transformer'; pick: (c: Record<string, unknown>) => string | null; needs: string }
> = {
  StableDiffusionPipeline: {
    denoiser: 'unet',
    pick: (c) => (c.cross_attention_dim === 768 ? 'sd15' : c.cross_attention_dim === 1024 ? 'sd21' : null),
    needs: 'unet cross_attention_dim 768 (SD 1.x) or 1024 (SD 2.x)',
  },
  StableDiffusionXLPipeline: {
    denoiser: 'unet',
    pick: (c) => (c.cross_attention_dim === 2048 ? 'sdxl' : null),
    needs: 'unet cross_attention_dim 2048 (SDXL)',
  },
  StableDiffusion3Pipeline: {
    denoiser: 'transformer',
    pick: (c) =>
      c.num_layers === 38
        ? 'sd35-large'
        : c.num_layers === 24
          ? Array.isArray(c.dual_attention_layers) && c.dual_attention_layers.length
            ? 'sd35-medium'
            : 'sd3-medium'
          : null,
    needs: 'transformer num_layers 24 (SD3 / SD3.5 Medium) or 38 (SD3.5 Large)',
  },
  FluxPipeline: {
    denoiser: 'transformer',
    pick: (c) =>
      c.num_layers === 19 && c.num_single_layers === 38
        ? c.guidance_embeds === false
          ? 'flux-schnell'
          : 'flux-dev'
        : null,
    needs: 'transformer num_layers 19 and num_single_layers 38 (FLUX.1)',
  },
  HiDreamImagePipeline: {
    denoiser: 'transformer',
    pick: (c) =>
      c.num_layers === 16 && c.num_single_layers === 32 && c.num_routed_experts === 4 ? 'hidream-i1' : null,
    needs: 'transformer num_layers 16, num_single_layers 32 and num_routed_experts 4 (HiDream-I1)',
  },
  Flux2Pipeline: {
    denoiser: 'transformer',
    pick: (c) => (c.num_layers === 8 && c.num_single_layers === 48 ? 'flux2-dev' : null),
    needs: 'transformer num_layers 8 and num_single_layers 48 (FLUX.2 [dev])',
  },
  Flux2KleinPipeline: {
    denoiser: 'transformer',
    pick: (c) =>
      c.num_layers === 5 && c.num_single_layers === 20
        ? 'flux2-klein-4b'
        : c.num_layers === 8 && c.num_single_layers === 24
          ? 'flux2-klein-9b'
          : null,
    needs: 'transformer num_layers 5 and num_single_layers 20 (FLUX.2 [klein] 4B) or 8 and 24 (9B)',
  },
};

/** A diffusers folder: the catalogue entry of the architecture its components are, under the folder's name. */
function diffusersModel(
  kb: KnowledgeBase,
  folder: string,
  input: string,
  label: string,
  index: Record<string, unknown>,
): ModelFromFiles {
  const file = shown(join(folder, 'model_index.json'));
  const cls = index._class_name;
  const pipeline = typeof cls === 'string' && Object.hasOwn(PIPELINES, cls) ? PIPELINES[cls]! : undefined;
  if (!pipeline)
    throw new UsageError(
      `${file}: _class_name ${JSON.stringify(cls ?? null)} is not a pipeline this tool maps to a catalogue image model (it maps ${Object.keys(PIPELINES).join(', ')}); give the model as a --kb entry (README, "Extending the knowledge base").`,
    );
  // every component the pipeline names must be there: the denoiser, the text encoders, the VAE
  const components = Object.entries(index)
    .filter(([k, v]) => !k.startsWith('_') && Array.isArray(v) && v[0] !== null)
    .map(([k]) => k);
  for (const needed of [pipeline.denoiser, 'vae'])
    if (!components.includes(needed)) throw new UsageError(`${file}: no "${needed}" component listed.`);
  const denoiser = componentConfig(folder, pipeline.denoiser);
  for (const c of components.filter((k) => k === 'vae' || k.startsWith('text_encoder'))) componentConfig(folder, c);
  const id = pipeline.pick(denoiser);
  const found = id ? kb.models.find((m) => m.id === id) : undefined;
  const base = found && 'nativeResolution' in found ? found : undefined;
  if (!base)
    throw new UsageError(
      `${shown(join(folder, pipeline.denoiser, 'config.json'))}: not an architecture of the catalogue's ${cls} models (needs ${pipeline.needs}).`,
    );
  const model: ImageModel = {
    ...base,
    id: localId(label),
    name: `${label} (the ${base.name} architecture)`,
    aliases: [input],
    notes: `read from ${file}: a ${cls} whose ${pipeline.denoiser} is ${base.name}'s; modelled as ${base.id}`,
  };
  return {
    model,
    origin: file,
    assumption: `model read from ${file}: a ${cls} with ${base.name}'s ${pipeline.denoiser} (${base.id}), estimated as that catalogue entry`,
    warnings: [],
  };
}

/** A component's config.json given alone (a diffusers transformer or unet): its folder's pipeline is needed. */
function diffusersFromComponent(file: string, config: Record<string, unknown>): never {
  throw new UsageError(
    `${file}: the config of a diffusers ${String(config._class_name)}, one component of a pipeline; give the pipeline's folder (the one with model_index.json).`,
  );
}

function fromFolder(kb: KnowledgeBase, folder: string, input: string, label: string): ModelFromFiles {
  const index = join(folder, 'model_index.json');
  if (statOrNull(index)) return diffusersModel(kb, folder, input, label, readJsonObject(index));
  const config = join(folder, 'config.json');
  if (statOrNull(config)) return languageModel(config, input, label);
  throw new UsageError(
    `${shown(folder)}: no config.json (transformers) or model_index.json (diffusers) in the folder; --model takes a model folder, its config.json, or a catalogue name (see \`finetune-advisor models\`).`,
  );
}

/** A model's name from the folder it is in ("Llama-3.1-8B" from .../Llama-3.1-8B/config.json). */
function folderLabel(folder: string): string {
  const name = basename(folder);
  // a Hub cache snapshot's folder is its revision: the repo's name is two levels up
  const repo = /^models--(.+)$/.exec(basename(dirname(dirname(folder))));
  return basename(dirname(folder)) === 'snapshots' && repo ? repo[1]!.replace('--', '/') : name || 'model';
}

/**
 * The model `input` names on disk, or null when it names none (then it is a catalogue name the
 * catalogue lacks). `cacheDir` is set when the input had a Hub id's shape and was looked for there.
 */
export function readModelFiles(
  kb: KnowledgeBase,
  input: string,
  env: Record<string, string | undefined>,
): ModelFromFiles | { notFound: true; cacheDir: string | null } {
  const st = statOrNull(input);
  if (st?.isDirectory()) return fromFolder(kb, input, input, folderLabel(resolve(input)));
  if (st && basename(input) === 'model_index.json')
    return fromFolder(kb, dirname(input), input, folderLabel(resolve(dirname(input))));
  if (st) return languageModel(input, input, folderLabel(resolve(dirname(input))));
  // a name with a Hub id's shape is a path when it says so: a .json file, ./ or /, a folder that is there
  const pathLike =
    /\.json$/i.test(input) || /^(\.{1,2}[\\/]|[\\/]|~)/.test(input) || !!statOrNull(dirname(input))?.isDirectory();
  if (HUB_ID.test(input) && !pathLike) {
    const cache = hfHubCache(env);
    const snapshot = cache ? cachedSnapshot(cache, input) : null;
    if (snapshot) {
      const read = fromFolder(kb, snapshot, input, input);
      return {
        ...read,
        origin: `Hugging Face cache ${shown(snapshot)}`,
        assumption: `${input} found in the local Hugging Face cache; ${read.assumption}`,
      };
    }
    return { notFound: true, cacheDir: cache };
  }
  if (/[\\/]|\.json$/i.test(input)) throw new KbError([`${printableName(input)}: no such file or folder`]);
  return { notFound: true, cacheDir: null };
}
