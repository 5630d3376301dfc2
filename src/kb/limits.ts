// Limits on knowledge-base files, in a module of their own so --help can quote them without
// loading the YAML loader.
import type { DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';

/** A knowledge-base file is tens of KB; 5 MB leaves room and stops abuse. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** YAML aliases allowed per file: enough for sharing, far too few for a "billion laughs" expansion. */
export const MAX_ALIAS_COUNT = 50;

/**
 * How knowledge-base YAML is parsed: no custom tags, unique keys, no merge keys, and yaml's warnings
 * (a collection as a key) as problems of ours rather than Node process warnings. The tests compare
 * other readers with yaml under these same options.
 */
export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  uniqueKeys: true,
  merge: false,
  strict: true,
  prettyErrors: false,
  customTags: [],
  logLevel: 'error',
};
