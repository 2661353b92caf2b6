// One way to check a numeric option (issue 18): when a component is built or updated, a bad value
// throws at once, naming the owner, the option and the rule, so a caller (or the config reload that
// feeds it) can report exactly which field to fix. InvalidOptionError is a RangeError, as the
// platform's own for an out-of-range argument.

export class InvalidOptionError extends RangeError {
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
export type NumberRule = 'positive' | 'nonNegative' | 'positiveInteger' | 'nonNegativeInteger';

const RULE_TEXT: Record<NumberRule, string> = {
  positive: 'must be a finite number > 0',
  nonNegative: 'must be a finite number ≥ 0',
  positiveInteger: 'must be an integer ≥ 1',
  nonNegativeInteger: 'must be an integer ≥ 0',
};

function keeps(value: number, rule: NumberRule): boolean {
  if (!Number.isFinite(value)) return false;
  switch (rule) {
    case 'positive': return value > 0;
    case 'nonNegative': return value >= 0;
    case 'positiveInteger': return Number.isInteger(value) && value >= 1;
    case 'nonNegativeInteger': return Number.isInteger(value) && value >= 0;
  }
}

/** Returns value when it keeps rule; else throws InvalidOptionError naming owner and field. */
export function requireNumber(owner: string, field: string, value: number, rule: NumberRule): number {
  if (!keeps(value, rule)) throw new InvalidOptionError(owner, field, RULE_TEXT[rule], value);
  return value;
}

/** Checks a relation between two options (e.g. initialBackoffMs ≤ maxBackoffMs); throws naming the first. */
export function requireAtMost(owner: string, field: string, value: number, limitField: string, limit: number): number {
  if (!(value <= limit)) throw new InvalidOptionError(owner, field, `must not exceed ${limitField} (${limit})`, value);
  return value;
}
