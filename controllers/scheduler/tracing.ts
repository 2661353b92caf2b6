// The scheduler's spans (issue 11): a `reconcile` span per look that does work, a `placement` child
// with the decision's figures (candidates, feasible, chosen worker, score, reason histogram), and a
// client span per Control Plane call, opened by TracedControlPlaneClient around the real client so
// the traceparent it sends names that span and the API's spans join the trace. Attributes carry ids
// (they belong to one trace, unlike metric labels) and never a header value.
import type {
  CallOptions, ControlPlaneClient, RouteName, ScaleUpAccepted, ScaleUpCallOptions, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRequest,
} from '../../pkg/controlplane';
import { isControlPlaneError, isNotFound, isPlacementConflict, ROUTE_TEMPLATES } from '../../pkg/controlplane';
import type { SpanAttributes, SpanScope, Tracing } from '../../pkg/observability';
import type { Decision } from '../../pkg/placement';

export const SPAN_RECONCILE = 'reconcile';
export const SPAN_PLACEMENT = 'placement';

/** What a reconcile span did: decide a placement, resend an unconfirmed one, or send a report. */
export type ReconcileAction = 'place' | 'resend' | 'report';

export const ATTR = {
  instanceId: 'lablet.instance.id',
  workerId: 'lablet.worker.id',
  action: 'lablet.reconcile.action',
  result: 'lablet.reconcile.result',
  attempt: 'lablet.reconcile.attempt',
  requeueAfterMs: 'lablet.reconcile.requeue_after_ms',
  fencingToken: 'lablet.fencing_token',
  revision: 'lablet.instance.revision',
  answer: 'lablet.answer',
  placer: 'lablet.placement.placer',
  placementResult: 'lablet.placement.result',
  candidates: 'lablet.placement.candidates',
  evaluated: 'lablet.placement.evaluated',
  feasible: 'lablet.placement.feasible',
  score: 'lablet.placement.score',
  message: 'lablet.placement.message',
  /** Prefix of one attribute per no-fit reason: lablet.placement.reason.InsufficientMemory = 7. */
  reasonPrefix: 'lablet.placement.reason.',
} as const;

/** The figures of a decision as span attributes. */
export function placementAttributes(decision: Decision): SpanAttributes {
  const common = { [ATTR.placer]: decision.placer, [ATTR.candidates]: decision.numWorkers, [ATTR.placementResult]: decision.result };
  switch (decision.result) {
    case 'scheduled':
      return {
        ...common, ...reasonAttributes(decision.reasons), [ATTR.evaluated]: decision.numEvaluated, [ATTR.feasible]: decision.numFeasible,
        [ATTR.workerId]: decision.workerId, [ATTR.score]: decision.score.total,
      };
    case 'unschedulable':
      return { ...common, ...reasonAttributes(decision.reasons), [ATTR.feasible]: 0, [ATTR.message]: decision.message };
    case 'error':
      return { ...common, [ATTR.workerId]: decision.workerId, [ATTR.message]: decision.message };
  }
}

function reasonAttributes(reasons: Readonly<Partial<Record<string, number>>>): SpanAttributes {
  const out: Record<string, number> = {};
  for (const [reason, count] of Object.entries(reasons)) if (count !== undefined) out[ATTR.reasonPrefix + reason] = count;
  return out;
}

/** How the API answered a call that failed, for logs and spans: the 404/409 reason, else the error's code. */
export function answerOf(err: unknown): string {
  if (isPlacementConflict(err) || isNotFound(err)) return err.reason;
  if (isControlPlaneError(err)) return err.code;
  return err instanceof Error ? err.name : 'Error';
}

/** Route and status (or transport code) of a failed call, for the error log a human reads (contract §2). */
export function callFailure(err: unknown): { route?: string; status?: number; answer: string } {
  if (!isControlPlaneError(err)) return { answer: answerOf(err) };
  const status = 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  return { route: ROUTE_TEMPLATES[err.route], status, answer: answerOf(err) };
}

/** A ControlPlaneClient that runs each call of the one it wraps in a client span. */
export class TracedControlPlaneClient implements ControlPlaneClient {
  constructor(
    private readonly inner: ControlPlaneClient,
    private readonly tracing: Tracing,
  ) {}

  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions): Promise<Partial<ScheduleAccepted>> {
    return this.call('schedule', options, { [ATTR.instanceId]: instanceId, [ATTR.workerId]: body.workerId, [ATTR.revision]: body.instanceRevision }, () =>
      this.inner.schedule(instanceId, body, options));
  }

  reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions): Promise<void> {
    return this.call('unschedulable', options, { [ATTR.instanceId]: instanceId }, () => this.inner.reportUnschedulable(instanceId, body, options));
  }

  requestScaleUp(body: ScaleUpRequest, options: ScaleUpCallOptions): Promise<Partial<ScaleUpAccepted>> {
    return this.call('scaleUp', options, { 'lablet.scale_up.template': body.template }, () => this.inner.requestScaleUp(body, options));
  }

  private call<T>(route: RouteName, options: CallOptions, attributes: SpanAttributes, send: () => Promise<T>): Promise<T> {
    const template = ROUTE_TEMPLATES[route];
    return this.tracing.inSpanAsync(`POST ${template}`, 'client', async (span: SpanScope) => {
      span.setAttributes({ ...attributes, 'http.request.method': 'POST', 'http.route': template, [ATTR.fencingToken]: String(options.fencingToken) });
      try {
        const answer = await send();
        span.setAttributes({ [ATTR.answer]: route === 'scaleUp' ? 202 : 200 });
        return answer;
      } catch (err: unknown) {
        span.setAttributes({ [ATTR.answer]: answerOf(err) });
        throw err;
      }
    });
  }
}
