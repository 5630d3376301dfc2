// The fast path: the bundled knowledge base validated at build time and stored as JSON
// (dist/kb.json), loaded without yaml or zod. It is used only while every data file holds the bytes
// it held when compiled: same names and sizes, and the same content hash (kb.json's header records
// each file's SHA-256 and CRC-32). Any other data falls back to parsing and validating the YAML, so
// stale data never runs. File times are only a stat cache in front of the hash, as in git: a file
// whose size, mtime and ctime equal those it had when its bytes were last checked is taken as
// unchanged without reading it. Two such caches: the build's own stat (a clone as built), and
// dist/kb.verified.json, written on the first run of a copy whose times differ (npm sets every
// file's time to the time of the install; cp -r to the time of the copy), or in the user's cache
// folder when the copy's own folder cannot be written (a global install owned by root). The contract is git's:
// an edit that keeps the size and restores both times is outside it (the ctime cannot be set back
// without changing the system clock).
import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  INDEXED_SECTIONS,
  type IndexedSection,
  type NameIndex,
  type NameRow,
  registerNameIndex,
} from './name-index.js';
import { FileReadError, readFileBounded, writeFileAtomically } from './read-file.js';
import { sha256Hex } from './sha256.js';
import type { KnowledgeBase } from './types.js';
import { fnv1a32, readPrivateFile, userCacheDir, writePrivateFile } from './user-cache.js';

/** dist/kb.json's first line; the sections' JSON follows it, one after another. */
interface CompiledHeader {
  version: 10;
  files: DataFileRecord[];
  /** where each section's JSON starts and ends in the text after the header line */
  sections: Record<Section, [number, number]>;
  /** where the name index's JSON (NameIndexJson) is, after the sections */
  names: [number, number];
  /** the sections whose entries hold, in place of their sources, where those sources' JSON is */
  lazySources: Section[];
  /** per section, the other fields its entries hold as where their JSON is (LAZY_FIELDS) */
  lazyFields: Partial<Record<Section, string[]>>;
}

/**
 * Fields most runs never read, kept out of their section's JSON like the sources: a trainer's
 * option table (`config`, read by `config`, `check` and `recommend --out`) is most of the trainers'
 * bytes, which every recommend and estimate parses for the trainer's defaults.
 */
const LAZY_FIELDS: Partial<Record<Section, string[]>> = { trainers: ['config'] };

/** Per indexed section: each entry's names, and where its JSON starts and ends in the section's. */
type NameIndexJson = Record<IndexedSection, { rows: NameRow[]; at: Array<[number, number]> }>;

/** A file's size and times as stat gives them: equal stamps mean unchanged bytes (the stat cache's contract). */
export interface StatStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** A data file as compiled. */
export interface DataFileRecord {
  name: string;
  size: number;
  /** the content's identity */
  sha256: string;
  /** the cheap check at run time (zlib.crc32); absent when the building Node had none */
  crc32?: number;
  /** the file's stat when compiled, or null when it was modified too recently to be trusted (isRacy) */
  stat: StatStamp | null;
}

/** dist/kb.verified.json: data files whose bytes this copy checked against the header's hashes. */
interface VerifiedCache {
  version: 1;
  files: VerifiedFile[];
  /** in the user's cache folder: the compiled file the stamps are for (absent beside it) */
  compiled?: string;
}
interface VerifiedFile extends StatStamp {
  name: string;
  sha256: string;
}

const SECTIONS = ['techniques', 'models', 'gpus', 'rules', 'groups', 'dataPlan', 'trainers', 'origin'] as const;
type Section = (typeof SECTIONS)[number];

/** The verified cache is a few hundred bytes per data file; anything larger is not ours. */
const VERIFIED_CACHE_MAX_BYTES = 64 * 1024;
/**
 * A file modified this close to now is not recorded in a stat cache (git's "racily clean" entries):
 * an edit within the same timestamp tick would leave its stat as recorded. An older mtime cannot
 * be repeated by a later edit, which stamps the current time.
 */
export const RACY_MS = 2000;

/**
 * The compiled form: a header line, then each section's JSON, so a command parses only the
 * sections it reads (compare and the catalogues never parse the models, rules or GPUs they do not
 * show). Sources are two thirds of the catalogue's bytes and a run shows those of a few entries:
 * each entry's sources follow the sections as their own JSON, and the entry holds where
 * ([start, end]), parsed when read (lazySources). After the sections, the name index of the lists
 * looked up by name (INDEXED_SECTIONS): each entry's names and where its JSON is in its section, so
 * a lookup parses the one entry (name-index.ts).
 */
export function serializeCompiledKb(files: DataFileRecord[], kb: KnowledgeBase): string {
  let body = '';
  let sourcesJson = '';
  const sections = {} as CompiledHeader['sections'];
  const lazySources: Section[] = [];
  const bodies: string[] = [];
  const index = {} as NameIndexJson;
  for (const name of SECTIONS) {
    const value = kb[name] as unknown;
    let stored = value;
    // a field's JSON after the sections, the entry holding where it is
    const away = (field: unknown) => {
      const json = asciiJson(field);
      const at = [sourcesJson.length, sourcesJson.length + json.length];
      sourcesJson += json;
      return at;
    };
    if (Array.isArray(value) && value.every(hasSourcesArray)) {
      lazySources.push(name);
      stored = value.map((entry: { sources: unknown[] }) => ({ ...entry, sources: away(entry.sources) }));
    }
    const fields = LAZY_FIELDS[name];
    if (fields && Array.isArray(stored))
      stored = (stored as Array<Record<string, unknown>>).map((entry) => {
        const out = { ...entry };
        for (const f of fields) if (out[f] !== undefined) out[f] = away(out[f]);
        return out;
      });
    if ((INDEXED_SECTIONS as readonly string[]).includes(name)) {
      // the array as its entries' JSON joined, the bytes JSON.stringify gives, with each one's place
      const entries = (stored as unknown[]).map(asciiJson);
      const at: Array<[number, number]> = [];
      let offset = 1;
      for (const e of entries) {
        at.push([offset, offset + e.length]);
        offset += e.length + 1;
      }
      const rows = (value as NameRow[]).map(({ id, name: n, aliases, sharedNames }) => ({
        id,
        name: n,
        ...(aliases && { aliases }),
        ...(sharedNames && { sharedNames }),
      }));
      index[name as IndexedSection] = { rows, at };
      bodies.push(`[${entries.join(',')}]`);
    } else bodies.push(asciiJson(stored));
  }
  for (const [i, name] of SECTIONS.entries()) {
    const json = bodies[i]!;
    sections[name] = [body.length, body.length + json.length];
    body += json;
  }
  const namesJson = asciiJson(index);
  const names: [number, number] = [body.length, body.length + namesJson.length];
  body += namesJson;
  // the sources' offsets are relative to the end of the name index, the last of the body
  const header: CompiledHeader = { version: 10, files, sections, names, lazySources, lazyFields: LAZY_FIELDS };
  return `${asciiJson(header)}\n${body}${sourcesJson}`;
}

const hasSourcesArray = (entry: unknown): entry is { sources: unknown[] } =>
  typeof entry === 'object' && entry !== null && Array.isArray((entry as { sources?: unknown }).sources);

/**
 * JSON with every non-ASCII character written as a \uXXXX escape: an ASCII file decodes to V8's
 * one-byte strings, which read and parse faster (about 0.4 ms of this file's 2.5 ms).
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The bundled data/ folder: dist/<dir>/ (compiled or bundled) and src/kb/ (tests) are two levels below the package. */
export function bundledDataDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');
}

/**
 * dist/kb.json of the package. This module sits two levels below the package root wherever it runs
 * (dist/kb/ compiled, dist/bundle/ bundled, src/kb/ in the tests), so the tests take the compiled
 * base the binary takes: trusted only while it matches data/ byte for byte, like any copy.
 */
export function compiledKbPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'kb.json');
}

/** The verified cache beside a compiled knowledge base: dist/kb.verified.json for dist/kb.json. */
export function verifiedCachePath(compiledPath: string): string {
  return join(dirname(compiledPath), 'kb.verified.json');
}

/** The knowledge-base files of a folder, in the order they are read (and merged). */
export function yamlFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => ['.yaml', '.yml'].includes(extname(f)))
    .sort();
}

// crypto and zlib are not loaded on a start that trusts the stat caches (about 4 and 2 ms);
// process.getBuiltinModule (Node >= 20.16, engines asks 20.17) loads them without a require
// function of this module's own (createRequire at load took 0.1 ms of every start)
const requireBuiltin = (id: string): unknown => process.getBuiltinModule(id);
type Crc32 = (data: Uint8Array) => number;
/** zlib.crc32 exists from Node 20.15 (and 22.2); without it the check falls back to SHA-256. */
function zlibCrc32(): Crc32 | undefined {
  const { crc32 } = requireBuiltin('node:zlib') as { crc32?: Crc32 };
  return typeof crc32 === 'function' ? crc32 : undefined;
}

/** Build time: each data file's size, hashes and stat (the stat left out when racy). */
export function dataFileRecords(dataDir: string, now = Date.now()): DataFileRecord[] {
  const crc32 = zlibCrc32();
  return yamlFileNames(dataDir).map((name) => {
    const file = join(dataDir, name);
    const st = statSync(file);
    const bytes = readFileBounded(file, st.size);
    return {
      name,
      size: bytes.length,
      sha256: sha256Hex(bytes),
      ...(crc32 && { crc32: crc32(bytes) }),
      stat: isRacy(st, now) ? null : statStamp(st),
    };
  });
}

/** The data files each compiled knowledge base was compiled from (its header), by the object loadCompiledKb returned. */
const compiledFrom = new WeakMap<KnowledgeBase, readonly DataFileRecord[]>();

/** The data files (names and hashes) a compiled knowledge base was compiled from; undefined for any other. */
export function compiledDataFiles(kb: KnowledgeBase): readonly DataFileRecord[] | undefined {
  return compiledFrom.get(kb);
}

/**
 * The compiled knowledge base, or null when it is missing, of another format, or compiled from
 * other data. Each section is parsed on first read. `userDir` (the user's cache folder for verified
 * stamps, verifiedUserDir) keeps the verified stamps of a copy whose own folder cannot be written.
 */
export function loadCompiledKb(
  dataDir: string,
  path = compiledKbPath(),
  userDir: string | undefined = undefined,
): KnowledgeBase | null {
  const compiled = readCompiled(path);
  if (!compiled) return null;
  const { text, header, bodyStart } = compiled;
  if (!dataIsAsCompiled(dataDir, header.files, verifiedStores(path, userDir))) return null;
  const kb = {} as KnowledgeBase;
  const lazy = new Set(header.lazySources);
  const sourcesStart = bodyStart + header.names[1];
  /** an entry as parsed from the compiled JSON, with its fields kept after the sections read on first use */
  const readied = (name: Section, entry: Record<string, unknown>) => {
    if (lazy.has(name)) fieldOnRead(entry, 'sources', text, sourcesStart);
    for (const field of header.lazyFields[name] ?? [])
      if (Array.isArray(entry[field])) fieldOnRead(entry, field, text, sourcesStart);
    return entry;
  };
  // the indexed sections' entries parsed alone by a lookup, kept so the whole list holds the same objects
  const alone = new Map<Section, Array<Record<string, unknown> | undefined>>();
  const lists = new Map<Section, unknown>();
  for (const name of SECTIONS) {
    const [start, end] = header.sections[name];
    const parse = () => {
      const parsed = JSON.parse(text.toString('latin1', bodyStart + start, bodyStart + end)) as unknown;
      if (!Array.isArray(parsed)) return parsed;
      const found = alone.get(name);
      return parsed.map((entry: Record<string, unknown>, i) => found?.[i] ?? readied(name, entry));
    };
    const get = () => {
      if (!lists.has(name)) lists.set(name, parse());
      return lists.get(name);
    };
    Object.defineProperty(kb, name, { enumerable: true, configurable: true, get });
  }
  let index: NameIndexJson | undefined;
  const lookupIndex = (name: IndexedSection): NameIndex => {
    index ??= JSON.parse(
      text.toString('latin1', bodyStart + header.names[0], bodyStart + header.names[1]),
    ) as NameIndexJson;
    const { rows, at } = index[name];
    const [sectionStart] = header.sections[name];
    return {
      rows,
      entry: (i) => {
        const list = lists.get(name) as object[] | undefined;
        if (list) return list[i]!;
        const found = alone.get(name) ?? alone.set(name, []).get(name)!;
        const [s, e] = at[i]!;
        const from = bodyStart + sectionStart;
        return (found[i] ??= readied(
          name,
          JSON.parse(text.toString('latin1', from + s, from + e)) as Record<string, unknown>,
        ));
      },
    };
  };
  compiledFrom.set(kb, header.files);
  registerNameIndex(kb, lookupIndex);
  return kb;
}

/** An entry's field (its sources, a trainer's option table) as a property parsed on first read from where the compiled file holds it. */
function fieldOnRead(entry: object, field: string, text: Buffer, sourcesStart: number): void {
  const [start, end] = (entry as Record<string, [number, number]>)[field]!;
  let value: unknown;
  Object.defineProperty(entry, field, {
    enumerable: true,
    configurable: true,
    get: () => (value ??= JSON.parse(text.toString('latin1', sourcesStart + start, sourcesStart + end))),
    // a merge or a check may replace an entry's sources
    set: (v: unknown) => {
      value = v;
    },
  });
}

/**
 * Whether the data files hold the bytes compiled. Names and sizes first (a mismatch is stale with
 * nothing read); then each file is unchanged by its stat (the build's, or this copy's verified
 * cache) or by its hash. Files verified by hash are recorded in the verified cache, so the next
 * run reads none of them.
 */
function dataIsAsCompiled(dataDir: string, compiled: readonly DataFileRecord[], stores: VerifiedStores): boolean {
  let stats: Stats[];
  try {
    const names = yamlFileNames(dataDir);
    if (names.length !== compiled.length || names.some((n, i) => n !== compiled[i]!.name)) return false;
    stats = names.map((n) => statSync(join(dataDir, n)));
  } catch {
    return false; // the YAML loader reports the folder's problem
  }
  if (stats.some((st, i) => !st.isFile() || st.size !== compiled[i]!.size)) return false;
  let verified: Array<Map<string, VerifiedFile>> | undefined;
  const record: VerifiedFile[] = [];
  let recordChanged = false;
  const now = Date.now();
  for (const [i, c] of compiled.entries()) {
    const st = stats[i]!;
    if (c.stat && sameStat(c.stat, st)) continue; // as built
    verified ??= readVerifiedStores(stores);
    const known = verified.map((v) => v.get(c.name)).find((k) => k?.sha256 === c.sha256 && sameStat(k, st));
    if (known) {
      record.push(known);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileBounded(join(dataDir, c.name), c.size);
    } catch (e) {
      // unreadable, with the compiled name and size: the YAML could not be loaded either
      if (e instanceof FileReadError && ['EACCES', 'EPERM'].includes(e.code ?? '')) continue;
      return false; // not a regular file (any more), or grown
    }
    if (bytes.length !== c.size) return false;
    if (!sameContent(bytes, c)) return false;
    if (!isRacy(st, now)) {
      record.push({ name: c.name, ...statStamp(st), sha256: c.sha256 });
      recordChanged = true;
    }
  }
  if (recordChanged) writeVerifiedStores(stores, record);
  return true;
}

/**
 * CRC-32 where the header has one and Node has zlib.crc32, else SHA-256. Measured on the bundled
 * data (290 KB) in a fresh process: loading node:zlib and CRC-32 take 2.4 ms, node:crypto and
 * SHA-256 4.2 ms (the loads dominate). CRC-32 with the size guards against accidental edits, the
 * stat cache's concern; whoever can write data/ on purpose can write kb.json too.
 */
function sameContent(bytes: Buffer, c: DataFileRecord): boolean {
  const crc32 = c.crc32 === undefined ? undefined : zlibCrc32();
  return crc32 ? crc32(bytes) === c.crc32 : sha256Hex(bytes) === c.sha256;
}

const statStamp = (st: Stats): StatStamp => ({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
const sameStat = (s: StatStamp, st: Stats) =>
  s.size === st.size && s.mtimeMs === st.mtimeMs && s.ctimeMs === st.ctimeMs;
const isRacy = (st: Stats, now: number) => Math.abs(now - st.mtimeMs) < RACY_MS;

/**
 * Where this copy's verified stamps are kept: dist/kb.verified.json beside kb.json, and, for a copy
 * whose folder this user cannot write (a global install owned by root, a read-only image), a file
 * in the user's cache folder named for the compiled file's path, which the file also records.
 */
interface VerifiedStores {
  packagePath: string;
  user?: { dir: string; name: string; compiled: string };
}

/** The user's cache folder for verified stamps (user-cache.ts), or undefined when there is none. */
export const verifiedUserDir = (env: Record<string, string | undefined>) => userCacheDir(env, 'verified');

function verifiedStores(compiledPath: string, userDir: string | undefined): VerifiedStores {
  const packagePath = verifiedCachePath(compiledPath);
  if (!userDir) return { packagePath };
  const compiled = resolve(compiledPath);
  return { packagePath, user: { dir: userDir, name: `kb-${fnv1a32(compiled)}.json`, compiled } };
}

/** Each store's entries by file name (the package's first); the user's only as a private file of this user. */
function readVerifiedStores(stores: VerifiedStores): Array<Map<string, VerifiedFile>> {
  const { packagePath, user } = stores;
  const maps = [verifiedEntries(packageStamps(packagePath))];
  if (user) maps.push(verifiedEntries(readPrivateFile(user.dir, user.name, VERIFIED_CACHE_MAX_BYTES), user.compiled));
  return maps;
}

/** dist/kb.verified.json's bytes, or undefined when it is missing or unreadable (the files are checked by hash). */
function packageStamps(path: string): Buffer | undefined {
  try {
    return readFileBounded(path, VERIFIED_CACHE_MAX_BYTES);
  } catch {
    return undefined;
  }
}

/** The stamps written to the package's file, else (unwritable) to the user's. */
function writeVerifiedStores(stores: VerifiedStores, files: VerifiedFile[]): void {
  if (writeVerifiedCache(stores.packagePath, { version: 1, files })) return;
  const { user } = stores;
  if (user) writePrivateFile(user.dir, user.name, JSON.stringify({ version: 1, files, compiled: user.compiled }));
}

/**
 * A verified cache's entries by file name; empty when it is missing, not ours, or malformed, or
 * (a user's file) made for another compiled file than `compiled`.
 */
function verifiedEntries(bytes: Buffer | undefined, compiled?: string): Map<string, VerifiedFile> {
  const files = new Map<string, VerifiedFile>();
  if (!bytes) return files;
  try {
    const cache = JSON.parse(bytes.toString('utf8')) as VerifiedCache;
    if (cache?.version !== 1 || !Array.isArray(cache.files)) return files;
    if (cache.compiled !== compiled) return files;
    for (const f of cache.files as unknown[]) {
      if (!isVerifiedFile(f)) return new Map();
      files.set(f.name, f);
    }
  } catch {
    // not JSON: the files are checked by hash
  }
  return files;
}

function isVerifiedFile(f: unknown): f is VerifiedFile {
  if (typeof f !== 'object' || f === null) return false;
  const v = f as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    typeof v.sha256 === 'string' &&
    ['size', 'mtimeMs', 'ctimeMs'].every((k) => typeof v[k] === 'number')
  );
}

/**
 * Best effort, atomic: a temporary file renamed over the cache, removed on failure; whether it
 * was written. A copy that cannot write its folder keeps its stamps in the user's cache folder, and
 * without one checks hashes on each run (still without the YAML loader).
 */
function writeVerifiedCache(path: string, cache: VerifiedCache): boolean {
  return writeFileAtomically(path, JSON.stringify(cache), 0o644);
}

/**
 * dist/kb.json as bytes: a section or an entry's sources is decoded when parsed (the file is ASCII,
 * so latin1 gives V8's one-byte strings). Read as one 0.8 MB string it was a large young object on
 * every start, and the young generation's collections ran sooner (0.6 ms of recommend --json).
 */
function readCompiled(path: string): { text: Buffer; header: CompiledHeader; bodyStart: number } | null {
  try {
    const text = readFileSync(path);
    const end = text.indexOf(10);
    if (end < 0) return null;
    const header = JSON.parse(text.toString('latin1', 0, end)) as CompiledHeader;
    return header.version === 10 ? { text, header, bodyStart: end + 1 } : null;
  } catch {
    return null; // missing or unreadable: the YAML is loaded instead
  }
}
