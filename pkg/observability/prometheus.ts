// The metrics pipeline: an OpenTelemetry MeterProvider whose one reader is the Prometheus exporter,
// kept from opening its own port (contract §4: /metrics is served on HTTP_PORT by our HttpServer,
// which calls scrape()). Independent of the tracing SDK: OTEL_SDK_DISABLED never empties /metrics.
// The SDK modules load on start, so importing pkg/observability for a Logger stays cheap.
import type { Meter } from '@opentelemetry/api';

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The instrumentation scope our instruments carry. */
export const METER_NAME = 'lablet-scheduler';

export interface PrometheusMetrics {
  /** Where instruments are created (OtelMetrics takes it). */
  readonly meter: Meter;
  /** Collects every instrument now and renders the Prometheus text; never rejects. */
  scrape(): Promise<string>;
  /** Stops collecting; idempotent. */
  shutdown(): Promise<void>;
}

export async function startPrometheusMetrics(): Promise<PrometheusMetrics> {
  const [{ MeterProvider }, { PrometheusExporter, PrometheusSerializer }] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-prometheus'),
  ]);
  // No target_info or otel_scope_* labels: Prometheus's own target labels say which pod answered.
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const provider = new MeterProvider({ readers: [reader] });
  let stopped: Promise<void> | undefined;
  return {
    meter: provider.getMeter(METER_NAME),
    async scrape() {
      try {
        const { resourceMetrics, errors } = await reader.collect();
        const failed = errors.length === 0 ? '' : `# ${errors.length} instrument callback(s) failed during collection\n`;
        return failed + serializer.serialize(resourceMetrics);
      } catch (err: unknown) {
        return `# metrics collection failed: ${err instanceof Error ? err.name : 'Error'}\n`;
      }
    },
    shutdown() {
      stopped ??= provider.shutdown();
      return stopped;
    },
  };
}
