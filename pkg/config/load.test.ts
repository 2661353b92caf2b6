import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigValidationError, isConfigValidationError } from './errors';
import { defaultConfig, loadConfigFile, parseConfig } from './load';

function issuesOf(text: string): string[] {
  try {
    parseConfig(text);
  } catch (err: unknown) {
    if (isConfigValidationError(err)) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseConfig', () => {
  it('gives the contract defaults for an empty document', () => {
    const config = defaultConfig();
    expect(config.leaderElection.leaseTtlSeconds).toBe(15);
    expect(config.reconcile).toEqual({ resyncIntervalSeconds: 30, workers: 4 });
    expect(config.requeue).toEqual({ baseDelayMs: 500, maxDelayMs: 300_000 });
    expect(config.controlPlane).toEqual({ timeoutMs: 5_000, qps: 200, burst: 400 });
    expect(config.placement.weights).toEqual({ binPacking: 0.6, locality: 0.2, loadBalance: 0.2 });
    expect(config.placement.percentageOfWorkersToScore).toBe(100);
    expect(config.timeslot).toEqual({ leadTimeMinutes: 35, minRemainingMinutes: 0 });
    expect(config.scaleUp).toEqual({ enabled: false, cooldownSeconds: 300, templates: [] });
    expect(config.forecast).toEqual({ horizonMinutes: 240, intervalSeconds: 60, releaseAfterEndMinutes: 10, marginMinutes: 5 });
    expect(config.logging.level).toBe('info');
  });

  it('gives a scale-up template the contract v1.1 bootSeconds default', () => {
    const config = parseConfig('scaleUp:\n  templates:\n    - {name: t, license: none, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}');
    expect(config.scaleUp.templates[0]?.bootSeconds).toBe(1200);
  });

  it('matches config/defaults.yaml key for key', async () => {
    const mirrored: unknown = parse(await readFile(join(__dirname, '../../config/defaults.yaml'), 'utf8'));
    expect(mirrored).toEqual(defaultConfig());
  });

  it('keeps defaults for keys left out beside the ones given', () => {
    const config = parseConfig('placement:\n  weights:\n    locality: 1\n');
    expect(config.placement.weights).toEqual({ binPacking: 0.6, locality: 1, loadBalance: 0.2 });
    expect(config.placement.placer).toBe('default');
  });

  it('returns a frozen configuration', () => {
    const config = parseConfig('');
    expect(Object.isFrozen(config.placement.weights)).toBe(true);
  });

  it.each([
    ['an unknown top-level key', 'placment: {}', 'placment'],
    ['an unknown nested key', 'placement:\n  weight: {}', 'placement.weight'],
    ['a negative interval', 'reconcile:\n  resyncIntervalSeconds: -1', 'reconcile.resyncIntervalSeconds'],
    ['a string for a number', 'controlPlane:\n  timeoutMs: fast', 'controlPlane.timeoutMs'],
    ['weights summing to zero', 'placement:\n  weights: {binPacking: 0, locality: 0, loadBalance: 0}', 'weights must sum'],
    ['a negative weight', 'placement:\n  weights: {locality: -0.1}', 'placement.weights.locality'],
    ['base delay above max delay', 'requeue: {baseDelayMs: 10, maxDelayMs: 5}', 'baseDelayMs must not exceed'],
    ['a percentage of zero', 'placement: {percentageOfWorkersToScore: 0}', 'percentageOfWorkersToScore'],
    ['an unknown log level', 'logging: {level: loud}', 'logging.level'],
    ['a fractional worker count', 'reconcile: {workers: 1.5}', 'reconcile.workers'],
    ['a template with an unknown license', 'scaleUp:\n  templates:\n    - {name: t, license: gold, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}', 'scaleUp.templates.0.license'],
    ['duplicate template names', 'scaleUp:\n  templates:\n    - {name: t, license: none, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}\n    - {name: t, license: none, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}', 'unique'],
    ['broken YAML', 'placement: [unclosed', '(yaml)'],
    ['a duplicate key', 'logging: {level: info}\nlogging: {level: debug}', '(yaml)'],
    ['a list at the root', '- 1', '(root)'],
    ['a negative bootSeconds', 'scaleUp:\n  templates:\n    - {name: t, license: none, cmlVersion: 2.9.0, bootSeconds: -1, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}', 'scaleUp.templates.0.bootSeconds'],
    ['a forecast interval of zero', 'forecast: {intervalSeconds: 0}', 'forecast.intervalSeconds'],
    ['a negative forecast horizon', 'forecast: {horizonMinutes: -1}', 'forecast.horizonMinutes'],
    ['a fractional forecast margin', 'forecast: {marginMinutes: 2.5}', 'forecast.marginMinutes'],
    ['an unknown forecast key', 'forecast: {horizon: 10}', 'forecast.horizon'],
  ])('refuses %s, naming it', (_situation, text, expected) => {
    expect(issuesOf(text).join('\n')).toContain(expected);
  });

  it('lists every problem at once', () => {
    const issues = issuesOf('reconcile: {workers: 0}\nlogging: {level: loud}\nextra: 1');
    expect(issues).toHaveLength(3);
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'config-test-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('uses the defaults when the file is absent', async () => {
    const loaded = await loadConfigFile(join(dir, 'missing.yaml'));
    expect(loaded.source).toBe('defaults');
    expect(loaded.config).toEqual(defaultConfig());
  });

  it('reads a present file', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'placement:\n  paused: true\n');
    const loaded = await loadConfigFile(path);
    expect(loaded).toMatchObject({ source: 'file', config: { placement: { paused: true } } });
  });

  it('throws a ConfigValidationError naming the file when it is invalid', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'nope: 1\n');
    await expect(loadConfigFile(path)).rejects.toThrow(ConfigValidationError);
    await expect(loadConfigFile(path)).rejects.toThrow(path);
  });
});
