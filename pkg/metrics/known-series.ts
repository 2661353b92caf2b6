// The series every metric shows from the first scrape (contract §4: "every name is on /metrics from
// the start, counters with their known label values at 0"; Prometheus' instrumentation guidance: a
// series that appears only with its first event breaks rate() and absent()-style alerts). One table,
// KNOWN_SERIES, gives each name the label sets known in advance; ./zero-series.ts fills in, at each
// collection, those not yet produced by a real event. The label values are closed sets, checked at
// compile time against the unions of the modules that own them, so a new value cannot be forgotten.
import type { Attributes } from '@opentelemetry/api';
import type { ReloadResult } from '../config';
import type { ReconcileOutcome } from '../controller';
import type { RouteTemplate } from '../controlplane';
import type { RelistReason } from '../informer';
import type { ObjectKind } from '../objects';
import { FILTER_REASONS, INSTANCE_REASONS } from '../placement';
import type { MetricName } from './metric-names';
import { CONTRACT_METRICS as C, EXTRA_METRICS as X } from './metric-names';

/** Accepts `values` only when they name every member of T (a missing one is a type error naming it). */
function allOf<T extends string>() {
  return <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : { missing: Exclude<T, A[number]> })): A => values;
}

/** scheduler_schedule_attempts_total{result}: controllers/scheduler's AttemptResult is drawn from it. */
export const ATTEMPT_RESULTS = ['scheduled', 'unschedulable', 'error'] as const;
/** scheduler_scale_up_requests_total{trigger} (contract §4: `now` or `forecast`). */
export const SCALE_UP_TRIGGERS = ['now', 'forecast'] as const;
/** scheduler_scale_up_requests_total{result}: 202, 409 ScaleUpRefused, or any other failure. */
export const SCALE_UP_RESULTS = ['accepted', 'refused', 'error'] as const;
/** scheduler_pending_instances{queue} (contract §4). */
export const PENDING_QUEUES = ['active', 'backoff', 'waiting_timeslot', 'unschedulable'] as const;
/** scheduler_unschedulable_reasons_total{reason}: the filters' reasons and the reports' own (contract §2, §3). */
export const UNSCHEDULABLE_REASONS = [...FILTER_REASONS, ...INSTANCE_REASONS] as const;

export type AttemptResultLabel = (typeof ATTEMPT_RESULTS)[number];
export type ScaleUpTrigger = (typeof SCALE_UP_TRIGGERS)[number];
export type ScaleUpResult = (typeof SCALE_UP_RESULTS)[number];

const MALFORMED_KINDS = allOf<ObjectKind>()(['instance', 'worker']);
const RELOAD_RESULTS = allOf<ReloadResult>()(['success', 'failure']);
const RELIST_REASONS = allOf<RelistReason>()(['compacted', 'watch-error', 'list-error', 'drift']);
const RECONCILE_OUTCOMES = allOf<ReconcileOutcome>()(['success', 'requeueAfter', 'error', 'aborted']);
const ROUTES = allOf<RouteTemplate>()([
  '/api/internal/instances/{id}/schedule', '/api/internal/instances/{id}/unschedulable', '/api/internal/workers/scale-up',
]);

const UNLABELLED: readonly Attributes[] = [{}];
const each = (label: string, values: readonly string[]): readonly Attributes[] => values.map((value) => ({ [label]: value }));

/**
 * The label sets each name shows at 0 before its first event. Typed by MetricName, so registering a
 * new name without a row here does not compile. A known set counts as present once a real series
 * carries all its labels with the same values (it may carry more): so one series per route is shown
 * for http_client_request_duration_seconds until that route's first answer brings its status code.
 */
export const KNOWN_SERIES: Readonly<Record<MetricName, readonly Attributes[]>> = {
  [C.scheduleAttempts]: each('result', ATTEMPT_RESULTS),
  [C.attemptDuration]: UNLABELLED,
  [C.e2eDuration]: UNLABELLED,
  [C.pendingInstances]: each('queue', PENDING_QUEUES),
  [C.workqueueDepth]: UNLABELLED,
  [C.workqueueRetries]: UNLABELLED,
  [C.isLeader]: UNLABELLED,
  [C.leaderChanges]: UNLABELLED,
  [C.malformedValues]: each('kind', MALFORMED_KINDS),
  [C.informerRelists]: each('reason', RELIST_REASONS),
  [C.configReloads]: each('result', RELOAD_RESULTS),
  [C.unschedulableReasons]: each('reason', UNSCHEDULABLE_REASONS),
  [C.clientRequestDuration]: ROUTES.map((route) => ({ 'http.request.method': 'POST', 'http.route': route })),
  // Contract §4: template="" counts the booked instances no template fits.
  [C.forecastShortfall]: [{ template: '' }],
  [C.forecastDuration]: UNLABELLED,
  [C.scaleUpRequests]: SCALE_UP_TRIGGERS.flatMap((trigger) => SCALE_UP_RESULTS.map((result) => ({ trigger, result }))),
  [X.paused]: UNLABELLED,
  [X.oldestPending]: UNLABELLED,
  [X.workqueueAdds]: UNLABELLED,
  [X.workqueueQueueDuration]: UNLABELLED,
  [X.workqueueWorkDuration]: UNLABELLED,
  [X.reconciles]: each('outcome', RECONCILE_OUTCOMES),
  [X.reconcileDuration]: UNLABELLED,
  // Template names come from the ConfigMap: one unlabelled 0 until the first forecast reports them.
  [X.forecastUncovered]: UNLABELLED,
};
