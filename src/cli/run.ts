// run(argv, io) -> exit code. The only place that maps errors to messages and exit codes;
// nothing below it writes to the console or exits.
import { Command, CommanderError } from 'commander';

import { CliError, EXIT, InterruptedError, KbError, UsageError } from '../errors.js';
import { packageVersion } from '../version.js';
import { registerCatalogue } from './commands/catalogue.js';
import { registerCheck } from './commands/check/index.js';
import { registerCompare } from './commands/compare.js';
import { registerConfig } from './commands/config/index.js';
import { registerEstimate } from './commands/estimate/index.js';
import { registerKb } from './commands/kb.js';
import { registerRecommend } from './commands/recommend/index.js';
import { type Context, createContext, userKbPaths } from './context.js';
import { colorEnabled, debugEnabled, type Io } from './io.js';
import { showControls } from './quote.js';

export { packageVersion } from '../version.js';

type Register = (program: Command, ctx: Context, setExit: (code: number) => void) => void;

/** Each command group by the names it adds, in help order. */
const COMMAND_GROUPS: Array<[names: string[], register: Register]> = [
  [['recommend'], registerRecommend],
  [['compare'], (program, ctx) => registerCompare(program, ctx)],
  [['estimate'], (program, ctx) => registerEstimate(program, ctx)],
  [['config'], (program, ctx) => registerConfig(program, ctx)],
  [['check'], registerCheck],
  [['kb'], registerKb],
  [['techniques', 'models', 'gpus', 'trainers'], (program, ctx) => registerCatalogue(program, ctx)],
];

/**
 * The command argv names, when it names one: only that group is registered then (building every
 * command's options costs about a millisecond). Help, a typo or no command registers them all, so
 * the command list and "did you mean" stay complete.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--kb') i++;
    else if (arg.startsWith('--kb=')) continue;
    else if (arg.startsWith('-')) return undefined;
    else return COMMAND_GROUPS.some(([names]) => names.includes(arg)) ? arg : undefined;
  }
  return undefined;
}

export function buildProgram(io: Io, setExit: (code: number) => void, only?: string): Command {
  const program: Command = new Command('finetune-advisor');
  const ctx = createContext(io, () => userKbPaths(io, program.opts<{ kb?: string[] }>().kb));
  program
    .description('Tells you how to fine-tune an image or language model for your goal, GPU and time budget.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option(
      '--kb <path>',
      'add or override knowledge-base entries from a YAML file or folder (repeatable; or FINETUNE_ADVISOR_KB)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // from io, not process.stdout: commander's defaults would build the stdout stream on every start
      getOutHelpWidth: () => (io.stdoutIsTTY && io.columns ? io.columns : 80), // 80: commander's own default
      getErrHelpWidth: () => (io.stdoutIsTTY && io.columns ? io.columns : 80),
      getOutHasColors: () => colorEnabled(io, undefined),
      getErrHasColors: () => false,
      // commander's error and its "(Did you mean ...?)" on one line
      // (and the user's text in it, such as a bad value, with its control characters visible)
      outputError: (s, write) => write(showControls(s.trim().replace(/\s*\n\s*/g, ' ')) + '\n'),
    })
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor recommend --goal style --model sdxl --vram 12 --time 2h\n  $ finetune-advisor compare\n  $ finetune-advisor techniques show qlora\n  $ finetune-advisor gpus\n\nExit codes: 0 ok, 1 failure (e.g. an invalid knowledge base), 2 usage error, 3 nothing fits, 130 interrupted.\n`,
    );
  for (const [names, register] of COMMAND_GROUPS) if (!only || names.includes(only)) register(program, ctx, setExit);
  // every subcommand: errors through the same output, exit codes through run()
  const configure = (cmd: Command) => {
    cmd.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exitCode = code), commandNamed(argv));
  try {
    if (argv.length === 0) {
      io.stderr.write(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

export function reportError(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      (err.code === 'commander.help' && err.exitCode === 0)
    )
      return EXIT.ok;
    return EXIT.usage; // commander already printed the one-line message
  }
  if (err instanceof CliError) {
    if (err instanceof KbError) reportKbProblems(err.problems, io);
    else if (err instanceof InterruptedError) io.stderr.write('\ninterrupted\n');
    else if (err instanceof UsageError)
      io.stderr.write(`error: ${showControls(err.message)}${err.hint ? ` ${showControls(err.hint)}` : ''}\n`);
    else io.stderr.write(`error: ${showControls(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  const debug = debugEnabled(io.env);
  io.stderr.write(`error: ${showControls(e?.message ?? String(err))}${debug ? '' : ' (set DEBUG=1 for details)'}\n`);
  if (debug && e?.stack) io.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}

/**
 * Files that could not be read at all (`FILE: not a regular file`): one error line each, as for any
 * failure; problems in a file's content carry file:line:column, then a summary.
 */
function reportKbProblems(problems: string[], io: Io): void {
  if (problems.every((p) => !/:\d+:\d+: /.test(p))) {
    for (const p of problems) io.stderr.write(`error: ${showControls(p)}\n`);
    return;
  }
  for (const p of problems) io.stderr.write(`${showControls(p)}\n`);
  io.stderr.write(`error: invalid knowledge base (${problems.length} problem${problems.length === 1 ? '' : 's'}).\n`);
}
