// What a configuration change touches, by dotted key path, and when each key takes effect (contract
// §4, issue 10). The watcher logs both, so an operator reading "configuration reloaded" knows which
// edits are live now and which wait for the next leadership term.
import type { SchedulerConfig } from './schema';

/** Keys read only when a leadership term starts: a change applies from the next term. */
export const FROM_NEXT_TERM_KEYS: readonly string[] = ['leaderElection.leaseTtlSeconds', 'reconcile.workers'];

/**
 * The dotted paths of the leaves that differ between two configurations, in schema order. A list
 * (scaleUp.templates) is one leaf: any change to it names the list.
 */
export function changedKeys(previous: SchedulerConfig, next: SchedulerConfig): string[] {
  const changed: string[] = [];
  walk(previous, next, '', changed);
  return changed;
}

/** The subset of keys that apply from the next term rather than at once. */
export function fromNextTerm(keys: readonly string[]): string[] {
  return keys.filter((key) => FROM_NEXT_TERM_KEYS.includes(key));
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) walk(a[key], b[key], path === '' ? key : `${path}.${key}`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
