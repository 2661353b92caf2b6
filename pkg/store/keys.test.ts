import { compareKeys, keyAfter, prefixEnd } from './keys';

describe('prefixEnd', () => {
  it.each([
    ['an ASCII prefix: last byte plus one', Buffer.from('/lcm/'), Buffer.from('/lcm0')],
    ['trailing 0xff bytes dropped', Buffer.from([0x61, 0xff, 0xff]), Buffer.from([0x62])],
    ['all 0xff: to the end of the keyspace', Buffer.from([0xff, 0xff]), Buffer.from([0])],
    ['the empty prefix: to the end of the keyspace', Buffer.alloc(0), Buffer.from([0])],
  ])('%s', (_case, prefix, end) => {
    expect(prefixEnd(prefix)).toEqual(end);
  });

  it('leaves the prefix it was given unchanged', () => {
    const prefix = Buffer.from('/a');
    prefixEnd(prefix);
    expect(prefix.toString()).toBe('/a');
  });
});

describe('compareKeys', () => {
  it.each([
    ['a shorter key first', '/a', '/ab'],
    ['byte order, not locale order', '/B', '/a'],
    ['U+FFFD (3 UTF-8 bytes, EF ..) before an astral character (F0 ..)', '\ufffd', '\u{1F600}'],
    ['U+E000 before an astral character', '\ue000', '\u{10000}'],
  ])('sorts %s', (_case, first, second) => {
    expect(compareKeys(first, second)).toBeLessThan(0);
    expect(compareKeys(second, first)).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(first), Buffer.from(second))).toBeLessThan(0);
  });
});

describe('keyAfter', () => {
  it('gives the smallest key after the one given', () => {
    expect(keyAfter(Buffer.from('/k'))).toEqual(Buffer.from('/k\u0000'));
  });
});
