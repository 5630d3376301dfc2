// GPU detection with fake nvidia-smi scripts on PATH (tests/fixtures/nvidia-smi/*).
import { describe, expect, it } from 'vitest';

import { detectGpus, parseNvidiaSmi } from '../../src/cli/detect-gpu.js';
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

describe('gpus --detect', () => {
  it('prints what was found', async () => {
    const r = await runCli(['gpus', '--detect'], fake('two'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPU 0: NVIDIA A100-SXM4-80GB, 80 GiB -> a100-80gb/);
    expect(r.stdout).toMatch(/GPU 1: NVIDIA GeForce RTX 3080, 12 GiB -> rtx-3080-12gb/);
    const j = JSON.parse((await runCli(['gpus', '--detect', '--json'], fake('unknown'))).stdout);
    expect(j.gpus).toEqual([{ name: 'NVIDIA Quantum Blaster 9000', memoryMiB: 65536, id: null }]);
  });
});
