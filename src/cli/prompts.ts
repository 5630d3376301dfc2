// The interactive questions of `recommend`. The only module that knows inquirer, and it is
// imported only when a question has to be asked (scripted runs never load it).
import { AbortPromptError, ExitPromptError } from '@inquirer/core';

import { scaledModel } from '../engine/custom-model.js';
import { InterruptedError } from '../errors.js';
import { kindOf, modelsOfFamily } from '../estimate/kinds/index.js';
import { findGpu, findModel, normalizeName } from '../kb/lookup.js';
import type { KnowledgeBase } from '../kb/types.js';
import {
  FAMILIES,
  type Family,
  type Goal,
  GOAL_DESCRIPTIONS,
  GOAL_FAMILY,
  GOAL_OBJECTIVE,
  goalFits,
  GOALS,
  type Objective,
  OBJECTIVE_DESCRIPTIONS,
  PRIORITIES,
  type Priority,
} from '../kb/vocabulary.js';
import type { RecommendInput } from './commands/recommend/input.js';
import type { Detection } from './detect-gpu.js';
import { detectedSetName, detectedSets } from './detected-sets.js';
import { DATA_OPTIONS } from './options.js';
import { parseDuration, parseVram } from './parse.js';
import { type KeySource, QuestionInput } from './question-input.js';
import { showControls } from './quote.js';
import { defaultTrainer, gpuSetParts, runRangeProblem, trainersFor } from './resolve.js';

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

const PRIORITY_DESCRIPTIONS: Record<Priority, string> = {
  balanced: 'weigh quality, time, memory and file size together',
  quality: 'the best result the card and the time allow',
  speed: 'done as soon as possible',
  size: 'the smallest file to keep and share',
};

/** Entries whose id, name or an alias contains the typed text: exact matches first, then prefixes, then the rest in order. */
function rankMatches<T extends { id: string; name: string; aliases: string[] }>(
  entries: T[],
  term: string | undefined,
): T[] {
  const t = normalizeName(term ?? '');
  if (!t) return entries;
  const rank = (e: T) => {
    const names = [e.id, e.name, ...e.aliases].map(normalizeName);
    return names.includes(t) ? 0 : names.some((n) => n.startsWith(t)) ? 1 : names.some((n) => n.includes(t)) ? 2 : 3;
  };
  return entries
    .map((e, i) => ({ e, r: rank(e), i }))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.e);
}

/** A flag parser as a prompt validator: true, or the parser's message. */
function validator(parse: (text: string) => unknown): (text: string) => true | string {
  return (text) => {
    try {
      parse(text);
      return true;
    } catch (e) {
      return (e as Error).message;
    }
  };
}

/** Per family: the heading of its goals, and the defaults the questions offer. */
const FAMILY_QUESTIONS: Record<Family, { heading: string; defaultGoal: Goal; defaultModel: string }> = {
  image: { heading: '── image models (Stable Diffusion, SDXL, FLUX) ──', defaultGoal: 'subject', defaultModel: 'sdxl' },
  llm: {
    heading: '── language models (Llama, Qwen, Mistral, Gemma) ──',
    defaultGoal: 'task',
    defaultModel: 'llama-3.1-8b',
  },
  video: { heading: '── video models (Wan) ──', defaultGoal: 'motion', defaultModel: 'wan2.1-t2v-1.3b' },
};
const OTHER_MODEL = '__by-parameter-count__';
const MODEL_FILES = '__from-its-files__';

/** Checks a model typed as its files (a config.json, a model folder, a cached Hub id): true, or why not. */
export type ModelFilesCheck = (text: string, goal: Goal) => Promise<string | true>;

/** Per family: the question for the data's size, the answer it fills and its parser (the flag's). */
const DATA_QUESTIONS: Record<Family, { message: string; answer: 'images' | 'examples'; parse: (t: string) => number }> =
  {
    image: {
      message: 'How many training images? (Enter: not sure)',
      answer: 'images',
      parse: DATA_OPTIONS.images.parse,
    },
    llm: {
      message: 'How many training examples? (Enter: not sure)',
      answer: 'examples',
      parse: DATA_OPTIONS.examples.parse,
    },
    video: {
      message: 'How many training clips (or images)? (Enter: not sure)',
      answer: 'images',
      parse: DATA_OPTIONS.images.parse,
    },
  };
const TYPE_VRAM = '__type-memory__';

/** Exit codes for the signals that end a run at a question: 128 + the signal's number, as a shell reports them. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
const SHOW_CURSOR = '\x1b[?25h';
const ERASE_LINE = '\r\x1b[2K';
/** from the cursor to the end of the screen: a search question's list is drawn below its cursor */
const ERASE_DOWN = '\x1b[J';

/**
 * While questions are shown, SIGINT, SIGTERM and SIGHUP restore the terminal and exit 130 / 143 / 129.
 * Without these, inquirer's signal-exit (its listeners alone) removes its handlers and re-raises the
 * signal, so the process dies with the terminal in raw mode and the cursor hidden; with ours
 * present it does neither. Returns the remover: outside the questions Node's default is wanted (it
 * stops synchronous work at once, which a JS handler cannot).
 */
function restoreTerminalOnSignals(streams: PromptStreams): () => void {
  const handlers = (Object.keys(SIGNAL_EXIT) as Array<keyof typeof SIGNAL_EXIT>).map((signal) => {
    const handler = () => {
      try {
        const input = streams.input as { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
        if (input.isTTY && typeof input.setRawMode === 'function') input.setRawMode(false);
        // below the line the question (or the detection note) is on; "interrupted" as for Ctrl-C at a question
        streams.output.write(`${SHOW_CURSOR}\n${ERASE_DOWN}${signal === 'SIGINT' ? 'interrupted\n' : ''}`);
      } catch {
        // a terminal that hung up (SIGHUP) cannot be written to: exit all the same
      }
      process.exit(SIGNAL_EXIT[signal]);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => handlers.forEach(([signal, handler]) => process.removeListener(signal, handler));
}

/**
 * Asks for the answers missing from `known` (which is left as it is): the goal, model, GPU and time
 * budget when absent, and the priority unless it was chosen. Returns only the answers asked.
 */
export async function askMissingAnswers(
  kb: KnowledgeBase,
  known: Readonly<RecommendInput>,
  streams: PromptStreams,
  detect: () => Promise<Detection>,
  note: (line: string) => void,
  checkModelFiles: ModelFilesCheck,
): Promise<RecommendInput> {
  const stopRestoring = restoreTerminalOnSignals(streams);
  const input = new QuestionInput(streams.input as unknown as KeySource);
  try {
    return await askEach(kb, known, streams, input, detect, note, checkModelFiles);
  } finally {
    input.close();
    stopRestoring();
  }
}

async function askEach(
  kb: KnowledgeBase,
  known: Readonly<RecommendInput>,
  streams: PromptStreams,
  input: QuestionInput,
  detect: () => Promise<Detection>,
  note: (line: string) => void,
  checkModelFiles: ModelFilesCheck,
): Promise<RecommendInput> {
  const { default: inquirer } = await import('inquirer');
  const prompt = inquirer.createPromptModule({
    input: input as unknown as NodeJS.ReadStream,
    output: streams.output as NodeJS.WriteStream,
  });
  const ask = async <T>(question: Record<string, unknown>): Promise<T> => {
    const asked = prompt([{ ...question, name: 'value' } as never]);
    // Ctrl-D closed the question without an answer: as good as Ctrl-C
    const giveUp = () => asked.ui.close();
    input.on('abandoned', giveUp);
    input.setListening(true);
    try {
      const answers = (await asked) as { value: T };
      return answers.value;
    } catch (e) {
      if (e instanceof ExitPromptError || e instanceof AbortPromptError) throw new InterruptedError();
      throw e;
    } finally {
      input.setListening(false);
      input.removeListener('abandoned', giveUp);
    }
  };
  const asked: RecommendInput = {};

  let goal = known.goal;
  if (!goal) {
    // the family of the model given (checkGivenNames resolved it: an id, a name, or one read from its files)
    const family = known.model ? (findModel(kb, known.model).found?.family ?? null) : null;
    const goals = (list: readonly Goal[]) =>
      list.map((g) => ({ name: g, value: g, description: GOAL_DESCRIPTIONS[g] }));
    // the goals of the model's family, or each goal once under the heading of the family it asks
    // for first (an image goal's models are image models; motion's video models)
    const choices = family
      ? goals(GOALS.filter((g) => goalFits(g, family)))
      : FAMILIES.flatMap((f) => [
          new inquirer.Separator(FAMILY_QUESTIONS[f].heading),
          ...goals(GOALS.filter((g) => GOAL_FAMILY[g] === f)),
        ]);
    goal = asked.goal = await ask<Goal>({
      type: 'select',
      message: 'What do you want to teach the model?',
      choices,
      default: FAMILY_QUESTIONS[family ?? FAMILIES[0]].defaultGoal,
      pageSize: 10,
    });
  }

  if (!known.model && known.modelParams === undefined) {
    const family = GOAL_FAMILY[goal];
    const models = modelsOfFamily(kb.models, family);
    const label = (m: (typeof models)[number]) => `${m.id} (${m.name}, ${kindOf(m).sizeLabel(m)})`;
    const byDefaultFirst = [...models].sort(
      (a, b) =>
        Number(b.id === FAMILY_QUESTIONS[family].defaultModel) - Number(a.id === FAMILY_QUESTIONS[family].defaultModel),
    );
    const chosen = await ask<string>({
      type: 'search',
      message: `Base model (type to filter; ${FAMILY_QUESTIONS[family].defaultModel} if unsure)`,
      pageSize: 10,
      source: async (term: string | undefined) => {
        // a choice the check refused comes back as the filter, as its label (inquirer's search):
        // the same model again, so that Enter on it shows why
        const refused = byDefaultFirst.filter((m) => label(m) === term);
        const hits = refused.length ? refused : rankMatches(byDefaultFirst, term);
        return [
          ...hits.map((m) => ({ name: label(m), value: m.id })),
          { name: 'Another model: give its parameter count', value: OTHER_MODEL },
          { name: 'Another model: its config.json, folder or Hugging Face cache id', value: MODEL_FILES },
        ];
      },
      // --rank given is checked against the model picked, as they are for --model
      validate: (id: string) => {
        const model = models.find((m) => m.id === id);
        return (model && runRangeProblem(model, known)) ?? true;
      },
    });
    if (chosen === OTHER_MODEL) {
      const text = await ask<string>({
        type: 'input',
        message: 'Parameter count in billions (e.g. 9 or 0.5)',
        validate: (v: string) =>
          Number(v) >= 0.01 && Number(v) <= 2000
            ? (runRangeProblem(scaledModel(kb, family, Number(v)), known) ?? true)
            : 'a number of billions of parameters, such as 9 or 0.5',
      });
      asked.modelParams = Number(text);
    } else if (chosen === MODEL_FILES) {
      // read offline as --model PATH reads it; a file that cannot be used is said under the question
      const text = await ask<string>({
        type: 'input',
        message: 'Path to its config.json or model folder, or its Hub id (ORG/NAME) in your Hugging Face cache',
        validate: (v: string) => (v.trim() ? checkModelFiles(v.trim(), goal) : 'a path or ORG/NAME'),
      });
      asked.model = text.trim();
    } else asked.model = chosen;
  }

  // a name several cards answer to ("A100", "RTX 4060 Ti", "4090"): which one, never a silent pick;
  // a count before it ("2x A100") stays with the card chosen
  const parts = known.gpu !== undefined ? gpuSetParts(known.gpu) : [];
  const named = parts.length === 1 ? findGpu(kb, parts[0]!.name) : null;
  const countPrefix = parts.length === 1 && parts[0]!.count !== null ? `${parts[0]!.count}x ` : '';
  if (named?.found && named.alternatives.length) {
    asked.gpu =
      countPrefix +
      (await ask<string>({
        type: 'select',
        message: `'${showControls(parts[0]!.name)}' is more than one card. Which one will train?`,
        choices: [named.found, ...named.alternatives].map((g) => ({
          name: `${g.id} (${g.name}, ${g.vramGB} GB${g.segment === 'laptop' ? ' laptop' : ''})`,
          value: g.id,
        })),
        default: named.found.id,
      }));
  }

  if (known.gpu === undefined && known.vram === undefined) {
    // nvidia-smi may take up to its timeout: say what the wait is for, then erase the note
    streams.output.write('Looking for GPUs with nvidia-smi...');
    let detection: Detection;
    try {
      detection = await detect();
    } finally {
      streams.output.write(ERASE_LINE);
    }
    if (detection.problem) note(`GPU detection: ${detection.problem}; pick your GPU instead.`);
    const found = detection.gpus;
    const sets = detectedSets(found);
    let picked: string | null = null;
    if (found.length > 1 && sets.length < found.length) {
      // several cards of one kind: offered as one set (what trains on all of them), or one of them
      const setChoices = sets.flatMap((g) => {
        const each = `${Number((g.memoryMiB / 1024).toFixed(1))} GiB${g.count > 1 ? ' each' : ''}`;
        // one card is its id alone, as the single-card questions give it
        const value = (count: number) =>
          g.gpu
            ? `${count > 1 ? `${count}x ` : ''}${g.gpu.id}`
            : `${TYPE_VRAM}:${g.memoryMiB / 1024}${count > 1 ? `:${count}` : ''}`;
        const unknown = g.gpu ? '' : ' (not in the catalogue: its memory will be used)';
        const set = { name: `${detectedSetName(g)}, ${each} (detected)${unknown}`, value: value(g.count) };
        return g.count > 1 ? [set, { name: `1x ${g.name}, one of them${unknown}`, value: value(1) }] : [set];
      });
      picked = await ask<string>({
        type: 'select',
        message: `Found ${sets.map(detectedSetName).join(' and ')}. Which will train?`,
        choices: [...setChoices, { name: 'Another GPU', value: '' }],
      });
      if (picked === '') picked = null;
    } else if (found.length === 1) {
      const g = found[0]!;
      const use = await ask<boolean>({
        type: 'confirm',
        message: `Found ${g.name}, ${Number((g.memoryMiB / 1024).toFixed(1))} GiB: use it?`,
        default: true,
      });
      if (use) picked = g.gpu ? g.gpu.id : `${TYPE_VRAM}:${g.memoryMiB / 1024}`;
    } else if (found.length > 1) {
      picked = await ask<string>({
        type: 'select',
        message: `Found ${found.length} GPUs. Which one will train?`,
        choices: [
          ...found.map((g, i) => ({
            name: `${i}: ${g.name}, ${Number((g.memoryMiB / 1024).toFixed(1))} GiB${g.gpu ? '' : ' (not in the catalogue: its memory will be used)'}`,
            value: g.gpu ? g.gpu.id : `${TYPE_VRAM}:${g.memoryMiB / 1024}`,
          })),
          { name: 'Another GPU', value: '' },
        ],
      });
      if (picked === '') picked = null;
    }
    if (picked?.startsWith(`${TYPE_VRAM}:`)) {
      const [gib, count] = picked.slice(TYPE_VRAM.length + 1).split(':');
      asked.vram = Number(gib);
      if (count !== undefined && Number(count) > 1) asked.gpus = Number(count);
      note(
        `This card is not in the catalogue: using its ${Number(asked.vram.toFixed(1))} GiB and the speed of a typical card with that memory.`,
      );
    } else if (picked) asked.gpu = picked;
    else {
      const gpus = [...kb.gpus].sort((a, b) => b.vramGB - a.vramGB || b.tflops - a.tflops);
      let lastTerm = '';
      const choice = await ask<string>({
        type: 'search',
        message: 'GPU (type to filter, e.g. 4090, t4, a100)',
        pageSize: 10,
        source: async (term: string | undefined) => {
          lastTerm = term?.trim() ?? '';
          const notListed = { name: 'Not listed: type its memory in GB', value: TYPE_VRAM };
          const hits = rankMatches(gpus, term).map((g) => ({
            name: `${g.id} (${g.name}, ${g.vramGB} GB)`,
            value: g.id,
          }));
          // the first item is the one Enter picks: with nothing typed, typing the memory (every
          // card is listed below); once something is typed, the best match
          return lastTerm ? [...hits, notListed] : [notListed, ...hits];
        },
      });
      if (choice === TYPE_VRAM) {
        // a number typed in the filter (20, "20 GB") is the memory the user meant
        const typed = validator(parseVram)(lastTerm) === true ? lastTerm : '24';
        const text = await ask<string>({
          type: 'input',
          message: 'GPU memory in GB',
          default: typed,
          validate: validator(parseVram),
        });
        asked.vram = parseVram(text);
      } else asked.gpu = choice;
    }
  }

  if (known.time === undefined) {
    const text = await ask<string>({
      type: 'input',
      message: 'Time budget (90m, 2h, 1.5h, 1d)',
      default: '2h',
      validate: validator(parseDuration),
    });
    asked.time = parseDuration(text);
  }

  // a language goal's objective: what the examples are and what each costs; Enter keeps the goal's
  // (preference: dpo, reasoning: grpo, the others sft)
  const goalObjective = GOAL_OBJECTIVE[goal];
  if (known.objective === undefined && goalObjective) {
    const objective = await ask<Objective>({
      type: 'select',
      message: 'Which training objective?',
      choices: (Object.keys(OBJECTIVE_DESCRIPTIONS) as Objective[]).map((o) => ({
        name: o === goalObjective ? `${o} (the ${goal} goal's)` : o,
        value: o,
        description: OBJECTIVE_DESCRIPTIONS[o],
      })),
      default: goalObjective,
    });
    if (objective !== goalObjective) asked.objective = objective;
  }

  // the data's size sets the steps; "not sure" (Enter) keeps the recipe's typical run, and the
  // answer then says how much data the budget trains
  if (known.images === undefined && known.examples === undefined && known.tokens === undefined) {
    const data = DATA_QUESTIONS[GOAL_FAMILY[goal]];
    const text = await ask<string>({
      type: 'input',
      message: data.message,
      default: '',
      validate: (t: string) => t.trim() === '' || validator(data.parse)(t),
    });
    if (text.trim() !== '') asked[data.answer] = data.parse(text);
  }

  // the trainer: its defaults and savers shape every plan; Enter keeps the family's default
  if (known.trainer === undefined) {
    const family = GOAL_FAMILY[goal];
    // a catalogued model narrows the choice to the trainers of its group (trainers.yaml `notFor`)
    const modelName = asked.model ?? known.model;
    const group = modelName ? findModel(kb, modelName).found?.group : undefined;
    const trainers = trainersFor(kb, family, group);
    const fallback = defaultTrainer(kb, family, group);
    if (trainers.length > 1) {
      const id = await ask<string>({
        type: 'select',
        message: 'Which trainer will you run it with?',
        choices: trainers.map((t) => ({
          name: t === fallback ? `${t.id} (default)` : t.id,
          value: t.id,
          description: t.name,
        })),
        default: fallback?.id,
      });
      if (id !== fallback?.id) asked.trainer = id;
    }
  }

  if (known.priority === undefined) {
    asked.priority = await ask<Priority>({
      type: 'select',
      message: 'What matters most?',
      choices: PRIORITIES.map((p) => ({ name: p, value: p, description: PRIORITY_DESCRIPTIONS[p] })),
      default: 'balanced',
    });
  }
  return asked;
}
