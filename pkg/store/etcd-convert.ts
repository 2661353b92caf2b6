// Translation between the Store seam and etcd3's wire types, and the one place where etcd3's
// errors are classified into ours. etcd3 returns int64 fields (revisions, versions, lease ids) as
// decimal strings; revisions are parsed with a check (they stay far below 2^53), lease ids stay
// strings. etcd3 marks transient failures as recoverable; compaction and "lease not found" carry
// no code of their own, so those two are recognised by etcd's fixed server messages, here only.
import type * as etcd from 'etcd3';
import { isBrokenCircuitError } from 'cockatiel';
import { EtcdInvalidAuthTokenError, EtcdLeaseInvalidError, EtcdWatchStreamEnded, GRPCUnauthenticatedError, isRecoverableError } from 'etcd3';
import { CompactedRevisionError, LeaseNotFoundError, StoreUnavailableError } from './errors';
import type { Compare, CompareOp, CompareTarget, KeyValue, TxnOp, WatchEvent } from './store';

/** A non-negative int64 from etcd as a number; throws if it is not one or exceeds 2^53. */
export function parseInt64(value: string | number | undefined, field: string): number {
  const text = String(value ?? '');
  if (!/^\d+$/.test(text)) throw new TypeError(`etcd returned a malformed ${field}: ${JSON.stringify(value)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`etcd returned ${field} ${text}, beyond 2^53`);
  return n;
}

export function toKeyValue(kv: etcd.IKeyValue): KeyValue {
  const lease = String(kv.lease ?? '0');
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    createRevision: parseInt64(kv.create_revision, 'create_revision'),
    modRevision: parseInt64(kv.mod_revision, 'mod_revision'),
    version: parseInt64(kv.version, 'version'),
    ...(lease === '0' ? {} : { leaseId: lease }),
  };
}

export function toWatchEvent(ev: etcd.IEvent): WatchEvent {
  return { type: ev.type === 'Delete' ? 'delete' : 'put', kv: toKeyValue(ev.kv) };
}

const TARGETS = {
  createRevision: 'Create',
  modRevision: 'Mod',
  version: 'Version',
  value: 'Value',
  lease: 'Lease',
} as const satisfies Record<CompareTarget, keyof typeof etcd.CompareTarget>;

const RESULTS = {
  '=': 'Equal',
  '!=': 'NotEqual',
  '<': 'Less',
  '>': 'Greater',
} as const satisfies Record<CompareOp, keyof typeof etcd.CompareResult>;

export function toCompare(c: Compare): etcd.ICompare {
  const base = { key: Buffer.from(c.key), target: TARGETS[c.target], result: RESULTS[c.op] };
  switch (c.target) {
    case 'createRevision':
      return { ...base, create_revision: String(c.value) };
    case 'modRevision':
      return { ...base, mod_revision: String(c.value) };
    case 'version':
      return { ...base, version: String(c.value) };
    case 'value':
      return { ...base, value: Buffer.from(String(c.value)) };
    case 'lease':
      return { ...base, lease: String(c.value) };
  }
}

export function toRequestOp(op: TxnOp): etcd.IRequestOp {
  const key = Buffer.from(op.key);
  switch (op.type) {
    case 'get':
      return { request_range: { key } };
    case 'put':
      return {
        request_put: {
          key,
          value: typeof op.value === 'string' ? Buffer.from(op.value) : op.value,
          ...(op.leaseId === undefined ? {} : { lease: op.leaseId }),
        },
      };
    case 'delete':
      return { request_delete_range: { key } };
  }
}

/** The key read by a 'get' op of a txn, from the matching response. */
export function rangeResult(op: TxnOp, res: etcd.IResponseOp | undefined): KeyValue | undefined {
  if (op.type !== 'get') return undefined;
  const kv = res?.response_range?.kvs[0];
  return kv === undefined ? undefined : toKeyValue(kv);
}

/** What a failed call was doing, for classification and the error's message. */
export interface CallContext {
  readonly operation: string;
  /** The revision read or watched from, when a compaction error can answer the call. */
  readonly revision?: number;
  /** The lease named by the call, when "lease not found" can answer it. */
  readonly leaseId?: string;
}

/** etcd's server message when a read, watch or compaction names a compacted revision. */
const COMPACTED_MESSAGE = 'required revision has been compacted';

export function isEtcdCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED_MESSAGE);
}

/**
 * True when etcd did not know the auth token a call or a watch creation carried: etcd forgets every
 * token when it restarts and drops one idle for --auth-token-ttl (300 s by default). Not a refusal of
 * the user: a new token (a new Authenticate) is the cure. etcd3 types it from the message, also the
 * cancel reason of a refused watch ("rpc error: code = Unauthenticated desc = etcdserver: invalid auth token").
 */
export function isEtcdInvalidTokenError(err: unknown): boolean {
  return err instanceof EtcdInvalidAuthTokenError || err instanceof GRPCUnauthenticatedError;
}

/**
 * Maps an etcd3 failure to a StoreError where the caller can act on it; anything else (bad
 * arguments, permissions, a closed client) is returned unchanged as a fault to surface.
 */
export function classify(err: unknown, ctx: CallContext): Error {
  if (!(err instanceof Error)) return new Error(`${ctx.operation} failed: ${String(err)}`);
  if (ctx.revision !== undefined && isEtcdCompactedError(err)) {
    return new CompactedRevisionError(ctx.revision, undefined, { cause: err });
  }
  if (ctx.leaseId !== undefined && err instanceof EtcdLeaseInvalidError) {
    return new LeaseNotFoundError(ctx.leaseId, { cause: err });
  }
  if (isRecoverableError(err) || isBrokenCircuitError(err) || err instanceof EtcdWatchStreamEnded) {
    return new StoreUnavailableError(ctx.operation, err);
  }
  return err;
}
