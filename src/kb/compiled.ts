// The fast path: the bundled knowledge base validated at build time and stored as JSON
// (dist/kb.json), loaded without yaml or zod. It is used only while every data file is exactly as
// it was when compiled (same names, sizes and modification times); an edited checkout falls back
// to parsing and validating the YAML, so stale data never runs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnowledgeBase } from './types.js';

/** dist/kb.json's first line; the sections' JSON follows it, one after another. */
interface CompiledHeader {
  version: 2;
  files: DataFileStamp[];
  /** where each section's JSON starts and ends in the text after the header line */
  sections: Record<Section, [number, number]>;
}

export interface DataFileStamp { name: string; size: number; mtimeMs: number }

const SECTIONS = ['techniques', 'models', 'gpus', 'rules', 'origin'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * The compiled form: a header line, then each section's JSON, so a command parses only the
 * sections it reads (compare and the catalogues never parse the models, rules or GPUs they do not
 * show).
 */
export function serializeCompiledKb(files: DataFileStamp[], kb: KnowledgeBase): string {
  let body = '';
  const sections = {} as CompiledHeader['sections'];
  for (const name of SECTIONS) {
    const json = asciiJson(kb[name]);
    sections[name] = [body.length, body.length + json.length];
    body += json;
  }
  const header: CompiledHeader = { version: 2, files, sections };
  return `${asciiJson(header)}\n${body}`;
}

/**
 * JSON with every non-ASCII character written as a \uXXXX escape: an ASCII file decodes to V8's
 * one-byte strings, which read and parse faster (about 0.4 ms of this file's 2.5 ms).
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The bundled data/ folder: dist/<dir>/ (compiled or bundled) and src/kb/ (tests) are two levels below the package. */
export function bundledDataDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');
}

/** dist/kb.json, next to the compiled and bundled code (both one level below dist/). */
export function compiledKbPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'kb.json');
}

/** The knowledge-base files of a folder, in the order they are read (and merged). */
export function yamlFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => ['.yaml', '.yml'].includes(extname(f)))
    .sort();
}

export function dataFileStamps(dataDir: string): DataFileStamp[] {
  return yamlFileNames(dataDir)
    .map((name) => {
      const st = statSync(join(dataDir, name));
      return { name, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
    });
}

/**
 * The compiled knowledge base, or null when it is missing, of another format, or older than the
 * data files. Each section is parsed on first read.
 */
export function loadCompiledKb(dataDir: string, path = compiledKbPath()): KnowledgeBase | null {
  const compiled = readCompiled(path);
  if (!compiled) return null;
  const { text, header, bodyStart } = compiled;
  const now = dataFileStamps(dataDir);
  const same = now.length === header.files.length && now.every((f, i) => {
    const c = header.files[i]!;
    return c.name === f.name && c.size === f.size && c.mtimeMs === f.mtimeMs;
  });
  if (!same) return null;
  const kb = {} as KnowledgeBase;
  for (const name of SECTIONS) {
    const [start, end] = header.sections[name];
    let value: unknown;
    Object.defineProperty(kb, name, {
      enumerable: true,
      configurable: true,
      get: () => (value ??= JSON.parse(text.slice(bodyStart + start, bodyStart + end))),
    });
  }
  return kb;
}

function readCompiled(path: string): { text: string; header: CompiledHeader; bodyStart: number } | null {
  try {
    const text = readFileSync(path, 'utf8');
    const end = text.indexOf('\n');
    if (end < 0) return null;
    const header = JSON.parse(text.slice(0, end)) as CompiledHeader;
    return header.version === 2 ? { text, header, bodyStart: end + 1 } : null;
  } catch {
    return null; // missing or unreadable: the YAML is loaded instead
  }
}
