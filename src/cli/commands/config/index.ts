// `finetune-advisor config`: the flags and help; the work is in run.ts (a lazy bundle: it brings
// the yaml package and the file writing, which no other command needs).
import type { Command } from 'commander';

import { addOptions } from '../../commander-options.js';
import type { Context } from '../../context.js';
import { CONFIG_EXAMPLES, CONFIG_OPTIONS, type ConfigFlags } from './meta.js';

export function registerConfig(program: Command, ctx: Context): void {
  const cmd = program
    .command('config')
    .description("write the trainer's own config files for a run, resolved as `estimate` resolves it");
  addOptions(cmd, CONFIG_OPTIONS)
    .addHelpText(
      'after',
      `\nTakes estimate's flags and --trainer (kohya, diffusers, ai-toolkit, onetrainer, simpletuner, trl,\nunsloth or axolotl). Without --out, prints each file under a line "==> NAME <==", then the launch command and the dataset\nlayout the trainer expects. Each file starts with comments (a JSON file: a __comment key) naming the\ncommand that wrote it and the trainer version its option names were checked against (read from the\ntrainer's source, not run).\n\nExamples:\n${CONFIG_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n\nExit status: 0 written or printed; 1 a file in --out exists (without --force) or cannot be written,\nnothing written then; 2 a bad flag, or a technique the trainer does not run (the message names the\ntrainers that do).\n`,
    )
    .action(async (flags: ConfigFlags, command: Command) => {
      const { runConfig } = await import('./run.js');
      // the words typed (commander keeps them on the program), for the files' "Written by" line
      const argv = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      await runConfig(ctx, flags, argv);
    });
}
