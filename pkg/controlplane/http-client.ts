// ControlPlaneClient over HTTP(S) with axios over an undici keep-alive pool (contract §2). Every attempt takes
// a token from one priority bucket (schedule first), carries X-API-Key (when configured), traceparent,
// X-Scheduler-Id and X-Fencing-Token, and has its own timeout. Any 2xx is a success whatever its body
// (contract §2, v1.1). Timeouts, connection errors, 5xx and 429 are retried with full-jitter backoff (Retry-After honoured up to
// maxDelayMs) for at most maxAttempts, then OutcomeUnknownError. The caller's signal ends it all at
// once. Errors and logs carry the route template and ids, never a header or an axios error.
import { randomUUID } from 'node:crypto';
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { Pool } from 'undici';
import type { z } from 'zod';
import type { Clock } from '../clock';
import { SystemClock } from '../clock';
import type { ApiKeySource } from './api-key';
import { FileApiKey, StaticApiKey } from './api-key';
import type { Answer, AttemptResult, SuccessFields } from './answers';
import { classifyAnswer } from './answers';
import type { ScaleUpAccepted, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRequest } from './bodies';
import {
  ScaleUpAcceptedSchema, ScaleUpRequestSchema, ScheduleAcceptedSchema, ScheduleRequestSchema, UnschedulableRecordedSchema,
  UnschedulableRequestSchema, compareBytes, describeIssues,
} from './bodies';
import type { CallOptions, ControlPlaneClient, CurrentTerm, ScaleUpCallOptions } from './client';
import type { HttpControlPlaneClientOptions, LiveLimits } from './client-options';
import { formatFencingToken, parseBaseUrl, readCaFile } from './client-options';
import type { AttemptError, CallSite } from './errors';
import { CallAbortedError, InvalidRequestError, OutcomeUnknownError, ROUTE_TEMPLATES, TransportError } from './errors';
import type { ClientLogger, ClientMetrics } from './metrics';
import { NoopClientMetrics } from './metrics';
import { NOOP_LOGGER, NOOP_TRACING } from '../observability';
import { requireNumber } from '../options';
import type { SpanScope, Tracing } from '../observability';
import type { Priority, RateLimits } from './rate-limiter';
import { PriorityTokenBucket, checkRateLimits } from './rate-limiter';
import type { RetryPolicy } from './retry';
import { retryDelayMs } from './retry';
import { traceHeaders } from './trace-context';
import { undiciAdapter } from './undici-adapter';

interface Call<S extends z.ZodRawShape> {
  readonly site: CallSite;
  readonly path: string;
  readonly body: string;
  /** The API's success body, read field by field where present (answers.ts). */
  readonly success: z.ZodObject<S>;
  readonly priority: Priority;
  readonly fencingToken: string;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal | undefined;
  readonly term: CurrentTerm | undefined;
  readonly template?: string;
}

/** Failures on which another attempt cannot help (TLS set-up, a bad URL, a header undici refuses to send). */
const DEFINITE_TRANSPORT = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_INVALID_URL|ERR_BAD_OPTION|ERR_INVALID_CHAR|ERR_INVALID_HTTP_TOKEN|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED)/;
const MAX_ANSWER_BYTES = 1 << 20;
/** Names the client in option errors. */
const OWNER = 'HttpControlPlaneClient';

export class HttpControlPlaneClient implements ControlPlaneClient {
  private readonly clock: Clock;
  private readonly apiKey: ApiKeySource;
  private readonly http: AxiosInstance;
  private readonly pool: Pool;
  /** The base URL's path (no trailing slash), put before each route. */
  private readonly basePath: string;
  private readonly tracing: Tracing;
  /** Attributes every attempt span carries (HTTP client semantic conventions). */
  private readonly server: { readonly 'server.address': string; readonly 'server.port': number; readonly origin: string };
  private readonly limiter: PriorityTokenBucket;
  private readonly metrics: ClientMetrics;
  private readonly logger: ClientLogger;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly schedulerId: string;
  private timeoutMs: number;
  private retry: RetryPolicy;
  private rateLimits: RateLimits;

  constructor(options: HttpControlPlaneClientOptions) {
    const url = parseBaseUrl(options.baseUrl);
    if (options.schedulerId === '') throw new RangeError('schedulerId must not be empty');
    if (options.apiKey !== undefined && options.apiKeyFile !== undefined) throw new RangeError('give apiKey or apiKeyFile, not both');
    this.clock = options.clock ?? new SystemClock();
    this.metrics = options.metrics ?? new NoopClientMetrics();
    this.logger = options.logger ?? NOOP_LOGGER;
    this.random = options.random ?? Math.random;
    this.schedulerId = options.schedulerId;
    this.maxAttempts = requireNumber(OWNER, 'maxAttempts', options.maxAttempts ?? 4, 'positiveInteger');
    this.timeoutMs = requireNumber(OWNER, 'controlPlane.timeoutMs', options.timeoutMs ?? 5000, 'positive');
    this.retry = {
      baseDelayMs: requireNumber(OWNER, 'baseDelayMs', options.baseDelayMs ?? 100, 'positive'),
      maxBackoffMs: requireNumber(OWNER, 'maxBackoffMs', options.maxBackoffMs ?? 5000, 'positive'),
      maxDelayMs: requireNumber(OWNER, 'requeue.maxDelayMs', options.maxDelayMs ?? 300_000, 'positive'),
    };
    this.rateLimits = { qps: options.qps ?? 200, burst: options.burst ?? 400 };
    this.limiter = new PriorityTokenBucket(this.clock, this.rateLimits);
    this.apiKey = options.apiKeyFile === undefined
      ? new StaticApiKey(options.apiKey)
      : new FileApiKey(options.apiKeyFile, this.clock, {
        onError: (err) => this.logger.warn('control plane API key file not re-read; keeping the last key', { error: err.message }),
      });
    // Keep-alive connections to the API's origin; undici reads no proxy variables, so a fenced write
    // goes straight to the API, and follows no redirect.
    this.pool = new Pool(url.origin, {
      connections: options.maxSockets ?? 64,
      connect: url.protocol === 'https:' && options.caFile !== undefined ? { ca: readCaFile(options.caFile) } : undefined,
    });
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.tracing = options.tracing ?? NOOP_TRACING;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    this.server = { 'server.address': url.hostname, 'server.port': port, origin: url.origin };
    this.http = axios.create({
      adapter: undiciAdapter(this.pool, MAX_ANSWER_BYTES),
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      timeout: 0, // the per-attempt timeout runs on the Clock (see attempt)
    });
  }

  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions): Promise<Partial<ScheduleAccepted>> {
    return this.instanceCall('schedule', instanceId, ScheduleRequestSchema, body, ScheduleAcceptedSchema, options);
  }

  async reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions): Promise<void> {
    await this.instanceCall('unschedulable', instanceId, UnschedulableRequestSchema, body, UnschedulableRecordedSchema, options);
  }

  async requestScaleUp(body: ScaleUpRequest, options: ScaleUpCallOptions): Promise<Partial<ScaleUpAccepted>> {
    const site: CallSite = { route: 'scaleUp' };
    const instanceIds = [...new Set(body.instanceIds)].sort(compareBytes);
    const prepared = this.prepare(site, ScaleUpRequestSchema, { ...body, instanceIds }, options);
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    if (idempotencyKey === '' || /[\r\n]/.test(idempotencyKey)) throw new InvalidRequestError(site, ['idempotencyKey must be one non-empty line']);
    return this.call({
      ...prepared,
      headers: { ...prepared.headers, 'Idempotency-Key': idempotencyKey },
      path: ROUTE_TEMPLATES.scaleUp,
      success: ScaleUpAcceptedSchema,
      priority: 1,
      template: body.template,
    });
  }

  /** Schedule calls leave first (priority 0); reports wait behind them (contract §2). */
  private async instanceCall<B, S extends z.ZodRawShape>(
    route: 'schedule' | 'unschedulable', instanceId: string, schema: z.ZodType<B>, body: B, success: z.ZodObject<S>, options: CallOptions,
  ): Promise<SuccessFields<S>> {
    const site: CallSite = { route, instanceId };
    return this.call({
      ...this.prepare(site, schema, body, options),
      path: `/api/internal/instances/${encodeURIComponent(instanceId)}/${route}`,
      success,
      priority: route === 'schedule' ? 0 : 1,
    });
  }

  /** Applies a configuration change from now on (attempts already waiting see the new rate). */
  setLimits(limits: LiveLimits): void {
    if (limits.qps !== undefined || limits.burst !== undefined) {
      const next = { qps: limits.qps ?? this.rateLimits.qps, burst: limits.burst ?? this.rateLimits.burst };
      checkRateLimits(next);
      this.limiter.setLimits(next);
      this.rateLimits = next;
    }
    if (limits.timeoutMs !== undefined) this.timeoutMs = requireNumber(OWNER, 'controlPlane.timeoutMs', limits.timeoutMs, 'positive');
    if (limits.maxDelayMs !== undefined) this.retry = { ...this.retry, maxDelayMs: requireNumber(OWNER, 'requeue.maxDelayMs', limits.maxDelayMs, 'positive') };
  }

  /** Releases waiting calls (they fail as aborted) and closes idle sockets; idempotent. */
  close(): void {
    this.limiter.close();
    this.pool.destroy().catch(() => undefined); // destroying a pool only fails if it already is
  }

  private prepare<B>(site: CallSite, schema: z.ZodType<B>, body: B, options: CallOptions): Omit<Call<z.ZodRawShape>, 'path' | 'success' | 'priority'> {
    if (site.instanceId === '') throw new InvalidRequestError(site, ['instance id must not be empty']);
    const fencingToken = formatFencingToken(site, options.fencingToken);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new InvalidRequestError(site, describeIssues(parsed.error));
    return {
      site,
      body: JSON.stringify(parsed.data),
      fencingToken,
      signal: options.signal,
      term: options.term,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-Scheduler-Id': this.schedulerId,
        'X-Fencing-Token': fencingToken,
      },
    };
  }

  private async call<S extends z.ZodRawShape>(call: Call<S>): Promise<SuccessFields<S>> {
    const { site, signal } = call;
    let last: AttemptError | undefined;
    let lastRetryAfterMs: number | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        const delayMs = retryDelayMs(attempt - 1, lastRetryAfterMs, this.retry, this.random);
        this.logger.debug('control plane call retried', {
          route: ROUTE_TEMPLATES[site.route], instanceId: site.instanceId, attempt, delayMs, cause: last?.code, status: statusOf(last),
        });
        if (delayMs > 0) await this.clock.sleep(delayMs, signal);
      }
      if (!mayStillSend(call) || !(await this.limiter.acquire(call.priority, signal))) throw new CallAbortedError(site);
      const result = await this.attempt(call);
      if (result.kind === 'ok') return result.value;
      if (result.kind === 'failed') {
        if (result.error.code === 'Unauthorized') this.logger.error('control plane API refused the API key', { route: ROUTE_TEMPLATES[site.route] });
        throw result.error;
      }
      last = result.error;
      lastRetryAfterMs = result.retryAfterMs;
      if (lastRetryAfterMs !== undefined) this.limiter.holdFor(Math.min(lastRetryAfterMs, this.retry.maxDelayMs));
    }
    if (last === undefined) throw new CallAbortedError(site); // unreachable: maxAttempts >= 1
    throw new OutcomeUnknownError(site, this.maxAttempts, last, lastRetryAfterMs);
  }

  /** One attempt in its own client span, whose context is the traceparent the API receives. */
  private attempt<S extends z.ZodRawShape>(call: Call<S>): Promise<AttemptResult<SuccessFields<S>>> {
    return this.tracing.inSpanAsync('POST', 'client', async (span) => {
      const path = this.basePath + call.path;
      span.setAttributes({ 'http.request.method': 'POST', 'server.address': this.server['server.address'], 'server.port': this.server['server.port'], 'url.full': this.server.origin + path });
      const result = await this.send(call, path, span);
      if (result.kind !== 'ok') span.setError(result.error);
      return result;
    });
  }

  private async send<S extends z.ZodRawShape>(call: Call<S>, path: string, span: SpanScope): Promise<AttemptResult<SuccessFields<S>>> {
    const { site, signal } = call;
    // Asked again after the rate limiter's wait, right before sending: the term's renew deadline.
    if (!mayStillSend(call)) return { kind: 'failed', error: new CallAbortedError(site) };
    const startedMs = this.clock.monotonicNow();
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimer(this.timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let statusCode: number | undefined;
    let errorType: string | undefined;
    try {
      const key = this.apiKey.current();
      const headers = { ...call.headers, ...traceHeaders(), ...(key === undefined ? {} : { 'X-API-Key': key }) };
      const response = await this.http.post<unknown>(path, call.body, { headers, signal: controller.signal });
      statusCode = response.status;
      span.setAttributes({ 'http.response.status_code': statusCode });
      const retryAfter: unknown = response.headers['retry-after'];
      const answer: Answer = {
        status: response.status,
        body: typeof response.data === 'string' ? response.data : '',
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      };
      return classifyAnswer(call.success, { site, fencingToken: call.fencingToken, template: call.template, nowMs: this.clock.now() }, answer);
    } catch (err: unknown) {
      if (signal?.aborted === true) {
        errorType = 'Aborted';
        return { kind: 'failed', error: new CallAbortedError(site) };
      }
      errorType = timedOut ? 'Timeout' : transportCode(err);
      const error = new TransportError(site, errorType, !DEFINITE_TRANSPORT.test(errorType));
      return error.isRetriable ? { kind: 'retry', error } : { kind: 'failed', error };
    } finally {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      this.metrics.recordRequest({
        method: 'POST',
        route: ROUTE_TEMPLATES[site.route],
        statusCode,
        errorType,
        durationSeconds: (this.clock.monotonicNow() - startedMs) / 1000,
      });
    }
  }
}

/** False once the caller's signal aborted or its term is no longer current (a fencing check). */
function mayStillSend(call: Pick<Call<z.ZodRawShape>, 'signal' | 'term'>): boolean {
  return call.signal?.aborted !== true && call.term?.isCurrent() !== false;
}

/** The code of a failure without an answer; only the code, so no header or URL reaches a message. */
function transportCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && err.code !== '') return err.code;
  return 'ConnectionError';
}

function statusOf(err: AttemptError | undefined): number | undefined {
  return err === undefined || err.code === 'Transport' ? undefined : err.status;
}
