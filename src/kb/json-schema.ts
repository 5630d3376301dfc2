// The JSON Schema of knowledge-base files, generated from the zod schemas so editors
// (yaml-language-server) complete and check them. data/kb.schema.json is this, committed.
import { z } from 'zod';

import { FileSchemas } from './schema.js';

export function kbJsonSchema(): Record<string, unknown> {
  const anyFile = z.union([
    FileSchemas.gpus,
    FileSchemas.models,
    FileSchemas.techniques,
    FileSchemas.rules,
    FileSchemas.groups,
    FileSchemas.dataPlan,
    FileSchemas.trainers,
  ]);
  const schema = z.toJSONSchema(anyFile, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/finetune-advisor/finetune-advisor/data/kb.schema.json',
    title: 'finetune-advisor knowledge base',
    description:
      'One file holds one of: gpus, models, techniques, rules, groups, dataPlan, trainers. Generated from src/kb/schema.ts by `finetune-advisor kb schema`; do not edit by hand.',
  };
}

export function kbJsonSchemaText(): string {
  return `${JSON.stringify(kbJsonSchema(), null, 2)}\n`;
}
