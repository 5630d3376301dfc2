// A contract every command keeps (npm's load-all-commands idea): a description, examples in its
// help, --help on stdout with exit 0, and valid JSON wherever --json is offered.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { buildProgram, commandNamed } from '../../src/cli/run.js';
import { runCli } from '../helpers.js';

function walk(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[...path, c.name()], ...walk(c, [...path, c.name()])]);
}
const silent = { write: () => true };
const commands = walk(
  buildProgram({ stdout: silent, stderr: silent, env: {}, stdoutIsTTY: false, stdinIsTTY: false }, () => {}),
);

// arguments that make each command do real work with --json
const JSON_RUNS: Record<string, string[]> = {
  recommend: ['--goal', 'chat', '--model', 'llama-3.2-1b', '--gpu', 't4', '--time', '2h'],
  estimate: ['--technique', 'lora', '--model', 'sd15', '--gpu', 't4'],
  config: ['--trainer', 'kohya', '--technique', 'lora', '--model', 'sd15', '--gpu', 't4'],
  check: [new URL('../fixtures/check/sft.yaml', import.meta.url).pathname, '--gpu', 't4'],
  'techniques show': ['lora'],
};

describe('every command', () => {
  it('is found', () =>
    expect(commands.map((c) => c.join(' '))).toEqual(
      expect.arrayContaining([
        'recommend',
        'compare',
        'estimate',
        'techniques',
        'techniques show',
        'models',
        'gpus',
        'kb',
        'kb validate',
        'kb schema',
        'kb init',
      ]),
    ));
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    '%s: --help with examples, exit 0, nothing on stderr',
    async (_n, cmd) => {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: finetune-advisor /);
      expect(r.stderr).toBe('');
      if (cmd.join(' ') !== 'kb') expect(r.stdout).toMatch(/Examples:\n\s+\$ finetune-advisor /);
      const help = await runCli(['help', ...cmd]);
      expect(help.code).toBe(0);
    },
  );
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    '%s: --json, where offered, prints one JSON document',
    async (name, cmd) => {
      const help = (await runCli([...cmd, '--help'])).stdout;
      if (!/--json/.test(help)) return;
      const r = await runCli([...cmd, ...(JSON_RUNS[name] ?? []), '--json']);
      expect([0, 3]).toContain(r.code);
      expect(() => JSON.parse(r.stdout)).not.toThrow();
      expect(r.stdout.trim().split('\n')[0]).toMatch(/^[[{]/);
    },
  );
});

describe('registering only the command argv names', () => {
  const io = { stdout: silent, stderr: silent, env: {}, stdoutIsTTY: false, stdinIsTTY: false };
  it('finds the command after global options, and none for help, options or typos', () => {
    expect(commandNamed(['recommend', '--json'])).toBe('recommend');
    expect(commandNamed(['--kb', 'x.yaml', 'gpus'])).toBe('gpus');
    expect(commandNamed(['--kb=x.yaml', 'techniques', 'show', 'lora'])).toBe('techniques');
    for (const argv of [[], ['--help'], ['-V'], ['recomend'], ['help', 'recommend'], ['--kb', 'x.yaml']])
      expect(commandNamed(argv), argv.join(' ')).toBeUndefined();
  });
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    '%s: the same help as with every command registered',
    (_n, path) => {
      const find = (root: Command) => path.reduce((cmd, name) => cmd.commands.find((c) => c.name() === name)!, root);
      expect(find(buildProgram(io, () => {}, path[0])).helpInformation()).toBe(
        find(buildProgram(io, () => {})).helpInformation(),
      );
    },
  );
});
