import { GroupQueue } from './group-queue';

interface Call {
  readonly workerId: string;
  readonly name: string;
}

/** A GroupQueue whose groups stay running until finish(i) is called; records each group's names. */
function harness(maxGroup: number, maxConcurrent: number) {
  const groups: string[][] = [];
  const finishers: Array<() => void> = [];
  const queue = new GroupQueue<Call>((group) => {
    groups.push(group.map((c) => c.name));
    return new Promise<void>((resolve) => finishers.push(resolve));
  }, { maxGroup, maxConcurrent });
  const finish = async (i: number): Promise<void> => {
    finishers[i]?.();
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { queue, groups, finish };
}

const call = (workerId: string, name: string): Call => ({ workerId, name });

describe('GroupQueue', () => {
  it('starts a group at once and gathers what arrives meanwhile into the next', async () => {
    const { queue, groups, finish } = harness(10, 1);
    queue.push(call('w-1', 'a'));
    queue.push(call('w-2', 'b'));
    queue.push(call('w-1', 'c'));
    expect(groups).toEqual([['a']]);
    await finish(0);
    expect(groups).toEqual([['a'], ['b', 'c']]);
  });

  it('never runs two groups on the same worker at once, keeping each worker\'s order', async () => {
    const { queue, groups, finish } = harness(10, 2);
    queue.push(call('w-1', 'a1'));
    queue.push(call('w-1', 'a2'));
    queue.push(call('w-2', 'b1'));
    queue.push(call('w-1', 'a3'));
    expect(groups).toEqual([['a1'], ['b1']]);
    queue.push(call('w-1', 'a4'));
    queue.push(call('w-3', 'c1'));
    expect(groups).toHaveLength(2);
    await finish(1);
    expect(groups).toEqual([['a1'], ['b1'], ['c1']]);
    await finish(0);
    expect(groups).toEqual([['a1'], ['b1'], ['c1'], ['a2', 'a3', 'a4']]);
  });

  it('splits at maxGroup and holds the rest of a cut-off worker back', async () => {
    const { queue, groups, finish } = harness(2, 1);
    queue.push(call('w-0', 'first'));
    ['a1', 'b1', 'a2', 'c1'].forEach((name) => queue.push(call(`w-${name[0] ?? ''}`, name)));
    await finish(0);
    expect(groups[1]).toEqual(['a1', 'b1']);
    await finish(1);
    expect(groups[2]).toEqual(['a2', 'c1']);
  });
});
