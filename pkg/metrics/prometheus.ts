// The metrics pipeline: an OpenTelemetry MeterProvider whose one reader is the Prometheus exporter,
// kept from opening its own port (contract §4: /metrics is served on HTTP_PORT by our HttpServer,
// which calls scrape()). Independent of the tracing SDK: OTEL_SDK_DISABLED never empties /metrics.
// The SDK modules load on start, so importing pkg/metrics stays cheap. Every known
// series (./known-series.ts) is on the page from the first scrape, at 0 until its first event.
import type { Meter } from '@opentelemetry/api';
import { KNOWN_SERIES } from './known-series';
import { CatalogingMeter, withKnownSeries } from './zero-series';

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The instrumentation scope our instruments carry. */
export const METER_NAME = 'lablet-scheduler';

export interface PrometheusMetrics {
  /** Where instruments are created (OtelMetrics takes it); each one created here is catalogued for the zero fill. */
  readonly meter: Meter;
  /** Collects every instrument now and renders the Prometheus text; never rejects. */
  scrape(): Promise<string>;
  /** Stops collecting; idempotent. */
  shutdown(): Promise<void>;
}

export async function startPrometheusMetrics(): Promise<PrometheusMetrics> {
  const [sdk, { PrometheusExporter, PrometheusSerializer }, { hrTime }] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-prometheus'),
    import('@opentelemetry/core'),
  ]);
  // No target_info or otel_scope_* labels: Prometheus's own target labels say which pod answered.
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const provider = new sdk.MeterProvider({ readers: [reader] });
  const meter = new CatalogingMeter(provider.getMeter(METER_NAME));
  let stopped: Promise<void> | undefined;
  return {
    meter,
    async scrape() {
      try {
        const { resourceMetrics, errors } = await reader.collect();
        const failed = errors.length === 0 ? '' : `# ${errors.length} instrument callback(s) failed during collection\n`;
        return failed + serializer.serialize(withKnownSeries(sdk, resourceMetrics, METER_NAME, meter.instruments(), KNOWN_SERIES, hrTime()));
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
