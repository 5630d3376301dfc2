// Turns what the user typed into knowledge-base ids, or a usage error that suggests the nearest.
import type { KnowledgeBase } from '../kb/types.js';
import { findGpu, findModel, findTechnique, type Lookup } from '../kb/lookup.js';
import { UsageError } from './errors.js';
import type { Family } from '../kb/vocabulary.js';

function resolved<T extends { id: string }>(lookup: Lookup<T>, flag: string, input: string, listCommand: string): T {
  if (lookup.found !== null) return lookup.found;
  const near = lookup.suggestions.length ? ` Did you mean ${lookup.suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
  throw new UsageError(`${flag} '${input}' is not in the catalogue.${near}`, `See \`finetune-advisor ${listCommand}\` for the ids and names it knows.`);
}

export const resolveModel = (kb: KnowledgeBase, input: string) => resolved(findModel(kb, input), '--model', input, 'models');
export const resolveGpu = (kb: KnowledgeBase, input: string) => resolved(findGpu(kb, input), '--gpu', input, 'gpus');
export function resolveTechnique(kb: KnowledgeBase, input: string, flag = 'technique') {
  return resolved(findTechnique(kb, input), flag, input, 'techniques');
}

/**
 * --resolution sizes image runs and --seq-len language-model runs: the other family's flag is a
 * usage error in recommend and estimate alike, naming what made the family (`subject`: "--goal
 * style is an image goal", "sdxl is an image model").
 */
export function checkFamilyFlags(family: Family, flags: { resolution?: number; seqLen?: number }, subject: string): void {
  if (family === 'llm' && flags.resolution !== undefined) throw new UsageError(`--resolution is for image models; ${subject} is a language ${subject.startsWith('--goal') ? 'goal' : 'model'} (use --seq-len).`);
  if (family === 'image' && flags.seqLen !== undefined) throw new UsageError(`--seq-len is for language models; ${subject} is an image ${subject.startsWith('--goal') ? 'goal' : 'model'} (use --resolution).`);
}
