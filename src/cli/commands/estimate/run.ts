// The work of `estimate`: the flags, checked once into a request -> estimators -> output.
import { UsageError } from '../../../errors.js';
import type { Card } from '../../../estimate/card.js';
import { resolveCard } from '../../../estimate/card.js';
import { estimate, type EstimateRequest } from '../../../estimate/estimate.js';
import { kindFor, kindOf } from '../../../estimate/kinds/index.js';
import { type BaseQuantization, METHOD_TRAITS, RANKED_METHODS } from '../../../estimate/methods.js';
import { defaultsFor, type SettingsOverrides } from '../../../estimate/settings.js';
import type { KnowledgeBase, Model, Technique } from '../../../kb/types.js';
import { estimateToJson } from '../../../render/estimate-json.js';
import { type Context, outputFormat } from '../../context.js';
import {
  checkDataSize,
  checkFamilyFlags,
  dataInput,
  resolveGpu,
  resolveModel,
  resolveTechnique,
} from '../../resolve.js';
import { ESTIMATE_EXAMPLES, type EstimateFlags } from './meta.js';

const BASE_BITS: Record<BaseQuantization, string> = { fp8: '8-bit', int8: '8-bit', nf4: '4-bit' };

/** Checks that the technique applies to the model and turns the flags into settings overrides. */
function estimateOverrides(technique: Technique, model: Model, flags: EstimateFlags): SettingsOverrides {
  const method = METHOD_TRAITS[technique.method];
  const implied = method.impliedQuantization;
  if (!technique.families.includes(model.family)) {
    const kind = kindOf(model);
    // a method defined on a quantized base (QLoRA) is an adapter with --quantize for the other families
    const hint = implied
      ? ` For ${kind.description} on a ${BASE_BITS[implied]} base use --technique lora --quantize ${implied}.`
      : '';
    throw new UsageError(
      `--technique ${technique.id} does not apply to ${model.id}, which is ${kind.description}; it serves ${technique.families.map((f) => kindFor(f).adjective).join(' and ')} models.${hint}`,
    );
  }
  checkFamilyFlags(model.family, flags, model.id);
  checkDataSize(model.family, flags);
  if (implied && flags.quantize && flags.quantize !== implied)
    throw new UsageError(
      `--technique ${technique.id} implies --quantize ${implied}; use --technique lora --quantize ${flags.quantize} for another base precision.`,
    );
  if (method.trainsEveryWeight && flags.quantize && flags.quantize !== 'none')
    throw new UsageError(
      `--quantize ${flags.quantize} needs a frozen base; ${technique.id} trains every weight. Allowed for it: none.`,
    );
  if (flags.rank !== undefined && !method.rank)
    throw new UsageError(
      `--rank applies to adapter techniques (${RANKED_METHODS.join(', ')}), not to ${technique.id}.`,
    );
  const o: SettingsOverrides = {};
  // --batch is the micro-batch: the recipe's effective batch is kept through accumulation unless
  // --grad-accum says otherwise (setting accumulation to 1 made the run 8x shorter, silently)
  if (flags.batch !== undefined) o.batch = flags.batch;
  if (flags.gradAccum !== undefined) o.gradAccum = flags.gradAccum;
  else if (flags.batch !== undefined) {
    const d = defaultsFor(technique, model);
    if (d) o.gradAccum = Math.max(1, Math.round(d.batch / flags.batch));
  }
  if (flags.resolution !== undefined) o.resolution = flags.resolution;
  if (flags.seqLen !== undefined) o.seqLen = flags.seqLen;
  if (flags.rank !== undefined) o.rank = flags.rank;
  if (flags.targets !== undefined) o.targets = flags.targets;
  if (flags.precision !== undefined) o.precision = flags.precision;
  // a quantized base is opted into with --quantize (QLoRA implies NF4); recipes that quantize by
  // default (FLUX LoRA at int8) are what `recommend` plans, not what a bare estimate assumes
  o.quantize = flags.quantize ?? implied ?? 'none';
  if (flags.optimizer !== undefined) o.optimizer = flags.optimizer;
  if (flags.gradientCheckpointing !== undefined) o.gradientCheckpointing = flags.gradientCheckpointing;
  // the flag's presence is the setting: without it the text encoders stay frozen, whatever the recipe
  o.trainTextEncoder = flags.trainTextEncoder === true;
  // latents and text embeddings are cached unless --no-cache (encoders off the GPU)
  o.cache = flags.cache !== false;
  // --batch counts every image through the denoiser per step: with prior preservation, instance and
  // class images together (the calibration set's convention), so the recipe's doubling does not apply
  o.priorPreservation = false;
  if (flags.steps !== undefined) o.steps = flags.steps;
  return o;
}

function cardFor(kb: KnowledgeBase, flags: { gpu?: string; vram?: number }): Card | null {
  if (flags.gpu === undefined && flags.vram === undefined) return null;
  return resolveCard(kb, {
    gpu: flags.gpu !== undefined ? resolveGpu(kb, flags.gpu).id : null,
    vramGiB: flags.vram ?? null,
  });
}

/** Checks the flags and turns them into the estimators' request (whether a recipe exists for it is theirs to say). */
export function estimateRequest(kb: KnowledgeBase, flags: EstimateFlags): EstimateRequest {
  // names given are checked before what is missing, as in recommend
  const given = {
    technique: flags.technique !== undefined ? resolveTechnique(kb, flags.technique, '--technique') : null,
    model: flags.model !== undefined ? resolveModel(kb, flags.model) : null,
    card: cardFor(kb, flags),
  };
  const missing = [!given.technique && '--technique', !given.model && '--model'].filter(Boolean);
  if (missing.length) throw new UsageError(`missing ${missing.join(' and ')}.`, `E.g. ${ESTIMATE_EXAMPLES[0]}`);
  const technique = given.technique!;
  const model = given.model!;
  return {
    technique,
    model,
    card: given.card,
    overrides: estimateOverrides(technique, model, flags),
    data: dataInput(flags),
  };
}

export async function runEstimate(ctx: Context, flags: EstimateFlags): Promise<void> {
  const kb = await ctx.kb();
  const request = estimateRequest(kb, flags);
  const result = estimate(kb, request);
  if (!result) {
    const { technique, model } = request;
    const groups = Object.keys(technique.defaults).join(', ');
    throw new UsageError(
      `${technique.id} has no published recipe for ${model.group} models (${model.id}); it has recipes for: ${groups}.`,
    );
  }
  if (outputFormat(flags) === 'json') ctx.printJson(estimateToJson(result));
  else {
    const { renderEstimateText } = await import('../../../render/estimate.js');
    ctx.print(renderEstimateText(result, ctx.renderOptions(flags.color)));
  }
}
