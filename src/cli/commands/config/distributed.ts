// The files and launch line of a run on several cards (settings.cards > 1), from the trainer's
// option table (trainers.yaml `config.distributed`): the options its own file gains (axolotl's
// `deepspeed:`, TRL's `accelerate_config:`, ms-swift's `deepspeed: zero3`), a DeepSpeed JSON, an
// accelerate config or the trainer's own FSDP JSON (ms-swift's --fsdp file) written beside it, and
// the launcher with the number of cards. Pure: no I/O.
import { UsageError } from '../../../errors.js';
import { strategiesOf } from '../../../estimate/trainer-strategies.js';
import type { Technique, Trainer } from '../../../kb/types.js';
import type { ConfigSetting, Strategy } from '../../../kb/vocabulary.js';
import type { Options, OptionValue, TrainerConfig } from './plan.js';

/** A file written beside the trainer's own for several cards. */
export interface DistributedFile {
  /**
   * what reads it: the DeepSpeed JSON (through the Hugging Face integration), accelerate's config
   * YAML, or the trainer's FSDP JSON (ms-swift's --fsdp PATH, as its bundled fsdp2.json)
   */
  kind: (typeof FILE_KINDS)[number];
  name: string;
  options: Options;
}

export interface DistributedPlan {
  strategy: Strategy;
  cards: number;
  /** options the trainer's own file gains */
  set: Options;
  files: DistributedFile[];
  /** the launch line's template ({config}, {script}, {deepspeed}, {accelerate}, {fsdp} still to put in) */
  launch: string;
  /** the script or recipe the technique runs with on several cards (torchtune's *_distributed), if another */
  script: string | null;
  /** settings the strategy writes differently from the table (replacing its entries) */
  options: TrainerConfig['options'];
}

/** The kinds of file a strategy writes beside the trainer's own, in the order they are written. */
export const FILE_KINDS = ['accelerate', 'deepspeed', 'fsdp'] as const;

/** Where a file written beside the trainer's own is named: `{accelerate}`, `{deepspeed}`, `{fsdp}`. */
export const FILE_PLACEHOLDER = new RegExp(`\\{(${FILE_KINDS.join('|')})\\}`, 'g');

/** A value "{cards}" is the number of cards; the files' paths are put in where named. */
function filled(value: OptionValue, cards: number, paths: Record<string, string>): OptionValue {
  if (value === '{cards}') return cards;
  if (typeof value === 'string') return value.replace(FILE_PLACEHOLDER, (m, k: string) => paths[k] ?? m);
  return value;
}

const entries = (set: Record<string, OptionValue> | undefined, cards: number, paths: Record<string, string>): Options =>
  Object.entries(set ?? {}).map(([k, v]): [string, OptionValue] => [k, filled(v, cards, paths)]);

/**
 * The run's files for several cards, or null on one card; a usage error when the trainer does not
 * run the strategy (naming those it runs) or its table has no files for it yet.
 */
export function planDistributed(input: {
  trainer: Trainer;
  technique: Technique;
  config: TrainerConfig;
  cards: number;
  strategy: Strategy | null;
  /** the paths the files are written at (relative to where the trainer is launched) */
  join: (name: string) => string;
  /** one setting through its table entry (plan.ts writeSetting) */
  writeSetting: (setting: ConfigSetting, spec: TrainerConfig['options'][ConfigSetting]) => Options;
}): DistributedPlan | null {
  const { trainer, config, cards, strategy } = input;
  if (cards <= 1 || strategy === null) return null;
  const runs = strategiesOf(trainer);
  const via = trainer.strategies?.find((s) => s.id === strategy)?.via;
  if (!runs.has(strategy))
    throw new UsageError(
      runs.size
        ? `--trainer ${trainer.id} does not run --strategy ${strategy} on several cards. Allowed for --trainer ${trainer.id}: --strategy ${[...runs].join(', ')}.`
        : `--trainer ${trainer.id} trains on one card per run (no strategy for several cards in its source); pass --gpus 1 or another --trainer.`,
    );
  const table = config.distributed;
  const entry = table?.strategies[strategy];
  if (!table || !entry) {
    const written = Object.keys(table?.strategies ?? {});
    throw new UsageError(
      written.length
        ? `config writes ${trainer.id} files for several cards with --strategy ${written.join(', ')}; not yet for ${strategy}${via ? ` (${trainer.id} runs it with ${via})` : ''}.`
        : `config writes ${trainer.id} files for one card only; not yet for ${cards} cards${via ? ` (${trainer.id} runs ${strategy} with ${via})` : ''}.`,
    );
  }
  // a technique with its own writer (TRL's LoHa: a train.py, not trl sft's YAML) is not the file
  // the strategy's options join
  const own = trainer.config?.techniques[input.technique.id]?.writer;
  if (own && own !== trainer.config?.writer)
    throw new UsageError(
      `config writes ${trainer.id}'s ${input.technique.id} run as a ${trainer.config?.techniques[input.technique.id]?.file ?? own} for one card; for ${cards} cards launch it with accelerate launch --num_processes ${cards}, or pass --gpus 1.`,
    );
  if (entry.techniques && !entry.techniques.includes(input.technique.id))
    throw new UsageError(
      `config writes ${trainer.id} files for --strategy ${strategy} with --technique ${entry.techniques.join(', ')}; not ${input.technique.id}${via ? ` (${trainer.id}: ${via})` : ''}.`,
    );
  // the files the strategy writes beside the trainer's own: each kind whose keys the strategy sets
  // and whose file the table names, in FILE_KINDS' order
  const kinds = FILE_KINDS.filter((kind) => entry[kind] && table[`${kind}File`]);
  const paths: Record<string, string> = Object.fromEntries(kinds.map((k) => [k, input.join(table[`${k}File`]!)]));
  const files: DistributedFile[] = kinds.map((kind) => {
    // the run's settings the accelerate config takes (mixed_precision from the precision)
    const settings =
      kind === 'accelerate'
        ? Object.entries(table.accelerateOptions ?? {}).flatMap(([setting, spec]) =>
            input.writeSetting(setting as ConfigSetting, spec),
          )
        : [];
    return {
      kind,
      name: table[`${kind}File`]!,
      options: merged(entries(table[`${kind}Set`], cards, paths), settings, entries(entry[kind], cards, paths)),
    };
  });
  return {
    strategy,
    cards,
    set: entries(entry.set, cards, paths),
    files,
    launch: entry.launch
      .replace(/\{cards\}/g, String(cards))
      .replace(FILE_PLACEHOLDER, (m, k: string) => paths[k] ?? m),
    script: entry.scripts?.[input.technique.id] ?? null,
    options: entry.options ?? {},
  };
}

/** Options with later ones replacing earlier ones of the same name, in first-seen order. */
function merged(...lists: Options[]): Options {
  const out = new Map<string, OptionValue>();
  for (const list of lists) for (const [k, v] of list) out.set(k, v);
  return [...out];
}
