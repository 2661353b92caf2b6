// Classifies one HTTP answer once, at the edge (contract §2): a value, a definite failure, or a
// failure to retry. 2xx needs a body that validates (else the effect is unconfirmed: retry, the calls
// are idempotent); 401/403 are definite; 404 and 409 need a known reason; 429 and 503 carry
// Retry-After; other 5xx are retried; anything else is outside the contract.
import type { z } from 'zod';
import {
  ErrorAnswerSchema, InstanceConflictAnswerSchema, NotFoundAnswerSchema, ScaleUpConflictAnswerSchema, describeIssues,
} from './bodies';
import type { AttemptError, CallSite, ControlPlaneError } from './errors';
import {
  InvalidRequestError, MalformedResponseError, NotFoundError, PlacementConflictError, ScaleUpRefusedError,
  ServerBusyError, StaleFencingTokenError, UnauthorizedError, UnexpectedResponseError,
} from './errors';
import { parseRetryAfterMs } from './retry';

export type AttemptResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'failed'; readonly error: ControlPlaneError }
  | { readonly kind: 'retry'; readonly error: AttemptError; readonly retryAfterMs?: number };

export interface AnswerContext {
  readonly site: CallSite;
  /** Echoed in StaleFencingTokenError. */
  readonly fencingToken: string;
  /** Echoed in ScaleUpRefusedError. */
  readonly template?: string;
  /** Wall-clock ms, for Retry-After given as a date. */
  readonly nowMs: number;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | undefined;
}

export function classifyAnswer<T>(success: z.ZodType<T>, ctx: AnswerContext, answer: Answer): AttemptResult<T> {
  const { site } = ctx;
  const { status } = answer;
  if (status >= 200 && status < 300) {
    const parsed = success.safeParse(parseJson(answer.body));
    if (parsed.success) return { kind: 'ok', value: parsed.data };
    return { kind: 'retry', error: new MalformedResponseError(site, status, describeIssues(parsed.error).join('; ')) };
  }
  if (status === 401 || status === 403) return { kind: 'failed', error: new UnauthorizedError(site, status) };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfterMs(answer.retryAfter, ctx.nowMs);
    return { kind: 'retry', error: new ServerBusyError(site, status, retryAfterMs), retryAfterMs };
  }
  if (status >= 500 && status < 600) return { kind: 'retry', error: new ServerBusyError(site, status) };
  const body = parseJson(answer.body);
  if (status === 404) return definite(notFound(site, body));
  if (status === 409) return definite(site.route === 'scaleUp' ? scaleUpConflict(ctx, body) : instanceConflict(ctx, body));
  if (status === 400 || status === 422) {
    const parsed = ErrorAnswerSchema.safeParse(body);
    const issues = parsed.success ? (parsed.data.issues ?? [parsed.data.message ?? parsed.data.reason]) : ['(no readable detail)'];
    return definite(new InvalidRequestError(site, issues, status));
  }
  return definite(new UnexpectedResponseError(site, status, 'status not in the contract'));
}

function definite<T>(error: ControlPlaneError): AttemptResult<T> {
  return { kind: 'failed', error };
}

function notFound(site: CallSite, body: unknown): ControlPlaneError {
  const parsed = NotFoundAnswerSchema.safeParse(body);
  if (!parsed.success) return new UnexpectedResponseError(site, 404, 'no InstanceNotFound or WorkerNotFound reason (wrong base URL?)');
  return new NotFoundError(site, parsed.data.reason);
}

function instanceConflict(ctx: AnswerContext, body: unknown): ControlPlaneError {
  const parsed = InstanceConflictAnswerSchema.safeParse(body);
  if (!parsed.success) return new UnexpectedResponseError(ctx.site, 409, 'no known reason with phase, workerId and modRevision');
  const { reason, phase, workerId, modRevision } = parsed.data;
  const instance = { phase, workerId: workerId ?? undefined, modRevision };
  if (reason === 'StaleFencingToken') return new StaleFencingTokenError(ctx.site, ctx.fencingToken, instance);
  return new PlacementConflictError(ctx.site, reason, instance);
}

function scaleUpConflict(ctx: AnswerContext, body: unknown): ControlPlaneError {
  const parsed = ScaleUpConflictAnswerSchema.safeParse(body);
  if (!parsed.success) return new UnexpectedResponseError(ctx.site, 409, 'no StaleFencingToken or ScaleUpRefused reason');
  if (parsed.data.reason === 'StaleFencingToken') return new StaleFencingTokenError(ctx.site, ctx.fencingToken);
  return new ScaleUpRefusedError(ctx.site, ctx.template ?? '');
}

/** The parsed body, or undefined when it is not JSON (then every schema refuses it). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
