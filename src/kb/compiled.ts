// The fast path: the bundled knowledge base validated at build time and stored as JSON
// (dist/kb.json), loaded without yaml or zod. It is used only while every data file is exactly as
// it was when compiled (same names, sizes and modification times); an edited checkout falls back
// to parsing and validating the YAML, so stale data never runs.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnowledgeBase } from './types.js';

export interface CompiledKb {
  version: 1;
  files: Array<{ name: string; size: number; mtimeMs: number }>;
  kb: KnowledgeBase;
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

export function dataFileStamps(dataDir: string): CompiledKb['files'] {
  return yamlFileNames(dataDir)
    .map((name) => {
      const st = statSync(join(dataDir, name));
      return { name, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
    });
}

/** The compiled knowledge base, or null when it is missing or older than the data files. */
export function loadCompiledKb(dataDir: string, path = compiledKbPath()): KnowledgeBase | null {
  if (!existsSync(path)) return null;
  let compiled: CompiledKb;
  try {
    compiled = JSON.parse(readFileSync(path, 'utf8')) as CompiledKb;
  } catch {
    return null;
  }
  if (compiled.version !== 1) return null;
  const now = dataFileStamps(dataDir);
  const same = now.length === compiled.files.length && now.every((f, i) => {
    const c = compiled.files[i]!;
    return c.name === f.name && c.size === f.size && c.mtimeMs === f.mtimeMs;
  });
  return same ? compiled.kb : null;
}
