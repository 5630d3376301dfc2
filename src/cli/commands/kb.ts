// `finetune-advisor kb validate | schema | init`: the knowledge base as something users extend.
import { closeSync, constants, fchmodSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { type Command } from 'commander';

import { EXIT, UsageError } from '../../errors.js';
import { bundledDataDir } from '../../kb/compiled.js';
import { MAX_FILE_BYTES } from '../../kb/limits.js';
import { describeFsError, formatLimit, pathNameProblem, printableName, quotedName } from '../../kb/read-file.js';
import type { Context } from '../context.js';

const STARTER = `# yaml-language-server: $schema=https://raw.githubusercontent.com/finetune-advisor/finetune-advisor/main/data/kb.schema.json
# A finetune-advisor knowledge-base extension. Use it with:
#   finetune-advisor recommend --kb THIS_FILE ...      (or FINETUNE_ADVISOR_KB=THIS_FILE)
# Check it with:
#   finetune-advisor kb validate THIS_FILE
# One file holds one list: gpus, models, techniques, rules, groups (model groups: what a model's
# \`group\` and a technique's \`defaults\` keys name; a new group needs its models and a technique
# with \`defaults\` for it) or dataPlan (advice on preparing the data: captions, chat template, ...).
# Entries with an id that already exists replace the bundled entry; new ids add to it. Every entry
# needs a source.
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
    name: NVIDIA RTX 4000 Ada Generation
    vendor: nvidia              # nvidia | amd | apple
    vramGB: 20                  # as marketed
    bf16: true                  # Ampere (RTX 30) or newer
    tflops: 76.7                # dense fp16/bf16 tensor TFLOPS with FP32 accumulate
    bandwidthGBs: 360
    aliases: ["RTX 4000 Ada", "RTX 4000 Ada Generation"]
    sources:
      - ref: "thamada/nvidia-smi gls/database.py (RTX 4000 Ada: vram_size, vram_bw, FP8 tensor)"
        url: "https://github.com/thamada/nvidia-smi/blob/b09ef139265ffc7e3c78006346981de8e4d70499/gls/database.py"
        for: [vramGB, bandwidthGBs]
      - ref: "derived: 153.4 dense FP8 tensor TFLOPS / 2 (FP16 runs at half the FP8 rate)"
        for: [tflops]
`;

/** A write's result: done; refused because the file exists (--force overwrites it); or refused, with why in one plain sentence. */
type WriteOutcome = { ok: true } | { ok: false; exists: true } | { ok: false; exists: false; reason: string };

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

function createReason(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the folder ${printableName(dirname(file))} does not exist`;
  if (code === 'ELOOP') return 'is a symbolic link; kb init does not write through links';
  return describeFsError(err);
}

/** What is at `file` when it is not a regular file kb init may replace, or undefined. */
function notReplaceable(file: string): string | undefined {
  let st;
  try {
    st = lstatSync(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : describeFsError(err);
  }
  if (st.isSymbolicLink()) return 'is a symbolic link; kb init does not write through links';
  if (st.isDirectory()) return 'is a folder, not a file';
  if (!st.isFile()) return 'not a regular file';
  return undefined;
}

/**
 * Writes `text` to a new `file`, never through a symbolic link (O_EXCL | O_NOFOLLOW); with
 * `force`, an existing regular file is replaced by a temporary file in the same folder renamed
 * over it, so a link is never followed and a failed write leaves the old file whole.
 */
function writeStarter(file: string, text: string, force: boolean): WriteOutcome {
  const refused = notReplaceable(file);
  if (refused) return { ok: false, exists: false, reason: refused };
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      return { ok: false, exists: false, reason: createReason(file, err) };
    // made between the check and the open: check it again
    const now = notReplaceable(file);
    if (now) return { ok: false, exists: false, reason: now };
    if (!force) return { ok: false, exists: true };
    return replace(file, text);
  }
  try {
    try {
      writeAll(fd, text);
    } finally {
      closeSync(fd);
    }
    return { ok: true };
  } catch (err) {
    removeQuietly(file); // made by this run: no half-written starter stays behind
    return { ok: false, exists: false, reason: describeFsError(err) };
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function replace(file: string, text: string): WriteOutcome {
  // a unique enough name: it is created exclusively, so a clash fails rather than shares a file
  const temp = join(
    dirname(file),
    `.${basename(file)}.${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o666);
  } catch (err) {
    return { ok: false, exists: false, reason: `cannot write a file beside it: ${createReason(file, err)}` };
  }
  try {
    try {
      writeAll(fd, text);
      // the replaced file's permissions carry over
      fchmodSync(fd, lstatSync(file).mode & 0o7777);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    return { ok: true };
  } catch (err) {
    removeQuietly(temp);
    return { ok: false, exists: false, reason: describeFsError(err) };
  }
}

export function registerKb(program: Command, ctx: Context, setExit: (code: number) => void): void {
  const kb = program.command('kb').description('check, extend and describe the knowledge base');

  kb.command('validate')
    .description('validate knowledge-base files or folders (default: the bundled one) and report every problem')
    .argument('[path...]', 'YAML files or folders; checked on top of the bundled knowledge base')
    .option('--strict', 'warnings (a figure without a source, a shadowed alias) fail too')
    .option('--json', 'print only JSON')
    .option('--no-color', 'no colour even on a terminal (kb prints none)')
    .addHelpText(
      'after',
      `\nEach problem is printed as file:line:column: message. Files larger than ${formatLimit(MAX_FILE_BYTES)} are refused.\nExit codes: 0 valid, 1 errors (or warnings with --strict), 2 usage error.\n\nExamples:\n  $ finetune-advisor kb validate\n  $ finetune-advisor kb validate my-gpus.yaml team-rules.yaml\n  $ finetune-advisor kb validate ./my-kb/ --strict\n`,
    )
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
    .option('--no-color', 'no colour even on a terminal (kb prints none)')
    .addHelpText(
      'after',
      `\nEditors with yaml-language-server use it through the first line of each data file:\n  # yaml-language-server: $schema=./kb.schema.json\n\nExamples:\n  $ finetune-advisor kb schema > kb.schema.json\n`,
    )
    .action(async () => {
      const { kbJsonSchemaText } = await import('../../kb/json-schema.js');
      ctx.print(kbJsonSchemaText());
    });

  kb.command('init')
    .description('write a commented starter file for a knowledge-base extension')
    .argument('[file]', 'where to write it', 'finetune-advisor.kb.yaml')
    .option('--force', 'overwrite the file if it exists (never through a symbolic link)')
    .option('--no-color', 'no colour even on a terminal (kb prints none)')
    .addHelpText(
      'after',
      `\nExamples:\n  $ finetune-advisor kb init\n  $ finetune-advisor kb init team.kb.yaml && finetune-advisor kb validate team.kb.yaml\n`,
    )
    .action((file: string, flags: { force?: boolean }) => {
      if (file === '-') {
        ctx.print(STARTER);
        return;
      }
      const problem = pathNameProblem(file);
      if (problem) throw new UsageError(`kb init needs a file name; ${quotedName(file)} is ${problem}.`);
      const shown = printableName(file);
      const outcome = writeStarter(file, STARTER, flags.force === true);
      if (!outcome.ok && outcome.exists) throw new UsageError(`${shown} exists; pass --force to overwrite it.`);
      if (!outcome.ok) {
        ctx.io.stderr.write(`error: ${shown}: ${outcome.reason}\n`);
        setExit(EXIT.failure);
        return;
      }
      ctx.io.stderr.write(`Wrote ${shown}. Check it with: finetune-advisor kb validate ${shown}\n`);
    });
}
