// Writes the JSON Schema of the ConfigMap's `config.yaml` (contract §4) into docs/schemas/, generated
// from schema.ts (input side: the YAML document as an operator writes it; every key optional, unknown
// keys refused). Run after changing the schema:
//   npx tsc -p tsconfig.build.json && node dist/pkg/config/write-json-schemas.js
// write-json-schemas.test.ts fails while the committed file differs from what this would write.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { configSchema } from './schema';

export interface ConfigSchemaFile {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

const ID = 'configmap.schema.json';

const NOTE =
  'Generated from pkg/config/schema.ts by write-json-schemas.ts; do not edit. Describes config.yaml, the ' +
  'one data key of the scheduler\'s ConfigMap (YAML; this schema applies to its JSON data model). ' +
  'Rules JSON Schema cannot state: placement.weights sum to more than 0; requeue.baseDelayMs <= ' +
  'requeue.maxDelayMs; scaleUp.templates names are unique; template versions are strict semver.';

export function renderConfigSchema(): ConfigSchemaFile {
  const json = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  return { path: `docs/schemas/${ID}`, text: `${JSON.stringify({ $id: ID, $comment: NOTE, title: 'config.yaml', ...json }, null, 2)}\n` };
}

/** The nearest folder at or above start holding package.json (works from pkg/ and from dist/pkg/). */
export function repoRootAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json at or above ${start}`);
  }
}

if (require.main === module) {
  const file = renderConfigSchema();
  const target = join(repoRootAbove(__dirname), file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.text);
  process.stdout.write(`wrote ${file.path}\n`);
}
