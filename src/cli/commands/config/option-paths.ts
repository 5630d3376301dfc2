// Option names as paths into a nested config: `train.max_steps` (litgpt), `model.lora_rank`
// (torchtune), `config.process.0.network.linear` (ai-toolkit's job YAML; a number is a list index).
// An option table names a nested option by its path; `config` nests the options it writes and
// `check` flattens a file it reads back into the same paths, so one table serves both. Pure.
import type { Options, OptionValue, TrainerConfig } from './plan.js';

const isIndex = (segment: string) => /^(0|[1-9]\d*)$/.test(segment);

/**
 * A path without its list indices: a file's `datasets.0.path`, and an option list's
 * `config.process.*.train.lr` (`*` for any index), both as the same name.
 */
export const withoutIndices = (path: string) =>
  path
    .split('.')
    .filter((segment) => segment !== '*' && !/^\d+$/.test(segment))
    .join('.');

/** The option paths one setting's entry in a table writes: its name, its names, its mapped option(s), or every path of its sets. */
export function specPaths(spec: TrainerConfig['options'][keyof TrainerConfig['options']]): string[] {
  if (spec === undefined) return [];
  if (typeof spec === 'string') return [spec];
  if (Array.isArray(spec)) return spec;
  if ('option' in spec) return Array.isArray(spec.option) ? spec.option : [spec.option];
  return Object.values(spec.sets).flatMap((set) => Object.keys(set));
}

/** The options as nested maps (and lists, where a segment is an index), in the order first written. */
export function nestOptions(options: Options): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of options) {
    const segments = name.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    segments.forEach((segment, i) => {
      const key = Array.isArray(node) ? Number(segment) : segment;
      const last = i === segments.length - 1;
      const slot = node as Record<string | number, unknown>;
      if (last) {
        slot[key] = value;
        return;
      }
      const existing = slot[key];
      if (typeof existing !== 'object' || existing === null) slot[key] = isIndex(segments[i + 1]!) ? [] : {};
      node = slot[key] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}

/** A leaf of a read config: its path and value, with where it is in the file when known. */
export interface FlatOption {
  path: string;
  value: unknown;
}

/**
 * A parsed config as its leaves' paths and values: maps are walked into, a list of maps is walked
 * into by index (ai-toolkit's `process`), a list of scalars is a value (`lora_target_modules`).
 */
export function flattenOptions(value: unknown, prefix = ''): FlatOption[] {
  const at = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k));
  if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)))
    return value.flatMap((v, i) => flattenOptions(v, at(i)));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) return [{ path: prefix, value }];
    return entries.flatMap(([k, v]) => flattenOptions(v, at(k)));
  }
  return [{ path: prefix, value: value as OptionValue }];
}
