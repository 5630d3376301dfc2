// Values out of range (issue 13, item 6). A rank beyond the model's width and a batch no card takes
// are usage errors of one line naming the flag and the range, in `estimate` and `recommend` alike,
// and the questions refuse a model the --rank given does not fit, with the same line. A sequence
// past the context length and a resolution off the 64 px buckets are published practice
// (resolve.ts runRangeWarnings): a warning on stderr, never in the JSON.
import { describe, expect, it } from 'vitest';

import { runRangeProblem, runRangeWarnings } from '../../src/cli/resolve.js';
import { scaledModel } from '../../src/engine/custom-model.js';
import { bundledKb, expectUsageError, runCli, splitFlags } from '../helpers.js';

const ESTIMATE_LLM = 'estimate --technique lora --model llama-2-7b --gpu a100-80gb';
const RECOMMEND_LLM = 'recommend --goal task --model llama-2-7b --gpu a100-80gb --time 8h --no-input';
const ESTIMATE_IMAGE = 'estimate --technique lora --model sdxl --gpu rtx-4090';
const RECOMMEND_IMAGE = 'recommend --goal style --model sdxl --gpu rtx-4090 --time 2h --no-input';

const errors: Array<[string, string, string, RegExp]> = [
  [
    'rank beyond the width',
    'llm',
    '--rank 8192',
    /^error: --rank 8192 is beyond llama-2-7b's width \(no matrix it adapts has a rank above 4096\): use 1\.\.4096\.$/m,
  ],
  [
    'rank beyond the denoiser width',
    'image',
    '--rank 2048',
    /^error: --rank 2048 is beyond sdxl's width \(no matrix it adapts has a rank above 1280\): use 1\.\.1280\.$/m,
  ],
  [
    'rank absurd',
    'llm',
    '--rank 100000',
    /--rank.*'100000' is invalid\. Expected a rank: a whole number from 1 to 65536\./,
  ],
  [
    'batch absurd',
    'llm',
    '--batch 100000',
    /--batch.*'100000' is invalid\. Expected a batch size: a whole number from 1 to 4096\./,
  ],
  [
    'seq-len below 16',
    'llm',
    '--seq-len 0',
    /--seq-len.*'0' is invalid\. Expected a sequence length in tokens: a whole number from 16/,
  ],
  [
    'resolution too small',
    'image',
    '--resolution 32',
    /--resolution.*'32' is invalid\. Expected a resolution: a side in pixels \(512\) or WIDTHxHEIGHT \(832x480\), each a whole number from 64 to 8192/,
  ],
  [
    'resolution too large',
    'image',
    '--resolution 16384',
    /--resolution.*'16384' is invalid\. Expected a resolution: a side in pixels \(512\) or WIDTHxHEIGHT \(832x480\), each a whole number from 64 to 8192/,
  ],
];
const BASES = {
  estimate: { llm: ESTIMATE_LLM, image: ESTIMATE_IMAGE },
  recommend: { llm: RECOMMEND_LLM, image: RECOMMEND_IMAGE },
} as const;

describe('ranges', () => {
  for (const command of ['estimate', 'recommend'] as const)
    it.each(errors)(`${command}: %s`, (_n, family, flags, message) =>
      expectUsageError(splitFlags(`${BASES[command][family as 'llm' | 'image']} ${flags}`), message),
    );

  const warned: Array<[string, string, RegExp]> = [
    [
      `${ESTIMATE_LLM} --seq-len 16384 --json`,
      'seqLen',
      /^warning: --seq-len 16384 is beyond llama-2-7b's context length 4096: training at it needs RoPE scaling \(context extension\); estimated as given\.\n$/,
    ],
    [
      `${RECOMMEND_LLM} --seq-len 16384 --json`,
      'seqLen',
      /^warning: --seq-len 16384 is beyond llama-2-7b's context length 4096/,
    ],
    [
      `${ESTIMATE_IMAGE} --resolution 1000 --json`,
      'resolution',
      /^warning: --resolution 1000 is not a multiple of 64: trainers bucket it to 960 \(kohya\) or the nearest multiple \(SimpleTuner\); estimated as given\.\n$/,
    ],
    [
      `${RECOMMEND_IMAGE} --resolution 1000 --json`,
      'resolution',
      /^warning: --resolution 1000 is not a multiple of 64/,
    ],
  ];
  it.each(warned)('%s: a warning on stderr, the JSON intact', async (argv, _key, warning) => {
    const r = await runCli(splitFlags(argv));
    expect([0, 3]).toContain(r.code); // 3: nothing fits, still an answer
    expect(r.stderr).toMatch(warning);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('the limits themselves pass without a word: seq-len at the context length, rank at the width, a multiple of 64', async () => {
    for (const argv of [
      `${ESTIMATE_LLM} --seq-len 4096 --rank 4096 --json`,
      `${RECOMMEND_LLM} --seq-len 4096 --json`,
      `${ESTIMATE_IMAGE} --resolution 960 --rank 1280 --json`,
      `${RECOMMEND_IMAGE} --resolution 960 --json`,
    ]) {
      const r = await runCli(splitFlags(argv));
      expect(r.stderr).toBe('');
      expect([0, 3]).toContain(r.code);
      expect(() => JSON.parse(r.stdout)).not.toThrow();
    }
  });

  it('a model by parameter count: no context length of its own, so no --seq-len warning; --rank is checked', async () => {
    const base = 'recommend --goal task --model-params 7 --gpu a100-80gb --time 8h --no-input --json';
    const r = await runCli(splitFlags(`${base} --seq-len 262144`));
    expect(r.stderr).toBe('');
    expect([0, 3]).toContain(r.code);
    await expectUsageError(splitFlags(`${base} --rank 60000`), /^error: --rank 60000 is beyond custom-llm-7b's width/m);
  });

  it('the checks the questions use: the model picked against the flags given', () => {
    const kb = bundledKb();
    const llama2 = kb.models.find((m) => m.id === 'llama-2-7b')!;
    expect(runRangeProblem(llama2, { rank: 64 })).toBeNull();
    expect(runRangeProblem(llama2, { rank: 4097 })).toMatch(/^--rank 4097 is beyond llama-2-7b's width/);
    expect(runRangeWarnings(llama2, { seqLen: 4096 })).toEqual([]);
    expect(runRangeWarnings(llama2, { seqLen: 8192 })).toHaveLength(1);
    const scaled = scaledModel(kb, 'llm', 7);
    expect(runRangeWarnings(scaled, { seqLen: 1048576 }, true)).toEqual([]);
    expect(runRangeProblem(scaled, { rank: 1e5 })).toMatch(/^--rank 100000 is beyond/);
  });
});
