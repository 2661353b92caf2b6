// The Control Plane API as the scheduler's leader sees it (contract §2): three writes, each fenced by
// the caller's term. Implementations retry what may be retried and answer with a definite result or a
// typed error from errors.ts; they never place, requeue or decide anything themselves.
import type { ScaleUpAccepted, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRequest } from './bodies';

/** The term's fencing token (the leader key's create revision), sent as a base-10 string. */
export type FencingToken = string | number | bigint;

export interface CallOptions {
  /** The caller's term; sent as X-Fencing-Token on every attempt. */
  readonly fencingToken: FencingToken;
  /**
   * Aborting abandons the wait for a token, the attempt in flight and every retry at once; the call
   * then rejects with CallAbortedError. Abort it when the term ends.
   */
  readonly signal?: AbortSignal;
  /**
   * The caller's term, asked right before each attempt is sent, retries included: once it is not
   * current, nothing more is sent and the call rejects with CallAbortedError (issue 9: the renew
   * deadline checked at the moment of sending, which a timer cannot promise after a pause).
   * Default: always current.
   */
  readonly term?: CurrentTerm;
}

/** A term as a writer asks it (leaderelection's Term fits). */
export interface CurrentTerm {
  isCurrent(): boolean;
}

export interface ScaleUpCallOptions extends CallOptions {
  /**
   * Idempotency-Key for this request; the same key on a later call makes it a repeat of the first.
   * Default: a new random key per call, kept across that call's own retries.
   */
  readonly idempotencyKey?: string;
}

export interface ControlPlaneClient {
  /**
   * Asks the API to place instanceId on body.workerId, decided on the instance at
   * body.instanceRevision. Resolves on any 2xx: the instance holds capacity on that worker (first time
   * or a repeat); the answer's fields are there only where the API sent them valid (contract §2). Rejects with NotFoundError, StaleFencingTokenError (stop writing), PlacementConflictError
   * (reason and the instance's current state), UnauthorizedError, CallAbortedError, or
   * OutcomeUnknownError: then the call may have been committed; call again with the same arguments
   * and place the instance nowhere else meanwhile.
   */
  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions): Promise<Partial<ScheduleAccepted>>;

  /** Replaces the instance's unschedulable report; the errors are schedule's, with NotPending for conflicts. */
  reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions): Promise<void>;

  /**
   * Asks for body.count (default 1) workers of body.template; instanceIds are sorted and de-duplicated
   * before sending (at most 100). Resolves on any 2xx, with requestId only where the API sent one.
   * Rejects with ScaleUpRefusedError when the API will not add one.
   */
  requestScaleUp(body: ScaleUpRequest, options: ScaleUpCallOptions): Promise<Partial<ScaleUpAccepted>>;
}
