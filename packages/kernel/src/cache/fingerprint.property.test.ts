// Properties of data versions over random values: equal values (deep copies,
// object keys in another order) fingerprint equal; any single edit of a value
// or of its structure changes the fingerprint.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fingerprint, isUnhashable } from "./fingerprint.js";

const values = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

type Rand = () => number;

function shuffled<T>(items: T[], rand: Rand): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A deep copy that keeps prototypes, holes and typed array bytes, and inserts object keys in a random order. */
function copy(v: unknown, rand: Rand): unknown {
  if (v === null || typeof v !== "object") return v;
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [copy(k, rand), copy(x, rand)]));
  if (v instanceof Set) return new Set([...v].map((x) => copy(x, rand)));
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (const k of shuffled(Object.keys(v), rand)) out[k as never] = copy(v[k as never], rand);
    return out;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) return Object(structuredClone((v as { valueOf(): unknown }).valueOf())) as unknown;
  const out = Object.create(proto) as Record<string, unknown>;
  for (const k of shuffled(Object.keys(v), rand)) {
    Object.defineProperty(out, k, { value: copy((v as Record<string, unknown>)[k], rand), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A primitive that is certainly not `old` (another type or another value). */
function otherLeaf(old: unknown, pick: number): unknown {
  const fresh = [0, -0, 1, "", "x", null, undefined, true, false, 1n, NaN].filter((c) => !Object.is(c, old));
  return fresh[pick % fresh.length];
}

/** A name not yet used in `taken`. */
function freshName(taken: (name: string) => boolean): string {
  let name = "edit";
  while (taken(name)) name += "+";
  return name;
}

/**
 * Apply one edit somewhere in `v` (in place, on a copy the caller owns): change
 * a leaf, add or remove an element or key, or change a typed array's byte.
 * Returns false when `v` offers no place to edit.
 */
function edit(v: unknown, choice: number[]): boolean {
  const places: Array<() => void> = [];
  const seen = new Set<unknown>();
  const walk = (x: unknown, set: (nv: unknown) => void) => {
    if (x === null || typeof x !== "object") {
      places.push(() => set(otherLeaf(x, choice[1] ?? 0)));
      return;
    }
    if (seen.has(x)) return;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      if (bytes.length > 0) places.push(() => (bytes[(choice[1] ?? 0) % bytes.length] ^= 0x10));
      places.push(() => set(new Uint8Array(bytes.length + 1)));
      return;
    }
    if (x instanceof Date) {
      places.push(() => x.setTime(Number.isNaN(x.getTime()) ? 0 : x.getTime() + 1));
      return;
    }
    if (x instanceof Map) {
      places.push(() => x.set(freshName((n) => x.has(n)), 1));
      for (const [k, item] of x) walk(item, (nv) => x.set(k, nv));
      return;
    }
    if (x instanceof Set) {
      places.push(() => x.add(freshName((n) => x.has(n))));
      return;
    }
    if (Array.isArray(x)) {
      places.push(() => x.push(0));
      if (x.length > 0) places.push(() => x.pop());
      for (let i = 0; i < x.length; i++) if (i in x) walk(x[i], (nv) => (x[i] = nv));
      return;
    }
    const proto = Object.getPrototypeOf(x) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      places.push(() => set(otherLeaf(undefined, choice[1] ?? 0)));
      return;
    }
    const o = x as Record<string, unknown>;
    places.push(() => Object.defineProperty(o, freshName((n) => Object.prototype.hasOwnProperty.call(o, n)), { value: 1, enumerable: true, configurable: true, writable: true }));
    for (const k of Object.keys(o)) {
      places.push(() => delete o[k]);
      walk(o[k], (nv) => Object.defineProperty(o, k, { value: nv, enumerable: true, configurable: true, writable: true }));
    }
  };
  let root = v;
  walk(v, (nv) => (root = nv));
  if (places.length === 0 || root !== v) return false;
  places[(choice[0] ?? 0) % places.length]!();
  return root === v;
}

describe("fingerprint properties (fast-check)", () => {
  test("deep copies with object keys in another order fingerprint equal", async () => {
    await fc.assert(
      fc.asyncProperty(values, fc.integer(), async (v, seed) => {
        let s = seed >>> 0 || 1;
        const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const a = await fingerprint(v);
        const b = await fingerprint(copy(v, rand));
        expect(isUnhashable(a)).toBe(false);
        expect(b).toBe(a);
      }),
      { numRuns: 300 },
    );
  });

  test("any single edit of a value or its structure changes the fingerprint", async () => {
    await fc.assert(
      fc.asyncProperty(values, fc.array(fc.nat(), { minLength: 2, maxLength: 2 }), async (v, choice) => {
        const edited = copy(v, Math.random);
        const before = await fingerprint(edited);
        // edit a copy in place; a root that is a primitive is edited by replacing it
        const changed = edit(edited, choice) ? edited : otherLeaf(v, choice[1]!);
        fc.pre(!(typeof v !== "object" && Object.is(changed, v)));
        expect(await fingerprint(changed)).not.toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});
