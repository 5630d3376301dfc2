// The validated-knowledge-base cache: a `--kb` run stores what its files changed in the bundled
// knowledge base (and the warnings its validation printed) under a key that hashes everything the result depends on, so
// the next run with the same files skips the YAML loader (yaml + zod, dist/bundle/kb-load.cjs)
// entirely. Never trusted without the hash: a run reads and hashes each --kb file's bytes, unless
// the file's stat equals the one recorded when its bytes last gave the key (KeyStamp, git's stat
// contract, as for the bundled data); the entry names its key and carries a SHA-256 of its JSON,
// both checked before use. The folder is the
// user's cache folder ($XDG_CACHE_HOME or ~/.cache), used only when it is a real folder of this
// user that no one else can write; anything wrong with it or an entry means no cache, never an error.
import { isAscii } from 'node:buffer';
import { type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { packageVersion } from '../version.js';
import { asciiJson, compiledDataFiles, RACY_MS, yamlFileNames } from './compiled.js';
import { MAX_FILE_BYTES } from './limits.js';
import { type ListEdits, shareNameIndex } from './name-index.js';
import { readFileBounded, statPath } from './read-file.js';
import { sha256Hex } from './sha256.js';
import type { KnowledgeBase } from './types.js';
import { fnv1a32, readPrivateFile, userCacheDir, writePrivateFile } from './user-cache.js';

/** The lists of a knowledge base (its entries by kind, in order). */
const LISTS = ['techniques', 'models', 'gpus', 'rules', 'groups', 'dataPlan', 'trainers'] as const;
type ListName = (typeof LISTS)[number];

/**
 * A merged knowledge base as what the --kb files changed in the bundled one: the loader replaces an
 * entry in place (same id) or appends it, so each list is the base's with some positions replaced
 * and entries added at the end. An entry holds only this (the user's entries, a few KB), not the
 * merged base (about 260 KB of JSON to read, hash and parse on every run).
 */
export interface KbDelta {
  lists: Record<ListName, { replaced: Array<[number, unknown]>; appended: unknown[] }>;
  /** origin keys that are new or differ from the base's */
  origin: Record<string, string>;
}

/** What a validation gave: the change to the bundled knowledge base and the warning lines it printed. */
export interface CachedValidation {
  delta: KbDelta;
  warnings: string[];
}

/** `merged` as a change to `base`, or undefined when it is not one (the base's order not kept). */
export function kbDelta(base: KnowledgeBase, merged: KnowledgeBase): KbDelta | undefined {
  const lists = {} as KbDelta['lists'];
  for (const name of LISTS) {
    const from = base[name] as readonly unknown[];
    const to = merged[name] as readonly unknown[];
    if (to.length < from.length) return undefined;
    const replaced: Array<[number, unknown]> = [];
    for (let i = 0; i < from.length; i++) if (to[i] !== from[i]) replaced.push([i, to[i]]);
    lists[name] = { replaced, appended: to.slice(from.length) };
  }
  const origin: Record<string, string> = {};
  for (const key of Object.keys(base.origin)) if (!Object.hasOwn(merged.origin, key)) return undefined;
  for (const [key, value] of Object.entries(merged.origin)) if (base.origin[key] !== value) origin[key] = value;
  return { lists, origin };
}

/**
 * The merged knowledge base from the base and a delta. Each list is built on first use, so a
 * command reads (and parses, for the compiled base) only the lists it needs, as without --kb.
 */
export function applyKbDelta(base: KnowledgeBase, delta: KbDelta): KnowledgeBase {
  const kb = {} as KnowledgeBase;
  for (const name of LISTS) {
    let list: unknown[] | undefined;
    Object.defineProperty(kb, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (list) return list;
        list = [...(base[name] as readonly unknown[])];
        for (const [i, entry] of delta.lists[name].replaced) list[i] = entry;
        list.push(...delta.lists[name].appended);
        return list;
      },
    });
  }
  let origin: Record<string, string> | undefined;
  Object.defineProperty(kb, 'origin', {
    enumerable: true,
    configurable: true,
    get: () => (origin ??= { ...base.origin, ...delta.origin }),
  });
  // the lists are looked up through the base's compiled name index, with the files' entries over it
  shareNameIndex(base, kb, (name) => delta.lists[name] as ListEdits);
  return kb;
}

/**
 * A delta as read from an entry: the shape applyKbDelta relies on. Like the merged knowledge base
 * this replaced, its entries are not validated again: the entry's hash, its key (over the bundled
 * base's data hashes and every --kb file's bytes) and its private folder vouch for it.
 */
function isKbDelta(value: unknown): value is KbDelta {
  if (typeof value !== 'object' || value === null) return false;
  const { lists, origin } = value as Partial<KbDelta>;
  if (typeof lists !== 'object' || lists === null || typeof origin !== 'object' || origin === null) return false;
  if (!Object.values(origin).every((v) => typeof v === 'string')) return false;
  return LISTS.every((name) => {
    const list = lists[name];
    if (typeof list !== 'object' || list === null || !Array.isArray(list.appended) || !Array.isArray(list.replaced))
      return false;
    return list.replaced.every(
      (r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && r[0] >= 0 && typeof r[1] === 'object',
    );
  });
}

/** An entry's first line; the body (CachedValidation's JSON) follows it. */
interface EntryHeader {
  /** 2: a delta on the bundled base (1 held the whole merged knowledge base) */
  format: typeof ENTRY_FORMAT;
  key: string;
  /** SHA-256 of the body */
  sha256: string;
}

/** An entry holds the user's files' entries: at most what the loader reads of them (16 MB). */
export const ENTRY_MAX_BYTES = 16 * 1024 * 1024;
const ENTRY_FORMAT = 2;
const KEY_FORMAT = 1;

/** The cache folder: off when FINETUNE_ADVISOR_CACHE=0, or when neither XDG_CACHE_HOME nor HOME is set. */
export const kbCacheDir = (env: Record<string, string | undefined>): string | undefined => userCacheDir(env, 'kb');

/** What identifies the result besides the --kb files: the package and loader build, and the bundled base. */
export interface KbIdentity {
  version: string;
  /** the YAML loader's build (its file's size and time): a rebuilt loader may validate differently */
  loader: string;
  /** the bundled base: each data file's name and SHA-256, from dist/kb.json's header */
  base: Array<[string, string]>;
}

const here = () => dirname(fileURLToPath(import.meta.url));

/**
 * This package's identity on the compiled base `compiled` (its header, read when it was loaded), or
 * undefined when any part of it cannot be known (then there is no cache).
 */
export function currentKbIdentity(compiled: KnowledgeBase): KbIdentity | undefined {
  try {
    const version = packageVersion();
    const base = compiledDataFiles(compiled)?.map((f): [string, string] => [f.name, f.sha256]);
    const loader = loaderStamp();
    if (!base || !loader) return undefined;
    return { version, loader, base };
  } catch {
    return undefined;
  }
}

/**
 * The loader beside this module: kb-load.cjs in the bundle, load.js compiled, load.ts in the tests.
 * Only stat'ed: opening kb-load.cjs is what the cache saves.
 */
function loaderStamp(): string | undefined {
  for (const name of ['kb-load.cjs', 'load.js', 'load.ts']) {
    try {
      const st = statSync(join(here(), name));
      if (st.isFile()) return `${name}:${st.size}:${st.mtimeMs}`;
    } catch {
      // not this layout
    }
  }
  return undefined;
}

/**
 * The cache key of `paths` (in order, as given) on top of `identity`, read from the cwd: SHA-256
 * over the identity, the cwd (the result names the files relative to it) and each path's files
 * (a folder's .yaml and .yml files, as the loader lists them) with the SHA-256 of their bytes.
 * Undefined when a path cannot be listed or a file read: the loader then words the problem.
 * With `stamps` (a folder of the user's cache), files whose stat equals the one recorded when
 * their bytes gave a key are taken as those bytes, as git and the bundled data's check do
 * (KeyStamp): their key is read back instead of hashed again.
 */
export function kbCacheKey(
  identity: KbIdentity,
  paths: readonly string[],
  cwd = process.cwd(),
  stamps?: string,
): string | undefined {
  const listed: Array<{ path: string; files: string[] }> = [];
  let stats: Stats[];
  try {
    for (const path of paths)
      listed.push({
        path,
        files: statPath(path).isDirectory() ? yamlFileNames(path).map((f) => join(path, f)) : [path],
      });
    stats = listed.flatMap((l) => l.files.map((f) => statPath(f)));
  } catch {
    return undefined;
  }
  const what = JSON.stringify({ format: KEY_FORMAT, ...identity, cwd, paths: listed });
  const files = listed.flatMap((l) => l.files);
  const recorded = stamps === undefined ? undefined : readKeyStamp(stamps, what);
  if (
    recorded &&
    recorded.files.length === files.length &&
    recorded.files.every((f, i) => sameFile(f, files[i]!, stats[i]!))
  )
    return recorded.key;
  let hashed: Array<{ path: string; files: Array<[string, string]> }>;
  try {
    hashed = listed.map(({ path, files: fs }) => ({
      path,
      files: fs.map((f): [string, string] => [f, sha256Hex(readFileBounded(f, MAX_FILE_BYTES))]),
    }));
  } catch {
    return undefined;
  }
  const key = sha256Hex(JSON.stringify({ format: KEY_FORMAT, ...identity, cwd, paths: hashed }));
  const now = Date.now();
  // a file changed within 2 s of now is not recorded: an edit in the same clock tick would keep its stat
  if (
    stamps !== undefined &&
    stats.every((st) => Math.abs(now - st.mtimeMs) >= RACY_MS && Math.abs(now - st.ctimeMs) >= RACY_MS)
  )
    writeKeyStamp(stamps, { format: KEY_STAMP_FORMAT, what, files: files.map((f, i) => fileStamp(f, stats[i]!)), key });
  return key;
}

/**
 * The key a set of --kb files gave, by their stat when hashed (`<cache>/kb-stat/<what's hash>.json`):
 * `what` is the key's input but the files' hashes (identity, cwd, paths, files listed).
 */
interface KeyStamp {
  format: typeof KEY_STAMP_FORMAT;
  what: string;
  files: FileStamp[];
  key: string;
}
interface FileStamp {
  file: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}
const KEY_STAMP_FORMAT = 1;
/** A stamp is a few hundred bytes a file; anything larger is not ours. */
const KEY_STAMP_MAX_BYTES = 1024 * 1024;

/** The folder of the key stamps beside the cache's entries; undefined where the cache is off. */
export const kbKeyStampDir = (env: Record<string, string | undefined>) => userCacheDir(env, 'kb-stat');

const fileStamp = (file: string, st: Stats): FileStamp => ({
  file,
  size: st.size,
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
  ino: st.ino,
});
const sameFile = (f: FileStamp, file: string, st: Stats) =>
  f.file === file && f.size === st.size && f.mtimeMs === st.mtimeMs && f.ctimeMs === st.ctimeMs && f.ino === st.ino;
const keyStampName = (what: string) => `${fnv1a32(what)}.json`;

/** The stamp for `what`, when it is a private regular file of this user's, well formed and for exactly `what`. */
function readKeyStamp(dir: string, what: string): KeyStamp | undefined {
  const bytes = readPrivateFile(dir, keyStampName(what), KEY_STAMP_MAX_BYTES);
  if (!bytes) return undefined;
  try {
    const stamp = JSON.parse(bytes.toString('utf8')) as Partial<KeyStamp>;
    if (stamp?.format !== KEY_STAMP_FORMAT || stamp.what !== what || !Array.isArray(stamp.files)) return undefined;
    if (typeof stamp.key !== 'string' || !/^[0-9a-f]{64}$/.test(stamp.key)) return undefined;
    const numbers = ['size', 'mtimeMs', 'ctimeMs', 'ino'] as const;
    const valid = (f: unknown): f is FileStamp =>
      typeof f === 'object' &&
      f !== null &&
      typeof (f as FileStamp).file === 'string' &&
      numbers.every((k) => typeof (f as FileStamp)[k] === 'number');
    return stamp.files.every(valid) ? (stamp as KeyStamp) : undefined;
  } catch {
    return undefined; // missing, unreadable or malformed: the files are hashed
  }
}

/** Best effort, atomic, private (as the entries). */
function writeKeyStamp(dir: string, stamp: KeyStamp): void {
  writePrivateFile(dir, keyStampName(stamp.what), JSON.stringify(stamp));
}

const entryName = (key: string) => `${key}.json`;

/** The entry for `key`, or undefined when it is missing, not a private regular file, or not intact. */
export function readKbCacheEntry(dir: string, key: string): CachedValidation | undefined {
  const bytes = readPrivateFile(dir, entryName(key), ENTRY_MAX_BYTES);
  if (!bytes) return undefined;
  try {
    const end = bytes.indexOf(0x0a);
    if (end < 0) return undefined;
    const header = JSON.parse(bytes.toString('latin1', 0, end)) as Partial<EntryHeader>;
    const body = bytes.subarray(end + 1);
    if (header?.format !== ENTRY_FORMAT || header.key !== key || header.sha256 !== sha256Hex(body)) return undefined;
    // the body is written as ASCII: decoded as latin1, it becomes V8's faster one-byte strings
    if (!isAscii(body)) return undefined;
    const value = JSON.parse(body.toString('latin1')) as Partial<CachedValidation>;
    if (!isKbDelta(value?.delta) || !Array.isArray(value.warnings)) return undefined;
    if (!value.warnings.every((w) => typeof w === 'string')) return undefined;
    return { delta: value.delta, warnings: value.warnings };
  } catch {
    return undefined; // missing, unreadable or malformed: validated again, and rewritten
  }
}

/**
 * Best effort, atomic (writeFileAtomically). The folder is created private (0700) and used only if
 * it is ours and private; the entry is 0600.
 */
export function writeKbCacheEntry(dir: string, key: string, value: CachedValidation): void {
  const body = asciiJson(value);
  const header: EntryHeader = { format: ENTRY_FORMAT, key, sha256: sha256Hex(body) };
  writePrivateFile(dir, entryName(key), `${JSON.stringify(header)}\n${body}`);
}

/**
 * The knowledge base of `paths` on top of the bundled base `base` (the compiled one `identity`
 * describes): from the cache when an intact entry has this key, else from `validate` (which
 * prints its warnings through `warn`), stored as a delta on `base` when it succeeds. A hit prints the stored warnings, so its output is the validation's. A file changed
 * while validated (its key differs afterwards) is not stored.
 */
export async function cachedKnowledgeBase(
  paths: readonly string[],
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
  validate: (warn: (line: string) => void) => Promise<KnowledgeBase>,
  identity: KbIdentity | undefined,
  base: KnowledgeBase,
): Promise<KnowledgeBase> {
  const dir = kbCacheDir(env);
  const key = dir && identity ? kbCacheKey(identity, paths, undefined, kbKeyStampDir(env)) : undefined;
  if (!dir || !identity || !key) return validate(warn);
  const hit = readKbCacheEntry(dir, key);
  if (hit) {
    hit.warnings.forEach(warn);
    return applyKbDelta(base, hit.delta);
  }
  const warnings: string[] = [];
  const kb = await validate((line) => {
    warnings.push(line);
    warn(line);
  });
  const delta = kbDelta(base, kb);
  if (delta && kbCacheKey(identity, paths) === key) writeKbCacheEntry(dir, key, { delta, warnings });
  return kb;
}
