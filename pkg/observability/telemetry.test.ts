import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { FakeClock } from '../clock';
import type { Env, TelemetryPlan } from './telemetry';
import { DEFAULT_SERVICE_NAME, sdkConfiguration, startTelemetry, telemetryPlan } from './telemetry';

const OTLP = 'http://collector:4318';

describe('telemetryPlan', () => {
  it.each<[string, Env, Partial<TelemetryPlan>]>([
    ['nothing set: no SDK', {}, { enabled: false, traces: 'none', logs: 'none' }],
    ['an OTLP endpoint exports traces', { OTEL_EXPORTER_OTLP_ENDPOINT: OTLP }, { enabled: true, traces: 'env', logs: 'none' }],
    ['the traces endpoint alone exports traces', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${OTLP}/v1/traces` }, { enabled: true, traces: 'env' }],
    ['an exporter named without endpoint (console)', { OTEL_TRACES_EXPORTER: 'console' }, { enabled: true, traces: 'env' }],
    ['exporter none wins over an endpoint', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: OTLP }, { enabled: false, traces: 'none' }],
    ['a blank endpoint counts as unset', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, { enabled: false, traces: 'none' }],
    ['logs only when asked', { OTEL_LOGS_EXPORTER: 'otlp' }, { enabled: true, traces: 'none', logs: 'env' }],
    ['logs none stays off', { OTEL_LOGS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: OTLP }, { logs: 'none' }],
    ['OTEL_SDK_DISABLED turns everything off', { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: OTLP, OTEL_LOGS_EXPORTER: 'otlp' }, { enabled: false }],
    ['OTEL_SDK_DISABLED=false changes nothing', { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: OTLP }, { enabled: true }],
  ])('%s', (_case, env, expected) => {
    expect(telemetryPlan(env)).toMatchObject(expected);
  });

  it.each<[string, Env, TelemetryPlan['sampler']]>([
    ['parent-based ratio 1 by default', {}, { ratio: 1 }],
    ['the ratio from OTEL_TRACES_SAMPLER_ARG', { OTEL_TRACES_SAMPLER_ARG: '0.25' }, { ratio: 0.25 }],
    ['an out-of-range ratio falls back to 1', { OTEL_TRACES_SAMPLER_ARG: '7' }, { ratio: 1 }],
    ['a named sampler is left to the SDK', { OTEL_TRACES_SAMPLER: 'always_off' }, 'env'],
  ])('sampler: %s', (_case, env, sampler) => {
    expect(telemetryPlan(env).sampler).toEqual(sampler);
  });

  it('names the service unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES does', () => {
    expect(telemetryPlan({}).serviceName).toBe(DEFAULT_SERVICE_NAME);
    expect(telemetryPlan({ OTEL_SERVICE_NAME: 'sched-eu' }).serviceName).toBeUndefined();
    expect(telemetryPlan({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=x' }).serviceName).toBeUndefined();
    expect(telemetryPlan({ OTEL_RESOURCE_ATTRIBUTES: 'my.service.name=x' }).serviceName).toBe(DEFAULT_SERVICE_NAME);
  });
});

describe('sdkConfiguration', () => {
  it('turns off what the plan turns off and never starts a metrics exporter', () => {
    const config = sdkConfiguration(telemetryPlan({ OTEL_LOGS_EXPORTER: 'otlp' }));
    expect(config.metricReaders).toEqual([]);
    expect(config.spanProcessors).toEqual([]);
    expect(config.logRecordProcessors).toBeUndefined();
    expect(config.instrumentations).toEqual([]);
  });

  it('leaves span exporters to the SDK, with a parent-based sampler and the HTTP instrumentation, when traces go out', () => {
    const config = sdkConfiguration(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: OTLP, OTEL_TRACES_SAMPLER_ARG: '0.5' }));
    expect(config.spanProcessors).toBeUndefined();
    expect(config.logRecordProcessors).toEqual([]);
    expect(config.sampler).toBeInstanceOf(ParentBasedSampler);
    expect(config.sampler?.toString()).toContain('0.5');
    expect(config.instrumentations).toHaveLength(1);
  });
});

describe('startTelemetry', () => {
  const saved = { ...process.env };
  const setEnv = (env: Env): void => { Object.assign(process.env, env); };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_') && saved[key] === undefined) delete process.env[key];
  });

  it('starts nothing when nothing is to be exported, and shuts down at once', async () => {
    setEnv({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: OTLP });
    const telemetry = startTelemetry();
    expect(telemetry.plan.enabled).toBe(false);
    expect(await telemetry.shutdown(1_000, new FakeClock(0))).toBe(true);
  });
});
