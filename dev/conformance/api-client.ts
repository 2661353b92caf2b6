// The three calls of contract §2 sent raw, as the scheduler sends them (X-API-Key, X-Scheduler-Id,
// X-Fencing-Token, traceparent, Idempotency-Key), so a check can send what the scheduler never would:
// a wrong key, an old token, a stale revision. Answers come back as they are, body unparsed
// beyond JSON. 429 and 503 are retried (Retry-After honoured, capped), as contract §2 tells the
// scheduler to; anything else is the answer the check judges.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

export interface ApiReply {
  readonly status: number;
  /** The body as sent (may be empty). */
  readonly text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  readonly json: unknown;
}

export interface CallHeaders {
  readonly fencingToken: number;
  /** The key to send instead of the configured one; null sends none. */
  readonly apiKey?: string | null;
  readonly idempotencyKey?: string;
}

export interface ApiClientOptions {
  /** CONTROL_PLANE_API_URL: the base the contract's paths are appended to. */
  readonly url: string;
  /** Sent as X-API-Key when set. */
  readonly apiKey: string | undefined;
  /** PEM CA for an https API (CONTROL_PLANE_CA_FILE). Default: the system CAs. */
  readonly caFile?: string;
  /** X-Scheduler-Id. */
  readonly schedulerId: string;
  /** Per attempt, ms. Default 10,000. */
  readonly timeoutMs?: number;
}

const MAX_ATTEMPTS = 5;
const MAX_RETRY_AFTER_MS = 2_000;
const DEFAULT_RETRY_AFTER_MS = 250;

export class ApiClient {
  private readonly base: URL;
  private readonly dispatcher: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`CONTROL_PLANE_API_URL must be http(s), got ${this.base.protocol}`);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const ca = options.caFile === undefined ? undefined : readFileSync(options.caFile);
    this.dispatcher = new Agent({ connect: ca === undefined ? {} : { ca }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  schedule(instanceId: string, body: unknown, headers: CallHeaders): Promise<ApiReply> {
    return this.post(`/api/internal/instances/${encodeURIComponent(instanceId)}/schedule`, body, headers);
  }

  unschedulable(instanceId: string, body: unknown, headers: CallHeaders): Promise<ApiReply> {
    return this.post(`/api/internal/instances/${encodeURIComponent(instanceId)}/unschedulable`, body, headers);
  }

  scaleUp(body: unknown, headers: CallHeaders): Promise<ApiReply> {
    return this.post('/api/internal/workers/scale-up', body, headers);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async post(route: string, body: unknown, headers: CallHeaders): Promise<ApiReply> {
    const url = new URL(this.base.pathname.replace(/\/+$/, '') + route, this.base);
    const sent: Record<string, string> = {
      'content-type': 'application/json',
      'x-scheduler-id': this.options.schedulerId,
      'x-fencing-token': String(headers.fencingToken),
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    };
    const apiKey = headers.apiKey === undefined ? this.options.apiKey : headers.apiKey;
    if (typeof apiKey === 'string') sent['x-api-key'] = apiKey;
    if (headers.idempotencyKey !== undefined) sent['idempotency-key'] = headers.idempotencyKey;
    for (let attempt = 1; ; attempt++) {
      const answer = await this.dispatcher.request({
        origin: url.origin, path: url.pathname, method: 'POST', headers: sent, body: JSON.stringify(body),
      });
      const text = await answer.body.text();
      const isBusy = answer.statusCode === 429 || answer.statusCode === 503;
      if (!isBusy || attempt === MAX_ATTEMPTS) return { status: answer.statusCode, text, json: parseJson(text) };
      await sleep(retryAfterMs(answer.headers['retry-after']));
    }
  }
}

function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : DEFAULT_RETRY_AFTER_MS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
