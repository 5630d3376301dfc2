// The built binary as a user meets it: streams, colour, width, pipes, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
const ESC = /\u001b\[/;

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'COLUMNS', 'FINETUNE_ADVISOR_KB', 'DEBUG']) delete clean[k];
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 20_000 });
}

function sh(command: string, env: Record<string, string> = {}) {
  return spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, ...env, BIN }, timeout: 20_000 });
}

describe('binary', () => {
  it('the README example prints a recommendation with its explanation table', () => {
    const r = cli(['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Recommendation: /);
    expect(r.stdout).toMatch(/│ rule\s+│ value\s+│ verdict\s+│ why/);
    expect(r.stderr).toBe('');
  });

  it('--json output parses and holds only JSON', () => {
    const r = cli([
      'recommend',
      '--goal',
      'task',
      '--model',
      'qwen2.5-7b',
      '--gpu',
      'NVIDIA A100-SXM4-80GB',
      '--time',
      '8h',
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('exit 3 when nothing fits, 2 on usage errors, 1 on an invalid knowledge base', () => {
    expect(cli(['recommend', '--goal', 'task', '--model', 'llama-3.1-70b', '--vram', '8', '--time', '8h']).status).toBe(
      3,
    );
    const usage = cli(['recommend', '--goal', 'selfie']);
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'fa-e2e-'));
    writeFileSync(join(dir, 'bad.yaml'), 'gpus:\n  - id: mine\n    name: Mine\n    vendor: nvidia\n    vramGB: lots\n');
    const bad = cli(['gpus', '--kb', join(dir, 'bad.yaml')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:5:13: gpus\[0\] \(mine\)\.vramGB: /);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('recommend without flags and without a terminal: exit 2 listing the flags', () => {
    const r = sh('"$BIN" recommend </dev/null');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--goal.*--model.*--gpu or --vram.*--time/);
  });

  it('no colour when piped, NO_COLOR wins, FORCE_COLOR forces', () => {
    expect(cli(['compare']).stdout).not.toMatch(ESC);
    expect(cli(['compare'], { NO_COLOR: '1' }).stdout).not.toMatch(ESC);
    expect(cli(['compare'], { NO_COLOR: '1', FORCE_COLOR: '1' }).stdout).not.toMatch(ESC);
    expect(cli(['compare'], { FORCE_COLOR: '1' }).stdout).toMatch(ESC);
    expect(cli(['compare', '--no-color'], { FORCE_COLOR: '1' }).stdout).not.toMatch(ESC);
  });

  it.each([
    ['compare'],
    ['recommend', '--goal', 'subject', '--model', 'sd15', '--gpu', 't4', '--time', '1h'],
    ['gpus'],
    ['models'],
    ['techniques'],
    ['techniques', 'show', 'qlora'],
    ['compare', '--all'],
  ])('COLUMNS=60 %s: no line longer than 60', (...args) => {
    const r = cli(args, { COLUMNS: '60' });
    expect(r.status).toBe(0);
    const long = r.stdout.split('\n').filter((l) => [...l].length > 60);
    expect(long).toEqual([]);
  });

  it('piping into head prints no EPIPE trace', () => {
    const r = sh('"$BIN" compare --all | head -n 3; "$BIN" gpus | head -n 1');
    expect(r.stdout.split('\n').length).toBeLessThanOrEqual(5);
    expect(r.stderr).toBe('');
  });

  it('a collection used as a key is a problem with its place, never a Node process warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-key-'));
    const file = join(dir, 'collection-key.yaml');
    writeFileSync(file, 'gpus:\n  - id: x\n    ? [a, b]\n    : 1\n');
    const r = cli(['kb', 'validate', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/collection-key\.yaml:2:5: unknown field '\[ a, b \]'/);
    expect(r.stderr).not.toMatch(/\(node:\d+\) Warning/);
  });

  it('starts as CommonJS: no ES module is loaded on a scripted run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-esm-'));
    const hook = join(dir, 'report.cjs');
    writeFileSync(
      hook,
      "process.on('exit', () => process.stderr.write(process.moduleLoadList.filter((m) => /esm\\/(translators|module_job)/.test(m)).join() + '|'));\n",
    );
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        hook,
        BIN,
        'recommend',
        '--goal',
        'style',
        '--model',
        'sdxl',
        '--vram',
        '12',
        '--time',
        '2h',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('|');
    // the hook itself can see ES modules load (so the check above can fail)
    const esm = join(dir, 'e.mjs');
    writeFileSync(esm, 'export {};\n');
    expect(spawnSync(process.execPath, ['--require', hook, esm], { encoding: 'utf8' }).stderr).toMatch(/translators/);
  });

  it('output larger than a pipe holds arrives whole at a slow reader', () => {
    // 64 KiB fill the pipe; the rest waits for the reader (blocking or EAGAIN, whichever the pipe is)
    const direct = cli([
      'recommend',
      '--goal',
      'task',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '4090',
      '--time',
      '8h',
      '--json',
    ]);
    expect(direct.stdout.length).toBeGreaterThan(100_000);
    const r = sh(
      '"$BIN" recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 8h --json | (sleep 0.5; cat); echo "exit $?" >&2',
    );
    expect(r.stdout).toBe(direct.stdout);
    expect(r.stderr).toBe('exit 0\n');
  });
});
