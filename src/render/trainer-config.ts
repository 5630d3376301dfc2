// The text of `config`'s files: a planned trainer config (src/cli/commands/config/plan.ts) laid out
// as the trainer reads it: kohya's training TOML (--config_file) and dataset TOML
// (--dataset_config); one YAML file (`trl sft --config`, `axolotl train`); a POSIX sh script of one
// `accelerate launch` command (the diffusers example scripts); a Python script of keyword arguments
// to Unsloth's and TRL's calls. Each file starts with
// comment lines naming the command that wrote it and the trainer version its option names were
// checked against. Loaded only on the `config` path (it brings the yaml package).
import { stringify } from 'yaml';

import type { DistributedFile } from '../cli/commands/config/distributed.js';
import { nestOptions } from '../cli/commands/config/option-paths.js';
import type { ConfigPlan, Options, OptionValue } from '../cli/commands/config/plan.js';
import { wrapLines } from './format.js';

export interface ConfigFile {
  name: string;
  text: string;
}

// ---------- TOML (https://toml.io/en/v1.0.0) ----------

/** A TOML basic string: quotes, backslashes and control characters escaped (spec: "Strings"). */
export function tomlString(s: string): string {
  const escaped = s.replace(/[\u0000-\u001f"\\\u007f]/g, (c) => {
    const short: Record<string, string> = {
      '"': '\\"',
      '\\': '\\\\',
      '\b': '\\b',
      '\t': '\\t',
      '\n': '\\n',
      '\f': '\\f',
      '\r': '\\r',
    };
    return short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/** A key: bare when it is A-Za-z0-9_- only, else quoted (spec: "Keys"). */
const tomlKey = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

function tomlValue(v: OptionValue): string {
  if (v === null) throw new Error('TOML has no null');
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`TOML has no value for ${v}`);
    // JavaScript's shortest form is a valid TOML integer or float (1e-4 included)
    return String(v);
  }
  return `[${(v as unknown[])
    .map((x) =>
      typeof x === 'object' && x !== null
        ? `{ ${Object.entries(x as Record<string, string>)
            .map(([k, y]) => `${tomlKey(k)} = ${tomlString(y)}`)
            .join(', ')} }`
        : tomlValue(x as OptionValue),
    )
    .join(', ')}]`;
}

const tomlLines = (options: Options, indent = '') =>
  options.map(([k, v]) => `${indent}${tomlKey(k)} = ${tomlValue(v)}`);

/** `# ` before each line; a line break inside one would end the comment, so none is let through. */
const comments = (lines: string[]) => lines.map((l) => `# ${l.replace(/[\r\n]+/g, ' ')}`);

/** The two lines every written file starts with: the command that wrote it and the version its names were checked against. */
const headerLines = (plan: ConfigPlan, command: string) => [
  `Written by: ${command}`,
  `Option names checked against ${plan.config.checkedAgainst}, read from its source (not run).`,
];

function header(plan: ConfigPlan, command: string, extra: string[]): string[] {
  return comments([...headerLines(plan, command), ...extra]);
}

/** The table's line on how the trainer reads its file, with the script put in. */
const reads = (plan: ConfigPlan) => plan.config.reads.replace('{script}', plan.script ?? 'the training script');

function kohyaFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  const names = plan.fileNames;
  const files: ConfigFile[] = [
    {
      name: names.config,
      text: [...header(plan, command, [reads(plan), ...plan.notes]), '', ...tomlLines(plan.options), ''].join('\n'),
    },
  ];
  const d = plan.dataset;
  if (d && names.dataset) {
    const lines = [...header(plan, command, ['For --dataset_config (kohya dataset config, voluptuous-checked).']), ''];
    if (d.general.length) lines.push('[general]', ...tomlLines(d.general), '');
    lines.push('[[datasets]]', ...tomlLines(d.dataset));
    for (const s of d.subsets) lines.push('', '  [[datasets.subsets]]', ...tomlLines(s.options, '  '));
    files.push({ name: names.dataset, text: lines.join('\n') + '\n' });
  }
  return files;
}

function yamlFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  // a dotted option name is a path into nested maps (option-paths.ts): `train.max_steps`
  // no anchors: subsets share their resolution list, and each entry should read on its own
  const body = stringify(nestOptions(plan.options), { lineWidth: 0, aliasDuplicateObjects: false });
  const files = [
    {
      name: plan.fileNames.config,
      text: [...header(plan, command, [reads(plan), ...plan.notes]), '', body].join('\n'),
    },
  ];
  if (plan.registry && plan.fileNames.dataset) files.push(registryFile(plan, command, plan.fileNames.dataset));
  return files;
}

/**
 * The dataset registry (LLaMA-Factory's dataset_info.json): JSON, which has no comments, so the
 * lines the other files start with are the entry's first key, `_comment`. LLaMA-Factory reads an
 * entry by the keys it knows (data/parser.py DatasetAttr.join: `obj.get(key, default)`) and looks
 * up only the names `dataset` gives, so the extra key is not read.
 */
function registryFile(plan: ConfigPlan, command: string, name: string): ConfigFile {
  const registry = plan.registry!;
  const comment = headerLines(plan, command).map((l) => l.replace(/[\r\n]+/g, ' '));
  return { name, text: jsonText({ [registry.name]: { _comment: comment, ...registry.entry } }) };
}

// ---------- POSIX sh ----------

/**
 * One word for a POSIX shell: as is when it has only characters no shell treats specially, else in
 * single quotes (inside which nothing is special; a quote is closed, escaped and reopened: '\'').
 */
export const shellWord = (v: string) => (/^[\w.:/@=,+-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);

/**
 * An option as argparse words: `--name value`; a switch (argparse store_true) is `--name` alone when
 * on and left out when off (the scripts' switches all default to off); a list is its items as words.
 */
function shellArgs([name, value]: [string, OptionValue]): string[] | null {
  if (value === false) return null;
  if (value === true) return [`--${name}`];
  if (Array.isArray(value)) {
    if (value.some((x) => typeof x === 'object')) throw new Error(`no shell words for the option ${name}'s entries`);
    return [`--${name}`, ...(value as Array<string | number>).map((x) => shellWord(String(x)))];
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`no shell word for ${value}`);
  return [`--${name}`, shellWord(String(value))];
}

function shellFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  if (!plan.script) throw new Error(`${plan.trainer.id}: a shell config needs a script (config.groups)`);
  const args = plan.options.flatMap((o) => {
    const words = shellArgs(o);
    return words ? [words.join(' ')] : [];
  });
  // one option a line, each line but the last continued with a backslash
  const lines = [`accelerate launch ${shellWord(plan.script)}`, ...args.map((a) => `  ${a}`)];
  const body = lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l));
  return [
    {
      name: plan.fileNames.config,
      text: [...header(plan, command, [reads(plan), ...plan.notes]), '', ...body, ''].join('\n'),
    },
  ];
}

// ---------- Python ----------

/**
 * A Python literal: a string through JSON's escapes, all of which Python's string literals share
 * (\" \\ \/ \b \f \n \r \t \uXXXX), with the other C1 controls and the line and paragraph
 * separators escaped too so that no character can end the line; True, False, None; a number in
 * JavaScript's shortest form (a valid Python int or float: 5e-05 is 0.00005, 1e-7 stays 1e-7); a list.
 */
export function pythonLiteral(v: unknown): string {
  if (typeof v === 'string')
    return JSON.stringify(v).replace(
      /[\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`no Python literal for ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  throw new Error(`no Python literal for ${JSON.stringify(v)}`);
}

/** A call's keyword arguments, one a line at the indent, each `keyword=literal,`. */
const keywordLines = (kwargs: Options, indent: string) => kwargs.map(([k, v]) => `${indent}${k}=${pythonLiteral(v)},`);

/** A script's code from the keyword arguments of each call it makes (by the call's last name). */
type PythonScript = (kwargs: (call: string) => Options) => string[];

/**
 * Unsloth's script, in unsloth-cli.py's shape (unslothai/unsloth@015bdef0): the model loaded, its
 * adapters added (left out when the table writes none of get_peft_model's keywords: full
 * fine-tuning), the JSONL file, then TRL's SFTTrainer with an SFTConfig.
 */
const unslothScript: PythonScript = (kwargs) => {
  const peft = kwargs('get_peft_model');
  return [
    // Unsloth first: importing it patches transformers and TRL (its README's order)
    'from unsloth import FastLanguageModel',
    'from datasets import load_dataset',
    'from trl import SFTConfig, SFTTrainer',
    '',
    'model, tokenizer = FastLanguageModel.from_pretrained(',
    ...keywordLines(kwargs('from_pretrained'), '    '),
    ')',
    ...(peft.some(([k]) => k === 'r')
      ? ['model = FastLanguageModel.get_peft_model(', '    model,', ...keywordLines(peft, '    '), ')']
      : []),
    'dataset = load_dataset(',
    ...keywordLines(kwargs('load_dataset'), '    '),
    ')',
    'trainer = SFTTrainer(',
    '    model=model,',
    '    processing_class=tokenizer,',
    '    train_dataset=dataset,',
    '    args=SFTConfig(',
    ...keywordLines(kwargs('SFTConfig'), '        '),
    '    ),',
    ')',
  ];
};

/**
 * TRL's SFTTrainer from Python, for an adapter `trl sft` cannot build (its ModelConfig makes LoRA
 * only): SFTTrainer loads the model by its name (model: "str | PreTrainedModel | PeftModel") and
 * wraps it in the PEFT config given as peft_config (huggingface/trl@f2cd5771 trl/trainer/sft_trainer.py),
 * here PEFT's LoHaConfig (huggingface/peft@5d602fdb src/peft/tuners/loha/config.py). Every call is
 * an argument of SFTTrainer, so each keyword check reads is a literal.
 */
const trlScript: PythonScript = (kwargs) => [
  'from datasets import load_dataset',
  'from peft import LoHaConfig',
  'from trl import SFTConfig, SFTTrainer',
  '',
  'trainer = SFTTrainer(',
  ...keywordLines(kwargs('SFTTrainer'), '    '),
  '    train_dataset=load_dataset(',
  ...keywordLines(kwargs('load_dataset'), '        '),
  '    ),',
  '    peft_config=LoHaConfig(',
  ...keywordLines(kwargs('LoHaConfig'), '        '),
  '    ),',
  '    args=SFTConfig(',
  ...keywordLines(kwargs('SFTConfig'), '        '),
  '    ),',
  ')',
];

/** Each trainer's script shape, and the calls its options may name (`CALL.keyword`). */
const PYTHON_SCRIPTS: Record<string, { calls: string[]; code: PythonScript }> = {
  unsloth: { calls: ['from_pretrained', 'get_peft_model', 'load_dataset', 'SFTConfig'], code: unslothScript },
  trl: { calls: ['SFTTrainer', 'load_dataset', 'LoHaConfig', 'SFTConfig'], code: trlScript },
};

function pythonFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  const script = PYTHON_SCRIPTS[plan.trainer.id];
  if (!script) throw new Error(`${plan.trainer.id}: no Python script shape for its option table`);
  const byCall = new Map<string, Options>();
  for (const [name, value] of plan.options) {
    const dot = name.indexOf('.');
    const call = name.slice(0, dot);
    if (dot < 0 || !script.calls.includes(call))
      throw new Error(`${plan.trainer.id}: the option ${name} names no call of the script (CALL.keyword)`);
    byCall.set(call, [...(byCall.get(call) ?? []), [name.slice(dot + 1), value]]);
  }
  const code = [
    ...script.code((call) => byCall.get(call) ?? []),
    'trainer.train()',
    '# the adapters (or the model) into output_dir',
    'trainer.save_model()',
  ];
  return [
    {
      name: plan.fileNames.config,
      text: [...header(plan, command, [reads(plan), ...plan.notes]), '', ...code, ''].join('\n'),
    },
  ];
}

// ---------- JSON ----------

/**
 * The key a JSON file's header is written under, as an object: JSON has no comments. OneTrainer's
 * BaseConfig.from_dict reads only its own field names, so the key is ignored; SimpleTuner turns a
 * config.json key into a command-line option unless its value is a mapping, which
 * mapping_to_cli_args sets aside (and load_json_config drops), and reads its dataset entries with
 * backend_dict.get, so the key is ignored there too.
 */
export const JSON_HEADER_KEY = '__comment';

const jsonHeader = (plan: ConfigPlan, command: string, extra: string[]) => ({
  written_by: command,
  checked_against: `${plan.config.checkedAgainst}, read from its source (not run)`,
  notes: extra.filter((l) => l !== ''),
});

const jsonText = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

function jsonFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  const files: ConfigFile[] = [
    {
      name: plan.fileNames.config,
      text: jsonText({
        [JSON_HEADER_KEY]: jsonHeader(plan, command, [reads(plan), ...plan.notes]),
        ...nestOptions(plan.options),
      }),
    },
  ];
  const d = plan.dataset;
  if (d && plan.fileNames.dataset) {
    // a list of subsets, each with the dataset's options; the header is a key of the first
    const subsets = [
      ...d.subsets.map((s) => nestOptions([...d.general, ...d.dataset, ...s.options])),
      ...(plan.config.datasetEntries ?? []).map((e) => nestOptions(Object.entries(e))),
    ];
    const header = jsonHeader(plan, command, [plan.config.datasetReads ?? '']);
    files.push({
      name: plan.fileNames.dataset,
      text: jsonText(subsets.map((s, i) => (i === 0 ? { [JSON_HEADER_KEY]: header, ...s } : s))),
    });
  }
  return files;
}

// ---------- several cards: a DeepSpeed JSON, an accelerate config ----------

/** What the header of a file for several cards says reads it, and how. */
const DISTRIBUTED_READS: Record<DistributedFile['kind'], string> = {
  // transformers' and accelerate's HfDeepSpeedConfig read it with json.load and fill each "auto"
  // from the training arguments (accelerate utils/dataclasses.py DeepSpeedPlugin.fill_match)
  deepspeed:
    'DeepSpeed config (read by the Hugging Face integration, which fills each "auto" from the training arguments).',
  // accelerate's ClusterConfig.from_yaml_file: a key that is not one of its fields is an error
  accelerate: 'For accelerate launch --config_file (a key that is not a ClusterConfig field is an error).',
  // ms-swift's _init_fsdp: json_parse_to_dict(path), then .get('fsdp') and .get('fsdp_config') (its
  // bundled fsdp2.json carries "_description" and "_param_docs" beside them)
  fsdp: "For the trainer's --fsdp PATH (it reads the fsdp options string and fsdp_config; other keys are left alone).",
};

/**
 * The files a run on several cards writes beside the trainer's own. JSON has no comments: the
 * DeepSpeed JSON's header (and an FSDP JSON's, which ms-swift reads by two keys) is a top-level
 * `__comment` object, which DeepSpeed does not read
 * (DeepSpeedConfig looks its top-level keys up by name; only the sections it parses, such as
 * zero_optimization, forbid unknown keys) and accelerate's fill_match leaves alone (it rewrites
 * only "auto" values).
 */
function distributedFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  const d = plan.distributed;
  if (!d) return [];
  const lines = (kind: DistributedFile['kind']) => [
    ...headerLines(plan, command),
    `--strategy ${d.strategy} on ${d.cards} cards. ${DISTRIBUTED_READS[kind]}`,
  ];
  return d.files.map((f) =>
    f.kind === 'deepspeed' || f.kind === 'fsdp'
      ? {
          name: f.name,
          text: jsonText({
            [JSON_HEADER_KEY]: lines(f.kind).map((l) => l.replace(/[\r\n]+/g, ' ')),
            ...nestOptions(f.options),
          }),
        }
      : {
          name: f.name,
          text: [
            ...comments(lines(f.kind)),
            '',
            stringify(nestOptions(f.options), { lineWidth: 0, aliasDuplicateObjects: false }),
          ].join('\n'),
        },
  );
}

/**
 * The adapter's own JSON file (SimpleTuner's LyCORIS lycoris_config.json), its header under
 * JSON_HEADER_KEY: SimpleTuner asserts the keys it needs (cmd_args.py: algo, multiplier,
 * linear_dim, linear_alpha), takes out multiplier, linear_dim and linear_alpha and passes the rest
 * to LyCORIS' create_lycoris(**kwargs), which reads each argument it knows with kwargs.get
 * (KohakuBlueleaf/LyCORIS lycoris/wrapper.py), so the header key is not read.
 */
function adapterFile(plan: ConfigPlan, command: string): ConfigFile {
  const a = plan.adapter!;
  return {
    name: a.name,
    text: jsonText({ [JSON_HEADER_KEY]: jsonHeader(plan, command, [a.reads, ...a.notes]), ...nestOptions(a.options) }),
  };
}

function writerFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  switch (plan.writer) {
    case 'kohya':
      return kohyaFiles(plan, command);
    case 'json':
      return jsonFiles(plan, command);
    case 'shell':
      return shellFiles(plan, command);
    case 'python':
      return pythonFiles(plan, command);
    default:
      return yamlFiles(plan, command);
  }
}

/** The files of a planned config, each with its name and text: the writer's, the adapter's own file if any, and on several cards the strategy's. */
export function configFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  const files = writerFiles(plan, command);
  return [...files, ...(plan.adapter ? [adapterFile(plan, command)] : []), ...distributedFiles(plan, command)];
}

/**
 * The launch command: the table's (on several cards the strategy's, with the cards and the
 * strategy's files put in), with the script and the config file's path put in.
 */
export function launchCommand(plan: ConfigPlan, configPath: string): string {
  return (plan.distributed?.launch ?? plan.config.launch)
    .replace('{script}', plan.script ?? '')
    .replace('{config}', configPath)
    .replace(/\s+/g, ' ')
    .trim();
}

export interface ConfigOutput {
  files: ConfigFile[];
  /** the paths written (--out), else null: the files are printed */
  written: string[] | null;
  launch: string;
  /** the data the files point at: image folders (ending in /), a JSONL file */
  data: string[];
  /** the layout's paragraphs */
  layout: string[];
}

/** The text `config` prints: each file under a `==> NAME <==` line (or the paths written), the launch command, the layout. */
export function renderConfigText(o: ConfigOutput, width: number): string {
  const out: string[] = [];
  if (o.written) out.push(...o.written.map((p) => `wrote ${p}`), '');
  else for (const f of o.files) out.push(`==> ${f.name} <==`, f.text);
  out.push('Launch:', `  ${o.launch}`, '', 'Dataset layout:', ...o.data.map((d) => `  ${d}`));
  // the files are shown as written (a wrapped option would change them); the prose is wrapped
  const prose = wrapLines(o.layout, width - 2)
    .flatMap((l) => l.split('\n'))
    .map((l) => `  ${l}`);
  return [...out, ...prose].join('\n') + '\n';
}
