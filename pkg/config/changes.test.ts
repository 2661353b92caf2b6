import { changedKeys, fromNextTerm } from './changes';
import { parseConfig } from './load';

const template = '{name: t, license: none, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}';

describe('changedKeys', () => {
  it.each([
    ['nothing', '', '', []],
    ['a comment only', '', '# tuned\n', []],
    ['a nested leaf', '', 'placement: {weights: {locality: 1}}', ['placement.weights.locality']],
    ['a key set to its default', '', 'placement: {paused: false}', []],
    ['leaves in schema order', 'logging: {level: debug}', 'reconcile: {workers: 2}', ['reconcile.workers', 'logging.level']],
    ['a list, as one leaf', '', `scaleUp: {templates: [${template}]}`, ['scaleUp.templates']],
  ])('names %s', (_situation, before, after, expected) => {
    expect(changedKeys(parseConfig(before), parseConfig(after))).toEqual(expected);
  });
});

describe('fromNextTerm', () => {
  it('picks the keys read when a term starts', () => {
    expect(fromNextTerm(['placement.paused', 'reconcile.workers', 'leaderElection.leaseTtlSeconds'])).toEqual(['reconcile.workers', 'leaderElection.leaseTtlSeconds']);
  });
});
