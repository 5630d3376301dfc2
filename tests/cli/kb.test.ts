// Extending the knowledge base: a user file adds a GPU and a team rule; `kb validate` and `kb init`.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'fa-kbcli-'));
const gpuFile = join(tmp, 'gpus.yaml');
writeFileSync(
  gpuFile,
  `gpus:
  - id: rtx-4000-ada
    name: NVIDIA RTX 4000 Ada Generation
    vendor: nvidia
    vramGB: 20
    memoryMiB: 20475
    bf16: true
    tflops: 76.7
    bandwidthGBs: 360
    aliases: ["RTX 4000 Ada", "RTX 4000 Ada Generation"]
    sources:
      - ref: thamada/nvidia-smi gls/database.py
        for: [vramGB, bandwidthGBs, memoryMiB]
      - ref: derived
        for: [tflops]
        derived: 153.4 dense FP8 tensor TFLOPS / 2
`,
);
const ruleFile = join(tmp, 'rules.yaml');
writeFileSync(
  ruleFile,
  `rules:
  - id: no-full-checkpoints
    kind: hard
    description: We never train full checkpoints
    check: { fact: technique.method, op: ne, value: full }
    reason: { pass: adapters only, fail: "trains every weight; team policy is adapters only" }
`,
);

describe('--kb extensions', () => {
  it('a user GPU and a team rule that disables full fine-tuning change the advice', async () => {
    const base = [
      'recommend',
      '--goal',
      'subject',
      '--model',
      'sd15',
      '--time',
      '4h',
      '--priority',
      'quality',
      '--json',
    ];
    // without the extension the card is unknown
    const unknown = await runCli([...base, '--gpu', 'RTX 4000 Ada']);
    expect(unknown.code).toBe(2);
    const before = JSON.parse((await runCli([...base, '--gpu', 'RTX 4000 Ada', '--kb', gpuFile])).stdout);
    expect(before.answers.gpu).toBe('rtx-4000-ada');
    expect(before.gpu.vramGiB).toBeCloseTo(20475 / 1024, 2);
    expect(before.recommendation.id).toBe('dreambooth');
    const after = JSON.parse(
      (await runCli([...base, '--gpu', 'RTX 4000 Ada', '--kb', gpuFile, '--kb', ruleFile])).stdout,
    );
    expect(after.recommendation.id).not.toBe('dreambooth');
    const db = after.ranking.find((r: { id: string }) => r.id === 'dreambooth');
    expect(db.eligible).toBe(false);
    expect(db.rules.find((r: { rule: string }) => r.rule === 'no-full-checkpoints')).toMatchObject({
      passed: false,
      effect: 'ineligible',
    });
  });

  it('FINETUNE_ADVISOR_KB works like --kb, and listings say where entries came from', async () => {
    const r = await runCli(['gpus'], { FINETUNE_ADVISOR_KB: gpuFile, COLUMNS: '160' });
    expect(r.stdout).toMatch(/rtx-4000-ada .*gpus\.yaml/);
    expect(r.stdout).toMatch(/rtx-4090 .*bundled/);
    const json = JSON.parse((await runCli(['gpus', '--json'], { FINETUNE_ADVISOR_KB: gpuFile })).stdout);
    expect(json.find((g: { id: string }) => g.id === 'rtx-4000-ada').origin).toMatch(/gpus\.yaml$/);
  });

  it('a bundled rule can be switched off by id', async () => {
    const off = join(tmp, 'off.yaml');
    writeFileSync(off, 'rules:\n  - id: fits-time\n    disabled: true\n');
    const args = [
      'recommend',
      '--goal',
      'task',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'h100-sxm',
      '--time',
      '20m',
      // a run of the user's data is never shortened: about a day of it
      '--examples',
      '200000',
      '--json',
    ];
    expect((await runCli(args)).code).toBe(3);
    const r = await runCli([...args, '--kb', off]);
    expect(r.code).toBe(0);
  });
});

describe('kb validate and kb init', () => {
  it('the bundled knowledge base is valid', async () => {
    const r = await runCli(['kb', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/7 files, \d+ entries: 0 errors, \d+ warnings?: valid\./);
  });
  it('--strict fails on warnings', async () => {
    const shadow = join(tmp, 'shadow.yaml');
    writeFileSync(
      shadow,
      'gpus:\n  - { id: shadow, name: Shadow, vendor: nvidia, vramGB: 8, bf16: true, tflops: 10, bandwidthGBs: 100, aliases: ["NVIDIA GeForce RTX 3070"], sources: [{ ref: test }] }\n',
    );
    const lax = await runCli(['kb', 'validate', shadow]);
    expect(lax.code).toBe(1); // an alias equal to another card's alias is an error
    const named = join(tmp, 'named.yaml');
    writeFileSync(
      named,
      'gpus:\n  - { id: named, name: Named, vendor: nvidia, vramGB: 8, bf16: true, tflops: 10, bandwidthGBs: 100, aliases: ["NVIDIA RTX A6000 48GB edition"], sources: [{ ref: test, for: [vramGB] }] }\n',
    );
    const warn = await runCli(['kb', 'validate', named]);
    expect(warn.stderr).toMatch(/named\.yaml:2:\d+: warning: 'tflops' of 'named' has no source/);
    expect(warn.code).toBe(0);
    expect((await runCli(['kb', 'validate', named, '--strict'])).code).toBe(1);
  });
  it('kb init writes a starter that validates, and will not overwrite without --force', async () => {
    const file = join(tmp, 'starter.yaml');
    expect((await runCli(['kb', 'init', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^# yaml-language-server: \$schema=/);
    const v = await runCli(['kb', 'validate', file]);
    expect(v.code).toBe(0);
    const again = await runCli(['kb', 'init', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect((await runCli(['kb', 'init', file, '--force'])).code).toBe(0);
  });
});

describe('kb init never writes through a link, and says plainly why it cannot write', () => {
  const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
  const fresh = () => mkdtempSync(join(tmpdir(), 'fa-kbinit-'));

  it('a dangling symbolic link is refused, and its target is not created', async () => {
    const d = fresh();
    symlinkSync(join(d, 'target.yaml'), join(d, 'link.yaml'));
    for (const extra of [[], ['--force']]) {
      const r = await runCli(['kb', 'init', join(d, 'link.yaml'), ...extra]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: ${join(d, 'link.yaml')}: is a symbolic link; kb init does not write through links\n`,
      );
      expect(existsSync(join(d, 'target.yaml'))).toBe(false);
    }
  });

  it("--force does not overwrite a link's target", async () => {
    const d = fresh();
    writeFileSync(join(d, 'precious.txt'), 'keep me\n');
    symlinkSync(join(d, 'precious.txt'), join(d, 'kb.yaml'));
    const r = await runCli(['kb', 'init', join(d, 'kb.yaml'), '--force']);
    expect(r.code).toBe(1);
    expect(readFileSync(join(d, 'precious.txt'), 'utf8')).toBe('keep me\n');
    expect(lstatSync(join(d, 'kb.yaml')).isSymbolicLink()).toBe(true);
  });

  it('--force replaces a regular file through a temporary file: same permissions, nothing left beside it', async () => {
    const d = fresh();
    const file = join(d, 'kb.yaml');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    const r = await runCli(['kb', 'init', file, '--force']);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^# yaml-language-server/);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['kb.yaml']);
  });

  it('a folder, a missing folder or a special file: one plain sentence, exit 1, no internal-error hint', async () => {
    const d = fresh();
    const cases: Array<[string[], string]> = [
      [['kb', 'init', d], `error: ${d}: is a folder, not a file\n`],
      [['kb', 'init', d, '--force'], `error: ${d}: is a folder, not a file\n`],
      [
        ['kb', 'init', join(d, 'no', 'kb.yaml')],
        `error: ${join(d, 'no', 'kb.yaml')}: the folder ${join(d, 'no')} does not exist\n`,
      ],
      [['kb', 'init', '/dev/null', '--force'], 'error: /dev/null: not a regular file\n'],
    ];
    for (const [argv, stderr] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr).toBe(stderr);
    }
  });

  it('a read-only folder: permission denied, exit 1 (checked as an unprivileged user when run as root)', () => {
    const d = fresh();
    chmodSync(d, 0o755); // enterable, writable only by its owner
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(d, 0o555);
    const argv = [BIN, 'kb', 'init', join(d, 'kb.yaml')];
    const r = asRoot
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv], {
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, argv, { encoding: 'utf8' });
    if (asRoot && r.error) {
      console.warn('skipped: running as root without setpriv, so a permission failure cannot be provoked');
      return;
    }
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: ${join(d, 'kb.yaml')}: permission denied\n`);
  });

  it("kb init '' is a usage error", async () => {
    const r = await runCli(['kb', 'init', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: kb init needs a file name; '' is an empty name.\n");
  });
});

describe('--no-color', () => {
  it('every command accepts it', async () => {
    const file = join(tmp, 'nocolor.yaml');
    const commands = [
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
      ['compare'],
      ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090'],
      ['techniques'],
      ['techniques', 'show', 'qlora'],
      ['models'],
      ['gpus'],
      ['kb', 'validate'],
      ['kb', 'schema'],
      ['kb', 'init', file],
    ];
    for (const argv of commands) {
      const r = await runCli([...argv, '--no-color'], {}, true);
      expect(r.stderr, argv.join(' ')).not.toMatch(/unknown option/);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).not.toMatch(/\u001b\[/);
    }
  });
});
