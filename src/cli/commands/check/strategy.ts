// The strategy for several cards a trainer's file states, read back through the trainer's table
// for several cards (trainers.yaml `config.distributed`, which `config` writes from): the strategy
// whose options the file has (ms-swift's `deepspeed: zero3`, torchtune's `fsdp_cpu_offload: true`),
// the most specific first; where several name a file alike (axolotl's `deepspeed: ds.json`, TRL's
// `accelerate_config: accelerate.yaml`), the one whose defining keys that file holds (its ZeRO stage,
// its distributed_type). Files are read as data, never run.
import { existsSync } from 'node:fs';

import { STRATEGY_TRAITS } from '../../../estimate/parallel.js';
import type { Strategy } from '../../../kb/vocabulary.js';
import { type DistributedFile, FILE_PLACEHOLDER } from '../config/distributed.js';
import type { TrainerConfig } from '../config/plan.js';
import { besides, type ReadConfig, readConfigFile, type ReadScript } from './read-config.js';
import { sameValue } from './reverse.js';

/** The strategy a file states, and the option of the file that says it. */
export interface StrategyRead {
  strategy: Strategy;
  /** the file's option that decided it (the first the strategy's entry sets) */
  option: string;
  value: unknown;
  /** the file beside it that confirmed it (a DeepSpeed JSON, an accelerate config), when one did */
  file: string | null;
  /** the cards the file itself states (LitGPT's `devices`), when it does */
  cards: number | null;
}

type Entry = NonNullable<NonNullable<TrainerConfig['distributed']>['strategies'][Strategy]>;
/** A value that stands for a file written beside the trainer's own (`{deepspeed}`), alone. */
const FILE_VALUE = new RegExp(`^${FILE_PLACEHOLDER.source}$`);
/** A value that names a file (a path to a JSON or YAML beside the trainer's file). */
const NAMES_A_FILE = /\.(json|ya?ml)$/i;

interface Candidate {
  strategy: Strategy;
  entry: Entry;
  /** keys of the entry's `set` the file has with its value (a placeholder: any file name) */
  matched: number;
  cards: number | null;
  named: { option: string; kind: DistributedFile['kind']; value: string } | null;
}

/**
 * Per strategy, the keys every strategy of its engine writes with one value (axolotl's fsdp_version,
 * state_dict_type and auto_wrap_policy in each of its FSDP strategies, where two or more share the
 * engine): `config`'s choices, which a published file may make otherwise (axolotl's gpt-oss
 * example: SHARDED_STATE_DICT), so a strategy is read by its other keys, with one of these present.
 * File placeholders and the cards' count are never among them.
 */
function boilerplateKeys(entries: Array<[Strategy, Entry]>): Map<Strategy, Set<string>> {
  const byEngine = new Map<string, Array<[Strategy, Entry]>>();
  for (const e of entries) {
    const engine = STRATEGY_TRAITS[e[0]].engine;
    byEngine.set(engine, [...(byEngine.get(engine) ?? []), e]);
  }
  const out = new Map<Strategy, Set<string>>();
  for (const group of byEngine.values()) {
    if (group.length < 2) continue;
    const [first, ...rest] = group.map(([, entry]) => entry.set ?? {});
    const keys = Object.entries(first!).filter(
      ([key, value]) =>
        !(typeof value === 'string' && (FILE_VALUE.test(value) || value === '{cards}')) &&
        rest.every((set) => key in set && sameValue(set[key], value)),
    );
    for (const [strategy] of group) out.set(strategy, new Set(keys.map(([k]) => k)));
  }
  return out;
}

/**
 * The strategy the file's options state, or null when none does (a one-card file, or a strategy
 * the table selects by its launch line alone: DDP's torchrun). `options` is the file as read;
 * `quantizedBase` whether the run's method trains on a quantized base (QLoRA), which tells
 * FSDP-QLoRA from FSDP on a 16-bit base where the file's keys are alike (axolotl writes both with
 * the same fsdp_config).
 */
export function readStrategy(
  main: ReadConfig | ReadScript,
  config: TrainerConfig,
  options: ReadonlyMap<string, unknown>,
  quantizedBase: boolean,
): StrategyRead | null {
  const table = config.distributed;
  if (!table) return null;
  const entries = Object.entries(table.strategies) as Array<[Strategy, Entry]>;
  const common = boilerplateKeys(entries);
  const candidates: Candidate[] = [];
  for (const [strategy, entry] of entries) {
    const set = Object.entries(entry.set ?? {});
    if (!set.length) continue;
    let named: Candidate['named'] = null;
    let cards: number | null = null;
    let matched = 0;
    const shared = common.get(strategy) ?? new Set<string>();
    // one of the keys its engine's strategies all write alike is there (the file is of that engine)
    if (shared.size && ![...shared].some((key) => options.has(key))) continue;
    const holds = set.every(([key, value]) => {
      const placeholder = typeof value === 'string' ? FILE_VALUE.exec(value) : null;
      const has = options.get(key);
      if (shared.has(key)) {
        if (options.has(key) && sameValue(has, value)) matched++;
        return true;
      }
      matched++;
      // the number of cards, as the file states it (LitGPT's devices: 4)
      if (value === '{cards}') {
        if (typeof has !== 'number' || !Number.isInteger(has) || has < 2) return false;
        cards = has;
        return true;
      }
      if (!placeholder) return options.has(key) && sameValue(has, value);
      if (typeof has !== 'string' || !NAMES_A_FILE.test(has)) return false;
      named = { option: key, kind: placeholder[1] as DistributedFile['kind'], value: has };
      return true;
    });
    if (holds) candidates.push({ strategy, entry, matched, named, cards });
  }
  // the cards a launch line's environment gives (ms-swift's NPROC_PER_NODE=2), and DDP where no
  // strategy's keys are in the file: its launch line is all that selects it
  const variable = table.cardsVariable;
  const given = variable && 'environment' in main ? Number((main as ReadScript).environment.get(variable)) : NaN;
  const launched = Number.isInteger(given) && given > 1 ? given : null;
  if (launched) for (const c of candidates) c.cards ??= launched;
  if (!candidates.length)
    return launched && table.strategies.ddp
      ? { strategy: 'ddp', option: variable!, value: launched, file: null, cards: launched }
      : null;
  const most = Math.max(...candidates.map((c) => c.matched));
  let best = candidates.filter((c) => c.matched === most);
  // alike keys: a quantized base's strategy for QLoRA, a 16-bit one for any other technique
  const fitting = best.filter((c) => STRATEGY_TRAITS[c.strategy].quantizedBase === quantizedBase);
  if (fitting.length) best = fitting;
  // those naming a file alike: told apart by the keys each writes there that the others do not
  if (best.length > 1 && best.every((c) => c.named)) {
    const path = [best[0]!.named!.value, besides(main.file, best[0]!.named!.value)].find((p) => existsSync(p));
    if (path === undefined) return null;
    const values = new Map(readConfigFile(path).options.map((o) => [o.path, o.value] as const));
    const defining = (c: Candidate) => Object.entries(c.entry[c.named!.kind] ?? {});
    best = best.filter((c) => defining(c).every(([k, v]) => values.has(k) && sameValue(values.get(k), v)));
    if (best.length > 1) {
      const top = Math.max(...best.map((c) => defining(c).length));
      best = best.filter((c) => defining(c).length === top);
    }
    if (best.length !== 1) return null;
    const [c] = best;
    return { strategy: c!.strategy, option: c!.named!.option, value: c!.named!.value, file: path, cards: c!.cards };
  }
  if (best.length !== 1) return null;
  const c = best[0]!;
  const option = c.named?.option ?? Object.keys(c.entry.set ?? {})[0]!;
  return { strategy: c.strategy, option, value: options.get(option), file: null, cards: c.cards };
}
