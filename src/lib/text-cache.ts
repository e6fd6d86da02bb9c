/**
 * A cache keyed by source text, bounded by entry count and by the total length of its keys (scripts
 * and templates can be large, and a Worker isolate has 128 MB in all). Oldest entries go first;
 * texts longer than `maxKeyLength` are not cached at all.
 */
export class TextCache<V> {
  private readonly entries = new Map<string, V>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
    private readonly maxKeyLength: number,
  ) {}

  /** The cached value for `key`, or `make()`'s result, remembered when the key is small enough. */
  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (key.length > this.maxKeyLength) return value;
    this.entries.set(key, value);
    this.chars += key.length;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
    return value;
  }
}
