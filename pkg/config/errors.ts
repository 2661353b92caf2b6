// Errors of configuration: the ConfigMap file and the environment. Each names every problem with
// its key path, so an operator can fix them all in one edit.

export interface ConfigIssue {
  /** Dotted key path (`placement.weights.locality`) or environment variable name. */
  readonly path: string;
  readonly message: string;
}

export class ConfigValidationError extends Error {
  readonly code = 'ConfigValidation' as const;

  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${source} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

export function isConfigValidationError(err: unknown): err is ConfigValidationError {
  return err instanceof Error && (err as { code?: unknown }).code === 'ConfigValidation';
}
