// The tracing seam: code opens spans through Tracing, never through the OpenTelemetry SDK, so unit
// tests and the demo run without one (NOOP_TRACING) and the service gets OtelTracing over the
// globally registered provider (pkg/observability/bootstrap). A span opened here is the active one
// while its work runs, awaits included, so child spans, the HTTP client's traceparent and log lines
// (trace_id, span_id) all join it. Error messages on spans go through the SecretRegistry.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { SecretRegistry } from './logger';

/** Attribute values a span keeps; undefined values are left out. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** The span a piece of work runs in, as that work sees it. */
export interface SpanScope {
  /** Adds attributes; a later value for the same key replaces the earlier one. */
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed: status ERROR, `error.type` from the error's code or name, its message scrubbed. */
  setError(err: unknown): void;
}

/** `client` for a call to another service (the Control Plane API), `internal` otherwise. */
export type SpanRole = 'internal' | 'client';

export interface Tracing {
  /**
   * Runs work in a new span, a child of the active one, active itself while work runs, and ends it
   * when work returns. A throw marks the span failed and is passed on unchanged.
   */
  inSpan<T>(name: string, role: SpanRole, work: (span: SpanScope) => T): T;
  /** As inSpan, for async work: the span stays active across its awaits and ends when it settles. */
  inSpanAsync<T>(name: string, role: SpanRole, work: (span: SpanScope) => Promise<T>): Promise<T>;
}

const NOOP_SCOPE: SpanScope = { setAttributes: () => undefined, setError: () => undefined };

/** Opens no span: work runs as it would without tracing. */
export const NOOP_TRACING: Tracing = {
  inSpan: (_name, _role, work) => work(NOOP_SCOPE),
  inSpanAsync: (_name, _role, work) => work(NOOP_SCOPE),
};

/** The instrumentation scope our spans carry. */
export const TRACER_NAME = 'lablet-scheduler';

export interface OtelTracingOptions {
  /** Default: the global provider's tracer (a no-op until an SDK registers one). */
  readonly tracer?: Tracer;
  /** Scrubs error messages put on spans. Default: an empty registry. */
  readonly secrets?: SecretRegistry;
}

const KINDS: Readonly<Record<SpanRole, SpanKind>> = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT };

/** Tracing over an OpenTelemetry Tracer (the API's context manager makes spans active). */
export class OtelTracing implements Tracing {
  private readonly tracer: Tracer;
  private readonly secrets: SecretRegistry;

  constructor(options: OtelTracingOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    this.secrets = options.secrets ?? new SecretRegistry();
  }

  inSpan<T>(name: string, role: SpanRole, work: (span: SpanScope) => T): T {
    return this.tracer.startActiveSpan(name, { kind: KINDS[role] }, (span) => {
      const scope = new OtelSpanScope(span, this.secrets);
      try {
        return work(scope);
      } catch (err: unknown) {
        scope.setError(err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  inSpanAsync<T>(name: string, role: SpanRole, work: (span: SpanScope) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind: KINDS[role] }, async (span) => {
      const scope = new OtelSpanScope(span, this.secrets);
      try {
        return await work(scope);
      } catch (err: unknown) {
        scope.setError(err);
        throw err;
      } finally {
        span.end();
      }
    });
  }
}

class OtelSpanScope implements SpanScope {
  constructor(
    private readonly span: Span,
    private readonly secrets: SecretRegistry,
  ) {}

  setAttributes(attributes: SpanAttributes): void {
    if (!this.span.isRecording()) return;
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.span.setAttribute(key, value);
  }

  setError(err: unknown): void {
    if (!this.span.isRecording()) return;
    const { type, message } = describeError(err);
    const scrubbed = this.secrets.scrub(message);
    this.span.setAttribute('error.type', type);
    // The name and message only: a stack or an HTTP library's error could carry request headers.
    this.span.recordException({ name: type, message: scrubbed });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: scrubbed });
  }
}

function describeError(err: unknown): { type: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { type: typeof code === 'string' && code !== '' ? code : err.name, message: err.message };
  }
  return { type: 'Error', message: String(err) };
}
