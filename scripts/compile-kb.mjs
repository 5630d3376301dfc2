#!/usr/bin/env node
// Build step: validates the bundled knowledge base with the full loader (yaml + zod + checks) and
// writes the result as dist/kb.json for the fast start-up path, with each data file's size and
// content hashes in its header (src/kb/compiled.ts explains how they are checked). Fails the build
// on an invalid file.
import { rmSync, writeFileSync } from 'node:fs';

import { compiledKbPath, dataFileRecords, serializeCompiledKb, verifiedCachePath } from '../dist/kb/compiled.js';
import { bundledDataDir, validateKnowledgeBase } from '../dist/kb/load.js';

const dataDir = bundledDataDir();
// the hashes are taken before validating: data edited meanwhile is then stale, never trusted
const files = dataFileRecords(dataDir);
const v = validateKnowledgeBase([dataDir]);
if (v.errors.length) {
  for (const e of v.errors) console.error(e);
  console.error(`error: the bundled knowledge base is invalid (${v.errors.length} problems); not compiled.`);
  process.exit(1);
}
writeFileSync(compiledKbPath(), serializeCompiledKb(files, v.kb));
// a cache of checks against the previous build would only be read and dropped
rmSync(verifiedCachePath(compiledKbPath()), { force: true });
