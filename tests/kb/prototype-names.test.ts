// Names a user gives (facts in rules, placeholders in reasons, ids, units) are looked up as own
// properties only: every Object.prototype name is an unknown name, never an inherited function.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseDuration } from '../../src/cli/parse.js';
import { fillTemplate } from '../../src/engine/evaluate.js';
import type { Facts } from '../../src/engine/facts.js';
import { validateKnowledgeBase } from '../../src/kb/load.js';
import { findGpu, findModel, findTechnique } from '../../src/kb/lookup.js';
import { bundledKb, runCli } from '../helpers.js';

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** A rules file with one rule per name and place a fact can be named in, and where each rule starts. */
function rulesNaming(names: string[]): { text: string; lines: Map<string, number> } {
  let text = 'rules:\n';
  const lines = new Map<string, number>();
  names.forEach((name, i) => {
    const places = {
      check: `    check: { fact: "${name}", op: eq, value: 1 }\n`,
      when: `    when: [{ fact: "${name}", op: eq, value: 1 }]\n    check: { fact: technique.goal_fit, op: gte, value: 1 }\n`,
      threshold: `    check: { fact: technique.goal_fit, op: gte, value: { fact: "${name}" } }\n`,
      score: `    kind: soft\n    score: { weight: 1, fact: "${name}" }\n`,
    };
    for (const [place, body] of Object.entries(places)) {
      const id = `r${i}-${place}`;
      lines.set(`${id}`, text.split('\n').length);
      text += `  - id: ${id}\n${place === 'score' ? '' : '    kind: hard\n'}    description: names ${name}\n${body}    reason: { pass: ok }\n`;
    }
  });
  return { text, lines };
}

describe('every Object.prototype name', () => {
  it('as a fact in a rule (check, when, threshold, score) is an unknown fact at file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-proto-'));
    const file = join(dir, 'rules.yaml');
    const { text, lines } = rulesNaming(PROTOTYPE_NAMES);
    writeFileSync(file, text);
    const v = validateKnowledgeBase([file], bundledKb());
    expect(v.errors.length).toBe(PROTOTYPE_NAMES.length * 4);
    PROTOTYPE_NAMES.forEach((name, i) => {
      for (const place of ['check', 'when', 'threshold', 'score']) {
        const id = `r${i}-${place}`;
        const line = lines.get(id)!;
        expect(v.errors, `${name} in ${place}`).toContain(
          `${file}:${line}:9: rule '${id}' names unknown fact '${name}'`,
        );
      }
    });
  });

  it('as a condition value on an id fact is an unknown entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-proto-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      `rules:\n${PROTOTYPE_NAMES.map((n, i) => `  - id: t${i}\n    kind: hard\n    description: x\n    check: { fact: technique.id, op: ne, value: "${n}" }\n    reason: { pass: ok }\n`).join('')}`,
    );
    const v = validateKnowledgeBase([file], bundledKb());
    for (const [i, name] of PROTOTYPE_NAMES.entries())
      expect(
        v.errors.some((e) => e.endsWith(`rule 't${i}' names unknown technique '${name}'`)),
        name,
      ).toBe(true);
  });

  it('as a model, GPU or technique name finds nothing', () => {
    const kb = bundledKb();
    for (const name of PROTOTYPE_NAMES) {
      expect(findModel(kb, name).found, name).toBeNull();
      expect(findGpu(kb, name).found, name).toBeNull();
      expect(findTechnique(kb, name).found, name).toBeNull();
    }
  });

  it('in a reason template stays text, and a duration unit is refused', () => {
    const facts = {} as Facts;
    for (const name of PROTOTYPE_NAMES.filter((n) => /^[a-z_.]+$/.test(n))) {
      expect(fillTemplate(`{${name}} x`, facts, 1, null)).toBe(`{${name}} x`);
    }
    for (const name of PROTOTYPE_NAMES) expect(() => parseDuration(`5${name.toLowerCase()}`), name).toThrow(/duration/);
  });

  it('on the command line is a one-line usage error', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      for (const argv of [
        ['recommend', '--goal', 'style', '--model', name, '--vram', '12', '--time', '2h'],
        ['estimate', '--technique', name, '--model', 'sdxl', '--vram', '12'],
        ['techniques', 'show', name],
      ]) {
        const r = await runCli(argv);
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
        expect(r.stderr).toMatch(/not in the catalogue/);
      }
    }
  });
});
