// The script writers' files as option paths and values, the shape `check` reads a data file into
// (option-paths.ts FlatOption): train.sh by sh's words (shell-words.ts), one `--flag value` or
// `--flag` (a switch: true) after the script; train.py by the literal keyword arguments of the calls
// its table names (python-calls.ts), as `CALL.keyword`. Also which group and technique the script
// a train.sh launches stands for. Never runs either file. Pure.
import { specPaths } from './option-paths.js';
import type { TrainerConfig } from './plan.js';
import { readPythonCalls } from './python-calls.js';
import { shellCommands } from './shell-words.js';

/** An option read from a script: its path and value (or why it has none) and its line. */
export interface ScriptOption {
  path: string;
  value?: unknown;
  /** a Python keyword whose value is not a literal, or a flag given twice */
  error?: string;
  line: number;
}

/** argparse's words as they would type: a number where the word is one (argparse's type=int/float reads them so). */
const wordValue = (w: string): string | number => (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(w) ? Number(w) : w);

/** train.sh: the script the launch runs and its flags (the first command's words after `accelerate launch [its flags] SCRIPT`). */
export function shellOptions(text: string): { script: string | null; options: ScriptOption[] } {
  const commands = shellCommands(text);
  // `export NAME=value` before the launch (the diffusers READMEs' MODEL_NAME, OUTPUT_DIR): what $NAME stands for
  const variables = new Map<string, string>();
  for (const c of commands)
    for (const w of c.words[0] === 'export'
      ? c.words.slice(1)
      : c.words.every((x) => /^[A-Za-z_]\w*=/.test(x))
        ? c.words
        : [])
      variables.set(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
  const expand = (v: string | number | true) => {
    const name = typeof v === 'string' ? /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/.exec(v) : null;
    const known = name ? variables.get(name[1] ?? name[2]!) : undefined;
    return known !== undefined ? wordValue(known) : v;
  };
  const command = commands.find((c) => c.words[0] === 'accelerate' && c.words[1] === 'launch');
  if (!command) return { script: null, options: [] };
  const words = command.words.slice(2);
  // accelerate's own flags come before the script (`--mixed_precision="fp16" train_dreambooth.py`)
  let i = 0;
  while (i < words.length && words[i]!.startsWith('--')) i += words[i]!.includes('=') ? 1 : 2;
  const script = words[i] ?? null;
  const options: ScriptOption[] = [];
  const seen = new Set<string>();
  for (let k = i + 1; k < words.length; k++) {
    const word = words[k]!;
    if (!word.startsWith('--')) {
      options.push({ path: word, error: 'a word that is not a --flag or its value', line: command.line });
      continue;
    }
    // --flag=value is one word to argparse
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(2, eq) : word.slice(2);
    const next = words[k + 1];
    const value = expand(
      eq > 0
        ? wordValue(word.slice(eq + 1))
        : next === undefined || next.startsWith('--')
          ? true
          : wordValue(words[++k]!),
    );
    // a shell variable's value is not in the file (the README sets it with export beforehand)
    if (typeof value === 'string' && /^\$(\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)$/.test(value)) {
      options.push({
        path: name,
        error: `a shell variable (${value}): its value is not in the file`,
        line: command.line,
      });
      seen.add(name);
      continue;
    }
    options.push(
      seen.has(name)
        ? { path: name, value, error: 'given twice (argparse keeps the last)', line: command.line }
        : { path: name, value, line: command.line },
    );
    seen.add(name);
  }
  return { script, options };
}

/** The calls a table's options name (`from_pretrained.load_in_4bit` -> from_pretrained). */
function tableCalls(config: TrainerConfig): string[] {
  const paths = Object.values(config.options).flatMap(specPaths);
  for (const t of Object.values(config.techniques)) paths.push(...Object.keys(t.set ?? {}));
  // a script's dataset option is the call whose keywords are the dataset entry (load_dataset)
  if (config.writer === 'python' && typeof config.options.dataset === 'string')
    paths.push(`${config.options.dataset}.`);
  return [...new Set(paths.filter((p) => p.includes('.')).map((p) => p.slice(0, p.indexOf('.'))))];
}

/** train.py: the keyword arguments of the calls the table names, as `CALL.keyword`. */
export function pythonOptions(text: string, config: TrainerConfig): ScriptOption[] {
  return readPythonCalls(text, tableCalls(config)).map((k) => ({
    path: `${k.call}.${k.keyword}`,
    ...('value' in k ? { value: k.value } : { error: k.error }),
    line: k.line,
  }));
}

/**
 * The model groups and technique a launched script stands for: a group's `scripts` entry names the
 * technique; its `script` the groups' default one (technique null: told by the options, as the
 * table's technique sets say). Matched by the script's path, or its file name alone.
 */
export function scriptRun(
  config: TrainerConfig,
  script: string,
): { groups: string[]; technique: string | null } | null {
  const name = (p: string) => p.split('/').pop();
  for (const g of config.groups ?? []) {
    for (const [technique, s] of Object.entries(g.scripts ?? {}))
      if (s === script || name(s) === name(script)) return { groups: g.groups, technique };
    if (g.script && (g.script === script || name(g.script) === name(script)))
      return { groups: g.groups, technique: null };
  }
  return null;
}

/** A word as an HfArgumentParser-style CLI reads it: true/false as booleans (string_to_bool), numbers as numbers. */
const cliValue = (w: string): unknown => (/^(true|false)$/i.test(w) ? w.toLowerCase() === 'true' : wordValue(w));

/**
 * A command line whose --flags are a config's keys (ms-swift: `swift sft --model ... --lora_rank 8`
 * is `swift sft config.yaml` with those keys, swift/cli/main.py): the first command that runs
 * `command` (after any NAME=value environment words), each `--flag v1 [v2 ...]` as the option
 * `flag` (several values: a list, argparse's nargs='+'), a lone `--flag` as true.
 */
export function commandLineOptions(text: string, command: readonly string[]): ScriptOption[] {
  const found = shellCommands(text)
    .map((c) => ({ c, words: c.words.slice(c.words.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w))) }))
    .find(({ words }) => command.every((w, i) => words[i] === w));
  if (!found) return [];
  const words = found.words.slice(command.length);
  const options: ScriptOption[] = [];
  for (let k = 0; k < words.length; k++) {
    const word = words[k]!;
    if (!word.startsWith('--')) {
      options.push({ path: word, error: 'a word that is not a --flag or its value', line: found.c.line });
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(2, eq) : word.slice(2);
    const values: unknown[] = eq > 0 ? [cliValue(word.slice(eq + 1))] : [];
    while (eq < 0 && k + 1 < words.length && !words[k + 1]!.startsWith('--')) values.push(cliValue(words[++k]!));
    options.push({
      path: name,
      value: values.length === 0 ? true : values.length === 1 ? values[0] : values,
      line: found.c.line,
    });
  }
  return options;
}
