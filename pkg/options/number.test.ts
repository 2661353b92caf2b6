import { InvalidOptionError, isInvalidOptionError, requireAtMost, requireNumber } from './number';
import type { NumberRule } from './number';

describe('requireNumber', () => {
  it.each<[string, number, NumberRule, boolean]>([
    ['a positive fraction is positive', 0.5, 'positive', true],
    ['zero is not positive', 0, 'positive', false],
    ['zero is non-negative', 0, 'nonNegative', true],
    ['a tiny negative is not non-negative', -1e-9, 'nonNegative', false],
    ['Infinity is not a finite number', Number.POSITIVE_INFINITY, 'nonNegative', false],
    ['NaN keeps no rule', Number.NaN, 'positive', false],
    ['1 is a positive integer', 1, 'positiveInteger', true],
    ['1.5 is not an integer', 1.5, 'positiveInteger', false],
    ['0 is a non-negative integer', 0, 'nonNegativeInteger', true],
    ['0 is not a positive integer', 0, 'positiveInteger', false],
  ])('%s', (_situation, value, rule, ok) => {
    if (ok) expect(requireNumber('Owner', 'field', value, rule)).toBe(value);
    else expect(() => requireNumber('Owner', 'field', value, rule)).toThrow(InvalidOptionError);
  });

  it('names the owner, the field, the rule and the value; is a RangeError found by its code', () => {
    let caught: unknown;
    try {
      requireNumber('Runner', 'workers', 0, 'positiveInteger');
    } catch (err: unknown) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(isInvalidOptionError(caught) && [caught.owner, caught.field, caught.value, caught.message]).toEqual(['Runner', 'workers', 0, 'Runner: workers must be an integer ≥ 1 (got 0)']);
    expect(isInvalidOptionError(Object.assign(new Error('x'), { code: 'InvalidOption' }))).toBe(true);
    expect(isInvalidOptionError(new RangeError('x'))).toBe(false);
  });
});

describe('requireAtMost', () => {
  it('accepts equal values and refuses a larger one, naming both fields', () => {
    expect(requireAtMost('Informer', 'initialBackoffMs', 5, 'maxBackoffMs', 5)).toBe(5);
    expect(() => requireAtMost('Informer', 'initialBackoffMs', 6, 'maxBackoffMs', 5)).toThrow('Informer: initialBackoffMs must not exceed maxBackoffMs (5) (got 6)');
  });
});
