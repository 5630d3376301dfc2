// Interactive recommend in process: fake terminal streams carry the keys in and the drawn
// questions out, so every prompt path runs without a real terminal.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import type { RecommendInput } from '../../src/cli/commands/recommend/input.js';
import type { Io } from '../../src/cli/io.js';
import { askMissingAnswers } from '../../src/cli/prompts.js';
import { splitKeys } from '../../src/cli/question-input.js';
import { run } from '../../src/cli/run.js';
import { loadKnowledgeBase } from '../../src/kb/load.js';
import { runCli } from '../helpers.js';

const KEYS = { enter: '\r', down: '\u001b[B', ctrlC: '\u0003' };
const fake = (name: string) => `${new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url).pathname}:/usr/bin:/bin`;

function fakeTerminal(env: Record<string, string>) {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: () => input,
    ref: () => input,
    unref: () => input,
  });
  // like process.stderr, the output survives the end() each prompt calls when it closes
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 40 });
  output.end = (() => output) as typeof output.end;
  let screen = '';
  output.on('data', (c: Buffer) => (screen += c.toString()));
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    stdoutIsTTY: false,
    stdinIsTTY: true,
    terminal: { input, output },
  };
  /** waits until the screen shows `pattern` (after the last key), then types `keys` */
  async function answer(pattern: RegExp, ...keys: string[]) {
    const start = Date.now();
    while (!pattern.test(screen)) {
      if (Date.now() - start > 5000)
        throw new Error(`timed out waiting for ${pattern}; screen:\n${screen.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const matched = screen;
    screen = '';
    for (const k of keys) {
      input.write(k);
      await new Promise((r) => setTimeout(r, 15));
    }
    return matched;
  }
  /** waits until the screen shows `pattern`, then writes `text` in one go, as a paste does */
  async function paste(pattern: RegExp, text: string) {
    await answer(pattern);
    input.write(text);
  }
  return {
    io,
    answer,
    paste,
    type: (text: string) => input.write(text),
    end: () => input.end(),
    out: () => ({ stdout, stderr }),
    screen: () => screen,
  };
}

describe('interactive recommend', () => {
  it('answers every question with the defaults (Enter, Enter, ...) and prints the command to repeat', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend'], t.io);
    await t.answer(/What do you want to teach the model\?/, KEYS.down, KEYS.enter); // style
    await t.answer(/Base model/, KEYS.enter); // sdxl (the default)
    await t.answer(/GPU \(type to filter/, ...'4090', KEYS.enter); // the first match is highlighted
    await t.answer(/Time budget/, KEYS.enter); // 2h
    await t.answer(/How many training images\?/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    await t.answer(/What matters most\?/, KEYS.enter); // balanced
    expect(await done).toBe(0);
    const { stdout, stderr } = t.out();
    expect(stdout).toMatch(/^Recommendation: LoRA/);
    expect(stderr).toMatch(
      /finetune-advisor recommend --goal style --model sdxl --gpu rtx-4090 --time 2h --priority balanced/,
    );
  });

  it('offers a detected GPU and skips questions whose flags were given', async () => {
    const t = fakeTerminal({ PATH: fake('one') });
    const done = run(['recommend', '--goal', 'chat', '--model', 'llama-3.1-8b', '--priority', 'quality'], t.io);
    await t.answer(/Found NVIDIA GeForce RTX 4090, 24 GiB: use it\?/, KEYS.enter);
    await t.answer(/Time budget/, ...'8h', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training examples\?/, ...'5000', KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    const { stdout, stderr } = t.out();
    expect(stdout).toMatch(/NVIDIA GeForce RTX 4090/);
    expect(stderr).toMatch(
      /--goal chat --model llama-3.1-8b --gpu rtx-4090 --time 8h --priority quality --examples 5000/,
    );
  });

  it("asks a language goal's objective: Enter keeps the goal's (preference: dpo), another is repeated as --objective", async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const argv = ['recommend', '--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--priority', 'balanced'];
    const done = run([...argv, '--goal', 'preference'], t.io);
    await t.answer(/Time budget/, ...'8h', KEYS.enter);
    const screen = await t.answer(/Which training objective\?/, KEYS.enter);
    expect(screen).toMatch(/dpo \(the preference goal's\)/);
    await t.answer(/How many training examples\?/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done).toBe(0);
    expect(t.out().stdout).toMatch(/objective dpo \(the preference goal's\)/);
    expect(t.out().stderr).not.toMatch(/--objective/);
    // the objective question comes after the time budget and before the data, for language goals only
    const other = fakeTerminal({ PATH: '/nonexistent' });
    const done2 = run([...argv, '--goal', 'chat'], other.io);
    await other.answer(/Time budget/, ...'8h', KEYS.enter);
    await other.answer(/Which training objective\?/, KEYS.down, KEYS.down, KEYS.enter); // sft, dpo, orpo
    await other.answer(/How many training examples\?/, KEYS.enter);
    await other.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done2).toBe(0);
    expect(other.out().stderr).toMatch(/--goal chat --model llama-3.1-8b .* --objective orpo/);
    expect(other.out().stdout).toMatch(/objective orpo,/);
  });

  it('a model given by its config.json folder is read before the questions: only the goals of its family are offered', async () => {
    const t = fakeTerminal({ PATH: fake('one') });
    const model = 'tests/fixtures/model-files/Llama-3.1-8B';
    const done = run(
      ['recommend', '--model', model, '--gpu', 'rtx-4090', '--time', '8h', '--priority', 'quality'],
      t.io,
    );
    const goals = await t.answer(/What do you want to teach the model\?/, KEYS.enter);
    expect(goals).not.toMatch(/image models/);
    await t.answer(/Which training objective\?/, KEYS.enter);
    await t.answer(/How many training examples\?/, ...'5000', KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done).toBe(0);
    const { stdout, stderr } = t.out();
    expect(stdout).toMatch(/on Llama-3\.1-8B, NVIDIA GeForce RTX 4090/);
    expect(stderr).toMatch(/note: model read from tests\/fixtures\/model-files\/Llama-3\.1-8B\/config\.json/);
    expect(stderr).toMatch(
      new RegExp(`--model ${model.replace(/[.]/g, '\\.')} --gpu rtx-4090 --time 8h --priority quality`),
    );
  });

  it('a GPU name several cards share is asked about, never taken silently', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(
      ['recommend', '--goal', 'chat', '--model', 'llama-3.1-8b', '--gpu', 'A100', '--priority', 'quality'],
      t.io,
    );
    const screen = await t.answer(/'A100' is more than one card\. Which one will train\?/, KEYS.down, KEYS.enter);
    expect(screen).toMatch(/a100-80gb/);
    await t.answer(/Time budget/, ...'8h', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training examples\?/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    const { stderr } = t.out();
    expect(stderr).toMatch(/--gpu a100-40gb --time 8h/);
    expect(stderr).not.toMatch(/more than one card/);
  });

  it('several GPUs: a list to pick from; an unknown one uses its memory', async () => {
    const t = fakeTerminal({ PATH: fake('unknown') });
    const done = run(
      ['recommend', '--goal', 'task', '--model', 'qwen2.5-7b', '--time', '4h', '--priority', 'balanced'],
      t.io,
    );
    await t.answer(/Found NVIDIA Quantum Blaster 9000, 64 GiB: use it\?/, KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/not in the catalogue/);
    expect(t.out().stderr).toMatch(/--vram 64/);
    const two = fakeTerminal({ PATH: fake('two') });
    const done2 = run(
      ['recommend', '--goal', 'task', '--model', 'qwen2.5-7b', '--time', '4h', '--priority', 'balanced'],
      two.io,
    );
    await two.answer(/Found 2 GPUs/, KEYS.down, KEYS.enter);
    await two.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await two.answer(/How many training/, KEYS.enter);
    await two.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done2).toBe(0);
    expect(two.out().stderr).toMatch(/--gpu rtx-3080-12gb/);
  });

  it('several cards of one kind are offered as one set; different ones each on their own', async () => {
    const t = fakeTerminal({ PATH: fake('pair') });
    const done = run(
      ['recommend', '--goal', 'task', '--model', 'qwen2.5-7b', '--time', '4h', '--priority', 'balanced'],
      t.io,
    );
    const shown = await t.answer(/Found 2x NVIDIA GeForce RTX 4090\. Which will train\?[^]*Another GPU/, KEYS.enter);
    expect(shown).toMatch(
      /2x NVIDIA GeForce RTX 4090, 24 GiB each \(detected\)[^]*1x NVIDIA GeForce RTX 4090, one of them/,
    );
    await t.answer(/Which training objective\?/, KEYS.enter);
    await t.answer(/How many training/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--gpu "2x rtx-4090" --time 4h/);
    expect(t.out().stdout).toMatch(/2 x NVIDIA GeForce RTX 4090, 24 GiB each/);

    const mixed = fakeTerminal({ PATH: fake('mixed') });
    const done2 = run(
      ['recommend', '--goal', 'task', '--model', 'qwen2.5-7b', '--time', '4h', '--priority', 'balanced'],
      mixed.io,
    );
    // the set of two 4090s, one 4090, then the 3090 on its own
    await mixed.answer(
      /Found 2x NVIDIA GeForce RTX 4090 and NVIDIA GeForce RTX 3090\.[^]*Another GPU/,
      KEYS.down,
      KEYS.down,
      KEYS.enter,
    );
    await mixed.answer(/Which training objective\?/, KEYS.enter);
    await mixed.answer(/How many training/, KEYS.enter);
    await mixed.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done2).toBe(0);
    expect(mixed.out().stderr).toMatch(/--gpu rtx-3090 --time 4h/);
  });

  it('a count before a name several cards share stays with the card chosen', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const argv = [
      'recommend',
      '--goal',
      'chat',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '2x A100',
      '--priority',
      'quality',
    ];
    const done = run(argv, t.io);
    await t.answer(/'A100' is more than one card\. Which one will train\?/, KEYS.down, KEYS.enter);
    await t.answer(/Time budget/, ...'8h', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter);
    await t.answer(/How many training examples\?/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--gpu "2x a100-40gb" --time 8h/);
  });

  it('a model by parameter count, and a time typed wrong then right', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend', '--goal', 'task', '--vram', '24', '--priority', 'balanced'], t.io);
    await t.answer(/Base model/, ...'zzz', KEYS.enter); // only "Another model" matches
    await t.answer(/Parameter count in billions/, ...'9', KEYS.enter);
    await t.answer(/Time budget/, ...'2 hourz', KEYS.enter);
    await t.answer(/Expected a duration/, ...'\u007f'.repeat(7), ...'3h', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--model-params 9 --vram 24 --time 3h/);
    expect(t.out().stdout).toMatch(/a 9 B language model/);
  });

  it('a model by its files: a path that cannot be read is refused under the question, a config.json folder taken', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent', HF_HOME: '/nonexistent-hf' });
    const done = run(['recommend', '--goal', 'task', '--vram', '24', '--time', '4h', '--priority', 'balanced'], t.io);
    await t.answer(/Base model/, ...'zzz', KEYS.down, KEYS.enter); // the second "Another model": its files
    await t.answer(/Path to its config\.json or model folder/, ...'tests/fixtures/none.json', KEYS.enter);
    await t.answer(
      /none\.json: no such file or folder/,
      ...'\u007f'.repeat(24),
      ...'tests/fixtures/model-files/Llama-3.1-8B',
      KEYS.enter,
    );
    await t.answer(/Which training objective\?/, KEYS.enter);
    await t.answer(/How many training/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done).toBe(0);
    const { stdout, stderr } = t.out();
    expect(stdout).toMatch(/on Llama-3\.1-8B, /);
    expect(stderr).toMatch(/--model tests\/fixtures\/model-files\/Llama-3\.1-8B --vram 24 --time 4h/);
    expect(stderr).toMatch(/note: model read from tests\/fixtures\/model-files\/Llama-3\.1-8B\/config\.json/);
  });

  it('a model answered by its files is read once: the run goes on after they are gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-answer-'));
    const folder = join(dir, 'Llama-3.1-8B');
    cpSync('tests/fixtures/model-files/Llama-3.1-8B', folder, { recursive: true });
    try {
      const t = fakeTerminal({ PATH: '/nonexistent', HF_HOME: '/nonexistent-hf' });
      const done = run(['recommend', '--goal', 'task', '--vram', '24', '--time', '4h', '--priority', 'balanced'], t.io);
      await t.answer(/Base model/, ...'zzz', KEYS.down, KEYS.enter);
      await t.answer(/Path to its config\.json or model folder/, ...folder, KEYS.enter);
      // checked (read) under the question; removed before the run plans with it
      await t.answer(/Which training objective\?/, KEYS.enter);
      rmSync(folder, { recursive: true });
      await t.answer(/How many training/, KEYS.enter);
      await t.answer(/Which trainer will you run it with\?/, KEYS.enter);
      expect(await done).toBe(0);
      expect(t.out().stdout).toMatch(/on Llama-3\.1-8B, /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("recommend --out after questions: the files' first line is the command that repeats the answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-answer-out-'));
    try {
      const t = fakeTerminal({ PATH: '/nonexistent' });
      const argv = ['recommend', '--goal', 'style', '--model', 'sdxl', '--gpu', 'rtx-4090', '--trainer', 'kohya'];
      const done = run([...argv, '--priority', 'balanced', '--out', dir], t.io);
      await t.answer(/Time budget/, ...'3h', KEYS.enter);
      await t.answer(/How many training/, KEYS.enter);
      expect(await done).toBe(0);
      const first = readFileSync(join(dir, 'train.toml'), 'utf8').split('\n')[0];
      expect(first).toMatch(
        /^# Written by: finetune-advisor recommend --goal style --model sdxl --gpu rtx-4090 --time 3h .*--trainer kohya.* --out /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a model the --rank given does not fit is refused at the question, with the flag error', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const argv = ['recommend', '--goal', 'task', '--vram', '24', '--time', '2h', '--priority', 'balanced'];
    const done = run([...argv, '--rank', '1000'], t.io);
    // refused, the filter becomes the model's label (inquirer's search) and Enter on it says why
    await t.answer(/Base model/, ...'qwen2.5-0.5b', KEYS.enter);
    await t.answer(/Base model.*qwen2\.5-0\.5b \(Qwen2\.5 0\.5B, 0\.5 B\)\n❯ qwen2\.5-0\.5b/, KEYS.enter);
    await t.answer(
      /--rank 1000 is beyond qwen2\.5-0\.5b's width \(no matrix it adapts has a rank above 896\): use 1\.\.896\./,
      ...'\u007f'.repeat(40),
    );
    await t.answer(/Base model/, ...'llama-3.1-8b', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect([0, 3]).toContain(await done); // an answer (3: nothing fits the 2 h), not a usage error
    expect(t.out().stderr).toMatch(/--model llama-3.1-8b --vram 24 --time 2h --priority balanced --rank 1000/);
  });

  it('Ctrl-C at the second question exits 130 with one line and no trace', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend'], t.io);
    await t.answer(/What do you want to teach the model\?/, KEYS.enter);
    await t.answer(/Base model/, KEYS.ctrlC);
    expect(await done).toBe(130);
    expect(t.out().stderr.trim()).toBe('interrupted');
    expect(t.out().stdout).toBe('');
  });

  it('Ctrl-D on an empty answer (the end of input) exits 130 rather than waiting for ever', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12'], t.io);
    await t.answer(/Time budget/, '\u0004');
    expect(await done).toBe(130);
    expect(t.out().stderr.trim()).toBe('interrupted');
  });

  it('the input ending at a question exits 130 rather than waiting for ever', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12'], t.io);
    await t.answer(/Time budget/);
    t.end();
    expect(await done).toBe(130);
  });

  it('answers pasted in one go are kept for the questions after the first', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(['recommend'], t.io);
    // style (Down), sdxl, "3090" (its first match), 2h, not sure of the data, balanced: one write
    await t.paste(/What do you want to teach the model\?/, `${KEYS.down}\r\r3090\r\r\r\r\r`);
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--goal style --model sdxl --gpu rtx-3090 --time 2h --priority balanced/);
  });

  it('keys typed while nvidia-smi is asked wait for the GPU question', async () => {
    const t = fakeTerminal({ PATH: fake('slow') });
    const done = run(
      ['recommend', '--goal', 'chat', '--model', 'llama-3.1-8b', '--time', '8h', '--priority', 'quality'],
      t.io,
    );
    await t.paste(/Looking for GPUs with nvidia-smi\.\.\./, 'n\r'); // "no" to the card it finds
    await t.answer(/GPU \(type to filter/, ...'t4', KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--gpu t4 --time 8h/);
  });

  it('the note while nvidia-smi is asked is erased before the next question', async () => {
    const t = fakeTerminal({ PATH: fake('one') });
    const done = run(
      ['recommend', '--goal', 'chat', '--model', 'llama-3.1-8b', '--time', '8h', '--priority', 'quality'],
      t.io,
    );
    const screen = await t.answer(/Found NVIDIA GeForce RTX 4090/, KEYS.enter);
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(screen).toMatch(/^Looking for GPUs with nvidia-smi\.\.\.\r\x1b\[2K/);
    expect(await done).toBe(0);
  });

  it('a memory typed in the GPU filter is the default of the memory question; no match is no crash', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--time', '2h', '--priority', 'balanced'],
      t.io,
    );
    await t.answer(/GPU \(type to filter/, ...'20 GB', KEYS.enter); // no card matches: "Not listed" is the only choice
    await t.answer(/GPU memory in GB \(20 GB\)/, KEYS.enter);
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--vram 20 --time 2h/);
    const other = fakeTerminal({ PATH: '/nonexistent' });
    const done2 = run(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--time', '2h', '--priority', 'balanced'],
      other.io,
    );
    await other.answer(/GPU \(type to filter/, ...'zzz', KEYS.enter);
    await other.answer(/GPU memory in GB \(24\)/, KEYS.enter);
    await other.answer(/How many training/, KEYS.enter);
    await other.answer(/Which trainer will you run it with\?/, KEYS.enter);
    expect(await done2).toBe(0);
    expect(other.out().stderr).toMatch(/--vram 24 --time 2h/);
  });

  it('with nothing typed, Enter at the GPU question asks for the memory', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--time', '2h', '--priority', 'balanced'],
      t.io,
    );
    await t.answer(/GPU \(type to filter/, KEYS.enter);
    await t.answer(/GPU memory in GB \(24\)/, ...'12', KEYS.enter);
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(t.out().stderr).toMatch(/--vram 12 --time 2h/);
  });

  it('signal handlers that restore the terminal are there only while questions are shown', async () => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const count = () => signals.map((s) => process.listenerCount(s));
    const before = count();
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(
      ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--priority', 'balanced'],
      t.io,
    );
    await t.answer(/Time budget/);
    for (const [i, n] of count().entries()) expect(n).toBeGreaterThan(before[i]!);
    t.type(KEYS.enter);
    await t.answer(/How many training/, KEYS.enter);
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(0);
    expect(count()).toEqual(before);
  });

  it('--no-input never asks: missing answers are a usage error', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    expect(await run(['recommend', '--no-input'], t.io)).toBe(2);
    expect(t.out().stderr).toMatch(/missing --goal, --model, --gpu or --vram, --time/);
  });

  it('all flags given: no question at all', async () => {
    const t = fakeTerminal({ PATH: '/nonexistent' });
    expect(await run(['recommend', '--goal', 'style', '--model', 'sd15', '--vram', '8', '--time', '1h'], t.io)).toBe(0);
  });
});

describe('the answers asked', () => {
  it('are returned, and only they: what the questions were given is left as it was', async () => {
    const t = fakeTerminal({});
    const known: RecommendInput = Object.freeze({ goal: 'style', model: 'sdxl', vram: 12 });
    const asked = askMissingAnswers(
      loadKnowledgeBase(),
      known,
      t.io.terminal!,
      async () => ({ gpus: [], problem: null }),
      () => {},
      async () => true,
    );
    await t.answer(/Time budget/, ...'3h', KEYS.enter);
    await t.answer(/How many training/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.down, KEYS.enter); // the one after diffusers
    await t.answer(/What matters most\?/, KEYS.down, KEYS.enter);
    expect(await asked).toEqual({ time: 3, trainer: 'kohya', priority: 'quality' });
    expect(known).toEqual({ goal: 'style', model: 'sdxl', vram: 12 });
  });

  it('go through the check the flags go through, with the same error', async () => {
    const flagged = await runCli([
      'recommend',
      '--goal',
      'task',
      '--model',
      'qwen2.5-7b',
      '--vram',
      '24',
      '--time',
      '2h',
      '--resolution',
      '512',
    ]);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).toMatch(/^error: --resolution is for image models; --goal task is a language goal/);
    const t = fakeTerminal({ PATH: '/nonexistent' });
    const done = run(
      [
        'recommend',
        '--model',
        'qwen2.5-7b',
        '--vram',
        '24',
        '--time',
        '2h',
        '--resolution',
        '512',
        '--priority',
        'balanced',
      ],
      t.io,
    );
    await t.answer(/What do you want to teach the model\?/, KEYS.enter); // task, the default for a language model
    await t.answer(/Which training objective\?/, KEYS.enter); // the goal's (sft)
    await t.answer(/How many training examples\?/, KEYS.enter); // not sure
    await t.answer(/Which trainer will you run it with\?/, KEYS.enter); // the family's default
    expect(await done).toBe(2);
    expect(t.out().stderr).toMatch(/--goal task --model qwen2.5-7b --vram 24 --time 2h/);
    expect(t.out().stderr.endsWith(flagged.stderr)).toBe(true);
  });
});

describe('splitKeys', () => {
  it('one entry per key: escape sequences, CR LF and characters outside the BMP stay whole', () => {
    expect(splitKeys('\u001b[B\r\n3€😀\u001bOA\u001bx\u001b[1;5C\u0003\r')).toEqual([
      '\u001b[B',
      '\r\n',
      '3',
      '€',
      '😀',
      '\u001bOA',
      '\u001bx',
      '\u001b[1;5C',
      '\u0003',
      '\r',
    ]);
  });

  it('a misspelt --model or --gpu is reported before any question is asked', async () => {
    for (const argv of [
      ['recommend', '--model', 'sdxll'],
      ['recommend', '--goal', 'style', '--gpu', 'rtx-40900'],
    ]) {
      const t = fakeTerminal({ PATH: fake('one') });
      expect(await run(argv, t.io)).toBe(2);
      expect(t.out().stderr).toMatch(/^error: --(model|gpu) '[^']+' is not in the catalogue\./);
      expect(t.screen()).toBe('');
    }
  });
});
