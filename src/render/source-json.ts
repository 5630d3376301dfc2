// A source in the JSON contract (every entry and every result lists them), field by field in the
// schema's order; an optional field it lacks is undefined, which JSON.stringify leaves out.
import type { Source } from '../kb/schema.js';

/** `f(value)`, or undefined (left out of the JSON) when the optional value is absent. */
export const ifPresent = <T, R>(value: T | undefined, f: (v: T) => R): R | undefined =>
  value === undefined ? undefined : f(value);

export interface SourceJson {
  ref: string;
  url?: string;
  for?: string[];
  quote?: string;
  derived?: string;
}

export const sourceJson = (s: Source): SourceJson => ({
  ref: s.ref,
  url: s.url,
  for: ifPresent(s.for, (f) => [...f]),
  quote: s.quote,
  derived: s.derived,
});
