// The work of `estimate`: the flags, checked once into a request -> estimators -> output.
import { UsageError } from '../../../errors.js';
import { backendProblem } from '../../../estimate/backend.js';
import type { Card } from '../../../estimate/card.js';
import { resolveCard } from '../../../estimate/card.js';
import { estimate, type EstimateRequest } from '../../../estimate/estimate.js';
import { kindFor, kindOf } from '../../../estimate/kinds/index.js';
import { type BaseQuantization, METHOD_TRAITS, RANKED_METHODS } from '../../../estimate/methods.js';
import type { SettingsOverrides } from '../../../estimate/settings.js';
import type { KnowledgeBase, Model, Technique } from '../../../kb/types.js';
import { estimateToJson } from '../../../render/estimate-json.js';
import { type Context, outputFormat } from '../../context.js';
import {
  bridgeNote,
  type CardSetFlags,
  checkBlockSwap,
  checkDataSize,
  checkFamilyFlags,
  checkRunRanges,
  dataInput,
  resolveCardSet,
  resolveGpuChoice,
  resolveModel,
  resolveTechnique,
  resolveTrainer,
  runKnobOverrides,
  runRangeWarnings,
  withModelFiles,
} from '../../resolve.js';
import { ESTIMATE_EXAMPLES, type EstimateFlags } from './meta.js';

const BASE_BITS: Record<BaseQuantization, string> = { fp8: '8-bit', int8: '8-bit', nf4: '4-bit' };

/** Checks that the technique applies to the model and turns the flags into settings overrides. */
function estimateOverrides(
  kb: KnowledgeBase,
  technique: Technique,
  model: Model,
  flags: EstimateFlags,
): SettingsOverrides {
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
  checkRunRanges(kb, model, flags);
  if (implied && flags.quantize && flags.quantize !== implied)
    throw new UsageError(
      `--technique ${technique.id} implies --quantize ${implied}; use --technique lora --quantize ${flags.quantize} for another base precision.`,
    );
  if (method.trainsEveryWeight && flags.quantize && flags.quantize !== 'none')
    throw new UsageError(
      `--quantize ${flags.quantize} needs a frozen base; ${technique.id} trains every weight. Allowed for it: none.`,
    );
  if (method.trainsEveryWeight && flags.baseDtype)
    throw new UsageError(
      `--base-dtype needs a frozen base; ${technique.id} trains every weight, held as --precision says.`,
    );
  if (flags.rank !== undefined && !method.rank)
    throw new UsageError(
      `--rank applies to adapter techniques (${RANKED_METHODS.join(', ')}), not to ${technique.id}.`,
    );
  if (flags.factor !== undefined && !method.kroneckerFactor)
    throw new UsageError(`--factor applies to LoKr (lokr), not to ${technique.id}.`);
  return runKnobOverrides(flags, {
    trainTextEncoder: flags.trainTextEncoder,
    // latents and text embeddings are cached unless --no-cache (resolveSettings' default)
    cache: flags.cache === false ? false : undefined,
    steps: flags.steps,
    attention: flags.attention,
    savePrecision: flags.savePrecision,
    baseDtype: flags.baseDtype,
    loss: flags.loss,
  });
}

function cardFor(kb: KnowledgeBase, flags: CardSetFlags): Card | null {
  const request = resolveCardSet(kb, flags);
  return request ? resolveCard(kb, request) : null;
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
  const overrides = estimateOverrides(kb, technique, model, flags);
  // a value fixed by the user that the card's stack does not run (MPS: 8-bit optimizers, flash-attn)
  const stack = given.card ? backendProblem(flags, given.card.backend, given.card.name) : null;
  if (stack) throw new UsageError(stack);
  const { trainer, isDefault } = resolveTrainer(kb, model.family, flags.trainer, model.id, model.group);
  checkBlockSwap(kb, model.family, trainer, flags.blocksToSwap, model.group);
  return {
    technique,
    model,
    card: given.card,
    overrides,
    data: dataInput(flags),
    trainer,
    trainerIsDefault: isDefault,
  };
}

export async function runEstimate(ctx: Context, flags: EstimateFlags): Promise<void> {
  // --model PATH (a config.json, a model folder, a cached Hub id): the model read from its files
  const fromFiles = await withModelFiles(await ctx.kb(), flags.model, ctx.io.env);
  const kb = fromFiles.kb;
  const request = estimateRequest(kb, flags);
  const result = estimate(kb, request);
  if (!result) {
    const { technique, model } = request;
    const groups = Object.keys(technique.defaults).join(', ');
    throw new UsageError(
      `${technique.id} has no published recipe for ${model.group} models (${model.id}); it has recipes for: ${groups}.`,
    );
  }
  for (const w of [...fromFiles.warnings, ...runRangeWarnings(request.model, flags)])
    ctx.io.stderr.write(`warning: ${w}\n`);
  if (fromFiles.assumption) result.assumptions.unshift(fromFiles.assumption);
  // a name several cards answer to: which one the estimate is for, on stderr and among the assumptions
  const variant = flags.gpu !== undefined ? resolveGpuChoice(kb, flags.gpu).variantNote : null;
  for (const note of [variant, bridgeNote(kb, resolveCardSet(kb, flags))]) {
    if (!note) continue;
    ctx.io.stderr.write(`note: ${note}\n`);
    result.assumptions.push(note);
  }
  if (outputFormat(flags) === 'json') ctx.printJson(estimateToJson(result));
  else {
    const { renderEstimateText } = await import('../../../render/estimate.js');
    ctx.print(renderEstimateText(result, ctx.renderOptions(flags.color)));
  }
}
