// The README's examples are what the built CLI prints: every `$ npx finetune-advisor ...` in a
// console block is run and its output compared line by line (a line `...` stands for any lines, a
// `...` inside a line for any text); every command in a sh block runs; every key and value shown in
// a JSON example is in the real output of the command the block names on its first line.
// The README's YAML files and model files (json blocks marked `<!-- file: ... -->`) are written to the
// folder the examples run in.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'finetune-advisor.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  lines: string[];
  line: number;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    out.push({ lang: open[1]!, lines: lines.slice(start, i + 1), line: start });
    i++;
  }
  return out;
}

/** Splits a command line the way the shell would for these examples (double quotes only). */
const shellWords = (s: string) => (s.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"|"$/g, ''));

// the README's YAML files (a first line `# NAME.yaml`), where its examples can pass them to --kb
const workDir = mkdtempSync(join(tmpdir(), 'fa-readme-'));
for (const b of blocks(README).filter((x) => x.lang === 'yaml')) {
  const name = /^# ([\w.-]+\.yaml)$/.exec(b.lines[0] ?? '')?.[1];
  if (name) writeFileSync(join(workDir, name), b.lines.join('\n') + '\n');
}
// the README's model files (a json block after a line `<!-- file: FOLDER/NAME.json -->`), for --model PATH
const readmeLines = README.split('\n');
for (const b of blocks(README).filter((x) => x.lang === 'json')) {
  const name = /^<!-- file: ([\w.-]+\/[\w.-]+\.json) -->$/.exec(readmeLines[b.line - 2] ?? '')?.[1];
  if (!name) continue;
  mkdirSync(join(workDir, dirname(name)), { recursive: true });
  writeFileSync(join(workDir, name), b.lines.join('\n') + '\n');
}

function runExample(command: string): { code: number | null; out: string } {
  const args = shellWords(command.replace(/^\$?\s*npx finetune-advisor\s+/, '').replace(/\s+#.*$/, ''));
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: workDir,
    encoding: 'utf8',
    env: { PATH: '/nonexistent-nvidia-smi', NO_COLOR: '1', COLUMNS: '100', HOME: workDir },
  });
  return { code: r.status, out: (r.stdout || r.stderr).replace(/\n+$/, '') };
}

/** An example line: exact, or with `...` standing for any text. */
function lineMatches(expected: string, actual: string): boolean {
  if (!expected.includes('...')) return expected === actual;
  const parts = expected.split('...').map((p) => p.replace(/\s+$/, '').replace(/^\s+/, ''));
  let at = 0;
  for (const [i, part] of parts.entries()) {
    const found = actual.indexOf(part, at);
    if (found < 0 || (i === 0 && found !== 0 && !/^\s/.test(expected))) return false;
    at = found + part.length;
  }
  return true;
}

/** Is `expected` (with `...` lines as gaps) the actual output? */
function outputMatches(expected: string[], actual: string[]): boolean {
  const gap = (l: string) => /^[\s│|]*\.\.\.[\s│|]*$/.test(l);
  const match = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length || gap(expected[e - 1] ?? '');
    if (gap(expected[e]!)) {
      for (let k = a; k <= actual.length; k++) if (match(e + 1, k)) return true;
      return false;
    }
    return a < actual.length && lineMatches(expected[e]!, actual[a]!) && match(e + 1, a + 1);
  };
  return match(0, 0);
}

const consoleExamples = blocks(README)
  .filter((b) => b.lang === 'console')
  .flatMap((b) => {
    const out: Array<{ command: string; expected: string[]; line: number }> = [];
    b.lines.forEach((l, i) => {
      if (l.startsWith('$ ')) out.push({ command: l, expected: [], line: b.line + i + 1 });
      else out.at(-1)?.expected.push(l);
    });
    for (const e of out) while (e.expected.at(-1) === '') e.expected.pop();
    return out;
  });

describe('README examples', () => {
  it('has examples to check', () => {
    expect(consoleExamples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(consoleExamples.map((e) => [`README.md:${e.line} ${e.command}`, e]))('%s', (_name, e) => {
    const { out } = runExample(e.command);
    const actual = out.split('\n');
    if (!outputMatches(e.expected, actual)) {
      // the whole real output, to paste (keeping the README's `...` trims)
      expect(actual.join('\n')).toBe(e.expected.join('\n'));
    }
  });

  const shCommands = blocks(README)
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.lines.filter((l) => /^npx finetune-advisor (?!kb init|kb validate my-kb|kb schema >)/.test(l)));
  it.each(shCommands)('runs: %s', (command) => {
    const { code, out } = runExample(command);
    expect(code, out).toBe(0);
  });

  const jsonExamples = blocks(README).filter((b) => b.lang === 'jsonc');
  it.each(jsonExamples.map((b) => [`README.md:${b.line} ${b.lines[0]}`, b]))('JSON example %s', (_name, b) => {
    const command = /^\/\/ \$ (npx finetune-advisor .*)$/.exec(b.lines[0]!)?.[1];
    expect(command, 'the first line names the command: // $ npx finetune-advisor ...').toBeTruthy();
    const { out } = runExample(command!);
    const pairs = new Map<string, Set<string>>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (!pairs.has(k)) pairs.set(k, new Set());
          pairs.get(k)!.add(JSON.stringify(x));
          walk(x);
        }
      }
    };
    walk(JSON.parse(out));
    const text = b.lines
      .slice(1)
      .join('\n')
      .replace(/\/\/.*$/gm, '');
    for (const m of text.matchAll(/"([\w]+)":\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|true|false|null)?/g)) {
      const [, key, literal] = m;
      expect(pairs.has(key!), `key "${key}" is in the output`).toBe(true);
      // a literal without "..." is the real value (alternatives written a | b are not literals)
      const rest = text.slice(m.index! + m[0].length);
      if (literal && !literal.includes('...') && !/^\s*\|/.test(rest)) {
        expect([...pairs.get(key!)!], `"${key}": ${literal}`).toContain(JSON.stringify(JSON.parse(literal)));
      }
    }
  });
});
