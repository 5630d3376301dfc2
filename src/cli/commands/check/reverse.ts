// `check`'s reading of a config: the trainer's option table (trainers.yaml `config`, the one
// `config` writes from) run backwards over the file's options. A plain option is read at its path;
// an option with a value map by the setting whose value it is; a set of options (a 4-bit base is
// two) by the set all of whose options the file has, the one with the most options winning; the
// model group's and the technique's options say which they are. Pure: no I/O.
import type { ConfigSetting } from '../../../kb/vocabulary.js';
import { type FlatOption, specPaths } from '../config/option-paths.js';
import type { OptionValue, TrainerConfig } from '../config/plan.js';

/** Two option values alike: a one-element list is the single value (PEFT: `all-linear` or `[all-linear]`). */
export function sameValue(a: unknown, b: unknown): boolean {
  const one = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  const [x, y] = [one(a), one(b)];
  // lists as sets: the same target modules in another order are the same modules
  if (Array.isArray(x) && Array.isArray(y))
    return (
      x.length === y.length &&
      x.every((v) => y.some((w) => sameValue(v, w))) &&
      y.every((w) => x.some((v) => sameValue(v, w)))
    );
  if (typeof x === 'string' && typeof y === 'string') return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

/** The options of a file by path. */
export type FileOptions = ReadonlyMap<string, unknown>;

/** The sets of a table's option with what it reads, and the options compared by their members. */
interface SetsSpec {
  sets: Record<string, Record<string, OptionValue>>;
  reads?: Record<string, Array<Record<string, OptionValue>>>;
  within?: string[];
}

/** Each set by its value: those config writes, then those check reads as that value too. */
const setsOf = (spec: SetsSpec): Array<[string, Record<string, OptionValue>]> => [
  ...Object.entries(spec.sets),
  ...Object.entries(spec.reads ?? {}).flatMap(([key, sets]) => sets.map((s) => [key, s] as [string, typeof s])),
];

/** A file's value against a set's: equal, or for a `within` option a list holding every member of the set's. */
function valueMatches(spec: SetsSpec, path: string, value: unknown, wanted: OptionValue): boolean {
  if (!spec.within?.includes(path) || !Array.isArray(wanted)) return sameValue(value, wanted);
  const members = Array.isArray(value) ? value : [value];
  return wanted.every((w) => members.some((m) => sameValue(m, w)));
}

/**
 * The set (by its key) all of whose options the file has, the most specific first; `{}` matches last.
 * `defaults`: the trainer's own value of an option a file leaves out (TrainerConfig.optionDefaults).
 */
function matchSet(
  spec: SetsSpec,
  file: FileOptions,
  defaults: TrainerConfig['optionDefaults'],
  overwritten: ReadonlySet<string> = new Set(),
): { key: string; paths: string[] } | null {
  let best: { key: string; paths: string[]; score: number } | null = null;
  // an option the file leaves out holds its trainer's default (LLaMA-Factory's quantization_method bnb)
  const holds = (path: string, v: OptionValue) =>
    file.has(path)
      ? valueMatches(spec, path, file.get(path), v)
      : defaults?.[path] !== undefined && sameValue(defaults[path], v);
  for (const [key, set] of setsOf(spec)) {
    const entries = Object.entries(set).filter(([path]) => !overwritten.has(path));
    if (!entries.every(([path, v]) => holds(path, v))) continue;
    if (!best || entries.length > best.score)
      best = { key, paths: entries.map(([p]) => p).filter((p) => file.has(p)), score: entries.length };
  }
  return best && { key: best.key, paths: best.paths };
}

/** A known option whose value the table has no setting for (an optimizer the estimate does not model). */
export interface UnmappedValue {
  path: string;
  value: unknown;
  setting: ConfigSetting;
  /** the values the table reads, as the option's values */
  known: string[];
}

export interface ReadBack {
  /** each setting the file states, as the run's value (the setting's vocabulary: `adamw-8bit`, `nf4`) */
  settings: Partial<Record<ConfigSetting, unknown>>;
  /** the technique whose options the file has (the most of them), or null */
  technique: string | null;
  /** the model group whose options the file has, or null */
  group: string | null;
  /** the paths the table read */
  read: Set<string>;
  unmapped: UnmappedValue[];
  /** options whose value stands for several of the setting's values (the first is taken) */
  ambiguous: Array<{ path: string; value: unknown; setting: ConfigSetting; values: string[] }>;
  /** the models the matched group entry is for, when it names them (torchtune's per-model builders) */
  groupModels: string[] | null;
  /** where no group entry names the builder: the model name the builder's name gives (modelBuilder), and its option */
  builderModel: { name: string; option: string } | null;
}

/** The paths that the sets of the settings after `setting` in the table match in the file (written after, so over it). */
function overwrittenLater(config: TrainerConfig, setting: ConfigSetting, file: FileOptions): Set<string> {
  const specs = Object.entries(config.options);
  const later = specs.slice(specs.findIndex(([s]) => s === setting) + 1);
  const paths = new Set<string>();
  for (const [, spec] of later)
    if (spec && typeof spec === 'object' && 'sets' in spec)
      matchSet(spec, file, config.optionDefaults)?.paths.forEach((p) => paths.add(p));
  return paths;
}

export function readBack(config: TrainerConfig, file: FileOptions): ReadBack {
  const settings: ReadBack['settings'] = {};
  const read = new Set<string>();
  const unmapped: UnmappedValue[] = [];
  const ambiguous: ReadBack['ambiguous'] = [];
  for (const [setting, spec] of Object.entries(config.options) as Array<
    [ConfigSetting, TrainerConfig['options'][ConfigSetting]]
  >) {
    if (spec === undefined) continue;
    if (typeof spec === 'string' || Array.isArray(spec)) {
      // one setting at several paths (OneTrainer's two text encoders' train): the first the file has
      const paths = typeof spec === 'string' ? [spec] : spec;
      const found = paths.filter((p) => file.has(p));
      if (found.length) settings[setting] = file.get(found[0]!);
      found.forEach((p) => read.add(p));
    } else if ('off' in spec) {
      // on unless the option has the value that turns it off (kohya's stop_text_encoder_training = -1)
      if (file.has(spec.option)) read.add(spec.option);
      settings[setting] = !(file.has(spec.option) && sameValue(file.get(spec.option), spec.off));
    } else if ('negate' in spec) {
      // the option turns the setting off (LLaMA-Factory's disable_gradient_checkpointing)
      if (!file.has(spec.option)) continue;
      read.add(spec.option);
      const value = file.get(spec.option);
      if (typeof value === 'boolean') settings[setting] = !value;
      else unmapped.push({ path: spec.option, value, setting, known: ['true', 'false'] });
    } else if ('option' in spec) {
      // one mapped value at several paths (Unsloth's use_gradient_checkpointing in both calls): the first the file has
      const path = (Array.isArray(spec.option) ? spec.option : [spec.option]).find((p) => file.has(p));
      if (path === undefined) continue;
      read.add(path);
      const value = file.get(path);
      const keys = Object.entries(spec.values)
        .filter(([, v]) => sameValue(v, value))
        .map(([k]) => k);
      if (keys.length) settings[setting] = keys[0];
      else unmapped.push({ path, value, setting, known: Object.values(spec.values).map(String) });
      // two of the run's values written alike (diffusers' --mixed_precision bf16 for mixed-bf16 and bf16): the file cannot say which
      if (keys.length > 1) ambiguous.push({ path, value, setting, values: keys });
    } else {
      // a path a later setting's set gives its own value is written over (OneTrainer: an NF4 U-Net's
      // unet.weight_dtype replaces the precision's): this set is read from its other paths
      const match = matchSet(spec, file, config.optionDefaults, overwrittenLater(config, setting, file));
      const all = setsOf(spec).map(([, s]) => s);
      // a `within` option's other members say nothing of the setting (axolotl's logger plugins)
      const listed = (p: string) => file.has(p) && !spec.within?.includes(p);
      if (match) {
        if (match.paths.length || !all.some((s) => Object.keys(s).some(listed))) settings[setting] = match.key;
        match.paths.forEach((p) => read.add(p));
      }
      // an option of the sets with a value none of them has: the table cannot say the setting (unless
      // a set it is not in holds: LLaMA-Factory's stage dpo is DPO whatever loss pref_loss names but orpo)
      if (!match || !match.paths.length)
        for (const path of new Set(all.flatMap((s) => Object.keys(s))))
          // false is an option of a set left off (load_in_4bit: false): the set without it holds
          if (listed(path) && !read.has(path) && file.get(path) !== false)
            unmapped.push({
              path,
              value: file.get(path),
              setting,
              known: [...new Set(all.flatMap((s) => (s[path] !== undefined ? [String(s[path])] : [])))],
            });
    }
  }
  // the options every file of the table sets (torchtune's required keys) say nothing of the run
  for (const p of Object.keys(config.set ?? {})) if (file.has(p)) read.add(p);
  // a technique by its options; where a model's entry names it (torchtune's builders: its LoRA and
  // QLoRA differ only there), the builder decides among the techniques, and the techniques' own
  // options only between those it names alike (DoRA's use_dora on LoRA's builder). A model's builder
  // names the technique alone: the technique's other options are choices it writes, such as
  // torchtune's optimizer_in_bwd, which a published config may make otherwise.
  const own = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, config.techniques[id]!.set ?? {}]));
  let technique = matchSet({ sets: own(Object.keys(config.techniques)) }, file, config.optionDefaults);
  let builderGroup: NonNullable<typeof config.groups>[number] | null = null;
  for (const g of config.groups ?? []) {
    const named = Object.entries(g.techniques ?? {}).filter(
      ([id, set]) => config.techniques[id] && matchSet({ sets: { [id]: set } }, file, config.optionDefaults),
    );
    if (!named.length) continue;
    const alike = matchSet({ sets: own(named.map(([id]) => id)) }, file, config.optionDefaults);
    technique = { key: alike?.key ?? named[0]![0], paths: [...Object.keys(named[0]![1]), ...(alike?.paths ?? [])] };
    builderGroup = g;
    break;
  }
  // no entry of the table names the builder: its name says the technique by its prefix and the model by the rest
  let builderModel: ReadBack['builderModel'] = null;
  const builder = config.modelBuilder;
  const builderValue = builder ? file.get(builder.option) : undefined;
  if (!builderGroup && builder && typeof builderValue === 'string') {
    const last = builderValue.slice(builderValue.lastIndexOf('.') + 1);
    const [id, prefix] = Object.entries(builder.prefixes)
      .filter(([id, p]) => config.techniques[id] && last.startsWith(p))
      .sort((a, b) => b[1].length - a[1].length)[0] ?? [null, ''];
    if (id !== null && last.length > prefix.length) {
      // the technique's own options among those the prefix names alike (DoRA's use_dora on a LoRA builder)
      const same = Object.entries(builder.prefixes)
        .filter(([t, p]) => p === prefix && config.techniques[t])
        .map(([t]) => t);
      const alike = matchSet({ sets: own(same) }, file, config.optionDefaults);
      technique = { key: alike?.paths.length ? alike.key : id, paths: [builder.option, ...(alike?.paths ?? [])] };
      builderModel = { name: last.slice(prefix.length), option: builder.option };
    }
  }
  // a full model's builder is in generation, evaluation and quantization configs too: it names a
  // full fine-tune only in a file with an optimizer (torchtune's eleuther_evaluation.yaml has none)
  if (
    technique?.key === 'full-finetune' &&
    technique.paths.some((p) => p === builder?.option || /_component_$/.test(p)) &&
    !specPaths(config.options.optimizer).some((p) => file.has(p))
  )
    technique = null;
  technique?.paths.forEach((p) => read.add(p));
  // a group by the options it always sets that are not paths to the user's files (kohya's FLUX
  // checkpoint names): the most of them found
  let group: { id: string; n: number; models: string[] | null } | null = null;
  for (const g of config.groups ?? []) {
    const entries = Object.entries(g.set ?? {});
    const found = entries.filter(([p, v]) => file.has(p) && sameValue(file.get(p), v));
    entries.forEach(([p]) => file.has(p) && read.add(p));
    if (found.length && (!group || found.length > group.n))
      group = { id: g.groups[0]!, n: found.length, models: g.models ?? null };
  }
  // the model's builder names the model, whatever its other options share with another model's
  // (torchtune's Llama 3.2 3B GRPO config keeps checkpointer.model_type LLAMA3 of Llama 3.1)
  if (builderGroup) group = { id: builderGroup.groups[0]!, n: Infinity, models: builderGroup.models ?? null };
  return {
    settings,
    technique: technique?.key ?? null,
    group: group?.id ?? null,
    read,
    unmapped,
    ambiguous,
    groupModels: group?.models ?? null,
    builderModel,
  };
}

/**
 * How much of a file a trainer's table reads, for telling the trainer from the file (each trainer
 * reads it as it would: kohya's sections flattened): twice the options its table reads, plus every
 * option the trainer has; 0 when its table reads none, whatever names it shares.
 */
export function trainerScore(config: TrainerConfig, file: FileOptions, names: ReadonlySet<string>): number {
  const back = readBack(config, file);
  if (!back.read.size) return 0;
  const recognised = [...file.keys()].filter((p) => back.read.has(p) || isKnownPath(p, names)).length;
  return back.read.size * 2 + recognised;
}

/** Every proper prefix of the names (`a` and `a.b` of `a.b.c`): the names the list says something inside of. Computed once per list. */
const parentsCache = new WeakMap<ReadonlySet<string>, Set<string>>();
function parentsOf(names: ReadonlySet<string>): Set<string> {
  let parents = parentsCache.get(names);
  if (!parents) {
    parents = new Set();
    for (const n of names) for (let i = n.indexOf('.'); i >= 0; i = n.indexOf('.', i + 1)) parents.add(n.slice(0, i));
    parentsCache.set(names, parents);
  }
  return parents;
}

/**
 * The part of a file's option the trainer does not have, or null when it has it all: the option's
 * path (without list indices: `datasets.0.path` is `datasets.path`) is a name the trainer's
 * source lists; or a prefix of it is, and the list says nothing of what is inside (a
 * mapping-valued option: special_tokens.*, gradient_checkpointing_kwargs.*); else the outermost
 * key no listed name starts with is the unknown one (`datsets`, not `datsets.0.path`). `leaf`: the
 * file's options are matched by their last name (kohya's dataset TOML, whose source lists the
 * names its sections take).
 */
export function unknownPart(path: string, names: ReadonlySet<string>, leaf = false): string | null {
  const original = path.split('.');
  const plainIndex = original.map((s, i) => [s, i] as const).filter(([s]) => !/^\d+$/.test(s));
  const segments = plainIndex.map(([s]) => s);
  const plain = segments.join('.');
  if (names.has(path) || names.has(plain)) return null;
  if (leaf) return names.has(segments[segments.length - 1]!) ? null : path;
  const parents = parentsOf(names);
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('.');
    const inside = parents.has(prefix);
    if (names.has(prefix) && !inside) return null; // an opaque mapping's key
    if (!names.has(prefix) && !inside) return original.slice(0, plainIndex[i - 1]![1] + 1).join('.');
  }
  return path;
}

/** Whether the trainer has every part of a file's option (unknownPart finds none). */
export const isKnownPath = (path: string, names: ReadonlySet<string>, leaf = false) =>
  unknownPart(path, names, leaf) === null;

export type { FlatOption };
