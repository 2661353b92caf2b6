// Writes of workers and instances for tests and the demo (the API is the only writer of
// PREFIX/instances/ and PREFIX/workers/, ADR-001). Every instance write updates the allocation of the
// worker it leaves and the worker it joins in the same transaction, comparing the instance's and the
// allocations' mod revisions, and retries on a conflicting change. A malformed instance value keeps
// holding with its last good value (contract §1). Values are written as given, valid or not.
import { decode, instanceKey, instancesPrefix, workerKey } from '../../pkg/objects';
import type { InstancePhase } from '../../pkg/objects';
import type { Compare, KeyValue, Store, TxnOp } from '../../pkg/store';
import type { Allocation, Holding } from './allocation';
import { EMPTY_ALLOCATION, adjust, decodeAllocation, decodeHolding, devKeys, encode, holdingOf } from './allocation';
import { instanceDocument } from './instance-document';

/** A worker's allocation with the ids of its holders (sorted). */
export interface AllocationView extends Allocation {
  readonly holders: readonly string[];
}

const MAX_ROUNDS = 50;

export class DevObjects {
  constructor(private readonly store: Store, private readonly prefix: string, private readonly root: string) {}

  /** Writes a worker document (object or raw text) at PREFIX/workers/{id}; id defaults to doc.id. Resolves with the revision. */
  async putWorker(doc: unknown, id = idOf(doc)): Promise<number> {
    const result = await this.store.txn([], [{ type: 'put', key: workerKey(this.prefix, id), value: textOf(doc) }]);
    return result.revision;
  }

  async deleteWorker(id: string): Promise<number> {
    return (await this.store.txn([], [{ type: 'delete', key: workerKey(this.prefix, id) }])).revision;
  }

  /** Writes an instance document (object or raw text); id defaults to doc.id. Resolves with the revision. */
  putInstance(doc: unknown, id = idOf(doc)): Promise<number> {
    return this.writeInstance(id, () => textOf(doc));
  }

  deleteInstance(id: string): Promise<number> {
    return this.writeInstance(id, () => undefined);
  }

  /** Moves an instance to phase (and workerId when given; null clears it), as the API would. */
  setPhase(id: string, phase: InstancePhase, workerId?: string | null): Promise<number> {
    return this.writeInstance(id, (old) => {
      if (old === undefined) throw new Error(`instance ${id} not found`);
      return instanceDocument(old.value, { phase, workerId });
    });
  }

  /** What the worker holds now: count, summed thousandths, and which instances. */
  async allocation(workerId: string): Promise<AllocationView> {
    const [kv, holdings] = await Promise.all([
      this.store.get(devKeys.allocation(this.root, workerId)),
      this.store.list(devKeys.holdings(this.root)),
    ]);
    const prefix = devKeys.holdings(this.root);
    const holders = holdings.kvs.filter((h) => decodeHolding(h.value)?.workerId === workerId).map((h) => h.key.slice(prefix.length));
    return { ...decodeAllocation(kv?.value), holders };
  }

  /**
   * Recomputes every holding and allocation from the instances in etcd (for a start over existing
   * data, or after instances were written around this API). A malformed instance keeps its last
   * holding. Run while no calls are in flight.
   */
  async rebuildAllocations(): Promise<void> {
    const [instances, holdings, allocations] = await Promise.all([
      this.store.list(instancesPrefix(this.prefix)),
      this.store.list(devKeys.holdings(this.root)),
      this.store.list(devKeys.allocations(this.root)),
    ]);
    const previous = new Map(holdings.kvs.map((kv) => [kv.key, kv.value]));
    const next = new Map<string, Holding>();
    for (const kv of instances.kvs) {
      const decoded = decode(this.prefix, kv.key, kv.value);
      const id = decoded.type === 'instance' ? decoded.instance.id : decoded.type === 'malformed' ? decoded.id : undefined;
      if (id === undefined) continue;
      const key = devKeys.holding(this.root, id);
      const holding = decoded.type === 'instance' ? holdingOf(decoded.instance) : decodeHolding(previous.get(key));
      if (holding !== undefined) next.set(key, holding);
    }
    const byWorker = new Map<string, Allocation>();
    for (const holding of next.values()) {
      const key = devKeys.allocation(this.root, holding.workerId);
      byWorker.set(key, adjust(byWorker.get(key) ?? EMPTY_ALLOCATION, holding.amounts, 1));
    }
    const ops: TxnOp[] = [
      ...[...next].map(([key, holding]): TxnOp => ({ type: 'put', key, value: encode(holding) })),
      ...[...byWorker].map(([key, allocation]): TxnOp => ({ type: 'put', key, value: encode(allocation) })),
      ...[...previous.keys()].filter((key) => !next.has(key)).map((key): TxnOp => ({ type: 'delete', key })),
      ...allocations.kvs.filter((kv) => !byWorker.has(kv.key)).map((kv): TxnOp => ({ type: 'delete', key: kv.key })),
    ];
    for (let i = 0; i < ops.length; i += 100) await this.store.txn([], ops.slice(i, i + 100));
  }

  /** Puts (or deletes, when next gives undefined) the instance and moves its holding, atomically. */
  private async writeInstance(id: string, next: (old: KeyValue | undefined) => string | undefined): Promise<number> {
    const key = instanceKey(this.prefix, id);
    const holdingKey = devKeys.holding(this.root, id);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const [old, holdingKv] = (await this.store.txn([], [{ type: 'get', key }, { type: 'get', key: holdingKey }])).results;
      const value = next(old);
      const before = decodeHolding(holdingKv?.value);
      const after = value === undefined ? undefined : this.holdingOfValue(key, value, before);
      const workerIds = [...new Set([before?.workerId, after?.workerId].filter((w): w is string => w !== undefined))];
      const allocationKeys = workerIds.map((w) => devKeys.allocation(this.root, w));
      const read = allocationKeys.length === 0 ? [] : (await this.store.txn([], allocationKeys.map((k): TxnOp => ({ type: 'get', key: k })))).results;
      const compares: Compare[] = [
        { key, target: 'modRevision', op: '=', value: old?.modRevision ?? 0 },
        { key: holdingKey, target: 'modRevision', op: '=', value: holdingKv?.modRevision ?? 0 },
      ];
      const writes: TxnOp[] = [
        value === undefined ? { type: 'delete', key } : { type: 'put', key, value },
        after === undefined ? { type: 'delete', key: holdingKey } : { type: 'put', key: holdingKey, value: encode(after) },
      ];
      workerIds.forEach((workerId, i) => {
        const kv = read[i];
        let allocation = decodeAllocation(kv?.value);
        if (before?.workerId === workerId) allocation = adjust(allocation, before.amounts, -1);
        if (after?.workerId === workerId) allocation = adjust(allocation, after.amounts, 1);
        const allocationKey = devKeys.allocation(this.root, workerId);
        compares.push({ key: allocationKey, target: 'modRevision', op: '=', value: kv?.modRevision ?? 0 });
        writes.push({ type: 'put', key: allocationKey, value: encode(allocation) });
      });
      const result = await this.store.txn(compares, writes);
      if (result.succeeded) return result.revision;
    }
    throw new Error(`instance ${id}: the write kept conflicting with other writes`);
  }

  /** A malformed new value keeps holding with the last good value (contract §1). */
  private holdingOfValue(key: string, value: string, before: Holding | undefined): Holding | undefined {
    const decoded = decode(this.prefix, key, Buffer.from(value, 'utf8'));
    if (decoded.type === 'instance') return holdingOf(decoded.instance);
    return before;
  }
}

function textOf(doc: unknown): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc);
}

function idOf(doc: unknown): string {
  const parsed: unknown = typeof doc === 'string' ? safeParse(doc) : doc;
  if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') return parsed.id;
  throw new TypeError('the document has no string id: pass the id');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
