// The OpenTelemetry tracing SDK, configured from the standard OTEL_* variables only (issue 11):
// traces are exported when OTEL_TRACES_EXPORTER asks for an exporter, or, when it is unset, when an
// OTLP endpoint is given (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
// otherwise no SDK starts and tracing costs nothing. The SDK's logs exporter stays off unless
// OTEL_LOGS_EXPORTER names one; its metrics exporter always does (metrics are pulled from /metrics,
// see prometheus.ts). The sampler is parent-based over a trace-id ratio (OTEL_TRACES_SAMPLER_ARG,
// default 1.0) unless OTEL_TRACES_SAMPLER names another. OTEL_SDK_DISABLED=true turns it all off.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Clock } from '../clock';
import { settlesWithinMs } from '../wait';

export type Env = Readonly<Record<string, string | undefined>>;

/** What startTelemetry will start, decided from the environment alone. */
export interface TelemetryPlan {
  /** False when OTEL_SDK_DISABLED is true or nothing is to be exported: then no SDK starts. */
  readonly enabled: boolean;
  /** `env`: the SDK builds the span exporters from OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_*. */
  readonly traces: 'env' | 'none';
  readonly logs: 'env' | 'none';
  /** `env`: OTEL_TRACES_SAMPLER names the sampler; else parent-based over this trace-id ratio. */
  readonly sampler: 'env' | { readonly ratio: number };
  /** Set when OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) does not name the service. */
  readonly serviceName: string | undefined;
}

export const DEFAULT_SERVICE_NAME = 'lablet-scheduler';

export function telemetryPlan(env: Env): TelemetryPlan {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const disabled = value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const tracesExporter = value('OTEL_TRACES_EXPORTER');
  const otlpEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const traces = tracesExporter === undefined ? (otlpEndpoint === undefined ? 'none' : 'env') : tracesExporter.split(',')[0]?.trim() === 'none' ? 'none' : 'env';
  const logsExporter = value('OTEL_LOGS_EXPORTER');
  const logs = logsExporter === undefined || logsExporter.split(',').some((e) => e.trim() === 'none') ? 'none' : 'env';
  const namesService = value('OTEL_SERVICE_NAME') !== undefined || /(^|,)\s*service\.name\s*=/.test(value('OTEL_RESOURCE_ATTRIBUTES') ?? '');
  return {
    enabled: !disabled && (traces !== 'none' || logs !== 'none'),
    traces,
    logs,
    sampler: value('OTEL_TRACES_SAMPLER') === undefined ? { ratio: ratioOf(value('OTEL_TRACES_SAMPLER_ARG')) } : 'env',
    serviceName: namesService ? undefined : DEFAULT_SERVICE_NAME,
  };
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio in [0, 1]; 1 when absent or out of range (as the SDK does). */
function ratioOf(arg: string | undefined): number {
  const ratio = arg === undefined ? Number.NaN : Number(arg);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
}

/** The NodeSDK options for a plan: what the plan turns off is passed empty, the rest left to the SDK's env reading. */
export function sdkConfiguration(plan: TelemetryPlan): Partial<NodeSDKConfiguration> {
  return {
    ...(plan.serviceName === undefined ? {} : { serviceName: plan.serviceName }),
    metricReaders: [],
    ...(plan.traces === 'none' ? { spanProcessors: [] } : {}),
    ...(plan.logs === 'none' ? { logRecordProcessors: [] } : {}),
    ...(plan.sampler === 'env' ? {} : { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(plan.sampler.ratio) }) }),
    // Spans for node:http calls made inside a trace (the Kubernetes client's Events); none for
    // requests to our own endpoints (probes and scrapes). The Control Plane client runs on undici
    // and opens its own span per attempt (pkg/controlplane/http-client.ts).
    instrumentations: plan.traces === 'none' ? [] : [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true, requireParentforOutgoingSpans: true })],
  };
}

export interface Telemetry {
  readonly plan: TelemetryPlan;
  /**
   * Flushes and stops the SDK, waiting at most boundMs (with no collector listening, an exporter
   * would wait on connection errors); resolves whether it finished in time. Idempotent.
   */
  shutdown(boundMs: number, clock: Clock): Promise<boolean>;
}

/**
 * Starts the SDK process.env asks for (the SDK reads its exporter settings from process.env itself);
 * a failure to start is reported on stderr and tracing stays off.
 */
export function startTelemetry(stderr: Pick<NodeJS.WriteStream, 'write'> = process.stderr): Telemetry {
  const plan = telemetryPlan(process.env);
  let sdk: NodeSDK | undefined;
  if (plan.enabled) {
    try {
      sdk = new NodeSDK(sdkConfiguration(plan));
      sdk.start();
    } catch (err: unknown) {
      sdk = undefined;
      stderr.write(`lablet-scheduler: OpenTelemetry SDK did not start; tracing is off: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    plan,
    async shutdown(boundMs, clock) {
      if (sdk === undefined) return true;
      stopped ??= sdk.shutdown().catch(() => undefined);
      return settlesWithinMs(stopped, boundMs, clock);
    },
  };
}
