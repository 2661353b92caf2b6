// How long to wait before the next attempt of a call: exponential backoff with full jitter (a random
// delay in [0, min(cap, base * 2^(retry-1))), so retries of many calls spread out), unless the server
// named a delay with Retry-After (429, 503), which is honoured up to maxDelayMs (contract §2).
import { backoffMs } from '../wait';

export interface RetryPolicy {
  /** First retry's backoff ceiling, ms. */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling, ms. */
  readonly maxBackoffMs: number;
  /** Cap on a server's Retry-After, ms (requeue.maxDelayMs). */
  readonly maxDelayMs: number;
}

/** retry counts from 1 (the wait before the second attempt); random returns [0, 1). */
export function fullJitterBackoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = backoffMs({ baseMs: policy.baseDelayMs, maxMs: policy.maxBackoffMs }, retry - 1);
  return Math.floor(random() * ceiling);
}

/** The wait before the next attempt: Retry-After (capped) when the server gave one, else backoff. */
export function retryDelayMs(retry: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  return fullJitterBackoffMs(retry, policy, random);
}

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
/** Every HTTP-date form opens with a day name; Date.parse alone would read "-5" or "1.5" as years. */
const HTTP_DATE = /^\s*[A-Za-z]{3}/;

/**
 * Retry-After as ms from nowMs (wall clock): delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * A date in the past is 0; anything unreadable is undefined (then the caller backs off as usual).
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = DELAY_SECONDS.exec(header);
  if (seconds !== null) return Number(seconds[1]) * 1000;
  const at = HTTP_DATE.test(header) ? Date.parse(header) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
