// Reads a trainer's config file for `check`, as safely as a knowledge-base file: a regular file of
// at most the knowledge base's size limit, UTF-8, parsed as data only (YAML with no custom tags, no
// merge keys, unique keys and an alias budget; TOML by smol-toml; JSON). A Python script (Unsloth)
// or a shell script (the diffusers examples' launch line) is read for the literal arguments of the
// calls and flags it names, never run. Every problem is `file:line:column: message` (exit 1).
import { dirname, resolve } from 'node:path';

import { parse as parseToml, TomlError } from 'smol-toml';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

import { FileError } from '../../../errors.js';
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES, YAML_OPTIONS } from '../../../kb/limits.js';
import { type FileReadError, formatLimit, printableName, readFileBounded } from '../../../kb/read-file.js';
import { type FlatOption, flattenOptions } from '../config/option-paths.js';
import type { TrainerConfig } from '../config/plan.js';
import { commandLine, pythonOptions, shellOptions } from '../config/script-options.js';

/** Keys that reach an object's prototype when copied: refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type ConfigFormat = 'yaml' | 'toml' | 'json' | 'shell' | 'python';

export interface Position {
  line: number;
  column: number;
}

/** A config file read: its leaves as option paths, each with its line and column where known. */
export interface ReadConfig {
  file: string;
  /** the name messages use */
  shown: string;
  format: ConfigFormat;
  /** the parsed file */
  value: Record<string, unknown>;
  options: FlatOption[];
  positionOf(path: string): Position | null;
}

/** A problem in a file the user named: exit 1, `file:line:column: message`. */
export const fileProblem = (shown: string, at: Position | null, message: string) =>
  new FileError(`${shown}:${at?.line ?? 1}:${at?.column ?? 1}: ${message}`);

/** The format a file's name says: a script (.sh, .py) is read for its words or literal arguments, never run. */
export function scriptFormat(file: string): 'shell' | 'python' | null {
  const lower = file.toLowerCase();
  return lower.endsWith('.sh') ? 'shell' : lower.endsWith('.py') ? 'python' : null;
}

function formatOf(file: string, text: string): ConfigFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.toml')) return 'toml';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  // no telling extension: JSON starts with a brace, a TOML file with a table or `key = value`
  const first = text.replace(/^(\s*#[^\n]*\n|\s+)*/, '');
  if (first.startsWith('{')) return 'json';
  if (/^(\[[^\]\n]+\]|[A-Za-z0-9_."-]+\s*=)/.test(first)) return 'toml';
  return 'yaml';
}

/** The file's text: a regular file within the size limit, UTF-8. */
export function readConfigText(file: string): { text: string; shown: string } {
  const shown = printableName(file);
  let buf: Buffer;
  try {
    buf = readFileBounded(file, MAX_FILE_BYTES);
  } catch (e) {
    const err = e as FileReadError;
    if (err.name !== 'FileReadError') throw e;
    if (err.kind === 'too-large')
      throw fileProblem(shown, null, `file is larger than the ${formatLimit(MAX_FILE_BYTES)} limit of config files`);
    throw new FileError(`${shown}: ${err.reason}`);
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), shown };
  } catch {
    throw fileProblem(shown, null, 'not UTF-8 text');
  }
}

/** Line and column (1-based) of a character offset. */
function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Where each leaf of a YAML (or JSON) document is: the key's position, by path. */
function yamlPositions(contents: unknown, counter: LineCounter): Map<string, Position> {
  const out = new Map<string, Position>();
  const visit = (node: unknown, prefix: string): void => {
    const at = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k));
    if (isMap(node))
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const range = (pair.key as Node | null)?.range;
        if (range) {
          const p = counter.linePos(range[0]);
          out.set(at(key), { line: p.line, column: p.col });
        }
        visit(pair.value, at(key));
      }
    else if (isSeq(node)) node.items.forEach((item, i) => visit(item, at(i)));
  };
  visit(contents, '');
  return out;
}

/**
 * The trainers that take YAML read it with PyYAML (axolotl, LLaMA-Factory and TRL's yaml.safe_load,
 * torchtune through OmegaConf, ai-toolkit's yaml.load), which resolves scalars by YAML 1.1: `yes`
 * and `on` are true, `500_000` is 500000. Their files are read as they read them; JSON stays JSON.
 */
const PYYAML_SCHEMA = { schema: 'yaml-1.1' } as const;

function parseYamlText(
  text: string,
  shown: string,
  schema: { schema?: 'yaml-1.1' } = PYYAML_SCHEMA,
): { value: unknown; positions: Map<string, Position> } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, ...schema, lineCounter });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const p = lineCounter.linePos(problem.pos[0]);
    throw fileProblem(shown, { line: p.line, column: p.col }, problem.message.split('\n')[0]!);
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), positions: yamlPositions(doc.contents, lineCounter) };
  } catch (e) {
    throw fileProblem(shown, null, (e as Error).message.split('\n')[0]!);
  }
}

/**
 * Where JSON text stops being JSON (RFC 8259's grammar, scanned without building values), for the
 * message's line and column: V8's own message names no position on Node 20.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}

function parseJsonText(text: string, shown: string): { value: unknown; positions: Map<string, Position> } {
  try {
    JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message
      .replace(/,? ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    const offset = jsonErrorOffset(text);
    throw fileProblem(shown, offset >= 0 ? positionAt(text, offset) : null, `not JSON: ${message}`);
  }
  // JSON is YAML 1.2 flow syntax: the same reader gives each key's position and refuses duplicate keys
  return parseYamlText(text, shown, {});
}

/** TOML keys' lines: a line scan of `key =` under the current `[table]` (smol-toml keeps no positions). */
function tomlPositions(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  const counts = new Map<string, number>();
  let table = '';
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '');
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      const name = header[1]!.replace(/"/g, '');
      if (line.trimStart().startsWith('[[')) {
        const n = counts.get(name) ?? 0;
        counts.set(name, n + 1);
        table = `${name}.${n}`;
      } else table = name;
      return;
    }
    const key = /^(\s*)("[^"]*"|[A-Za-z0-9_-]+)\s*=/.exec(line);
    if (key) {
      const name = key[2]!.replace(/"/g, '');
      out.set(table ? `${table}.${name}` : name, { line: i + 1, column: key[1]!.length + 1 });
    }
  });
  return out;
}

function parseTomlText(text: string, shown: string): { value: unknown; positions: Map<string, Position> } {
  try {
    return { value: parseToml(text), positions: tomlPositions(text) };
  } catch (e) {
    if (e instanceof TomlError) throw fileProblem(shown, { line: e.line, column: e.column }, e.message.split('\n')[0]!);
    throw e;
  }
}

/** Reads and parses a config file; `format` when the caller knows it, else from the name and content. */
export function readConfigFile(file: string, format?: ConfigFormat, list = false): ReadConfig {
  const { text, shown } = readConfigText(file);
  const kind = format ?? formatOf(file, text);
  const { value, positions } =
    kind === 'toml'
      ? parseTomlText(text, shown)
      : kind === 'json'
        ? parseJsonText(text, shown)
        : parseYamlText(text, shown);
  // a dataset file may be a list of entries (OneTrainer's concepts, SimpleTuner's backends)
  if (typeof value !== 'object' || value === null || (Array.isArray(value) && !list))
    throw fileProblem(
      shown,
      null,
      `expected a mapping of options, found ${value === null ? 'an empty file' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}`,
    );
  // a key that names an object's prototype machinery is no trainer's option, and never one to copy into a plain object
  const options = flattenOptions(value);
  for (const o of options) {
    const bad = o.path.split('.').find((k) => FORBIDDEN_KEYS.has(k));
    if (bad !== undefined) {
      const path = o.path.slice(0, o.path.indexOf(bad) + bad.length);
      throw fileProblem(shown, positions.get(path) ?? null, `key '${bad}' is not an option name (refused)`);
    }
  }
  return {
    file,
    shown,
    format: kind,
    value: value as Record<string, unknown>,
    options,
    positionOf: (path) => positions.get(path) ?? null,
  };
}

/** A file another one names (kohya's dataset_config), resolved from the naming file's folder. */
export const besides = (file: string, named: string) => resolve(dirname(file), named);

/** A script read as options: what it launches (train.sh) and what it could not read as a literal, each with its line. */
export interface ReadScript extends ReadConfig {
  script: string | null;
  unreadable: Array<{ path: string; error: string; line: number }>;
  /** the environment words the launch command is given (ms-swift's NPROC_PER_NODE=2), where the table reads a command line */
  environment: ReadonlyMap<string, string>;
}

/**
 * A trainer's script as its options: train.sh by sh's words after `accelerate launch SCRIPT`
 * (shell-words.ts refuses `$`, backticks and operators rather than guess), train.py by the literal
 * keyword arguments of the calls the trainer's table names (python-calls.ts). Nothing is run.
 */
/** The options of the first of a table's command lines the script runs (ms-swift's swift sft, swift rlhf). */
function firstCommandLine(text: string, lines: string | string[]): ReturnType<typeof commandLine> {
  for (const line of typeof lines === 'string' ? [lines] : lines) {
    const read = commandLine(text, line.split(/\s+/));
    if (read.options.length) return read;
  }
  return { options: [], environment: new Map() };
}

export function readScriptFile(file: string, format: 'shell' | 'python', config: TrainerConfig): ReadScript {
  const { text, shown } = readConfigText(file);
  let read: ReturnType<typeof shellOptions> & { environment?: ReadonlyMap<string, string> };
  try {
    read =
      format === 'python'
        ? { script: null, options: pythonOptions(text, config) }
        : config.commandLine
          ? { script: null, ...firstCommandLine(text, config.commandLine) }
          : shellOptions(text);
  } catch (e) {
    const line = (e as { line?: number }).line;
    throw fileProblem(shown, line ? { line, column: 1 } : null, (e as Error).message);
  }
  const lines = new Map<string, Position>();
  const options: FlatOption[] = [];
  const unreadable: ReadScript['unreadable'] = [];
  for (const o of read.options) {
    if (!lines.has(o.path)) lines.set(o.path, { line: o.line, column: 1 });
    if (o.error !== undefined) unreadable.push({ path: o.path, error: o.error, line: o.line });
    else options.push({ path: o.path, value: o.value });
  }
  return {
    file,
    shown,
    format,
    value: {},
    options,
    positionOf: (path) => lines.get(path) ?? null,
    script: read.script,
    unreadable,
    environment: read.environment ?? new Map(),
  };
}
