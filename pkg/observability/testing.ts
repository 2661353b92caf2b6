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
    tracing: new OtelTracing({ tracer: provider.getTracer('test'), ...(secrets === undefined ? {} : { secrets }) }),
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

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** Metric family name -> Prometheus type (counter, gauge, histogram). */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The sum of the samples named `name` whose labels include `labels` (undefined when none match). */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined;
}

/** Parses the Prometheus text format as our exporter writes it (no escaped quotes in label values). */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[key!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return {
    types,
    samples,
    value(name, want = {}) {
      const matching = samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
      return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
    },
  };
}
