// GPU detection with fake nvidia-smi scripts on PATH (tests/fixtures/nvidia-smi/*).
import { describe, expect, it } from 'vitest';

import { detectGpus, parseNvidiaSmi } from '../../src/cli/detect-gpu.js';
import { detectedSets } from '../../src/cli/detected-sets.js';
import { bundledKb, runCli } from '../helpers.js';

const fake = (name: string) => ({
  PATH: `${new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url).pathname}:/usr/bin:/bin`,
});
const kb = bundledKb();

describe('detectGpus', () => {
  it('one GPU: matched to the catalogue by the name nvidia-smi prints', async () => {
    const d = await detectGpus(kb, fake('one'));
    expect(d.problem).toBeNull();
    expect(d.gpus).toEqual([
      { name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564, gpu: expect.objectContaining({ id: 'rtx-4090' }) },
    ]);
  });
  it('two GPUs: both listed; cards sharing a name are told apart by memory', async () => {
    const d = await detectGpus(kb, fake('two'));
    expect(d.gpus.map((g) => g.gpu?.id)).toEqual(['a100-80gb', 'rtx-3080-12gb']);
  });
  it('an unknown card keeps its reported memory', async () => {
    const d = await detectGpus(kb, fake('unknown'));
    expect(d.gpus).toEqual([{ name: 'NVIDIA Quantum Blaster 9000', memoryMiB: 65536, gpu: null }]);
  });
  it('garbage output finds nothing and says why', async () => {
    const d = await detectGpus(kb, fake('garbage'));
    expect(d.gpus).toEqual([]);
    expect(d.problem).toMatch(/not a GPU list/);
  });
  it('a hanging nvidia-smi is given up after the timeout', async () => {
    const started = Date.now();
    const d = await detectGpus(kb, fake('hang'), 200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(d.problem).toBe('nvidia-smi did not answer within 0.2 s');
  });
  it('the timeout holds when a child of nvidia-smi keeps its output open', async () => {
    const started = Date.now();
    const d = await detectGpus(kb, fake('hang-holding-output'), 200);
    expect(Date.now() - started).toBeLessThan(1500); // the child sleeps 3 s
    expect(d.problem).toMatch(/did not answer/);
  });
  it('does not block: timers run while nvidia-smi is asked (a signal handler can too)', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    await detectGpus(kb, fake('hang'), 300);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
  it('a nvidia-smi killed by Ctrl-C is an interrupt, not a detection problem', async () => {
    await expect(detectGpus(kb, fake('interrupted'))).rejects.toMatchObject({ name: 'InterruptedError' });
  });
  it('no nvidia-smi: nothing found, silently', async () => {
    expect(await detectGpus(kb, { PATH: '/nonexistent' })).toEqual({ gpus: [], problem: null });
  });
  it('parses MiB suffixes and rejects prose', () => {
    expect(parseNvidiaSmi('Tesla T4, 15360 MiB\n')).toEqual([{ name: 'Tesla T4', memoryMiB: 15360, gpu: null }]);
    expect(parseNvidiaSmi('No devices were found')).toBeNull();
  });
});

describe('detectedSets', () => {
  it('cards of one kind are one set, in the order listed; different cards are sets of their own', async () => {
    const pair = detectedSets((await detectGpus(kb, fake('pair'))).gpus);
    expect(pair.map((g) => [g.count, g.gpu?.id])).toEqual([[2, 'rtx-4090']]);
    const mixed = detectedSets((await detectGpus(kb, fake('mixed'))).gpus);
    expect(mixed.map((g) => [g.count, g.gpu?.id])).toEqual([
      [2, 'rtx-4090'],
      [1, 'rtx-3090'],
    ]);
  });
  it('cards the catalogue does not know are told apart by name and memory', () =>
    expect(
      detectedSets([
        { name: 'X', memoryMiB: 1000, gpu: null },
        { name: 'X', memoryMiB: 2000, gpu: null },
        { name: 'X', memoryMiB: 1000, gpu: null },
      ]).map((g) => [g.count, g.memoryMiB]),
    ).toEqual([
      [2, 1000],
      [1, 2000],
    ]));
});

describe('gpus --detect', () => {
  it('says how many of what it found, as --gpu takes them', async () => {
    const pair = await runCli(['gpus', '--detect'], fake('pair'));
    expect(pair.stdout).toMatch(/^Found 2 GPUs: 2x NVIDIA GeForce RTX 4090 \(--gpu "2x rtx-4090"\)\.\n/);
    const one = await runCli(['gpus', '--detect'], fake('one'));
    expect(one.stdout).toMatch(/^Found 1 GPU: NVIDIA GeForce RTX 4090 \(--gpu rtx-4090\)\.\n/);
    const j = JSON.parse((await runCli(['gpus', '--detect', '--json'], fake('mixed'))).stdout);
    expect(j.sets).toEqual([
      { count: 2, name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564, id: 'rtx-4090' },
      { count: 1, name: 'NVIDIA GeForce RTX 3090', memoryMiB: 24576, id: 'rtx-3090' },
    ]);
  });
  it('prints what was found', async () => {
    const r = await runCli(['gpus', '--detect'], fake('two'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPU 0: NVIDIA A100-SXM4-80GB, 80 GiB -> a100-80gb/);
    expect(r.stdout).toMatch(/GPU 1: NVIDIA GeForce RTX 3080, 12 GiB -> rtx-3080-12gb/);
    const j = JSON.parse((await runCli(['gpus', '--detect', '--json'], fake('unknown'))).stdout);
    expect(j.gpus).toEqual([{ name: 'NVIDIA Quantum Blaster 9000', memoryMiB: 65536, id: null }]);
  });
});
