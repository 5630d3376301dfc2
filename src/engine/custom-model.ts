// A model the catalogue does not have, given only its parameter count: the catalogue model of the
// same family with the nearest size, scaled to that size by its kind (layers, or denoiser blocks).
// Pure. The result says which model it was modelled on.
import { kindFor } from '../estimate/kinds/index.js';
import { compareIds } from '../kb/lookup.js';
import type { KnowledgeBase, Model } from '../kb/types.js';
import type { Family } from '../kb/vocabulary.js';

export function customModelId(family: Family, billions: number): string {
  return `custom-${family}-${Number(billions.toFixed(2))}b`;
}

export function scaledModel(kb: KnowledgeBase, family: Family, billions: number): Model {
  const target = billions * 1e9;
  const kind = kindFor(family);
  const pool = kind.scalingTemplates(kb.models);
  if (!pool.length) throw new Error(`no ${family} model to scale from`);
  const template = [...pool].sort(
    (a, b) => Math.abs(Math.log(a.params / target)) - Math.abs(Math.log(b.params / target)) || compareIds(a.id, b.id),
  )[0]!;
  const notes = `modelled on ${template.name}, scaled to ${Number(billions.toFixed(2))} B parameters`;
  return kind.scaled(template, billions, { id: customModelId(family, billions), notes });
}
