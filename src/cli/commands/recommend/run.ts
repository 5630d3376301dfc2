// The work of `recommend`: answers (from flags, or asked) -> one check -> engine -> rendered result.
import type { Command } from 'commander';

import { recommend, type RecommendResult } from '../../../engine/rank.js';
import { CliError, EXIT, UsageError } from '../../../errors.js';
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

/** The flags that say where and how the files are written, as typed. */
const filesFlags = (flags: RecommendFlags): string[] => [
  '--out',
  flags.out!,
  ...(flags.force ? ['--force'] : []),
  ...(flags.token !== undefined ? ['--token', flags.token] : []),
  ...(flags.classWord !== undefined ? ['--class-word', flags.classWord] : []),
];

/**
 * recommend --trainer T --out DIR: the recommended run, as shown (its savers and steps), written as
 * the trainer's files by config's writers (their lazy bundle). None when nothing fits: the answer
 * says why and there is no run to write.
 */
async function recommendedRunFiles(
  kb: KnowledgeBase,
  result: RecommendResult,
  input: RecommendInput,
  flags: RecommendFlags,
  command: Command,
  asked: boolean,
): Promise<{ json: object; text: (width: number) => string } | null> {
  const chosen = result.recommendation;
  const run = chosen?.plan?.run;
  if (!chosen || !run) return null;
  const { commandLine, renderRunFiles, runFiles, runFilesJson } = await import('../config/run.js');
  const written = runFiles({
    kb,
    trainer: result.answers.trainer!,
    technique: kb.techniques.find((t) => t.id === chosen.id)!,
    model: result.model,
    settings: run.settings,
    modelFlag: input.model,
    out: flags.out,
    force: flags.force ?? false,
    token: flags.token,
    classWord: flags.classWord,
    // the words typed (commander keeps them on the program); after questions, the command that
    // repeats the answers, with where the files went
    command: asked
      ? `${repeatCommand(input)} ${commandLine(filesFlags(flags)).replace(/^finetune-advisor /, '')}`
      : commandLine((command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? []),
  });
  return { json: runFilesJson(written), text: (width) => renderRunFiles(written, width) };
}

export async function runRecommend(
  ctx: Context,
  flags: RecommendFlags,
  command: Command,
  setExit: (code: number) => void,
): Promise<void> {
  if (flags.force && flags.out === undefined) throw new UsageError('--force applies with --out DIR.');
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
  if (flags.out !== undefined && !answers.trainerGiven)
    throw new UsageError(
      "--out writes a trainer's files for the recommended run: pass --trainer too.",
      'E.g. finetune-advisor recommend --goal style --model sdxl --gpu 4090 --time 2h --trainer kohya --out run1',
    );
  const result = recommend(kb, answers);
  const files =
    flags.out !== undefined ? await recommendedRunFiles(kb, result, input, flags, command, input !== given) : null;
  const format = outputFormat(flags);
  if (format === 'json')
    ctx.printJson({
      ...recommendToJson(result, { explainAll: flags.explainAll }),
      ...(files ? { config: { trainer: answers.trainer!.id, ...files.json } } : {}),
    });
  else {
    const { renderRecommendMarkdown, renderRecommendText } = await import('../../../render/recommend.js');
    const detail = { explain: flags.explain, sources: flags.sources };
    ctx.print(
      format === 'markdown'
        ? renderRecommendMarkdown(result, detail)
        : renderRecommendText(result, ctx.renderOptions(flags.color), detail),
    );
    if (files)
      ctx.print(
        `\nFiles for ${answers.trainer!.name} (${answers.trainer!.id}), the recommended run:\n${files.text(ctx.renderOptions(flags.color).width)}`,
      );
  }
  setExit(result.recommendation ? EXIT.ok : EXIT.nothingFits);
}
