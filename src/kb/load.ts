// Loads knowledge-base YAML files, validates them with zod and the cross-file checks, and reports
// every problem as `file:line:column: message`. Later files override earlier entries by id.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { KbError } from '../cli/errors.js';
import { FileSchemas, type KbKind } from './schema.js';
import { crossCheck } from './checks.js';
import { locateKey, locatePath } from './locate.js';
import { nearest } from './lookup.js';
import type { KnowledgeBase } from './types.js';

/** Refuse files above this size: a knowledge-base file is tens of KB; 5 MB leaves room and stops abuse. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
const KINDS = Object.keys(FileSchemas) as KbKind[];

export function bundledDataDir(): string {
  // dist/kb/load.js -> ../../data ; src/kb/load.ts (tests) -> ../../data
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function listYamlFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new KbError([`${displayPath(path)}: no such file or folder`]);
  }
  if (st.isDirectory()) {
    return readdirSync(path)
      .filter((f) => ['.yaml', '.yml'].includes(extname(f)))
      .sort()
      .map((f) => join(path, f));
  }
  return [path];
}

interface ParsedFile {
  file: string;
  kind: KbKind;
  doc: Document;
  lineCounter: LineCounter;
  value: Record<string, unknown[]>;
}

function parseFile(file: string, problems: string[]): ParsedFile | null {
  const shown = displayPath(file);
  let buf: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      problems.push(`${shown}:1:1: file is ${(size / 1e6).toFixed(1)} MB; knowledge-base files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MB`);
      return null;
    }
    buf = readFileSync(file);
  } catch (e) {
    problems.push(`${shown}: cannot read: ${(e as Error).message}`);
    return null;
  }
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    problems.push(`${shown}:1:1: not UTF-8 text`);
    return null;
  }
  const lineCounter = new LineCounter();
  // No custom tags, unique keys, and a small alias budget: a data file must not be able to run
  // code, hide duplicate keys or expand into gigabytes.
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, merge: false, strict: true, prettyErrors: false, customTags: [] });
  const at = (pos: [number, number] | undefined | number) => {
    const p = lineCounter.linePos(typeof pos === 'number' ? pos : pos?.[0] ?? 0);
    return `${shown}:${p.line}:${p.col}`;
  };
  for (const err of doc.errors) problems.push(`${at(err.pos)}: ${err.message.split('\n')[0]}`);
  for (const warn of doc.warnings) problems.push(`${at(warn.pos)}: ${warn.message.split('\n')[0]}`);
  if (doc.errors.length || doc.warnings.length) return null;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
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
    problems.push(`${shown}:${p.line}:${p.col}: top-level key '${other}' is not one of: ${KINDS.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`);
    return null;
  }
  return { file, kind, doc, lineCounter, value: value as Record<string, unknown[]> };
}

function formatIssue(pf: ParsedFile, issue: z.core.$ZodIssue): string {
  const shown = displayPath(pf.file);
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const p = locateKey(pf.doc, pf.lineCounter, path, key);
        const guess = nearest(key, knownFieldNames());
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

let fieldNames: string[] | null = null;
function knownFieldNames(): string[] {
  if (fieldNames) return fieldNames;
  const names = new Set<string>();
  const visit = (schema: unknown, depth: number): void => {
    if (!schema || typeof schema !== 'object' || depth > 12) return;
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    const shape = def['shape'] as Record<string, unknown> | undefined;
    if (shape) for (const [k, v] of Object.entries(shape)) { names.add(k); visit(v, depth + 1); }
    for (const key of ['element', 'innerType', 'in', 'out']) visit(def[key], depth + 1);
    const options = def['options'] as unknown[] | undefined;
    if (Array.isArray(options)) options.forEach((o) => visit(o, depth + 1));
  };
  Object.values(FileSchemas).forEach((s) => visit(s, 0));
  fieldNames = [...names];
  return fieldNames;
}

/**
 * Loads and validates the given files or folders (default: the bundled data/). Throws KbError with
 * every problem found; returns the merged knowledge base otherwise.
 */
export function loadKnowledgeBase(paths: readonly string[] = [bundledDataDir()]): KnowledgeBase {
  const problems: string[] = [];
  const kb: KnowledgeBase = { techniques: [], models: [], gpus: [], rules: [], origin: {} };
  const files = paths.flatMap((p) => {
    try {
      return listYamlFiles(p);
    } catch (e) {
      problems.push(...(e as KbError).problems);
      return [];
    }
  });
  const located: Record<string, { file: string; line: number; col: number }> = {};
  for (const file of files) {
    const pf = parseFile(file, problems);
    if (!pf) continue;
    const result = FileSchemas[pf.kind].safeParse(pf.value);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(formatIssue(pf, issue));
      continue;
    }
    const entries = (result.data as Record<string, Array<{ id: string }>>)[pf.kind] ?? [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const p = locatePath(pf.doc, pf.lineCounter, [pf.kind, index, 'id']);
      if (seen.has(entry.id)) {
        problems.push(`${displayPath(file)}:${p.line}:${p.col}: duplicate id '${entry.id}' in ${pf.kind}`);
        return;
      }
      seen.add(entry.id);
      const list = kb[pf.kind] as Array<{ id: string }>;
      const existing = list.findIndex((e) => e.id === entry.id);
      if (existing >= 0) list[existing] = entry;
      else list.push(entry);
      kb.origin[`${pf.kind}:${entry.id}`] = resolve(file).startsWith(bundledDataDir()) ? 'bundled' : displayPath(file);
      located[`${pf.kind}:${entry.id}`] = { file: displayPath(file), line: p.line, col: p.col };
    });
  }
  if (problems.length === 0) {
    for (const c of crossCheck(kb)) {
      const loc = located[c.key];
      problems.push(`${loc ? `${loc.file}:${loc.line}:${loc.col}` : basename(c.key)}: ${c.message}`);
    }
  }
  if (problems.length) throw new KbError(problems.flatMap((p) => p.split('\n')));
  return kb;
}
