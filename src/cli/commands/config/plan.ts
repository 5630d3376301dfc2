// The files of `config`, as data: the resolved run's settings turned into the trainer's option
// names and values by its option table (trainers.yaml `config`), checked, with no text written yet
// (src/render/trainer-config.ts lays the files out). Pure: no I/O.
import { UsageError } from '../../../errors.js';
import type { TrainingSettings } from '../../../estimate/settings.js';
import type { KnowledgeBase, Model, Technique, Trainer } from '../../../kb/types.js';
import type { ConfigDatasetSetting, ConfigSetting, ConfigWriter } from '../../../kb/vocabulary.js';
import { type DistributedPlan, planDistributed } from './distributed.js';

/** A value a config file gives an option. */
export type OptionValue = string | number | boolean | null | string[] | number[] | Array<Record<string, string>>;
/** Options in the order they are written. */
export type Options = Array<[name: string, value: OptionValue]>;

export type TrainerConfig = NonNullable<Trainer['config']>;

/** A subset of kohya's dataset TOML: one folder of images. */
export interface ImageSubset {
  options: Options;
  /** the folder, relative to the output folder */
  folder: string;
}

export interface ConfigPlan {
  writer: ConfigWriter;
  trainer: Trainer;
  config: TrainerConfig;
  /** the training options (kohya's --config_file TOML, TRL's YAML, diffusers' flags, Unsloth's CALL.keyword arguments) */
  options: Options;
  /** kohya: the dataset TOML's general options, its dataset's options and its subsets */
  dataset: { general: Options; dataset: Options; subsets: ImageSubset[] } | null;
  /** the script the launch command or train.sh runs (kohya, diffusers: per group and technique); null when the trainer has one command */
  script: string | null;
  /** the names of the files written: the training config and the dataset file (kohya's dataset TOML), if any */
  fileNames: { config: string; dataset: string | null };
  /** the adapter's own config file written beside the training file (SimpleTuner's LyCORIS lycoris_config.json): its name, how the trainer reads it, its options */
  adapter: { name: string; reads: string; options: Options; notes: string[] } | null;
  /** the dataset registry written beside the config (LLaMA-Factory's dataset_info.json): the name the data is registered under and its entry */
  registry: { name: string; entry: Record<string, string | Record<string, string>> } | null;
  /** the option names the table filled in with values the run does not set (alpha = rank) */
  notes: string[];
  /** the data the files point at, relative to the output folder: image folders (ending in /), a JSONL file */
  data: string[];
  /** the dataset layout the trainer expects, and what the model group adds to it */
  layout: string[];
  /** several cards: the strategy's files beside the trainer's and its launch line; null on one card */
  distributed: DistributedPlan | null;
}

export interface ConfigInput {
  kb: KnowledgeBase;
  trainer: Trainer;
  technique: Technique;
  model: Model;
  settings: TrainingSettings;
  /** what the files name the base model by: the path or Hub id given, else the model's Hub id */
  modelPath: string;
  /** the folder the files are written to ('.' without --out), which paths inside them start from */
  dir: string;
  /** the instance token and class word of the image subsets (kohya's `N_token class` folder) */
  token: string;
  classWord: string;
}

/** The JSONL file a language model's config reads. */
const TRAIN_JSONL = 'train.jsonl';

/** The image folders of a trainer that takes them as options (diffusers' --instance_data_dir, --class_data_dir). */
const INSTANCE_DIR = 'instance_images';
const CLASS_DIR = 'class_images';

const join = (dir: string, name: string) => (dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`);

/** The trainers that run the technique (trainers.yaml `techniques`), for a message. */
export const trainersRunning = (kb: KnowledgeBase, technique: Technique, model: Model): string[] =>
  kb.trainers
    .filter((t) => t.families.includes(model.family) && t.techniques?.some((x) => x.id === technique.id))
    .map((t) => t.id);

/**
 * The trainer's option table for the technique and model, or a usage error naming what it can do:
 * the trainers that run the technique, the techniques its table writes, the groups it has scripts for.
 */
export function tableFor(kb: KnowledgeBase, trainer: Trainer, technique: Technique, model: Model): TrainerConfig {
  const writers = kb.trainers.filter((t) => t.config).map((t) => t.id);
  const runs = trainer.techniques?.find((t) => t.id === technique.id);
  if (trainer.techniques && !runs) {
    const others = trainersRunning(kb, technique, model);
    throw new UsageError(
      `--trainer ${trainer.id} does not run ${technique.id}. Trainers that run it: ${others.join(', ') || '(none recorded)'}.`,
    );
  }
  const config = trainer.config;
  if (!config)
    throw new UsageError(`config writes files for --trainer ${writers.join(', ')}; not yet for ${trainer.id}.`);
  if (!config.techniques[technique.id]) {
    const how = runs?.via ? ` (${trainer.id} runs it with ${runs.via})` : '';
    throw new UsageError(
      `config writes ${trainer.id} files for --technique ${Object.keys(config.techniques).join(', ')}; not yet for ${technique.id}${how}.`,
    );
  }
  if (config.groups && !config.groups.some((g) => g.groups.includes(model.group)))
    throw new UsageError(
      `config writes ${trainer.id} files for ${config.groups.flatMap((g) => g.groups).join(', ')} models; ${model.id} is a ${model.group} model.`,
    );
  // entries for named models only (torchtune's per-model builders): the model must be one of them
  if (config.groups && !groupFor(config, model)) {
    const models = config.groups.filter((g) => g.groups.includes(model.group)).flatMap((g) => g.models ?? []);
    throw new UsageError(
      `config writes ${trainer.id} files for ${models.join(', ')} (the models its table has builders for); not for ${model.id}.`,
    );
  }
  const entry = groupFor(config, model);
  if (entry?.techniques && !entry.techniques[technique.id])
    throw new UsageError(
      `config writes ${trainer.id} files for ${model.id} with --technique ${Object.keys(entry.techniques).join(', ')} (the builders its table has); not ${technique.id}.`,
    );
  const only = config.techniques[technique.id]!.groups;
  if (only && !only.includes(model.group)) {
    const how = runs?.via ? ` (${trainer.id}: ${runs.via})` : '';
    throw new UsageError(
      `config writes ${trainer.id} files for --technique ${technique.id} on ${only.join(', ')} models; ${model.id} is a ${model.group} model${how}.`,
    );
  }
  return config;
}

/**
 * The table a technique's files are written from: the trainer's, or, for a technique the trainer
 * runs only from another kind of file (TRL's LoHa: a Python script, `trl sft` having no option for
 * it), that file's own writer, name, launch and options, with the technique alone.
 */
export function tableView(config: TrainerConfig, technique: string): TrainerConfig {
  const t = config.techniques[technique];
  if (!t?.writer) return config;
  const { writer, file, reads, launch, datasetEntry, layout, options, ...entry } = t;
  return {
    ...config,
    writer,
    file: file ?? config.file,
    reads: reads ?? config.reads,
    launch: launch ?? config.launch,
    datasetEntry: datasetEntry ?? config.datasetEntry,
    layout: layout ?? config.layout,
    options: options ?? {},
    readAs: undefined,
    techniques: { [technique]: entry },
  };
}

/** Every table a trainer's files are written from, as check reads them: the trainer's, then each technique's own (tableView). */
export function tableViews(config: TrainerConfig): TrainerConfig[] {
  const own = Object.keys(config.techniques).filter((id) => config.techniques[id]!.writer);
  if (!own.length) return [config];
  const base = Object.fromEntries(Object.entries(config.techniques).filter(([id]) => !own.includes(id)));
  return [{ ...config, techniques: base }, ...own.map((id) => tableView(config, id))];
}

/** The table's entry for the model: its group's, narrowed to the models an entry names. */
export const groupFor = (config: TrainerConfig, model: Pick<Model, 'id' | 'group'>) =>
  config.groups?.find((g) => g.groups.includes(model.group) && (!g.models || g.models.includes(model.id)));

/** The script a run launches: the technique's, else the group's for the technique, else the group's. */
export const scriptOf = (
  config: TrainerConfig,
  model: Pick<Model, 'id' | 'group'>,
  technique: string,
): string | null => {
  const group = groupFor(config, model);
  return config.techniques[technique]?.script ?? group?.scripts?.[technique] ?? group?.script ?? null;
};

/**
 * The options a script names differently or has besides the table's (`scriptOptions`), and the
 * settings it has no option for (null there).
 */
export function scriptSpecs(config: TrainerConfig, script: string | null) {
  const own = script ? config.scriptOptions?.[script] : undefined;
  const specs: TrainerConfig['options'] = {};
  const none: ConfigSetting[] = [];
  for (const [setting, spec] of Object.entries(own?.options ?? {}) as Array<
    [ConfigSetting, TrainerConfig['options'][ConfigSetting] | null]
  >)
    if (spec === null) none.push(setting);
    else specs[setting] = spec;
  return { own, specs, none };
}

/** The flag a setting comes from, for messages. */
const SETTING_FLAGS: Partial<Record<ConfigSetting, string>> = {
  checkpointing: '--[no-]gradient-checkpointing',
  precision: '--precision',
  savePrecision: '--save-precision',
  quantize: '--quantize',
  optimizer: '--optimizer',
  targets: '--targets',
  attention: '--attention',
  loss: '--loss',
  gradientCheckpointing: '--gradient-checkpointing',
  cache: '--cache',
  trainTextEncoder: '--train-text-encoder',
};

/** The flags that turn a switch off, where estimate has one (--train-text-encoder is off unless given). */
const OFF_FLAGS: Partial<Record<ConfigSetting, string>> = {
  gradientCheckpointing: '--no-gradient-checkpointing',
  cache: '--no-cache',
};

/** The settings' values under the table's setting names; absent: the run has none (null, or not this kind of model). */
export function settingValues(
  input: ConfigInput,
  config: TrainerConfig,
  files: { dataset: string | null },
): Partial<Record<ConfigSetting, unknown>> {
  const s = input.settings;
  const image = s.resolution !== null;
  const registry = config.datasetRegistry;
  const prior = s.priorPreservation;
  return {
    model: input.modelPath,
    outputDir: join(input.dir, 'output'),
    outputName: `${input.model.id}-${input.technique.id}`,
    outputFile: join(join(input.dir, 'output'), `${input.model.id}-${input.technique.id}.safetensors`),
    datasetConfig: files.dataset && !registry ? join(input.dir, files.dataset) : undefined,
    // a registry names the data by the name it is registered under, in the registry's folder
    datasetDir: registry ? input.dir : undefined,
    dataFile: join(input.dir, TRAIN_JSONL),
    dataset: registry
      ? registry.name
      : typeof config.datasetEntry === 'string'
        ? [config.datasetEntry.replace('{data}', join(input.dir, TRAIN_JSONL))]
        : config.datasetEntry
          ? [
              Object.fromEntries(
                Object.entries(config.datasetEntry).map(([k, v]) => [
                  k,
                  v.replace('{data}', join(input.dir, TRAIN_JSONL)),
                ]),
              ),
            ]
          : undefined,
    rank: s.rank ?? undefined,
    // alpha = rank: alpha / rank scales the update; the estimate does not depend on it
    alpha: s.rank ?? undefined,
    targets: s.rank !== null ? s.targets : undefined,
    learningRate: s.learningRate,
    steps: s.steps,
    // an image trainer's micro-batch is a dataset option (kohya) or a training one (ai-toolkit)
    batch: config.dataset?.batch ? undefined : s.batch,
    gradAccum: s.gradAccum,
    // one device: the batch an optimizer step sees (litgpt derives the accumulation from it)
    globalBatch: image ? undefined : s.batch * s.gradAccum,
    seqLen: s.seqLen ?? undefined,
    // a training option (SimpleTuner; OneTrainer's is a string, which its from_dict makes of a
    // number: str(data[name])); kohya's and ai-toolkit's are the dataset's
    resolution: image ? (s.resolution ?? undefined) : undefined,
    precision: s.precision,
    savePrecision: s.savePrecision ?? undefined,
    quantize: s.quantize,
    optimizer: s.optimizer,
    gradientCheckpointing: s.gradientCheckpointing,
    cache: image ? s.cache : undefined,
    cacheTextEncoder: image ? s.cache && !s.trainTextEncoder : undefined,
    unetOnly: image ? !s.trainTextEncoder : undefined,
    trainTextEncoder: image ? s.trainTextEncoder : undefined,
    blocksToSwap: s.blocksToSwap > 0 ? s.blocksToSwap : undefined,
    // kohya's own default weight (train_util.py: --prior_loss_weight default 1.0), written with the reg subset
    priorLossWeight: s.priorPreservation ? 1 : undefined,
    attention: s.attention,
    loss: s.loss,
    instanceData: image ? join(input.dir, INSTANCE_DIR) : undefined,
    // the diffusers DreamBooth README's prompts: "a photo of sks dog", class "a photo of dog"
    instancePrompt: image ? `a photo of ${input.token} ${input.classWord}` : undefined,
    priorPreservation: image ? prior : undefined,
    classData: prior ? join(input.dir, CLASS_DIR) : undefined,
    classPrompt: prior ? `a photo of ${input.classWord}` : undefined,
    classImages: prior ? (s.classImages ?? undefined) : undefined,
    checkpointing: !s.gradientCheckpointing ? 'off' : s.offloadCheckpoints ? 'offloaded' : 'on',
    // a token no tokenizer has (diffusers' README: "<cat-toy>"; OneTrainer's default "<embedding>"):
    // the scripts refuse one the tokenizer already holds; the class word is what its vector starts from
    placeholderToken: image ? (/^<.*>$/.test(input.token) ? input.token : `<${input.token}>`) : undefined,
    triggerWord: image ? input.token : undefined,
    initializerToken: image ? input.classWord : undefined,
    vectors: s.virtualTokens ?? undefined,
    factor: s.factor ?? undefined,
  };
}

const isOptionValue = (v: unknown): v is OptionValue =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v);

/** One setting through its table entry: the options it writes, or a usage error naming the values the table has. */
export function writeSetting(
  trainer: Trainer,
  setting: ConfigSetting,
  spec: TrainerConfig['options'][ConfigSetting],
  value: unknown,
): Options {
  // a switch the run turns on that the trainer has no option for (LitGPT's scripts have no
  // gradient checkpointing): left out, the file would run without it, so say so instead
  if (spec === undefined && value === true)
    throw new UsageError(
      `${trainer.id} has no option for ${SETTING_FLAGS[setting] ?? setting} in its option table: its file cannot turn it on.${setting in OFF_FLAGS ? ` Allowed for config --trainer ${trainer.id}: ${OFF_FLAGS[setting]}.` : ''}`,
    );
  if (value === undefined || spec === undefined) return [];
  const unmapped = (known: string[]) =>
    new UsageError(
      `${trainer.id} has no option for ${SETTING_FLAGS[setting] ?? setting} ${String(value)} in its option table. Allowed for config --trainer ${trainer.id}: ${SETTING_FLAGS[setting] ?? setting} ${known.join(', ')}.`,
    );
  if (typeof spec === 'string') return isOptionValue(value) ? [[spec, value]] : [];
  if (Array.isArray(spec)) return isOptionValue(value) ? spec.map((name): [string, OptionValue] => [name, value]) : [];
  if ('negate' in spec) return typeof value === 'boolean' ? [[spec.option, !value]] : [];
  if ('off' in spec) return value === false ? [[spec.option, spec.off]] : [];
  if ('option' in spec) {
    const mapped = spec.values[String(value)];
    if (mapped === undefined) throw unmapped(Object.keys(spec.values));
    return (Array.isArray(spec.option) ? spec.option : [spec.option]).map((name): [string, OptionValue] => [
      name,
      mapped,
    ]);
  }
  const set = spec.sets[String(value)];
  if (set === undefined) throw unmapped(Object.keys(spec.sets));
  return Object.entries(set);
}

/**
 * The switches config refuses to leave out when the run turns them on and the table has no option
 * for them, with the settings that write them another way (Unsloth's checkpointing: on, off or offloaded).
 */
const STRICT_SWITCHES: ReadonlyArray<[ConfigSetting, ConfigSetting[]]> = [['gradientCheckpointing', ['checkpointing']]];

/** Options with later ones replacing earlier ones of the same name, in first-seen order. */
function merged(...lists: Options[]): Options {
  const out = new Map<string, OptionValue>();
  for (const list of lists) for (const [k, v] of list) out.set(k, v);
  return [...out];
}

export function planConfig(input: ConfigInput): ConfigPlan {
  const { kb, trainer, technique, model } = input;
  const config = tableView(tableFor(kb, trainer, technique, model), technique.id);
  const s = input.settings;
  // the tables write supervised fine-tuning runs: a preference or RL run needs its own trainer
  // class, dataset format (chosen / rejected pairs, prompts and rewards) and options, which no
  // table holds yet, and an SFT file for it would train something else than was estimated
  if (s.objective !== 'sft')
    throw new UsageError(
      `config writes ${trainer.id}'s files for supervised fine-tuning only; --objective ${s.objective} is not written yet (estimate --objective ${s.objective} estimates it). Allowed for config --trainer ${trainer.id}: --objective sft.`,
    );
  if (config.options.resolution && s.width !== null)
    throw new UsageError(
      `${trainer.id} has no option for --resolution ${s.width}x${s.resolution} in its option table (a square resolution). Allowed for config --trainer ${trainer.id}: --resolution PX.`,
    );
  const registry = config.datasetRegistry;
  const files = {
    config: config.file,
    dataset: config.dataset ? (config.datasetFile ?? null) : (registry?.file ?? null),
  };
  const group = groupFor(config, model);
  const techniqueEntry = config.techniques[technique.id];
  const script = scriptOf(config, model, technique.id);
  const byScript = scriptSpecs(config, script);
  const values = settingValues(input, config, files);
  // several cards: the strategy's options join the trainer's file, its files are written beside it,
  // and the options it names differently replace the table's (checked before any option is written)
  const distributed = planDistributed({
    trainer,
    technique,
    config,
    cards: s.cards,
    strategy: s.strategy,
    join: (name) => join(input.dir, name),
    writeSetting: (setting, spec) => writeSetting(trainer, setting, spec, values[setting]),
  });
  // the group's own names replace the table's (in the table's order), and add what only its scripts have,
  // the technique's replace both, the script's all three (kohya's train_db.py: stop_text_encoder_training),
  // and a strategy's what it names its own way; a setting the script has no option for is left out
  const specs: TrainerConfig['options'] = {
    ...config.options,
    ...group?.options,
    ...techniqueEntry?.options,
    ...byScript.specs,
    ...distributed?.options,
  };
  for (const setting of byScript.none) delete specs[setting];
  const options: Options = [];
  for (const [setting, spec] of Object.entries(specs) as Array<
    [ConfigSetting, TrainerConfig['options'][ConfigSetting]]
  >) {
    // a Python script passes the dataset entry as the keyword arguments of one call (load_dataset.path, ...)
    if (setting === 'dataset' && config.writer === 'python' && typeof spec === 'string') {
      const entry = (values.dataset as Array<Record<string, string>> | undefined)?.[0] ?? {};
      options.push(...Object.entries(entry).map(([k, v]): [string, OptionValue] => [`${spec}.${k}`, v]));
      continue;
    }
    // a setting the strategy writes its own way says so when it has no option for the value
    const byStrategy = distributed && setting in distributed.options ? distributed.strategy : null;
    try {
      options.push(...writeSetting(trainer, setting, spec, values[setting]));
    } catch (err) {
      if (!byStrategy || !(err instanceof UsageError)) throw err;
      throw new UsageError(
        err.message.replace(' in its option table', ` with --strategy ${byStrategy} in its option table`),
      );
    }
  }
  // a memory switch the run turns on must be in the file (LitGPT has no gradient checkpointing on
  // one card; on several it checkpoints every block unasked: trainers.yaml `several-cards`); the
  // derived settings (cached text-encoder outputs, a U-Net-only run) are the trainer's to infer
  const unasked = (setting: ConfigSetting) =>
    setting === 'gradientCheckpointing' && trainer.gradientCheckpointing === 'several-cards' && s.cards > 1;
  for (const [setting, alternatives] of STRICT_SWITCHES)
    if (![setting, ...alternatives].some((a) => a in specs) && !unasked(setting))
      writeSetting(trainer, setting, undefined, values[setting]);
  // class images: a class-image subset (kohya's is_reg) or the trainer's own options (diffusers' --class_data_dir)
  if (input.settings.priorPreservation && !config.dataset?.isReg && !specs.priorPreservation)
    throw new UsageError(
      `${trainer.id} has no option for --prior-preservation in its option table (no class-image subset). Allowed for config --trainer ${trainer.id}: --no-prior-preservation.`,
    );
  // so is any other switch the script has no option for (diffusers' train_text_to_image.py: no --train_text_encoder)
  for (const setting of byScript.none) writeSetting(trainer, setting, undefined, values[setting]);
  const dataset = config.dataset
    ? imageDataset(
        input,
        config.dataset,
        Object.entries(config.datasetSet ?? {}),
        techniqueEntry?.captionFiles === true,
      )
    : null;
  // subsets with no file of their own are entries of a list in the training file (ai-toolkit's datasets)
  if (dataset && !files.dataset && config.datasetIn)
    dataset.subsets.forEach((subset, i) =>
      options.push(
        ...[...dataset.general, ...dataset.dataset, ...subset.options].map(([k, v]): [string, OptionValue] => [
          `${config.datasetIn}.${i}.${k}`,
          v,
        ]),
      ),
    );
  // the options the technique's script does not have are left out, whichever entry wrote them
  const omitted = new Set([...(techniqueEntry?.omit ?? []), ...(byScript.own?.omit ?? [])]);
  const all = merged(
    Object.entries(config.set ?? {}),
    options,
    Object.entries(group?.set ?? {}),
    Object.entries(group?.techniques?.[technique.id] ?? {}),
    Object.entries(techniqueEntry?.set ?? {}),
    Object.entries(byScript.own?.set ?? {}),
  ).filter(([name]) => !omitted.has(name));
  const notes: string[] = [];
  const alphaNote = (name: string) =>
    `${name} = the rank (alpha / rank = 1); lower it with the learning rate raised to taste`;
  const alpha = specs.alpha;
  if (typeof alpha === 'string' && values.alpha !== undefined && !omitted.has(alpha)) notes.push(alphaNote(alpha));
  // the adapter's own file (SimpleTuner's lycoris_config.json): its algorithm and the settings' options,
  // named from the training file by its option
  const adapterSpec = techniqueEntry?.adapterFile;
  let adapter: ConfigPlan['adapter'] = null;
  if (adapterSpec) {
    const own = Object.entries(adapterSpec.options) as Array<[ConfigSetting, TrainerConfig['options'][ConfigSetting]]>;
    const adapterAlpha = adapterSpec.options.alpha;
    adapter = {
      name: adapterSpec.file,
      reads: adapterSpec.reads,
      options: merged(
        Object.entries(adapterSpec.set),
        own.flatMap(([setting, spec]) => writeSetting(trainer, setting, spec, values[setting])),
      ),
      notes: typeof adapterAlpha === 'string' && values.alpha !== undefined ? [alphaNote(adapterAlpha)] : [],
    };
    all.push([adapterSpec.option, join(input.dir, adapterSpec.file)]);
  }
  return {
    writer: config.writer,
    trainer,
    config,
    options: distributed ? merged(all, distributed.set) : all,
    dataset: config.dataset && files.dataset ? dataset : null,
    script: distributed?.script ?? script,
    fileNames: files,
    adapter,
    registry: registry
      ? {
          name: registry.name,
          // the registry's paths are relative to its folder, where the JSONL file is put beside it
          entry: Object.fromEntries(
            Object.entries(registry.entry).map(([k, v]) => [
              k,
              typeof v === 'string' ? v.replace('{data}', TRAIN_JSONL) : v,
            ]),
          ),
        }
      : null,
    notes,
    distributed,
    layout: [
      byScript.own?.layout ?? config.layout,
      ...(group?.layout ? [group.layout] : []),
      ...(techniqueEntry?.layout ? [techniqueEntry.layout] : []),
    ],
    data: dataset
      ? dataset.subsets.map((d) => `${d.folder}/`)
      : (values.dataset && config.options.dataset) || registry || config.options.dataFile
        ? [TRAIN_JSONL]
        : specs.instanceData && values.instanceData
          ? [`${INSTANCE_DIR}/`, ...(values.classData && specs.classData ? [`${CLASS_DIR}/`] : [])]
          : [],
  };
}

/**
 * kohya's dataset TOML: the run's resolution and micro-batch, one subset of instance images in a
 * `1_token class` folder (num_repeats 1, kohya's default: the steps are max_train_steps), and with
 * prior preservation a subset of class images marked is_reg.
 */
function imageDataset(
  input: ConfigInput,
  names: NonNullable<TrainerConfig['dataset']>,
  set: Options,
  captionFiles: boolean,
): NonNullable<ConfigPlan['dataset']> {
  const s = input.settings;
  // a name takes the value as is; {option, values} maps it (OneTrainer's is_reg is a concept type)
  const opt = (key: ConfigDatasetSetting, value: OptionValue): Options => {
    const spec = names[key];
    if (spec === undefined) return [];
    if (typeof spec === 'string') return [[spec, value]];
    const mapped = spec.values[String(value)];
    return mapped === undefined ? [] : [[spec.option, mapped]];
  };
  // [width, height] when not square (kohya: `resolution = [768, 512]`, read as width, height)
  const resolution: OptionValue | null =
    s.width !== null && s.resolution !== null ? [s.width, s.resolution] : s.resolution;
  // a list of square bucket sizes (ai-toolkit) has no width x height
  if (names.resolutions && s.width !== null)
    throw new UsageError(
      `${input.trainer.id} has no option for --resolution ${s.width}x${s.resolution}: it takes square bucket sizes (${names.resolutions}: [${s.resolution}]). Allowed for config --trainer ${input.trainer.id}: --resolution PX.`,
    );
  const subset = (folder: string, classTokens: string, reg: boolean): ImageSubset => ({
    folder,
    options: merged(set, [
      ...opt('imageDir', join(input.dir, folder)),
      ...opt('repeats', 1),
      // a fine-tune's images are captioned by their .txt files; DreamBooth's by the token and class
      ...(reg || !captionFiles ? opt('classTokens', classTokens) : []),
      ...(reg ? opt('isReg', true) : []),
    ]),
  });
  const instance = `${input.token} ${input.classWord}`;
  return {
    general: opt('captionExtension', '.txt'),
    dataset: [
      ...(resolution !== null ? opt('resolution', resolution) : []),
      ...(s.resolution !== null ? opt('resolutions', [s.resolution]) : []),
      ...opt('batch', s.batch),
      ...opt('cache', s.cache),
      ...opt('samples', s.steps * s.batch * s.gradAccum),
    ],
    subsets: [
      subset(`img/1_${instance}`, instance, false),
      ...(s.priorPreservation ? [subset(`reg/1_${input.classWord}`, input.classWord, true)] : []),
    ],
  };
}
