import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiSchemas, repoRootAbove } from './write-json-schemas';

describe('API body JSON Schemas in docs/schemas', () => {
  const root = repoRootAbove(__dirname);

  it.each(renderApiSchemas().map((file) => [file.path, file.text] as const))('%s matches bodies.ts (else run write-json-schemas)', (path, text) => {
    expect(readFileSync(join(root, path), 'utf8')).toBe(text);
  });

  it('states the schedule request fields the contract requires', () => {
    const schedule = renderApiSchemas().find((file) => file.path.endsWith('api-schedule-request.schema.json'));
    const json = JSON.parse(schedule?.text ?? '{}') as { required?: string[]; properties?: Record<string, { type?: string }> };
    expect(json.required).toEqual(['workerId', 'instanceRevision']);
    expect(json.properties?.['instanceRevision']?.type).toBe('integer');
  });
});
