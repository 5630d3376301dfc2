// The script writers' files as option paths and values, the shape `check` reads a data file into
// (option-paths.ts FlatOption): train.sh by sh's words (shell-words.ts), one `--flag value` or
// `--flag` (a switch: true) after the script; train.py by the literal keyword arguments of the calls
// its table names (python-calls.ts), as `CALL.keyword`. Also which group and technique the script
// a train.sh launches stands for. Never runs either file. Pure.
import { specPaths } from './option-paths.js';
import type { TrainerConfig } from './plan.js';
import { readPythonCalls } from './python-calls.js';
import { type ShellCommand, shellCommands } from './shell-words.js';

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

/**
 * What the script's own assignments give its variables: `export NAME=value` and lines of
 * NAME=value alone before the launch (the diffusers READMEs' MODEL_NAME; ms-swift's
 * nproc_per_node=2), a later one over an earlier; an assignment's value may name an earlier one.
 */
function scriptVariables(commands: ShellCommand[]): Map<string, string> {
  const variables = new Map<string, string>();
  for (const c of commands)
    for (const w of c.words[0] === 'export'
      ? c.words.slice(1)
      : c.words.every((x) => /^[A-Za-z_]\w*=/.test(x))
        ? c.words
        : []) {
      const [name, value] = assignment(w, variables);
      if (value !== undefined) variables.set(name, value);
    }
  return variables;
}

/** A NAME=value word: its name, and its value with the variables expanded (undefined: one has no value). */
function assignment(w: string, variables: ReadonlyMap<string, string>): [string, string | undefined] {
  const eq = w.indexOf('=');
  return [w.slice(0, eq), expandWord(w.slice(eq + 1), variables)];
}

const VARIABLE = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/;

/**
 * A word with what the script's variables give it: $NAME, and `$(expr ...)` evaluated as expr does
 * its integers (* and / before + and -, division truncated); the word itself where it names no
 * variable, undefined where a variable it names has no value in the script.
 */
function expandWord(w: string, variables: ReadonlyMap<string, string>): string | undefined {
  const name = VARIABLE.exec(w);
  if (name) return variables.get(name[1] ?? name[2]!);
  const expr = /^\$\(expr\s+(.*?)\s*\)$/.exec(w);
  if (!expr) return w;
  const tokens = expr[1]!.split(/\s+/).map((t) => (t === '\\*' ? '*' : t));
  const values = tokens.map((t) => (/^[-+*/]$/.test(t) ? t : VARIABLE.test(t) ? expandWord(t, variables) : t));
  if (values.some((v) => v === undefined || (!/^[-+*/]$/.test(v) && !/^-?\d+$/.test(v)))) return undefined;
  // products and quotients first, then sums, left to right
  const terms: Array<number | string> = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if ((v === '*' || v === '/') && typeof terms[terms.length - 1] === 'number') {
      const next = Number(values[++k]);
      const left = terms.pop() as number;
      if (v === '/' && next === 0) return undefined;
      terms.push(v === '*' ? left * next : Math.trunc(left / next));
    } else terms.push(/^-?\d+$/.test(v) ? Number(v) : v);
  }
  let total = terms[0] as number;
  for (let k = 1; k + 1 < terms.length; k += 2)
    total = terms[k] === '+' ? total + Number(terms[k + 1]) : total - Number(terms[k + 1]);
  return Number.isFinite(total) ? String(total) : undefined;
}

/** train.sh: the script the launch runs and its flags (the first command's words after `accelerate launch [its flags] SCRIPT`). */
export function shellOptions(text: string): { script: string | null; options: ScriptOption[] } {
  const commands = shellCommands(text);
  // `export NAME=value` before the launch (the diffusers READMEs' MODEL_NAME, OUTPUT_DIR): what $NAME stands for
  const variables = scriptVariables(commands);
  const expand = (v: string | number | true) => {
    if (typeof v !== 'string') return v;
    const known = expandWord(v, variables);
    return known !== undefined && known !== v ? wordValue(known) : v;
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
    if (typeof value === 'string' && (VARIABLE.test(value) || /^\$\(expr\s/.test(value))) {
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
 * `flag` (several values: a list, argparse's nargs='+'), a lone `--flag` as true; and the
 * environment words the command is given (NPROC_PER_NODE=2 before `swift sft`), expanded from the
 * script's assignments (those whose value it has not are left out).
 */
export function commandLine(
  text: string,
  command: readonly string[],
): { options: ScriptOption[]; environment: Map<string, string> } {
  const commands = shellCommands(text);
  const variables = scriptVariables(commands);
  const environment = new Map<string, string>();
  const found = commands
    .map((c) => ({ c, words: c.words.slice(c.words.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w))) }))
    .find(({ words }) => command.every((w, i) => words[i] === w));
  if (!found) return { options: [], environment };
  for (const w of found.c.words.slice(0, found.c.words.length - found.words.length)) {
    const [name, value] = assignment(w, variables);
    if (value !== undefined) environment.set(name, value);
  }
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
    const raw: string[] = eq > 0 ? [word.slice(eq + 1)] : [];
    while (eq < 0 && k + 1 < words.length && !words[k + 1]!.startsWith('--')) raw.push(words[++k]!);
    // a variable or expr the script's assignments give (ms-swift's $(expr 16 / $nproc_per_node))
    const expanded = raw.map((w) => expandWord(w, variables));
    const missing = raw.find((_, i) => expanded[i] === undefined);
    if (missing !== undefined) {
      options.push({
        path: name,
        error: `a shell variable (${missing}): its value is not in the file`,
        line: found.c.line,
      });
      continue;
    }
    const values = expanded.map((w) => cliValue(w!));
    options.push({
      path: name,
      value: values.length === 0 ? true : values.length === 1 ? values[0] : values,
      line: found.c.line,
    });
  }
  return { options, environment };
}
