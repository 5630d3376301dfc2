// The user's cache folder ($XDG_CACHE_HOME, else ~/.cache) and what makes a folder or file in it
// trusted: a real folder of this user that no one else can write. Shared by the --kb validation
// cache (kb-cache.ts) and the verified stamps of a package folder this user cannot write
// (compiled.ts), so it stays small: it loads on every start.
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { readFileBounded, writeFileAtomically } from './read-file.js';

/**
 * `<cache>/finetune-advisor/<name>`: undefined when FINETUNE_ADVISOR_CACHE=0, or when neither
 * XDG_CACHE_HOME nor HOME is an absolute path (the XDG spec: a relative XDG_CACHE_HOME is invalid
 * and ignored).
 */
export function userCacheDir(env: Record<string, string | undefined>, name: string): string | undefined {
  if (env.FINETUNE_ADVISOR_CACHE === '0') return undefined;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : env.HOME && isAbsolute(env.HOME) ? join(env.HOME, '.cache') : undefined;
  return base && join(base, 'finetune-advisor', name);
}

/** POSIX: owned by this user and writable by no one else. (Windows has no uid: its ACLs guard the profile.) */
export function ownedAndPrivate(st: Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);
}

/** Whether `dir` is a real folder (not a link) of this user that no one else can write. */
export function usableDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && ownedAndPrivate(st);
  } catch {
    return false;
  }
}

/** `dir` created private (0700) where missing; whether it is now usable (usableDir). */
export function ensureUsableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false; // unwritable: no cache
  }
  return usableDir(dir);
}

/**
 * The bytes of `name` in `dir` when the folder is usable (usableDir) and the file is a regular file
 * of this user that no one else can write (lstat first: a link is never followed; the bounded read
 * takes regular files only, no FIFO wait), at most `maxBytes`; else undefined (missing, unreadable,
 * not ours, too large).
 */
export function readPrivateFile(dir: string, name: string, maxBytes: number): Buffer | undefined {
  if (!usableDir(dir)) return undefined;
  const path = join(dir, name);
  try {
    const st = lstatSync(path);
    if (!st.isFile() || !ownedAndPrivate(st)) return undefined;
    return readFileBounded(path, maxBytes);
  } catch {
    return undefined;
  }
}

/**
 * `text` as `name` in `dir`, best effort and atomic (writeFileAtomically), 0600, the folder created
 * private where missing and used only when it is usable; whether it was written.
 */
export function writePrivateFile(dir: string, name: string, text: string): boolean {
  return ensureUsableDir(dir) && writeFileAtomically(join(dir, name), text, 0o600);
}

/**
 * FNV-1a, 32 bits, as 8 hex digits: a short file name for what a cache file is for (the file
 * records that itself, so two names alike never mix).
 */
export function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
