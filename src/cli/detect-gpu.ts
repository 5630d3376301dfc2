// GPU detection: asks nvidia-smi for the cards' names and memory, with a short timeout, and matches
// the names against the catalogue. No nvidia-smi (or no answer) is not an error: it finds nothing.
import { spawn } from 'node:child_process';

import { InterruptedError } from '../errors.js';
import { normalizeName } from '../kb/lookup.js';
import type { Gpu, KnowledgeBase } from '../kb/types.js';

export interface DetectedGpu {
  /** the name nvidia-smi printed */
  name: string;
  memoryMiB: number;
  /** the catalogue card, or null for a card the catalogue does not know */
  gpu: Gpu | null;
}

export interface Detection {
  gpus: DetectedGpu[];
  /** why nothing was found, when nvidia-smi exists but misbehaved (timeout, garbage) */
  problem: string | null;
}

export const DETECT_TIMEOUT_MS = 2000;

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` output. */
export function parseNvidiaSmi(text: string): DetectedGpu[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) return null;
  const out: Array<{ name: string; memoryMiB: number }> = [];
  for (const line of lines) {
    const m = /^(.+?),\s*(\d+(?:\.\d+)?)\s*(?:MiB)?$/.exec(line);
    if (!m || !/[a-z]/i.test(m[1]!)) return null;
    out.push({ name: m[1]!.trim(), memoryMiB: Number(m[2]) });
  }
  return out.map((g) => ({ ...g, gpu: null }));
}

/** The catalogue card for a name nvidia-smi printed; cards sharing a name are told apart by memory. */
export function matchDetectedGpu(kb: KnowledgeBase, name: string, memoryMiB: number): Gpu | null {
  const n = normalizeName(name);
  // cards that print the same name (RTX 3080 10 GB and 12 GB) carry smiMemoryMiB and a longer name
  const candidates = kb.gpus.filter(
    (g) =>
      [g.name, ...g.aliases].some((a) => normalizeName(a) === n) ||
      (g.smiMemoryMiB !== undefined && normalizeName(g.name).startsWith(n)),
  );
  if (!candidates.length) return null;
  // the card whose memory is closest to what nvidia-smi reports
  const mem = (g: Gpu) => g.smiMemoryMiB ?? g.memoryMiB ?? g.vramGB * 1024;
  return candidates.sort((a, b) => Math.abs(mem(a) - memoryMiB) - Math.abs(mem(b) - memoryMiB))[0]!;
}

/** What nvidia-smi may print for a few dozen cards, at most: the rest is not read. */
const MAX_OUTPUT_CHARS = 64 * 1024;

/**
 * Asks nvidia-smi without blocking: the event loop stays free, so a signal (Ctrl-C, SIGTERM) is
 * handled while it runs. A nvidia-smi killed by Ctrl-C (the terminal sends it to the whole process
 * group) rejects with InterruptedError: no detection message after an interrupt.
 */
export function detectGpus(
  kb: KnowledgeBase,
  env: Record<string, string | undefined>,
  timeoutMs = DETECT_TIMEOUT_MS,
): Promise<Detection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (detection: Detection | InterruptedError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.removeListener('exit', killChild);
      if (detection instanceof InterruptedError) reject(detection);
      else resolve(detection);
    };
    const child = spawn('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // our exit (a signal at a question) does not wait for it: it is not left running behind us
    const killChild = () => child.kill();
    process.once('exit', killChild);
    // given up at once when it hangs: a child that holds its output open would delay 'close'
    const timer = setTimeout(() => {
      child.kill();
      finish({ gpus: [], problem: `nvidia-smi did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    let stdout = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') finish({ gpus: [], problem: null });
      else finish({ gpus: [], problem: `nvidia-smi could not run (${err.code ?? err.message})` });
    });
    child.on('close', (status, signal) => {
      if (signal === 'SIGINT') return finish(new InterruptedError());
      if (signal) return finish({ gpus: [], problem: `nvidia-smi was stopped by ${signal}` });
      if (status !== 0) return finish({ gpus: [], problem: `nvidia-smi exited with code ${status}` });
      const parsed = parseNvidiaSmi(stdout);
      if (!parsed) return finish({ gpus: [], problem: 'nvidia-smi printed something that is not a GPU list' });
      finish({ gpus: parsed.map((g) => ({ ...g, gpu: matchDetectedGpu(kb, g.name, g.memoryMiB) })), problem: null });
    });
  });
}
