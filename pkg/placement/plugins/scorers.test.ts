import fc from 'fast-check';
import type { Capacity, Resources } from '../../objects';
import { binPackingScore, meanPercentFloor } from './bin-packing';
import { RESOURCE_STRIDE, writeResources } from '../worker-table';
import { loadBalanceScore } from './load-balance';
import { localityScore } from './locality';
import { newestVersionScores } from './newest-cml-version';
import { aWorker } from '../../objects/testing';

const used = (cpu: number, memory: number, storage: number): Resources => ({
  cpuMilli: cpu, memoryMilli: memory, storageMilli: storage, nodesMilli: 0, portsMilli: 0,
});
const NONE = used(0, 0, 0);
const cap = (cpu: number, memory: number, storage: number): Capacity => ({
  cpuMilli: cpu, memoryMilli: memory, storageMilli: storage, nodesMilli: undefined, portsMilli: undefined,
});

/** floor(100 x mean of u/c) in BigInt, c = 0 counting as 0: the plain definition. */
function reference(pairs: readonly (readonly [number, number])[]): number {
  const live = pairs.filter(([, c]) => c > 0).map(([u, c]) => [BigInt(u), BigInt(c)] as const);
  if (live.length === 0) return 0;
  const den = live.reduce((p, [, c]) => p * c, 1n);
  const num = live.reduce((sum, [u, c]) => sum + (u * den) / c, 0n);
  return Math.min(100, Number((100n * num) / (3n * den)));
}

describe('BinPacking', () => {
  it.each<[string, Resources, Resources, Capacity, number]>([
    ['an empty worker asked for half of everything', NONE, used(24000, 96000, 128000), cap(48000, 192000, 256000), 50],
    ['three 30% ratios score 30, not 29', used(3000, 3000, 3000), NONE, cap(10000, 10000, 10000), 30],
    ['thirds floor to 33', used(16000, 64000, 0), used(0, 0, 85333), cap(48000, 192000, 256000), 33],
    ['a full worker scores 100', used(46000, 188000, 241000), used(2000, 4000, 15000), cap(48000, 192000, 256000), 100],
    ['a zero-capacity dimension counts as 0', used(0, 10000, 10000), NONE, cap(0, 10000, 10000), 66],
    ['halves and nothing: 33.33 floors to 33', used(5000, 5000, 0), NONE, cap(10000, 10000, 10000), 33],
    ['0.5, 0.25 and 0.75 average to 50', used(500, 250, 750), NONE, cap(1000, 1000, 1000), 50],
    ['allocation and request add up', used(12000, 0, 0), used(12000, 0, 0), cap(48000, 192000, 256000), 16],
    ['0.105, 0.205 and 0.32 average to exactly 21 (remainders make a whole)', used(105, 205, 320), NONE, cap(1000, 1000, 1000), 21],
    // x/p + y/q = 1 - 1/(pq) with primes p, q near 1e9: floats add the remainders to exactly 1.
    ['remainders 1e-18 short of a whole do not round up', used(158749990, 211249985, 2), NONE, cap(999999937, 999999929, 100), 12],
  ])('%s', (_name, allocated, requested, capacity, score) => {
    const allocatedColumns = new Float64Array(2 * RESOURCE_STRIDE).fill(1);
    const capacityColumns = new Float64Array(2 * RESOURCE_STRIDE).fill(1);
    writeResources(allocatedColumns, 1, allocated);
    writeResources(capacityColumns, 1, capacity);
    expect(binPackingScore(requested, allocatedColumns, capacityColumns, 1)).toBe(score);
  });

  it('equals the BigInt definition on random and near-whole figures (seeded)', () => {
    const capacity = fc.integer({ min: 0, max: 1_000_000_000_000 });
    const pair = capacity.chain((c) => fc.tuple(fc.integer({ min: 0, max: Math.max(0, c) }), fc.constant(c)));
    // Ratios of small fractions (thirds, sixths, sevenths) whose sum lands on or next to a whole number.
    const fraction = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 100_000 })).chain(([den, scale]) =>
      fc.integer({ min: 0, max: den }).map((num) => [num * scale, den * scale] as const),
    );
    const anyPair = fc.oneof(pair, fraction);
    fc.assert(
      fc.property(anyPair, anyPair, anyPair, (a, b, c) => {
        expect(meanPercentFloor(a[0], a[1], b[0], b[1], c[0], c[1])).toBe(reference([a, b, c]));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('Locality', () => {
  it.each<[string, string | undefined, string | undefined, number]>([
    ['same region', 'us-east-1', 'us-east-1', 100],
    ['another region', 'us-east-1', 'eu-west-1', 0],
    ['no preference', undefined, 'us-east-1', 0],
    ['a worker without region', 'us-east-1', undefined, 0],
    ['neither has a region', undefined, undefined, 0],
  ])('%s', (_name, preferred, region, score) => {
    expect(localityScore(preferred, region)).toBe(score);
  });
});

describe('LoadBalance', () => {
  it.each<[string, number, number, number]>([
    ['no feasible worker holds anything', 0, 0, 100],
    ['the emptiest of busy workers', 0, 3, 100],
    ['one of three floors 66.67 to 66', 1, 3, 66],
    ['two of three floors 33.33 to 33', 2, 3, 33],
    ['the busiest scores 0', 3, 3, 0],
    ['seven of ten is exactly 30', 7, 10, 30],
  ])('%s', (_name, holders, maxHolders, score) => {
    expect(loadBalanceScore(holders, maxHolders)).toBe(score);
  });
});

describe('NewestCmlVersion', () => {
  const v = (raw: string) => aWorker().withCmlVersion(raw).build().cmlVersion!;
  it.each<[string, string[], Record<string, number>]>([
    ['one version is the newest', ['2.9.1', '2.9.1'], { '2.9.1': 100 }],
    ['2.10 is newer than 2.9', ['2.9.1', '2.10.0'], { '2.10.0': 100, '2.9.1': 50 }],
    ['three versions step down by thirds', ['2.7.0', '3.0.0', '2.9.1'], { '3.0.0': 100, '2.9.1': 66, '2.7.0': 33 }],
    ['a prerelease is older than its release', ['3.0.0-rc.1', '3.0.0'], { '3.0.0': 100, '3.0.0-rc.1': 50 }],
  ])('%s', (_name, versions, scores) => {
    expect(Object.fromEntries(newestVersionScores(versions.map(v)))).toEqual(scores);
  });
});
