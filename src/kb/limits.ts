// Limits on knowledge-base files, in a module of their own so --help can quote them without
// loading the YAML loader.
/** A knowledge-base file is tens of KB; 5 MB leaves room and stops abuse. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** YAML aliases allowed per file: enough for sharing, far too few for a "billion laughs" expansion. */
export const MAX_ALIAS_COUNT = 50;
