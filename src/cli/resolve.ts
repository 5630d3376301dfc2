// Turns what the user typed into knowledge-base ids, or a usage error that suggests the nearest.
import { UsageError } from '../errors.js';
import { findGpu, findModel, findTechnique, type Lookup } from '../kb/lookup.js';
import type { KnowledgeBase } from '../kb/types.js';
import type { Family } from '../kb/vocabulary.js';

function resolved<T extends { id: string }>(lookup: Lookup<T>, flag: string, input: string, listCommand: string): T {
  if (lookup.found !== null) return lookup.found;
  const near = lookup.suggestions.length ? ` Did you mean ${lookup.suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
  throw new UsageError(
    `${flag} '${input}' is not in the catalogue.${near}`,
    `See \`finetune-advisor ${listCommand}\` for the ids and names it knows.`,
  );
}

export const resolveModel = (kb: KnowledgeBase, input: string) =>
  resolved(findModel(kb, input), '--model', input, 'models');
export const resolveGpu = (kb: KnowledgeBase, input: string) => resolved(findGpu(kb, input), '--gpu', input, 'gpus');
export function resolveTechnique(kb: KnowledgeBase, input: string, flag = 'technique') {
  return resolved(findTechnique(kb, input), flag, input, 'techniques');
}

/** The flag that sizes a run of each family, and the words for it. */
const SIZING_FLAG: Record<
  Family,
  { flag: '--resolution' | '--seq-len'; setting: 'resolution' | 'seqLen'; models: string; adjective: string }
> = {
  image: { flag: '--resolution', setting: 'resolution', models: 'image models', adjective: 'an image' },
  llm: { flag: '--seq-len', setting: 'seqLen', models: 'language models', adjective: 'a language' },
};

/**
 * --resolution sizes image runs and --seq-len language-model runs: the other family's flag is a
 * usage error in recommend and estimate alike, naming what made the family (`subject`: "--goal
 * style is an image goal", "sdxl is an image model").
 */
export function checkFamilyFlags(
  family: Family,
  flags: { resolution?: number; seqLen?: number },
  subject: string,
): void {
  const own = SIZING_FLAG[family];
  for (const other of Object.values(SIZING_FLAG)) {
    if (other === own || flags[other.setting] === undefined) continue;
    const what = subject.startsWith('--goal') ? 'goal' : 'model';
    throw new UsageError(
      `${other.flag} is for ${other.models}; ${subject} is ${own.adjective} ${what} (use ${own.flag}).`,
    );
  }
}
