// What users type, taken as they mean it and shown back safely: choices in any case, control
// characters escaped in messages, the other family's sizing flag refused alike by recommend and
// estimate, and DEBUG=0 meaning off.
import { describe, expect, it } from 'vitest';

import { debugEnabled } from '../../src/cli/io.js';
import { showControls } from '../../src/cli/quote.js';
import { reportError } from '../../src/cli/run.js';
import { expectUsageError, runCli } from '../helpers.js';

describe('choices are case-insensitive', () => {
  it('--goal STYLE and --priority Quality are style and quality', async () => {
    const upper = await runCli([
      'recommend',
      '--goal',
      'STYLE',
      '--model',
      'sdxl',
      '--vram',
      '12',
      '--time',
      '2h',
      '--priority',
      'Quality',
      '--json',
    ]);
    const lower = await runCli([
      'recommend',
      '--goal',
      'style',
      '--model',
      'sdxl',
      '--vram',
      '12',
      '--time',
      '2h',
      '--priority',
      'quality',
      '--json',
    ]);
    expect(upper.code).toBe(0);
    expect(upper.stdout).toBe(lower.stdout);
    expect(JSON.parse(upper.stdout).answers).toMatchObject({ goal: 'style', priority: 'quality' });
  });
  it('a value that is no choice in any case still names the choices', async () => {
    await expectUsageError(
      ['recommend', '--goal', 'styles', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
      /option '--goal <goal>' argument 'styles' is invalid\. Allowed choices are subject, style, concept, task, domain, chat, preference, reasoning, motion\./,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--optimizer', 'ADAM'],
      /Allowed choices are adamw, adamw-8bit/,
    );
  });
  it('help still lists the choices', async () => {
    const r = await runCli(['recommend', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(
      /\(choices: "subject", "style", "concept", "task", "domain", "chat", "preference", "reasoning", "motion"\)/,
    );
  });
});

describe('control characters in what the user typed are shown escaped', () => {
  const osc = '\u001b]0;pwned\u0007';
  it('in commander errors (a bad choice, an unknown option) and our own (a name not in the catalogue)', async () => {
    for (const argv of [
      ['recommend', '--goal', `x${osc}`, '--model', 'sdxl', '--vram', '12', '--time', '2h'],
      ['recommend', `--x${osc}`],
      ['recommend', '--goal', 'style', '--model', `sd${osc}xl`, '--vram', '12', '--time', '2h'],
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', `2h${osc}`],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(r.stderr).toContain('\\x1b]0;pwned\\x07');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
  it('C1 controls, DEL and bidirectional overrides too; printable text is unchanged', () => {
    expect(showControls('a\u009bb\u007fc\u202ed\n')).toBe('a\\x9bb\\x7fc\\u202ed\\x0a');
    expect(showControls('RTX 4090 – 24 GiB ✓ 日本')).toBe('RTX 4090 – 24 GiB ✓ 日本');
  });
  it('a knowledge-base text with a terminal escape is refused', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'fa-ctl-')), 'gpus.yaml');
    writeFileSync(
      file,
      'gpus:\n  - id: evil\n    name: "Evil \\e]0;title\\a Card"\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: test }]\n',
    );
    const r = await runCli(['gpus', '--kb', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gpus\.yaml:3:11: gpus\[0\] \(evil\)\.name: must not contain control characters/);
    expect(r.stderr).not.toMatch(/\u001b/);
  });
});

describe('a sizing flag of the other family', () => {
  it("is a usage error in recommend, naming the goal's family, as in estimate", async () => {
    await expectUsageError(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--seq-len', '512'],
      /^error: --seq-len is for language models; --goal style is an image goal \(use --resolution\)\./,
    );
    await expectUsageError(
      ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--vram', '24', '--time', '2h', '--resolution', '512'],
      /^error: --resolution is for image models; --goal task is a language goal \(use --seq-len\)\./,
    );
    await expectUsageError(
      ['estimate', '--technique', 'lora', '--model', 'sdxl', '--seq-len', '512'],
      /^error: --seq-len is for language models; sdxl is an image model \(use --resolution\)\./,
    );
  });
});

describe('DEBUG', () => {
  it('0, false, no, off and empty are off; anything else is on', () => {
    for (const v of ['0', 'false', 'FALSE', 'no', 'off', '', ' 0 ', undefined])
      expect(debugEnabled({ DEBUG: v }), String(v)).toBe(false);
    for (const v of ['1', 'true', '*', 'finetune-advisor']) expect(debugEnabled({ DEBUG: v }), v).toBe(true);
  });
  it('an internal error with DEBUG=0 prints the hint and no stack', () => {
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: { DEBUG: '0' },
      stdoutIsTTY: false,
      stdinIsTTY: false,
    };
    expect(reportError(new Error('boom'), io)).toBe(1);
    expect(stderr).toBe('error: boom (set DEBUG=1 for details)\n');
    stderr = '';
    reportError(new Error('boom'), { ...io, env: { DEBUG: '1' } });
    expect(stderr).toMatch(/^error: boom\n.*\n\s+at /s);
  });
});
