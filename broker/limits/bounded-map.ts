/**
 * A Map that holds at most `maxEntries`: setting a new key when full evicts the least recently set one. The
 * limit tables key on values an attacker chooses (usernames, IPv6 prefixes), so each is bounded; the bound
 * is the broker's memory guarantee under a storm of distinct keys.
 */
export class BoundedMap<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  #evicted = 0;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.#max = maxEntries;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** Sets and marks `key` most recent. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
      this.#evicted += 1;
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }

  /** Entries pushed out by the bound since creation. */
  get evicted(): number {
    return this.#evicted;
  }
}
