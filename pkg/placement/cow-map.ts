// A string-keyed map that forks in time proportional to its number of buckets, not of entries:
// entries live in buckets (plain Maps, by a hash of the key, about 8 to 16 entries each), and a
// fork shares every bucket with its parent. Each side copies a bucket on its first write to it
// after the fork, so neither ever sees the other's later writes, and a fork that writes to a
// thousand keys copies about ten thousand entries, not all of them. A side writes in place only to
// buckets stamped with its current epoch; a fork gives both sides new epochs, so the parent keeps
// no reference to the fork and a discarded fork needs no cleanup. Values are shared, not copied:
// store immutable ones.

/** Buckets of a new map; a power of two. */
const MIN_BUCKETS = 16;
/** Entries per bucket past which the buckets double (and every entry is rehashed once). */
const MAX_LOAD = 16;

/** Epochs for every map in the process: a new one never matches a stamp already given. */
let lastEpoch = 0;

export class CowMap<V> {
  private buckets: (Map<string, V> | undefined)[];
  /** Per bucket, the epoch of the side that may write to it in place. */
  private owners: Float64Array;
  private mask: number;
  private epoch = ++lastEpoch;
  private count: number;

  constructor(from?: { readonly buckets: readonly (Map<string, V> | undefined)[]; readonly count: number }) {
    this.buckets = from === undefined ? new Array<Map<string, V> | undefined>(MIN_BUCKETS).fill(undefined) : from.buckets.slice();
    this.owners = new Float64Array(this.buckets.length);
    this.mask = this.buckets.length - 1;
    this.count = from?.count ?? 0;
  }

  get size(): number {
    return this.count;
  }

  // Each method takes the key's hashKey() when the caller has it (a snapshot looks one instance id
  // up in several maps per change), else computes it.

  get(key: string, h = hashKey(key)): V | undefined {
    return this.buckets[h & this.mask]?.get(key);
  }

  has(key: string, h = hashKey(key)): boolean {
    return this.buckets[h & this.mask]?.has(key) ?? false;
  }

  set(key: string, value: V, h = hashKey(key)): void {
    const bucket = this.writable(h & this.mask);
    const before = bucket.size;
    bucket.set(key, value);
    if (bucket.size === before) return;
    if (++this.count > MAX_LOAD * this.buckets.length) this.grow();
  }

  /** Removes key; true when it was there. */
  delete(key: string, h = hashKey(key)): boolean {
    const b = h & this.mask;
    if (this.buckets[b]?.has(key) !== true) return false;
    this.writable(b).delete(key);
    this.count--;
    return true;
  }

  /** A map equal to this one; later writes to either do not show in the other. */
  fork(): CowMap<V> {
    const child = new CowMap<V>({ buckets: this.buckets, count: this.count });
    this.epoch = ++lastEpoch; // every bucket is shared now: this side copies before its next write too
    return child;
  }

  private writable(b: number): Map<string, V> {
    const shared = this.buckets[b];
    if (shared !== undefined && this.owners[b] === this.epoch) return shared;
    const own = new Map(shared);
    this.buckets[b] = own;
    this.owners[b] = this.epoch;
    return own;
  }

  /** Twice the buckets, every entry rehashed into new ones of this side. */
  private grow(): void {
    const size = 2 * this.buckets.length;
    const buckets = new Array<Map<string, V> | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (const bucket of this.buckets) {
      for (const [key, value] of bucket ?? []) {
        const b = hashKey(key) & mask;
        (buckets[b] ??= new Map()).set(key, value);
      }
    }
    this.buckets = buckets;
    this.owners = new Float64Array(size).fill(this.epoch);
    this.mask = mask;
  }
}

/** FNV-1a over the UTF-16 code units, its high bits folded in: a CowMap's hash of a key. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 16);
}
