// The options of HttpControlPlaneClient (contract §4: CONTROL_PLANE_API_URL, _KEY, _KEY_FILE,
// _CA_FILE; ConfigMap controlPlane.* and requeue.maxDelayMs) and the checks applied to them and to a
// call's fencing token. Errors name the option and the rule, never a secret.
import { readFileSync } from 'node:fs';
import type { Clock } from '../clock';
import type { FencingToken } from './client';
import type { CallSite } from './errors';
import { InvalidRequestError } from './errors';
import type { ClientLogger, ClientMetrics } from './metrics';
import type { Tracing } from '../observability';

export interface HttpControlPlaneClientOptions {
  /** CONTROL_PLANE_API_URL: http:// or https://, without credentials. */
  readonly baseUrl: string;
  /** SCHEDULER_ID, sent as X-Scheduler-Id. */
  readonly schedulerId: string;
  /** Default SystemClock. */
  readonly clock?: Clock;
  /** CONTROL_PLANE_API_KEY, sent as X-API-Key. Default: none. At most one of apiKey, apiKeyFile. */
  readonly apiKey?: string;
  /** CONTROL_PLANE_API_KEY_FILE: read at start, re-read in the background when it changes. */
  readonly apiKeyFile?: string;
  /** CONTROL_PLANE_CA_FILE: PEM bundle trusted for https. Default: Node's CAs. */
  readonly caFile?: string;
  /** controlPlane.timeoutMs: one attempt's limit, ms. Default 5000. */
  readonly timeoutMs?: number;
  /** controlPlane.qps. Default 200. */
  readonly qps?: number;
  /** controlPlane.burst. Default 400. */
  readonly burst?: number;
  /** Attempts per call, >= 1. Default 4. */
  readonly maxAttempts?: number;
  /** First retry's backoff ceiling, ms. Default 100. */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, ms. Default 5000. */
  readonly maxBackoffMs?: number;
  /** requeue.maxDelayMs: cap on a Retry-After, ms. Default 300000. */
  readonly maxDelayMs?: number;
  /** Connections kept to the API. Default 64. */
  readonly maxSockets?: number;
  /** A `POST` client span per attempt, under the caller's span; its traceparent is the one sent. Default: none. */
  readonly tracing?: Tracing;
  /** Default: no-op. */
  readonly metrics?: ClientMetrics;
  /** Default: no-op. */
  readonly logger?: ClientLogger;
  /** Jitter source, [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/** What setLimits may change while running (ConfigMap reloads). */
export interface LiveLimits {
  readonly qps?: number;
  readonly burst?: number;
  readonly timeoutMs?: number;
  readonly maxDelayMs?: number;
}

export function formatFencingToken(site: CallSite, token: FencingToken): string {
  const text = typeof token === 'string' ? token : token.toString(10);
  const isSafe = typeof token !== 'number' || Number.isSafeInteger(token);
  if (!/^\d{1,19}$/.test(text) || !isSafe) throw new InvalidRequestError(site, ['fencingToken must be a non-negative base-10 integer']);
  return text;
}

export function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError('CONTROL_PLANE_API_URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`CONTROL_PLANE_API_URL must be http or https, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new RangeError('CONTROL_PLANE_API_URL must not carry credentials; use the API key');
  return url;
}

export function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err: unknown) {
    throw new Error(`cannot read CONTROL_PLANE_CA_FILE ${path}: ${errorCodeOf(err)}`);
  }
}


function errorCodeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'unreadable';
}
