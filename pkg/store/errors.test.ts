import { CompactedRevisionError, isCompacted, isLeaseNotFound, isRetriable, LeaseNotFoundError, StoreUnavailableError } from './errors';

describe('store errors', () => {
  it('branch on code, so a copy from another module instance (or realm) still matches', () => {
    expect(isRetriable({ code: 'StoreUnavailable' })).toBe(true);
    expect(isCompacted({ code: 'CompactedRevision' })).toBe(true);
    expect(isLeaseNotFound({ code: 'LeaseNotFound' })).toBe(true);
  });

  it.each([
    ['a compaction', new CompactedRevisionError(3, 9)],
    ['a lost lease', new LeaseNotFoundError('42')],
    ['a plain error', new Error('store unavailable')],
    ['not an error at all', 'StoreUnavailable'],
  ])('do not call %s retriable', (_case, err) => {
    expect(isRetriable(err)).toBe(false);
  });

  it('say what and where, keeping the cause', () => {
    const cause = new Error('14 UNAVAILABLE: connect ECONNREFUSED');
    const err = new StoreUnavailableError('txn', cause);
    expect(err.message).toBe('store unavailable during txn: 14 UNAVAILABLE: connect ECONNREFUSED');
    expect(err.cause).toBe(cause);
    expect(new CompactedRevisionError(3, 9).message).toBe('revision 3 has been compacted (history kept from revision 9)');
    expect(new CompactedRevisionError(3, undefined).message).toBe('revision 3 has been compacted');
  });
});
