/**
 * A codec carries values of one type across a thread, process or machine
 * boundary (specification v1). `encode` returns structured-cloneable data (and
 * optionally ArrayBuffers that may be transferred rather than copied).
 *
 * `test` is asked only about objects that are not plain data (plain objects,
 * arrays, Maps, Sets, typed arrays, Dates and other values structured clone
 * carries as they are): a codec is for a class.
 *
 * @example
 * registerCodec({
 *   id: "my-lib/point", module: "my-lib",
 *   test: (v): v is Point => v instanceof Point,
 *   encode: (p) => ({ data: [p.x, p.y] }),
 *   decode: (d) => new Point(...(d as [number, number])),
 * });
 */
export interface Codec<T = unknown> {
  /** Unique, stable id, e.g. `"apache-arrow/table"`. */
  readonly id: string;
  /**
   * Module specifier whose import registers this codec. A worker that meets
   * this codec's id imports it, if the module is on its allow-list (the modules
   * of codecs registered where the run started, plus those the user names).
   */
  readonly module?: string;
  test(value: unknown): value is T;
  encode(value: T): EncodedValue;
  decode(data: unknown): T;
}

/** What a codec's `encode` returns. */
export interface EncodedValue {
  readonly data: unknown;
  /** Buffers inside `data` that may be transferred instead of copied. */
  readonly transfer?: readonly ArrayBuffer[];
}

interface Registry {
  readonly codecs: Map<string, Codec>;
  list: Codec[];
}

// One registry per realm, shared by every copy of the kernel that is loaded.
const REGISTRY_KEY = Symbol.for("hamilton-ts.codec-registry");
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = { codecs: new Map(), list: [] } as Registry) as Registry;

/** Register (or replace) a codec. Plugins call this when imported. */
export function registerCodec<T>(codec: Codec<T>): void {
  registry.codecs.set(codec.id, codec as Codec);
  registry.list = [...registry.codecs.values()];
}

/** Look up a registered codec by id. */
export function getCodec(id: string): Codec | undefined {
  return registry.codecs.get(id);
}

/** Every registered codec, in registration order. */
export function listCodecs(): readonly Codec[] {
  return registry.list;
}

/** The modules of every registered codec: what this realm may import without being told. */
export function registeredCodecModules(): Set<string> {
  const out = new Set<string>();
  for (const c of registry.list) if (c.module) out.add(c.module);
  return out;
}
