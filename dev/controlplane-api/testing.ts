// Test support for the development API (unit tests, e2e, benchmarks): a started API over a Store
// with helpers to take the leader key, add workers and instances, and send raw contract calls.
import { leaderKey } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import type { DevControlPlaneApi, DevControlPlaneOptions } from './server';
import { start } from './server';

export interface RawAnswer {
  readonly status: number;
  /** The parsed body; undefined when there is none or it is not JSON (then see text). */
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

export interface CallHeaders {
  readonly fencingToken?: number | string;
  readonly apiKey?: string;
  readonly idempotencyKey?: string;
  readonly schedulerId?: string;
}

export class DevApiFixture {
  private constructor(readonly store: Store, readonly api: DevControlPlaneApi, readonly prefix: string, private readonly apiKey: string | undefined) {}

  static async start(options: DevControlPlaneOptions & { readonly prefix: string }): Promise<DevApiFixture> {
    return new DevApiFixture(options.store, await start(options), options.prefix, options.apiKey);
  }

  /** Starts a new term: deletes the leader key and creates it again; resolves with the new fencing token. */
  async becomeLeader(holder = 'scheduler-a'): Promise<number> {
    const key = leaderKey(this.prefix);
    await this.store.txn([], [{ type: 'delete', key }]);
    const result = await this.store.txn([{ key, target: 'createRevision', op: '=', value: 0 }], [{ type: 'put', key, value: holder }]);
    if (!result.succeeded) throw new Error('leader key appeared meanwhile');
    return result.revision;
  }

  /** Writes the instance through the API; resolves with its mod revision. */
  addInstance(doc: Readonly<Record<string, unknown>> & { readonly id: string }): Promise<number> {
    return this.api.objects.putInstance(doc);
  }

  addWorker(doc: Readonly<Record<string, unknown>> & { readonly id: string }): Promise<number> {
    return this.api.objects.putWorker(doc);
  }

  /** The instance's stored document, parsed. */
  async instance(id: string): Promise<Record<string, unknown> | undefined> {
    const kv = await this.store.get(`${this.prefix}/instances/${id}`);
    return kv === undefined ? undefined : (JSON.parse(kv.value.toString('utf8')) as Record<string, unknown>);
  }

  schedule(instanceId: string, body: unknown, headers: CallHeaders = {}): Promise<RawAnswer> {
    return this.post(`/api/internal/instances/${encodeURIComponent(instanceId)}/schedule`, body, headers);
  }

  unschedulable(instanceId: string, body: unknown, headers: CallHeaders = {}): Promise<RawAnswer> {
    return this.post(`/api/internal/instances/${encodeURIComponent(instanceId)}/unschedulable`, body, headers);
  }

  scaleUp(body: unknown, headers: CallHeaders = {}): Promise<RawAnswer> {
    return this.post('/api/internal/workers/scale-up', body, headers);
  }

  /** A raw POST with the contract's headers (the fixture's key unless one is given). */
  async post(path: string, body: unknown, headers: CallHeaders = {}): Promise<RawAnswer> {
    const sent: Record<string, string> = { 'Content-Type': 'application/json', 'X-Scheduler-Id': headers.schedulerId ?? 'scheduler-a' };
    const apiKey = headers.apiKey ?? this.apiKey;
    if (apiKey !== undefined) sent['X-API-Key'] = apiKey;
    if (headers.fencingToken !== undefined) sent['X-Fencing-Token'] = String(headers.fencingToken);
    if (headers.idempotencyKey !== undefined) sent['Idempotency-Key'] = headers.idempotencyKey;
    const res = await fetch(this.api.url + path, { method: 'POST', headers: sent, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: parseJson(text), text, headers: res.headers };
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

/** Yields to I/O until check() holds; throws after `rounds` yields (no timers, so no timing). */
export async function eventually(check: () => boolean | Promise<boolean>, rounds = 20_000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await check()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
