// The work of `config`: the run resolved exactly as `estimate` resolves it (its flag checks and
// request), planned into the trainer's options (plan.ts), laid out as files (render/trainer-config),
// then printed or written into --out.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { OutputError, UsageError } from '../../../errors.js';
import { estimate } from '../../../estimate/estimate.js';
import type { TrainingSettings } from '../../../estimate/settings.js';
import type { KnowledgeBase, Model, Technique, Trainer } from '../../../kb/types.js';
import { saverFlags } from '../../../render/estimate-flags.js';
import { estimateToJson } from '../../../render/estimate-json.js';
import {
  type ConfigFile,
  configFiles,
  launchCommand,
  renderConfigText,
  shellWord,
} from '../../../render/trainer-config.js';
import { type Context, outputFormat } from '../../context.js';
import { showControls } from '../../quote.js';
import { withModelFiles } from '../../resolve.js';
import { estimateRequest } from '../estimate/run.js';
import type { ConfigFlags } from './meta.js';
import { planConfig } from './plan.js';

/** The instance token and class word when not given: the DreamBooth examples' rare token, a generic class. */
const DEFAULT_TOKEN = 'sks';
const DEFAULT_CLASS = 'person';

/** How the files name the base model: what --model gave when it is a path or Hub id, else the model's first Hub-id alias. */
function modelPath(model: Model, given: string | undefined): string {
  if (given && /[/\\]/.test(given)) return given;
  return model.aliases?.find((a) => /^[\w.-]+\/[\w.-]+$/.test(a)) ?? model.id;
}

/** The command line as typed, each word quoted when the shell would need it. */
export function commandLine(argv: readonly string[]): string {
  return showControls(['finetune-advisor', ...argv.map(shellWord)].join(' '));
}

/** Writes every file, or none: an existing one without --force is an error before anything is written. */
function writeAll(dir: string, files: ConfigFile[], force: boolean): string[] {
  const paths = files.map((f) => join(dir, f.name));
  if (!force) {
    const existing = paths.find((p) => existsSync(p));
    if (existing) throw new OutputError(`${existing} exists; pass --force to overwrite it (nothing was written).`);
  }
  try {
    mkdirSync(dir, { recursive: true });
    // 'wx' fails on a file made since the check (or a link put in its place) rather than overwrite it
    files.forEach((f, i) => writeFileSync(paths[i]!, f.text, { flag: force ? 'w' : 'wx' }));
  } catch (err) {
    throw new OutputError(`cannot write into ${dir}: ${(err as Error).message}`);
  }
  return paths;
}

/** The files of one planned run for a trainer, printed or written into `out`: what config and recommend --out share. */
export interface RunFiles {
  files: ConfigFile[];
  written: string[] | null;
  launch: string;
  data: string[];
  layout: string[];
  checkedAgainst: string;
}

export function runFiles(input: {
  kb: KnowledgeBase;
  trainer: Trainer;
  technique: Technique;
  model: Model;
  settings: TrainingSettings;
  modelFlag: string | undefined;
  out: string | undefined;
  force: boolean;
  token: string | undefined;
  classWord: string | undefined;
  /** the command that wrote them, for the files' "Written by" line */
  command: string;
}): RunFiles {
  const dir = input.out ?? '.';
  const plan = planConfig({
    kb: input.kb,
    trainer: input.trainer,
    technique: input.technique,
    model: input.model,
    settings: input.settings,
    modelPath: modelPath(input.model, input.modelFlag),
    dir,
    token: input.token ?? DEFAULT_TOKEN,
    classWord: input.classWord ?? DEFAULT_CLASS,
  });
  const files = configFiles(plan, input.command);
  const written = input.out !== undefined ? writeAll(input.out, files, input.force) : null;
  const launch = launchCommand(plan, dir === '.' ? plan.fileNames.config : join(dir, plan.fileNames.config));
  const data = plan.data.map((d) => (dir === '.' ? d : join(dir, d)));
  return { files, written, launch, data, layout: plan.layout, checkedAgainst: plan.config.checkedAgainst };
}

/** The files' text, or where they were written, then the launch command and the dataset layout. */
export const renderRunFiles = (f: RunFiles, width: number) => renderConfigText(f, width);

/** The JSON of the files: each with where it was written (null when printed) and its text. */
export const runFilesJson = (f: RunFiles) => ({
  checkedAgainst: f.checkedAgainst,
  files: f.files.map((file, i) => ({ name: file.name, path: f.written?.[i] ?? null, text: file.text })),
  launch: f.launch,
  data: f.data,
  layout: f.layout.join(' '),
});

export async function runConfig(ctx: Context, flags: ConfigFlags, argv: readonly string[]): Promise<void> {
  if (flags.trainer === undefined)
    throw new UsageError(
      'missing --trainer.',
      'E.g. finetune-advisor config --trainer kohya --technique lora --model sdxl',
    );
  if (flags.force && flags.out === undefined) throw new UsageError('--force applies with --out DIR.');
  const fromFiles = await withModelFiles(await ctx.kb(), flags.model, ctx.io.env);
  const kb = fromFiles.kb;
  const request = estimateRequest(kb, flags);
  const result = estimate(kb, request);
  const { technique, model } = request;
  if (!result) {
    const groups = Object.keys(technique.defaults).join(', ');
    throw new UsageError(
      `${technique.id} has no published recipe for ${model.group} models (${model.id}); it has recipes for: ${groups}.`,
    );
  }
  // the files hold the settings as given: when the estimate needs savers to fit the card, say so
  const fit = result.fit;
  if (fit && (!fit.fits || fit.savers.length)) {
    const peak = fit.ladder[0]!.peakGiB.toFixed(1);
    ctx.io.stderr.write(
      `warning: as written the run peaks at ${peak} GiB, over the card's usable ${fit.limitGiB.toFixed(1)} GiB; ${
        fit.fits
          ? `it fits with ${fit.saverLabels.join(', ')}: add ${saverFlags(fit.savers, fit.run.settings).join(' ')}`
          : 'no saver makes it fit'
      } (estimate with the same flags shows the parts).\n`,
    );
  }
  const { files, written, launch, data, layout, checkedAgainst } = runFiles({
    kb,
    trainer: request.trainer!,
    technique,
    model,
    settings: result.settings,
    modelFlag: flags.model,
    out: flags.out,
    force: flags.force ?? false,
    token: flags.token,
    classWord: flags.classWord,
    command: commandLine(argv),
  });
  if (outputFormat(flags) === 'json') {
    ctx.printJson({
      trainer: { id: request.trainer!.id, checkedAgainst },
      technique: technique.id,
      model: model.id,
      settings: estimateToJson(result).settings,
      files: files.map((f, i) => ({ name: f.name, path: written?.[i] ?? null, text: f.text })),
      launch,
      data,
      layout: layout.join(' '),
    });
    return;
  }
  const output = { files, written, launch, data, layout };
  ctx.print(renderConfigText(output, ctx.renderOptions(flags.color).width));
}
