// The JSON Schema for editors: generated from the zod schemas, committed, and valid for every data file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

import { kbJsonSchemaText } from '../../src/kb/json-schema.js';
import { bundledDataDir } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const committed = readFileSync(join(bundledDataDir(), 'kb.schema.json'), 'utf8');
const dataFiles = readdirSync(bundledDataDir()).filter((f) => f.endsWith('.yaml'));

describe('kb schema', () => {
  it('the committed data/kb.schema.json is what the zod schemas generate (run `finetune-advisor kb schema > data/kb.schema.json` after changing them)', () => {
    expect(committed).toBe(kbJsonSchemaText());
  });
  it('`kb schema` prints it', async () => {
    expect((await runCli(['kb', 'schema'])).stdout).toBe(committed);
  });
  it('every data file names the schema on its first line and validates against the JSON Schema', () => {
    const fromJson = z.fromJSONSchema(JSON.parse(committed));
    for (const f of dataFiles) {
      const text = readFileSync(join(bundledDataDir(), f), 'utf8');
      expect(text.split('\n')[0], f).toBe('# yaml-language-server: $schema=./kb.schema.json');
      const result = fromJson.safeParse(parse(text));
      expect(result.success, `${f}: ${result.success ? '' : result.error.issues[0]?.message}`).toBe(true);
    }
  });
  it('the JSON Schema rejects what the loader rejects', () => {
    const fromJson = z.fromJSONSchema(JSON.parse(committed));
    expect(
      fromJson.safeParse({
        gpus: [
          {
            id: 'x',
            name: 'X',
            vendor: 'nvidia',
            vramGB: 0,
            bf16: true,
            tflops: 1,
            bandwidthGBs: 1,
            sources: [{ ref: 'r' }],
          },
        ],
      }).success,
    ).toBe(false);
    expect(
      fromJson.safeParse({
        gpus: [
          {
            id: 'x',
            name: 'X',
            vendor: 'nvidia',
            vramGb: 16,
            bf16: true,
            tflops: 1,
            bandwidthGBs: 1,
            sources: [{ ref: 'r' }],
          },
        ],
      }).success,
    ).toBe(false);
  });
});
