import { backoffMs } from './backoff';

describe('backoffMs', () => {
  const delays = { baseMs: 100, maxMs: 5_000 };

  it.each([
    ['the first retry waits the base', 0, 100],
    ['each step doubles', 3, 800],
    ['the cap holds once reached', 6, 5_000],
    ['a negative step counts as the first', -1, 100],
    ['a fractional step counts as its floor', 2.7, 400],
    ['a step past 1023 (2^step is Infinity) still answers the cap', 5_000, 5_000],
  ])('%s', (_situation, step, expected) => {
    expect(backoffMs(delays, step)).toBe(expected);
  });
});
