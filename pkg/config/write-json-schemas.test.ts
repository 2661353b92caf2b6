// docs/schemas/configmap.schema.json: current with schema.ts, and judged by a real JSON Schema
// validator (Ajv, draft 2020-12): the shipped config.yaml documents pass, broken ones are refused,
// and where JSON Schema can state a rule it agrees with parseConfig.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse, parseAllDocuments } from 'yaml';
import { isConfigValidationError } from './errors';
import { parseConfig } from './load';
import { renderConfigSchema, repoRootAbove } from './write-json-schemas';

const root = repoRootAbove(__dirname);
const file = renderConfigSchema();
const schema = JSON.parse(readFileSync(join(root, file.path), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** Ajv's verdict as `path: message` lines ([] when valid). */
function ajvIssues(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

function refusedByParseConfig(yaml: string): boolean {
  try {
    parseConfig(yaml);
    return false;
  } catch (err: unknown) {
    if (isConfigValidationError(err)) return true;
    throw err;
  }
}

const TEMPLATE = '{name: t, license: enterprise, cmlVersion: 2.9.1, capacity: {cpuCores: 8, memoryGb: 32, storageGb: 64}';

describe('docs/schemas/configmap.schema.json', () => {
  it('matches pkg/config/schema.ts (else run write-json-schemas)', () => {
    expect(readFileSync(join(root, file.path), 'utf8')).toBe(file.text);
  });

  it('describes config.yaml: a closed object whose keys are all optional, with the v1.1 keys', () => {
    const props = schema['properties'] as Record<string, { properties?: Record<string, { default?: unknown }> }>;
    expect(schema['additionalProperties']).toBe(false);
    expect(schema['required']).toBeUndefined();
    expect(props['forecast']?.properties?.['horizonMinutes']?.default).toBe(240);
  });

  it('accepts config/defaults.yaml', () => {
    const document: unknown = parse(readFileSync(join(root, 'config', 'defaults.yaml'), 'utf8'));
    expect(document).toMatchObject({ forecast: { intervalSeconds: 60 } });
    expect(ajvIssues(document)).toEqual([]);
  });

  it('accepts the config.yaml of manifests/configmap.yaml', () => {
    const configMap = parseAllDocuments(readFileSync(join(root, 'manifests', 'configmap.yaml'), 'utf8'))[0]?.toJS() as { data?: Record<string, string> };
    const text = configMap.data?.['config.yaml'];
    expect(text).toContain('leaderElection:');
    expect(ajvIssues(parse(text ?? ''))).toEqual([]);
  });

  it.each([
    ['an empty document', '{}'],
    ['a template with bootSeconds', `scaleUp: {enabled: true, templates: [${TEMPLATE}, bootSeconds: 900}]}`],
    ['a template relying on the bootSeconds default', `scaleUp: {templates: [${TEMPLATE}}]}`],
    ['the forecast turned off', 'forecast: {horizonMinutes: 0}'],
  ])('accepts %s, as parseConfig does', (_situation, yaml) => {
    expect(ajvIssues(parse(yaml))).toEqual([]);
    expect(refusedByParseConfig(yaml)).toBe(false);
  });

  it.each([
    ['an unknown top-level key', 'placment: {}', "additionalProperty\":\"placment"],
    ['an unknown nested key', 'forecast: {horizon: 10}', "additionalProperty\":\"horizon"],
    ['a negative weight', 'placement: {weights: {locality: -0.1}}', '/placement/weights/locality'],
    ['a negative bootSeconds', `scaleUp: {templates: [${TEMPLATE}, bootSeconds: -1}]}`, '/scaleUp/templates/0/bootSeconds'],
    ['a fractional forecast horizon', 'forecast: {horizonMinutes: 1.5}', '/forecast/horizonMinutes'],
    ['a forecast interval of 0', 'forecast: {intervalSeconds: 0}', '/forecast/intervalSeconds'],
    ['a negative release delay', 'forecast: {releaseAfterEndMinutes: -1}', '/forecast/releaseAfterEndMinutes'],
    ['a string for a number', 'controlPlane: {timeoutMs: fast}', '/controlPlane/timeoutMs'],
    ['an unknown placer', 'placement: {placer: random}', '/placement/placer'],
  ])('refuses %s, as parseConfig does', (_situation, yaml, expected) => {
    expect(ajvIssues(parse(yaml)).join('\n')).toContain(expected);
    expect(refusedByParseConfig(yaml)).toBe(true);
  });
});
