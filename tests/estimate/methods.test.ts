// The methods table: each formula on made-up dimensions, and each trait where the estimators and
// the CLI read it (settings defaults, memory, step time, size, the --rank and --quantize checks).
import { describe, expect, it } from 'vitest';

import { estimateMemory } from '../../src/estimate/memory.js';
import { factorizationOf, METHOD_TRAITS, RANKED_METHODS, type TrainableDims } from '../../src/estimate/methods.js';
import { resolveSettings, type TrainingSettings } from '../../src/estimate/settings.js';
import { outputSizeMB } from '../../src/estimate/size.js';
import { estimateStepTime } from '../../src/estimate/time.js';
import type { Model } from '../../src/kb/types.js';
import { type Method, METHODS } from '../../src/kb/vocabulary.js';
import { bundledKb, runCli } from '../helpers.js';

const kb = bundledKb();
const model = (id: string) => kb.models.find((m) => m.id === id)! as Model;
const technique = (id: string) => kb.techniques.find((t) => t.id === id)!;
const settings = (tid: string, mid: string, over: Partial<TrainingSettings> = {}): TrainingSettings => ({
  ...resolveSettings(technique(tid), model(mid))!,
  ...over,
});
const rtx4090 = { tflops: 165, bandwidthGBs: 1008, bf16: true };

// small numbers that make each formula's terms visible
const tokenStream = { hidden: 10, layers: 3, kvHeads: 2, headDim: 5, intermediate: 7 };
const textConditioning = {
  embeddingWidths: [4, 6],
  blocks: [
    { count: 2, width: 3 },
    { count: 1, width: 5 },
  ],
};
const dims = (parts: Partial<TrainableDims> = {}): TrainableDims => ({
  fullParams: (s) => (s.trainTextEncoder ? 1000 : 900),
  adaptedMatrices: (st) => [
    {
      perRank: { qv: 11, attention: 13, 'qvo-mlp': 15, 'attention-mlp': 17, all: 19, experts: 23 }[st.targets],
      outputs: { qv: 2, attention: 3, 'qvo-mlp': 4, 'attention-mlp': 5, all: 7, experts: 11 }[st.targets],
      width: 64,
    },
    // a text encoder's adapters when it is trained
    ...(st.trainTextEncoder ? [{ perRank: 29, outputs: 13, width: 16 }] : []),
  ],
  tokenStream,
  textConditioning,
  ...parts,
});
const s = (over: Partial<TrainingSettings>) =>
  ({ rank: 4, targets: 'attention', virtualTokens: 8, trainTextEncoder: false, ...over }) as TrainingSettings;
const count = (m: Method, over: Partial<TrainingSettings> = {}, d = dims()) =>
  METHOD_TRAITS[m].trainableParams(d, s(over));

describe('trainable-parameter formulas', () => {
  it('full fine-tuning trains what the kind counts as the whole network', () => {
    expect(count('full')).toBe(900);
    expect(count('full', { trainTextEncoder: true })).toBe(1000);
  });
  it('LoRA and QLoRA: rank x (d_in + d_out) over the targeted matrices; LoHa twice that; DoRA adds d_out', () => {
    expect(count('lora')).toBe(4 * 13);
    expect(count('qlora', { targets: 'qv' })).toBe(4 * 11);
    expect(count('loha')).toBe(2 * 4 * 13);
    expect(count('dora')).toBe(4 * 13 + 3);
  });
  it('LoKr: kron(W1, W2) per matrix, W1 factor x factor, W2 rank-r or full (LyCORIS lokr.py)', () => {
    // 13 / (2 x 64) matrices of 64 x 64; factor 4: W1 4 x 4, W2 16 x 16, rank-2 W2 2 x 2 x 16
    const matrices = 13 / 128;
    expect(count('lokr', { rank: 2, factor: 4 })).toBeCloseTo(matrices * (16 + 64), 9);
    expect(count('lokr', { rank: 8, factor: 4 })).toBeCloseTo(matrices * (16 + 256), 9); // r >= n / 2: full W2
    expect(count('lokr', { rank: 1, factor: -1 })).toBeCloseTo(matrices * (64 + 16), 9); // 8 x 8 and 2 x 8
  });
  it("LyCORIS's factorization: the factor when it divides, else the divisor pair nearest the square root", () => {
    expect(factorizationOf(320, -1)).toEqual([16, 20]);
    expect(factorizationOf(768, -1)).toEqual([24, 32]);
    expect(factorizationOf(4096, -1)).toEqual([64, 64]);
    expect(factorizationOf(1280, 8)).toEqual([8, 160]);
    expect(factorizationOf(640, 3)).toEqual([2, 320]); // 3 does not divide 640: the largest m <= 3
    expect(factorizationOf(13, -1)).toEqual([1, 13]);
    const [m, n] = factorizationOf(1000.5, -1); // an average width: its square root
    expect(m * n).toBeCloseTo(1000.5, 9);
  });
  it("a trained text encoder's adapters add to each formula, LoKr's at that encoder's own width", () => {
    const te = { trainTextEncoder: true };
    expect(count('lora', te)).toBe(4 * (13 + 29));
    expect(count('dora', te)).toBe(4 * (13 + 29) + 3 + 13);
    expect(count('loha', te)).toBe(2 * 4 * (13 + 29));
    // the encoder's 29 / 32 matrices of 16 x 16: factor 4 gives W1 4 x 4 and a rank-2 W2 of 2 x 2 x 4
    expect(count('lokr', { rank: 2, factor: 4, ...te }) - count('lokr', { rank: 2, factor: 4 })).toBeCloseTo(
      (29 / 32) * (16 + 16),
      9,
    );
  });
  it("LoKr's size on SD1 attn-mlp with the text encoder is the LyCORIS table's (docs/Guidelines.md)", () => {
    const m = model('sd15');
    const mb = (over: Partial<TrainingSettings>) => {
      const st = settings('lokr', 'sd15', { targets: 'attention-mlp', trainTextEncoder: true, ...over });
      return outputSizeMB(m, st, estimateMemory(m, st).trainableParams);
    };
    // "| LoKr | attn-mlp | 1 [-1] | ... | 940 K |" and "| LoKr | attn-mlp | full [8] | ... | 12 M |".
    // Counted layer by layer (SD1's 16 transformer blocks and CLIP's 12 layers, each matrix factored
    // by LyCORIS's factorization on both sides, one alpha per module): 211,504 parameters at dim 1
    // (0.85 MB in fp32, plus a safetensors header of about 1,000 tensors: the 940 K) and 5,515,784
    // at full dimension, factor 8 (11.0 MB in fp16: the 12 M). Square matrices per block width
    // stand in for the rectangular feed-forwards, within a quarter of those counts.
    const params = (over: Partial<TrainingSettings>) =>
      estimateMemory(m, settings('lokr', 'sd15', { targets: 'attention-mlp', trainTextEncoder: true, ...over }))
        .trainableParams;
    expect(params({ rank: 1, factor: -1 }) / 211504).toBeGreaterThan(0.75);
    expect(params({ rank: 1, factor: -1 }) / 211504).toBeLessThan(1.25);
    expect(params({ rank: 100000, factor: 8 }) / 5515784).toBeGreaterThan(0.75);
    expect(params({ rank: 100000, factor: 8 }) / 5515784).toBeLessThan(1.25);
    expect(mb({ rank: 1, factor: -1, savePrecision: 'fp32' })).toBeCloseTo((params({ rank: 1 }) * 4) / 1e6, 2);
    // the technique's storage range (0.94-113 MB) holds at its recipe, and LoKr is smaller than LoRA
    for (const g of ['sd15', 'sdxl'] as const) {
      const lokr = settings('lokr', g);
      const lora = settings('lora', g, { rank: lokr.rank, targets: lokr.targets });
      const size = (st: TrainingSettings) => outputSizeMB(model(g), st, estimateMemory(model(g), st).trainableParams);
      expect(size(lokr)).toBeGreaterThan(0.94);
      expect(size(lokr)).toBeLessThan(113);
      expect(size(lokr)).toBeLessThan(size(lora));
    }
  });
  it('an adapter without a rank takes the default rank 16', () => {
    expect(count('lora', { rank: null })).toBe(16 * 13);
  });
  it('IA3: one vector per layer over keys, values and the MLP', () => {
    expect(count('ia3')).toBe(3 * (2 * 2 * 5 + 7));
  });
  it('prompt tuning n x hidden, p-tuning adds its three-layer encoder, prefix tuning n x layers x 2 x kv width', () => {
    expect(count('prompt')).toBe(8 * 10);
    expect(count('ptuning')).toBe(3 * 10 * 10 + 3 * 10 + 8 * 10);
    expect(count('prefix')).toBe(8 * 3 * 2 * 2 * 5);
    expect(count('prompt', { virtualTokens: null })).toBe(20 * 10);
  });
  it('textual inversion: n vectors per text encoder width; Custom Diffusion: K and V of every cross-attention', () => {
    expect(count('embedding')).toBe(8 * (4 + 6));
    expect(count('embedding', { virtualTokens: null })).toBe(4 + 6);
    expect(count('crossattn-kv')).toBe(2 * 2 * 4 * 3 + 1 * 2 * 4 * 5 + 4);
  });
  it('a method trains nothing on a kind without the part it needs', () => {
    const llmLike = dims({ textConditioning: null });
    const imageLike = dims({ tokenStream: null });
    for (const m of ['embedding', 'crossattn-kv'] as const) expect(count(m, {}, llmLike), m).toBe(0);
    for (const m of ['ia3', 'prompt', 'ptuning', 'prefix'] as const) expect(count(m, {}, imageLike), m).toBe(0);
  });
});

describe('the table', () => {
  it('has one record per method of the vocabulary', () => {
    expect(Object.keys(METHOD_TRAITS).sort()).toEqual([...METHODS].sort());
  });
  it('takes a rank exactly for the adapters, named in the order the --rank error lists them', () => {
    expect(RANKED_METHODS).toEqual(['lora', 'qlora', 'dora', 'loha', 'lokr']);
    for (const m of METHODS) expect(METHOD_TRAITS[m].rank !== null, m).toBe(METHOD_TRAITS[m].adapter);
  });
  it('an adapter keeps the base frozen', () => {
    for (const m of METHODS) if (METHOD_TRAITS[m].adapter) expect(METHOD_TRAITS[m].trainsEveryWeight, m).toBe(false);
  });
});

describe('traits where the estimators read them', () => {
  it('settings: QLoRA implies NF4, adapters default to rank 16, virtual-token methods to their count', () => {
    expect(settings('qlora', 'llama-3.1-8b').quantize).toBe('nf4');
    const noRank = { ...technique('dora'), defaults: { llm: { ...technique('dora').defaults.llm!, rank: undefined } } };
    expect(resolveSettings(noRank, model('llama-3.1-8b'))!.rank).toBe(16);
    expect(settings('ia3', 'llama-3.1-8b').rank).toBeNull();
    const noTokens = (id: string) => ({
      ...technique(id),
      defaults: Object.fromEntries(
        Object.entries(technique(id).defaults).map(([g, d]) => [g, { ...d, virtualTokens: undefined }]),
      ),
    });
    expect(resolveSettings(noTokens('prefix-tuning'), model('llama-3.1-8b'))!.virtualTokens).toBe(20);
    expect(resolveSettings(noTokens('textual-inversion'), model('sd15'))!.virtualTokens).toBe(1);
    expect(settings('lora', 'llama-3.1-8b').virtualTokens).toBeNull();
  });
  it('memory: prompt tuning lengthens every sequence by its virtual tokens, prefix tuning does not', () => {
    const activations = (tid: string, virtualTokens: number) =>
      estimateMemory(model('llama-3.2-1b'), settings(tid, 'llama-3.2-1b', { virtualTokens })).breakdown.find(
        (p) => p.part === 'activations',
      )!.gib;
    expect(activations('prompt-tuning', 200)).toBeGreaterThan(activations('prompt-tuning', 10));
    expect(activations('prefix-tuning', 200)).toBe(activations('prefix-tuning', 10));
  });
  it('memory: textual inversion keeps the text encoders on the GPU even with cached embeddings', () => {
    const encoders = (tid: string) =>
      estimateMemory(model('sdxl'), settings(tid, 'sdxl', { cache: true })).breakdown.find(
        (p) => p.part === 'frozen encoders / VAE',
      )!.gib;
    expect(encoders('lora')).toBe(0);
    expect(encoders('textual-inversion')).toBeGreaterThan(1);
  });
  it('step time: DoRA builds a norm, LoHa and LoKr a whole delta per pass', () => {
    const m = model('llama-3.1-8b');
    const step = (method: Method) => {
      const st = settings('lora', 'llama-3.1-8b', { method });
      return estimateStepTime(m, st, rtx4090, estimateMemory(m, st).trainableParams).stepSeconds;
    };
    expect(step('dora')).toBeGreaterThan(step('lora') * 1.05);
    expect(step('loha')).toBeGreaterThan(step('lora'));
  });
  it("LoHa and LoKr merge the weight and run one matmul: 0.8-1.3x LoRA's step at equal targets (LyCORIS SD1 table: LoKr 3 h 40-3 h 50, LoRA 4 h)", () => {
    for (const [g, gpu] of [
      ['sd15', rtx4090],
      ['sdxl', rtx4090],
    ] as const) {
      const m = model(g);
      const step = (tid: string) => {
        const st = settings(tid, g, { targets: 'attention-mlp', rank: 8, batch: 8, gradientCheckpointing: false });
        return estimateStepTime(m, st, gpu, estimateMemory(m, st).trainableParams).stepSeconds;
      };
      for (const tid of ['loha', 'lokr']) {
        expect(step(tid) / step('lora')).toBeGreaterThan(0.8);
        expect(step(tid) / step('lora')).toBeLessThan(1.3);
      }
    }
  });
  it('size: a full run saves the whole model in half precision, p-tuning only its virtual tokens in fp32', () => {
    const m = model('llama-3.2-3b');
    expect(outputSizeMB(m, settings('full-finetune', 'llama-3.2-3b'), 1)).toBe((m.params * 2) / 1e6);
    expect(outputSizeMB(m, settings('p-tuning', 'llama-3.2-3b', { virtualTokens: 20 }), 1e9)).toBeCloseTo(0.24576, 6);
  });
  it('the CLI: --rank only for adapters, --quantize none for a full run, QLoRA only on NF4', async () => {
    const base = ['estimate', '--model', 'llama-3.2-1b'];
    expect((await runCli([...base, '--technique', 'ia3', '--rank', '8'])).stderr).toMatch(
      /--rank applies to adapter techniques \(lora, qlora, dora, loha, lokr\), not to ia3\./,
    );
    expect((await runCli([...base, '--technique', 'dora', '--rank', '8'])).code).toBe(0);
    expect((await runCli([...base, '--technique', 'full-finetune', '--quantize', 'int8'])).stderr).toMatch(
      /needs a frozen base; full-finetune trains every weight/,
    );
    expect((await runCli([...base, '--technique', 'qlora', '--quantize', 'int8'])).stderr).toMatch(
      /--technique qlora implies --quantize nf4/,
    );
    expect((await runCli([...base, '--technique', 'qlora', '--json'])).stdout).toMatch(/"quantize": "nf4"/);
  });
  it('the CLI: --base-dtype only where a base is frozen, shown in the settings and the assumptions', async () => {
    const base = ['estimate', '--model', 'llama-3.2-1b'];
    const full = await runCli([...base, '--technique', 'full-finetune', '--base-dtype', 'fp32']);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/--base-dtype needs a frozen base; full-finetune trains every weight/);
    expect((await runCli([...base, '--technique', 'lora', '--base-dtype', 'fp64'])).stderr).toMatch(
      /--base-dtype.*fp32, bf16, fp16/,
    );
    const lora = await runCli([...base, '--technique', 'lora', '--base-dtype', 'fp32', '--json']);
    expect(JSON.parse(lora.stdout).settings.baseDtype).toBe('fp32');
    expect((await runCli([...base, '--technique', 'lora', '--base-dtype', 'fp32'])).stdout).toMatch(
      /frozen base in fp32 as loaded \(--base-dtype\)/,
    );
    const qlora = await runCli([...base, '--technique', 'qlora', '--base-dtype', 'fp32']);
    expect(qlora.stdout).toMatch(/frozen base in nf4 \(linear layers; the rest in fp32 as loaded/);
  });
});
