// Loads knowledge-base YAML files, validates them with zod and the cross-file checks, and reports
// every problem as `file:line:column: message`. Later files override earlier entries by id.
import { basename, join, relative, resolve } from 'node:path';

import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

import { KbError, UsageError } from '../errors.js';
import { crossCheck, lintEntry } from './checks.js';
import { bundledDataDir, yamlFileNames } from './compiled.js';
import { parseFastYaml, type Position } from './fast-yaml.js';
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES, YAML_OPTIONS } from './limits.js';
import { locateEach, locateKey, locatePath } from './locate.js';
import { editDistance, nearest } from './lookup.js';
import {
  describeFsError,
  type FileReadError,
  formatLimit,
  pathNameProblem,
  printableName,
  quotedName,
  readFileBounded,
  statPath,
} from './read-file.js';
import { FileSchemas, type KbKind } from './schema.js';
import type { KnowledgeBase } from './types.js';

export { MAX_FILE_BYTES, YAML_OPTIONS };
const KINDS = Object.keys(FileSchemas) as KbKind[];

export { bundledDataDir };

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return printableName(rel && !rel.startsWith('..') ? rel : file);
}

/** The YAML files a path names: itself, or a folder's .yaml and .yml files in name order. */
export function listYamlFiles(path: string, warnings: string[] = []): string[] {
  let st;
  try {
    st = statPath(path);
  } catch (e) {
    const err = e as FileReadError;
    if (err.kind === 'usage')
      throw new UsageError(`knowledge-base path ${quotedName(path)} is not a usable name: ${err.reason}.`);
    throw new KbError([`${displayPath(path)}: ${err.reason}`]);
  }
  if (!st.isDirectory()) return [path];
  let names: string[];
  try {
    names = yamlFileNames(path);
  } catch (e) {
    throw new KbError([`${displayPath(path)}: ${describeFsError(e, 'folder')}`]);
  }
  if (!names.length) warnings.push(`${displayPath(path)}: warning: no .yaml or .yml files`);
  return names.map((f) => join(path, f));
}

/** Empty, NUL-holding or over-long names are usage errors, found before anything is read. */
function checkPathNames(paths: readonly string[]): void {
  for (const p of paths) {
    const problem = pathNameProblem(p);
    if (problem)
      throw new UsageError(`knowledge-base path ${quotedName(p)} is ${problem}; name a YAML file or folder.`);
  }
}

/**
 * Runs `work` with process.env as a plain copy. yaml's parser reads process.env.LOG_TOKENS for
 * every token, and each read of the real env asks the operating system: a fifth of the parse of
 * a large file. The copy holds the same values, and nothing else runs while `work` does.
 */
function withPlainEnv<T>(work: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return work();
  } finally {
    process.env = env;
  }
}

interface ParsedFile {
  file: string;
  kind: KbKind;
  doc: Document;
  lineCounter: LineCounter;
  value: Record<string, unknown[]>;
}

/** A file the fast parser read: its value and its entries' id positions, no yaml document. */
interface FastParsedFile {
  file: string;
  kind: KbKind;
  value: Record<string, unknown[]>;
  idPositions: Position[];
}

/** The file's text, or null with its problem added (unreadable, too large, not UTF-8). */
function readSource(file: string, problems: string[]): string | null {
  const shown = displayPath(file);
  let buf: Buffer;
  try {
    buf = readFileBounded(file, MAX_FILE_BYTES);
  } catch (e) {
    const err = e as FileReadError;
    if (err.name !== 'FileReadError') throw e;
    if (err.kind !== 'too-large') problems.push(`${shown}: ${err.reason}`);
    else if (err.size !== undefined)
      problems.push(
        `${shown}:1:1: file is ${(err.size / 1e6).toFixed(1)} MB; knowledge-base files are limited to ${formatLimit(MAX_FILE_BYTES)}`,
      );
    else
      problems.push(
        `${shown}:1:1: file is larger than the ${formatLimit(MAX_FILE_BYTES)} limit of knowledge-base files`,
      ); // it grew while read
    return null;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    problems.push(`${shown}:1:1: not UTF-8 text`);
    return null;
  }
}

/**
 * The fast path (src/kb/fast-yaml.ts), for a file in the plain subset of YAML whose root is one
 * known kind holding a block list; null for anything else, which the yaml path then reads and
 * reports on exactly as before.
 */
function parseFast(file: string, source: string): FastParsedFile | null {
  const fast = parseFastYaml(source);
  if (!fast) return null;
  const keys = Object.keys(fast.value);
  const kind = keys[0];
  if (keys.length !== 1 || !(KINDS as string[]).includes(kind!)) return null;
  const list = fast.value[kind!];
  const positions = fast.idPositions.get(kind!);
  if (!Array.isArray(list) || !positions || positions.some((p) => !p)) return null;
  return {
    file,
    kind: kind as KbKind,
    value: fast.value as Record<string, unknown[]>,
    idPositions: positions as Position[],
  };
}

function parseWithYaml(file: string, source: string, problems: string[]): ParsedFile | null {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  // YAML_OPTIONS, and a small alias budget below: a data file must not be able to run code, hide
  // duplicate keys or expand into gigabytes
  const doc = withPlainEnv(() => parseDocument(source, { ...YAML_OPTIONS, lineCounter }));
  const at = (pos: [number, number] | undefined | number) => {
    const p = lineCounter.linePos(typeof pos === 'number' ? pos : (pos?.[0] ?? 0));
    return `${shown}:${p.line}:${p.col}`;
  };
  for (const err of doc.errors) problems.push(`${at(err.pos)}: ${err.message.split('\n')[0]}`);
  for (const warn of doc.warnings) problems.push(`${at(warn.pos)}: ${warn.message.split('\n')[0]}`);
  if (doc.errors.length || doc.warnings.length) return null;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    problems.push(`${shown}:1:1: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  if (value === null || value === undefined) {
    problems.push(`${shown}:1:1: empty file; expected one of: ${KINDS.join(', ')}`);
    return null;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${shown}:1:1: expected a mapping with one of: ${KINDS.join(', ')}`);
    return null;
  }
  const keys = Object.keys(value);
  const kind = keys.find((k): k is KbKind => (KINDS as string[]).includes(k));
  if (!kind || keys.length !== 1) {
    const other = keys.find((k) => !(KINDS as string[]).includes(k)) ?? keys[0] ?? '';
    const p = locateKey(doc, lineCounter, [], other);
    const guess = nearest(other, KINDS);
    problems.push(
      `${shown}:${p.line}:${p.col}: top-level key '${other}' is not one of: ${KINDS.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`,
    );
    return null;
  }
  return { file, kind, doc, lineCounter, value: value as Record<string, unknown[]> };
}

function formatIssue(pf: ParsedFile, issue: z.core.$ZodIssue): string {
  const shown = displayPath(pf.file);
  const path = issue.path as PropertyKey[];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    // a rule that is neither a full rule nor a switch: report it as a full rule (the first branch)
    return issue.errors[0]!.map((inner) =>
      formatIssue(pf, { ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue),
    ).join('\n');
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const p = locateKey(pf.doc, pf.lineCounter, path, key);
        const guess = nearestField(key, knownFieldNames());
        return `${shown}:${p.line}:${p.col}: unknown field '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`;
      })
      .join('\n');
  }
  const p = locatePath(pf.doc, pf.lineCounter, path);
  const where = path.length ? `${describePath(pf.value, path)}: ` : '';
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(issue.message);
  const message = missing ? `missing required field (expected ${missing[1]})` : issue.message;
  return `${shown}:${p.line}:${p.col}: ${where}${message}`;
}

/** `gpus[3] my-card .vramGB`: the list index with the entry's id, so the message names the entry. */
function describePath(root: unknown, path: PropertyKey[]): string {
  let node = root as Record<PropertyKey, unknown> | undefined;
  let out = '';
  for (const key of path) {
    const next = node?.[key as string] as Record<string, unknown> | undefined;
    if (typeof key === 'number') {
      const id = next && typeof next === 'object' && typeof next['id'] === 'string' ? ` (${next['id']})` : '';
      out += `[${key}]${id}`;
    } else out += out ? `.${String(key)}` : String(key);
    node = next;
  }
  return out;
}

/** Field names are compared as written (case aside): '__proto__' is not a near miss of 'group'. */
function nearestField(key: string, names: string[]): string | undefined {
  const k = key.toLowerCase();
  const best = names.map((n) => ({ n, d: editDistance(k, n.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(1, Math.floor(key.length / 4)) ? best.n : undefined;
}

let fieldNames: string[] | null = null;
function knownFieldNames(): string[] {
  if (fieldNames) return fieldNames;
  const names = new Set<string>();
  const visit = (schema: unknown, depth: number): void => {
    if (!schema || typeof schema !== 'object' || depth > 12) return;
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    const shape = def['shape'] as Record<string, unknown> | undefined;
    if (shape)
      for (const [k, v] of Object.entries(shape)) {
        names.add(k);
        visit(v, depth + 1);
      }
    for (const key of ['element', 'innerType', 'in', 'out', 'valueType']) visit(def[key], depth + 1);
    const options = def['options'] as unknown[] | undefined;
    if (Array.isArray(options)) options.forEach((o) => visit(o, depth + 1));
  };
  Object.values(FileSchemas).forEach((s) => visit(s, 0));
  fieldNames = [...names];
  return fieldNames;
}

export interface Validation {
  kb: KnowledgeBase;
  errors: string[];
  warnings: string[];
  /** the warnings about the paths themselves (a folder without YAML files), which --kb shows too */
  pathWarnings: string[];
  files: string[];
  entries: number;
}

type Entry = { id: string; disabled?: boolean };

/**
 * Reads, validates and merges knowledge-base files or folders, in order (later entries override
 * earlier ones by id; `{ id, disabled: true }` switches a rule off). Collects every problem as
 * `file:line:column: message`; throws only a UsageError, for a name that cannot be a path (empty,
 * a NUL byte, too long), before reading anything.
 */
export function validateKnowledgeBase(paths: readonly string[], base?: KnowledgeBase): Validation {
  checkPathNames(paths);
  const errors: string[] = [];
  const pathWarnings: string[] = [];
  // a compiled base (already validated) starts the merge; the paths add to it
  const kb: KnowledgeBase = base
    ? {
        techniques: [...base.techniques],
        models: [...base.models],
        gpus: [...base.gpus],
        rules: [...base.rules],
        groups: [...base.groups],
        dataPlan: [...base.dataPlan],
        trainers: [...base.trainers],
        origin: { ...base.origin },
      }
    : { techniques: [], models: [], gpus: [], rules: [], groups: [], dataPlan: [], trainers: [], origin: {} };
  const files = paths.flatMap((p) => {
    try {
      return listYamlFiles(p, pathWarnings);
    } catch (e) {
      if (!(e instanceof KbError)) throw e;
      errors.push(...e.problems);
      return [];
    }
  });
  const warnings: string[] = [...pathWarnings];
  const located = new Map<string, EntryPlace>(); // `kind:id` -> where the entry is
  // each list's ids -> their index, so merging by id is one lookup per entry
  const indexes = new Map<KbKind, Map<string, number>>();
  const indexOf = (kind: KbKind): Map<string, number> => {
    let index = indexes.get(kind);
    if (!index) {
      index = new Map();
      (kb[kind] as Entry[]).forEach((e, i) => index!.set(e.id, i));
      indexes.set(kind, index);
    }
    return index;
  };
  let entryCount = 0;
  for (const file of files) {
    const source = readSource(file, errors);
    if (source === null) continue;
    let pf: ParsedFile | FastParsedFile | null = parseFast(file, source) ?? parseWithYaml(file, source, errors);
    if (!pf) continue;
    let result = FileSchemas[pf.kind].safeParse(pf.value);
    // The fast path is for valid files: a file with an error in it is read again by yaml, so that
    // every message and position comes from the document, as it always did.
    if (
      'idPositions' in pf &&
      (!result.success ||
        hasEntryErrors(pf.kind, (result.data as Record<string, Entry[]>)[pf.kind] ?? [], indexOf(pf.kind)))
    ) {
      pf = parseWithYaml(file, source, errors);
      if (!pf) continue;
      result = FileSchemas[pf.kind].safeParse(pf.value);
    }
    if (!result.success) {
      // (a fast-parsed file with issues was read again by yaml just above)
      for (const issue of result.error.issues) errors.push(formatIssue(pf as ParsedFile, issue));
      continue;
    }
    const entries = (result.data as Record<string, Entry[]>)[pf.kind] ?? [];
    const seen = new Set<string>();
    const bundled = resolve(file).startsWith(bundledDataDir());
    const shown = displayPath(file);
    // every entry's id position in one pass over the list (the fast parser noted them as it read)
    const idPositions =
      'idPositions' in pf ? pf.idPositions : locateEach(pf.doc, pf.lineCounter, [pf.kind], entries.length, 'id');
    const list = kb[pf.kind] as Entry[];
    const index = indexOf(pf.kind);
    entries.forEach((entry, i) => {
      const p = idPositions[i]!;
      const at = `${shown}:${p.line}:${p.col}`;
      if (seen.has(entry.id)) {
        errors.push(`${at}: duplicate id '${entry.id}' in ${pf.kind}`);
        return;
      }
      seen.add(entry.id);
      entryCount++;
      const existing = index.get(entry.id) ?? -1;
      if (isRuleSwitch(pf.kind, entry)) {
        // `- id: some-rule` + `disabled: true` turns an existing rule off
        if (existing < 0)
          errors.push(
            `${at}: no rule '${entry.id}' to disable${nearestHint(
              entry.id,
              list.map((r) => r.id),
            )}`,
          );
        else list[existing] = { ...list[existing]!, disabled: true };
        return;
      }
      if (existing >= 0) list[existing] = entry;
      else index.set(entry.id, list.push(entry) - 1);
      kb.origin[`${pf.kind}:${entry.id}`] = bundled ? 'bundled' : shown;
      located.set(`${pf.kind}:${entry.id}`, { at, file, kind: pf.kind, index: i });
      for (const w of lintEntry(pf.kind, entry as unknown as Record<string, unknown>))
        warnings.push(`${at}: warning: ${w}`);
    });
  }
  if (errors.length === 0) {
    for (const c of crossCheck(kb)) {
      const place = located.get(c.key);
      const where = place ? (c.field ? locateField(place, c.field) : place.at) : basename(c.key);
      (c.severity === 'warning' ? warnings : errors).push(
        `${where}: ${c.severity === 'warning' ? 'warning: ' : ''}${c.message}`,
      );
    }
  }
  return {
    kb,
    errors: errors.flatMap((p) => p.split('\n')),
    warnings,
    pathWarnings,
    files: files.map(displayPath),
    entries: entryCount,
  };
}

/** Where an entry was read: its id's position, and its file and index to find its fields by. */
interface EntryPlace {
  at: string;
  file: string;
  kind: KbKind;
  index: number;
}

/**
 * `file:line:column` of a field of an entry, for a cross-check problem. The file is parsed again
 * by yaml for its positions (a cross-check error is rare; the fast path keeps only the ids'); the
 * entry's id position stands in when the file cannot be read again.
 */
function locateField(place: EntryPlace, field: { path: Array<string | number>; key?: boolean }): string {
  const source = readSource(place.file, []);
  if (source === null) return place.at;
  const lineCounter = new LineCounter();
  const doc = withPlainEnv(() => parseDocument(source, { lineCounter, uniqueKeys: true, merge: false }));
  const entryPath = [place.kind, place.index];
  const p = field.key
    ? locateKey(doc, lineCounter, [...entryPath, ...field.path.slice(0, -1)], String(field.path.at(-1)))
    : locatePath(doc, lineCounter, [...entryPath, ...field.path]);
  return `${displayPath(place.file)}:${p.line}:${p.col}`;
}

/**
 * Whether the merge below would report an error for these entries: a repeated id, or a switch for
 * a rule no earlier file defines (one defined earlier in the same file is a repeated id).
 */
function hasEntryErrors(kind: KbKind, entries: readonly Entry[], index: ReadonlyMap<string, number>): boolean {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.id)) return true;
    seen.add(entry.id);
    if (isRuleSwitch(kind, entry) && !index.has(entry.id)) return true;
  }
  return false;
}

const isRuleSwitch = (kind: KbKind, entry: Entry) =>
  kind === 'rules' && entry.disabled === true && Object.keys(entry).every((k) => k === 'id' || k === 'disabled');

function nearestHint(id: string, ids: string[]): string {
  const guess = nearest(id, ids);
  return guess ? ` (did you mean '${guess}'?)` : '';
}

/**
 * Loads and validates (default: the bundled data/) on top of `base`; throws KbError listing every
 * problem. `warn` gets the warnings about the paths themselves (a folder without YAML files); the
 * entries' lint warnings are for `kb validate`.
 */
export function loadKnowledgeBase(
  paths: readonly string[] = [bundledDataDir()],
  base?: KnowledgeBase,
  warn?: (line: string) => void,
): KnowledgeBase {
  const v = validateKnowledgeBase(paths, base);
  if (v.errors.length) throw new KbError(v.errors);
  if (warn) v.pathWarnings.forEach(warn);
  return v.kb;
}
