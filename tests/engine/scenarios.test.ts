// Practitioner scenarios (tests/fixtures/recommend-scenarios.yaml, copied from the team's shared
// reference): the top recommendation is in `accept`, never in `never`, and exit 3 where accept is [null].
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { runCli, splitFlags } from '../helpers.js';

interface Scenario {
  name: string;
  flags: string;
  accept: Array<string | null>;
  never?: string[];
}

const files = ['recommend-scenarios.yaml', 'recommend-scenarios-extra.yaml'];

for (const file of files) {
  const scenarios = parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Scenario[];
  describe(file, () => {
    it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
      const r = await runCli(['recommend', ...splitFlags(s.flags), '--json']);
      const json = JSON.parse(r.stdout) as { recommendation: { id: string } | null };
      const top = json.recommendation?.id ?? null;
      expect(s.accept).toContain(top);
      if (s.never) expect(s.never).not.toContain(top);
      expect(r.code).toBe(top === null ? 3 : 0);
      expect(r.stderr).toBe('');
    });
  });
}
