// Parameters a run trains: the method's formula (methods.ts) over the dimensions the model's kind
// supplies (src/estimate/kinds).
import type { Model } from '../kb/types.js';
import { kindOf } from './kinds/index.js';
import { METHOD_TRAITS } from './methods.js';
import type { TrainingSettings } from './settings.js';

/** Parameters the run trains (and, for adapters, saves). */
export function trainableParams(model: Model, s: TrainingSettings): number {
  return METHOD_TRAITS[s.method].trainableParams(kindOf(model).trainableDims(model), s);
}
