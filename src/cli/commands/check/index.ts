// `finetune-advisor check FILE`: the flags and help; the work is in run.ts (a lazy bundle: it brings
// the YAML and TOML readers, which no other common path needs).
import type { Command } from 'commander';

import { addOptions } from '../../commander-options.js';
import type { Context } from '../../context.js';
import { CHECK_EXAMPLES, CHECK_OPTIONS, type CheckFlags } from './meta.js';

export function registerCheck(program: Command, ctx: Context, setExit: (code: number) => void): void {
  const cmd = program
    .command('check')
    .argument('<file>', "a trainer's config file (YAML, TOML, JSON, train.sh or train.py)")
    .description("read a trainer's config file as the run it is, and say whether it fits the card and the time");
  addOptions(cmd, CHECK_OPTIONS)
    .addHelpText(
      'after',
      `\nReads the files of the 13 trainers \`config\` writes for (kohya's TOML and the dataset TOML it names,\nthe YAML and JSON of the others, diffusers' train.sh by its words, Unsloth's train.py by the literal\narguments of its calls) as data: nothing in the file is run. The run it describes is\nestimated exactly as \`estimate\` with the equivalent flags (printed), then: whether it fits the card,\nthe time against --time, the changes that make it fit or faster in the trainer's own option names,\nand every key the trainer does not have, with the nearest name it has.\n\nExamples:\n${CHECK_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n\nExit status: 0 it fits (or no card given); 1 the file cannot be read or parsed (file:line:column);\n2 a bad flag, a file no trainer's table reads, or a value the run cannot take; 3 it does not fit\nthe card or the time.\n`,
    )
    .action(async (file: string, flags: CheckFlags) => {
      const { runCheck } = await import('./run.js');
      setExit(await runCheck(ctx, file, flags));
    });
}
