// Test support for code that opens spans (a test-only entry point, not exported from index.ts): an
// OtelTracing over an in-memory exporter, with the context manager and W3C propagator registered
// globally as the SDK would, so spans nest, stay active across awaits and reach outgoing headers.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SecretRegistry } from './logger';
import { OtelTracing } from './tracing';

export interface InMemoryTracing {
  readonly tracing: OtelTracing;
  /** Every span ended so far, in the order they ended. */
  spans(): readonly ReadableSpan[];
  reset(): void;
  /** Unregisters the context manager and propagator. */
  close(): Promise<void>;
}

export function inMemoryTracing(secrets?: SecretRegistry): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    tracing: new OtelTracing({ tracer: provider.getTracer('test'), secrets }),
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async close() {
      await provider.shutdown();
      propagation.disable();
      context.disable();
    },
  };
}

/** The span's parent span id ('' for a root). */
export function parentOf(span: ReadableSpan): string {
  return span.parentSpanContext?.spanId ?? '';
}
