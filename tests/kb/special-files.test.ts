// Hostile paths as --kb, FINETUNE_ADVISOR_KB and `kb validate` arguments: devices, a FIFO, a socket,
// a symlink loop, unreadable files and folders. Each is exit 1 within 2 s with one line naming the
// file and the reason (no internal-error hint); an impossible name is a usage error (exit 2).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers.js';

const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fa-special-'));
chmodSync(dir, 0o755); // an unprivileged user (below) may enter it
const fifo = join(dir, 'pipe.yaml');
const socket = join(dir, 'socket.yaml');
const loop = join(dir, 'loop-a.yaml');
const unreadableDir = join(dir, 'locked');
const unreadableFile = join(dir, 'locked.yaml');
const emptyDir = join(dir, 'no-yaml');
let server: Server;

beforeAll(async () => {
  execFileSync('mkfifo', [fifo]);
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  symlinkSync(join(dir, 'loop-b.yaml'), loop);
  symlinkSync(loop, join(dir, 'loop-b.yaml'));
  mkdirSync(unreadableDir);
  writeFileSync(join(unreadableDir, 'gpus.yaml'), 'gpus: []\n');
  chmodSync(unreadableDir, 0o000);
  writeFileSync(unreadableFile, 'gpus: []\n');
  chmodSync(unreadableFile, 0o000);
  mkdirSync(emptyDir);
  writeFileSync(join(emptyDir, 'notes.txt'), 'not a knowledge base\n');
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * Root reads and lists anything whatever its mode, so permission failures are checked as an
 * unprivileged user (setpriv to nobody) when the tests run as root.
 */
const isRoot = process.getuid?.() === 0;
const canDropPrivileges =
  isRoot &&
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', '0']).status === 0;

function bin(args: string[], env: Record<string, string> = {}, unprivileged = false) {
  const clean = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'COLUMNS', 'FINETUNE_ADVISOR_KB', 'DEBUG']) delete clean[k];
  const [cmd, argv] =
    unprivileged && isRoot
      ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
  // a read that never ends (a FIFO, /dev/zero) is killed at 10 s and fails the status check; how
  // fast a refusal is belongs to bench:startup, not to a timed test under a loaded machine
  const r = spawnSync(cmd as string, argv as string[], {
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 10_000,
  });
  return r;
}

/** One error line naming the file and the reason (a file that cannot be read is no "invalid knowledge base"); nothing on stdout. */
function expectFileProblem(r: { status: number | null; stdout: string; stderr: string }, line: string): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`error: ${line}\n`);
}

describe('special files as --kb (the built binary)', () => {
  it.each([
    ['/dev/zero', '/dev/zero: not a regular file'],
    ['/dev/urandom', '/dev/urandom: not a regular file'],
    [fifo, `${fifo}: not a regular file`],
    [socket, `${socket}: not a regular file`],
    [loop, `${loop}: too many levels of symbolic links (a symlink loop?)`],
    [join(dir, 'missing.yaml'), `${join(dir, 'missing.yaml')}: no such file or folder`],
  ])('%s', (path, line) => {
    expectFileProblem(bin(['gpus', '--kb', path]), line);
    expectFileProblem(bin(['gpus'], { FINETUNE_ADVISOR_KB: path }), line);
  });

  it('an unreadable folder and an unreadable file: permission denied', () => {
    if (isRoot && !canDropPrivileges) {
      console.warn('skipped: running as root without setpriv, so a permission failure cannot be provoked');
      return;
    }
    expectFileProblem(bin(['gpus', '--kb', unreadableDir], {}, true), `${unreadableDir}: permission denied`);
    expectFileProblem(bin(['gpus', '--kb', unreadableFile], {}, true), `${unreadableFile}: permission denied`);
    const v = bin(['kb', 'validate', unreadableDir, unreadableFile], {}, true);
    expect(v.status).toBe(1);
    expect(v.stderr).toContain(`${unreadableDir}: permission denied\n`);
    expect(v.stderr).toContain(`${unreadableFile}: permission denied\n`);
  });

  it('kb validate lists each special file with its reason, in one run', () => {
    const r = bin(['kb', 'validate', '/dev/zero', fifo, socket, loop]);
    expect(r.status).toBe(1);
    for (const line of [
      '/dev/zero: not a regular file',
      `${fifo}: not a regular file`,
      `${socket}: not a regular file`,
      `${loop}: too many levels of symbolic links (a symlink loop?)`,
    ]) {
      expect(r.stderr).toContain(`${line}\n`);
    }
    expect(r.stderr).not.toMatch(/DEBUG|internal error|\n\s+at /);
  });

  it('a FIFO inside a --kb folder is refused too, without waiting for a writer', () => {
    const folder = mkdtempSync(join(tmpdir(), 'fa-fifo-dir-'));
    execFileSync('mkfifo', [join(folder, 'gpus.yaml')]);
    expectFileProblem(bin(['gpus', '--kb', folder]), `${join(folder, 'gpus.yaml')}: not a regular file`);
  });
});

describe('names and folders (in process)', () => {
  it('an empty or impossible name is a usage error: exit 2, one line', async () => {
    for (const argv of [
      ['gpus', '--kb', ''],
      ['kb', 'validate', ''],
      ['gpus', '--kb', 'a\0b.yaml'],
      ['gpus', '--kb', 'x'.repeat(5000)],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: knowledge-base path '.*' is an? .*; name a YAML file or folder\.\n$/);
    }
    expect((await runCli(['gpus', '--kb', 'a\0b.yaml'])).stderr).toContain("'a\\0b.yaml' is a name with a NUL byte");
  });

  it('a folder without YAML files is a warning, not silence', async () => {
    const viaFlag = await runCli(['gpus', '--json', '--kb', emptyDir]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stderr).toBe(`${emptyDir}: warning: no .yaml or .yml files\n`);
    expect(JSON.parse(viaFlag.stdout).length).toBeGreaterThan(10);
    const validate = await runCli(['kb', 'validate', emptyDir]);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain(`${emptyDir}: warning: no .yaml or .yml files\n`);
    expect((await runCli(['kb', 'validate', emptyDir, '--strict'])).code).toBe(1);
  });

  it('a file name with control characters is printed escaped', async () => {
    const r = await runCli(['gpus', '--kb', join(dir, 'title\u001b]0;pwned\u0007.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('title\\x1b]0;pwned\\x07.yaml: no such file or folder');
    expect(r.stderr).not.toMatch(/[\u001b\u0007]/);
  });
});
