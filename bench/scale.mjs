#!/usr/bin/env node
// Scale benchmark: a knowledge base of 1,000 techniques, 1,000 rules, 500 models and 500 GPUs
// (generated in a temp folder from the bundled entries), timed end to end through
// `recommend --kb <it> --json`, and the engine alone on the loaded knowledge base. Prints time and
// peak RSS. Usage: npm run bench:scale [-- --techniques 1000 --rules 1000 --models 500 --gpus 500]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { stringify } from 'yaml';

import { recommend } from '../dist/engine/rank.js';
import { loadKnowledgeBase } from '../dist/kb/load.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = {
  techniques: arg('techniques', 1000),
  rules: arg('rules', 1000),
  models: arg('models', 500),
  gpus: arg('gpus', 500),
};
const BIN = fileURLToPath(new URL('../bin/finetune-advisor.js', import.meta.url));
const base = loadKnowledgeBase();
const dir = mkdtempSync(join(tmpdir(), 'fa-scale-'));
const pick = (list, i) => list[i % list.length];
const strip = ({ origin: _origin, ...rest }) => rest; // drops origin

// Entries are copies of bundled ones under new ids (aliases dropped so none clash); several files
// keep each under the loader's size limit.
const techniques = Array.from({ length: N.techniques }, (_, i) => ({
  ...pick(base.techniques, i),
  id: `t-${i}`,
  name: `Technique ${i}`,
}));
const models = Array.from({ length: N.models }, (_, i) => ({
  ...strip(pick(base.models, i)),
  id: `m-${i}`,
  name: `Model ${i}`,
  aliases: [],
}));
const gpus = Array.from({ length: N.gpus }, (_, i) => ({
  ...pick(base.gpus, i),
  id: `g-${i}`,
  name: `GPU ${i}`,
  aliases: [],
}));
const facts = [
  'technique.quality',
  'technique.consistency',
  'technique.flexibility',
  'vram.usage',
  'time.budget_share',
  'output.size_class',
  'technique.goal_fit',
];
const rules = Array.from({ length: N.rules }, (_, i) =>
  i % 10 === 0
    ? {
        id: `r-${i}`,
        kind: 'hard',
        description: `generated hard rule ${i}`,
        check: { fact: 'technique.goal_fit', op: 'gte', value: 0 },
        reason: { pass: 'ok', fail: 'no' },
      }
    : {
        id: `r-${i}`,
        kind: 'soft',
        description: `generated soft rule ${i}`,
        check: { fact: pick(facts, i), op: 'gte', value: 0 },
        score: { weight: ((i % 7) - 3) / 10, fact: pick(facts, i) },
        reason: { pass: `{${pick(facts, i)}}` },
      },
);
const chunks = (list, size) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
let files = 0;
for (const [kind, list, size] of [
  ['techniques', techniques, 250],
  ['models', models, 250],
  ['gpus', gpus, 500],
  ['rules', rules, 1000],
]) {
  for (const part of chunks(list, size))
    writeFileSync(join(dir, `${kind}-${files++}.yaml`), stringify({ [kind]: part }));
}

const answers = {
  goal: 'task',
  model: 'llama-3.1-8b',
  gpu: 'rtx-4090',
  vramGiB: null,
  timeHours: 8,
  priority: 'balanced',
};
// end to end: the built binary in a child process; a preloaded hook reports its peak RSS
const rssHook = join(dir, 'report-rss.cjs');
writeFileSync(
  rssHook,
  "process.on('exit', (code) => process.stderr.write(JSON.stringify({ code, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\\n'));\n",
);
const args = [
  'recommend',
  '--goal',
  'task',
  '--model',
  'llama-3.1-8b',
  '--gpu',
  'rtx-4090',
  '--time',
  '8h',
  '--kb',
  dir,
  '--json',
];
// the first run validates the files and fills a --kb cache of its own (a fresh XDG_CACHE_HOME);
// the next ones are served by that cache, as a repeated run is for a user
const env = { ...process.env, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'fa-scale-cache-')) };
const runs = [];
for (let i = 0; i < 6; i++) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', rssHook, BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const report = JSON.parse(r.stderr.trim().split('\n').pop());
  if (report.code !== 0) throw new Error(`recommend exited ${report.code}: ${r.stderr}`);
  JSON.parse(r.stdout);
  runs.push({ ms, rss: report.maxRssMB });
}
const [cold, ...warm] = runs;
// the engine alone, on the loaded knowledge base
const kb = loadKnowledgeBase([fileURLToPath(new URL('../data', import.meta.url)), dir]);
const engine = [];
for (let i = 0; i < 7; i++) {
  const start = process.hrtime.bigint();
  recommend(kb, answers);
  engine.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `knowledge base: ${kb.techniques.length} techniques, ${kb.rules.length} rules, ${kb.models.length} models, ${kb.gpus.length} GPUs in ${files} files (${dir})`,
);
const warmMs = warm.map((r) => r.ms);
console.log(
  `recommend --kb ... --json, end to end: warm cache median ${median(warmMs).toFixed(0)} ms (min ${Math.min(...warmMs).toFixed(0)}, max ${Math.max(...warmMs).toFixed(0)}), peak RSS ${Math.max(...warm.map((r) => r.rss)).toFixed(0)} MB; first run, validating: ${cold.ms.toFixed(0)} ms, peak RSS ${cold.rss.toFixed(0)} MB`,
);
console.log(
  `engine alone (recommend()): median ${median(engine).toFixed(1)} ms over ${engine.length} runs (first ${engine[0].toFixed(1)} ms)`,
);
console.log(
  `rule evaluations per run: ${kb.techniques.length} x ${kb.rules.length} = ${(kb.techniques.length * kb.rules.length).toLocaleString('en-US')}`,
);

// the engine's growth: the same answers on the first n techniques and n rules
console.log(
  '\nengine by size (warm median of 7): linear in techniques x rules, so the cost per evaluation must not grow (it falls while the per-technique estimates still weigh):',
);
for (const n of [125, 250, 500, 1000]) {
  const part = { ...kb, techniques: kb.techniques.slice(0, n), rules: kb.rules.slice(0, n) };
  const runs = [];
  for (let i = 0; i < 8; i++) {
    const start = process.hrtime.bigint();
    recommend(part, answers);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ms = median(runs.slice(1));
  const evaluations = part.techniques.length * part.rules.length;
  console.log(
    `  ${String(n).padStart(4)} x ${String(n).padEnd(4)} ${ms.toFixed(1).padStart(7)} ms  ${((ms * 1e6) / evaluations).toFixed(0).padStart(4)} ns per evaluation`,
  );
}
