import { BrokenCircuitError } from 'cockatiel';
import { EtcdInvalidAuthTokenError, EtcdLeaseInvalidError, EtcdPermissionDeniedError, GRPCInvalidArgumentError, GRPCOutOfRangeError, GRPCUnauthenticatedError, GRPCUnavailableError } from 'etcd3';
import { classify, isEtcdInvalidTokenError, parseInt64, toCompare, toKeyValue } from './etcd-convert';
import { isCompacted, isLeaseNotFound, isRetriable } from './errors';

describe('parseInt64', () => {
  it.each([
    ['zero', '0', 0],
    ['the largest exact number', '9007199254740991', 9_007_199_254_740_991],
  ])('reads %s', (_case, text, want) => {
    expect(parseInt64(text, 'revision')).toBe(want);
  });

  it.each([
    ['beyond 2^53', '9007199254740993', /beyond 2\^53/],
    ['negative', '-1', /malformed revision/],
    ['empty', '', /malformed revision/],
    ['trailing garbage', '12a', /malformed revision/],
    ['missing', undefined, /malformed revision/],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseInt64(text, 'revision')).toThrow(message);
  });
});

describe('toKeyValue', () => {
  const kv = { key: Buffer.from('/k'), value: Buffer.from('v'), create_revision: '3', mod_revision: '5', version: '2' };

  it('leaves leaseId out for lease 0', () => {
    expect(toKeyValue({ ...kv, lease: '0' })).toEqual({ key: '/k', value: Buffer.from('v'), createRevision: 3, modRevision: 5, version: 2 });
  });

  it('keeps a lease id beyond 2^53 exact, as a string', () => {
    expect(toKeyValue({ ...kv, lease: '7587869000000000001' }).leaseId).toBe('7587869000000000001');
  });
});

describe('toCompare', () => {
  it.each([
    ['createRevision', 0, { target: 'Create', create_revision: '0' }],
    ['modRevision', 9, { target: 'Mod', mod_revision: '9' }],
    ['version', 2, { target: 'Version', version: '2' }],
    ['value', 'x', { target: 'Value', value: Buffer.from('x') }],
    ['lease', '7587869000000000001', { target: 'Lease', lease: '7587869000000000001' }],
  ] as const)('puts %s in its own field', (target, value, want) => {
    expect(toCompare({ key: '/k', target, op: '!=', value })).toEqual({ key: Buffer.from('/k'), result: 'NotEqual', ...want });
  });
});

describe('classify', () => {
  it('makes transient failures retriable', () => {
    expect(isRetriable(classify(new GRPCUnavailableError('14 UNAVAILABLE: No connection established'), { operation: 'get' }))).toBe(true);
    expect(isRetriable(classify(new BrokenCircuitError(), { operation: 'get' }))).toBe(true);
  });

  it('turns a compaction answer into CompactedRevisionError when the call named a revision', () => {
    const err = new GRPCOutOfRangeError('11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted');
    expect(classify(err, { operation: 'list', revision: 4 })).toMatchObject({ code: 'CompactedRevision', requestedRevision: 4 });
    expect(isCompacted(classify(err, { operation: 'list' }))).toBe(false);
  });

  it('turns "lease not found" into LeaseNotFoundError when the call named a lease', () => {
    const err = new EtcdLeaseInvalidError('5 NOT_FOUND: etcdserver: requested lease not found');
    expect(isLeaseNotFound(classify(err, { operation: 'txn', leaseId: '42' }))).toBe(true);
  });

  it('returns faults of the request unchanged, not retriable', () => {
    const err = new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: duplicate key given in txn request');
    expect(classify(err, { operation: 'txn' })).toBe(err);
    expect(isRetriable(err)).toBe(false);
  });
});

describe('isEtcdInvalidTokenError (issue 17)', () => {
  it.each([
    ['a watch refused for a token etcd forgot', new EtcdInvalidAuthTokenError('Watcher canceled: rpc error: code = Unauthenticated desc = etcdserver: invalid auth token'), true],
    ['gRPC UNAUTHENTICATED', new GRPCUnauthenticatedError('16 UNAUTHENTICATED'), true],
    ['a permission the role lacks', new EtcdPermissionDeniedError('etcdserver: permission denied'), false],
    ['a dropped connection', new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'), false],
    ['text alone', new Error('etcdserver: invalid auth token'), false],
  ])('%s: %s', (_case, err, want) => {
    expect(isEtcdInvalidTokenError(err)).toBe(want);
  });
});
