// The text of `config`'s files: a planned trainer config (src/cli/commands/config/plan.ts) laid out
// as the trainer reads it: kohya's training TOML (--config_file) and dataset TOML
// (--dataset_config); one YAML file (`trl sft --config`, `axolotl train`). Each file starts with
// comment lines naming the command that wrote it and the trainer version its option names were
// checked against. Loaded only on the `config` path (it brings the yaml package).
import { stringify } from 'yaml';

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

function header(plan: ConfigPlan, command: string, extra: string[]): string[] {
  return comments([
    `Written by: ${command}`,
    `Option names checked against ${plan.config.checkedAgainst}, read from its source (not run).`,
    ...extra,
  ]);
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
  const comment = [
    `Written by: ${command}`,
    `Option names checked against ${plan.config.checkedAgainst}, read from its source (not run).`,
  ].map((l) => l.replace(/[\r\n]+/g, ' '));
  const json = { [registry.name]: { _comment: comment, ...registry.entry } };
  return { name, text: JSON.stringify(json, null, 2) + '\n' };
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

/** The files of a planned config, each with its name and text. */
export function configFiles(plan: ConfigPlan, command: string): ConfigFile[] {
  if (plan.writer === 'kohya') return kohyaFiles(plan, command);
  return plan.writer === 'json' ? jsonFiles(plan, command) : yamlFiles(plan, command);
}

/** The launch command: the table's, with the script and the config file's path put in. */
export function launchCommand(plan: ConfigPlan, configPath: string): string {
  return plan.config.launch
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
