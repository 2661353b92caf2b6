// Polling with a deadline, for e2e tests and benchmarks that wait on real processes: the condition
// is checked at once and then every intervalMs; past the deadline the error names what was awaited
// (and the condition's last failure). Deadlines are generous: this proves that something happens,
// never how fast (figures belong in bench/).
import { inspect } from 'node:util';

export interface WaitForOptions {
  /** What is awaited, for the error, e.g. "the lease's key to vanish". */
  readonly message: string;
  /** Give up after this long, ms. Default 15,000. */
  readonly timeoutMs?: number;
  /** Between checks, ms. Default 50. */
  readonly intervalMs?: number;
}

/** Resolves once condition() returns true; a throwing condition counts as not yet. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (err: unknown) {
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const last = lastError === undefined ? '' : `; last check threw: ${lastError instanceof Error ? lastError.message : inspect(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.message}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
