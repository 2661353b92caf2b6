// Logs, metrics and traces (issue 11). The OpenTelemetry tracing SDK itself starts in
// ./bootstrap.ts, which main.ts imports first and nothing else imports.
export type { Logger, LogFields, LogLevel, WinstonLoggerOptions } from './logger';
export { NOOP_LOGGER, REDACTED, SecretRegistry, WinstonLogger } from './logger';
export { CONTRACT_METRICS, EXTRA_METRICS } from './metric-names';
export type { AttemptResultLabel, ScaleUpResult, ScaleUpTrigger } from './known-series';
export { ATTEMPT_RESULTS, KNOWN_SERIES, SCALE_UP_RESULTS, SCALE_UP_TRIGGERS } from './known-series';
export type { MetricName } from './metric-names';
export type { ForecastHooks, PendingByQueue, ScaleUpHooks, SchedulerHooks } from './metrics';
export { OtelMetrics } from './metrics';
export type { PrometheusMetrics } from './prometheus';
export { PROMETHEUS_CONTENT_TYPE, startPrometheusMetrics } from './prometheus';
export type { OtelTracingOptions, SpanAttributes, SpanRole, SpanScope, Tracing } from './tracing';
export { NOOP_TRACING, OtelTracing } from './tracing';
