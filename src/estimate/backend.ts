// What runs on each software stack: CUDA (NVIDIA), ROCm (AMD) and MPS (Apple's Metal backend of
// PyTorch). A recipe setting the card's stack does not run is moved to one that does, and the
// answer says so; a setting the user fixed that does not run there is theirs to change (the CLI
// refuses it, naming what does run). Pure.
//
// Sources, as they stand (2026):
// - bitsandbytes installation guide v0.50 (https://huggingface.co/docs/bitsandbytes/v0.50.2/en/installation.md):
//   "We provide official support for NVIDIA GPUs, AMD GPUs, Intel XPUs, Apple Silicon, and Intel
//   Gaudi" (v0.48 still called ROCm "experimental"): NF4, LLM.int8() and the 8-bit optimizers on ROCm.
// - bitsandbytes-foundation/bitsandbytes PR #1983 "MPS: improved backend" (merged 2026-07-01):
//   "MPS works with all of the 4bit or LLM.int8() configurations ... with exception of the
//   optimizer support, which will be a future PR"; "The MPS path in general requires torch >= 2.9".
//   The 8-bit optimizers (AdamW8bit, paged AdamW, Lion8bit) do not run on MPS.
// - Dao-AILab/flash-attention: the flash-attn package builds for CUDA and ROCm only; on MPS the
//   attention is PyTorch's scaled_dot_product_attention (its math and memory-efficient kernels).
import type { Attention, Optimizer } from '../kb/vocabulary.js';
import type { TrainingSettings } from './settings.js';

export type Backend = 'cuda' | 'rocm' | 'mps';

export interface BackendSupport {
  /** how answers name the stack */
  label: string;
  /** bitsandbytes' 8-bit optimizers (adamw-8bit, paged-adamw-8bit, lion-8bit) */
  eightBitOptimizers: boolean;
  /** the flash-attn package (--attention flash) */
  flashAttention: boolean;
  /** what the answer says about the stack whenever a run is planned on it */
  notes: readonly string[];
}

export const BACKENDS: Record<Backend, BackendSupport> = {
  cuda: { label: 'CUDA', eightBitOptimizers: true, flashAttention: true, notes: [] },
  rocm: {
    label: 'ROCm',
    eightBitOptimizers: true,
    flashAttention: true,
    notes: [
      'ROCm: bitsandbytes supports AMD GPUs officially since v0.50 (NF4, LLM.int8() and the 8-bit optimizers; v0.48 called it experimental)',
    ],
  },
  mps: {
    label: 'MPS',
    eightBitOptimizers: false,
    flashAttention: false,
    notes: [
      "MPS (Apple GPU): bitsandbytes' MPS backend runs its NF4 and 8-bit bases (bitsandbytes PR #1983, needs torch >= 2.9; slower without the Hub kernels of macOS 26), not its 8-bit optimizers; no flash-attn package (PyTorch SDPA instead)",
    ],
  },
};

export const backendOf = (card: { backend?: Backend } | null | undefined): Backend => card?.backend ?? 'cuda';

/** The 32-bit optimizer a bitsandbytes 8-bit one stands for: what runs where the 8-bit ones do not. */
export const FULL_PRECISION_OPTIMIZER: Partial<Record<Optimizer, Optimizer>> = {
  'adamw-8bit': 'adamw',
  'paged-adamw-8bit': 'adamw',
  'lion-8bit': 'lion',
};

/** A setting of a recipe moved to what the card's stack runs. */
export interface BackendChange {
  setting: 'optimizer' | 'attention';
  from: Optimizer | Attention;
  to: Optimizer | Attention;
  backend: Backend;
}

/**
 * The recipe's settings the card's stack does not run, moved to ones it does (none when the user
 * fixed them: `fixed` holds the settings given, which the CLI checks with backendProblem).
 */
export function settingsForBackend(
  s: TrainingSettings,
  backend: Backend,
  fixed: ReadonlySet<keyof TrainingSettings>,
): { settings: TrainingSettings; changes: BackendChange[] } {
  const support = BACKENDS[backend];
  const changes: BackendChange[] = [];
  let settings = s;
  const full = FULL_PRECISION_OPTIMIZER[s.optimizer];
  if (!support.eightBitOptimizers && full && !fixed.has('optimizer')) {
    changes.push({ setting: 'optimizer', from: s.optimizer, to: full, backend });
    settings = { ...settings, optimizer: full };
  }
  if (!support.flashAttention && s.attention === 'flash' && !fixed.has('attention')) {
    changes.push({ setting: 'attention', from: 'flash', to: 'sdpa', backend });
    settings = { ...settings, attention: 'sdpa' };
  }
  return { settings, changes };
}

/** The sentence for one change (estimate and recommend say it alike). */
export function backendChangeText(change: BackendChange, cardName: string): string {
  const why =
    change.setting === 'optimizer'
      ? `bitsandbytes' 8-bit optimizers do not run on ${BACKENDS[change.backend].label}`
      : `the flash-attn package does not run on ${BACKENDS[change.backend].label}`;
  return `${change.setting} ${change.to} instead of the recipe's ${change.from}: ${why} (${cardName})`;
}

/** A value the user fixed that the card's stack does not run: one line naming what does, or null. */
export function backendProblem(
  given: { optimizer?: Optimizer; attention?: Attention },
  backend: Backend,
  cardName: string,
): string | null {
  const support = BACKENDS[backend];
  if (given.optimizer && !support.eightBitOptimizers && FULL_PRECISION_OPTIMIZER[given.optimizer])
    return `--optimizer ${given.optimizer} needs bitsandbytes' 8-bit optimizers, which do not run on ${support.label} (${cardName}); use --optimizer ${FULL_PRECISION_OPTIMIZER[given.optimizer]} (or adafactor, sgd, prodigy).`;
  if (given.attention === 'flash' && !support.flashAttention)
    return `--attention flash needs the flash-attn package, which does not run on ${support.label} (${cardName}); allowed there: eager, sdpa.`;
  return null;
}
