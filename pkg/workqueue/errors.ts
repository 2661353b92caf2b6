// Errors of the work queue package. Options are checked when a queue or limiter is built or
// updated; a bad value throws at once, naming the option and the rule, so a caller (or the config
// reload that feeds it) can report exactly which field to fix.

export class InvalidOptionError extends Error {
  readonly code = 'InvalidOption' as const;

  constructor(
    /** Where the option belongs, e.g. `ExponentialRateLimiter`. */
    readonly owner: string,
    /** The option's name, e.g. `baseDelayMs`. */
    readonly field: string,
    /** The rule it broke, e.g. `must be > 0`. */
    readonly rule: string,
    readonly value: unknown,
  ) {
    super(`${owner}: ${field} ${rule} (got ${String(value)})`);
    this.name = 'InvalidOptionError';
  }
}

export function isInvalidOptionError(err: unknown): err is InvalidOptionError {
  return err instanceof Error && (err as { code?: unknown }).code === 'InvalidOption';
}

/** What a numeric option must be; every rule also asks for a finite number. */
export type NumberRule = 'positive' | 'nonNegative' | 'positiveInteger';

const RULE_TEXT: Record<NumberRule, string> = {
  positive: 'must be a finite number > 0',
  nonNegative: 'must be a finite number ≥ 0',
  positiveInteger: 'must be an integer ≥ 1',
};

/** Returns value when it keeps rule; else throws InvalidOptionError naming owner and field. */
export function requireNumber(owner: string, field: string, value: number, rule: NumberRule): number {
  const ok =
    Number.isFinite(value) &&
    (rule === 'positive' ? value > 0 : rule === 'nonNegative' ? value >= 0 : Number.isInteger(value) && value >= 1);
  if (!ok) throw new InvalidOptionError(owner, field, RULE_TEXT[rule], value);
  return value;
}
