import fc from 'fast-check';
import type { HeapNode } from './heap';
import { IndexedHeap } from './heap';

interface Item extends HeapNode {
  readonly key: string;
  rank: number;
}

interface Ranked {
  readonly key: string;
  readonly rank: number;
}

const byRankThenKey = (a: Ranked, b: Ranked): boolean => a.rank < b.rank || (a.rank === b.rank && a.key < b.key);

type Op =
  | { readonly op: 'push'; readonly key: string; readonly rank: number }
  | { readonly op: 'pop' }
  | { readonly op: 'remove'; readonly key: string }
  | { readonly op: 'rerank'; readonly key: string; readonly rank: number };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const rank = fc.integer({ min: 0, max: 5 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('push' as const), key, rank }),
  fc.record({ op: fc.constant('pop' as const) }),
  fc.record({ op: fc.constant('remove' as const), key }),
  fc.record({ op: fc.constant('rerank' as const), key, rank }),
);

function smallest(items: Iterable<Ranked>): string | undefined {
  let best: Ranked | undefined;
  for (const item of items) if (best === undefined || byRankThenKey(item, best)) best = { key: item.key, rank: item.rank };
  return best?.key;
}

describe('IndexedHeap', () => {
  it('agrees with a model under any mix of push, pop, remove and re-rank, and keeps heapIndex true', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const heap = new IndexedHeap<Item>(byRankThenKey);
        const inHeap = new Map<string, Item>();
        for (const o of ops) {
          const known = o.op === 'pop' ? undefined : inHeap.get(o.key);
          switch (o.op) {
            case 'push':
              if (known !== undefined) break;
              inHeap.set(o.key, { key: o.key, rank: o.rank, heapIndex: -1 });
              heap.push(inHeap.get(o.key) as Item);
              break;
            case 'pop': {
              const want = smallest(inHeap.values());
              const got = heap.pop();
              expect([got?.key, got?.heapIndex]).toEqual([want, want === undefined ? undefined : -1]);
              if (want !== undefined) inHeap.delete(want);
              break;
            }
            case 'remove':
              if (known === undefined) break;
              heap.remove(known);
              heap.remove(known); // a second remove leaves the heap alone
              expect(known.heapIndex).toBe(-1);
              inHeap.delete(o.key);
              break;
            case 'rerank':
              if (known === undefined) break;
              known.rank = o.rank;
              heap.fix(known);
              break;
          }
          expect(heap.size).toBe(inHeap.size);
          expect(heap.peek()?.key).toBe(smallest(inHeap.values()));
          expect([...inHeap.values()].every((item) => item.heapIndex >= 0 && item.heapIndex < heap.size)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('empties and marks every node out on clear', () => {
    const heap = new IndexedHeap<Item>(byRankThenKey);
    const item: Item = { key: 'a', rank: 1, heapIndex: -1 };
    heap.push(item);
    heap.clear();
    expect([heap.size, heap.pop(), item.heapIndex]).toEqual([0, undefined, -1]);
  });
});
