// Failures of the Store seam that callers act on, classified once at the edge (EtcdStore,
// InMemoryStore). Callers branch on `code` through the guards below, never on instanceof alone
// (it fails across realms and duplicate module copies) and never on message text.
import type { LeaseId } from './store';

export type StoreErrorCode = 'CompactedRevision' | 'LeaseNotFound' | 'StoreUnavailable';

/** The revision asked for (a list or a watch start) is older than the store's compaction point. */
export class CompactedRevisionError extends Error {
  readonly code = 'CompactedRevision' as const;
  override readonly name = 'CompactedRevisionError';

  constructor(
    /** The revision that was asked for. */
    readonly requestedRevision: number,
    /** The oldest revision still kept, when the store says (etcd's watch cancel does not reach us). */
    readonly compactRevision: number | undefined,
    options?: { readonly cause?: unknown },
  ) {
    const kept = compactRevision === undefined ? '' : ` (history kept from revision ${compactRevision})`;
    super(`revision ${requestedRevision} has been compacted${kept}`, options);
  }
}

/** The lease has expired or was revoked (or never existed). */
export class LeaseNotFoundError extends Error {
  readonly code = 'LeaseNotFound' as const;
  override readonly name = 'LeaseNotFoundError';

  constructor(
    readonly leaseId: LeaseId,
    options?: { readonly cause?: unknown },
  ) {
    super(`lease ${leaseId} not found: expired or revoked`, options);
  }
}

/** The store could not be reached or did not answer in time; the outcome of a write is unknown. Retriable. */
export class StoreUnavailableError extends Error {
  readonly code = 'StoreUnavailable' as const;
  override readonly name = 'StoreUnavailableError';

  constructor(
    /** What was attempted, e.g. 'txn', 'list', 'watch'. */
    readonly operation: string,
    cause: unknown,
  ) {
    super(`store unavailable during ${operation}: ${describeCause(cause)}`, { cause });
  }
}

export type StoreError = CompactedRevisionError | LeaseNotFoundError | StoreUnavailableError;

function hasCode(err: unknown, code: StoreErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { readonly code?: unknown }).code === code;
}

/** True when trying again later may succeed (the store was unreachable or slow). */
export function isRetriable(err: unknown): err is StoreUnavailableError {
  return hasCode(err, 'StoreUnavailable');
}

/** True when the revision asked for is gone: re-list and watch anew. */
export function isCompacted(err: unknown): err is CompactedRevisionError {
  return hasCode(err, 'CompactedRevision');
}

/** True when the lease has expired or been revoked: the term it backed is over. */
export function isLeaseNotFound(err: unknown): err is LeaseNotFoundError {
  return hasCode(err, 'LeaseNotFound');
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/**
 * etcd3's errors when etcd refuses the configured user, password or their permissions. Not
 * EtcdInvalidAuthTokenError: a token etcd forgot (a restart, --auth-token-ttl) is renewed by logging in again.
 */
const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set(['EtcdAuthenticationFailedError', 'EtcdPermissionDeniedError']);

/** True when etcd refused our credentials: a human must fix ETCD_USERNAME / ETCD_PASSWORD_FILE or the role. */
export function isCredentialsRefused(err: unknown): boolean {
  return err instanceof Error && CREDENTIAL_ERRORS.has(err.constructor.name);
}

/** True when etcd knows the user but its roles do not allow the call (e.g. a write outside its grants). */
export function isPermissionDenied(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === 'EtcdPermissionDeniedError';
}

/**
 * True when the connection to etcd failed in TLS: etcd refused our client certificate, or we do not
 * trust etcd's. gRPC reports these only as UNAVAILABLE with OpenSSL's text in the message (and the
 * cause's), so this one guard reads text; it is used for what to log, never to decide a retry.
 */
export function isTlsFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (/SSL routines|certificate|TLS handshake|ERR_SSL_|ERR_TLS_/i.test(e.message)) return true;
  }
  return false;
}
