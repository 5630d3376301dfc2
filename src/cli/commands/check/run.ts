// The work of `check FILE`: the file read as data (read-config.ts), the trainer told from its
// options (or --trainer), its option table run backwards into estimate's flags (reverse.ts), the
// run estimated exactly as `estimate` with those flags, then the verdict: fits the card or not,
// the time against --time, the changes that make it fit or faster in the trainer's own option
// names (the table run forwards again), and the keys the trainer does not have.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { InvalidArgumentError } from 'commander';

import { UsageError } from '../../../errors.js';
import { estimate, type EstimateResult } from '../../../estimate/estimate.js';
import { estimateRun, HEADROOM } from '../../../estimate/fit.js';
import { kindOf } from '../../../estimate/kinds/index.js';
import { METHOD_TRAITS } from '../../../estimate/methods.js';
import type { TrainingSettings } from '../../../estimate/settings.js';
import { formatBudget } from '../../../format.js';
import { bundledDataDir } from '../../../kb/compiled.js';
import { editDistance, findModel } from '../../../kb/lookup.js';
import { printableName } from '../../../kb/read-file.js';
import type { KnowledgeBase, Trainer } from '../../../kb/types.js';
import type { ConfigSetting } from '../../../kb/vocabulary.js';
import { estimateToJson } from '../../../render/estimate-json.js';
import { JSON_HEADER_KEY } from '../../../render/trainer-config.js';
import { type Context, outputFormat } from '../../context.js';
import { DATA_OPTIONS } from '../../options.js';
import { showControls } from '../../quote.js';
import { gpuSetParts, resolveGpuChoice, resolveTechnique, withModelFiles } from '../../resolve.js';
import { specPaths, withoutIndices } from '../config/option-paths.js';
import {
  type Options,
  scriptOf,
  scriptSpecs,
  settingValues,
  tableViews,
  type TrainerConfig,
  writeSetting,
} from '../config/plan.js';
import { commandLine } from '../config/run.js';
import { scriptRun } from '../config/script-options.js';
import { ESTIMATE_OPTIONS, type EstimateFlags } from '../estimate/meta.js';
import { estimateRequest } from '../estimate/run.js';
import type { CheckFlags } from './meta.js';
import {
  besides,
  fileProblem,
  type Position,
  type ReadConfig,
  readConfigFile,
  type ReadScript,
  readScriptFile,
  scriptFormat,
} from './read-config.js';
import { isKnownPath, type ReadBack, readBack, sameValue, trainerScore, unknownPart } from './reverse.js';
import { readStrategy } from './strategy.js';

/** The writers whose files are scripts (read by readScriptFile, never run). */
const SCRIPT_WRITER_SET = new Set<string>(['shell', 'python']);

/**
 * Writers whose files are an argparse namespace (kohya's --config_file: "its sections are
 * flattened"; diffusers' train.sh, the scripts' own flags): a boolean option left out is a
 * store_true flag left off, so false, and a table's sections are one namespace. Other files leave
 * an absent option to the trainer's default.
 */
const ARGPARSE_WRITERS = new Set<string>(['kohya', 'shell']);

/** The option names each trainer has, read from its source (data/trainer-options/*.json, loaded on this path only). */
interface KnownNames {
  options: Set<string>;
  /** the fields of a language model's dataset entry (TRL's and axolotl's `datasets` list) */
  entry: Set<string>;
  /** the keys of a dataset file's entries (OneTrainer's `concepts`, SimpleTuner's `dataBackend` lists) */
  datasetFile: Set<string>;
  /** the keys of an adapter's own file (SimpleTuner's lycoris_config.json: the list `adapterFile`) */
  adapterFile: Set<string>;
  /**
   * Keys the trainer takes from a file before its parser, under a name its parser does not have
   * (SimpleTuner's _LEGACY_ARG_HANDLERS): those it forwards to another option, with that option,
   * and those it drops, with why (a dataset option at the top level is not read).
   */
  legacy: {
    forwards: Map<string, string>;
    ignores: Map<string, string>;
    prefixes: Map<string, string>;
    /** a model part read under the table's name for it when the file has none of that (OneTrainer's transformer.* as unet.*) */
    partAliases: Map<string, string>;
  };
}

function knownNames(): Map<string, KnownNames> {
  const dir = join(bundledDataDir(), 'trainer-options');
  const out = new Map<string, KnownNames>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const list = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown> & {
      trainer: string;
      options: string[];
      datasetEntry?: { options: string[] };
    };
    const known = out.get(list.trainer) ?? {
      options: new Set<string>(),
      entry: new Set<string>(),
      datasetFile: new Set<string>(),
      adapterFile: new Set<string>(),
      legacy: {
        forwards: new Map<string, string>(),
        ignores: new Map<string, string>(),
        prefixes: new Map<string, string>(),
        partAliases: new Map<string, string>(),
      },
    };
    // any other list of options in the file is a dataset file's (OneTrainer's concepts, SimpleTuner's dataBackend)
    for (const [key, part] of Object.entries(list))
      if (!['options', 'datasetEntry', 'readFrom', 'trainer', 'legacyKeys'].includes(key)) {
        const names = (part as { options?: unknown } | null)?.options;
        const into = key === 'adapterFile' ? known.adapterFile : known.datasetFile;
        if (Array.isArray(names)) names.forEach((o) => into.add(String(o)));
      }
    // a nested option's path with `*` for a list index (ai-toolkit's config.process.*.train.lr) is read without its indices
    list.options.forEach((o) => known.options.add(withoutIndices(o)));
    list.datasetEntry?.options.forEach((o) => known.entry.add(o));
    const legacy = list.legacyKeys as
      | {
          forwards?: Record<string, string>;
          ignores?: Record<string, string>;
          prefixes?: Record<string, string>;
          partAliases?: { aliases: Record<string, string> };
        }
      | undefined;
    if (legacy) {
      // by the path without its list indices (ai-toolkit's config.process.*.device)
      for (const [k, v] of Object.entries(legacy.forwards ?? {})) known.legacy.forwards.set(withoutIndices(k), v);
      for (const [k, v] of Object.entries(legacy.ignores ?? {})) known.legacy.ignores.set(withoutIndices(k), v);
      for (const [k, v] of Object.entries(legacy.prefixes ?? {})) known.legacy.prefixes.set(k, v);
      for (const [k, v] of Object.entries(legacy.partAliases?.aliases ?? {})) known.legacy.partAliases.set(k, v);
    }
    out.set(list.trainer, known);
  }
  return out;
}

/** Every option path a table writes (a trainer added with --kb has no list of its own). */
function tablePaths(config: TrainerConfig): string[] {
  const paths: string[] = [];
  paths.push(...Object.keys(config.set ?? {}), ...(config.datasetIn ? [config.datasetIn] : []));
  paths.push(...Object.values(config.options).flatMap(specPaths));
  for (const g of config.groups ?? [])
    paths.push(...Object.keys(g.set ?? {}), ...Object.values(g.techniques ?? {}).flatMap((t) => Object.keys(t)));
  for (const t of Object.values(config.techniques))
    paths.push(...Object.keys(t.set ?? {}), ...(t.adapterFile ? [t.adapterFile.option] : []));
  for (const s of Object.values(config.scriptOptions ?? {}))
    paths.push(
      ...Object.keys(s.set ?? {}),
      ...Object.values(s.options ?? {}).flatMap((o) => (o === null || o === undefined ? [] : specPaths(o))),
    );
  const dataset = typeof config.options.dataset === 'string' ? config.options.dataset : null;
  paths.push(
    ...Object.values(config.dataset ?? {}).map((d) => (typeof d === 'string' ? d : d.option)),
    // an entry that is the path itself (ms-swift's dataset list) has no fields
    ...(typeof config.datasetEntry === 'object' ? Object.keys(config.datasetEntry) : []).map((k) =>
      dataset ? `${dataset}.${k}` : k,
    ),
  );
  return paths;
}

/** The file's options by path, as the trainer reads them: kohya's tables flattened into one namespace. */
function optionsAsRead(file: ReadConfig, config: TrainerConfig): Map<string, unknown> {
  const map = new Map<string, unknown>();
  const flat = ARGPARSE_WRITERS.has(config.writer);
  for (const o of file.options) {
    // an option with no value (`lora_model_dir:` in YAML) is not set: the trainer keeps its default
    if (o.value === null) continue;
    const segments = o.path.split('.');
    const path = flat && segments.length === 2 && typeof file.value[segments[0]!] === 'object' ? segments[1]! : o.path;
    const alias = config.readAs?.[path]?.[String(o.value)];
    map.set(path, alias !== undefined ? alias : o.value);
  }
  return map;
}

export interface UnknownKey {
  file: string;
  key: string;
  line: number | null;
  column: number | null;
  suggestion: string | null;
}

/** The nearest name the trainer has to a key it does not: within a quarter of its length in edits (at least 2). */
function nearestName(key: string, names: Iterable<string>): string | null {
  const path = withoutIndices(key).toLowerCase();
  const leaf = path.split('.').pop() ?? path;
  const parent = path.slice(0, path.length - leaf.length);
  // a name under the same parent first (output_dir, not checkpointer.output_dir), then any by its last name
  let best: { name: string; d: number; sibling: boolean } | null = null;
  for (const name of names) {
    const n = name.toLowerCase();
    const nLeaf = n.split('.').pop() ?? n;
    const sibling = n.slice(0, n.length - nLeaf.length) === parent;
    const d = editDistance(leaf, nLeaf);
    const better =
      !best ||
      (sibling && !best.sibling && d <= best.d + 1) ||
      (sibling === best.sibling && (d < best.d || (d === best.d && name < best.name)));
    if (better) best = { name, d, sibling };
  }
  if (!best || best.d > Math.max(2, Math.floor(leaf.length / 4))) return null;
  // a sibling is named as the file would have it, its list indices kept (config.process.0.training_folder)
  const cut = key.lastIndexOf('.');
  return best.sibling && cut >= 0 ? `${key.slice(0, cut)}.${best.name.split('.').pop()}` : best.name;
}

/** A file's epochs through --epochs' own parser, a bad value named by the file's line. */
function parseEpochs(text: string, where: string, path: string): number {
  try {
    return DATA_OPTIONS.epochs.parse(text);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new UsageError(`${where}: ${path} = ${text}: ${e.message}`);
    throw e;
  }
}

/** The settings an estimate flag takes from a config (the rest are the file's paths, names or the trainer's). */
const SETTING_FLAGS: Partial<Record<ConfigSetting, keyof typeof ESTIMATE_OPTIONS>> = {
  rank: 'rank',
  targets: 'targets',
  steps: 'steps',
  batch: 'batch',
  gradAccum: 'gradAccum',
  seqLen: 'seqLen',
  resolution: 'resolution',
  precision: 'precision',
  savePrecision: 'savePrecision',
  quantize: 'quantize',
  optimizer: 'optimizer',
  attention: 'attention',
  blocksToSwap: 'blocksToSwap',
  loss: 'loss',
  factor: 'factor',
  objective: 'objective',
};

const truthy = (v: unknown) =>
  v === true || (typeof v === 'string' && ['true', '1', 'yes', 'unsloth'].includes(v.toLowerCase()));

/** The image subsets a config describes (kohya's dataset TOML, OneTrainer's concepts, ai-toolkit's datasets list), read for the resolution, batch, caching and class-image subsets. */
interface DatasetRead {
  file: ReadConfig | null;
  values: Partial<Record<string, unknown>>;
  prior: boolean;
  /** a subset of instance images (not is_reg) names class tokens: the identifier and class of DreamBooth */
  instanceTokens: boolean;
  /** the main file's paths read as subsets' options (ai-toolkit's datasets entries) */
  read: Set<string>;
  note: string | null;
}

function readDataset(main: ReadConfig, config: TrainerConfig, options: Map<string, unknown>): DatasetRead {
  const names = config.dataset;
  const none: DatasetRead = {
    file: null,
    values: {},
    prior: false,
    instanceTokens: false,
    read: new Set(),
    note: null,
  };
  if (!names) return none;
  let entries: Array<{ path: string; value: unknown; own: string | null }>;
  let file: ReadConfig | null = null;
  if (config.datasetIn) {
    // the subsets are entries of a list in the training file
    const prefix = `${config.datasetIn}.`;
    entries = [...options]
      .filter(([p]) => p.startsWith(prefix))
      .map(([p, value]) => ({ path: p.slice(prefix.length), value, own: p }));
  } else {
    const pathOption = typeof config.options.datasetConfig === 'string' ? config.options.datasetConfig : null;
    const named = pathOption ? options.get(pathOption) : undefined;
    if (typeof named !== 'string') return none;
    // the trainer opens it from where it is launched; check also looks beside the training config
    const path = [named, besides(main.file, named)].find((p) => existsSync(p));
    if (path === undefined)
      return {
        ...none,
        note: `${pathOption} names ${named}, which is neither here nor beside ${main.shown}: resolution, batch and class images are the recipe's`,
      };
    file = readConfigFile(path, undefined, true);
    entries = file.options.map((o) => ({ path: o.path, value: o.value, own: null }));
  }
  const values: Record<string, unknown> = {};
  const read = new Set<string>();
  let prior = false;
  const tokenSubsets = new Set<string>();
  const regSubsets = new Set<string>();
  // the most specific wins, as kohya's config_util blends them: subset over dataset over general
  const depth = (p: string) => p.split('.').length;
  for (const e of [...entries].sort((a, b) => depth(a.path) - depth(b.path))) {
    for (const [setting, spec] of Object.entries(names)) {
      const name = typeof spec === 'string' ? spec : spec.option;
      if (e.path !== name && !e.path.endsWith(`.${name}`)) continue;
      if (e.own) read.add(e.own);
      const value =
        typeof spec === 'string' ? e.value : Object.entries(spec.values).find(([, v]) => sameValue(v, e.value))?.[0];
      // a subset by its path without the option's name (datasets.0.subsets.1)
      const subset = e.path.slice(0, e.path.length - name.length);
      if (setting === 'classTokens') tokenSubsets.add(subset);
      if (setting === 'isReg' && value === true) regSubsets.add(subset);
      if (setting === 'isReg') prior ||= value === true;
      // bucket sizes: the largest is the one a step's memory is for
      else if (setting === 'resolutions')
        values['resolution'] = Array.isArray(value) ? Math.max(...value.map(Number)) : value;
      else if (value !== undefined) values[setting] = value;
    }
  }
  const instanceTokens = [...tokenSubsets].some((s) => !regSubsets.has(s));
  return { file, values, prior, instanceTokens, read, note: null };
}

type AdapterSpec = NonNullable<TrainerConfig['techniques'][string]['adapterFile']>;

/** An adapter's own file read back: the technique its algorithm selects, and the settings it holds. */
interface AdapterRead {
  file: ReadConfig;
  spec: AdapterSpec;
  technique: string;
  settings: Partial<Record<ConfigSetting, unknown>>;
  read: Set<string>;
}

/**
 * The adapter's own file of a technique whose table writes one (SimpleTuner's lycoris_config.json),
 * read from where the training file's option points (or beside the training file): the techniques
 * the training file selects alike are told apart by the entries of the file's `set` that differ
 * between them (algo), and its settings read by the technique's own options. Without the file the
 * run cannot be said: a usage error naming it.
 */
function readAdapter(
  main: ReadConfig,
  config: TrainerConfig,
  options: Map<string, unknown>,
  technique: string,
): AdapterRead | null {
  const first = config.techniques[technique]?.adapterFile;
  if (!first) return null;
  const selects = JSON.stringify(config.techniques[technique]!.set ?? {});
  const alike = Object.entries(config.techniques).flatMap(([id, t]) =>
    t.adapterFile && JSON.stringify(t.set ?? {}) === selects ? [{ id, spec: t.adapterFile }] : [],
  );
  const ids = alike.map((a) => a.id).join(', ');
  const named = options.get(first.option);
  const p = main.positionOf(first.option);
  const where = p ? `${main.shown}:${p.line}:${p.column}` : main.shown;
  if (typeof named !== 'string')
    throw new UsageError(
      `${main.shown}: no ${first.option} option: the file it names says which of ${ids} the run is, and the adapter's shape`,
    );
  const path = [named, besides(main.file, named)].find((f) => existsSync(f));
  if (path === undefined)
    throw new UsageError(
      `${where}: ${first.option} names ${named}, which is neither here nor beside ${main.shown}: it says which of ${ids} the run is, and the adapter's shape`,
    );
  const file = readConfigFile(path);
  const values = new Map(file.options.filter((o) => o.value !== null).map((o) => [o.path, o.value] as const));
  // the entries every alike technique's file sets (multiplier) say nothing of which it is
  const common = (key: string) =>
    alike.every((a) => key in a.spec.set && sameValue(a.spec.set[key], alike[0]!.spec.set[key]));
  const selecting = (spec: AdapterSpec) => Object.fromEntries(Object.entries(spec.set).filter(([k]) => !common(k)));
  const found = alike.find((a) => {
    const set = Object.entries(selecting(a.spec));
    return set.length > 0 && set.every(([k, v]) => values.has(k) && sameValue(values.get(k), v));
  });
  if (!found) {
    const keys = [...new Set(alike.flatMap((a) => Object.keys(selecting(a.spec))))];
    const at = keys.map((k) => file.positionOf(k)).find((x) => x !== null) ?? null;
    const wanted = alike.map((a) => `${a.id}: ${JSON.stringify(selecting(a.spec))}`).join('; ');
    throw new UsageError(
      `${file.shown}${at ? `:${at.line}:${at.column}` : ''}: ${keys.map((k) => `${k} = ${JSON.stringify(values.get(k) ?? null)}`).join(', ')} selects none of ${ids} (${wanted})`,
    );
  }
  const back = readBack(
    { ...config, set: found.spec.set, options: found.spec.options, techniques: {}, groups: [] },
    values,
  );
  return { file, spec: found.spec, technique: found.id, settings: back.settings, read: back.read };
}

export interface Verdict {
  fits: boolean | null;
  peakGiB: number;
  limitGiB: number | null;
  hours: number | null;
  budgetHours: number | null;
  withinTime: boolean | null;
}

export interface Change {
  why: 'fit' | 'faster' | 'time';
  label: string;
  /** the trainer's options that make the change, as its file would have them */
  options: Options;
}

/** The options a setting's new value writes in the trainer's table, or a sentence when it has none. */
function optionsFor(
  trainer: Trainer,
  config: TrainerConfig,
  input: Parameters<typeof settingValues>[0],
  changed: ConfigSetting[],
): Options | string {
  const values = settingValues(input, config, { dataset: null });
  const out: Options = [];
  for (const setting of changed) {
    const spec = config.options[setting];
    if (spec === undefined) return `${trainer.id}'s table has no option for ${setting}`;
    try {
      out.push(...writeSetting(trainer, setting, spec, values[setting]));
    } catch (e) {
      if (e instanceof UsageError) return e.message;
      throw e;
    }
  }
  return out;
}

/** The settings that differ, under the table's setting names. */
function changedSettings(a: TrainingSettings, b: TrainingSettings): ConfigSetting[] {
  const pairs: Array<[ConfigSetting, keyof TrainingSettings]> = [
    ['gradientCheckpointing', 'gradientCheckpointing'],
    ['optimizer', 'optimizer'],
    ['cache', 'cache'],
    ['precision', 'precision'],
    ['batch', 'batch'],
    ['gradAccum', 'gradAccum'],
    ['blocksToSwap', 'blocksToSwap'],
    ['quantize', 'quantize'],
    ['steps', 'steps'],
    ['loss', 'loss'],
  ];
  const out = pairs.filter(([, k]) => a[k] !== b[k]).map(([s]) => s);
  if (out.includes('cache')) out.push('cacheTextEncoder');
  return out;
}

export async function runCheck(ctx: Context, file: string, flags: CheckFlags): Promise<number> {
  const baseKb = await ctx.kb();
  // a script (train.sh, train.py) is read by the table of a trainer that writes one, for the
  // arguments that table names; any other file is data, read once
  const scriptKind = scriptFormat(file);
  const dataFile = scriptKind ? null : readConfigFile(file);
  // each table a trainer's files are written from: its own, and a technique's written by another
  // writer (TRL's LoHa: train.py beside `trl sft`'s YAML), read as that writer's files
  interface Table {
    t: Trainer;
    table: TrainerConfig;
  }
  const tables: Table[] = baseKb.trainers.flatMap((t) =>
    t.config ? tableViews(t.config).map((table) => ({ t, table })) : [],
  );
  const scripts = new Map<TrainerConfig, ReadScript>();
  const readFor = ({ table }: Table): ReadConfig | ReadScript => {
    if (!scriptKind) return dataFile!;
    const read = scripts.get(table) ?? readScriptFile(file, scriptKind, table);
    scripts.set(table, read);
    return read;
  };
  // a train.sh is read by the diffusers table (accelerate launch) or a table whose command line takes its keys as --flags (ms-swift)
  const readsThis = ({ table }: Table) =>
    scriptKind === 'shell'
      ? table.writer === 'shell' || table.commandLine !== undefined
      : scriptKind
        ? table.writer === scriptKind
        : !SCRIPT_WRITER_SET.has(table.writer);
  const lists = knownNames();
  // the names each trainer has: its source's list and its table's paths; a dataset entry's fields under the dataset option
  const names = ({ t, table }: Table) => {
    const known = lists.get(t.id);
    const dataset = typeof table.options.dataset === 'string' ? table.options.dataset : null;
    return new Set([
      ...(known?.options ?? []),
      ...(dataset ? [...(known?.entry ?? [])].map((e) => `${dataset}.${e}`) : []),
      ...tablePaths(table),
    ]);
  };
  const readable = tables.filter(readsThis);
  const writers = [...new Set(readable.map(({ t }) => t.id))];
  const shown = printableName(file);
  // each table reads the file as its trainer would (kohya's sections flattened); the one that reads most of it
  const best = (candidates: Table[]) =>
    candidates
      .map((c) => ({ c, score: trainerScore(c.table, optionsAsRead(readFor(c), c.table), names(c)) }))
      .sort((a, b) => b.score - a.score)[0];
  // a file of the launchers a trainer's file names (an accelerate config, a DeepSpeed JSON) is not a
  // training config: said, with where check reads it
  if (flags.trainer === undefined && dataFile) {
    const keys = new Set(dataFile.options.map((o) => o.path.split('.')[0]!));
    const launcher =
      keys.has('distributed_type') && keys.has('compute_environment')
        ? `an accelerate config (distributed_type ${String(dataFile.options.find((o) => o.path === 'distributed_type')?.value)})`
        : keys.has('zero_optimization') && !keys.has('model_name_or_path')
          ? 'a DeepSpeed config'
          : null;
    if (launcher)
      throw new UsageError(
        `${shown}: ${launcher}, not a trainer's training config; check reads it beside the training config that names it (axolotl's deepspeed:, TRL's accelerate_config, a launch line's --config_file): pass that file.`,
      );
  }
  let chosen: Table;
  if (flags.trainer !== undefined) {
    const id = flags.trainer.trim().toLowerCase();
    const own = readable.filter(({ t }) => t.id === id);
    if (!own.length)
      throw new UsageError(
        `--trainer '${flags.trainer}': check reads ${scriptKind ? `a ${scriptKind === 'shell' ? 'train.sh' : 'train.py'} of` : 'the files of'} the trainers config writes for. Allowed: ${writers.join(', ')}.`,
      );
    chosen = own.length === 1 ? own[0]! : best(own)!.c;
  } else {
    const top = best(readable);
    if (!top || top.score === 0)
      throw new UsageError(
        `${shown}: no trainer's option table reads these options; pass --trainer (one of ${writers.join(', ')}).`,
      );
    chosen = top.c;
  }
  const trainer = chosen.t;
  const config = chosen.table;
  const main = readFor(chosen);
  const script = 'script' in main ? main : null;
  const options = optionsAsRead(main, config);
  // a deprecated spelling the trainer rewrites before it validates (axolotl's fsdp_config.fsdp_*
  // keys lose their prefix) is read as the name it becomes, where that is a name it has
  const renamed: Array<[from: string, as: string]> = [];
  const tableNames = names(chosen);
  for (const [from, to] of lists.get(trainer.id)?.legacy.prefixes ?? []) {
    for (const key of [...options.keys()]) {
      if (!key.startsWith(from) || isKnownPath(key, tableNames)) continue;
      const as = to + key.slice(from.length);
      if (!isKnownPath(as, tableNames) || options.has(as)) continue;
      options.set(as, options.get(key));
      options.delete(key);
      renamed.push([key, as]);
    }
  }
  // a model part the table names otherwise (OneTrainer's FLUX transformer.* for its unet.*): read
  // under the table's name when the file has no part of that name; the file keeps its own keys
  const aliased: string[] = [];
  for (const [from, to] of lists.get(trainer.id)?.legacy.partAliases ?? []) {
    const keys = [...options.keys()];
    if (keys.some((k) => k.startsWith(to)) || !keys.some((k) => k.startsWith(from))) continue;
    for (const key of keys) if (key.startsWith(from)) options.set(to + key.slice(from.length), options.get(key));
    aliased.push(`${from}* as ${to}*`);
  }
  let back: ReadBack = readBack(config, options);
  // the group the file's options name reads its own option names in place of the table's
  // (OneTrainer's FLUX: its transformer.* part where the table names unet.*)
  const groupOptions = config.groups?.find((g) => g.groups.includes(back.group ?? ''))?.options;
  if (groupOptions) back = readBack({ ...config, options: { ...config.options, ...groupOptions } }, options);
  const dataset = readDataset(main, config, options);
  const argparse = ARGPARSE_WRITERS.has(config.writer);
  const at = (path: string): Position | null => main.positionOf(path);
  const where = (path: string) => {
    const p = at(path);
    return p ? `${main.shown}:${p.line}:${p.column}` : main.shown;
  };

  const notes: string[] = [];
  const warnings: string[] = [];
  // a recipe the estimate does not model in full: said, or refused where it would estimate another run
  for (const u of config.unmodelled ?? []) {
    if (![...options.keys()].some((k) => k === u.option || k.startsWith(`${u.option}.`))) continue;
    if (u.stops) throw new UsageError(`${where(u.option)}: ${u.note}.`);
    warnings.push(`${where(u.option)}: ${u.note}`);
  }
  if (renamed.length)
    notes.push(
      `${where(renamed[0]![0])}: ${renamed.map(([from]) => from).join(', ')}: older spellings ${trainer.name} reads as ${renamed.map(([, as]) => as).join(', ')}`,
    );
  // the technique: the one whose options the file has, then what the run's other settings say
  const settings = { ...back.settings, ...dataset.values };
  dataset.read.forEach((p) => back.read.add(p));
  const prior = dataset.file
    ? dataset.prior
    : truthy(settings.priorPreservation) || (!argparse && settings.priorLossWeight !== undefined);
  let technique = back.technique;
  // train.sh: the script it launches names the groups and, for some, the technique (train_dreambooth.py)
  const launched = script?.script ? scriptRun(config, script.script) : null;
  if (launched?.technique) technique = launched.technique;
  // an option naming a new token is textual inversion's alone (kohya's token_string): it tells the
  // technique when the option that selects it is left out (kohya's docs train on captions that name
  // the token, without use_object_template)
  const tokenOf = Object.entries(config.techniques).find(([, t]) =>
    [t.options?.placeholderToken, t.options?.triggerWord].flatMap(specPaths).some((p) => options.has(p)),
  );
  if (!launched?.technique && tokenOf) technique = tokenOf[0];
  const has = (id: string) => config.techniques[id] !== undefined;
  if (technique === 'lora' && settings.quantize === 'nf4' && has('qlora')) technique = 'qlora';
  if (technique === 'lora' && prior && has('dreambooth-lora')) technique = 'dreambooth-lora';
  // an adapter technique whose rank option the table has but the file lacks is the full fine-tune the
  // table writes with the same options (LitGPT's finetune_full differs only in the script it launches)
  const rankOption = config.options.rank;
  const chosenBy = technique ? Object.keys(config.techniques[technique]?.set ?? {}).length : 0;
  if (technique && chosenBy === 0 && rankOption !== undefined && settings.rank === undefined && has('full-finetune')) {
    const method = baseKb.techniques.find((t) => t.id === technique)?.method;
    if (method && METHOD_TRAITS[method].rank) technique = 'full-finetune';
  }
  // a full-weight run whose instance images are captioned by the identifier and class (kohya's
  // train_db.py, sdxl_train.py, flux_train.py with class_tokens on the instance subset) is
  // DreamBooth; captioned by their .txt files alone, the full fine-tune (the same scripts)
  if (technique === 'full-finetune' && dataset.instanceTokens && has('dreambooth')) technique = 'dreambooth';
  if (!technique) {
    // a near miss of an option that selects one (tuner_typ for tuner_type) says why
    const selectors = [...new Set(Object.values(config.techniques).flatMap((t) => Object.keys(t.set ?? {})))];
    const near = [...options.keys()]
      .map((k) => ({ k, s: selectors.find((sel) => sel !== k && editDistance(k, sel) <= 2) }))
      .find((x) => x.s !== undefined);
    const p = near ? at(near.k) : null;
    throw new UsageError(
      `${main.shown}${p ? `:${p.line}:${p.column}` : ''}: none of the options that select a technique in ${trainer.id} (${Object.keys(config.techniques).join(', ')}) is there${near ? ` (is \`${near.k}\` meant to be \`${near.s}\`?)` : `; is it a ${trainer.id} file? (--trainer to say another)`}`,
    );
  }
  // the adapter's own file (SimpleTuner's lycoris_config.json): its algorithm says the technique
  // among those the training file selects alike (lora_type lycoris: loha, lokr), and holds its shape
  const adapter = readAdapter(main, config, options, technique);
  if (adapter) {
    technique = adapter.technique;
    Object.assign(settings, adapter.settings);
    back.read.add(adapter.spec.option);
  }
  // the options the technique's own script names (kohya's sdxl_train.py: train_text_encoder), read once it is known
  const techniqueOptions = config.techniques[technique]?.options;
  if (techniqueOptions) {
    const own = readBack({ ...config, options: techniqueOptions }, options);
    Object.assign(settings, own.settings);
    own.read.forEach((p) => back.read.add(p));
  }

  // the model: --model, else the file's, else its file name without the extension (flux1-dev.safetensors)
  const modelOption = typeof config.options.model === 'string' ? config.options.model : null;
  const fromFile = modelOption ? settings.model : undefined;
  // a table with a builder per model (torchtune) names the model by the builder the file has
  // or, for a model the table has no entry of, the catalogued model the builder's name gives, said in a note
  // (its version's dot written as an underscore: qwen2_5_14b_instruct is Qwen2.5-14B-Instruct)
  const builderName = back.builderModel?.name;
  const fromBuilder = builderName
    ? (findModel(baseKb, builderName.replace(/(\d)_(\d)/g, '$1.$2')).found ?? findModel(baseKb, builderName).found)
    : null;
  // a builder no entry of the table has names the model alone: the options it shares with another model's entry do not
  const builderModel = back.builderModel
    ? fromBuilder?.id
    : back.groupModels?.length === 1
      ? back.groupModels[0]
      : undefined;
  if (flags.model === undefined && typeof fromFile !== 'string' && fromBuilder && back.builderModel)
    notes.push(
      `${where(back.builderModel.option)}: the builder ${back.builderModel.name} read as ${fromBuilder.id} (--model to say another)`,
    );
  let modelName = flags.model ?? (typeof fromFile === 'string' ? fromFile : builderModel);
  // no model named, in a file whose options name its family and flavour: the Hub id the trainer
  // resolves them to (SimpleTuner's setup_model_flavour, the family's default flavour without one)
  const flavours = config.modelFlavours;
  const named = flavours ? options.get(flavours.family) : undefined;
  const familyEntry = typeof named === 'string' ? flavours?.families[named] : undefined;
  if (modelName === undefined && familyEntry && !script?.unreadable.some((u) => u.path === modelOption)) {
    const given = options.get(flavours!.flavour);
    const flavour = typeof given === 'string' ? given : familyEntry.default;
    const hub = familyEntry.flavours.find((f) => f.id === flavour)?.path;
    // a flavour the family does not have: SimpleTuner's setup_model_flavour stops ("Model flavour
    // ... not found in HUGGINGFACE_PATHS"), so the run would not start
    if (!hub && typeof given === 'string') {
      const p = at(flavours!.flavour);
      throw new UsageError(
        `${main.shown}${p ? `:${p.line}:${p.column}` : ''}: ${flavours!.flavour} '${showControls(given)}' is not a flavour of ${flavours!.family} ${String(named)} in ${trainer.name}, which stops on it; allowed: ${familyEntry.flavours.map((f) => f.id).join(', ')} (or a model path in ${modelOption ?? 'the model option'}).`,
      );
    }
    if (hub) {
      notes.push(
        `no ${modelOption ?? 'model'} option: ${flavours!.family} ${String(named)} with ${flavours!.flavour} ${flavour}${typeof given === 'string' ? '' : ' (its default)'} is ${hub}, as ${trainer.name} resolves it`,
      );
      modelName = hub;
    }
  }
  // no model named, in a file whose options name its architecture (SimpleTuner's model_family
  // with its default flavour): that group's catalogued base, said in a note
  const groupBase = back.group ? baseKb.models.find((m) => m.group === back.group) : undefined;
  if (modelName === undefined && groupBase && !script?.unreadable.some((u) => u.path === modelOption)) {
    notes.push(
      `no ${modelOption ?? 'model'} option: read as ${groupBase.id}, the ${back.group} architecture the file's options name (--model to say another)`,
    );
    modelName = groupBase.id;
  }
  if (modelName === undefined) {
    const variable = script?.unreadable.find((u) => u.path === modelOption);
    if (variable)
      throw new UsageError(
        `${main.shown}:${variable.line}:1: --${variable.path} is ${variable.error}; pass --model NAME (see \`models\`).`,
      );
    if (back.builderModel)
      throw new UsageError(
        `${where(back.builderModel.option)}: the builder ${back.builderModel.name} is no model in the catalogue; pass --model NAME (see \`models\`).`,
      );
    const near = modelOption ? [...options.keys()].find((k) => editDistance(k, modelOption) <= 2) : undefined;
    const p = near !== undefined ? at(near) : null;
    throw new UsageError(
      `${main.shown}${p ? `:${p.line}:${p.column}` : ''}: no ${modelOption ?? 'model'} option${near !== undefined ? ` (is \`${near}\` meant to be \`${modelOption}\`?)` : ''}; pass --model NAME (see \`models\`).`,
    );
  }
  if (
    flags.model === undefined &&
    /\.(safetensors|ckpt|bin|gguf)$/i.test(modelName) &&
    !existsSync(besides(main.file, modelName))
  )
    modelName = basename(modelName).replace(/\.(safetensors|ckpt|bin|gguf)$/i, '');
  // a checkpoint folder that is not on this machine, named after its Hub id (LitGPT's checkpoints/ORG/NAME)
  if (
    flags.model === undefined &&
    modelName.split('/').length > 2 &&
    !existsSync(besides(main.file, modelName)) &&
    !existsSync(modelName)
  ) {
    const hubId = modelName.split('/').slice(-2).join('/');
    if (findModel(baseKb, hubId).found || findModel(baseKb, hubId.split('/')[1]!).found) {
      notes.push(`${modelOption} = '${modelName}' is not on this machine; read as the Hub id it ends with, ${hubId}`);
      modelName = hubId;
    }
  }
  // a Hub id under another organisation (a mirror: NousResearch/Meta-Llama-3-8B, unsloth/...) of
  // a catalogued model's name, when neither the catalogue nor the local cache has the id itself
  const mirrorOf = (name: string) => {
    const bare = /^[\w.-]+\/([\w.-]+)$/.exec(name)?.[1];
    if (!bare || findModel(baseKb, name).found || existsSync(name)) return null;
    return findModel(baseKb, bare).found;
  };
  let fromFiles: Awaited<ReturnType<typeof withModelFiles>>;
  try {
    fromFiles = await withModelFiles(baseKb, modelName, ctx.io.env);
  } catch (e) {
    if (!(e instanceof UsageError) || flags.model !== undefined || !modelOption) throw e;
    const mirror = mirrorOf(modelName);
    // a fine-tune or a local checkpoint the catalogue does not have, in a file whose options name
    // its architecture (SimpleTuner's model_family, ai-toolkit's arch): read as that group's
    // catalogued base (the same network, so the same memory and time), said in a note
    if (!mirror && !groupBase)
      throw new UsageError(
        `${where(modelOption)}: ${modelOption} = '${String(fromFile)}' is not a model this tool knows or can read (${e.message}); pass --model NAME (see \`models\`).`,
      );
    if (mirror)
      notes.push(
        `${modelOption} = '${modelName}' read as ${mirror.id} (the same model's name under another organisation)`,
      );
    else
      notes.push(
        `${where(modelOption)}: ${modelOption} = '${modelName}' is not in the catalogue: read as ${groupBase!.id}, the ${back.group} architecture the file's options name (--model to say another)`,
      );
    modelName = (mirror ?? groupBase)!.id;
    fromFiles = await withModelFiles(baseKb, modelName, ctx.io.env);
  }
  const kb: KnowledgeBase = fromFiles.kb;
  const techniqueEntry = resolveTechnique(kb, technique, '--technique');
  // the options the script of the model's group names (kohya's train_db.py: stop_text_encoder_training), read once both are known
  const runModel = findModel(kb, modelName).found;
  // a model of a group the table has no entry for: its group's own option names (OneTrainer's
  // transformer.* where the table names unet.*) are not in the table, so what they set is not read
  const covered = config.groups?.flatMap((g) => g.groups);
  if (aliased.length)
    notes.push(
      `${trainer.name}'s option table names the denoiser's part for ${[...new Set(covered ?? [])].join(', ')} models: this file's ${aliased.join(', ')} (the same part options)`,
    );
  else if (runModel && covered && !covered.includes(runModel.group))
    warnings.push(
      `${trainer.name}'s option table covers ${[...new Set(covered)].join(', ')} models; ${runModel.id} is a ${runModel.group} model, so the options only its files have are not read (the estimate takes their defaults)`,
    );
  const byScript = runModel ? scriptSpecs(config, scriptOf(config, runModel, technique)) : null;
  if (byScript && Object.keys(byScript.specs).length) {
    const own = readBack({ ...config, options: byScript.specs }, options);
    Object.assign(settings, own.settings);
    own.read.forEach((p) => back.read.add(p));
  }
  // a switch the script has no option for is off (kohya's flux_train.py trains no text encoder)
  for (const setting of byScript?.none ?? []) settings[setting] ??= false;
  // a switch the technique's or its script's parser does not have says nothing when absent (kohya's
  // textual inversion and sdxl_train.py: no network_train_unet_only)
  const omitted = new Set([...(config.techniques[technique]?.omit ?? []), ...(byScript?.own?.omit ?? [])]);

  // estimate's flags, each value checked by the flag's own parser, a bad one named by file:line:column
  const eflags: EstimateFlags = {
    technique,
    model: modelName,
    trainer: trainer.id,
    ...(flags.gpu !== undefined ? { gpu: flags.gpu } : {}),
    ...(flags.vram !== undefined ? { vram: flags.vram } : {}),
    ...(flags.gpus !== undefined ? { gpus: flags.gpus } : {}),
    ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
    ...(flags.interconnect !== undefined ? { interconnect: flags.interconnect } : {}),
    ...(flags.hostRam !== undefined ? { hostRam: flags.hostRam } : {}),
  };
  const settingPath = (setting: ConfigSetting): string => {
    const first = specPaths(config.options[setting])[0];
    if (first !== undefined) return first;
    const d = config.dataset?.[setting as keyof NonNullable<TrainerConfig['dataset']>];
    return d === undefined ? setting : typeof d === 'string' ? d : d.option;
  };
  // the strategy for several cards the file states (its table for several cards, read back): the
  // estimate takes it where the run is on several cards (--gpus, --gpu "Nx NAME", or the file's own
  // count), and on one card the note says the file is for more
  const stated = readStrategy(main, config, options, METHOD_TRAITS[techniqueEntry.method].impliedQuantization !== null);
  if (stated) {
    const typed = flags.gpu !== undefined ? (gpuSetParts(flags.gpu)[0]?.count ?? 1) : 1;
    // the file's own count needs a card to be counted on (estimate's --gpus does)
    const card = flags.gpu !== undefined || flags.vram !== undefined;
    const cards = flags.gpus ?? (typed > 1 ? typed : card ? (stated.cards ?? 1) : 1);
    const beside = stated.file && stated.file !== stated.value ? ` (${printableName(stated.file)})` : '';
    const said = `${where(stated.option)}: ${stated.option} = ${JSON.stringify(stated.value)}${beside}`;
    if (cards > 1) {
      eflags.strategy = stated.strategy;
      if (flags.gpus === undefined && typed <= 1 && stated.cards) eflags.gpus = stated.cards;
      notes.push(
        `${said}: --strategy ${stated.strategy}${eflags.gpus === stated.cards && flags.gpus === undefined ? ` on the ${stated.cards} cards the file names` : ''}`,
      );
      // what the strategy holds whatever the file says (ms-swift's fsdp2: every layer checkpointed)
      const implied = config.distributed?.strategies[stated.strategy]?.implies ?? {};
      for (const [setting, value] of Object.entries(implied) as Array<[ConfigSetting, unknown]>) {
        if (sameValue(settings[setting], value)) continue;
        notes.push(
          `--strategy ${stated.strategy}: ${trainer.name} runs it with ${setting} ${JSON.stringify(value)} whatever the file's ${settingPath(setting)} says`,
        );
        settings[setting] = value as (typeof settings)[ConfigSetting];
      }
    } else
      notes.push(
        stated.cards
          ? `${said}: the file runs --strategy ${stated.strategy} on the ${stated.cards} cards it names; pass --gpu NAME to check it there`
          : `${said}: the file runs --strategy ${stated.strategy} on several cards; pass --gpus N (the cards its launch starts) to check it there`,
      );
  }

  for (const [setting, flag] of Object.entries(SETTING_FLAGS) as Array<[ConfigSetting, keyof EstimateFlags]>) {
    let value = settings[setting];
    if (value === undefined) continue;
    if (setting === 'quantize' && technique === 'qlora') continue; // implied by the technique
    // an adapter's shape means nothing to a run that trains every weight (a table's default targets set)
    if ((setting === 'rank' || setting === 'targets') && !METHOD_TRAITS[techniqueEntry.method].rank) continue;
    if (setting === 'blocksToSwap' && Number(value) === 0) continue;
    // LoKr's factor (a LyCORIS file of another algorithm may carry one): estimate takes it for LoKr alone
    if (setting === 'factor' && !METHOD_TRAITS[techniqueEntry.method].kroneckerFactor) continue;
    if (setting === 'resolution' && Array.isArray(value)) value = value.join('x');
    const spec = ESTIMATE_OPTIONS[flag as keyof typeof ESTIMATE_OPTIONS] as { parse?: (t: string) => unknown };
    try {
      (eflags as Record<string, unknown>)[flag] = spec.parse ? spec.parse(String(value)) : value;
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      // a setting of the adapter's own file is named there (lycoris_config.json's linear_dim)
      const own = adapter && adapter.settings[setting] !== undefined ? adapter : null;
      const path = own ? (specPaths(own.spec.options[setting])[0] ?? setting) : settingPath(setting);
      const p = own
        ? own.file.positionOf(path)
        : dataset.file && dataset.values[setting] !== undefined
          ? null
          : at(path);
      const shownIn = own ? own.file.shown : main.shown;
      throw new UsageError(
        `${p ? `${shownIn}:${p.line}:${p.column}` : shownIn}: ${path} = ${JSON.stringify(value)}: ${e.message}`,
      );
    }
  }
  // a key the file leaves out takes what the trainer's code falls back to where that is not what its
  // runs use (ai-toolkit's train.dtype: fp32), said, since the advice and the examples set it
  for (const [setting, value] of Object.entries(trainer.unsetDefaults ?? {}) as Array<[ConfigSetting, unknown]>) {
    const flag = SETTING_FLAGS[setting] ?? (setting === 'cache' ? 'cache' : undefined);
    if (
      flag === undefined ||
      settings[setting] !== undefined ||
      (eflags as Record<string, unknown>)[flag] !== undefined
    )
      continue;
    (eflags as Record<string, unknown>)[flag] = value;
    // the value as the trainer writes it where its table maps one (OneTrainer's FLOAT_16)
    const spec = config.options[setting];
    const table = spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
    const path = settingPath(setting);
    const own =
      (table.values as Record<string, unknown> | undefined)?.[String(value)] ??
      (table.sets as Record<string, Record<string, unknown>> | undefined)?.[String(value)]?.[path];
    const shown =
      own !== undefined && String(own) !== String(value) ? `${String(own)} (${String(value)})` : String(value);
    notes.push(`${path} is not set: ${trainer.name} falls back to ${shown} for it`);
  }
  // epochs: the steps follow from the dataset's size, which the file does not hold; the trainers'
  // step options override their epoch options, so epochs count only when no steps are given
  const data = {
    images: flags.images,
    repeats: flags.repeats,
    examples: flags.examples,
    tokensPerExample: flags.tokensPerExample,
    tokens: flags.tokens,
  };
  Object.assign(eflags, Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)));
  const epochs = settings.steps === undefined ? settings.epochs : undefined;
  if (epochs !== undefined) {
    const path = settingPath('epochs');
    if (flags.images !== undefined || flags.examples !== undefined || flags.tokens !== undefined)
      eflags.epochs = parseEpochs(String(epochs), where(path), path);
    else
      warnings.push(
        `${where(path)}: ${path} = ${String(epochs)}: the steps follow from the dataset's size, which the file does not say; estimated with the recipe's steps (give --examples N or --images N for the run's own)`,
      );
  }
  const bool = (setting: ConfigSetting) =>
    settings[setting] !== undefined
      ? truthy(settings[setting])
      : argparse && config.options[setting] && !specPaths(config.options[setting]).every((p) => omitted.has(p))
        ? false
        : undefined;
  const gc = bool('gradientCheckpointing');
  if (gc !== undefined) eflags.gradientCheckpointing = gc;
  // Unsloth's use_gradient_checkpointing: off, on or offloaded ("unsloth", the trainer's own default kind)
  if (settings.checkpointing !== undefined) eflags.gradientCheckpointing = settings.checkpointing !== 'off';
  // the image settings: only image trainers' tables have options for them
  if (bool('cache') === false) eflags.cache = false;
  const unetOnly = bool('unetOnly');
  const trainTE = bool('trainTextEncoder');
  if (trainTE !== undefined) eflags.trainTextEncoder = trainTE;
  else if (unetOnly !== undefined) eflags.trainTextEncoder = !unetOnly;
  if (prior) eflags.priorPreservation = true;

  // LyCORIS's full dimension (SimpleTuner's LoKr examples: linear_dim 10000): a LoKr rank at or
  // above a matrix's side makes its W2 a full matrix (lokrParams), so a rank beyond the model's
  // widest adapted matrix counts as that width
  const lokrModel = METHOD_TRAITS[techniqueEntry.method].kroneckerFactor ? findModel(kb, modelName).found : null;
  if (eflags.rank !== undefined && lokrModel) {
    const width = kindOf(lokrModel).baseNetwork(lokrModel).width;
    if (eflags.rank > width) {
      notes.push(
        `rank ${eflags.rank} is above every matrix ${lokrModel.id} adapts (LyCORIS' full dimension): read as ${width}, its widest, which the LoKr count takes alike`,
      );
      eflags.rank = width;
    }
  }
  const request = estimateRequest(kb, eflags);
  const result = estimate(kb, request);
  if (!result)
    throw new UsageError(
      `${technique} has no published recipe for ${request.model.group} models (${request.model.id}); check estimates what estimate can.`,
    );
  if (fromFiles.assumption) result.assumptions.unshift(fromFiles.assumption);
  // a name several cards answer to: which one the check is for, as estimate says it
  const variant = flags.gpu !== undefined ? resolveGpuChoice(kb, flags.gpu).variantNote : null;
  if (variant) {
    result.assumptions.push(variant);
    notes.push(variant);
  }

  warnings.unshift(...fromFiles.warnings);
  if (dataset.note) warnings.push(dataset.note);
  for (const a of back.ambiguous)
    warnings.push(
      `${where(a.path)}: ${a.path} = ${JSON.stringify(a.value)} is how ${trainer.id}'s table writes ${a.setting} ${a.values.join(' and ')}; read as ${a.values[0]}`,
    );
  for (const u of script?.unreadable ?? [])
    warnings.push(`${main.shown}:${u.line}:1: ${u.path}: ${u.error}; the estimate takes the default for it`);
  for (const u of back.unmapped)
    warnings.push(
      `${where(u.path)}: ${u.path} = ${JSON.stringify(u.value)} is not a value the estimate models for ${u.setting} (it reads ${u.known.join(', ')}); estimated with the default`,
    );

  // keys the trainer renames or drops before its parser sees them: known, and said
  const legacy = lists.get(trainer.id)?.legacy;
  for (const key of options.keys()) {
    const to = legacy?.forwards.get(withoutIndices(key));
    const dropped = legacy?.ignores.get(withoutIndices(key));
    if (to !== undefined) notes.push(`${where(key)}: ${key} is an older name ${trainer.name} reads as ${to}`);
    if (dropped !== undefined)
      warnings.push(`${where(key)}: ${trainer.name} drops ${key} from this file unread (${dropped})`);
  }

  // every key the trainer does not have, with the nearest it has
  const known = new Set([...names(chosen), ...(legacy?.forwards.keys() ?? []), ...(legacy?.ignores.keys() ?? [])]);
  const unknownKeys: UnknownKey[] = [];
  const collect = (f: ReadConfig, opts: Iterable<string>, read: ReadonlySet<string>, leaf = false, within = known) => {
    const seen = new Set<string>();
    for (const path of opts) {
      if (read.has(path)) continue;
      const key = unknownPart(path, within, leaf);
      if (key === null || seen.has(key)) continue;
      seen.add(key);
      const p = f.positionOf(key);
      unknownKeys.push({
        file: f.shown,
        key,
        line: p?.line ?? null,
        column: p?.column ?? null,
        suggestion: nearestName(key, within),
      });
    }
  };
  // the header config writes into JSON files (a key the trainers ignore) is ours, not the trainer's
  const ours = (path: string) => path.split('.').some((seg) => seg === JSON_HEADER_KEY);
  // a script's flags whose value is not in the file (a shell variable) are still the trainer's or not
  const unreadablePaths = script?.unreadable.map((u) => u.path) ?? [];
  collect(
    main,
    [...options.keys(), ...unreadablePaths].filter((p) => !ours(p)),
    back.read,
  );
  if (adapter) {
    const adapterNames = new Set([
      ...(lists.get(trainer.id)?.adapterFile ?? []),
      ...Object.keys(adapter.spec.set),
      ...Object.values(adapter.spec.options).flatMap(specPaths),
    ]);
    collect(
      adapter.file,
      adapter.file.options.map((o) => o.path).filter((p) => !ours(p)),
      adapter.read,
      false,
      adapterNames,
    );
  }
  if (dataset.file) {
    const own = lists.get(trainer.id);
    const datasetNames = new Set([
      ...known,
      ...(own?.datasetFile ?? []),
      ...Object.values(config.dataset ?? {}).map((d) => (typeof d === 'string' ? d : d.option)),
      ...Object.keys(config.datasetSet ?? {}),
      ...(config.datasetEntries ?? []).flatMap((e) => Object.keys(e)),
    ]);
    collect(
      dataset.file,
      dataset.file.options.map((o) => o.path).filter((p) => !ours(p)),
      new Set(),
      true,
      datasetNames,
    );
  }

  const verdict = verdictOf(result, flags.time ?? null);
  const changes = changesFor(result, trainer, config, modelName, verdict);
  const equivalent = commandLine(['estimate', ...flagWords(eflags)]);
  if (outputFormat(flags) === 'json') {
    ctx.printJson({
      ...estimateToJson(result),
      trainer: { id: trainer.id, name: trainer.name, checkedAgainst: config.checkedAgainst },
      file: main.file,
      datasetFile: dataset.file?.file ?? null,
      adapterFile: adapter?.file.file ?? null,
      equivalent,
      verdict,
      unknownKeys,
      changes: changes.map((c) => ({ why: c.why, label: c.label, options: Object.fromEntries(c.options) })),
      notes,
      warnings,
    });
  } else {
    for (const n of notes) ctx.io.stderr.write(`note: ${n}\n`);
    for (const w of warnings) ctx.io.stderr.write(`warning: ${w}\n`);
    const { renderEstimateText } = await import('../../../render/estimate.js');
    const lines = [
      `${main.shown}: a ${trainer.name} config (option names checked against ${config.checkedAgainst})`,
      `Read as: ${equivalent}`,
      '',
    ];
    ctx.print(lines.join('\n') + '\n' + renderEstimateText(result, ctx.renderOptions(flags.color)));
    const { renderCheckVerdict } = await import('../../../render/check.js');
    ctx.print(renderCheckVerdict(verdict, changes, unknownKeys, trainer.id) + '\n');
  }
  return verdict.fits === false || verdict.withinTime === false ? 3 : 0;
}

function verdictOf(result: EstimateResult, budgetHours: number | null): Verdict {
  const limitGiB = result.card ? result.card.vramGiB * HEADROOM : null;
  const peakGiB = result.memory.peakGiB;
  return {
    fits: limitGiB === null ? null : peakGiB <= limitGiB,
    peakGiB,
    limitGiB,
    hours: result.hours,
    budgetHours,
    withinTime: budgetHours === null || result.hours === null ? null : result.hours <= budgetHours,
  };
}

/** What to change, in the trainer's options: the savers that make it fit, then what makes it faster or fit the time. */
function changesFor(
  result: EstimateResult,
  trainer: Trainer,
  config: TrainerConfig,
  modelPath: string,
  v: Verdict,
): Change[] {
  const out: Change[] = [];
  const input = (settings: TrainingSettings) => ({
    kb: {} as KnowledgeBase,
    trainer,
    technique: result.technique,
    model: result.model,
    settings,
    modelPath,
    dir: '.',
    token: 'sks',
    classWord: 'person',
  });
  const add = (why: Change['why'], label: string, to: TrainingSettings) => {
    const changed = changedSettings(result.settings, to);
    if (!changed.length) return;
    const options = optionsFor(trainer, config, input(to), changed);
    out.push(
      typeof options === 'string' ? { why, label: `${label} (${options})`, options: [] } : { why, label, options },
    );
  };
  const fit = result.fit;
  if (fit && v.fits === false && fit.savers.length)
    add(
      'fit',
      fit.fits
        ? `fits with ${fit.saverLabels.join(', ')}: peak ${fit.run.memory.peakGiB.toFixed(1)} GiB`
        : `no saver makes it fit; with ${fit.saverLabels.join(', ')} it still peaks at ${fit.run.memory.peakGiB.toFixed(1)} GiB`,
      fit.run.settings,
    );
  const card = result.card;
  if (card && v.fits && result.step && v.limitGiB !== null) {
    // gradient checkpointing recomputes the forward in the backward: off where it still fits
    if (result.settings.gradientCheckpointing) {
      const off = estimateRun(result.model, { ...result.settings, gradientCheckpointing: false }, card);
      if (off.memory.peakGiB <= v.limitGiB && off.step.stepSeconds < result.step.stepSeconds)
        add(
          'faster',
          `without gradient checkpointing it still fits (peak ${off.memory.peakGiB.toFixed(1)} GiB) and a step takes ${off.step.stepSeconds.toFixed(2)} s instead of ${result.step.stepSeconds.toFixed(2)} s`,
          off.settings,
        );
    }
  }
  if (v.withinTime === false && v.hours !== null && v.budgetHours !== null && result.classImageHours !== null) {
    const training = v.hours - result.classImageHours;
    const steps = Math.floor((result.settings.steps * Math.max(0, v.budgetHours - result.classImageHours)) / training);
    if (steps >= 1)
      add('time', `${steps} steps fit the ${formatBudget(v.budgetHours)} budget`, { ...result.settings, steps });
  }
  return out;
}

/** estimate's flags as the words that give them, for the "Read as" line. */
function flagWords(f: EstimateFlags): string[] {
  const words: string[] = [];
  const kebab = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    if (k === 'cache') {
      if (v === false) words.push('--no-cache');
    } else if (typeof v === 'boolean') {
      // false: the --no- form where the flag has one, else left out (it is the default: --train-text-encoder)
      const spec = (ESTIMATE_OPTIONS as Record<string, { negation?: string }>)[k];
      if (v) words.push(kebab(k));
      else if (spec?.negation) words.push(`--no-${kebab(k).slice(2)}`);
    } else if (typeof v === 'object' && v !== null && 'height' in v) {
      const r = v as { width: number | null; height: number };
      words.push(kebab(k), r.width !== null ? `${r.width}x${r.height}` : String(r.height));
    } else words.push(kebab(k), String(v));
  }
  return words;
}

export { fileProblem };
