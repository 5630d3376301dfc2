// The CLI in process: exit codes, streams, JSON contract, errors as one line without a trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { expectUsageError, runCli } from '../helpers.js';

const BASE = ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h'];

describe('recommend', () => {
  it('prints a recommendation with its explanation table and exits 0', async () => {
    const r = await runCli(BASE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Recommendation: LoRA/);
    expect(r.stdout).toMatch(/Why LoRA/);
    expect(r.stdout).toMatch(/fits-vram/);
    expect(r.stdout).toMatch(/VRAM\s+[\d.]+ GiB peak/);
    expect(r.stdout).toMatch(/Sources/);
    expect(r.stderr).toBe('');
  });

  it('--json prints only the documented JSON', async () => {
    const r = await runCli([...BASE, '--json']);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['answers', 'recommendation', 'ranking', 'sources']));
    expect(j.answers).toMatchObject({
      goal: 'style',
      model: 'sdxl',
      gpu: null,
      vramGiB: 12,
      timeHours: 2,
      priority: 'balanced',
    });
    expect(j.recommendation).toMatchObject({ id: 'lora', name: expect.any(String), score: expect.any(Number) });
    expect(j.recommendation.settings).toMatchObject({ rank: expect.any(Number), steps: expect.any(Number) });
    expect(j.recommendation.estimates.vram.peakGiB).toBeGreaterThan(0);
    expect(j.recommendation.estimates.time.hours).toBeGreaterThan(0);
    expect(j.recommendation.estimates.output.sizeMB).toBeGreaterThan(0);
    expect(j.recommendation.reasons.length).toBeGreaterThan(0);
    const rule = j.ranking[0].rules[0];
    expect(Object.keys(rule)).toEqual(
      expect.arrayContaining(['rule', 'fact', 'value', 'operator', 'threshold', 'passed', 'effect', 'reason']),
    );
  });

  it('every technique of the bundled knowledge base is explained in full', async () => {
    const j = JSON.parse((await runCli([...BASE, '--json'])).stdout);
    for (const t of j.ranking) {
      expect(t.explained).toBe(true);
      expect(t.rules.length).toBe(j.ranking[0].rules.length);
    }
  });

  it('past the record budget an entry lists only the hard rules that excluded it, unless --explain-all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-budget-'));
    const rules = Array.from({ length: 400 }, (_, i) => ({
      id: `extra-${i}`,
      kind: 'soft',
      description: `extra rule ${i}`,
      check: { fact: 'technique.quality', op: 'gte', value: 0 },
      score: { weight: 0.001, fact: 'technique.quality' },
      reason: { pass: 'quality {technique.quality}' },
    }));
    writeFileSync(join(dir, 'many-rules.yaml'), stringify({ rules }));
    const j = JSON.parse((await runCli([...BASE, '--kb', dir, '--json'])).stdout);
    const perTechnique = j.ranking[0].rules.length;
    expect(perTechnique).toBeGreaterThan(400);
    const explained = j.ranking.filter((t: { explained: boolean }) => t.explained);
    expect(explained.length).toBe(Math.floor(5000 / perTechnique));
    expect(j.ranking.slice(0, explained.length).every((t: { explained: boolean }) => t.explained)).toBe(true);
    for (const t of j.ranking.filter((x: { explained: boolean }) => !x.explained)) {
      expect(t.rules.every((r: { effect: string }) => r.effect === 'ineligible')).toBe(true);
      expect(t.rules.length > 0).toBe(!t.eligible);
    }
    expect(j.ranking.some((t: { explained: boolean; eligible: boolean }) => !t.explained && !t.eligible)).toBe(true);
    const all = JSON.parse((await runCli([...BASE, '--kb', dir, '--json', '--explain-all'])).stdout);
    expect(
      all.ranking.every(
        (t: { explained: boolean; rules: unknown[] }) => t.explained && t.rules.length === perTechnique,
      ),
    ).toBe(true);
  });

  it('the explanation table renders the records, not a recomputation: all with --explain, by default those that mattered', async () => {
    const j = JSON.parse((await runCli([...BASE, '--json'])).stdout);
    const full = (await runCli([...BASE, '--explain'])).stdout;
    const short = (await runCli(BASE)).stdout;
    type Rec = { rule: string; applies: boolean; effect: string; points: number };
    const rec = j.ranking.find((x: { id: string }) => x.id === 'lora');
    const applicable = (rec.rules as Rec[]).filter((x) => x.applies);
    for (const r of applicable) expect(full).toContain(`│ ${r.rule} `);
    const mattered = (r: Rec) => r.effect === 'ineligible' || (r.effect === 'score' && r.points !== 0);
    for (const r of applicable) expect(short.includes(`│ ${r.rule} `), r.rule).toBe(mattered(r));
  });

  it('--format markdown prints markdown tables', async () => {
    const r = await runCli([...BASE, '--format', 'markdown']);
    expect(r.stdout).toMatch(/^# Fine-tuning recommendation/);
    expect(r.stdout).toMatch(/\| rule \| value \| verdict \| why \|/);
  });

  it('nothing fits: exit 3 and what would make it work', async () => {
    const r = await runCli(['recommend', '--goal', 'task', '--model', 'llama-3.1-70b', '--vram', '8', '--time', '8h']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Nothing fits/);
    expect(r.stdout).toMatch(/would fit/);
    const j = JSON.parse(
      (
        await runCli([
          'recommend',
          '--goal',
          'task',
          '--model',
          'llama-3.1-70b',
          '--vram',
          '8',
          '--time',
          '8h',
          '--json',
        ])
      ).stdout,
    );
    expect(j.recommendation).toBeNull();
    expect(j.suggestions.map((s: { kind: string }) => s.kind)).toEqual(expect.arrayContaining(['gpu', 'model']));
  });

  it('a fit failure gives the numbers and the savers tried', async () => {
    const j = JSON.parse(
      (
        await runCli([
          'recommend',
          '--goal',
          'task',
          '--model',
          'llama-3.1-70b',
          '--vram',
          '48',
          '--time',
          '24h',
          '--json',
        ])
      ).stdout,
    );
    const full = j.ranking.find((x: { id: string }) => x.id === 'full-finetune');
    const fit = full.rules.find((x: { rule: string }) => x.rule === 'fits-vram');
    expect(fit.passed).toBe(false);
    expect(fit.effect).toBe('ineligible');
    expect(fit.reason).toMatch(/^needs [\d.]+ GiB even with gradient checkpointing.*; the card has 48 GiB/);
  });

  it('accepts GPU and model names as people type them', async () => {
    for (const gpu of ['RTX 4090', '4090', 'NVIDIA GeForce RTX 4090', 'rtx-4090']) {
      const j = JSON.parse(
        (
          await runCli([
            'recommend',
            '--goal',
            'task',
            '--model',
            'meta-llama/Llama-3.1-8B',
            '--gpu',
            gpu,
            '--time',
            '8h',
            '--json',
          ])
        ).stdout,
      );
      expect(j.answers.gpu).toBe('rtx-4090');
      expect(j.answers.model).toBe('llama-3.1-8b');
    }
  });
});

describe('usage errors: exit 2, one line on stderr, nothing on stdout', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['missing answers', ['recommend'], /missing --goal, --model, --gpu or --vram, --time/],
    ['unknown flag', [...BASE, '--gaol', 'x'], /unknown option '--gaol'.*Did you mean --goal\?/],
    [
      'bad goal',
      ['recommend', '--goal', 'selfie', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
      /--goal.*'selfie' is invalid. Allowed choices are subject, style, concept, task, domain, chat/,
    ],
    [
      'bad time',
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2 hourz'],
      /--time.*'2 hourz' is invalid. Expected a duration such as 90m, 2h/,
    ],
    [
      'negative vram',
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '-4', '--time', '2h'],
      /--vram.*'-4' is invalid/,
    ],
    [
      'vram not a number',
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', 'lots', '--time', '2h'],
      /--vram.*'lots' is invalid. Expected the card memory/,
    ],
    [
      'unknown gpu',
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'RTX 9999', '--time', '2h'],
      /--gpu 'RTX 9999' is not in the catalogue. Did you mean/,
    ],
    [
      'unknown model',
      ['recommend', '--goal', 'task', '--model', 'llama-9000', '--vram', '24', '--time', '2h'],
      /--model 'llama-9000' is not in the catalogue. Did you mean 'llama-/,
    ],
    [
      'gpu and vram',
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 't4', '--vram', '24', '--time', '2h'],
      /option '--gpu <name>' cannot be used with option '--vram <gb>'/,
    ],
    ['priority without value', [...BASE, '--priority'], /option '--priority <priority>' argument missing/],
    [
      'goal of the other family',
      ['recommend', '--goal', 'chat', '--model', 'sdxl', '--vram', '12', '--time', '2h'],
      /--goal 'chat' does not apply to sdxl.*Allowed goals for it: subject, style, concept/,
    ],
    [
      'unknown gpu, other answers missing',
      ['recommend', '--gpu', 'RTX 9999'],
      /--gpu 'RTX 9999' is not in the catalogue. Did you mean/,
    ],
    [
      'unknown model, other answers missing',
      ['recommend', '--model', 'llama-9000'],
      /--model 'llama-9000' is not in the catalogue. Did you mean 'llama-/,
    ],
    ['unknown command', ['recomend'], /unknown command 'recomend'.*Did you mean recommend\?/],
    [
      'unknown technique',
      ['compare', 'dreambooht'],
      /technique 'dreambooht' is not in the catalogue. Did you mean 'dreambooth'/,
    ],
  ];
  it.each(cases)('%s', (_name, argv, message) => expectUsageError(argv, message));
});

describe('help and version', () => {
  it.each([['recommend'], ['compare'], ['techniques'], ['models'], ['gpus'], ['techniques', 'show']])(
    '%s --help has examples and exits 0',
    async (...cmd) => {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
      expect(r.stdout).toMatch(/Examples:/);
      expect(r.stderr).toBe('');
    },
  );
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
  it('no command: help on stderr, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage:/);
  });
});

describe('compare and catalogues', () => {
  it("compare with no arguments shows the seed's nine rows for DreamBooth and LoRA, with numbers", async () => {
    const r = await runCli(['compare']);
    expect(r.code).toBe(0);
    for (const row of [
      'Training',
      'Training time',
      'Resource usage',
      'Storage space',
      'Result quality',
      'Consistency',
      'Modifies the entire',
      'Overfitting risk',
      'Flexibility',
    ])
      expect(r.stdout).toContain(row);
    expect(r.stdout).toMatch(/DreamBooth/);
    expect(r.stdout).toMatch(/LoRA/);
    expect(r.stdout).toMatch(/\d(\.\d+)? GB/);
    expect(r.stdout).toMatch(/\d+ MB/);
  });
  it('compare --json agrees with the seed in substance', async () => {
    const j = JSON.parse((await runCli(['compare', '--json'])).stdout);
    const row = (k: string) => j.attributes.find((a: { attribute: string }) => a.attribute === k).values;
    expect(row('modifiesWholeModel').dreambooth.value).toBe(true);
    expect(row('modifiesWholeModel').lora.value).toBe(false);
    expect(row('trainingTime').dreambooth.level).toBeGreaterThan(row('trainingTime').lora.level);
    expect(row('resourceUse').dreambooth.level).toBeGreaterThan(row('resourceUse').lora.level);
    expect(row('storage').dreambooth.minMB).toBeGreaterThan(row('storage').lora.maxMB);
    expect(row('quality').dreambooth.level).toBeGreaterThanOrEqual(row('quality').lora.level);
    expect(row('consistency').dreambooth.level).toBeGreaterThanOrEqual(row('consistency').lora.level);
    expect(row('overfittingRisk').dreambooth.level).toBeGreaterThan(row('overfittingRisk').lora.level);
    expect(row('flexibility').lora.level).toBeGreaterThan(row('flexibility').dreambooth.level);
  });
  it('compare --all and --family', async () => {
    expect(JSON.parse((await runCli(['compare', '--all', '--json'])).stdout).techniques.length).toBeGreaterThanOrEqual(
      13,
    );
    const llm = JSON.parse((await runCli(['compare', '--family', 'llm', '--json'])).stdout).techniques;
    expect(llm.map((t: { id: string }) => t.id)).toContain('qlora');
    expect(llm.map((t: { id: string }) => t.id)).not.toContain('dreambooth');
  });
  it('techniques show prints every attribute, defaults, pitfalls and sources', async () => {
    const r = await runCli(['techniques', 'show', 'dreambooth-lora']);
    expect(r.code).toBe(0);
    for (const h of ['Attributes', 'Goals', 'Defaults per model group', 'Pitfalls', 'Sources'])
      expect(r.stdout).toContain(h);
  });
  it('models and gpus list the catalogues', async () => {
    expect((await runCli(['models'])).stdout).toMatch(/llama-3\.1-8b/);
    const gpus = JSON.parse((await runCli(['gpus', '--json'])).stdout);
    expect(gpus.find((g: { id: string }) => g.id === 'rtx-4090').aliases).toContain('NVIDIA GeForce RTX 4090');
  });
});
