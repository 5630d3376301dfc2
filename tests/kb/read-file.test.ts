// Bounded reads (src/kb/read-file.ts): only regular files, never more than the limit plus one byte,
// and every failure as one plain sentence, without waiting on a FIFO.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FileReadError, pathNameProblem, printableName, readFileBounded } from '../../src/kb/read-file.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-read-'));
const fifo = join(dir, 'pipe.yaml');
const socket = join(dir, 'socket.yaml');
let server: Server;

beforeAll(async () => {
  execFileSync('mkfifo', [fifo]);
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function failure(path: string, limit = 1024): FileReadError {
  try {
    readFileBounded(path, limit);
  } catch (e) {
    expect(e).toBeInstanceOf(FileReadError);
    return e as FileReadError;
  }
  throw new Error(`${path} was read`);
}

describe('readFileBounded', () => {
  it('reads a regular file, also through a symbolic link', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'gpus: []\n');
    symlinkSync(file, join(dir, 'link.yaml'));
    expect(readFileBounded(file, 1024).toString()).toBe('gpus: []\n');
    expect(readFileBounded(join(dir, 'link.yaml'), 1024).toString()).toBe('gpus: []\n');
  });

  it('a file of exactly the limit is read; one byte more is too large, with the size stat gave', () => {
    const file = join(dir, 'sized.yaml');
    writeFileSync(file, 'x'.repeat(100));
    expect(readFileBounded(file, 100)).toHaveLength(100);
    const e = failure(file, 99);
    expect(e.kind).toBe('too-large');
    expect(e.size).toBe(100);
    expect(e.reason).toBe('larger than the 99 bytes limit');
  });

  it('never reads past the limit when stat says less (a /proc file is "empty" to stat)', () => {
    // /proc/self/maps is a regular file whose stat size is 0 and whose content is far above 16 bytes
    const e = failure('/proc/self/maps', 16);
    expect(e.kind).toBe('too-large');
    expect(e.size).toBeUndefined();
  });

  it.each([['/dev/zero'], ['/dev/urandom'], ['/dev/null']])('%s is not a regular file', (device) => {
    const e = failure(device);
    expect(e).toMatchObject({ kind: 'file', reason: 'not a regular file', message: `${device}: not a regular file` });
  });

  it('a FIFO is refused at once, not waited on', () => {
    const started = Date.now();
    expect(failure(fifo)).toMatchObject({ kind: 'file', reason: 'not a regular file' });
    expect(Date.now() - started).toBeLessThan(1000);
  }, 2000);

  it('a socket is not a regular file', () => {
    expect(failure(socket)).toMatchObject({ kind: 'file', reason: 'not a regular file' });
  });

  it('each operating-system failure is one plain sentence', () => {
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    expect(failure(join(dir, 'loop-a')).reason).toBe('too many levels of symbolic links (a symlink loop?)');
    symlinkSync(join(dir, 'missing-target'), join(dir, 'dangling.yaml'));
    expect(failure(join(dir, 'dangling.yaml')).reason).toBe('a symbolic link whose target does not exist');
    expect(failure(join(dir, 'nothing-here.yaml')).reason).toBe('no such file or folder');
    mkdirSync(join(dir, 'folder.yaml'));
    expect(failure(join(dir, 'folder.yaml')).reason).toBe('is a folder, not a file');
    expect(failure(join(dir, 'ok.yaml', 'below')).reason).toBe('a part of the path is not a folder');
  });

  it('a name that cannot be a path is a usage problem, found before the file system is asked', () => {
    expect(failure('')).toMatchObject({ kind: 'usage', reason: 'an empty name' });
    expect(failure('a\0b.yaml')).toMatchObject({ kind: 'usage', reason: 'a name with a NUL byte' });
    expect(failure(join(dir, 'x'.repeat(300)))).toMatchObject({
      kind: 'usage',
      reason: 'a name too long for a file system',
    });
    expect(failure(`/${'d/'.repeat(2100)}x`)).toMatchObject({ kind: 'usage' });
    expect(pathNameProblem('kb.yaml')).toBeUndefined();
  });

  it('names are printed with control characters escaped', () => {
    expect(printableName('a\u001b]0;title\u0007b\0.yaml')).toBe('a\\x1b]0;title\\x07b\\0.yaml');
    expect(printableName('ordinary name é.yaml')).toBe('ordinary name é.yaml');
  });
});
