// Failures of Control Plane calls, one class per thing the caller acts on (contract §2). Each has a
// literal `code` and `isRetriable`; branch through the guards below, never on instanceof alone or on
// message text. Retriable means "the call may have been committed: keep the assumption and call
// again with the same arguments". No error here holds a header, a request config or an axios error:
// messages name the method, the route template and the instance id, never a header value.
import type { NotFoundReason, PlacementConflictReason } from './bodies';

export type RouteName = 'schedule' | 'unschedulable' | 'scaleUp';

/** Route templates, as used in messages and in the http_route metric label. */
export const ROUTE_TEMPLATES = {
  schedule: '/api/internal/instances/{id}/schedule',
  unschedulable: '/api/internal/instances/{id}/unschedulable',
  scaleUp: '/api/internal/workers/scale-up',
} as const satisfies Record<RouteName, string>;
export type RouteTemplate = (typeof ROUTE_TEMPLATES)[RouteName];

/** Where a failure happened: the route and, for instance calls, the instance. */
export interface CallSite {
  readonly route: RouteName;
  readonly instanceId?: string;
}

/**
 * The instance as the API saw it when it refused. Contract v1.1 requires only the 409's `reason`, so
 * each field is here only when the answer carried it, valid.
 */
export interface InstanceState {
  readonly phase: string | undefined;
  readonly workerId: string | undefined;
  readonly modRevision: number | undefined;
}

export type ControlPlaneErrorCode =
  | 'Unauthorized' | 'NotFound' | 'StaleFencingToken' | 'PlacementConflict' | 'ScaleUpRefused'
  | 'OutcomeUnknown' | 'CallAborted' | 'InvalidRequest' | 'UnexpectedResponse'
  | 'Transport' | 'ServerBusy';

export abstract class ControlPlaneError extends Error {
  abstract readonly code: ControlPlaneErrorCode;
  abstract readonly isRetriable: boolean;
  readonly route: RouteName;
  readonly instanceId: string | undefined;

  protected constructor(site: CallSite, what: string, options?: { cause?: unknown }) {
    super(`${what} (POST ${ROUTE_TEMPLATES[site.route]}${site.instanceId === undefined ? '' : `, instanceId ${site.instanceId}`})`, options);
    this.name = new.target.name;
    this.route = site.route;
    this.instanceId = site.instanceId;
  }
}

/** 401 or 403: the API key is missing, wrong or revoked. Not retried: an operator must act. */
export class UnauthorizedError extends ControlPlaneError {
  readonly code = 'Unauthorized' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly status: number) {
    super(site, `control plane API refused the credentials with ${status}: check CONTROL_PLANE_API_KEY or CONTROL_PLANE_API_KEY_FILE`);
  }
}

/** 404: the instance or the worker named in the call does not exist. */
export class NotFoundError extends ControlPlaneError {
  readonly code = 'NotFound' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly reason: NotFoundReason) {
    super(site, `control plane API answered 404 ${reason}`);
  }
}

/** 409 StaleFencingToken: this term is over; stop writing at once. */
export class StaleFencingTokenError extends ControlPlaneError {
  readonly code = 'StaleFencingToken' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly fencingToken: string, readonly instance?: InstanceState) {
    super(site, `control plane API refused fencing token ${fencingToken}: the term is over`);
  }
}

/** 409 on an instance call: the decision no longer holds; the reason, and the instance's state where given, say why. */
export class PlacementConflictError extends ControlPlaneError implements InstanceState {
  readonly code = 'PlacementConflict' as const;
  readonly isRetriable = false;
  readonly phase: string | undefined;
  readonly workerId: string | undefined;
  readonly modRevision: number | undefined;
  constructor(site: CallSite, readonly reason: PlacementConflictReason, instance: InstanceState) {
    super(site, `control plane API answered 409 ${reason} (phase ${instance.phase ?? 'not given'}, modRevision ${instance.modRevision ?? 'not given'})`);
    this.phase = instance.phase;
    this.workerId = instance.workerId;
    this.modRevision = instance.modRevision;
  }
}

/** 409 ScaleUpRefused: the API will not add a worker now. */
export class ScaleUpRefusedError extends ControlPlaneError {
  readonly code = 'ScaleUpRefused' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly template: string) {
    super(site, `control plane API refused to scale up template ${template}`);
  }
}

/**
 * Every attempt ended without a definite answer (timeout, connection error, 5xx, 429/503). The call may have been committed: keep the assumption and call again with
 * the same instance, worker, token and revision (contract §2). `cause` is the last attempt's error.
 */
export class OutcomeUnknownError extends ControlPlaneError {
  readonly code = 'OutcomeUnknown' as const;
  readonly isRetriable = true;
  constructor(site: CallSite, readonly attempts: number, cause: AttemptError, readonly retryAfterMs?: number) {
    super(site, `control plane call has no definite answer after ${attempts} attempt(s); last: ${cause.code}${cause.detail}`, { cause });
  }
}

/** The caller's signal aborted (its term ended): waits and retries were abandoned. */
export class CallAbortedError extends ControlPlaneError {
  readonly code = 'CallAborted' as const;
  readonly isRetriable = false;
  constructor(site: CallSite) {
    super(site, 'control plane call abandoned: its signal aborted');
  }
}

/** The request was invalid: refused before sending, or answered 400/422. A bug in the caller. */
export class InvalidRequestError extends ControlPlaneError {
  readonly code = 'InvalidRequest' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly issues: readonly string[], readonly status?: number) {
    super(site, `control plane request is invalid${status === undefined ? '' : ` (${status})`}: ${issues.join('; ')}`);
  }
}

/** A definite answer the contract does not describe (another status, or a 404/409 without a known reason). */
export class UnexpectedResponseError extends ControlPlaneError {
  readonly code = 'UnexpectedResponse' as const;
  readonly isRetriable = false;
  constructor(site: CallSite, readonly status: number, readonly detail: string) {
    super(site, `control plane API answered ${status} outside the contract: ${detail}`);
  }
}

// ---- attempt errors: the cause of an OutcomeUnknownError ----

/** No answer: a timeout or a connection error (errorCode as Node names it, or 'Timeout'). */
export class TransportError extends ControlPlaneError {
  readonly code = 'Transport' as const;
  readonly isRetriable: boolean;
  readonly detail: string;
  constructor(site: CallSite, readonly errorCode: string, isRetriable: boolean) {
    super(site, `control plane call failed without an answer: ${errorCode}`);
    this.isRetriable = isRetriable;
    this.detail = ` ${errorCode}`;
  }
}

/** 5xx, 429 or 503; retryAfterMs when the answer carried a readable Retry-After. */
export class ServerBusyError extends ControlPlaneError {
  readonly code = 'ServerBusy' as const;
  readonly isRetriable = true;
  readonly detail: string;
  constructor(site: CallSite, readonly status: number, readonly retryAfterMs?: number) {
    super(site, `control plane API answered ${status}`);
    this.detail = ` ${status}`;
  }
}

export type AttemptError = TransportError | ServerBusyError;

// ---- guards: by code, so they hold across realms and duplicate module copies ----

const CODES: ReadonlySet<string> = new Set<ControlPlaneErrorCode>([
  'Unauthorized', 'NotFound', 'StaleFencingToken', 'PlacementConflict', 'ScaleUpRefused', 'OutcomeUnknown',
  'CallAborted', 'InvalidRequest', 'UnexpectedResponse', 'Transport', 'ServerBusy',
]);

function hasCode(err: unknown, code: ControlPlaneErrorCode): boolean {
  return isControlPlaneError(err) && err.code === code;
}

export function isControlPlaneError(err: unknown): err is ControlPlaneError {
  if (typeof err !== 'object' || err === null || !(err instanceof Error || 'message' in err)) return false;
  const { code, isRetriable } = err as { code?: unknown; isRetriable?: unknown };
  return typeof code === 'string' && CODES.has(code) && typeof isRetriable === 'boolean';
}

/** True when the call may have been committed and should be made again with the same arguments. */
export function isRetriable(err: unknown): boolean {
  return isControlPlaneError(err) && err.isRetriable;
}
export const isUnauthorized = (err: unknown): err is UnauthorizedError => hasCode(err, 'Unauthorized');
export const isNotFound = (err: unknown): err is NotFoundError => hasCode(err, 'NotFound');
export const isStaleFencingToken = (err: unknown): err is StaleFencingTokenError => hasCode(err, 'StaleFencingToken');
export const isPlacementConflict = (err: unknown): err is PlacementConflictError => hasCode(err, 'PlacementConflict');
export const isScaleUpRefused = (err: unknown): err is ScaleUpRefusedError => hasCode(err, 'ScaleUpRefused');
export const isOutcomeUnknown = (err: unknown): err is OutcomeUnknownError => hasCode(err, 'OutcomeUnknown');
export const isCallAborted = (err: unknown): err is CallAbortedError => hasCode(err, 'CallAborted');
export const isInvalidRequest = (err: unknown): err is InvalidRequestError => hasCode(err, 'InvalidRequest');
