// `finetune-advisor kb validate | schema | init`: the knowledge base as something users extend.
import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { bundledDataDir } from '../../kb/compiled.js';
import { MAX_FILE_BYTES } from '../../kb/limits.js';
import { EXIT, UsageError } from '../errors.js';
import type { Context } from '../context.js';

const STARTER = `# yaml-language-server: $schema=https://raw.githubusercontent.com/finetune-advisor/finetune-advisor/main/data/kb.schema.json
# A finetune-advisor knowledge-base extension. Use it with:
#   finetune-advisor recommend --kb THIS_FILE ...      (or FINETUNE_ADVISOR_KB=THIS_FILE)
# Check it with:
#   finetune-advisor kb validate THIS_FILE
# One file holds one list: gpus, models, techniques or rules. Entries with an id that already
# exists replace the bundled entry; new ids add to it. Every entry needs a source.
# This starter adds a GPU; models, techniques and rules go in files of their own, e.g.:
#
#   rules:
#     - id: no-full-checkpoints            # a team rule: never train full checkpoints
#       kind: hard
#       description: We do not keep full fine-tuned checkpoints
#       check: { fact: technique.method, op: ne, value: full }
#       reason: { pass: keeps the base model intact, fail: trains every weight; our policy is adapters only }
#     - id: fits-time                      # switch a bundled rule off
#       disabled: true
#
# List the facts rules can use with: finetune-advisor techniques --facts
gpus:
  - id: my-card                 # lowercase, dashes
    name: NVIDIA GeForce RTX 4070 Ti SUPER
    vendor: nvidia              # nvidia | amd | apple
    vramGB: 16                  # as marketed
    bf16: true                  # Ampere (RTX 30) or newer
    tflops: 88.2                # dense fp16/bf16 tensor TFLOPS with FP32 accumulate
    bandwidthGBs: 672
    aliases: ["4070 Ti Super", "RTX 4070 Ti SUPER"]
    sources:
      - ref: "NVIDIA GeForce RTX 4070 family specifications page"
        url: "https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4070-family/"
        for: [vramGB, bandwidthGBs]
      - ref: "derived: 66 SMs x 2.61 GHz boost x 512 FLOP per clock per SM"
        for: [tflops]
`;

export function registerKb(program: Command, ctx: Context, setExit: (code: number) => void): void {
  const kb = program.command('kb').description('check, extend and describe the knowledge base');

  kb.command('validate')
    .description('validate knowledge-base files or folders (default: the bundled one) and report every problem')
    .argument('[path...]', 'YAML files or folders; checked on top of the bundled knowledge base')
    .option('--strict', 'warnings (a figure without a source, a shadowed alias) fail too')
    .option('--json', 'print only JSON')
    .addHelpText('after', `\nEach problem is printed as file:line:column: message. Files larger than ${MAX_FILE_BYTES / 1024 / 1024} MB are refused.\nExit codes: 0 valid, 1 errors (or warnings with --strict), 2 usage error.\n\nExamples:\n  $ finetune-advisor kb validate\n  $ finetune-advisor kb validate my-gpus.yaml team-rules.yaml\n  $ finetune-advisor kb validate ./my-kb/ --strict\n`)
    .action(async (paths: string[], flags: { strict?: boolean; json?: boolean }) => {
      const { validateKnowledgeBase } = await import('../../kb/load.js');
      const v = validateKnowledgeBase([bundledDataDir(), ...paths]);
      const failed = v.errors.length > 0 || (flags.strict === true && v.warnings.length > 0);
      if (flags.json) {
        ctx.printJson({ valid: !failed, errors: v.errors, warnings: v.warnings, files: v.files, entries: v.entries });
      } else {
        for (const line of [...v.errors, ...v.warnings]) ctx.io.stderr.write(`${line}\n`);
        const summary = `${v.files.length} file${v.files.length === 1 ? '' : 's'}, ${v.entries} entries: ${v.errors.length} error${v.errors.length === 1 ? '' : 's'}, ${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'}`;
        if (failed) ctx.io.stderr.write(`${summary}.\n`);
        else ctx.print(`${summary}: valid.`);
      }
      setExit(failed ? EXIT.failure : EXIT.ok);
    });

  kb.command('schema')
    .description('print the JSON Schema of knowledge-base files (generated from the validator)')
    .addHelpText('after', `\nEditors with yaml-language-server use it through the first line of each data file:\n  # yaml-language-server: $schema=./kb.schema.json\n\nExamples:\n  $ finetune-advisor kb schema > kb.schema.json\n`)
    .action(async () => {
      const { kbJsonSchemaText } = await import('../../kb/json-schema.js');
      ctx.print(kbJsonSchemaText());
    });

  kb.command('init')
    .description('write a commented starter file for a knowledge-base extension')
    .argument('[file]', 'where to write it', 'finetune-advisor.kb.yaml')
    .option('--force', 'overwrite the file if it exists')
    .addHelpText('after', `\nExamples:\n  $ finetune-advisor kb init\n  $ finetune-advisor kb init team.kb.yaml && finetune-advisor kb validate team.kb.yaml\n`)
    .action((file: string, flags: { force?: boolean }) => {
      if (file === '-') {
        ctx.print(STARTER);
        return;
      }
      if (existsSync(file) && !flags.force) throw new UsageError(`${file} exists; pass --force to overwrite it.`);
      writeFileSync(file, STARTER);
      ctx.io.stderr.write(`Wrote ${file}. Check it with: finetune-advisor kb validate ${file}\n`);
    });
}
