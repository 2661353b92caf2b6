// The etcd key layout of contract §1: PREFIX/instances/{id}, PREFIX/workers/{id} and the leader key
// PREFIX/scheduler/leader. Ids match ID_PATTERN and equal the key's last segment.

/** Contract §1 id pattern. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEFAULT_PREFIX = '/lcm';

/** PREFIX without a trailing slash ("/lcm/" and "/lcm" name the same tree). */
export function normalizePrefix(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/** PREFIX/instances/ (with the slash: the range to list or watch for instances). */
export function instancesPrefix(prefix: string): string {
  return `${normalizePrefix(prefix)}/instances/`;
}

/** PREFIX/workers/ (with the slash). */
export function workersPrefix(prefix: string): string {
  return `${normalizePrefix(prefix)}/workers/`;
}

export function instanceKey(prefix: string, id: string): string {
  return instancesPrefix(prefix) + id;
}

export function workerKey(prefix: string, id: string): string {
  return workersPrefix(prefix) + id;
}

/** PREFIX/scheduler/leader, the one key the scheduler writes (contract §1, ADR-006). */
export function leaderKey(prefix: string): string {
  return `${normalizePrefix(prefix)}/scheduler/leader`;
}
