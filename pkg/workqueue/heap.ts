// A binary min-heap whose nodes carry their own position (heapIndex), so the owner, which finds its
// nodes by key in its own map, can fix or remove one in O(log n). The heap keeps no map of its own:
// a hot key popped and pushed again must cost no Map delete and set (V8 keeps the deleted entries in
// the hash chain until a rehash, and every miss on that chain walks them: at 100,000 keys that made
// a churn 100 times slower). The ready queue and the waiting set both sit on it. Not exported from
// the package.

export interface HeapNode {
  /** Owned by the heap: the node's place in it, -1 when out. */
  heapIndex: number;
}

export class IndexedHeap<T extends HeapNode> {
  private readonly nodes: T[] = [];

  /** less(a, b) must be a strict weak order; nodes it calls equal come out in no promised order. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.nodes.length;
  }

  peek(): T | undefined {
    return this.nodes[0];
  }

  /** Adds a node that is not in the heap (heapIndex -1). */
  push(node: T): void {
    this.nodes.push(node);
    this.up(this.nodes.length - 1);
  }

  pop(): T | undefined {
    const top = this.nodes[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Takes node out; a node not in the heap is left alone. */
  remove(node: T): void {
    if (node.heapIndex >= 0) this.removeAt(node.heapIndex);
  }

  /** Restores the order after what less() reads for node has changed. */
  fix(node: T): void {
    if (node.heapIndex >= 0 && !this.up(node.heapIndex)) this.down(node.heapIndex);
  }

  clear(): void {
    for (const node of this.nodes) node.heapIndex = -1;
    this.nodes.length = 0;
  }

  private removeAt(at: number): void {
    const node = this.at(at);
    const last = this.nodes.pop();
    node.heapIndex = -1;
    if (last !== undefined && last !== node) {
      this.place(last, at);
      this.fix(last);
    }
  }

  /** Moves the node at `at` towards the root; says whether it moved. */
  private up(at: number): boolean {
    const node = this.at(at);
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = this.at(parent);
      if (!this.less(node, above)) break;
      this.place(above, i);
      i = parent;
    }
    this.place(node, i);
    return i !== at;
  }

  private down(at: number): void {
    const node = this.at(at);
    const n = this.nodes.length;
    let i = at;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(this.at(right), this.at(left)) ? right : left;
      const below = this.at(child);
      if (!this.less(below, node)) break;
      this.place(below, i);
      i = child;
    }
    this.place(node, i);
  }

  private place(node: T, at: number): void {
    this.nodes[at] = node;
    node.heapIndex = at;
  }

  private at(i: number): T {
    const node = this.nodes[i];
    if (node === undefined) throw new RangeError(`IndexedHeap: no node at ${i}`);
    return node;
  }
}
