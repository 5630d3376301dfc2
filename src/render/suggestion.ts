// A suggestion as the user reads it: the engine's words and the flags that make its change. The
// flags are the CLI's names, so they are written here and not in the engine.
import type { Suggestion, SuggestionChange } from '../engine/rank.js';

/** A --time value that is enough, rounded up as formatBudget rounds it: "41m", "1.7h". */
const budgetFlag = (hours: number) => (hours < 1 ? `${Math.ceil(hours * 60)}m` : `${Math.ceil(hours * 10) / 10}h`);

const FLAGS: { [K in keyof Required<SuggestionChange>]: (v: Required<SuggestionChange>[K]) => string } = {
  resolution: (v) => `--resolution ${v}`,
  seqLen: (v) => `--seq-len ${v}`,
  steps: (v) => `--steps ${v}`,
  quantize: (v) => `--quantize ${v}`,
  gpu: (v) => `--gpu ${v}`,
  timeHours: (v) => `--time ${budgetFlag(v)}`,
  model: (v) => `--model ${v}`,
  epochs: (v) => `--epochs ${v}`,
  images: (v) => `--images ${v}`,
  examples: (v) => `--examples ${v}`,
  tokens: (v) => `--tokens ${v}`,
};

export function suggestionFlags(change: SuggestionChange): string[] {
  return (Object.keys(FLAGS) as Array<keyof SuggestionChange>)
    .filter((k) => change[k] !== undefined)
    .map((k) => (FLAGS[k] as (v: unknown) => string)(change[k]));
}

/** "at 768 px DreamBooth-LoRA fits in 11.2 GiB and takes 1.4 h (--resolution 768)" */
export function suggestionText(s: Suggestion): string {
  const flags = suggestionFlags(s.change);
  return flags.length ? `${s.text} (${flags.join(' ')})` : s.text;
}
