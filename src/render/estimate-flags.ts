// The `estimate` flags that give a planned run: what the run was resolved from (the settings the
// user fixed or the planner chose, and the data), the settings the memory savers changed, and the
// steps a time budget shortened it to. `estimate` resolves flags through the same resolveRun, so
// these flags give the same settings, memory and time (a test draws random runs and checks).
// The flags are the CLI's names, so they are written here and not in the planner.
import type { DataInput } from '../estimate/data.js';
import { SAVERS } from '../estimate/fit.js';
import type { RunPlan } from '../estimate/plan.js';
import type { TrainingSettings } from '../estimate/settings.js';

// the class images follow from --prior-preservation (the technique's count), the sequence fill from the data
// flags, the checkpoints' offloading from --trainer
type Flagged = Exclude<
  keyof TrainingSettings,
  | 'method'
  | 'learningRate'
  | 'meanSeqLen'
  | 'virtualTokens'
  | 'classImages'
  | 'offloadCheckpoints'
  | 'quantizesExperts'
  | 'textEncoderTargets'
  // written with --resolution (WIDTHxHEIGHT)
  | 'width'
  // the card set's size, written with the card (--gpus)
  | 'cards'
>;

/** Each setting as estimate's flags; a switch's default side (cache on, encoders frozen) gives none. */
const SETTING_FLAGS: { [K in Flagged]: (v: TrainingSettings[K], run: TrainingSettings) => string[] } = {
  batch: (v) => [`--batch ${v}`],
  gradAccum: (v) => [`--grad-accum ${v}`],
  resolution: (v, run) => (v === null ? [] : [`--resolution ${run.width !== null ? `${run.width}x${v}` : v}`]),
  frames: (v) => (v === null ? [] : [`--frames ${v}`]),
  blocksToSwap: (v) => (v > 0 ? [`--blocks-to-swap ${v}`] : []),
  seqLen: (v) => (v === null ? [] : [`--seq-len ${v}`]),
  rank: (v) => (v === null ? [] : [`--rank ${v}`]),
  factor: (v) => (v === null ? [] : [`--factor ${v}`]),
  targets: (v) => [`--targets ${v}`],
  precision: (v) => [`--precision ${v}`],
  quantize: (v) => [`--quantize ${v}`],
  optimizer: (v) => [`--optimizer ${v}`],
  gradientCheckpointing: (v) => [v ? '--gradient-checkpointing' : '--no-gradient-checkpointing'],
  cache: (v) => (v ? [] : ['--no-cache']),
  trainTextEncoder: (v) => (v ? ['--train-text-encoder'] : []),
  priorPreservation: (v) => (v ? ['--prior-preservation'] : []),
  steps: (v) => [`--steps ${v}`],
  trainer: (v) => (v === null ? [] : [`--trainer ${v}`]),
  attention: (v) => [`--attention ${v}`],
  savePrecision: (v) => (v === null ? [] : [`--save-precision ${v}`]),
  baseDtype: (v) => (v === null ? [] : [`--base-dtype ${v}`]),
  loss: (v) => [`--loss ${v}`],
  objective: (v) => [`--objective ${v}`],
  strategy: (v) => (v === null ? [] : [`--strategy ${v}`]),
};

const DATA_FLAGS: { [K in keyof Required<DataInput>]: (v: Required<DataInput>[K]) => string } = {
  images: (v) => `--images ${v}`,
  repeats: (v) => `--repeats ${v}`,
  examples: (v) => `--examples ${v}`,
  tokensPerExample: (v) => `--tokens-per-example ${v}`,
  tokens: (v) => `--tokens ${v}`,
  epochs: (v) => `--epochs ${v}`,
  packing: (v) => (v ? '--packing' : '--no-packing'),
};

const flagged = (k: string): k is Flagged => k in SETTING_FLAGS;

/** The run-settings flags of `estimate` for a planned run (without --technique, --model and the card). */
export function estimateFlags(plan: RunPlan): string[] {
  const run = plan.run.settings;
  const keys = new Set<Flagged>(Object.keys(plan.choices.overrides).filter(flagged));
  // a width the user gave is written with its height
  if ('width' in plan.choices.overrides) keys.add('resolution');
  for (const id of plan.fit.savers)
    for (const k of SAVERS.find((s) => s.id === id)!.changes) if (flagged(k)) keys.add(k);
  if (run.steps !== plan.settings.steps) keys.add('steps');
  // a trainer other than the family's default (which estimate assumes without --trainer)
  const trainer = plan.choices.trainer;
  if (trainer && !trainer.defaultFor?.length) keys.add('trainer');
  const out: string[] = [];
  for (const k of Object.keys(SETTING_FLAGS) as Flagged[])
    if (keys.has(k)) out.push(...(SETTING_FLAGS[k] as (v: unknown, run: TrainingSettings) => string[])(run[k], run));
  const data = plan.choices.data ?? {};
  for (const k of Object.keys(DATA_FLAGS) as Array<keyof DataInput>)
    if (data[k] !== undefined && (k !== 'packing' || run.seqLen !== null))
      out.push((DATA_FLAGS[k] as (v: unknown) => string)(data[k]));
  return out;
}

/** The flags of the settings the savers of a fit changed, at the values the fitted run has (what to add to reach it). */
export function saverFlags(savers: readonly string[], run: TrainingSettings): string[] {
  const keys = new Set<Flagged>();
  for (const id of savers) for (const k of SAVERS.find((s) => s.id === id)?.changes ?? []) if (flagged(k)) keys.add(k);
  const out: string[] = [];
  for (const k of Object.keys(SETTING_FLAGS) as Flagged[])
    if (keys.has(k)) out.push(...(SETTING_FLAGS[k] as (v: unknown, run: TrainingSettings) => string[])(run[k], run));
  return out;
}
