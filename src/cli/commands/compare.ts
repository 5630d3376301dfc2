// `finetune-advisor compare [TECHNIQUE...]`: the seed's nine-row comparison for any techniques.
import type { Command } from 'commander';

import { UsageError } from '../../errors.js';
import type { Technique } from '../../kb/types.js';
import { FAMILIES } from '../../kb/vocabulary.js';
import { addOptions } from '../commander-options.js';
import { type Context, outputFormat } from '../context.js';
import { choiceOption, type FlagsOf, outputOptions, switchOption } from '../options.js';
import { resolveTechnique } from '../resolve.js';

export const COMPARE_OPTIONS = {
  family: choiceOption('--family <family>', 'every technique for this model family', FAMILIES),
  all: switchOption('--all', 'every technique'),
  ...outputOptions(['table', 'markdown', 'json']),
};
type CompareFlags = FlagsOf<typeof COMPARE_OPTIONS>;

export function registerCompare(program: Command, ctx: Context): void {
  const cmd = program
    .command('compare')
    .description("compare techniques attribute by attribute (the seed article's nine rows, with numbers)")
    .argument('[technique...]', 'technique ids (default: dreambooth lora)');
  addOptions(cmd, COMPARE_OPTIONS)
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor compare\n  $ finetune-advisor compare lora qlora dora\n  $ finetune-advisor compare --family image --format markdown\n  $ finetune-advisor compare --all --json\n`,
    )
    .action(async (ids: string[], flags: CompareFlags) => {
      const kb = await ctx.kb();
      if (ids.length && (flags.all || flags.family))
        throw new UsageError('give technique ids or --all / --family, not both.');
      let techniques: Technique[];
      if (flags.all) techniques = kb.techniques;
      else if (flags.family) techniques = kb.techniques.filter((t) => t.families.includes(flags.family!));
      else techniques = (ids.length ? ids : ['dreambooth', 'lora']).map((id) => resolveTechnique(kb, id));
      const format = outputFormat(flags);
      const { compareToJson, renderCompareMarkdown, renderCompareText } = await import('../../render/compare.js');
      if (format === 'json') ctx.printJson(compareToJson(techniques));
      else if (format === 'markdown') ctx.print(renderCompareMarkdown(techniques));
      else ctx.print(renderCompareText(techniques, ctx.renderOptions(flags.color)));
    });
}
