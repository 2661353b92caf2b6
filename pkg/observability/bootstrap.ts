// The OpenTelemetry SDK's start, as a module: main.ts imports it first, before anything loads
// node:http, so the HTTP instrumentation wraps the Kubernetes client's requests. Only the
// service imports it (tests, the demo and benchmarks use pkg/observability's seams without an SDK),
// which is why index.ts does not re-export it.
import { startTelemetry } from './telemetry';
import type { Telemetry } from './telemetry';

export type { Telemetry, TelemetryPlan } from './telemetry';

export const telemetry: Telemetry = startTelemetry();
