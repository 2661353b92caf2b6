// Shared helpers for benchmarks: percentiles, formatting, batched loading into etcd.
import type { Store } from '../pkg/store';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(values: readonly number[]): { n: number; p50: number; p99: number; p999: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted.at(-1) ?? Number.NaN };
}

export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
export const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** Puts every [key, value] with `perTxn` puts per transaction and `inFlight` transactions at once. */
export async function loadKeys(store: Store, entries: ReadonlyArray<readonly [string, string | Buffer]>, perTxn = 128, inFlight = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const batch = entries.slice(next, next + perTxn);
      next += perTxn;
      await store.txn([], batch.map(([key, value]) => ({ type: 'put' as const, key, value })));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}
