#!/usr/bin/env node
// `npm run lint`: the type check, eslint and prettier --check at once (each is mostly one thread;
// side by side they take about the longest one's time instead of the three's sum), each one's
// output printed whole under its name once it ends. Fails when any of them fails.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';

// the script behind each tool's node_modules/.bin link, run with this Node
const bin = (name) => realpathSync(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const checks = [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.tests.json']],
  ['eslint', bin('eslint'), ['.']],
  ['prettier', bin('prettier'), ['--check', '.']],
];
const results = await Promise.all(
  checks.map(
    ([name, script, args]) =>
      new Promise((done) => {
        const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('error', (err) => done({ name, code: 1, output: `${output}${err.message}\n` }));
        child.on('close', (code, signal) => done({ name, code: code ?? 1, signal, output }));
      }),
  ),
);
for (const r of results) {
  const verdict = r.code === 0 ? 'ok' : r.signal ? `killed by ${r.signal}` : `failed (exit ${r.code})`;
  process.stdout.write(`${r.name}: ${verdict}\n${r.output.trimEnd() ? `${r.output.trimEnd()}\n` : ''}`);
}
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
