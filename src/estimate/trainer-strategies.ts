// Which strategies for several cards a trainer runs (trainers.yaml `strategies`, read from each
// trainer's source), for the planner's strategy savers: a strategy the trainer cannot run is not
// offered. Pure, and light enough for the core bundle (no writer code).
import type { Trainer } from '../kb/types.js';
import { STRATEGIES, type Strategy } from '../kb/vocabulary.js';

const ALL: ReadonlySet<Strategy> = new Set(STRATEGIES);
const cache = new WeakMap<object, ReadonlySet<Strategy>>();

/**
 * The strategies the trainer runs: every strategy when no trainer is given or its entry records
 * none (not recorded), none when it records an empty list (one card per run, ai-toolkit).
 */
export function strategiesOf(trainer: Pick<Trainer, 'strategies'> | null | undefined): ReadonlySet<Strategy> {
  const list = trainer?.strategies;
  if (!list) return ALL;
  let set = cache.get(list);
  if (!set) {
    // the loader rejects an id outside the vocabulary; a hand-built trainer's are filtered the same way
    set = new Set(STRATEGIES.filter((s) => list.some((x) => x.id === s)));
    cache.set(list, set);
  }
  return set;
}

/** Whether the trainer runs the strategy (a single card, no strategy, always runs). */
export const runsStrategy = (trainer: Pick<Trainer, 'strategies'> | null | undefined, strategy: Strategy | null) =>
  strategy === null || strategiesOf(trainer).has(strategy);
