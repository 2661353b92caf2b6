// Logs and traces (issue 11): the seams every package takes (Logger, Tracing) and their plain
// implementations. A leaf of the import graph: it imports no other package of ours but pkg/clock and
// pkg/wait, so anything may import it. The metrics adapters live in pkg/metrics, which imports the
// packages whose hooks it implements. The OpenTelemetry tracing SDK itself starts in ./bootstrap.ts,
// which main.ts imports first and nothing else imports.
export type { Logger, LogFields, LogLevel, WinstonLoggerOptions } from './logger';
export { NOOP_LOGGER, REDACTED, SecretRegistry, WinstonLogger } from './logger';
export type { OtelTracingOptions, SpanAttributes, SpanRole, SpanScope, Tracing } from './tracing';
export { NOOP_TRACING, OtelTracing } from './tracing';
