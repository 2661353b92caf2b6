// The answers the development API gives, in the shapes of pkg/controlplane/bodies.ts, and the
// reading of the headers every call carries.
import type { ErrorAnswer, InstanceConflictAnswer, NotFoundReason } from '../../pkg/controlplane';
import type { InstancePhase } from '../../pkg/objects';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Counter label: status and reason, e.g. "409 StaleRevision". */
  readonly label: string;
}

/** The instance as it is now, carried by every instance-call 409 (contract §2). */
export interface InstanceNow {
  readonly phase: InstancePhase;
  readonly workerId: string | undefined;
  readonly modRevision: number;
}

/**
 * How much an answer says: 'full' sends every field of pkg/controlplane/bodies.ts; 'minimal' sends the
 * least contract §2 (v1.1) allows, as another team's API may: no body on 2xx, `reason` alone on 404
 * and 409, so tests see whether the scheduler needs more than the contract promises.
 */
export const ANSWER_MODES = ['full', 'minimal'] as const;
export type AnswerMode = (typeof ANSWER_MODES)[number];

/** The answer as the mode sends it. */
export function inMode(mode: AnswerMode, answer: ApiAnswer): ApiAnswer {
  if (mode === 'full') return answer;
  if (answer.status >= 200 && answer.status < 300) return { ...answer, body: undefined };
  if ((answer.status === 404 || answer.status === 409) && hasReason(answer.body)) return { ...answer, body: { reason: answer.body.reason } };
  return answer;
}

function hasReason(body: unknown): body is { readonly reason: string } {
  return typeof body === 'object' && body !== null && 'reason' in body && typeof body.reason === 'string';
}

export function ok(status: number, body: unknown): ApiAnswer {
  return { status, body, label: String(status) };
}

export function notFound(reason: NotFoundReason): ApiAnswer {
  return { status: 404, body: { reason }, label: `404 ${reason}` };
}

export function instanceConflict(reason: InstanceConflictAnswer['reason'], now: InstanceNow): ApiAnswer {
  const body: InstanceConflictAnswer = { reason, phase: now.phase, workerId: now.workerId ?? null, modRevision: now.modRevision };
  return { status: 409, body, label: `409 ${reason}` };
}

export function failure(status: number, reason: string, message?: string, extra?: Partial<ErrorAnswer>, headers?: Record<string, string>): ApiAnswer {
  const body: ErrorAnswer = { reason, ...(message === undefined ? {} : { message }), ...extra };
  return { status, body, headers, label: `${status} ${reason}` };
}

export const unauthorized = (): ApiAnswer => failure(401, 'Unauthorized', 'missing or wrong X-API-Key');

/** The store was unreachable or the write contended too long: the client retries. */
export const unavailable = (message: string): ApiAnswer => failure(503, 'Unavailable', message, undefined, { 'Retry-After': '1' });

/** X-Fencing-Token as a revision (>= 1: no key has create revision 0), or undefined when unreadable. */
export function readFencingToken(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,16}$/.test(header)) return undefined;
  const token = Number(header);
  return Number.isSafeInteger(token) && token >= 1 ? token : undefined;
}
