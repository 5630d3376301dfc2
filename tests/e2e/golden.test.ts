// Golden outputs: every practitioner scenario's recommend text (and a few JSON and estimate
// outputs) from the built binary, byte for byte. A change in what the tool prints shows up here as
// a diff to review; regenerate with UPDATE_GOLDEN=1 npx vitest run tests/e2e/golden.test.ts and
// say in the commit why the output changed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { splitFlags } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'finetune-advisor.js');
const GOLDEN = join(ROOT, 'tests', 'fixtures', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

interface Scenario {
  name: string;
  flags: string;
}
const scenarios = ['recommend-scenarios.yaml', 'recommend-scenarios-extra.yaml'].flatMap(
  (f) => parse(readFileSync(join(ROOT, 'tests', 'fixtures', f), 'utf8')) as Scenario[],
);

const cases: Array<[name: string, argv: string[]]> = [
  ...scenarios.map((s): [string, string[]] => [`recommend ${s.flags}`, ['recommend', ...splitFlags(s.flags)]]),
  ...scenarios
    .slice(0, 1)
    .map((s): [string, string[]] => [`recommend ${s.flags} --json`, ['recommend', ...splitFlags(s.flags), '--json']]),
  [
    'estimate lora llama-3.1-8b 4090',
    [
      'estimate',
      '--technique',
      'lora',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '4090',
      '--seq-len',
      '2048',
      '--gradient-checkpointing',
    ],
  ],
  [
    'estimate qlora llama-3.1-70b 48',
    ['estimate', '--technique', 'qlora', '--model', 'llama-3.1-70b', '--vram', '48', '--rank', '16', '--batch', '1'],
  ],
  // config: one golden per trainer, reviewed against the trainers' own examples (trainers.md sections 1 and 7)
  [
    'config kohya lora sdxl 4090',
    ['config', '--trainer', 'kohya', '--technique', 'lora', '--model', 'sdxl', '--gpu', '4090'],
  ],
  [
    'config kohya full-finetune sdxl a100-80gb',
    ['config', '--trainer', 'kohya', '--technique', 'full-finetune', '--model', 'sdxl', '--gpu', 'a100-80gb'],
  ],
  [
    'config kohya dreambooth-lora flux-dev prior preservation',
    [
      'config',
      '--trainer',
      'kohya',
      '--technique',
      'dreambooth-lora',
      '--model',
      'flux-dev',
      '--gpu',
      '4090',
      '--quantize',
      'fp8',
      '--prior-preservation',
    ],
  ],
  [
    'config ai-toolkit lora flux-dev 4090 fp8',
    [
      'config',
      '--trainer',
      'ai-toolkit',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--gpu',
      'rtx-4090',
      '--quantize',
      'fp8',
      '--precision',
      'mixed-bf16',
    ],
  ],
  [
    'config onetrainer lora sdxl 4090',
    ['config', '--trainer', 'onetrainer', '--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ],
  [
    'config simpletuner lora sdxl 4090',
    ['config', '--trainer', 'simpletuner', '--technique', 'lora', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ],
  // LyCORIS: the third file, lycoris_config.json (documentation/LYCORIS.md)
  [
    'config simpletuner lokr sdxl 4090',
    ['config', '--trainer', 'simpletuner', '--technique', 'lokr', '--model', 'sdxl', '--gpu', 'rtx-4090'],
  ],
  [
    'config trl qlora llama-3.1-8b 4090',
    [
      'config',
      '--trainer',
      'trl',
      '--technique',
      'qlora',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '4090',
      '--seq-len',
      '2048',
    ],
  ],
  // LoHa, which trl sft cannot build: a train.py passing PEFT's LoHaConfig to SFTTrainer
  [
    'config trl loha llama-3.1-8b 4090',
    ['config', '--trainer', 'trl', '--technique', 'loha', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ],
  [
    'config axolotl lora qwen3-8b 4090',
    ['config', '--trainer', 'axolotl', '--technique', 'lora', '--model', 'qwen3-8b', '--gpu', '4090'],
  ],
  // the language-model trainers of tests/cli/config-llm-trainers.test.ts (trainers.md sections 11-14)
  [
    'config llama-factory qlora llama-3.1-8b 4090',
    ['config', '--trainer', 'llama-factory', '--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ],
  [
    'config ms-swift dora qwen3-8b 4090',
    ['config', '--trainer', 'ms-swift', '--technique', 'dora', '--model', 'qwen3-8b', '--gpu', '4090'],
  ],
  [
    'config litgpt lora llama-3.1-8b 4090',
    ['config', '--trainer', 'litgpt', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ],
  [
    'config torchtune qlora llama-3.1-8b 4090',
    ['config', '--trainer', 'torchtune', '--technique', 'qlora', '--model', 'llama-3.1-8b', '--gpu', '4090'],
  ],
  // several cards: TRL's accelerate config reviewed against trl/accelerate_configs/zero3.yaml (the
  // same deepspeed_config keys and values; num_processes the cards), axolotl's FSDP2 keys against
  // docs/multi-gpu.qmd's FSDP2 config and docs/fsdp_qlora.qmd (70B QLoRA on two 24 GB cards)
  [
    'config trl full-finetune llama-3.1-8b 8x h100 zero3',
    [
      'config',
      '--trainer',
      'trl',
      '--technique',
      'full-finetune',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '8x H100',
      '--strategy',
      'zero3',
    ],
  ],
  [
    'config axolotl qlora llama-3.1-70b 2x 4090 fsdp-qlora',
    [
      'config',
      '--trainer',
      'axolotl',
      '--technique',
      'qlora',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      '2x 4090',
      '--strategy',
      'fsdp-qlora',
    ],
  ],
  // reviewed against examples/dreambooth/README_sdxl.md's launch command (trainers.md section 6)
  [
    'config diffusers dreambooth-lora sdxl 4090 prior preservation',
    [
      'config',
      '--trainer',
      'diffusers',
      '--technique',
      'dreambooth-lora',
      '--model',
      'sdxl',
      '--gpu',
      '4090',
      '--prior-preservation',
      '--token',
      'sks',
      '--class-word',
      'dog',
    ],
  ],
  // reviewed against examples/textual_inversion/README.md's launch command (the cat-toy run)
  [
    'config diffusers textual-inversion sd15 v100',
    [
      'config',
      '--trainer',
      'diffusers',
      '--technique',
      'textual-inversion',
      '--model',
      'sd15',
      '--gpu',
      'v100',
      '--token',
      'cat-toy',
      '--class-word',
      'toy',
    ],
  ],
  // reviewed against unsloth-cli.py's calls (trainers.md section 9)
  [
    'config unsloth qlora llama-3.1-8b 4090',
    [
      'config',
      '--trainer',
      'unsloth',
      '--technique',
      'qlora',
      '--model',
      'llama-3.1-8b',
      '--gpu',
      '4090',
      '--seq-len',
      '2048',
    ],
  ],
  [
    'estimate lora flux-dev 3090 json',
    [
      'estimate',
      '--technique',
      'lora',
      '--model',
      'flux-dev',
      '--gpu',
      'RTX 3090',
      '--quantize',
      'int8',
      '--resolution',
      '1024',
      '--json',
    ],
  ],
  [
    'estimate dreambooth sd15 t4',
    [
      'estimate',
      '--technique',
      'dreambooth',
      '--model',
      'sd15',
      '--gpu',
      't4',
      '--optimizer',
      'adamw-8bit',
      '--gradient-checkpointing',
    ],
  ],
  ['compare all markdown', ['compare', '--all', '--format', 'markdown']],
];

const slug = (name: string) =>
  name
    .replace(/[^a-z0-9.]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

describe('golden outputs of the built binary', () => {
  it.each(cases)('%s', (name, argv) => {
    const r = spawnSync(process.execPath, [BIN, ...argv], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent-nvidia-smi', NO_COLOR: '1', COLUMNS: '100' },
    });
    const actual = `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
    const file = join(GOLDEN, `${slug(name)}.txt`);
    if (update || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, actual);
      if (!update) throw new Error(`no golden output for '${name}': written to ${file}; review and commit it`);
      return;
    }
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });
});
