// Precision the card has: on a card without bf16 (T4, V100: compute capability below 8.0) a bf16
// recipe runs as fp16 mixed precision with loss scaling, in estimate and recommend alike, and the
// answer says so; a precision the user fixed is kept (with the assumption's warning).
import { describe, expect, it } from 'vitest';

import { runCli, splitFlags } from '../helpers.js';

const json = async (flags: string) => {
  const r = await runCli([...splitFlags(flags), '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

describe('a bf16 recipe on a card without bf16', () => {
  it('estimate runs it as mixed-fp16 with loss scaling and says so', async () => {
    const t4 = await json('estimate --technique qlora --model llama-3.1-8b --gpu t4');
    expect(t4.settings.precision).toBe('mixed-fp16');
    expect(t4.assumptions.join('\n')).toMatch(
      /mixed-fp16 with loss scaling instead of the recipe's (mixed-)?bf16: Tesla T4 has no bf16/,
    );
    const a100 = await json('estimate --technique qlora --model llama-3.1-8b --gpu a100-80gb');
    expect(a100.settings.precision).toMatch(/bf16/);
  });
  it('a precision the user gave is kept', async () => {
    const fixed = await json('estimate --technique qlora --model llama-3.1-8b --gpu t4 --precision mixed-bf16');
    expect(fixed.settings.precision).toBe('mixed-bf16');
    expect(fixed.assumptions.join('\n')).toMatch(/has no native bf16/);
  });
  it('recommend plans the same precision, names the change, and estimate with its flags agrees', async () => {
    const r = await json('recommend --goal chat --model llama-3.1-8b --gpu t4 --time 8h');
    const rec = r.recommendation;
    expect(rec.settings.precision).toBe('mixed-fp16');
    expect(rec.precisionChange).toEqual({ from: expect.stringMatching(/bf16/), to: 'mixed-fp16' });
    const e = await json(`estimate --technique ${rec.id} --model llama-3.1-8b --gpu t4 ${rec.estimateFlags.join(' ')}`);
    expect(e.settings.precision).toBe('mixed-fp16');
    const text = await runCli(splitFlags('recommend --goal chat --model llama-3.1-8b --gpu t4 --time 8h'));
    expect(text.stdout).toMatch(/Dtype +mixed-fp16 with loss scaling instead of the recipe's/);
  });
  it("an SDXL run in fp16 gets the knowledge base's fp16-fix VAE pitfall", async () => {
    const r = await json('recommend --goal subject --model sdxl --gpu t4 --time 4h');
    expect(r.recommendation.settings.precision).toMatch(/fp16/);
    expect(JSON.stringify(r.recommendation.pitfalls)).toMatch(/fp16-fix VAE/);
  });
});
