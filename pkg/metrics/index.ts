// The scheduler's metrics (issue 11, contract §4): OpenTelemetry instruments behind the hook
// interfaces each component declares (queue, runner, HTTP client, informer, cache, elector, config
// watcher, scheduler), the known series shown at 0 from the first scrape, and the Prometheus
// pipeline. It imports the packages whose hooks and label unions it implements; none of them imports
// it back (only main.ts, controllers/ for the label unions, tests and benches), so every import
// arrow points one way.
export { CONTRACT_METRICS, EXTRA_METRICS } from './metric-names';
export type { MetricName } from './metric-names';
export type { AttemptResultLabel, ScaleUpResult, ScaleUpTrigger } from './known-series';
export { ATTEMPT_RESULTS, KNOWN_SERIES, SCALE_UP_RESULTS, SCALE_UP_TRIGGERS } from './known-series';
export type { ForecastHooks, PendingByQueue, ScaleUpHooks, SchedulerHooks } from './metrics';
export { OtelMetrics } from './metrics';
export type { PrometheusMetrics } from './prometheus';
export { PROMETHEUS_CONTENT_TYPE, startPrometheusMetrics } from './prometheus';
