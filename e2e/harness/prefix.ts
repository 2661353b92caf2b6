// Key prefixes that never collide, so tests share one etcd (and run in parallel) without cleanup.
import { randomBytes } from 'node:crypto';

/** `/test-<12 hex>/<name>`: a fresh random segment on every call; name reduced to [A-Za-z0-9._-]. */
export function uniquePrefix(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'keys';
  return `/test-${randomBytes(6).toString('hex')}/${safe}`;
}
