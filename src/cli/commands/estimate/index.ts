// `finetune-advisor estimate`: the flags and help; the work is in run.ts.
import type { Command } from 'commander';

import { addOptions } from '../../commander-options.js';
import type { Context } from '../../context.js';
import { ESTIMATE_EXAMPLES, ESTIMATE_OPTIONS, type EstimateFlags } from './meta.js';

export function registerEstimate(program: Command, ctx: Context): void {
  const cmd = program
    .command('estimate')
    .description('estimate VRAM, step time, total time and output size of one training run, part by part');
  addOptions(cmd, ESTIMATE_OPTIONS)
    .addHelpText(
      'after',
      `\nSettings not given take the technique's published defaults for the model; the output lists every\nsetting and assumption. GiB = 2^30 bytes, MB = 10^6 bytes.\n\nExamples:\n${ESTIMATE_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n`,
    )
    .action(async (flags: EstimateFlags) => {
      const { runEstimate } = await import('./run.js');
      await runEstimate(ctx, flags);
    });
}
