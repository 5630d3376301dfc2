// GPU detection: asks nvidia-smi for the cards' names and memory, with a short timeout, and matches
// the names against the catalogue. No nvidia-smi (or no answer) is not an error: it finds nothing.
import { spawnSync } from 'node:child_process';
import type { Gpu, KnowledgeBase } from '../kb/types.js';
import { normalizeName } from '../kb/lookup.js';

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
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
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
  const candidates = kb.gpus.filter((g) => [g.name, ...g.aliases].some((a) => normalizeName(a) === n) || (g.smiMemoryMiB !== undefined && normalizeName(g.name).startsWith(n)));
  if (!candidates.length) return null;
  // the card whose memory is closest to what nvidia-smi reports
  const mem = (g: Gpu) => g.smiMemoryMiB ?? g.memoryMiB ?? g.vramGB * 1024;
  return candidates.sort((a, b) => Math.abs(mem(a) - memoryMiB) - Math.abs(mem(b) - memoryMiB))[0]!;
}

export function detectGpus(kb: KnowledgeBase, env: Record<string, string | undefined>): Detection {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
    timeout: DETECT_TIMEOUT_MS,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { gpus: [], problem: null };
    if (code === 'ETIMEDOUT') return { gpus: [], problem: `nvidia-smi did not answer within ${DETECT_TIMEOUT_MS / 1000} s` };
    return { gpus: [], problem: `nvidia-smi could not run (${code ?? r.error.message})` };
  }
  if (r.status !== 0) return { gpus: [], problem: `nvidia-smi exited with code ${r.status}` };
  const parsed = parseNvidiaSmi(r.stdout ?? '');
  if (!parsed) return { gpus: [], problem: 'nvidia-smi printed something that is not a GPU list' };
  return { gpus: parsed.map((g) => ({ ...g, gpu: matchDetectedGpu(kb, g.name, g.memoryMiB) })), problem: null };
}
