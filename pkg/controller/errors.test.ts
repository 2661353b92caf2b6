import { CacheSyncTimeoutError, isCacheSyncTimeout } from './errors';

describe('isCacheSyncTimeout', () => {
  it.each([
    { name: 'a CacheSyncTimeoutError', err: new CacheSyncTimeoutError(['lablet cache'], 1_000), want: true },
    { name: 'an error from another copy of the module (same code)', err: Object.assign(new Error('x'), { code: 'CacheSyncTimeout' }), want: true },
    { name: 'a plain Error', err: new Error('x'), want: false },
    { name: 'a plain object with the code', err: { code: 'CacheSyncTimeout' }, want: false },
    { name: 'undefined', err: undefined, want: false },
  ])('says $want for $name', ({ err, want }) => {
    expect(isCacheSyncTimeout(err)).toBe(want);
  });

  it('names the caches and the bound in its message and fields', () => {
    const err = new CacheSyncTimeoutError(['instances', 'workers'], 120_000);
    expect([err.message, err.name, err.caches, err.timeoutMs]).toEqual([
      'caches did not sync within 120000 ms: instances, workers', 'CacheSyncTimeoutError', ['instances', 'workers'], 120_000,
    ]);
  });
});
