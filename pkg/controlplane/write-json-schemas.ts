// Writes the JSON Schemas of the Control Plane API bodies (contract §2) into docs/schemas/api-*.json,
// generated from bodies.ts (input side: the JSON as sent on the wire). Run after changing a body:
//   npx tsc -p tsconfig.build.json && node dist/pkg/controlplane/write-json-schemas.js
// write-json-schemas.test.ts fails while the committed files differ from what this would write.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  ErrorAnswerSchema, InstanceConflictAnswerSchema, NotFoundAnswerSchema, ScaleUpAcceptedSchema, ScaleUpConflictAnswerSchema,
  ScaleUpRequestSchema, ScheduleAcceptedSchema, ScheduleRequestSchema, UnschedulableRecordedSchema, UnschedulableRequestSchema,
} from './bodies';

export interface ApiSchemaFile {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

const BODIES: ReadonlyArray<readonly [name: string, schema: z.ZodType]> = [
  ['schedule-request', ScheduleRequestSchema],
  ['schedule-accepted', ScheduleAcceptedSchema],
  ['unschedulable-request', UnschedulableRequestSchema],
  ['unschedulable-recorded', UnschedulableRecordedSchema],
  ['scale-up-request', ScaleUpRequestSchema],
  ['scale-up-accepted', ScaleUpAcceptedSchema],
  ['instance-conflict', InstanceConflictAnswerSchema],
  ['scale-up-conflict', ScaleUpConflictAnswerSchema],
  ['not-found', NotFoundAnswerSchema],
  ['error', ErrorAnswerSchema],
];

const COMMENT = 'Generated from pkg/controlplane/bodies.ts by write-json-schemas.ts; do not edit.';

export function renderApiSchemas(): readonly ApiSchemaFile[] {
  return BODIES.map(([name, schema]) => {
    const id = `api-${name}.schema.json`;
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
    return { path: `docs/schemas/${id}`, text: `${JSON.stringify({ $id: id, $comment: COMMENT, ...json }, null, 2)}\n` };
  });
}

/** The folder holding package.json at or above start (from pkg/ and from dist/pkg/ alike). */
export function repoRootAbove(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${start}`);
    dir = parent;
  }
  return dir;
}

if (require.main === module) {
  const root = repoRootAbove(__dirname);
  for (const file of renderApiSchemas()) {
    mkdirSync(join(root, 'docs/schemas'), { recursive: true });
    writeFileSync(join(root, file.path), file.text);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}
