// Argument checks both stores apply the same way, so a caller's mistake fails identically in
// memory and on etcd (and before any round trip).
import type { Compare, CompareOp, CompareTarget, TxnOp } from './store';

/** Throws a RangeError naming field unless value is an integer >= min. */
export function requireInteger(value: number, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** The page size of a list: default 1,000, at least 1. */
export function pageSizeOf(pageSize: number | undefined): number {
  return requireInteger(pageSize ?? 1_000, 'pageSize', 1);
}

/** etcd refuses an empty key. */
export function requireKey(key: string): string {
  if (key.length === 0) throw new RangeError('key must not be empty');
  return key;
}

/** Keys are not empty, and no key is written twice (etcd refuses both; we refuse before sending). */
export function requireValidOps(ops: readonly TxnOp[]): void {
  const written = new Set<string>();
  for (const op of ops) {
    requireKey(op.key);
    if (op.type === 'get') continue;
    if (written.has(op.key)) throw new RangeError(`txn writes key ${op.key} more than once`);
    written.add(op.key);
  }
}

const NUMERIC_TARGETS: ReadonlySet<CompareTarget> = new Set(['createRevision', 'modRevision', 'version']);
const OPS: ReadonlySet<CompareOp> = new Set(['=', '!=', '<', '>']);

/** Numeric targets take a number; 'value' a string; 'lease' a decimal lease id. */
export function requireValidCompare(compare: Compare): void {
  if (!OPS.has(compare.op)) throw new RangeError(`compare on ${compare.key}: unknown op ${String(compare.op)}`);
  if (NUMERIC_TARGETS.has(compare.target)) {
    if (typeof compare.value !== 'number') {
      throw new RangeError(`compare on ${compare.key}: ${compare.target} takes a number`);
    }
    requireInteger(compare.value, `compare ${compare.target} on ${compare.key}`, 0);
    return;
  }
  if (compare.target === 'lease' && !/^\d+$/.test(String(compare.value))) {
    throw new RangeError(`compare on ${compare.key}: lease takes a decimal lease id`);
  }
  if (compare.target === 'value' && typeof compare.value !== 'string') {
    throw new RangeError(`compare on ${compare.key}: value takes a string`);
  }
}
