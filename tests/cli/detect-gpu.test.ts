// GPU detection with fake nvidia-smi scripts on PATH (tests/fixtures/nvidia-smi/*).
import { describe, expect, it } from 'vitest';
import { detectGpus, parseNvidiaSmi } from '../../src/cli/detect-gpu.js';
import { bundledKb, runCli } from '../helpers.js';

const fake = (name: string) => ({ PATH: `${new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url).pathname}:/usr/bin:/bin` });
const kb = bundledKb();

describe('detectGpus', () => {
  it('one GPU: matched to the catalogue by the name nvidia-smi prints', () => {
    const d = detectGpus(kb, fake('one'));
    expect(d.problem).toBeNull();
    expect(d.gpus).toEqual([{ name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564, gpu: expect.objectContaining({ id: 'rtx-4090' }) }]);
  });
  it('two GPUs: both listed; cards sharing a name are told apart by memory', () => {
    const d = detectGpus(kb, fake('two'));
    expect(d.gpus.map((g) => g.gpu?.id)).toEqual(['a100-80gb', 'rtx-3080-12gb']);
  });
  it('an unknown card keeps its reported memory', () => {
    const d = detectGpus(kb, fake('unknown'));
    expect(d.gpus).toEqual([{ name: 'NVIDIA Quantum Blaster 9000', memoryMiB: 65536, gpu: null }]);
  });
  it('garbage output finds nothing and says why', () => {
    const d = detectGpus(kb, fake('garbage'));
    expect(d.gpus).toEqual([]);
    expect(d.problem).toMatch(/not a GPU list/);
  });
  it('a hanging nvidia-smi is given up after the timeout', () => {
    const started = Date.now();
    const d = detectGpus(kb, fake('hang'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(d.problem).toMatch(/did not answer/);
  });
  it('no nvidia-smi: nothing found, silently', () => {
    expect(detectGpus(kb, { PATH: '/nonexistent' })).toEqual({ gpus: [], problem: null });
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
