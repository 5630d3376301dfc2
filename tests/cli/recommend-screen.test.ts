// Issue 12, item 6: the default answer fits on a screen (at most 60 lines at 100 columns) for every
// practitioner scenario, and its explanation shows only the records that changed the outcome;
// --explain shows every record and the whole ranking, --sources every source.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { runCli, splitFlags } from '../helpers.js';

interface Scenario {
  name: string;
  flags: string;
}
const scenarios = ['recommend-scenarios.yaml', 'recommend-scenarios-extra.yaml'].flatMap(
  (f) => parse(readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')) as Scenario[],
);

const COLUMNS = { COLUMNS: '100', NO_COLOR: '1' };

/** The body rows of the explanation table: lines between its header rule and its bottom border. */
function explanationRows(out: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => /^Why .*: /.test(l));
  if (start < 0) return [];
  // the heading may wrap: the body starts after the rule under the table's header row
  const body = lines.findIndex((l, i) => i > start && l.startsWith('├'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('└'));
  return lines.slice(body + 1, end).filter((l) => !/^│\s+│/.test(l));
}

describe('recommend fits on a screen', () => {
  it.each(scenarios.map((s) => [s.name, s.flags] as const))('%s', async (_name, flags) => {
    const r = await runCli(['recommend', ...splitFlags(flags)], COLUMNS);
    expect(r.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(60);
    expect(r.stdout.split('\n').every((l) => l.length <= 100)).toBe(true);
    // no row without effect: a verdict of 0, a pass or a dash is left to --explain
    for (const row of explanationRows(r.stdout)) {
      const verdict = row.split('│')[3]!.trim();
      expect(verdict, row).toMatch(/^([+-]\d|✗ ineligible)/);
    }
  });

  // long answers (many savers, class images, a long card name): the source list gives way, then
  // the explanation keeps its weightiest rows; these ran to 67-69 lines before
  it.each([
    ['--goal subject --model flux-schnell --gpu "4060 ti" --time 2d', false],
    ['--goal subject --model sd35-large --gpu "4060 ti" --time 2h', true],
  ])('a long answer still fits: %s', async (flags, trimmed) => {
    const r = await runCli(['recommend', ...splitFlags(flags)], COLUMNS);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(60);
    if (trimmed) expect(r.stdout).toMatch(/the \d+ weightiest of the \d+ rules that mattered/);
    // the largest effect is kept
    expect(r.stdout).toMatch(/│ goal-fit +│/);
  });
});

describe('recommend --explain and --sources', () => {
  const flags = ['recommend', '--goal', 'task', '--model', 'llama-3.2-3b', '--gpu', '3060', '--time', '2.1h'];
  it('--explain shows every applicable record and the ranking, the JSON counts them', async () => {
    const [short, full, json] = await Promise.all([
      runCli(flags, COLUMNS),
      runCli([...flags, '--explain'], COLUMNS),
      runCli([...flags, '--json'], COLUMNS),
    ]);
    const records = (
      JSON.parse(json.stdout) as { ranking: Array<{ id: string; rules: Array<{ applies: boolean }> }> }
    ).ranking[0]!.rules.filter((r) => r.applies);
    expect(full.stdout).toContain('every rule');
    expect(full.stdout).toContain('All techniques');
    expect(short.stdout).not.toContain('All techniques');
    const rows = (out: string) => explanationRows(out).filter((l) => !l.startsWith('├'));
    expect(
      rows(full.stdout)
        .map((l) => l.split('│')[1]!.trim())
        .filter(Boolean),
    ).toHaveLength(records.length);
    expect(rows(short.stdout).length).toBeLessThan(rows(full.stdout).length);
    expect(full.stdout).not.toContain('--explain shows');
  });
  it('--sources lists every source of the JSON; by default a subset, one line each', async () => {
    const [short, full, json] = await Promise.all([
      runCli(flags, COLUMNS),
      runCli([...flags, '--sources'], COLUMNS),
      runCli([...flags, '--json'], COLUMNS),
    ]);
    const sources = (JSON.parse(json.stdout) as { sources: Array<{ ref: string }> }).sources;
    for (const s of sources) expect(full.stdout.replace(/\n\s*/g, ' ')).toContain(s.ref);
    const listed = (out: string) =>
      out
        .slice(out.lastIndexOf('\nSources'))
        .split('\n')
        .filter((l) => l.startsWith('- '));
    expect(listed(full.stdout).length).toBe(sources.length);
    expect(listed(short.stdout).length).toBeLessThan(sources.length);
    expect(short.stdout).toContain(`--sources lists all ${sources.length}`);
  });
  it('the JSON is the same with either flag', async () => {
    const json = await runCli([...flags, '--json'], COLUMNS);
    const both = await runCli([...flags, '--json', '--explain', '--sources'], COLUMNS);
    expect(both.stdout).toBe(json.stdout);
  });
});

/** The lines of a section of the text answer: from its heading to the next blank line. */
function section(out: string, heading: RegExp): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the data plan and the pitfalls in the answer', () => {
  it('an image subject with prior preservation: steps, captions, trigger word and class images, then three pitfalls', async () => {
    const flags = ['--goal', 'subject', '--model', 'sd15', '--vram', '24', '--time', '4h', '--priority', 'quality'];
    const r = await runCli(['recommend', ...flags], COLUMNS);
    const plan = section(r.stdout, /^Data plan$/);
    expect(plan.map((l) => /^(\w+)\s{2,}/.exec(l)?.[1]).filter(Boolean)).toEqual([
      'Steps',
      'Captions',
      'Trigger',
      'Classes',
    ]);
    expect(plan.join(' ')).toMatch(/a photo of sks dog/);
    expect(plan.join(' ')).toMatch(/Classes +\d+ in this run: images the base model makes of the bare class/);
    // the data plan sits between the estimates and the pitfalls, the pitfalls before the next step
    const order = ['Estimates', 'Data plan', 'Pitfalls', 'Next step'].map((h) =>
      r.stdout.split('\n').findIndex((l) => l.startsWith(h)),
    );
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    const pitfalls = section(r.stdout, /^Pitfalls/).filter((l) => l.startsWith('- '));
    expect(pitfalls).toHaveLength(3);
    expect(pitfalls[0]).toMatch(/^- Prior preservation puts a class image/);
    expect(r.stdout).toMatch(/^Pitfalls for this run \(3 of \d+; all: techniques show dreambooth\)$/m);
  });

  it('a chat goal: the chat template by name and the loss on the responses; the JSON has them per choice', async () => {
    const flags = ['--goal', 'chat', '--model', 'llama-3.1-8b', '--gpu', 't4', '--time', '4h'];
    const [text, json] = await Promise.all([
      runCli(['recommend', ...flags], COLUMNS),
      runCli(['recommend', ...flags, '--json']),
    ]);
    const plan = section(text.stdout, /^Data plan$/);
    expect(plan.find((l) => l.startsWith('Template  '))).toMatch(
      /^Template {2}llama3: the instruct model's chat template/,
    );
    expect(plan.find((l) => l.startsWith('Loss  '))).toMatch(/responses only .*assistant_only_loss=True/);
    expect(section(text.stdout, /^Pitfalls/)[0]).toMatch(/^- This card has no bf16/);
    const rec = JSON.parse(json.stdout).recommendation;
    expect(rec.dataPlan.map((d: { topic: string }) => d.topic)).toEqual(['chat-template', 'loss-masking']);
    expect(rec.dataPlan[0].value).toBe('llama3');
    expect(rec.pitfalls).toHaveLength(3);
    expect(rec.pitfalls[0].matched).toEqual(['families', 'bf16']);
    expect(JSON.parse(json.stdout).runnerUp?.pitfalls ?? []).toBeInstanceOf(Array);
  });

  it('techniques show still prints every pitfall, with what each applies to', async () => {
    const r = await runCli(['techniques', 'show', 'dreambooth'], COLUMNS);
    const listed = section(r.stdout, /^Pitfalls$/).filter((l) => l.startsWith('- '));
    const json = JSON.parse((await runCli(['techniques', 'show', 'dreambooth', '--json'])).stdout);
    expect(listed).toHaveLength(json.pitfalls.length);
    expect(r.stdout.replace(/\n\s+/g, ' ')).toMatch(/SDXL: train the U-Net only.*\(for sdxl\)/);
    expect(json.pitfalls).toContainEqual(expect.objectContaining({ applies: { groups: ['sdxl'] } }));
  });
});
