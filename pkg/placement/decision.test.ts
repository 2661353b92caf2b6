import { compareIds, noFitMessage, orderedReasons } from './decision';

describe('noFitMessage', () => {
  it.each<[string, number, Record<string, number>, string]>([
    ['the contract example', 12, { LicenseMismatch: 5, InsufficientMemory: 7 }, '0/12 workers fit: 7 InsufficientMemory, 5 LicenseMismatch'],
    ['equal counts go by reason ascending', 4, { LicenseMismatch: 2, InsufficientCpu: 2 }, '0/4 workers fit: 2 InsufficientCpu, 2 LicenseMismatch'],
    ['one reason', 1, { WorkerDraining: 1 }, '0/1 workers fit: 1 WorkerDraining'],
    ['no workers', 0, {}, '0/0 workers fit'],
    ['zero counts are left out', 3, { RejectedByApi: 3, InsufficientCpu: 0 }, '0/3 workers fit: 3 RejectedByApi'],
  ])('%s', (_name, n, counts, message) => {
    expect(noFitMessage(n, counts)).toBe(message);
  });
});

describe('orderedReasons', () => {
  it('keys the counts in message order for stable JSON', () => {
    const ordered = orderedReasons({ LicenseMismatch: 5, InsufficientMemory: 7, InsufficientCpu: 5 });
    expect(JSON.stringify(ordered)).toBe('{"InsufficientMemory":7,"InsufficientCpu":5,"LicenseMismatch":5}');
  });
});

describe('compareIds', () => {
  it.each<[string, string, string, number]>([
    ['digits by byte, not by number', 'w-10', 'w-9', -1],
    ['upper case before lower case', 'W-a', 'w-a', -1],
    ['a prefix first', 'w-1', 'w-1a', -1],
    ['equal', 'w-1', 'w-1', 0],
  ])('%s', (_name, a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
    expect(Math.sign(compareIds(b, a))).toBe(sign === 0 ? 0 : -sign);
  });
});
