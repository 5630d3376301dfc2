// `finetune-advisor recommend`: the flags and help. The work (engine, rendering, prompts) is in
// run.ts, loaded when the command runs, so --help and other commands never load it.
import type { Command } from 'commander';

import { addOptions } from '../../commander-options.js';
import type { Context } from '../../context.js';
import { RECOMMEND_EXAMPLES, RECOMMEND_OPTIONS, type RecommendFlags } from './meta.js';

export function registerRecommend(program: Command, ctx: Context, setExit: (code: number) => void): void {
  const cmd = program
    .command('recommend')
    .description('recommend a fine-tuning technique for your goal, model, GPU and time budget');
  addOptions(cmd, RECOMMEND_OPTIONS)
    .addHelpText(
      'after',
      `\nExamples:\n${RECOMMEND_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}\n\nExit codes: 0 a recommendation, 2 usage error, 3 nothing fits the GPU or the time.\n`,
    )
    .action(async (flags: RecommendFlags, command: Command) => {
      const { runRecommend } = await import('./run.js');
      await runRecommend(ctx, flags, command, setExit);
    });
}
