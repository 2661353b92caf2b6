// The three contract calls as HTTP: path and headers read, the key checked first (401), the body
// validated with the shared schemas (400 with issues), then the call's own checks.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { ScaleUpRequestSchema, ScheduleRequestSchema, UnschedulableRequestSchema, describeIssues } from '../../pkg/controlplane';
import type { ApiAnswer } from './answers';
import { failure, readFencingToken, unauthorized } from './answers';
import type { ApiRoute } from './faults';
import type { Caller, ReportBook, ScaleUpAnswer } from './reports';
import type { ScheduleCommitter } from './schedule';

export interface ApiRequest {
  readonly route: ApiRoute;
  /** The decoded instance id (instance calls). */
  readonly instanceId: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ApiHandlers {
  readonly apiKey: string | undefined;
  readonly committer: ScheduleCommitter;
  readonly reports: ReportBook;
  readonly scaleUpAnswer: () => ScaleUpAnswer;
}

const INSTANCE_CALL = /^\/api\/internal\/instances\/([^/]+)\/(schedule|unschedulable)$/;

/** The contract route of a POST path, or undefined. Throws URIError for a bad %-encoding. */
export function matchApiRoute(path: string): { route: ApiRoute; instanceId: string | undefined } | undefined {
  if (path === '/api/internal/workers/scale-up') return { route: 'scaleUp', instanceId: undefined };
  const match = INSTANCE_CALL.exec(path);
  if (match === null) return undefined;
  return { route: match[2] === 'schedule' ? 'schedule' : 'unschedulable', instanceId: decodeURIComponent(match[1] ?? '') };
}

export async function handleApiCall(request: ApiRequest, handlers: ApiHandlers): Promise<ApiAnswer> {
  const { headers } = request;
  if (!isAuthorized(handlers.apiKey, headers['x-api-key'])) return unauthorized();
  const fencingToken = readFencingToken(headers['x-fencing-token']);
  if (fencingToken === undefined) return invalid(['X-Fencing-Token: must be a base-10 integer >= 1']);
  const caller: Caller = { fencingToken, schedulerId: single(headers['x-scheduler-id']) };
  switch (request.route) {
    case 'schedule': {
      const body = parse(ScheduleRequestSchema, request.body);
      if (!body.ok) return body.answer;
      return handlers.committer.submit({ instanceId: request.instanceId ?? '', ...body.value, fencingToken });
    }
    case 'unschedulable': {
      const body = parse(UnschedulableRequestSchema, request.body);
      if (!body.ok) return body.answer;
      return handlers.reports.unschedulable(request.instanceId ?? '', body.value, caller);
    }
    case 'scaleUp': {
      const idempotencyKey = single(headers['idempotency-key']);
      if (idempotencyKey === undefined || idempotencyKey === '') return invalid(['Idempotency-Key: required']);
      const body = parse(ScaleUpRequestSchema, request.body);
      if (!body.ok) return body.answer;
      return handlers.reports.scaleUp(body.value, idempotencyKey, caller, handlers.scaleUpAnswer());
    }
  }
}

/** Constant-time comparison of X-API-Key with the configured key; no key configured = open. */
export function isAuthorized(expected: string | undefined, given: string | string[] | undefined): boolean {
  if (expected === undefined) return true;
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parse<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; answer: ApiAnswer } {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, answer: invalid(['body: must be JSON']) };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, answer: invalid(describeIssues(parsed.error)) };
}

export function invalid(issues: string[]): ApiAnswer {
  return failure(400, 'InvalidRequest', issues.join('; '), { issues });
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
