// Errors of the controller runner, each with a literal code to branch on (isCacheSyncTimeout), as
// instanceof fails across realms and duplicate module copies.

/**
 * The caches a run needs did not sync within its bound (client-go's WaitForCacheSync returning
 * false): the run starts no worker and fails; at start-up the process exits saying which caches.
 */
export class CacheSyncTimeoutError extends Error {
  readonly code = 'CacheSyncTimeout' as const;

  constructor(
    /** The caches still not synced at the bound. */
    readonly caches: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`caches did not sync within ${timeoutMs} ms: ${caches.join(', ')}`);
    this.name = 'CacheSyncTimeoutError';
  }
}

export function isCacheSyncTimeout(err: unknown): err is CacheSyncTimeoutError {
  return err instanceof Error && (err as { code?: unknown }).code === 'CacheSyncTimeout';
}
