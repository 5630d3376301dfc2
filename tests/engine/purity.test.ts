// The engine and the estimators are pure: no I/O, no colour, no console, no CLI libraries.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = new URL('../../src/', import.meta.url).pathname;
const FORBIDDEN =
  /(?:from\s+|import\s*\(?\s*)['"](node:[^'"]+|fs|path|os|child_process|chalk|cli-table3|commander|inquirer|@inquirer\/[^'"]+)['"]/;

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module a file imports, following relative imports, so a pure module cannot reach I/O through a helper. */
function closure(start: string): Map<string, string> {
  const seen = new Map<string, string>();
  const stack = [start];
  while (stack.length) {
    const rel = stack.pop()!;
    if (seen.has(rel)) continue;
    const text = readFileSync(join(root, rel), 'utf8');
    seen.set(rel, text);
    for (const m of text.matchAll(/from\s+['"](\.[^'"]+)\.js['"]/g)) {
      if (/^\s*import\s+type\b/m.test(text.slice(text.lastIndexOf('\n', m.index!) + 1, m.index!))) continue;
      stack.push(join(rel, '..', `${m[1]}.ts`));
    }
  }
  return seen;
}

describe('purity', () => {
  for (const dir of ['engine', 'estimate']) {
    it(`src/${dir} imports no node:*, chalk, cli-table3, commander or inquirer (directly or through helpers)`, () => {
      for (const f of files(dir)) {
        for (const [dep, text] of closure(f)) {
          const code = text.replace(/^\s*import\s+type\b.*$/gm, '');
          expect(code.match(FORBIDDEN)?.[0] ?? null, `${f} -> ${dep}`).toBeNull();
          expect(/\bconsole\.|\bprocess\./.test(code), `${dep} uses console or process`).toBe(false);
        }
      }
    });
  }
});
