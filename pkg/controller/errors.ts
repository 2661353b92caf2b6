// TerminalError: throw it from reconcile when trying again cannot help (bad data, a 401, a refusal
// that only a human can lift). The runner logs and counts it and does not retry the key; the key runs
// again only when something adds it. Branch with isTerminalError, which also finds one wrapped as the
// cause of another error (as errors.Is does in controller-runtime).

export class TerminalError extends Error {
  readonly code = 'Terminal' as const;

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** Causes followed before giving up (a cycle of causes must not hang the worker loop). */
const MAX_CAUSE_DEPTH = 8;

export function isTerminalError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if ((current as { code?: unknown }).code === 'Terminal') return true;
    current = current.cause;
  }
  return false;
}
