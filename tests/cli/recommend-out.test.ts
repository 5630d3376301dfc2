// recommend --trainer T --out DIR: the recommended run, as the answer shows it (its savers and
// steps), written as the trainer's files by config's writers; the same refusals as config.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { runCli } from '../helpers.js';

const style = ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'rtx-4090', '--time', '2h'];

describe('recommend --out', () => {
  it("writes the trainer's files for the recommended run, its settings as recommended", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-rec-out-')), 'run1');
    const r = await runCli([...style, '--trainer', 'kohya', '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      recommendation: { id: string; settings: { rank: number; steps: number; gradientCheckpointing: boolean } };
      config: { trainer: string; files: Array<{ name: string; path: string }>; launch: string };
    };
    expect(j.config.trainer).toBe('kohya');
    const train = j.config.files.find((f) => f.name === 'train.toml')!;
    expect(train.path).toBe(join(dir, 'train.toml'));
    const toml = parseToml(readFileSync(train.path, 'utf8')) as Record<string, unknown>;
    const settings = j.recommendation.settings;
    expect(toml.network_dim).toBe(settings.rank);
    expect(toml.max_train_steps).toBe(settings.steps);
    // the savers the answer added are in the files (gradient checkpointing to fit the 4090)
    expect(toml.gradient_checkpointing).toBe(settings.gradientCheckpointing);
    expect(j.config.launch).toContain(join(dir, 'train.toml'));
    expect(readFileSync(train.path, 'utf8')).toMatch(/^# Written by: finetune-advisor recommend --goal style /);
  });

  it('a language run with trl: its YAML in the folder, the text answer followed by where it went', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-rec-out-'));
    const args = ['recommend', '--goal', 'task', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--time', '8h'];
    const r = await runCli([...args, '--trainer', 'trl', '--out', dir, '--no-color']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Recommendation: /);
    expect(r.stdout).toContain(`wrote ${join(dir, 'sft.yaml')}`);
    expect(parseYaml(readFileSync(join(dir, 'sft.yaml'), 'utf8'))).toHaveProperty('model_name_or_path');
  });

  it('never overwrites without --force (exit 1, nothing printed); --out needs --trainer, --force needs --out (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-rec-out-'));
    expect((await runCli([...style, '--trainer', 'kohya', '--out', dir])).code).toBe(0);
    const again = await runCli([...style, '--trainer', 'kohya', '--out', dir]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/train\.toml exists; pass --force/);
    expect((await runCli([...style, '--trainer', 'kohya', '--out', dir, '--force'])).code).toBe(0);
    const noTrainer = await runCli([...style, '--out', join(dir, 'x')]);
    expect(noTrainer.code).toBe(2);
    expect(noTrainer.stderr).toMatch(/--out writes a trainer's files .* pass --trainer too/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect((await runCli([...style, '--force'])).code).toBe(2);
  });
});

// the planner's quantized base is one the named trainer loads (its savers: fp8-base, nf4-base), so
// the recommendation is a run its files can hold
describe('a named trainer plans the quantized bases it loads', () => {
  const flux = ['recommend', '--goal', 'style', '--model', 'flux-dev', '--gpu', 'rtx-4090', '--time', '8h'];
  it('ai-toolkit on FLUX at 24 GB: its fp8 base (qfloat8), written as model.quantize', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-rec-q-')), 'run');
    const r = await runCli([...flux, '--trainer', 'ai-toolkit', '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { recommendation: { settings: { quantize: string } } };
    expect(j.recommendation.settings.quantize).toBe('fp8');
    const job = parseYaml(readFileSync(join(dir, 'job.yaml'), 'utf8')) as {
      config: { process: Array<{ model: { quantize: boolean } }> };
    };
    expect(job.config.process[0]!.model.quantize).toBe(true);
  });
  it('diffusers, whose scripts load no quantized base: nothing fits, and the 8-bit base is named with the trainers that load it', async () => {
    const r = await runCli([...flux, '--trainer', 'diffusers', '--no-color'], { COLUMNS: '400' });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/on a 8-bit fp8 base with --trainer kohya, ai-toolkit[^\n]* fits in [\d.]+ GiB/);
  });
  it('without --trainer the default stack keeps the generic 8-bit base (int8)', async () => {
    const j = JSON.parse((await runCli([...flux, '--json'])).stdout) as {
      recommendation: { settings: { quantize: string } };
    };
    expect(j.recommendation.settings.quantize).toBe('int8');
  });
});
