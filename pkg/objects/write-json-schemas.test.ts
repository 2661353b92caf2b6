import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, renderJsonSchemas } from './write-json-schemas';

describe('docs/schemas', () => {
  const root = findRepoRoot(__dirname);

  it.each(renderJsonSchemas().map((f) => [f.path, f.text] as const))(
    '%s matches the zod schema (run write-json-schemas to refresh)',
    (path, text) => {
      expect(readFileSync(join(root, path), 'utf8')).toBe(text);
    },
  );

  it('describes the input document: required fields and no closed objects', () => {
    const [instance] = renderJsonSchemas();
    const schema = JSON.parse(instance?.text ?? '{}') as { required?: string[]; additionalProperties?: unknown };
    expect(schema.required).toEqual(['id', 'phase', 'requirements']);
    expect(schema.additionalProperties).toBeUndefined();
  });
});
