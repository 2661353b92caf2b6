// Writes the JSON Schemas of the contract §1 objects into docs/schemas/, generated from the zod
// schemas (input side: the JSON document as stored in etcd). Run after changing a schema:
//   npx tsc -p tsconfig.build.json && node dist/pkg/objects/write-json-schemas.js
// write-json-schemas.test.ts fails while the committed files differ from what this would write.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { labletInstanceSchema } from './lablet-instance';
import { workerSchema } from './worker';

export interface SchemaFile {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

const NOTE =
  'Generated from pkg/objects by write-json-schemas.ts; do not edit. Rules JSON Schema cannot state: ' +
  'id equals the key\'s last segment; numbers have at most 3 decimals (checked exactly, not as a float ' +
  'multipleOf); timeslot.end > timeslot.start; ' +
  'versions are strict semver and ranges node-semver ranges.';

function render(schema: z.ZodType, id: string): string {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: id, $comment: NOTE, ...json }, null, 2)}\n`;
}

export function renderJsonSchemas(): readonly SchemaFile[] {
  return [
    { path: 'docs/schemas/lablet-instance.schema.json', text: render(labletInstanceSchema, 'lablet-instance.schema.json') },
    { path: 'docs/schemas/worker.schema.json', text: render(workerSchema, 'worker.schema.json') },
  ];
}

/** The nearest folder at or above start holding package.json (works from pkg/ and from dist/pkg/). */
export function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json at or above ${start}`);
  }
}

function main(): void {
  const root = findRepoRoot(__dirname);
  for (const file of renderJsonSchemas()) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}

if (require.main === module) main();
