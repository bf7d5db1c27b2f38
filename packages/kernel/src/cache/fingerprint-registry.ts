/**
 * How to fingerprint values of one type (specification v1): `test` picks the
 * values, `fingerprint` turns one into plain data that determines it — its
 * schema, shape and contents — which the kernel then fingerprints like any
 * other value. Typed arrays in that data are digested natively, buffer by
 * buffer, so return column buffers as they are rather than copying them into
 * arrays.
 *
 * Two values the node could tell apart must give different data; the same
 * value must always give the same data. Include everything a reader of the
 * value can observe (types, names, lengths, null masks), not just the numbers.
 *
 * @example
 * registerFingerprint({
 *   id: "my-lib/point",
 *   test: (v): v is Point => v instanceof Point,
 *   fingerprint: (p) => [p.x, p.y],
 * });
 */
export interface Fingerprinter<T = unknown> {
  /**
   * A stable name of the type, e.g. `"apache-arrow/table"`. It is part of every
   * fingerprint this fingerprinter makes, so two types whose data happen to
   * look alike never fingerprint alike. Registering again under the same id
   * replaces the earlier one.
   */
  readonly id: string;
  /** Whether this fingerprinter handles the value. Called for objects that are neither plain objects nor arrays. */
  test(value: unknown): value is T;
  /** Plain data (primitives, arrays, plain objects, Maps, Sets, Dates, typed arrays, other fingerprinted values) that determines the value. */
  fingerprint(value: T): unknown;
}

interface Registry {
  readonly byId: Map<string, Fingerprinter>;
  list: Fingerprinter[];
}

// One registry per realm, shared by every copy of the kernel that is loaded (as the codec registry).
const REGISTRY_KEY = Symbol.for("hamilton-ts.fingerprint-registry");
const holder = globalThis as Record<symbol, unknown>;
const registry: Registry = (holder[REGISTRY_KEY] as Registry | undefined) ??
  (holder[REGISTRY_KEY] = { byId: new Map(), list: [] } as Registry) as Registry;

/**
 * Teach the cache to fingerprint values of a type it does not know (class
 * instances). Without one, such a value is unhashable: the node that produced
 * it and the nodes that read it are not cached in that run — never a false hit.
 * Plugins register theirs when imported (`@hamilton-ts/results-arrow`,
 * `@hamilton-ts/results-dataframe`).
 */
export function registerFingerprint<T>(fingerprinter: Fingerprinter<T>): void {
  if (typeof fingerprinter?.id !== "string" || fingerprinter.id === "") {
    throw new TypeError("registerFingerprint() needs a non-empty string id naming the type, e.g. { id: \"my-lib/point\", test, fingerprint }.");
  }
  if (typeof fingerprinter.test !== "function" || typeof fingerprinter.fingerprint !== "function") {
    throw new TypeError(`Fingerprinter "${fingerprinter.id}" needs test(value) and fingerprint(value) functions.`);
  }
  registry.byId.set(fingerprinter.id, fingerprinter as Fingerprinter);
  registry.list = [...registry.byId.values()];
}

/** Every registered fingerprinter, in registration order. */
export function listFingerprinters(): readonly Fingerprinter[] {
  return registry.list;
}
