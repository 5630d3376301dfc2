#!/usr/bin/env node
// Build step: validates the bundled knowledge base with the full loader (yaml + zod + checks) and
// writes the result as dist/kb.json for the fast start-up path. Fails the build on an invalid file.
import { writeFileSync } from 'node:fs';
import { bundledDataDir, validateKnowledgeBase } from '../dist/kb/load.js';
import { compiledKbPath, dataFileStamps, serializeCompiledKb } from '../dist/kb/compiled.js';

const dataDir = bundledDataDir();
const v = validateKnowledgeBase([dataDir]);
if (v.errors.length) {
  for (const e of v.errors) console.error(e);
  console.error(`error: the bundled knowledge base is invalid (${v.errors.length} problems); not compiled.`);
  process.exit(1);
}
writeFileSync(compiledKbPath(), serializeCompiledKb(dataFileStamps(dataDir), v.kb));
