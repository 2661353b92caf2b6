import { fullJitterBackoffMs, parseRetryAfterMs, retryDelayMs } from './retry';

const policy = { baseDelayMs: 100, maxBackoffMs: 1_000, maxDelayMs: 30_000 };
const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('parseRetryAfterMs', () => {
  it.each([
    ['delay-seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with spaces', ' 3 ', 3_000],
    ['an HTTP date 90 s ahead', 'Fri, 27 Nov 2026 10:01:30 GMT', 90_000],
    ['an HTTP date in the past', 'Fri, 27 Nov 2026 09:00:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['a negative number', '-5', undefined],
    ['a fraction', '1.5', undefined],
    ['empty', '', undefined],
    ['absent', undefined, undefined],
  ])('reads %s', (_name, header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });
});

describe('fullJitterBackoffMs', () => {
  it.each([
    ['first retry, top of the range', 1, 0.999, 99],
    ['second retry doubles the ceiling', 2, 0.999, 199],
    ['fourth retry', 4, 0.5, 400],
    ['ceiling capped at maxBackoffMs', 20, 0.999, 999],
    ['bottom of the range is zero', 3, 0, 0],
  ])('%s', (_name, retry, random, expected) => {
    expect(fullJitterBackoffMs(retry, policy, () => random)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('honours a Retry-After below the cap instead of backing off', () => {
    expect(retryDelayMs(1, 5_000, policy, () => 0.5)).toBe(5_000);
  });

  it('caps a Retry-After at maxDelayMs', () => {
    expect(retryDelayMs(1, 3_600_000, policy, () => 0.5)).toBe(30_000);
  });

  it('backs off with jitter without a Retry-After', () => {
    expect(retryDelayMs(2, undefined, policy, () => 0.5)).toBe(100);
  });
});
