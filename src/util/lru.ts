// A small least-recently-used map: bounded caches whose memory follows concurrency, not input size.

export class Lru<K, V> {
  private readonly entries = new Map<K, V>();

  /** `onEvict` runs for an entry pushed out by a newer one (e.g. to close it). */
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (value: V, key: K) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Lru capacity ${capacity}`);
  }

  /** The value of `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key); // a Map iterates in insertion order: re-insert to mark it recent
    this.entries.set(key, value);
    return value;
  }

  /** Store `value` as the most recently used, evicting the least recently used when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.entries().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value[0]);
        this.onEvict?.(oldest.value[1], oldest.value[0]);
      }
    }
    this.entries.set(key, value);
  }

  /** The cached value of `key`, or `make()` cached. */
  getOrSet(key: K, make: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    this.set(key, value);
    return value;
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forget every entry (without onEvict). */
  clear(): void {
    this.entries.clear();
  }
}
