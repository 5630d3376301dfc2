// The data plan is knowledge-base data (data/data-plan.yaml, or a --kb file's `dataPlan:` list), and
// what advice applies to is checked: the groups a pitfall or a data-plan entry names must exist, and
// a data-plan topic is advice for one family of models.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { bundledDataDir, validateKnowledgeBase } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-data-plan-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const errorsOf = (...paths: string[]) => validateKnowledgeBase([bundledDataDir(), ...paths]).errors;

const entry = (applies: string, topic = 'captions') => `dataPlan:
  - id: team-captions
    topic: ${topic}
    applies: ${applies}
    text: "our captioner's sentences, one .txt per image"
    sources:
      - ref: "team wiki, captioning"
`;

describe('the data plan in the knowledge base', () => {
  it('a --kb entry replaces the bundled one by id and shows in the answer', async () => {
    const file = write(
      'ours.yaml',
      entry('{ groups: [sd1, sd2, sdxl] }').replace('team-captions', 'captions-clip-tags'),
    );
    expect(errorsOf(file)).toEqual([]);
    const argv = ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'rtx-4090', '--time', '2h', '--kb', file];
    const [text, json] = await Promise.all([
      runCli(argv, { COLUMNS: '100', NO_COLOR: '1' }),
      runCli([...argv, '--json']),
    ]);
    expect(text.stdout).toMatch(/^Captions {2}our captioner's sentences, one \.txt per image$/m);
    const plan = JSON.parse(json.stdout).recommendation.dataPlan;
    expect(plan).toEqual([
      {
        id: 'captions-clip-tags',
        topic: 'captions',
        value: null,
        text: "our captioner's sentences, one .txt per image",
        matched: ['groups'],
      },
    ]);
  });

  it('a group that does not exist is an error at its position, with the nearest group', () => {
    const file = write('typo.yaml', entry('{ groups: [sdxll] }'));
    expect(errorsOf(file)).toEqual([
      `${file}:4:25: advice for unknown model group 'sdxll' (did you mean 'sdxl'?); groups are defined in a groups file`,
    ]);
  });

  it('a topic for image models on a language group or goal is an error', () => {
    expect(errorsOf(write('llm-group.yaml', entry('{ groups: [llm] }')))).toEqual([
      expect.stringMatching(
        /llm-group\.yaml:4:\d+: 'captions' is advice for image or video models but group 'llm' is a llm group/,
      ),
    ]);
    expect(errorsOf(write('llm-goal.yaml', entry('{ goals: [chat] }')))).toEqual([
      expect.stringMatching(
        /llm-goal\.yaml:2:\d+: 'captions' is advice for image or video models but goal 'chat' is a llm goal/,
      ),
    ]);
  });

  it("a pitfall's unknown group is an error at the pitfall", () => {
    const file = write(
      'pitfall.yaml',
      `techniques:
  - id: lora
    name: LoRA
    families: [image]
    summary: "s"
    method: lora
    attributes:
      trains: { value: "v", text: "t" }
      trainingTime: { level: 2, text: "t" }
      resourceUse: { level: 2, text: "t" }
      storage: { minMB: 1, maxMB: 2, text: "t" }
      quality: { level: 4, text: "t" }
      consistency: { level: 4, text: "t" }
      modifiesWholeModel: { value: false, text: "t" }
      overfittingRisk: { level: 2, text: "t" }
      flexibility: { level: 4, text: "t" }
    goals:
      style: { fit: 3, text: "t" }
    data:
      image: { minImages: 5, text: "t" }
    defaults:
      sd1: { steps: 500, learningRate: 1.0e-4, rank: 16, batch: 4, optimizer: adamw }
    pitfalls:
      - "a plain pitfall"
      - text: "a pitfall for a group"
        applies: { groups: [sdx] }
    sources:
      - ref: "r"
`,
    );
    expect(errorsOf(file)).toEqual([
      `${file}:26:29: a pitfall for unknown model group 'sdx' (did you mean 'sdxl'?); groups are defined in a groups file`,
    ]);
  });

  it('an unknown condition is an unknown field', () => {
    const errors = errorsOf(write('unknown-key.yaml', entry('{ group: [sdxl] }')));
    expect(errors.join('\n')).toMatch(/unknown-key\.yaml:4:\d+: .*group/);
  });
});
