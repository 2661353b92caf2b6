// Judging one answer as contract §2 "Reading answers" does: the status decides, and for 404 and 409
// the `reason`; nothing else is required, and a 2xx is a success whatever its body. A failure says
// what was sent (`what`), what the contract expected and what came back.
import type { ApiReply } from './api-client';
import type { CheckContext } from './check';
import { CheckFailure } from './check';

const MAX_BODY_SHOWN = 300;

/** The answer as a reader sees it: `409 {"reason":"NotPending",...}` or `200 (no body)`. */
export function describeReply(reply: ApiReply): string {
  const body = reply.text.trim();
  if (body === '') return `${reply.status} (no body)`;
  return `${reply.status} ${body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}...` : body}`;
}

/** The body's `reason` when it is a string, else undefined. */
export function reasonOf(reply: ApiReply): string | undefined {
  const { json } = reply;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const reason = (json as Record<string, unknown>)['reason'];
  return typeof reason === 'string' ? reason : undefined;
}

/** The body's fields when it is a JSON object, else an empty record. */
export function fieldsOf(reply: ApiReply): Readonly<Record<string, unknown>> {
  const { json } = reply;
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
}

export function fail(what: string, expected: string, reply: ApiReply): never {
  throw new CheckFailure(`${what}: expected ${expected}, got ${describeReply(reply)}`);
}

/** Any 2xx passes (contract §2 v1.1); one other than the status the contract's table names is noted. */
export function expectSuccess(ctx: CheckContext, reply: ApiReply, what: string, listed: 200 | 202): void {
  if (reply.status < 200 || reply.status > 299) fail(what, `${listed} (any 2xx)`, reply);
  if (reply.status !== listed) ctx.note(`${what}: answered ${reply.status}; the contract's table names ${listed} (any 2xx is read as success)`);
}

/** The status, and the reason when one is given. */
export function expectRefusal(reply: ApiReply, what: string, status: number, reason?: string): void {
  const expected = reason === undefined ? String(status) : `${status} {"reason":"${reason}"}`;
  if (reply.status !== status) fail(what, expected, reply);
  if (reason !== undefined && reasonOf(reply) !== reason) fail(what, expected, reply);
}

/** An answer the contract names, as a check expects it. */
export interface Expectation {
  /** As printed: `409 NotPending`, `200`. */
  readonly label: string;
  judge(ctx: CheckContext, reply: ApiReply, what: string): void;
}

export const unauthorized: Expectation = {
  label: '401',
  judge: (_ctx, reply, what) => expectRefusal(reply, what, 401),
};

export function success(listed: 200 | 202): Expectation {
  return { label: String(listed), judge: (ctx, reply, what) => expectSuccess(ctx, reply, what, listed) };
}

export function refusal(status: 404 | 409, reason: string): Expectation {
  return { label: `${status} ${reason}`, judge: (_ctx, reply, what) => expectRefusal(reply, what, status, reason) };
}
