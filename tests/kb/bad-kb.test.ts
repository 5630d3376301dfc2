// The catalogue of hostile and broken files (tests/fixtures/bad-kb/CATALOGUE.yaml): each gives its
// one-line message and exit 1, through `kb validate` and through --kb on a command, never a stack
// trace, never a hang, nothing touched outside the process.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { bundledDataDir, loadKnowledgeBase, MAX_FILE_BYTES } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const dir = new URL('../fixtures/bad-kb/', import.meta.url).pathname;
const catalogue = parse(readFileSync(join(dir, 'CATALOGUE.yaml'), 'utf8')) as Array<{ file: string; message: string }>;

describe('bad knowledge-base files', () => {
  it.each(catalogue.map((c) => [c.file, c] as const))('%s', async (_f, c) => {
    const validate = await runCli(['kb', 'validate', join(dir, c.file)]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(new RegExp(c.message));
    expect(validate.stderr).not.toMatch(/\n\s+at |Error:/);
    const viaFlag = await runCli(['gpus', '--kb', join(dir, c.file)]);
    expect(viaFlag.code).toBe(1);
    expect(viaFlag.stdout).toBe('');
    expect(viaFlag.stderr).toMatch(new RegExp(c.message));
  });

  it('every file of the folder is in the catalogue', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'CATALOGUE.yaml');
    expect(files.sort()).toEqual(catalogue.map((c) => c.file).sort());
  });

  it('a file above the size limit is refused before parsing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fa-big-'));
    const big = join(tmp, 'big.yaml');
    writeFileSync(
      big,
      `gpus:\n${'  # padding padding padding padding padding padding padding padding\n'.repeat(Math.ceil((50 * 1024 * 1024) / 68))}`,
    );
    const started = Date.now();
    const r = await runCli(['kb', 'validate', big]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `big\\.yaml:1:1: file is 5\\d\\.\\d MB; knowledge-base files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MB`,
      ),
    );
    rmSync(tmp, { recursive: true });
  });

  it('a missing file or folder', async () => {
    const r = await runCli(['kb', 'validate', '/nonexistent/kb.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/kb\.yaml: no such file or folder/);
  });

  it('no prototype pollution and no code run', () => {
    for (const f of ['proto-key.yaml', 'constructor-key.yaml', 'js-function-tag.yaml']) {
      expect(() => loadKnowledgeBase([bundledDataDir(), join(dir, f)])).toThrow();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(existsSync('/tmp/pwned')).toBe(false);
  });
});
