// Model groups are knowledge-base data: a --kb file can add one, and the ids that name groups (a
// model's `group`, a technique's `defaults` keys) are checked against the groups that exist.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { bundledDataDir, validateKnowledgeBase } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README's worked example files (yaml blocks whose first line is `# NAME.yaml`). */
function readmeFile(name: string): string {
  const block = README.split('```yaml\n').find((b) => b.startsWith(`# ${name}\n`));
  if (!block) throw new Error(`no ${name} in the README`);
  return block.slice(0, block.indexOf('```'));
}

const dir = mkdtempSync(join(tmpdir(), 'fa-groups-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const groups = write('groups.yaml', readmeFile('groups.yaml'));
const models = readmeFile('qwen3-models.yaml');
const techniques = readmeFile('qwen3-techniques.yaml');

const errorsOf = (...paths: string[]) => validateKnowledgeBase([bundledDataDir(), ...paths]).errors;

describe('model groups', () => {
  it('a --kb group used by a --kb model and by a --kb technique defaults works end to end', async () => {
    const m = write('m.yaml', models);
    const t = write('t.yaml', techniques);
    expect(errorsOf(groups, m, t)).toEqual([]);
    const r = await runCli(
      ['recommend', '--goal', 'chat', '--model', 'qwen3-8b', '--gpu', 'rtx-4090', '--time', '2h', '--json'].concat([
        '--kb',
        groups,
        '--kb',
        m,
        '--kb',
        t,
      ]),
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.recommendation.id).toBe('qlora-unsloth');
    expect(out.recommendation.settings.steps).toBe(60); // the recipe given for the new group
  });

  it('an unknown group in a model is an error at its group field, with the nearest group', () => {
    const m = write('m-typo.yaml', models.replace('group: qwen3', 'group: qwen33'));
    const line = models.split('\n').findIndex((l) => l.includes('group: qwen3')) + 1;
    expect(errorsOf(groups, m)).toEqual([
      `${m}:${line}:12: unknown model group 'qwen33' (did you mean 'qwen3'?); groups are defined in a groups file`,
    ]);
  });

  it('an unknown group in a technique defaults is an error at its key, with the nearest group', () => {
    const m = write('m2.yaml', models);
    const t = write('t-typo.yaml', techniques.replace('      qwen3: {', '      qwen-3: {'));
    const line = techniques.split('\n').findIndex((l) => l.startsWith('      qwen3: {')) + 1;
    expect(errorsOf(groups, m, t)).toEqual([
      `${t}:${line}:7: defaults for unknown model group 'qwen-3' (did you mean 'qwen3'?); groups are defined in a groups file`,
    ]);
  });

  it('a group without its groups file is unknown: groups are data, not a list in the code', () => {
    const m = write('m3.yaml', models);
    expect(errorsOf(m)[0]).toMatch(/m3\.yaml:\d+:\d+: unknown model group 'qwen3'/);
  });

  it('a group of the wrong family is an error for its models and for the recipes given for it', () => {
    const g = write('g-image.yaml', readmeFile('groups.yaml').replace('family: llm', 'family: image'));
    const m = write('m4.yaml', models);
    const t = write('t4.yaml', techniques);
    const errors = errorsOf(g, m, t);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/t4\.yaml:\d+:7: defaults for 'qwen3' but 'qlora-unsloth' serves llm$/);
    expect(errors[1]).toMatch(/m4\.yaml:\d+:12: group 'qwen3' is not a llm group$/);
  });
});
