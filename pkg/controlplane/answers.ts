// Classifies one HTTP answer once, at the edge (contract §2, "Reading answers", v1.1): the status
// and, for 404 and 409, the `reason` decide; nothing else is required. Any 2xx is a definite success
// whatever its body, whose fields are read only where present and valid; 401/403 are definite; 404
// and 409 need a known reason (else definite, outside the contract); 429 and 503 carry Retry-After;
// other 5xx are retried; anything else is a definite failure outside the contract.
import type { z } from 'zod';
import {
  ErrorAnswerSchema, InstanceConflictAnswerSchema, NotFoundAnswerSchema, ScaleUpConflictAnswerSchema,
} from './bodies';
import type { AttemptError, CallSite, ControlPlaneError, InstanceState } from './errors';
import {
  InvalidRequestError, NotFoundError, PlacementConflictError, ScaleUpRefusedError,
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

/** What a success body may tell: each field of the API's answer schema, present only where valid. */
export type SuccessFields<S extends z.ZodRawShape> = Partial<z.output<z.ZodObject<S>>>;

export function classifyAnswer<S extends z.ZodRawShape>(
  success: z.ZodObject<S>, ctx: AnswerContext, answer: Answer,
): AttemptResult<SuccessFields<S>> {
  const { site } = ctx;
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'ok', value: validFields(success, parseJson(answer.body)) };
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

const InstanceConflictReason = InstanceConflictAnswerSchema.pick({ reason: true });

/** A 409 to an instance call: `reason` decides; phase, workerId and modRevision are read where valid. */
function instanceConflict(ctx: AnswerContext, body: unknown): ControlPlaneError {
  const parsed = InstanceConflictReason.safeParse(body);
  if (!parsed.success) return new UnexpectedResponseError(ctx.site, 409, 'no known reason');
  const { phase, workerId, modRevision } = validFields(InstanceConflictAnswerSchema, body);
  const instance: InstanceState = { phase, workerId: workerId ?? undefined, modRevision };
  if (parsed.data.reason === 'StaleFencingToken') return new StaleFencingTokenError(ctx.site, ctx.fencingToken, instance);
  return new PlacementConflictError(ctx.site, parsed.data.reason, instance);
}

function scaleUpConflict(ctx: AnswerContext, body: unknown): ControlPlaneError {
  const parsed = ScaleUpConflictAnswerSchema.safeParse(body);
  if (!parsed.success) return new UnexpectedResponseError(ctx.site, 409, 'no StaleFencingToken or ScaleUpRefused reason');
  if (parsed.data.reason === 'StaleFencingToken') return new StaleFencingTokenError(ctx.site, ctx.fencingToken);
  return new ScaleUpRefusedError(ctx.site, ctx.template ?? '');
}

/**
 * The fields of `body` that the schema's own field schemas accept, each judged alone: an API may send
 * fewer fields, or fields of its own, and one bad field costs only itself (contract §2).
 */
export function validFields<S extends z.ZodRawShape>(schema: z.ZodObject<S>, body: unknown): SuccessFields<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (!Object.hasOwn(body, key)) continue;
    const parsed = (field as z.ZodType).safeParse((body as Record<string, unknown>)[key]);
    if (parsed.success && parsed.data !== undefined) fields[key] = parsed.data;
  }
  return fields as SuccessFields<S>;
}

/** The parsed body, or undefined when it is not JSON (then every schema refuses it). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
