// --trainer on estimate: checked against the knowledge base's trainers and the model's family, the
// family's default without it, and the trainer's defaults over the recipe (trainers.yaml).
import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers.js';

const LLM = ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--json'];

describe('--trainer', () => {
  it('an unknown id: exit 2, one line naming the flag and the allowed ids', async () => {
    const r = await runCli([...LLM, '--trainer', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(
      /^error: --trainer 'nope' is not a trainer\. Allowed: diffusers, kohya,.* ms-swift\.$/,
    );
  });

  it('a trainer of the other family is a usage error naming the trainers for the model', async () => {
    const r = await runCli([...LLM, '--trainer', 'kohya']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--trainer kohya trains image models; llama-3.1-8b is a language model. Allowed for it: transformers, trl,',
    );
    const image = await runCli(['estimate', '--technique', 'lora', '--model', 'sdxl', '--trainer', 'unsloth']);
    expect(image.code).toBe(2);
    expect(image.stderr).toContain(
      'Allowed for it: diffusers, kohya, ai-toolkit, onetrainer, simpletuner, musubi-tuner.',
    );
  });

  it('--attention takes eager, sdpa or flash', async () => {
    const r = await runCli([...LLM, '--attention', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('eager, sdpa, flash');
  });

  it('without it the family default is named as the default, in the JSON and the assumptions', async () => {
    const r = await runCli(LLM);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { trainer: { id: string; isDefault: boolean }; assumptions: string[] };
    expect(json.trainer).toMatchObject({ id: 'transformers', isDefault: true });
    expect(json.assumptions[0]).toContain('the default for language models (not given; pass --trainer)');
    const image = JSON.parse((await runCli(['estimate', '--technique', 'lora', '--model', 'sdxl', '--json'])).stdout);
    expect(image.trainer).toMatchObject({ id: 'diffusers', isDefault: true });
  });

  it("applies the trainer's defaults over the recipe, and the flags over both", async () => {
    // TRL's SFTConfig: gradient_checkpointing "Defaults to `True` instead of `False`" (trl@f2cd5771)
    const trl = JSON.parse((await runCli([...LLM, '--trainer', 'trl'])).stdout);
    expect(trl.trainer).toMatchObject({ id: 'trl', isDefault: false });
    expect(trl.settings.gradientCheckpointing).toBe(true);
    const off = JSON.parse((await runCli([...LLM, '--trainer', 'trl', '--no-gradient-checkpointing'])).stdout);
    expect(off.settings.gradientCheckpointing).toBe(false);
    // Unsloth's from_pretrained: load_in_4bit = True (unsloth@015bdef0): LoRA on an NF4 base
    const unsloth = JSON.parse((await runCli([...LLM, '--trainer', 'unsloth'])).stdout);
    expect(unsloth.settings.quantize).toBe('nf4');
    expect(unsloth.vram.peakGiB).toBeLessThan(trl.vram.peakGiB);
    const attention = JSON.parse((await runCli([...LLM, '--attention', 'eager'])).stdout);
    expect(attention.trainer.attention).toBe('eager');
  });
});

describe('recommend --trainer', () => {
  const ARGS = ['recommend', '--goal', 'chat', '--model', 'qwen3-8b', '--gpu', 'rtx-3060', '--time', '8h'];
  it('plans every technique for the trainer named, else the family default, and says which', async () => {
    const given = JSON.parse((await runCli([...ARGS, '--trainer', 'unsloth', '--json'])).stdout);
    expect(given.answers.trainer).toBe('unsloth');
    expect(given.answers.trainerIsDefault).toBe(false);
    // Unsloth loads the base in 4-bit and offloads the checkpoints
    expect(given.recommendation.settings.quantize).toBe('nf4');
    const dflt = JSON.parse((await runCli([...ARGS, '--json'])).stdout);
    expect(dflt.answers.trainer).toBe('transformers');
    expect(dflt.answers.trainerIsDefault).toBe(true);
    const text = await runCli(ARGS);
    expect(text.stdout.replace(/\s+/g, ' ')).toContain('priority balanced, trainer transformers (default)');
  });
  it('the estimate it offers to run names the trainer and gives the same run', async () => {
    const r = await runCli([...ARGS, '--trainer', 'unsloth', '--json']);
    const rec = JSON.parse(r.stdout).recommendation;
    const text = await runCli([...ARGS, '--trainer', 'unsloth'], { COLUMNS: '400' });
    const line = text.stdout.split('\n').find((l) => l.startsWith('finetune-advisor estimate'))!;
    expect(line).toContain('--trainer unsloth');
    const est = await runCli([...line.replace('finetune-advisor ', '').split(' '), '--json']);
    expect(JSON.parse(est.stdout).time.stepSeconds).toBeCloseTo(rec.estimates.time.stepSeconds, 2);
  });
  it('a trainer of the other family is a usage error naming the allowed ones', async () => {
    const r = await runCli([...ARGS, '--trainer', 'kohya']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --trainer kohya trains image models; qwen3-8b is a language model\. Allowed for it: transformers, /,
    );
  });
  it('ranks only the techniques the trainer runs, and names the trainers of a better one it does not', async () => {
    const SUBJECT = ['recommend', '--goal', 'subject', '--model', 'sdxl', '--vram', '24', '--time', '4h'];
    const all = JSON.parse((await runCli([...SUBJECT, '--json'])).stdout);
    expect(all.notRunByTrainer).toBeNull();
    const r = await runCli([...SUBJECT, '--trainer', 'simpletuner', '--json']);
    const json = JSON.parse(r.stdout);
    // SimpleTuner has no prior-preservation LoRA and no textual inversion (trainers.md section 15)
    const ids = json.ranking.map((t: { id: string }) => t.id);
    expect(ids).not.toContain('dreambooth-lora');
    expect(ids).not.toContain('textual-inversion');
    expect(ids).toContain('lora');
    // SimpleTuner trains and saves in bf16: LoKr's factor -1 file (5.5 MB) scores above LoRA's on size
    expect(json.recommendation.id).toBe('lokr');
    expect(json.notRunByTrainer).toEqual({
      technique: 'dreambooth-lora',
      name: 'DreamBooth-LoRA',
      trainers: ['diffusers', 'kohya', 'ai-toolkit'],
    });
    const text = await runCli([...SUBJECT, '--trainer', 'simpletuner', '--no-color'], { COLUMNS: '400' });
    expect(text.stdout).toContain(
      'Note: simpletuner does not run DreamBooth-LoRA (dreambooth-lora), which would rank above this; it runs on --trainer diffusers, kohya, ai-toolkit.',
    );
    const md = await runCli([...SUBJECT, '--trainer', 'simpletuner', '--format', 'markdown']);
    expect(md.stdout).toContain('**Note:** simpletuner does not run DreamBooth-LoRA (dreambooth-lora)');
    // a trainer that runs the winner: no note
    const kohya = JSON.parse((await runCli([...SUBJECT, '--trainer', 'kohya', '--json'])).stdout);
    expect(kohya.recommendation.id).toBe(all.recommendation.id);
    expect(kohya.notRunByTrainer).toBeNull();
  });
});
