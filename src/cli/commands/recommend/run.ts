// The work of `recommend`: answers (from flags, or asked) -> engine -> rendered result.
import type { Command } from 'commander';

import type { Answers } from '../../../engine/answers.js';
import { scaledModel } from '../../../engine/custom-model.js';
import { recommend } from '../../../engine/rank.js';
import { EXIT, UsageError } from '../../../errors.js';
import { kindOf } from '../../../estimate/kinds/index.js';
import type { KnowledgeBase } from '../../../kb/types.js';
import { GOAL_FAMILY, GOALS } from '../../../kb/vocabulary.js';
import { recommendToJson } from '../../../render/recommend-json.js';
import { type Context, outputFormat } from '../../context.js';
import { checkFamilyFlags, resolveGpu, resolveModel } from '../../resolve.js';
import { RECOMMEND_EXAMPLES, type RecommendFlags } from './meta.js';

function missingFlags(flags: RecommendFlags): string[] {
  const missing: string[] = [];
  if (!flags.goal) missing.push('--goal');
  if (!flags.model && flags.modelParams === undefined) missing.push('--model');
  if (flags.gpu === undefined && flags.vram === undefined) missing.push('--gpu or --vram');
  if (flags.time === undefined) missing.push('--time');
  return missing;
}

/** Missing answers without a terminal to ask on: a usage error that lists the flags to pass. */
function requireAnswers(flags: RecommendFlags): void {
  const missing = missingFlags(flags);
  if (missing.length)
    throw new UsageError(
      `missing ${missing.join(', ')} (no terminal to ask on).`,
      `Pass them, e.g. ${RECOMMEND_EXAMPLES[0]}`,
    );
}

/** The knowledge base with a model built from --model-params, when one was asked for. */
export function kbWithCustomModel(
  kb: KnowledgeBase,
  flags: RecommendFlags,
): { kb: KnowledgeBase; modelId: string | null } {
  if (flags.modelParams === undefined) return { kb, modelId: null };
  const model = scaledModel(kb, GOAL_FAMILY[flags.goal!], flags.modelParams);
  return { kb: { ...kb, models: [...kb.models, model] }, modelId: model.id };
}

/** Checks and resolves the flags into answers; missing answers are a usage error listing the flags. */
export function answersFromFlags(flags: RecommendFlags, kb: KnowledgeBase): Answers {
  // names given are checked first: a misspelt GPU or model is the error to report, not what is missing
  const model = flags.model !== undefined ? resolveModel(kb, flags.model) : null;
  const gpu = flags.gpu !== undefined ? resolveGpu(kb, flags.gpu) : null;
  requireAnswers(flags);
  const goal = flags.goal!;
  if (GOAL_FAMILY[goal] !== model!.family) {
    const kind = kindOf(model!).description;
    const goals = GOALS.filter((g) => GOAL_FAMILY[g] === model!.family).join(', ');
    throw new UsageError(
      `--goal '${goal}' does not apply to ${model!.id}, which is ${kind}. Allowed goals for it: ${goals}.`,
    );
  }
  checkFamilyFlags(GOAL_FAMILY[goal], flags, `--goal ${goal}`);
  return {
    goal,
    model: model!.id,
    gpu: gpu?.id ?? null,
    vramGiB: flags.vram ?? null,
    timeHours: flags.time!,
    priority: flags.priority,
    ...(flags.resolution !== undefined ? { resolution: flags.resolution } : {}),
    ...(flags.seqLen !== undefined ? { seqLen: flags.seqLen } : {}),
    ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
  };
}

/** The one-line command that gives the same answer in a script. */
export function repeatCommand(flags: RecommendFlags): string {
  const q = (v: string) => (/^[\w.:/@-]+$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`);
  const hours = flags.time!;
  const time =
    hours < 1 ? `${Math.round(hours * 60)}m` : Number.isInteger(hours) ? `${hours}h` : `${Number(hours.toFixed(2))}h`;
  const parts = ['finetune-advisor recommend', `--goal ${flags.goal}`];
  parts.push(flags.modelParams !== undefined ? `--model-params ${flags.modelParams}` : `--model ${q(flags.model!)}`);
  parts.push(flags.gpu !== undefined ? `--gpu ${q(flags.gpu)}` : `--vram ${Number(flags.vram!.toFixed(2))}`);
  parts.push(`--time ${time}`, `--priority ${flags.priority}`);
  return parts.join(' ');
}

export async function runRecommend(
  ctx: Context,
  flags: RecommendFlags,
  command: Command,
  setExit: (code: number) => void,
): Promise<void> {
  // Questions only when a required answer is missing and there is a terminal to ask on;
  // then the priority is asked too unless --priority was given.
  if (flags.input !== false && ctx.io.terminal && missingFlags(flags).length > 0) {
    const priorityGiven = command.getOptionValueSource('priority') === 'cli';
    const { askMissingAnswers } = await import('../../prompts.js');
    const { detectGpus } = await import('../../detect-gpu.js');
    const base = await ctx.kb();
    const known = await askMissingAnswers(
      base,
      { ...flags, priorityGiven },
      ctx.io.terminal!,
      () => detectGpus(base, ctx.io.env),
      (line) => ctx.io.stderr.write(`${line}\n`),
    );
    Object.assign(flags, {
      goal: known.goal,
      model: known.model,
      modelParams: known.modelParams,
      gpu: known.gpu,
      vram: known.vram,
      time: known.time,
      priority: known.priority ?? flags.priority,
    });
    ctx.io.stderr.write(`\nTo run this again in a script:\n  ${repeatCommand(flags)}\n\n`);
  }
  // --model-params needs the goal to know the family; everything else is checked in answersFromFlags
  if (flags.modelParams !== undefined && !flags.goal) requireAnswers(flags);
  const { kb, modelId } = kbWithCustomModel(await ctx.kb(), flags);
  const answers = answersFromFlags(modelId ? { ...flags, model: modelId, modelParams: undefined } : flags, kb);
  const result = recommend(kb, answers);
  const format = outputFormat(flags);
  if (format === 'json') ctx.printJson(recommendToJson(result, { explainAll: flags.explainAll }));
  else {
    const { renderRecommendMarkdown, renderRecommendText } = await import('../../../render/recommend.js');
    ctx.print(
      format === 'markdown'
        ? renderRecommendMarkdown(result)
        : renderRecommendText(result, ctx.renderOptions(flags.color)),
    );
  }
  setExit(result.recommendation ? EXIT.ok : EXIT.nothingFits);
}
