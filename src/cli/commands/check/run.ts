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
import type { TrainingSettings } from '../../../estimate/settings.js';
import { formatBudget } from '../../../format.js';
import { bundledDataDir } from '../../../kb/compiled.js';
import { editDistance } from '../../../kb/lookup.js';
import type { KnowledgeBase, Trainer } from '../../../kb/types.js';
import type { ConfigSetting } from '../../../kb/vocabulary.js';
import { estimateToJson } from '../../../render/estimate-json.js';
import { type Context, outputFormat } from '../../context.js';
import { resolveGpuChoice, withModelFiles } from '../../resolve.js';
import { type Options, settingValues, type TrainerConfig, writeSetting } from '../config/plan.js';
import { commandLine } from '../config/run.js';
import { ESTIMATE_OPTIONS, type EstimateFlags } from '../estimate/meta.js';
import { estimateRequest } from '../estimate/run.js';
import type { CheckFlags } from './meta.js';
import { besides, fileProblem, type Position, type ReadConfig, readConfigFile } from './read-config.js';
import { detectTrainer, isKnownPath, type ReadBack, readBack } from './reverse.js';

/**
 * Writers whose files are an argparse namespace (kohya's --config_file: "its sections are
 * flattened"): a boolean option left out is a store_true flag left off, so false, and a table's
 * sections are one namespace. Other files leave an absent option to the trainer's default.
 */
const ARGPARSE_WRITERS = new Set<string>(['kohya']);

/**
 * Writers whose files are scripts (diffusers' train.sh, Unsloth's train.py), which check does not
 * read yet: their readers are config/shell-words.ts (sh's words) and config/python-calls.ts (the
 * calls' literal keyword arguments). Until then their tables take no part in telling the trainer.
 */
const SCRIPT_WRITERS = new Set<string>(['shell', 'python']);

/** The option names each trainer has, read from its source (data/trainer-options/*.json, loaded on this path only). */
function knownNames(): Map<string, Set<string>> {
  const dir = join(bundledDataDir(), 'trainer-options');
  const out = new Map<string, Set<string>>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const list = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      trainer: string;
      options: string[];
      datasetEntry?: { options: string[] };
    };
    const set = out.get(list.trainer) ?? new Set<string>();
    for (const o of [...list.options, ...(list.datasetEntry?.options ?? [])]) set.add(o);
    out.set(list.trainer, set);
  }
  return out;
}

/** Every option path a table writes (a trainer added with --kb has no list of its own). */
function tablePaths(config: TrainerConfig): string[] {
  const paths: string[] = [];
  for (const spec of Object.values(config.options)) {
    if (typeof spec === 'string') paths.push(spec);
    else if (Array.isArray(spec)) paths.push(...spec);
    else if (spec && 'option' in spec) paths.push(...(Array.isArray(spec.option) ? spec.option : [spec.option]));
    else if (spec) for (const set of Object.values(spec.sets)) paths.push(...Object.keys(set));
  }
  for (const g of config.groups ?? []) paths.push(...Object.keys(g.set ?? {}));
  for (const t of Object.values(config.techniques)) paths.push(...Object.keys(t.set ?? {}));
  paths.push(...Object.values(config.dataset ?? {}), ...Object.keys(config.datasetEntry ?? {}));
  return paths;
}

/** The file's options by path, as the trainer reads them: kohya's tables flattened into one namespace. */
function optionsAsRead(file: ReadConfig, config: TrainerConfig): Map<string, unknown> {
  const map = new Map<string, unknown>();
  const flat = ARGPARSE_WRITERS.has(config.writer);
  for (const o of file.options) {
    const segments = o.path.split('.');
    const path = flat && segments.length === 2 && typeof file.value[segments[0]!] === 'object' ? segments[1]! : o.path;
    map.set(path, o.value);
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
  const leaf =
    key
      .split('.')
      .filter((s) => !/^\d+$/.test(s))
      .pop() ?? key;
  let best: { name: string; d: number } | null = null;
  for (const name of names) {
    const d = editDistance(leaf.toLowerCase(), (name.split('.').pop() ?? name).toLowerCase());
    if (!best || d < best.d || (d === best.d && name < best.name)) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(leaf.length / 4)) ? best.name : null;
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
};

const truthy = (v: unknown) =>
  v === true || (typeof v === 'string' && ['true', '1', 'yes', 'unsloth'].includes(v.toLowerCase()));

/** The dataset file kohya's training config names, read for the resolution, batch and class-image subsets. */
interface DatasetRead {
  file: ReadConfig | null;
  values: Partial<Record<string, unknown>>;
  prior: boolean;
  note: string | null;
}

function readDataset(main: ReadConfig, config: TrainerConfig, options: Map<string, unknown>): DatasetRead {
  const names = config.dataset;
  const pathOption = typeof config.options.datasetConfig === 'string' ? config.options.datasetConfig : null;
  const named = pathOption ? options.get(pathOption) : undefined;
  if (!names || typeof named !== 'string') return { file: null, values: {}, prior: false, note: null };
  // the trainer opens it from where it is launched; check also looks beside the training config
  const path = [named, besides(main.file, named)].find((p) => existsSync(p));
  if (path === undefined)
    return {
      file: null,
      values: {},
      prior: false,
      note: `${pathOption} names ${named}, which is neither here nor beside ${main.shown}: resolution, batch and class images are the recipe's`,
    };
  const file = readConfigFile(path, 'toml');
  const values: Record<string, unknown> = {};
  let prior = false;
  // the most specific wins, as kohya's config_util blends them: subset over dataset over general
  const rank = (p: string) => p.split('.').length;
  for (const o of [...file.options].sort((a, b) => rank(a.path) - rank(b.path))) {
    const leaf = o.path.split('.').pop()!;
    for (const [setting, name] of Object.entries(names)) if (leaf === name) values[setting] = o.value;
    if (names.isReg && leaf === names.isReg && o.value === true) prior = true;
  }
  return { file, values, prior, note: null };
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
  ];
  const out = pairs.filter(([, k]) => a[k] !== b[k]).map(([s]) => s);
  if (out.includes('cache')) out.push('cacheTextEncoder');
  return out;
}

export async function runCheck(ctx: Context, file: string, flags: CheckFlags): Promise<number> {
  const baseKb = await ctx.kb();
  const main = readConfigFile(file);
  const lists = knownNames();
  const names = (t: Trainer) => new Set([...(lists.get(t.id) ?? []), ...(t.config ? tablePaths(t.config) : [])]);
  const writers = baseKb.trainers.filter((t) => t.config && !SCRIPT_WRITERS.has(t.config.writer)).map((t) => t.id);
  let trainer: Trainer;
  if (flags.trainer !== undefined) {
    const found = baseKb.trainers.find((t) => t.id === flags.trainer!.trim().toLowerCase());
    if (found?.config && SCRIPT_WRITERS.has(found.config.writer))
      throw new UsageError(
        `--trainer ${found.id}: check does not read ${found.config.file} (a script) yet. Allowed: ${writers.join(', ')}.`,
      );
    if (!found?.config)
      throw new UsageError(
        `--trainer '${flags.trainer}': check reads the files of the trainers config writes for. Allowed: ${writers.join(', ')}.`,
      );
    trainer = found;
  } else {
    // each trainer reads the file as it would (kohya's sections flattened); the one whose table reads most of it
    const scored = baseKb.trainers
      .filter((t) => t.config && !SCRIPT_WRITERS.has(t.config.writer))
      .map((t) => ({
        t,
        score: detectTrainer({ ...baseKb, trainers: [t] }, optionsAsRead(main, t.config!), names)[0]!.score,
      }))
      .sort((a, b) => b.score - a.score);
    if (!scored[0] || scored[0].score === 0)
      throw new UsageError(
        `${main.shown}: no trainer's option table reads these options; pass --trainer (one of ${writers.join(', ')}).`,
      );
    trainer = scored[0].t;
  }
  const config = trainer.config!;
  const options = optionsAsRead(main, config);
  const back: ReadBack = readBack(config, options);
  const dataset = readDataset(main, config, options);
  const argparse = ARGPARSE_WRITERS.has(config.writer);
  const at = (path: string): Position | null => main.positionOf(path);
  const where = (path: string) => {
    const p = at(path);
    return p ? `${main.shown}:${p.line}:${p.column}` : main.shown;
  };

  // the technique: the one whose options the file has, then what the run's other settings say
  const settings = { ...back.settings, ...dataset.values };
  const prior = dataset.file ? dataset.prior : !argparse && settings.priorLossWeight !== undefined;
  let technique = back.technique;
  const has = (id: string) => config.techniques[id] !== undefined;
  if (technique === 'lora' && settings.quantize === 'nf4' && has('qlora')) technique = 'qlora';
  if (technique === 'lora' && prior && has('dreambooth-lora')) technique = 'dreambooth-lora';
  if (!technique)
    throw new UsageError(
      `${main.shown}: none of the options that select a technique in ${trainer.id} (${Object.keys(config.techniques).join(', ')}) is there; is it a ${trainer.id} file? (--trainer to say another)`,
    );

  // the model: --model, else the file's, else its file name without the extension (flux1-dev.safetensors)
  const modelOption = typeof config.options.model === 'string' ? config.options.model : null;
  const fromFile = modelOption ? settings.model : undefined;
  let modelName = flags.model ?? (typeof fromFile === 'string' ? fromFile : undefined);
  if (modelName === undefined)
    throw new UsageError(`${main.shown}: no ${modelOption ?? 'model'} option; pass --model NAME (see \`models\`).`);
  if (
    flags.model === undefined &&
    /\.(safetensors|ckpt|bin|gguf)$/i.test(modelName) &&
    !existsSync(besides(main.file, modelName))
  )
    modelName = basename(modelName).replace(/\.(safetensors|ckpt|bin|gguf)$/i, '');
  const fromFiles = await withModelFiles(baseKb, modelName, ctx.io.env).catch((e: unknown) => {
    if (e instanceof UsageError && flags.model === undefined && modelOption)
      throw new UsageError(
        `${where(modelOption)}: ${modelOption} = '${String(fromFile)}' is not a model this tool knows or can read (${e.message}); pass --model NAME (see \`models\`).`,
      );
    throw e;
  });
  const kb: KnowledgeBase = fromFiles.kb;

  // estimate's flags, each value checked by the flag's own parser, a bad one named by file:line:column
  const eflags: EstimateFlags = {
    technique,
    model: modelName,
    trainer: trainer.id,
    ...(flags.gpu !== undefined ? { gpu: flags.gpu } : {}),
    ...(flags.vram !== undefined ? { vram: flags.vram } : {}),
  };
  const settingPath = (setting: ConfigSetting): string => {
    const spec = config.options[setting];
    if (typeof spec === 'string') return spec;
    if (Array.isArray(spec)) return spec[0]!;
    if (spec && 'option' in spec) return Array.isArray(spec.option) ? spec.option[0]! : spec.option;
    return config.dataset?.[setting as keyof NonNullable<TrainerConfig['dataset']>] ?? setting;
  };
  for (const [setting, flag] of Object.entries(SETTING_FLAGS) as Array<[ConfigSetting, keyof EstimateFlags]>) {
    let value = settings[setting];
    if (value === undefined) continue;
    if (setting === 'quantize' && technique === 'qlora') continue; // implied by the technique
    if (setting === 'blocksToSwap' && Number(value) === 0) continue;
    if (setting === 'resolution' && Array.isArray(value)) value = value.join('x');
    const spec = ESTIMATE_OPTIONS[flag as keyof typeof ESTIMATE_OPTIONS] as { parse?: (t: string) => unknown };
    try {
      (eflags as Record<string, unknown>)[flag] = spec.parse ? spec.parse(String(value)) : value;
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      const path = settingPath(setting);
      const p = dataset.file && dataset.values[setting] !== undefined ? null : at(path);
      throw new UsageError(
        `${p ? `${main.shown}:${p.line}:${p.column}` : main.shown}: ${path} = ${JSON.stringify(value)}: ${e.message}`,
      );
    }
  }
  const bool = (setting: ConfigSetting) =>
    settings[setting] !== undefined
      ? truthy(settings[setting])
      : argparse && config.options[setting]
        ? false
        : undefined;
  const gc = bool('gradientCheckpointing');
  if (gc !== undefined) eflags.gradientCheckpointing = gc;
  // the image settings: only image trainers' tables have options for them
  if (bool('cache') === false) eflags.cache = false;
  const unetOnly = bool('unetOnly');
  if (unetOnly !== undefined) eflags.trainTextEncoder = !unetOnly;
  if (prior) eflags.priorPreservation = true;

  const request = estimateRequest(kb, eflags);
  const result = estimate(kb, request);
  if (!result)
    throw new UsageError(
      `${technique} has no published recipe for ${request.model.group} models (${request.model.id}); check estimates what estimate can.`,
    );
  if (fromFiles.assumption) result.assumptions.unshift(fromFiles.assumption);
  // a name several cards answer to: which one the check is for, as estimate says it
  const variant = flags.gpu !== undefined ? resolveGpuChoice(kb, flags.gpu).variantNote : null;
  if (variant) result.assumptions.push(variant);

  const warnings = [...fromFiles.warnings];
  const notes = variant ? [variant] : [];
  if (dataset.note) warnings.push(dataset.note);
  for (const u of back.unmapped)
    warnings.push(
      `${where(u.path)}: ${u.path} = ${JSON.stringify(u.value)} is not a value the estimate models for ${u.setting} (it reads ${u.known.join(', ')}); estimated with the default`,
    );

  // every key the trainer does not have, with the nearest it has
  const known = names(trainer);
  const unknownKeys: UnknownKey[] = [];
  const collect = (f: ReadConfig, opts: Iterable<string>, read: ReadonlySet<string>) => {
    for (const key of opts) {
      if (read.has(key) || isKnownPath(key, known)) continue;
      const p = f.positionOf(key);
      unknownKeys.push({
        file: f.shown,
        key,
        line: p?.line ?? null,
        column: p?.column ?? null,
        suggestion: nearestName(key, known),
      });
    }
  };
  collect(main, options.keys(), back.read);
  if (dataset.file)
    collect(
      dataset.file,
      dataset.file.options.map((o) => o.path),
      new Set(),
    );

  const verdict = verdictOf(result, flags.time ?? null);
  const changes = changesFor(result, trainer, config, modelName, verdict);
  const equivalent = commandLine(['estimate', ...flagWords(eflags)]);
  if (outputFormat(flags) === 'json') {
    ctx.printJson({
      ...estimateToJson(result),
      trainer: { id: trainer.id, name: trainer.name, checkedAgainst: config.checkedAgainst },
      file: main.file,
      datasetFile: dataset.file?.file ?? null,
      equivalent,
      verdict,
      unknownKeys,
      changes: changes.map((c) => ({ why: c.why, label: c.label, options: Object.fromEntries(c.options) })),
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
    } else if (typeof v === 'boolean') words.push(v ? kebab(k) : `--no-${kebab(k).slice(2)}`);
    else if (typeof v === 'object' && v !== null && 'height' in v) {
      const r = v as { width: number | null; height: number };
      words.push(kebab(k), r.width !== null ? `${r.width}x${r.height}` : String(r.height));
    } else words.push(kebab(k), String(v));
  }
  return words;
}

export { fileProblem };
