// The multi-version keyspace behind InMemoryStore: each key keeps its versions (puts and delete
// tombstones) by revision, so a read at an older revision sees exactly what etcd would, until
// compaction drops what no kept revision can see. Writes are O(1); the key order used by ranges is
// sorted lazily, once after a run of key creations, so loading tens of thousands of keys stays fast.
import { compareKeys } from './keys';
import type { KeyValue } from './store';

/** One version of a key: its value from `revision` on, or undefined from a delete at `revision`. */
interface Version {
  readonly revision: number;
  readonly kv: KeyValue | undefined;
}

export class KeySpace {
  private readonly versions = new Map<string, Version[]>();
  private sorted: string[] | undefined = [];
  /** Set once a key holds a UTF-16 unit whose order differs from UTF-8 byte order. */
  private needsByteOrder = false;

  /** The key's latest value, or undefined when absent. */
  current(key: string): KeyValue | undefined {
    const list = this.versions.get(key);
    return list === undefined ? undefined : list[list.length - 1]?.kv;
  }

  /** The key's value as of revision (which the caller has checked is not compacted). */
  at(key: string, revision: number): KeyValue | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    const last = list[list.length - 1];
    if (last !== undefined && last.revision <= revision) return last.kv;
    // Binary search for the last version at or before revision.
    let lo = 0;
    let hi = list.length - 1;
    let found: Version | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list[mid];
      if (v === undefined) break;
      if (v.revision <= revision) {
        found = v;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found?.kv;
  }

  /** Records a put (kv) or a delete (undefined) of key at revision. */
  record(key: string, revision: number, kv: KeyValue | undefined): void {
    const list = this.versions.get(key);
    if (list !== undefined) {
      list.push({ revision, kv });
      return;
    }
    this.versions.set(key, [{ revision, kv }]);
    this.sorted = undefined;
    if (!this.needsByteOrder && /[\ud800-\uffff]/.test(key)) this.needsByteOrder = true;
  }

  /**
   * Up to limit keys under prefix, from the first key >= fromKey, as of revision; keys absent at
   * that revision are skipped. `more` says whether keys under prefix remain after the page.
   */
  page(prefix: string, fromKey: string, revision: number, limit: number): { kvs: KeyValue[]; more: boolean } {
    const keys = this.sortedKeys();
    const kvs: KeyValue[] = [];
    for (let i = this.lowerBound(keys, fromKey); i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined || !key.startsWith(prefix)) break;
      const kv = this.at(key, revision);
      if (kv === undefined) continue;
      if (kvs.length === limit) return { kvs, more: true };
      kvs.push(kv);
    }
    return { kvs, more: false };
  }

  /** Count and highest mod revision of the keys under prefix as of revision. */
  summarize(prefix: string, revision: number): { count: number; maxModRevision: number } {
    const keys = this.sortedKeys();
    let count = 0;
    let maxModRevision = 0;
    for (let i = this.lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined || !key.startsWith(prefix)) break;
      const kv = this.at(key, revision);
      if (kv === undefined) continue;
      count++;
      maxModRevision = Math.max(maxModRevision, kv.modRevision);
    }
    return { count, maxModRevision };
  }

  /** Forgets every version no read at revision or later can see. */
  compact(revision: number): void {
    for (const [key, list] of this.versions) {
      let keep = 0;
      while (keep + 1 < list.length && (list[keep + 1]?.revision ?? Infinity) <= revision) keep++;
      const first = list[keep];
      // A delete at or before the compaction point hides the key from every kept revision.
      const drop = first !== undefined && first.revision <= revision && first.kv === undefined ? keep + 1 : keep;
      if (drop === 0) continue;
      if (drop >= list.length) {
        this.versions.delete(key);
        this.sorted = undefined;
      } else {
        list.splice(0, drop);
      }
    }
  }

  private sortedKeys(): string[] {
    if (this.sorted === undefined) {
      const keys = Array.from(this.versions.keys());
      this.sorted = this.needsByteOrder ? keys.sort(compareKeys) : keys.sort();
    }
    return this.sorted;
  }

  private lowerBound(keys: readonly string[], key: string): number {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const k = keys[mid];
      if (k !== undefined && compareKeys(k, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
