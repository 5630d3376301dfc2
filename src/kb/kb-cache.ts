// The validated-knowledge-base cache: a `--kb` run stores the merged knowledge base (and the
// warnings its validation printed) under a key that hashes everything the result depends on, so
// the next run with the same files skips the YAML loader (yaml + zod, dist/bundle/kb-load.cjs)
// entirely. Never trusted without the hash: every run reads and hashes each --kb file's bytes; the
// entry names its key and carries a SHA-256 of its JSON, both checked before use. The folder is the
// user's cache folder ($XDG_CACHE_HOME or ~/.cache), used only when it is a real folder of this
// user that no one else can write; anything wrong with it or an entry means no cache, never an error.
import { isAscii } from 'node:buffer';
import { lstatSync, mkdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { asciiJson, compiledDataFiles, sha256Hex, yamlFileNames } from './compiled.js';
import { MAX_FILE_BYTES } from './limits.js';
import { readFileBounded, statPath, writeFileAtomically } from './read-file.js';
import type { KnowledgeBase } from './types.js';

/** What a validation gave: the merged knowledge base and the warning lines it printed. */
export interface CachedValidation {
  kb: KnowledgeBase;
  warnings: string[];
}

/** An entry's first line; the body (CachedValidation's JSON) follows it. */
interface EntryHeader {
  format: 1;
  key: string;
  /** SHA-256 of the body */
  sha256: string;
}

/** A merged knowledge base is the bundled one (about 0.5 MB of JSON) plus the user's files. */
export const ENTRY_MAX_BYTES = 16 * 1024 * 1024;
const KEY_FORMAT = 1;

/** The cache folder: off when FINETUNE_ADVISOR_CACHE=0, or when neither XDG_CACHE_HOME nor HOME is set. */
export function kbCacheDir(env: Record<string, string | undefined>): string | undefined {
  if (env.FINETUNE_ADVISOR_CACHE === '0') return undefined;
  // the XDG spec: a relative XDG_CACHE_HOME is invalid and ignored
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : env.HOME && isAbsolute(env.HOME) ? join(env.HOME, '.cache') : undefined;
  return base && join(base, 'finetune-advisor', 'kb');
}

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
    const pkg = JSON.parse(readFileSync(join(here(), '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    const base = compiledDataFiles(compiled)?.map((f): [string, string] => [f.name, f.sha256]);
    const loader = loaderStamp();
    if (typeof pkg.version !== 'string' || !base || !loader) return undefined;
    return { version: pkg.version, loader, base };
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
 */
export function kbCacheKey(identity: KbIdentity, paths: readonly string[], cwd = process.cwd()): string | undefined {
  const listed: Array<{ path: string; files: Array<[string, string]> }> = [];
  try {
    for (const path of paths) {
      const files = statPath(path).isDirectory() ? yamlFileNames(path).map((f) => join(path, f)) : [path];
      listed.push({ path, files: files.map((f) => [f, sha256Hex(readFileBounded(f, MAX_FILE_BYTES))]) });
    }
  } catch {
    return undefined;
  }
  return sha256Hex(JSON.stringify({ format: KEY_FORMAT, ...identity, cwd, paths: listed }));
}

const entryPath = (dir: string, key: string) => join(dir, `${key}.json`);

/** POSIX: owned by this user and writable by no one else. (Windows has no uid: its ACLs guard the profile.) */
function ownedAndPrivate(st: Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

/** Whether `dir` is a real folder (not a link) of this user that no one else can write. */
function usableDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && ownedAndPrivate(st);
  } catch {
    return false;
  }
}

/** The entry for `key`, or undefined when it is missing, not a private regular file, or not intact. */
export function readKbCacheEntry(dir: string, key: string): CachedValidation | undefined {
  if (!usableDir(dir)) return undefined;
  const path = entryPath(dir, key);
  try {
    // lstat first: a link is never followed; the bounded read takes regular files only (no FIFO wait)
    const st = lstatSync(path);
    if (!st.isFile() || !ownedAndPrivate(st)) return undefined;
    const bytes = readFileBounded(path, ENTRY_MAX_BYTES);
    const end = bytes.indexOf(0x0a);
    if (end < 0) return undefined;
    const header = JSON.parse(bytes.toString('latin1', 0, end)) as Partial<EntryHeader>;
    const body = bytes.subarray(end + 1);
    if (header?.format !== 1 || header.key !== key || header.sha256 !== sha256Hex(body)) return undefined;
    // the body is written as ASCII: decoded as latin1, it becomes V8's faster one-byte strings
    if (!isAscii(body)) return undefined;
    const value = JSON.parse(body.toString('latin1')) as Partial<CachedValidation>;
    if (!isKnowledgeBase(value?.kb) || !Array.isArray(value.warnings)) return undefined;
    if (!value.warnings.every((w) => typeof w === 'string')) return undefined;
    return { kb: value.kb, warnings: value.warnings };
  } catch {
    return undefined; // missing, unreadable or malformed: validated again, and rewritten
  }
}

function isKnowledgeBase(kb: unknown): kb is KnowledgeBase {
  if (typeof kb !== 'object' || kb === null) return false;
  const v = kb as Record<string, unknown>;
  return (
    ['techniques', 'models', 'gpus', 'rules', 'groups'].every((k) => Array.isArray(v[k])) &&
    typeof v.origin === 'object' &&
    v.origin !== null
  );
}

/**
 * Best effort, atomic (writeFileAtomically). The folder is created private (0700) and used only if
 * it is ours and private; the entry is 0600.
 */
export function writeKbCacheEntry(dir: string, key: string, value: CachedValidation): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return; // unwritable: no cache
  }
  if (!usableDir(dir)) return;
  const body = asciiJson(value);
  const header: EntryHeader = { format: 1, key, sha256: sha256Hex(body) };
  writeFileAtomically(entryPath(dir, key), `${JSON.stringify(header)}\n${body}`, 0o600);
}

/**
 * The knowledge base of `paths` on top of the bundled base: from the cache when an intact entry
 * has this key, else from `validate` (which prints its warnings through `warn`), stored when it
 * succeeds. A hit prints the stored warnings, so its output is the validation's. A file changed
 * while validated (its key differs afterwards) is not stored.
 */
export async function cachedKnowledgeBase(
  paths: readonly string[],
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
  validate: (warn: (line: string) => void) => Promise<KnowledgeBase>,
  identity: KbIdentity | undefined,
): Promise<KnowledgeBase> {
  const dir = kbCacheDir(env);
  const key = dir && identity ? kbCacheKey(identity, paths) : undefined;
  if (!dir || !identity || !key) return validate(warn);
  const hit = readKbCacheEntry(dir, key);
  if (hit) {
    hit.warnings.forEach(warn);
    return hit.kb;
  }
  const warnings: string[] = [];
  const kb = await validate((line) => {
    warnings.push(line);
    warn(line);
  });
  if (kbCacheKey(identity, paths) === key) writeKbCacheEntry(dir, key, { kb, warnings });
  return kb;
}
