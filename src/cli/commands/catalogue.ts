// Catalogue commands: `techniques [show ID]`, `models`, `gpus`, `trainers`.
import type { Command } from 'commander';

import { modelsOfFamily } from '../../estimate/kinds/index.js';
import { FAMILIES, type Family } from '../../kb/vocabulary.js';
import { toOption } from '../commander-options.js';
import { type Context, outputFormat } from '../context.js';
import type { Detection } from '../detect-gpu.js';
import { type DetectedSet, detectedSets } from '../detected-sets.js';
import { choiceOption } from '../options.js';

/** What nvidia-smi found: the sets of one kind, as --gpu takes them ("2x rtx-4090"), then each card. */
function renderDetection(d: Detection, sets: DetectedSet[]): string {
  if (!d.gpus.length) return d.problem ? `No GPU found: ${d.problem}.` : 'No GPU found (no nvidia-smi on PATH).';
  const found = `Found ${d.gpus.length} GPU${d.gpus.length === 1 ? '' : 's'}: ${sets
    .map(
      (s) =>
        `${s.count > 1 ? `${s.count}x ` : ''}${s.name}${s.gpu ? ` (--gpu ${s.count > 1 ? `"${s.count}x ${s.gpu.id}"` : s.gpu.id})` : ''}`,
    )
    .join(', ')}.`;
  const each = d.gpus.map(
    (g, i) =>
      `GPU ${i}: ${g.name}, ${Number((g.memoryMiB / 1024).toFixed(1))} GiB -> ${g.gpu ? `${g.gpu.id} (${g.gpu.name})` : "not in the catalogue: its memory and a typical card's speed would be used"}`,
  );
  return [found, ...each].join('\n');
}
import { resolveTechnique } from '../resolve.js';

interface ListFlags {
  family?: Family;
  json?: boolean;
  color?: boolean;
  facts?: boolean;
}

function common(cmd: Command): Command {
  return cmd.option('--json', 'print only JSON').option('--no-color', 'no colour even on a terminal');
}

export function registerCatalogue(program: Command, ctx: Context): void {
  const techniques = common(
    program
      .command('techniques')
      .description('list the techniques the advisor knows')
      .addOption(toOption(choiceOption('--family <family>', 'only techniques for this model family', FAMILIES)))
      .option('--facts', 'list the facts rules can use instead'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor techniques\n  $ finetune-advisor techniques --family llm --json\n  $ finetune-advisor techniques show qlora\n`,
    )
    .action(async (flags: ListFlags) => {
      const { renderFactsText, renderTechniquesText, techniqueJson } = await import('../../render/catalogue.js');
      if (flags.facts) {
        const { FACTS } = await import('../../kb/fact-names.js');
        if (flags.json) ctx.printJson(FACTS);
        else ctx.print(renderFactsText(ctx.renderOptions(flags.color)));
        return;
      }
      const kb = await ctx.kb();
      const list = flags.family ? kb.techniques.filter((t) => t.families.includes(flags.family!)) : kb.techniques;
      if (outputFormat(flags) === 'json') ctx.printJson(list.map((t) => techniqueJson(kb, t)));
      else ctx.print(renderTechniquesText(kb, list, ctx.renderOptions(flags.color)));
    });
  common(
    techniques
      .command('show')
      .description('every attribute, default, pitfall and source of one technique')
      .argument('<id>', 'technique id, e.g. dreambooth-lora'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor techniques show dreambooth\n  $ finetune-advisor techniques show qlora --json\n`,
    )
    .action(async (id: string, _flags: ListFlags, command: Command) => {
      // `techniques` has --json and --no-color too and would take them: read both levels
      const flags = command.optsWithGlobals<ListFlags>();
      const { renderTechniqueDetail, techniqueJson } = await import('../../render/catalogue.js');
      const kb = await ctx.kb();
      const t = resolveTechnique(kb, id);
      if (flags.json) ctx.printJson(techniqueJson(kb, t));
      else ctx.print(renderTechniqueDetail(kb, t, ctx.renderOptions(flags.color)));
    });

  common(
    program
      .command('models')
      .description('list the base models, with parameter counts and the names they go by')
      .addOption(toOption(choiceOption('--family <family>', 'only this family', FAMILIES))),
  )
    .addHelpText('after', `\nExamples:\n  $ finetune-advisor models\n  $ finetune-advisor models --family llm --json\n`)
    .action(async (flags: ListFlags) => {
      const { modelJson, renderModelsText } = await import('../../render/catalogue.js');
      const kb = await ctx.kb();
      const list = flags.family ? modelsOfFamily(kb.models, flags.family) : kb.models;
      if (flags.json) ctx.printJson(list.map((m) => modelJson(kb, m)));
      else ctx.print(renderModelsText(kb, list, ctx.renderOptions(flags.color)));
    });

  common(
    program
      .command('gpus')
      .description('list the GPUs, with memory, bf16 support, throughput and bandwidth')
      .option('--detect', 'show the GPUs nvidia-smi reports and how they match the catalogue'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor gpus\n  $ finetune-advisor gpus --json\n  $ finetune-advisor gpus --detect\n`,
    )
    .action(async (flags: ListFlags & { detect?: boolean }) => {
      const { gpuJson, renderGpusText } = await import('../../render/catalogue.js');
      const kb = await ctx.kb();
      if (flags.detect) {
        const { detectGpus } = await import('../detect-gpu.js');
        const detection = await detectGpus(kb, ctx.io.env);
        const sets = detectedSets(detection.gpus);
        if (flags.json)
          ctx.printJson({
            gpus: detection.gpus.map((g) => ({ name: g.name, memoryMiB: g.memoryMiB, id: g.gpu?.id ?? null })),
            // the cards of one kind together, as --gpu "COUNTx ID" takes them
            sets: sets.map((s) => ({
              count: s.count,
              name: s.name,
              memoryMiB: s.memoryMiB,
              id: s.gpu?.id ?? null,
            })),
            problem: detection.problem,
          });
        else ctx.print(renderDetection(detection, sets));
        return;
      }
      const list = [...kb.gpus].sort((a, b) => a.vramGB - b.vramGB || a.tflops - b.tflops);
      if (flags.json) ctx.printJson(list.map((g) => gpuJson(kb, g)));
      else ctx.print(renderGpusText(kb, list, ctx.renderOptions(flags.color)));
    });

  common(
    program
      .command('trainers')
      .description('list the trainers --trainer names, with what each does by default to memory')
      .addOption(toOption(choiceOption('--family <family>', 'only this family', FAMILIES))),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor trainers\n  $ finetune-advisor trainers --family llm --json\n`,
    )
    .action(async (flags: ListFlags) => {
      const { trainerJson, renderTrainersText } = await import('../../render/catalogue.js');
      const kb = await ctx.kb();
      const list = flags.family ? kb.trainers.filter((t) => t.families.includes(flags.family!)) : kb.trainers;
      if (flags.json) ctx.printJson(list.map((t) => trainerJson(kb, t)));
      else ctx.print(renderTrainersText(kb, list, ctx.renderOptions(flags.color)));
    });
}
