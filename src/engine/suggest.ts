// What would make something eligible when nothing is: first a change to the run itself (a lower
// resolution or shorter sequences, fewer steps, a quantized base), each planned again with the real
// planner, then a card of the kind the user has, more time, or a smaller model. Pure; the flags that
// make each change are the renderers' (they read `change`).
import type { Card } from '../estimate/card.js';
import { cardFromGpu, gpuMemoryGiB } from '../estimate/card.js';
import type { DataInput } from '../estimate/data.js';
import { quantizedBasesOf } from '../estimate/fit.js';
import { kindOf } from '../estimate/kinds/index.js';
import { type BaseQuantization, METHOD_TRAITS } from '../estimate/methods.js';
import type { RunPlan } from '../estimate/plan.js';
import type { SettingsOverrides } from '../estimate/settings.js';
import { fmtNum, formatBudget, formatDuration, groupThousands } from '../format.js';
import { compareIds, entryById } from '../kb/lookup.js';
import type { Gpu, KnowledgeBase, Model, Technique } from '../kb/types.js';
import type { Quantization } from '../kb/vocabulary.js';
import type { Answers } from './answers.js';
import { planForAnswers, runChoicesFor } from './facts.js';
import type { RankedTechnique } from './rank.js';

/** What a suggestion changes: a setting of the run, the card, the budget or the model. */
export interface SuggestionChange {
  resolution?: number;
  seqLen?: number;
  steps?: number;
  quantize?: BaseQuantization;
  gpu?: string;
  timeHours?: number;
  model?: string;
  /** the user's data: fewer epochs, or a subset of it */
  epochs?: number;
  images?: number;
  examples?: number;
  tokens?: number;
}

export interface Suggestion {
  kind: 'resolution' | 'seq-len' | 'steps' | 'quantize' | 'gpu' | 'time' | 'model';
  /** what to change and what it gives, without the flag (the renderers add it from `change`) */
  text: string;
  technique: string;
  change: SuggestionChange;
  /** the peak memory and hours of the run with the change, when it was planned */
  peakGiB: number | null;
  hours: number | null;
}

/** Run changes are tried on this many of the best techniques that fail only on memory or time. */
const CANDIDATES = 3;
/** Sequences are halved down to this many tokens: shorter cut-offs truncate ordinary instructions. */
const SEQ_LEN_FLOOR = 256;
/** Image sides are multiples of 64 (latent /8, UNet /8 again) and go down to half the recipe's. */
const RESOLUTION_STEP = 64;

/** The facts the hard rules a run change can repair read: memory and time. */
const RUN_FACTS = new Set(['vram.peak_gib', 'time.fits']);

const fits = (plan: RunPlan | null): plan is RunPlan => plan !== null && plan.fit.fits && (plan.time?.fits ?? true);

/** Smaller shapes to try, in order: the image side at 3/4 and 1/2, or sequences halved to the floor. */
function smallerShapes(setting: 'resolution' | 'seqLen', current: number): number[] {
  if (setting === 'resolution') {
    const side = (share: number) => Math.floor((current * share) / RESOLUTION_STEP) * RESOLUTION_STEP;
    return [side(0.75), side(0.5)].filter((r, i, all) => r >= RESOLUTION_STEP && r < current && all.indexOf(r) === i);
  }
  const out: number[] = [];
  for (let n = Math.floor(current / 2); n >= SEQ_LEN_FLOOR; n = Math.floor(n / 2)) out.push(n);
  return out;
}

const result = (plan: RunPlan) =>
  `fits in ${fmtNum(plan.run.memory.peakGiB)} GiB and takes ${formatDuration(plan.run.hours)}`;

/** The changes of the run that make one technique fit, at most one of each kind. */
function runChanges(
  kb: KnowledgeBase,
  technique: Technique,
  ranked: RankedTechnique,
  model: Model,
  card: Card,
  answers: Answers,
) {
  const plan = ranked.plan!;
  // the user's data stays their data (planForAnswers plans it unless `data` replaces it): a change
  // shortens no run of it behind their back
  const replan = (change: SettingsOverrides, data?: DataInput) =>
    planForAnswers(technique, model, card, answers, change, data);
  const out: Suggestion[] = [];
  const add = (kind: Suggestion['kind'], change: SuggestionChange, p: RunPlan, text: string) =>
    out.push({ kind, technique: ranked.id, text, change, peakGiB: p.run.memory.peakGiB, hours: p.run.hours });

  const setting = kindOf(model).shapeSetting;
  const current = plan.settings[setting];
  if (current !== null) {
    for (const value of smallerShapes(setting, current)) {
      // a smaller side is a square, as --resolution PX gives it (a WIDTHxHEIGHT run's width goes)
      const p = replan(setting === 'resolution' ? { resolution: value, width: null } : { seqLen: value });
      if (!fits(p)) continue;
      if (setting === 'resolution')
        add('resolution', { resolution: value }, p, `at ${value} px ${ranked.name} ${result(p)}`);
      else
        add(
          'seq-len',
          { seqLen: value },
          p,
          `with sequences cut at ${groupThousands(value)} tokens ${ranked.name} ${result(p)}`,
        );
      break;
    }
  }

  const time = plan.time;
  // the user's data over the budget: fewer epochs, else a subset at the same epochs
  if (time && !time.fits && plan.data && answers.data) {
    const share = (answers.timeHours / plan.run.hours) * 0.97; // a little under, as steps round up
    const given = answers.data;
    const fewer = Math.floor(plan.data.epochs * share * 10) / 10;
    const subset = (n: number | undefined) => (n === undefined ? undefined : Math.floor(n * share));
    const change: SuggestionChange =
      fewer >= 1
        ? { epochs: fewer }
        : Object.fromEntries(
            Object.entries({
              images: subset(given.images),
              examples: subset(given.examples),
              tokens: subset(given.tokens),
            }).filter(([, v]) => v !== undefined && v >= 1),
          );
    const p = Object.keys(change).length
      ? replan({}, { ...runChoicesFor(answers, model, technique).data, ...change })
      : null;
    if (fits(p))
      add(
        'steps',
        change,
        p,
        `${change.epochs !== undefined ? `${change.epochs} epochs of your data` : `a subset of your data (${Math.round(share * 100)}%)`}: ${ranked.name} ${result(p)}`,
      );
  }

  // a quantized base under an adapter, where the planner's savers have not quantized it already
  // (a named trainer's own 8-bit format, fp8 for the image trainers; one it does not load is said
  // with the trainers that do)
  if (METHOD_TRAITS[technique.method].adapter && plan.run.settings.quantize === 'none') {
    const bases = quantizedBasesOf(answers.trainer, !answers.trainerGiven);
    const tried = bases ? (['int8', 'fp8', 'nf4'] as const) : (['int8', 'nf4'] as const);
    const loaders = (q: Quantization) =>
      kb.trainers
        .filter((t) => t.families.includes(model.family) && quantizedBasesOf(t, false)!.has(q))
        .filter((t) => !t.techniques || t.techniques.some((x) => x.id === technique.id))
        .map((t) => t.id);
    for (const quantize of tried) {
      const own = !bases || bases.has(quantize);
      const others = own ? [] : loaders(quantize);
      // another trainer's int8 where this one's 8-bit base is fp8 (tried next), or a base none loads
      if (!own && ((quantize === 'int8' && bases!.has('fp8')) || !others.length)) continue;
      const p = replan({ quantize });
      if (!fits(p)) continue;
      const bits = quantize === 'nf4' ? '4-bit NF4' : quantize === 'fp8' ? '8-bit fp8' : '8-bit';
      const elsewhere = own ? '' : ` with --trainer ${others.join(', ')}`;
      add('quantize', { quantize }, p, `on a ${bits} base${elsewhere} ${ranked.name} ${result(p)}`);
      break;
    }
  }
  return out;
}

/**
 * Cards to try, in order: those of the user's kind first (consumer and workstation cards together,
 * or server cards for a server card), the other kind only when none of those would do; within a
 * kind the smallest memory step up first, bf16 cards before the ones without, the slower (cheaper)
 * card of a size first.
 */
function cardsToTry(kb: KnowledgeBase, card: Card): Gpu[][] {
  const own = card.id ? entryById(kb, 'gpus', card.id)?.segment : undefined;
  const server = (g: Gpu) => g.segment === 'datacenter';
  // cards of one nominal size report a little more or less memory (nvidia-smi): a step up has more
  // memory, or as much and more speed
  const more = (g: Gpu) => gpuMemoryGiB(g) > card.vramGiB * 1.02;
  const same = (g: Gpu) => !more(g) && gpuMemoryGiB(g) >= card.vramGiB * 0.98;
  const bigger = kb.gpus
    // a laptop GPU is not a card to buy for more memory
    .filter(
      (g) =>
        g.vendor === 'nvidia' &&
        g.segment !== 'laptop' &&
        g.id !== card.id &&
        (more(g) || (same(g) && g.tflops > card.tflops)),
    )
    .sort(
      (a, b) => a.vramGB - b.vramGB || Number(b.bf16) - Number(a.bf16) || a.tflops - b.tflops || compareIds(a.id, b.id),
    );
  const ownKind = own === 'datacenter' ? bigger.filter(server) : bigger.filter((g) => !server(g));
  return [ownKind, bigger.filter((g) => !ownKind.includes(g))];
}

/** The precision a run uses on a card: the planner runs a bf16 recipe in fp16 with loss scaling where there is no bf16. */
function precisionOn(plan: NonNullable<RankedTechnique['plan']>): string {
  const p = plan.run.settings.precision;
  return plan.precisionChange ? `${p} with loss scaling (no bf16)` : p;
}

export interface SuggestContext {
  kb: KnowledgeBase;
  model: Model;
  card: Card;
  answers: Answers;
  ranking: RankedTechnique[];
  /** the best eligible technique for other answers, model or card, or null */
  firstEligible(model: Model, card: Card, answers: Answers): RankedTechnique | null;
}

export function suggestAlternatives(ctx: SuggestContext): Suggestion[] {
  const { kb, model, card, answers, ranking } = ctx;
  const out: Suggestion[] = [];
  // the run first: for the best techniques that fail only on memory or time, one change of each kind
  const repairable = ranking
    .filter((r) => !r.eligible && r.plan && r.failed.every((x) => RUN_FACTS.has(x.fact)))
    .slice(0, CANDIDATES);
  for (const r of repairable) {
    const technique = kb.techniques.find((t) => t.id === r.id)!;
    for (const s of runChanges(kb, technique, r, model, card, answers))
      if (!out.some((o) => o.kind === s.kind)) out.push(s);
  }

  for (const pool of cardsToTry(kb, card)) {
    const found = pool
      .map((gpu) => ({
        gpu,
        top: ctx.firstEligible(model, cardFromGpu(gpu), { ...answers, gpu: gpu.id, vramGiB: null }),
      }))
      .find((c) => c.top !== null);
    if (!found) continue;
    const { gpu, top } = found;
    const run = top!.plan!.run;
    out.push({
      kind: 'gpu',
      technique: top!.id,
      change: { gpu: gpu.id },
      peakGiB: run.memory.peakGiB,
      hours: run.hours,
      text: `${gpu.name} (${gpu.vramGB} GB) would fit ${top!.name} in the same time budget: ${fmtNum(run.memory.peakGiB)} GiB, ${formatDuration(run.hours)}, ${precisionOn(top!.plan!)}`,
    });
    break;
  }

  // more time: a technique that fails only its time rule; its minimum useful run is the least that counts
  const timeOnly = ranking
    .filter((r) => !r.eligible && r.plan?.time && !r.plan.time.fits && r.failed.every((x) => x.fact === 'time.fits'))
    .sort((a, b) => a.plan!.time!.typicalHours - b.plan!.time!.typicalHours)[0];
  if (timeOnly) {
    const typical = timeOnly.plan!.time!.typicalHours;
    // the budget of its minimum useful run (fitTimeBudget rounds steps down, hence the margin); a run
    // of the user's data is never shortened, so it needs its whole time
    const steps = timeOnly.plan!.settings.steps;
    const ofData = timeOnly.plan!.data !== null;
    const least = ((typical * timeOnly.plan!.time!.minSteps) / steps) * (1 + 1e-9);
    out.push({
      kind: 'time',
      technique: timeOnly.id,
      change: { timeHours: least },
      peakGiB: null,
      hours: null,
      text: ofData
        ? `a time budget of ${formatBudget(least)} would fit the ${groupThousands(steps)}-step ${timeOnly.name} run of your data`
        : `a time budget of ${formatBudget(least)} would fit ${timeOnly.name}'s shortest useful run of ${groupThousands(timeOnly.plan!.time!.minSteps)} steps (${formatBudget(typical)} for a typical one)`,
    });
  }

  // the same publisher's smaller models first (same tokenizer and chat format), then any of the group
  const samePublisher = (m: Model) => Number(m.publisher !== undefined && m.publisher === model.publisher);
  const smaller = kb.models
    .filter((m) => m.group === model.group && m.params < model.params)
    .sort((a, b) => samePublisher(b) - samePublisher(a) || b.params - a.params);
  for (const m of smaller) {
    const top = ctx.firstEligible(m, card, { ...answers, model: m.id });
    if (top) {
      const run = top.plan?.run ?? null;
      out.push({
        kind: 'model',
        technique: top.id,
        change: { model: m.id },
        peakGiB: run?.memory.peakGiB ?? null,
        hours: run?.hours ?? null,
        text: `the smaller ${m.name} would fit ${top.name} on this card`,
      });
      break;
    }
  }
  return out;
}
