// The built binary in a real terminal: tmux sends the keys and captures the screen.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/finetune-advisor.js', import.meta.url).pathname;
const SOCKET = `fa-test-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

interface Session {
  name: string;
  dir: string;
}

function start(command: string, pathPrefix = ''): Session {
  const name = `s${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'fa-tmux-'));
  const path = pathPrefix ? `${pathPrefix}:${process.env.PATH}` : process.env.PATH!;
  // trap: a Ctrl-C that kills the command leaves this shell alive to record the exit code, as an
  // interactive shell does (it runs the command in a process group of its own);
  // pid.txt: the command's own pid (exec keeps it), to send a signal to it alone;
  // stty.txt: the terminal's modes once the command has ended, to see they were restored
  const script = `cd ${JSON.stringify(dir)}; trap : INT; env -u NO_COLOR -u FORCE_COLOR PATH=${JSON.stringify(path)} sh -c 'echo $$ > pid.txt; exec "$0" "$@"' ${command} > out.txt; echo $? > exit.txt; stty -a > stty.txt; sleep 60`;
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

/** The file once the session has written it (the shell writes each in one go, after the command). */
async function written(s: Session, file: string, timeout = 8000, poll = 50): Promise<string> {
  const startAt = Date.now();
  for (;;) {
    const text = existsSync(join(s.dir, file)) ? readFileSync(join(s.dir, file), 'utf8') : '';
    if (text.trim()) return text;
    if (Date.now() - startAt > timeout)
      throw new Error(`the command did not finish (no ${file}); screen:\n${tmux('capture-pane', '-p', '-t', s.name)}`);
    await new Promise((r) => setTimeout(r, poll));
  }
}

const exitCode = async (s: Session, timeout = 8000): Promise<number> => Number(await written(s, 'exit.txt', timeout));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const keys = (s: Session, ...k: string[]) => tmux('send-keys', '-t', s.name, ...k);

const HANG = new URL('../fixtures/nvidia-smi/hang', import.meta.url).pathname;

/** A --kb file of 30,000 GPUs (4.8 MB, within the size limit): seconds of synchronous validation. */
function bigKb(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fa-big-kb-')), 'gpus.yaml');
  const entries = Array.from(
    { length: 30_000 },
    (_, i) =>
      `  - id: big-${i}\n    name: Big Card ${i}\n    vendor: nvidia\n    vramGB: 16\n    bf16: true\n    tflops: 88\n    bandwidthGBs: 672\n    sources: [{ ref: fixture }]\n`,
  );
  // the directive keeps the file off the fast YAML path (src/kb/fast-yaml.ts), so yaml spends seconds on it
  writeFileSync(file, `%YAML 1.2\n---\ngpus:\n${entries.join('')}`);
  return file;
}

/** The terminal after the command: canonical input and echo on (not left raw), the cursor shown. */
async function expectTerminalRestored(s: Session) {
  const stty = await written(s, 'stty.txt');
  expect(stty).toMatch(/(^|\s)icanon(\s|$)/);
  expect(stty).toMatch(/(^|\s)echo(\s|$)/);
  expect(tmux('display', '-p', '-t', s.name, '#{cursor_flag}').trim()).toBe('1');
}

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
    keys(s, 'Enter'); // the first match
    await waitFor(s, /Time budget/);
    keys(s, 'Enter');
    await waitFor(s, /How many training/);
    keys(s, 'Enter'); // not sure
    await waitFor(s, /Which trainer will you run it with\?/);
    keys(s, 'Enter'); // the family's default
    await waitFor(s, /What matters most\?/);
    keys(s, 'Enter');
    const screen = await waitFor(s, /To run this again in a script/);
    expect(screen.replace(/\n/g, '')).toMatch(
      /finetune-advisor recommend --goal style --model sdxl --gpu rtx-3090 --time 2h --priority balanced/,
    );
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
    await waitFor(s, /Which training objective\?/);
    keys(s, 'Enter'); // the chat goal's, sft
    await waitFor(s, /How many training/);
    keys(s, 'Enter'); // not sure
    await waitFor(s, /Which trainer will you run it with\?/);
    keys(s, 'Enter'); // the family's default
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

  it('typing 4090 then Enter at the GPU question picks the NVIDIA GeForce RTX 4090', async () => {
    const s = start(
      `node ${BIN} recommend --goal style --model sdxl --time 2h --priority balanced`,
      '/nonexistent-nvidia',
    );
    await waitFor(s, /GPU \(type to filter/);
    keys(s, '4090', 'Enter');
    await waitFor(s, /How many training/);
    keys(s, 'Enter'); // not sure
    await waitFor(s, /Which trainer will you run it with\?/);
    keys(s, 'Enter'); // the family's default
    const screen = await waitFor(s, /To run this again in a script/);
    expect(screen).toMatch(/✔ GPU .*rtx-4090 \(NVIDIA GeForce RTX 4090, 24 GB\)/);
    expect(await exitCode(s)).toBe(0);
    expect(readFileSync(join(s.dir, 'out.txt'), 'utf8')).toMatch(/NVIDIA GeForce RTX 4090/);
  });

  it('a whole answer sequence sent at once gives what typing it key by key gives', async () => {
    const oneSend = start(`node ${BIN} recommend`, '/nonexistent-nvidia');
    await waitFor(oneSend, /What do you want to teach the model\?/);
    keys(oneSend, 'Down', 'Enter', 'Enter', '3090', 'Enter', 'Enter', 'Enter', 'Enter', 'Enter'); // style, sdxl, rtx-3090, 2h, not sure, diffusers, balanced
    expect(await exitCode(oneSend)).toBe(0);
    expect((await waitFor(oneSend, /To run this again/)).replace(/\n/g, '')).toMatch(
      /--goal style --model sdxl --gpu rtx-3090 --time 2h --priority balanced/,
    );
    // a paste: tmux writes its buffer to the terminal in one go (newlines as Enter)
    const pasted = start(`node ${BIN} recommend`, '/nonexistent-nvidia');
    await waitFor(pasted, /What do you want to teach the model\?/);
    tmux('set-buffer', '-b', pasted.name, '\n\n3090\n\n\n\n\n'); // subject, sdxl, rtx-3090, 2h, not sure, diffusers, balanced
    tmux('paste-buffer', '-d', '-b', pasted.name, '-t', pasted.name);
    expect(await exitCode(pasted)).toBe(0);
    expect((await waitFor(pasted, /To run this again/)).replace(/\n/g, '')).toMatch(
      /--goal subject --model sdxl --gpu rtx-3090 --time 2h --priority balanced/,
    );
  });

  it('Ctrl-C during a long validation of a --kb file exits 130 within half a second', async () => {
    const kb = bigKb();
    try {
      const s = start(`node ${BIN} recommend --goal style --model sdxl --vram 12 --time 2h --kb ${kb}`);
      await sleep(1000); // started, parsing and validating the 30,000 GPUs (seconds of synchronous work)
      expect(existsSync(join(s.dir, 'exit.txt'))).toBe(false); // still at work when the key comes
      keys(s, 'C-c');
      const keyAt = Date.now();
      const code = Number(await written(s, 'exit.txt', 5000, 10));
      expect(Date.now() - keyAt).toBeLessThan(500);
      expect(code).toBe(130);
      await expectTerminalRestored(s);
    } finally {
      rmSync(dirname(kb), { recursive: true, force: true });
    }
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} sent while a question is shown: exit ${code}, the terminal restored`, async () => {
      const s = start(`node ${BIN} recommend --goal style --model sdxl`, '/nonexistent-nvidia');
      await waitFor(s, /GPU \(type to filter/); // a search question: raw mode, the cursor hidden
      const pid = Number(await written(s, 'pid.txt'));
      process.kill(pid, signal);
      expect(await exitCode(s)).toBe(code);
      await expectTerminalRestored(s);
      expect(tmux('capture-pane', '-p', '-t', s.name)).not.toMatch(/ExitPromptError|\n\s+at /);
    });
  }

  it('Ctrl-C while nvidia-smi hangs: a note while it is asked, then exit 130 and no detection message', async () => {
    const s = start(`node ${BIN} recommend --goal style --model sdxl`, HANG);
    await waitFor(s, /Looking for GPUs with nvidia-smi\.\.\./);
    keys(s, 'C-c');
    expect(await exitCode(s)).toBe(130);
    await expectTerminalRestored(s);
    const screen = tmux('capture-pane', '-p', '-t', s.name);
    expect(screen).not.toMatch(/GPU detection|GPU \(type to filter/);
  });
});
