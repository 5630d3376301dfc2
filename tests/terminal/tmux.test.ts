// The built binary in a real terminal: tmux sends the keys and captures the screen.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
const SOCKET = `fa-test-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

interface Session { name: string; dir: string }

function start(command: string, pathPrefix = ''): Session {
  const name = `s${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'fa-tmux-'));
  const path = pathPrefix ? `${pathPrefix}:${process.env.PATH}` : process.env.PATH!;
  const script = `cd ${JSON.stringify(dir)}; env -u NO_COLOR -u FORCE_COLOR PATH=${JSON.stringify(path)} ${command} > out.txt; echo $? > exit.txt; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '40', script);
  return { name, dir };
}

async function waitFor(s: Session, pattern: RegExp, timeout = 8000): Promise<string> {
  const startAt = Date.now();
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', s.name);
    if (pattern.test(screen)) return screen;
    if (Date.now() - startAt > timeout) throw new Error(`timed out waiting for ${pattern}; screen:\n${screen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exitCode(s: Session, timeout = 8000): Promise<number> {
  const startAt = Date.now();
  while (!existsSync(join(s.dir, 'exit.txt')) || !readFileSync(join(s.dir, 'exit.txt'), 'utf8').trim()) {
    if (Date.now() - startAt > timeout) throw new Error('the command did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
  return Number(readFileSync(join(s.dir, 'exit.txt'), 'utf8'));
}

const keys = (s: Session, ...k: string[]) => tmux('send-keys', '-t', s.name, ...k);

afterAll(() => {
  if (!hasTmux) return;
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
});

describe.runIf(hasTmux)('interactive recommend in tmux', () => {
  it('answers every question and gets a recommendation; stdout holds only the result', async () => {
    const s = start(`node ${BIN} recommend`, '/nonexistent-nvidia');
    await waitFor(s, /What do you want to teach the model\?/);
    keys(s, 'Down', 'Enter'); // style
    await waitFor(s, /Base model/);
    keys(s, 'Enter'); // sdxl
    await waitFor(s, /GPU \(type to filter/);
    keys(s, '3090');
    await waitFor(s, /rtx-3090 /);
    keys(s, 'Down', 'Enter');
    await waitFor(s, /Time budget/);
    keys(s, 'Enter');
    await waitFor(s, /What matters most\?/);
    keys(s, 'Enter');
    const screen = await waitFor(s, /To run this again in a script/);
    expect(screen.replace(/\n/g, '')).toMatch(/finetune-advisor recommend --goal style --model sdxl --gpu rtx-3090 --time 2h --priority balanced/);
    expect(await exitCode(s)).toBe(0);
    const out = readFileSync(join(s.dir, 'out.txt'), 'utf8');
    expect(out).toMatch(/^Recommendation: /);
    expect(out).not.toMatch(/What do you want/);
  });

  it('accepts a GPU found by a fake nvidia-smi', async () => {
    const smi = new URL('../fixtures/nvidia-smi/one', import.meta.url).pathname;
    const s = start(`node ${BIN} recommend --goal chat --model llama-3.1-8b --time 8h`, smi);
    await waitFor(s, /Found NVIDIA GeForce RTX 4090, 24 GiB: use it\? \(Y\/n\)/);
    keys(s, 'Enter');
    await waitFor(s, /What matters most\?/);
    keys(s, 'Enter');
    expect(await exitCode(s)).toBe(0);
    expect(readFileSync(join(s.dir, 'out.txt'), 'utf8')).toMatch(/NVIDIA GeForce RTX 4090, 24 GiB/);
  });

  it('Ctrl-C at the second question: exit 130, one line, no stack trace', async () => {
    const s = start(`node ${BIN} recommend`, '/nonexistent-nvidia');
    await waitFor(s, /What do you want to teach the model\?/);
    keys(s, 'Enter');
    await waitFor(s, /Base model/);
    keys(s, 'C-c');
    expect(await exitCode(s)).toBe(130);
    const screen = await waitFor(s, /interrupted/);
    expect(screen).not.toMatch(/ExitPromptError|\n\s+at /);
  });
});
