// Turns what the user typed into knowledge-base ids, or a usage error that suggests the nearest.
import { UsageError } from '../errors.js';
import type { CardRequest } from '../estimate/card.js';
import type { DataInput } from '../estimate/data.js';
import { kindOf } from '../estimate/kinds/index.js';
import { OBJECTIVE_TRAITS } from '../estimate/objectives.js';
import type { SettingsOverrides } from '../estimate/settings.js';
import { groupThousands } from '../format.js';
import { entryById, findGpu, findModel, findTechnique, type Lookup } from '../kb/lookup.js';
import { shareNameIndex } from '../kb/name-index.js';
import type { Gpu, KnowledgeBase, Model, Trainer } from '../kb/types.js';
import type { Family, Interconnect, Objective, Targets } from '../kb/vocabulary.js';
import { CARDS_MAX, CARDS_PER_NODE_MAX, RANK_RANGE, RUN_KNOB_OPTIONS } from './options.js';
import type { Resolution } from './parse.js';
import { showControls } from './quote.js';

function resolved<T extends { id: string }>(lookup: Lookup<T>, flag: string, input: string, listCommand: string): T {
  if (lookup.found !== null) return lookup.found;
  const near = lookup.suggestions.length ? ` Did you mean ${lookup.suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
  throw new UsageError(
    `${flag} '${input}' is not in the catalogue.${near}`,
    `See \`finetune-advisor ${listCommand}\` for the ids and names it knows.`,
  );
}

export const resolveModel = (kb: KnowledgeBase, input: string) =>
  resolved(findModel(kb, input), '--model', input, 'models');

/** The knowledge base with one model more (its origin recorded), every other list left as it is (unparsed until read). */
function withModel(kb: KnowledgeBase, model: Model, origin: string): KnowledgeBase {
  const next = {} as KnowledgeBase;
  for (const key of Object.keys(kb) as Array<keyof KnowledgeBase>)
    Object.defineProperty(next, key, { enumerable: true, configurable: true, get: () => kb[key] });
  let models: Model[] | undefined;
  let origins: Record<string, string> | undefined;
  Object.defineProperty(next, 'models', { enumerable: true, get: () => (models ??= [...kb.models, model]) });
  Object.defineProperty(next, 'origin', {
    enumerable: true,
    get: () => (origins ??= { ...kb.origin, [`models:${model.id}`]: origin }),
  });
  // looked up through the catalogue's name index, the model read from files after its models
  shareNameIndex(kb, next, (name) => ({ replaced: [], appended: name === 'models' ? [model] : [] }));
  return next;
}

/** A model read from files: the knowledge base that holds it, the line for the assumptions, the warnings. */
export interface ModelInput {
  kb: KnowledgeBase;
  /** null when --model is a catalogue name (or absent) */
  assumption: string | null;
  warnings: string[];
}

/**
 * --model that names no catalogue entry but a config.json, a model folder or a Hub id in the local
 * Hugging Face cache: the model read from its files (src/cli/model-files.ts, loaded only here),
 * added to the knowledge base under the name typed, so resolveModel finds it. A catalogue name
 * always wins; a name that is neither is the usual "not in the catalogue" error.
 */
export async function withModelFiles(
  kb: KnowledgeBase,
  input: string | undefined,
  env: Record<string, string | undefined>,
): Promise<ModelInput> {
  if (input === undefined || findModel(kb, input).found !== null) return { kb, assumption: null, warnings: [] };
  const { readModelFiles } = await import('./model-files.js');
  const read = readModelFiles(kb, input, env);
  if ('notFound' in read) {
    if (!read.cacheDir) resolveModel(kb, input);
    const lookup = findModel(kb, input);
    const near = lookup.suggestions.length
      ? ` Did you mean ${lookup.suggestions.map((s) => `'${s}'`).join(', ')}?`
      : '';
    throw new UsageError(
      `--model '${input}' is not in the catalogue, nor in the Hugging Face cache (${read.cacheDir}).${near}`,
      'See `finetune-advisor models` for the names it knows, or pass a model folder or its config.json.',
    );
  }
  return { kb: withModel(kb, read.model, read.origin), assumption: read.assumption, warnings: read.warnings };
}
export const resolveGpu = (kb: KnowledgeBase, input: string) => resolveGpuChoice(kb, input).gpu;

/** A card for what was typed, and the sentence naming the variant taken when other cards share the name. */
export interface GpuChoice {
  gpu: Gpu;
  /** null when the name is the card's alone (an id, or a name no other variant shares) */
  variantNote: string | null;
  /** the other cards that answer to the name, for a question to offer */
  alternatives: Gpu[];
}

export function resolveGpuChoice(kb: KnowledgeBase, input: string): GpuChoice {
  return resolveGpuSet(kb, input).choice;
}

/** One card's name and the count typed before it ("2x 4090": 2; "4090": null). */
export interface GpuSetPart {
  count: number | null;
  name: string;
}

/**
 * A count before the name: "2x 4090", "2 x RTX 3090", "8X H100", "2x3090" ("8xH100":
 * COUNTED_TIGHT). After the x comes a
 * space or a digit, so a name with an x in it ("7900 XTX") is a name. The multiplication sign
 * (\u00d7, escaped so the bundle stays ASCII) counts as an x.
 */
const COUNTED = /^\s*(\d+)\s*[x\u00d7](?:\s+(.*?)|(\d.*?))?\s*$/i;
/**
 * "8xH100", "4xa100-80gb": a count of one or two digits, an x and a name starting with a letter.
 * A card's own name has more digits before its x ("7900xtx"), so it stays a name.
 */
const COUNTED_TIGHT = /^\s*(\d{1,2})[x\u00d7]([a-z].*?)\s*$/i;

/** --gpu as typed, split into its parts ("1x 4090 + 1x 3090", "4090,3090": two), each checked for shape. */
export function gpuSetParts(input: string): GpuSetPart[] {
  const pieces = input.split(/[,+]/);
  return pieces.map((piece) => {
    const m = COUNTED.exec(piece) ?? COUNTED_TIGHT.exec(piece);
    if (!m) {
      if (!piece.trim())
        throw new UsageError(
          `--gpu '${showControls(input)}' has an empty part: name one kind of card, e.g. --gpu "2x 4090".`,
        );
      return { count: null, name: piece.trim() };
    }
    const count = Number(m[1]);
    const name = (m[2] ?? m[3] ?? '').trim();
    if (!name)
      throw new UsageError(
        `--gpu '${showControls(input)}' names no card after the count: allowed "COUNTx NAME", e.g. --gpu "2x 4090" (see \`gpus\`).`,
      );
    if (!Number.isSafeInteger(count) || count < 1 || count > CARDS_PER_NODE_MAX)
      throw new UsageError(
        `--gpu '${showControls(input)}': the count of cards in a node is 1 to ${CARDS_PER_NODE_MAX}, e.g. --gpu "2x ${showControls(name)}" (more cards: --nodes).`,
      );
    return { count, name };
  });
}

/** The card --gpu names and how many of it (null: no count typed); several kinds in one set are a usage error. */
export function resolveGpuSet(kb: KnowledgeBase, input: string): { choice: GpuChoice; count: number | null } {
  const parts = gpuSetParts(input);
  const choices = parts.map((part) => {
    const lookup = findGpu(kb, part.name);
    const gpu = resolved(lookup, '--gpu', part.name, 'gpus');
    return { gpu, variantNote: variantNote(part.name, gpu, lookup.alternatives), alternatives: lookup.alternatives };
  });
  const kinds = [...new Set(choices.map((c) => c.gpu.id))];
  if (kinds.length > 1)
    throw new UsageError(
      `--gpu '${showControls(input)}' names different cards (${kinds.join(', ')}): the cards of a set are of one kind; allowed: one name, with a count, e.g. --gpu "2x ${kinds[0]}".`,
    );
  const counted = parts.length > 1 || parts[0]!.count !== null;
  const count = counted ? parts.reduce((sum, p) => sum + (p.count ?? 1), 0) : null;
  if (count !== null && count > CARDS_PER_NODE_MAX)
    throw new UsageError(
      `--gpu '${showControls(input)}' is ${count} cards: a node holds 1 to ${CARDS_PER_NODE_MAX} (more cards: --nodes).`,
    );
  return { choice: choices[0]!, count };
}

/** The card flags: which card, how many in a node, how many nodes, which link between them. */
export interface CardSetFlags {
  gpu?: string;
  vram?: number;
  gpus?: number;
  nodes?: number;
  interconnect?: Interconnect;
  /** host memory per node in GB (offload) */
  hostRam?: number;
}

/** What the set flags are called when given, for the message that they need a card. */
function setFlagsGiven(flags: CardSetFlags): string[] {
  return [
    flags.gpus !== undefined && '--gpus',
    flags.nodes !== undefined && '--nodes',
    flags.interconnect !== undefined && '--interconnect',
    flags.hostRam !== undefined && '--host-ram',
  ].filter((f): f is string => typeof f === 'string');
}

/**
 * The card set the flags ask for, every combination checked (each a usage error naming the flag and
 * what is allowed); null without --gpu or --vram (then --gpus, --nodes and --interconnect are an
 * error: they describe a card not named). --gpus and a count in --gpu are the cards of one node.
 */
export function resolveCardSet(kb: KnowledgeBase, flags: CardSetFlags): CardRequest | null {
  if (flags.gpu === undefined && flags.vram === undefined) {
    const given = setFlagsGiven(flags);
    if (given.length)
      throw new UsageError(
        `${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} the card: pass --gpu NAME or --vram GB too.`,
      );
    return null;
  }
  const set = flags.gpu !== undefined ? resolveGpuSet(kb, flags.gpu) : null;
  const gpu = set?.choice.gpu ?? null;
  if (set?.count != null && flags.gpus !== undefined && set.count !== flags.gpus)
    throw new UsageError(
      `--gpus ${flags.gpus} and --gpu '${showControls(flags.gpu!)}' (${set.count} cards) disagree: give the count once, --gpus ${set.count} or --gpu "${flags.gpus}x ${gpu!.id}".`,
    );
  const perNode = flags.gpus ?? set?.count ?? 1;
  if (flags.nodes !== undefined && flags.gpus === undefined && set?.count == null)
    throw new UsageError(
      `--nodes needs the cards in each node: pass --gpus N too (or --gpu "Nx NAME"), e.g. --gpus 8 --nodes ${flags.nodes}.`,
    );
  const nodes = flags.nodes ?? 1;
  const cards = perNode * nodes;
  if (cards > CARDS_MAX)
    throw new UsageError(
      `--gpus ${perNode} x --nodes ${nodes} is ${groupThousands(cards)} cards: allowed 1 to ${groupThousands(CARDS_MAX)} in all.`,
    );
  if (gpu && cards > 1 && !gpu.interconnect) {
    const flag = flags.gpus !== undefined ? `--gpus ${flags.gpus}` : `--gpu '${showControls(flags.gpu!)}'`;
    // a card of the user's knowledge base without `interconnect`: no link to estimate a set over
    const why =
      gpu.backend === 'mps' || gpu.segment === 'laptop'
        ? `${gpu.id} is ${gpu.backend === 'mps' ? "Apple silicon's GPU" : 'a laptop GPU'}, one to a computer`
        : `${gpu.id} has no link between cards in the knowledge base (gpus.yaml \`interconnect\`)`;
    throw new UsageError(`${flag}: ${why}; allowed: 1 card.`);
  }
  if (flags.interconnect !== undefined) {
    if (perNode === 1)
      throw new UsageError(
        `--interconnect is the link between the cards of a node: it needs 2 or more in a node (--gpus 2).`,
      );
    if (flags.interconnect === 'nvlink') {
      if (!gpu)
        throw new UsageError(
          "--interconnect nvlink with --vram: the NVLink bandwidth is a named card's; pass --gpu NAME (see `gpus`).",
        );
      const nvlink = gpu.interconnect?.nvlink;
      if (!nvlink)
        throw new UsageError(`--interconnect nvlink: ${gpu.id} has no NVLink; allowed: --interconnect pcie.`);
      if (nvlink.via === 'bridge' && perNode > nvlink.bridgeCards!)
        throw new UsageError(
          `--interconnect nvlink: an NVLink bridge joins ${nvlink.bridgeCards} ${gpu.id} cards, not ${perNode}; allowed: --gpus ${nvlink.bridgeCards} with nvlink, or --interconnect pcie.`,
        );
    }
  }
  // offload is a strategy of several cards (src/estimate/parallel.ts): one card keeps nothing there
  if (flags.hostRam !== undefined && cards === 1)
    throw new UsageError(
      '--host-ram is the host memory CPU offload keeps the states of several cards in: it needs 2 or more cards (--gpus 2).',
    );
  return {
    gpu: gpu?.id ?? null,
    vramGiB: flags.vram ?? null,
    ...(cards > 1 ? { cards, nodes } : {}),
    ...(flags.interconnect !== undefined ? { interconnect: flags.interconnect } : {}),
    ...(flags.hostRam !== undefined ? { hostGiB: flags.hostRam } : {}),
  };
}

const cardLabel = (g: Gpu) => `${g.id} (${g.name}, ${g.vramGB} GB${g.segment === 'laptop' ? ' laptop' : ''})`;

/** "'A100' is more than one card: took a100-80gb (...); the others: ... (pass --gpu ID for one of them)". */
export function variantNote(input: string, gpu: Gpu, alternatives: readonly Gpu[]): string | null {
  if (!alternatives.length) return null;
  const others = alternatives.map(cardLabel).join(', ');
  return `--gpu '${showControls(input)}' is more than one card: took ${cardLabel(gpu)}; ${alternatives.length === 1 ? 'the other' : 'the others'}: ${others} (pass --gpu with the id you have).`;
}
export function resolveTechnique(kb: KnowledgeBase, input: string, flag = 'technique') {
  return resolved(findTechnique(kb, input), flag, input, 'techniques');
}

/** The words for each family's models in these messages. */
const FAMILY_WORDS: Record<Family, { models: string; adjective: string }> = {
  image: { models: 'image models', adjective: 'an image' },
  llm: { models: 'language models', adjective: 'a language' },
  video: { models: 'video models', adjective: 'a video' },
};

/**
 * Flags that apply to one family's runs, each with the other family's flag to use instead; a flag
 * two families list (--resolution, --images: image and video) is an error only for the third.
 */
/** the flag to use instead: one for every other family, or one per family the flag is wrong for */
type Instead = string | Partial<Record<Family, string>>;
const FAMILY_FLAGS: Record<Family, Array<{ flag: string; key: FamilyFlagKey; instead: Instead }>> = {
  image: [
    { flag: '--resolution', key: 'resolution', instead: '--seq-len' },
    { flag: '--images', key: 'images', instead: '--examples' },
    { flag: '--repeats', key: 'repeats', instead: '--epochs' },
    {
      flag: '--prior-preservation',
      key: 'priorPreservation',
      instead: { llm: '--examples', video: "no --prior-preservation: a video model's recipes have no class images" },
    },
  ],
  llm: [
    { flag: '--seq-len', key: 'seqLen', instead: '--resolution' },
    { flag: '--examples', key: 'examples', instead: '--images' },
    { flag: '--tokens-per-example', key: 'tokensPerExample', instead: '--images' },
    { flag: '--tokens', key: 'tokens', instead: '--images' },
    { flag: '--packing', key: 'packing', instead: '--images' },
    { flag: '--loss', key: 'loss', instead: "no --loss: a denoiser's loss has no vocabulary of logits" },
  ],
  video: [
    { flag: '--resolution', key: 'resolution', instead: '--seq-len' },
    { flag: '--images', key: 'images', instead: '--examples' },
    { flag: '--repeats', key: 'repeats', instead: '--epochs' },
    { flag: '--frames', key: 'frames', instead: 'no --frames: only a video model trains on clips' },
  ],
};
type FamilyFlagKey =
  | 'loss'
  | 'frames'
  | 'resolution'
  | 'seqLen'
  | 'images'
  | 'repeats'
  | 'priorPreservation'
  | 'examples'
  | 'tokensPerExample'
  | 'tokens'
  | 'packing';

/**
 * --resolution, --images and --repeats shape image runs; --seq-len, --examples, --tokens and
 * --packing language-model runs: the other family's flag is a usage error in recommend and
 * estimate alike, naming what made the family (`subject`: "--goal style is an image goal", "sdxl
 * is an image model") and the flag to use instead.
 */
export function checkFamilyFlags(
  family: Family,
  flags: Partial<Record<FamilyFlagKey, unknown>>,
  subject: string,
): void {
  const own = new Set(FAMILY_FLAGS[family].map((f) => f.key));
  for (const [other, specs] of Object.entries(FAMILY_FLAGS) as Array<[Family, (typeof FAMILY_FLAGS)[Family]]>) {
    if (other === family) continue;
    for (const spec of specs) {
      if (flags[spec.key] === undefined || own.has(spec.key)) continue;
      const what = subject.startsWith('--goal') ? 'goal' : 'model';
      const flag = flags[spec.key] === false ? spec.flag.replace(/^--/, '--no-') : spec.flag;
      throw new UsageError(
        `${flag} is for ${FAMILY_WORDS[other].models}; ${subject} is ${FAMILY_WORDS[family].adjective} ${what} (use ${typeof spec.instead === 'string' ? spec.instead : spec.instead[family]}).`,
      );
    }
  }
}

/** The settings a user may fix on a run (RUN_KNOB_OPTIONS' keys, shared by estimate and recommend). */
export type RunKnob = keyof typeof RUN_KNOB_OPTIONS;
const RUN_KNOBS = Object.keys(RUN_KNOB_OPTIONS) as RunKnob[];

/** The fixed settings among `flags`, each present only when given (absent: the recipe's, and the savers may change it). */
export function givenKnobs<F extends Partial<Record<RunKnob, unknown>>>(flags: F): Pick<F, RunKnob> {
  return Object.fromEntries(RUN_KNOBS.filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]])) as Pick<
    F,
    RunKnob
  >;
}

/** --resolution as the settings it fixes: the height, and the width (null: a square) */
export function resolutionOverrides(r: Resolution | undefined): SettingsOverrides {
  return r ? { resolution: r.height, width: r.width } : {};
}

/** --resolution as typed: `512`, `832x480`. */
export const showResolution = (r: Resolution) => (r.width === null ? `${r.height}` : `${r.width}x${r.height}`);

/** The run settings a user fixed and the run's shape, as the planner's overrides; `extra` adds a command's own. */
export function runKnobOverrides(
  flags: Pick<SettingsOverrides, RunKnob | 'seqLen' | 'frames'> & { resolution?: Resolution },
  extra: SettingsOverrides = {},
): SettingsOverrides {
  const all: SettingsOverrides = {
    ...givenKnobs(flags),
    ...resolutionOverrides(flags.resolution),
    seqLen: flags.seqLen,
    frames: flags.frames,
    ...extra,
  };
  // absent means not given: the recipe's value stands and the memory savers may change it
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as SettingsOverrides;
}

/** The data flags (or answers) as the planner's input. */
export function dataInput(flags: DataInput): DataInput {
  const { images, repeats, examples, tokensPerExample, tokens, epochs, packing } = flags;
  return { images, repeats, examples, tokensPerExample, tokens, epochs, packing };
}

/** The flags that give a family's data size. */
const DATA_SIZE_FLAGS: Record<Family, string> = { image: '--images', llm: '--examples or --tokens', video: '--images' };

/** --repeats, --tokens-per-example and --epochs describe a dataset: alone, they are a usage error. */
export function checkDataSize(
  family: Family,
  flags: {
    images?: number;
    examples?: number;
    tokens?: number;
    repeats?: number;
    tokensPerExample?: number;
    epochs?: number;
  },
): void {
  if (flags.images !== undefined || flags.examples !== undefined || flags.tokens !== undefined) return;
  const alone = [
    flags.repeats !== undefined && '--repeats',
    flags.tokensPerExample !== undefined && '--tokens-per-example',
    flags.epochs !== undefined && '--epochs',
  ].filter((f): f is string => typeof f === 'string');
  if (alone.length)
    throw new UsageError(
      `${alone.join(', ')} ${alone.length === 1 ? 'needs' : 'need'} the data's size: pass ${DATA_SIZE_FLAGS[family]} too.`,
    );
}

/**
 * The rank the model bounds, as one line naming the flag, the model and the range allowed (null:
 * within range). An update B x A of a d_out x d_in matrix has rank at most min(d_in, d_out); the
 * kind's width (a language model's hidden size, a denoiser's widest block) is that bound's largest
 * value over the matrices adapted, so a higher rank adds parameters and no capacity to any of them.
 */
export function runRangeProblem(
  model: Model,
  flags: { rank?: number; targets?: Targets; blocksToSwap?: number },
): string | null {
  const kind = kindOf(model);
  const blocks = kind.swappableBlocks(model);
  if (flags.blocksToSwap !== undefined && blocks < 2)
    return `--blocks-to-swap: ${model.id} has no transformer blocks a trainer swaps (a diffusion transformer's: Wan, FLUX, SD3).`;
  // one block stays on the GPU: the one computing while the next comes in
  if (flags.blocksToSwap !== undefined && flags.blocksToSwap > blocks - 1)
    return `--blocks-to-swap ${flags.blocksToSwap} is more than ${model.id}'s ${blocks} blocks less the one computing: use 1..${blocks - 1}.`;
  const width = kind.baseNetwork(model).width;
  if (flags.rank !== undefined && flags.rank > width)
    return `--rank ${flags.rank} is beyond ${model.id}'s width (no matrix it adapts has a rank above ${width}): use ${RANK_RANGE.min}..${width}.`;
  const choices = kind.targetChoices(model);
  if (flags.targets !== undefined && !choices.includes(flags.targets))
    return `--targets ${flags.targets}: ${
      flags.targets === 'experts'
        ? `${model.id} has no mixture-of-experts layers`
        : `a language model's set (q, v and output projections and the MLP), not one of ${model.id}'s`
    }; allowed: ${choices.join(', ')}.`;
  return null;
}

/**
 * An objective the model's kind does not train with (a denoiser has no preference or RL trainer:
 * image models take sft alone), or a micro-batch below what its trainer runs (KTO: 2), as one line
 * naming the flag and what is allowed; null: fine.
 */
export function objectiveProblem(
  model: Model,
  objective: Objective | undefined,
  batch?: number,
  trainer?: Pick<Trainer, 'id' | 'objectiveMinBatch'> | null,
): string | null {
  const kind = kindOf(model);
  if (objective === undefined) return null;
  if (!kind.objectives.includes(objective))
    return `--objective ${objective} does not apply to ${model.id}, which is ${kind.description}; allowed for it: ${kind.objectives.join(', ')}.`;
  // a trainer that runs the objective at a micro-batch of its own (trainers.yaml objectiveMinBatch:
  // LLaMA-Factory's and ms-swift's KTO pair the KL completions without TRL's check)
  const own = trainer?.objectiveMinBatch?.[objective];
  const least = own ?? OBJECTIVE_TRAITS[objective].minBatch;
  if (batch !== undefined && batch < least)
    return `--batch ${batch} with --objective ${objective}: ${own !== undefined ? `${trainer!.id}` : `TRL's ${OBJECTIVE_TRAITS[objective].trainer}`} needs a micro-batch of ${least} or more (allowed: --batch ${least} or more).`;
  return null;
}

/** runRangeProblem as a usage error. */
export function checkRunRanges(
  kb: KnowledgeBase,
  model: Model,
  flags: { rank?: number; targets?: Targets; objective?: Objective; batch?: number; trainer?: string },
): void {
  // an id that names no trainer is resolveTrainer's usage error, later
  const trainer = flags.trainer === undefined ? null : trainerById(kb, flags.trainer);
  const problem = runRangeProblem(model, flags) ?? objectiveProblem(model, flags.objective, flags.batch, trainer);
  if (problem) throw new UsageError(problem);
}

/**
 * Values the estimate takes as given but a trainer would not run as given, one line each for
 * stderr. Neither is refused, because published runs use both:
 * - a sequence past the model's context length: LLaMA-Factory's wiki measures LLaMA-2-7B (4,096)
 *   at 8,192 to 65,536 tokens (tests/fixtures/measurements.yaml llm-D25d..g, llm-D26b/c);
 *   context extension needs RoPE scaling. Not for a model built from a parameter count
 *   (`scaled`): its context length is its template's, not a published one.
 * - a side off the kind's step (kind.resolutionStep): image trainers put it in a 64 px bucket, and
 *   disagree on which (kohya's square bucket is floor(side / 64) x 64, model_util.py
 *   make_bucket_resolutions; SimpleTuner's the nearest multiple, multiaspect/image.py
 *   _round_to_nearest_multiple). The side of a square of a rectangular bucket's area (627 for
 *   512 x 768, measurements.yaml img-D13) is one too. A video side is cropped to what its VAE and
 *   patch divide.
 */
export function runRangeWarnings(
  model: Model,
  flags: { seqLen?: number; resolution?: Resolution },
  scaled = false,
): string[] {
  const warnings: string[] = [];
  if (flags.seqLen !== undefined && !scaled && 'contextLength' in model && flags.seqLen > model.contextLength)
    warnings.push(
      `--seq-len ${flags.seqLen} is beyond ${model.id}'s context length ${model.contextLength}: training at it needs RoPE scaling (context extension); estimated as given.`,
    );
  const r = flags.resolution;
  const step = kindOf(model).resolutionStep(model);
  const sides = r ? [r.width ?? r.height, r.height] : [];
  if (r && step && sides.some((side) => side % step !== 0)) {
    const [w, h] = sides.map((side) => side - (side % step));
    const down = r.width === null ? `${h}` : `${w}x${h}`;
    warnings.push(
      kindOf(model).hasFrames
        ? `--resolution ${showResolution(r)} is not a multiple of ${step} (the VAE's downscale x the denoiser's patch): trainers crop it to ${down}; estimated as given.`
        : `--resolution ${showResolution(r)} is not a multiple of ${step}: trainers bucket it to ${down} (kohya) or the nearest multiple (SimpleTuner); estimated as given.`,
    );
  }
  return warnings;
}

/**
 * The trainer of a run: the one --trainer names, which must train the model's family, else the
 * family's default (trainers.yaml `defaultFor`); null when the knowledge base has none for it.
 */
/**
 * The trainers that train models of the family, in the knowledge base's order; with a model group,
 * only those that train it (trainers.yaml `notFor`).
 */
export const trainersFor = (kb: KnowledgeBase, family: Family, group?: string): Trainer[] =>
  kb.trainers.filter((t) => t.families.includes(family) && (group === undefined || !t.notFor?.includes(group)));

/**
 * The trainer assumed for the family when none is given (trainers.yaml `defaultFor`); for a model
 * group the family's default does not train (`notFor`), the first trainer that does. null: none.
 */
export function defaultTrainer(kb: KnowledgeBase, family: Family, group?: string): Trainer | null {
  const familyDefault = kb.trainers.find((t) => t.defaultFor?.includes(family)) ?? null;
  if (!familyDefault || group === undefined || !familyDefault.notFor?.includes(group)) return familyDefault;
  return trainersFor(kb, family, group)[0] ?? null;
}

/** The trainer --trainer names, as typed (case and surrounding spaces aside); null when none has the id. */
const trainerById = (kb: KnowledgeBase, id: string): Trainer | null =>
  kb.trainers.find((t) => t.id === id.trim().toLowerCase()) ?? null;

export function resolveTrainer(
  kb: KnowledgeBase,
  family: Family,
  id: string | undefined,
  subject: string,
  group?: string,
): { trainer: Trainer | null; isDefault: boolean } {
  const forFamily = trainersFor(kb, family).map((t) => t.id);
  if (id === undefined) return { trainer: defaultTrainer(kb, family, group), isDefault: true };
  const trainer = trainerById(kb, id);
  if (!trainer)
    throw new UsageError(`--trainer '${id}' is not a trainer. Allowed: ${kb.trainers.map((t) => t.id).join(', ')}.`);
  if (!trainer.families.includes(family))
    throw new UsageError(
      `--trainer ${trainer.id} trains ${trainer.families.map((f) => FAMILY_WORDS[f].models).join(' and ')}; ${subject} is ${FAMILY_WORDS[family].adjective} model. Allowed for it: ${forFamily.join(', ')}.`,
    );
  if (group !== undefined && trainer.notFor?.includes(group)) {
    const name = kb.groups.find((g) => g.id === group)?.name ?? group;
    throw new UsageError(
      `--trainer ${trainer.id} does not train ${name} models (${subject}). Allowed for it: ${trainersFor(
        kb,
        family,
        group,
      )
        .map((t) => t.id)
        .join(', ')}.`,
    );
  }
  return { trainer, isDefault: false };
}

/** --blocks-to-swap needs a trainer that swaps blocks (trainers.yaml `savers: [block-swap]`). */
export function checkBlockSwap(
  kb: KnowledgeBase,
  family: Family,
  trainer: Trainer | null,
  blocks?: number,
  group?: string,
): void {
  if (blocks === undefined || trainer?.savers.includes('block-swap')) return;
  const swapping = trainersFor(kb, family, group)
    .filter((t) => t.savers.includes('block-swap'))
    .map((t) => t.id);
  throw new UsageError(
    `--blocks-to-swap needs a trainer that swaps blocks; ${trainer ? trainer.id : 'no trainer'} does not. Allowed: --trainer ${swapping.join(', ') || '(none for these models)'}.`,
  );
}

/**
 * A card that takes an NVLink bridge, several in a node and no --interconnect: the bridge is an
 * accessory, so the set is estimated over PCIe, and the note says how to count the bridge in.
 */
export function bridgeNote(kb: KnowledgeBase, request: CardRequest | null): string | null {
  const gpu = request?.gpu ? entryById(kb, 'gpus', request.gpu) : undefined;
  const nvlink = gpu?.interconnect?.nvlink;
  const perNode = (request?.cards ?? 1) / (request?.nodes ?? 1);
  // a bridge joins its pair (or four): a node of more cards than it joins runs over PCIe, nothing to ask
  if (!gpu || nvlink?.via !== 'bridge' || perNode < 2 || request?.interconnect !== undefined) return null;
  if (perNode > nvlink.bridgeCards!) return null;
  return `${gpu.id} cards take an NVLink bridge (between ${nvlink.bridgeCards}), sold apart: estimated over PCIe; pass --interconnect nvlink if yours are bridged.`;
}
