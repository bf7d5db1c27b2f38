/**
 * One cached result, as the cache engine hands it to a store and gets it back.
 * `value` is the node's value encoded through the codec registry
 * (`encodeValue`): structured-cloneable data, with Arrow Tables as IPC bytes and
 * other plugin types as their codec's data.
 */
export interface CacheEntry {
  /** The fingerprint of the value; checked again when the entry is read. */
  readonly dataVersion: string;
  /** The encoded value (see `encodeValue`). */
  readonly value: unknown;
}

/**
 * Where cached results live (specification v1). Keys are opaque strings made
 * by the engine (a hash of node name, code version and input data versions);
 * an entry is never changed once written under a key, so concurrent writers of
 * one key write the same thing, and the last complete write may win.
 *
 * - `set` takes ownership of `entry`: the engine gives it a private copy, made
 *   when the node finished, so the store may keep or serialise it later.
 * - `get` returns a fresh copy the caller may change, `undefined` when there is
 *   no entry, and rejects when an entry exists but cannot be read (corrupt,
 *   truncated): the engine reports a `store-error` and computes the node again.
 *
 * Stores are used from the driver only: workers never touch them.
 *
 * @example
 * const dr = await new Builder().withModules(pipeline).withCache({ store: new InMemoryCacheStore() }).build();
 */
export interface CacheStore {
  readonly specificationVersion: "v1";
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  has(key: string): Promise<boolean>;
  /**
   * Optional: `get` answered at once, for a store that needs no I/O (the
   * in-memory one). The engine then plans a task without a promise, which is
   * most of the cost of a cached node. Same contract as `get`, except that it
   * throws where `get` rejects.
   */
  getSync?(key: string): CacheEntry | undefined;
}

/** Options of `InMemoryCacheStore`. */
export interface InMemoryCacheStoreOptions {
  /** Keep at most this many entries, dropping the least recently used (default: no limit). */
  readonly maxEntries?: number;
}

/**
 * The default store: entries in this process's memory, lost when it exits.
 * Reads return a structured clone, so a node that changes a cached value never
 * changes the cache.
 */
export class InMemoryCacheStore implements CacheStore {
  readonly specificationVersion = "v1" as const;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly maxEntries: number;

  constructor(options: InMemoryCacheStoreOptions = {}) {
    const max = options.maxEntries ?? Infinity;
    if (!(max >= 1)) throw new RangeError(`InMemoryCacheStore: maxEntries must be at least 1, got ${String(options.maxEntries)}.`);
    this.maxEntries = max;
  }

  /** How many entries the store holds. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    return this.getSync(key);
  }

  getSync(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.maxEntries !== Infinity) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    const v = entry.value;
    return { dataVersion: entry.dataVersion, value: v === null || typeof v !== "object" ? v : structuredClone(v) };
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async has(key: string): Promise<boolean> {
    return this.entries.has(key);
  }
}
