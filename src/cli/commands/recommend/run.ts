// The work of `recommend`: answers (from flags, or asked) -> one check -> engine -> rendered result.
import type { Command } from 'commander';

import { recommend } from '../../../engine/rank.js';
import { EXIT } from '../../../errors.js';
import { CliError } from '../../../errors.js';
import { kindOf } from '../../../estimate/kinds/index.js';
import { findModel } from '../../../kb/lookup.js';
import type { KnowledgeBase } from '../../../kb/types.js';
import { type Goal, goalFits } from '../../../kb/vocabulary.js';
import { recommendToJson } from '../../../render/recommend-json.js';
import { type Context, outputFormat } from '../../context.js';
import type { Io } from '../../io.js';
import { type ModelInput, withModelFiles } from '../../resolve.js';
import {
  checkGivenNames,
  checkRecommendInput,
  inputFromFlags,
  missingAnswers,
  type RecommendInput,
  repeatCommand,
} from './input.js';
import type { RecommendFlags } from './meta.js';

/** A model typed in answer to the model question, read as --model PATH reads it: true, or why it cannot be used. */
async function checkModelFiles(
  kb: KnowledgeBase,
  text: string,
  goal: Goal,
  env: Record<string, string | undefined>,
  reads: Map<string, ModelInput>,
): Promise<string | true> {
  try {
    const read = await withModelFiles(kb, text, env);
    // kept for the run, so the files the answer names are read once
    reads.set(text, read);
    const model = findModel(read.kb, text).found;
    if (model && !goalFits(goal, model.family))
      return `that is ${kindOf(model).description}, not one a ${goal} goal trains`;
    return true;
  } catch (e) {
    if (e instanceof CliError) return e.message;
    throw e;
  }
}

/** The answers given with the missing ones asked on the terminal, and the command to repeat them in a script. */
async function withAnswersAsked(
  ctx: Context,
  base: KnowledgeBase,
  given: RecommendInput,
  terminal: NonNullable<Io['terminal']>,
  reads: Map<string, ModelInput>,
): Promise<RecommendInput> {
  checkGivenNames(base, given);
  const { askMissingAnswers } = await import('../../prompts.js');
  const { detectGpus } = await import('../../detect-gpu.js');
  const asked = await askMissingAnswers(
    base,
    given,
    terminal,
    () => detectGpus(base, ctx.io.env),
    (line) => ctx.io.stderr.write(`${line}\n`),
    (text, goal) => checkModelFiles(base, text, goal, ctx.io.env, reads),
  );
  const input = { ...given, ...asked };
  ctx.io.stderr.write(`\nTo run this again in a script:\n  ${repeatCommand(input)}\n\n`);
  return input;
}

export async function runRecommend(
  ctx: Context,
  flags: RecommendFlags,
  command: Command,
  setExit: (code: number) => void,
): Promise<void> {
  const given = inputFromFlags(flags, command.getOptionValueSource('priority') === 'cli');
  // Questions only when a required answer is missing and there is a terminal to ask on;
  // then the priority is asked too unless --priority was given.
  const terminal = flags.input !== false && missingAnswers(given).length > 0 ? ctx.io.terminal : undefined;
  // --model PATH (a config.json, a model folder, a cached Hub id): the model read from its files
  const fromFiles = await withModelFiles(await ctx.kb(), given.model, ctx.io.env);
  // the models the model question read while checking the answers, by the text typed
  const reads = new Map<string, ModelInput>();
  const input = terminal ? await withAnswersAsked(ctx, fromFiles.kb, given, terminal, reads) : given;
  // a model answered by its files is used as one given with --model (read when it was checked)
  const fromAnswer =
    input.model === given.model
      ? fromFiles
      : ((input.model !== undefined ? reads.get(input.model) : undefined) ??
        (await withModelFiles(fromFiles.kb, input.model, ctx.io.env)));
  const checked = checkRecommendInput(fromAnswer.kb, input);
  const { kb, answers } = checked;
  const read = fromAnswer === fromFiles ? [fromFiles] : [fromFiles, fromAnswer];
  const warnings = [...read.flatMap((r) => r.warnings), ...checked.warnings];
  const notes = [...read.flatMap((r) => (r.assumption ? [r.assumption] : [])), ...checked.notes];
  for (const w of warnings) ctx.io.stderr.write(`warning: ${w}\n`);
  for (const n of notes) ctx.io.stderr.write(`note: ${n}\n`);
  const result = recommend(kb, answers);
  const format = outputFormat(flags);
  if (format === 'json') ctx.printJson(recommendToJson(result, { explainAll: flags.explainAll }));
  else {
    const { renderRecommendMarkdown, renderRecommendText } = await import('../../../render/recommend.js');
    const detail = { explain: flags.explain, sources: flags.sources };
    ctx.print(
      format === 'markdown'
        ? renderRecommendMarkdown(result, detail)
        : renderRecommendText(result, ctx.renderOptions(flags.color), detail),
    );
  }
  setExit(result.recommendation ? EXIT.ok : EXIT.nothingFits);
}
