// The bin's last-resort handler: an internal error is one line; the stack only when DEBUG asks for it.
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
const THROW_LATER = new URL('../fixtures/throw-later.cjs', import.meta.url).pathname;

function internalError(debug: string | undefined) {
  const env = { ...process.env };
  delete env.DEBUG;
  if (debug !== undefined) env.DEBUG = debug;
  return spawnSync(process.execPath, ['--require', THROW_LATER, BIN, 'gpus', '--json'], {
    encoding: 'utf8',
    env,
    timeout: 20_000,
  });
}

describe('internal errors in the bin', () => {
  for (const off of [undefined, '', '0', 'false', 'no', 'Off']) {
    it(`DEBUG=${JSON.stringify(off)}: one line, no stack`, () => {
      const r = internalError(off);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('error: planted internal error (an internal error; set DEBUG=1 for details)\n');
    });
  }
  for (const on of ['1', 'finetune-advisor']) {
    it(`DEBUG=${on}: the stack follows`, () => {
      const r = internalError(on);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: planted internal error .*\nError: planted internal error\n\s+at /);
    });
  }
});
