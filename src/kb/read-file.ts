// Bounded reads of files a user names (knowledge-base files now; model and trainer files later):
// only regular files, never more than the limit plus one byte whatever stat says (a device, a
// /proc file or a file that grows while read), and every failure as one plain sentence. Only
// node:fs, so any path can use it cheaply.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

/** Why a file cannot be read. `usage`: the name itself is impossible (empty, a NUL byte, too long). */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly kind: 'usage' | 'file' | 'too-large',
    /** for 'too-large': the size stat gave, when it was already above the limit */
    readonly size?: number,
    /** the OS error's code (EACCES, ELOOP, ...), when an OS error was the cause */
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FileReadError';
  }
}

/** Linux's NAME_MAX and PATH_MAX (less the terminating NUL); other systems allow no more. */
const NAME_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4095;

/** Why `path` cannot name a file at all, or undefined when it can. */
export function pathNameProblem(path: string): string | undefined {
  if (path === '') return 'an empty name';
  if (path.includes('\0')) return 'a name with a NUL byte';
  if (
    Buffer.byteLength(path) > PATH_MAX_BYTES ||
    path.split(/[\\/]/).some((part) => Buffer.byteLength(part) > NAME_MAX_BYTES)
  )
    return 'a name too long for a file system';
  return undefined;
}

/** A name as it may be printed: control characters (an escape sequence could retitle the terminal) shown as escapes. */
export function printableName(path: string): string {
  return path.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\0' ? '\\0' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A user-given name quoted for a message: printable, and cut after `max` characters. */
export function quotedName(path: string, max = 80): string {
  const shown = printableName(path);
  return `'${shown.length > max ? `${shown.slice(0, max)}…` : shown}'`;
}

/** An operating-system error as a plain sentence (what the user can act on), for file `what`. */
export function describeFsError(err: unknown, what: 'file' | 'folder' | 'path' = 'path'): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return what === 'path' ? 'no such file or folder' : `no such ${what}`;
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop?)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EBUSY':
    case 'ETXTBSY':
      return 'the file is busy';
    case 'EIO':
      return 'an input/output error';
    case 'ENXIO':
    case 'ENODEV':
      return 'not a regular file';
    default:
      return code ? `cannot be read (${code})` : `cannot be read (${(err as Error | null)?.message ?? String(err)})`;
  }
}

/** "5 MB" for 5 MiB: limits are round binary sizes, written the way people say them. */
export function formatLimit(bytes: number): string {
  const [unit, size] =
    bytes >= 1024 * 1024 ? ['MB', bytes / 1024 / 1024] : bytes >= 1024 ? ['KB', bytes / 1024] : ['bytes', bytes];
  return `${Number.isInteger(size) ? size : size.toFixed(1)} ${unit}`;
}

/** stat(path) following links; a dangling link is told apart from a missing file. */
function statFollowing(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      let link = false;
      try {
        link = lstatSync(path).isSymbolicLink();
      } catch {
        // the name itself is missing: the plain ENOENT below
      }
      if (link) throw new FileReadError(path, 'a symbolic link whose target does not exist', 'file');
    }
    throw err;
  }
}

function notRegular(path: string, st: Stats): FileReadError {
  return new FileReadError(path, st.isDirectory() ? 'is a folder, not a file' : 'not a regular file', 'file');
}

/** What stat says a path is, with the same errors as readFileBounded. */
export function statPath(path: string): Stats {
  const problem = pathNameProblem(path);
  if (problem) throw new FileReadError(path, problem, 'usage');
  try {
    return statFollowing(path);
  } catch (err) {
    throw asFileReadError(path, err);
  }
}

function asFileReadError(path: string, err: unknown): FileReadError {
  if (err instanceof FileReadError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new FileReadError(path, describeFsError(err), code === 'ENAMETOOLONG' ? 'usage' : 'file', undefined, code);
}

/**
 * The bytes of regular file `path` (symbolic links followed), at most `limitBytes`. Throws
 * FileReadError: 'usage' for an impossible name, 'too-large' above the limit, 'file' otherwise.
 */
export function readFileBounded(path: string, limitBytes: number): Buffer {
  const st = statPath(path);
  // stat before open: opening a FIFO for reading would wait for a writer
  if (!st.isFile()) throw notRegular(path, st);
  if (st.size > limitBytes)
    throw new FileReadError(path, `larger than the ${formatLimit(limitBytes)} limit`, 'too-large', st.size);
  let fd: number;
  try {
    // O_NONBLOCK: should the name become a FIFO after the stat, the open still does not wait
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw asFileReadError(path, err);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notRegular(path, opened);
    // size + 1 so the end shows at once; grown (up to limit + 1) should the file be longer than stat said
    let buf = Buffer.allocUnsafe(Math.min(opened.size, limitBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > limitBytes)
          throw new FileReadError(path, `larger than the ${formatLimit(limitBytes)} limit`, 'too-large');
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limitBytes + 1));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buf.subarray(0, length);
  } catch (err) {
    throw asFileReadError(path, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `path` through a temporary file in the same folder, created exclusively (never
 * through a link left in its place, nor over another run's file), then renamed over `path` (a
 * rename replaces a link or a FIFO there rather than following it), so a reader sees the old file
 * or the new one. The temporary file is removed on any failure after it was created (a full disk
 * included). Best effort: false when it could not be written (a read-only folder).
 */
export function writeFileAtomically(path: string, text: string, mode: number): boolean {
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch {
    return false;
  }
  try {
    const bytes = Buffer.from(text);
    for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
    return true;
  } catch {
    if (fd >= 0) ignoreErrors(() => closeSync(fd));
    ignoreErrors(() => unlinkSync(tmp));
    return false;
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // best effort
  }
}
