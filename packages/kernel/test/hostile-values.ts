// Hostile values for the codec and every transport: shared references,
// cycles, sparse arrays, -0, NaN, BigInt, Map/Set/Date/RegExp, typed arrays
// and DataViews at odd offsets, objects that carry the wire's marker key (and
// name a `data:` module that must never be imported), null-prototype objects,
// deep nesting, and functions or class instances hidden deep.
//
// Executor packages run the same values through real threads, processes and
// BullMQ: `hostileCase` gives a value and what must happen to it, and
// `expectArrivedEqual` checks what came out.
import fc from "fast-check";
import { inspect } from "node:util";
import { expect } from "vitest";
import { WIRE_KEY } from "../src/remote.js";

/** A `data:` module that, if it were ever imported, would set `globalThis[PWNED]`. */
export const PWNED = "__hamiltonTestPwned__";
export const PWNED_MODULE = `data:text/javascript,globalThis.${PWNED}=true;export default 1`;

/** Whether any hostile value made something import the `data:` module. */
export function wasPwned(): boolean {
  return (globalThis as Record<string, unknown>)[PWNED] === true;
}

/** A class with no codec: must never cross silently. */
export class Hidden {
  constructor(readonly secret = 1) {}
}

const KEYS = ["a", "b", "__proto__", "constructor", "toString", WIRE_KEY, "module", "value", "data", "0", "length"];

const odd = (max: number) => fc.integer({ min: 0, max });

/** Typed arrays and DataViews at odd offsets inside bigger buffers (as Node's pool hands them out). */
const viewArb: fc.Arbitrary<Build> = fc
  .record({ type: fc.constantFrom("u8", "i16", "f64", "dv", "big", "u8c"), before: odd(5), after: odd(5), length: odd(6), fill: fc.integer({ min: 0, max: 255 }) })
  .map(({ type, before, after, length, fill }) => () => {
    const bpe = type === "f64" || type === "big" ? 8 : type === "i16" ? 2 : 1;
    const offset = before * bpe;
    const buffer = new ArrayBuffer(offset + length * bpe + after * bpe);
    new Uint8Array(buffer).forEach((_, i, a) => (a[i] = (fill + i * 7) & 255));
    if (type === "u8") return new Uint8Array(buffer, offset, length);
    if (type === "u8c") return new Uint8ClampedArray(buffer, offset, length);
    if (type === "i16") return new Int16Array(buffer, offset, length);
    if (type === "f64") return new Float64Array(buffer, offset, length);
    if (type === "big") return new BigInt64Array(buffer, offset, length);
    return new DataView(buffer, offset, length);
  });

/** Objects that look like what the wire uses: they must arrive as data, and their module is never imported. */
const markerArb: fc.Arbitrary<Build> = fc.oneof(
  fc.constant(() => ({ [WIRE_KEY]: "apache-arrow/table", module: PWNED_MODULE, data: new Uint8Array(3) })),
  fc.constant(() => ({ [WIRE_KEY]: 1, value: { x: 1 }, codecs: [{ id: "evil/codec", module: PWNED_MODULE, data: 1 }], root: true })),
  fc.constant(() => ({ [WIRE_KEY]: 1, value: [1], puts: [{}, "__proto__"], views: [1, 2], nullProto: [{ innocent: true }] })),
  fc.constant(() => JSON.parse(`{"${WIRE_KEY}":"x","module":"${PWNED_MODULE}","data":null,"__proto__":{"polluted":true}}`) as unknown),
);

/** Builds a fresh value each time: the property mutates what it builds (links, poison), fast-check reuses what it generated. */
type Build = () => unknown;
const same = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Build> => arb.map((v) => () => v);

const leafArb: fc.Arbitrary<Build> = fc.oneof(
  same(fc.integer()),
  same(fc.double()), // -0, NaN, ±Infinity
  same(fc.constantFrom(-0, Number.NaN, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2)),
  same(fc.bigInt()),
  same(fc.string({ maxLength: 8 })),
  same(fc.boolean()),
  same(fc.constantFrom(null, undefined)),
  fc.date({ noInvalidDate: false }).map((d) => () => new Date(d.getTime())),
  fc.constantFrom("a+", "^x$", "(?<n>\\d)").chain((src) => fc.constantFrom("", "g", "imsu").map((flags) => () => new RegExp(src, flags))),
  viewArb,
  fc.constant(() => new ArrayBuffer(3)),
  fc.string({ maxLength: 4 }).map((s) => () => Buffer.from(`pooled ${s}`)), // a view into Node's 8 KiB pool
  fc.record({ message: fc.string({ maxLength: 6 }), code: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })) }).map(({ message, code }) => () =>
    Object.assign(new RangeError(message, { cause: new TypeError("inner") }), { code }),
  ),
  markerArb,
);

/** A tree of containers over hostile leaves; sharing and cycles are added after (see `hostileCase`). */
const treeArb: fc.Arbitrary<Build> = fc.letrec<{ node: Build; array: Build; object: Build; map: Build; set: Build; sparse: Build; nullProto: Build }>((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leafArb, tie("array"), tie("object"), tie("map"), tie("set"), tie("sparse"), tie("nullProto")),
  array: fc.array(tie("node"), { maxLength: 4 }).map((items) => () => items.map((b) => b())),
  object: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie("node")), { maxLength: 4 }).map((entries) => () => {
    const o: Record<string, unknown> = {};
    for (const [k, b] of entries) Object.defineProperty(o, k, { value: b(), enumerable: true, writable: true, configurable: true });
    return o;
  }),
  nullProto: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie("node")), { maxLength: 3 }).map((entries) => () => {
    const o = Object.create(null) as Record<string, unknown>;
    for (const [k, b] of entries) o[k] = b();
    return o;
  }),
  map: fc.array(fc.tuple(tie("node"), tie("node")), { maxLength: 3 }).map((entries) => () => new Map(entries.map(([k, v]) => [k(), v()]))),
  set: fc.array(tie("node"), { maxLength: 3 }).map((items) => () => new Set(items.map((b) => b()))),
  sparse: fc
    .record({ length: fc.integer({ min: 0, max: 2 ** 32 - 1 }), items: fc.array(fc.tuple(fc.nat(), tie("node")), { maxLength: 3 }) })
    .map(({ length, items }) => () => {
      const a: unknown[] = [];
      a.length = length;
      for (const [i, b] of items) if (length > 0) a[i % length] = b();
      return a;
    }),
})).node;

/** Every object in a value, in a stable order, and which of them hold others (for adding links). */
function objectsOf(root: unknown): { objects: object[]; containers: object[] } {
  const objects: object[] = [];
  const containers: object[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    objects.push(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp || v instanceof Error) continue;
    containers.push(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return { objects, containers };
}

// (an array gets an element, not a property: non-index properties of arrays are outside the contract;
// a sparse array already at the longest length an array can have gets nothing: push would throw)
function attach(holder: object, key: string, value: unknown): void {
  if (holder instanceof Map) holder.set(key, value);
  else if (holder instanceof Set) holder.add(value);
  else if (Array.isArray(holder)) {
    if (holder.length < 2 ** 32 - 1) holder.push(value);
  }
  else Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true });
}

/** What must happen to a hostile value: arrive equal, or fail with a SerializationError whose message matches. */
export interface HostileCase {
  readonly value: unknown;
  /** Set when the value cannot cross: the SerializationError's message must match. */
  readonly refused?: RegExp;
}

/** Random hostile values: trees with links added between their containers (shared references, cycles), sometimes a poison hidden deep. */
export const hostileCase: fc.Arbitrary<HostileCase> = fc
  .record({
    tree: fc.array(treeArb, { minLength: 1, maxLength: 3 }),
    links: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
    poison: fc.option(fc.tuple(fc.nat(), fc.constantFrom("function", "class", "symbol")), { freq: 5 }),
  })
  .map(({ tree, links, poison }) => {
    const root: unknown = tree.map((b) => b());
    const { objects, containers } = objectsOf(root);
    // links from containers to any object: shared references (views and dates too) and cycles
    links.forEach(([from, to], i) => attach(containers[from % containers.length]!, `link${i}`, objects[to % objects.length]));
    let refused: RegExp | undefined;
    if (poison) {
      const [at, kind] = poison;
      const bad = kind === "function" ? function hiddenFn() {} : kind === "class" ? new Hidden() : Symbol("hidden");
      attach(containers[at % containers.length]!, "poison", bad);
      refused = kind === "function" ? /is a function/ : kind === "class" ? /instance of Hidden/ : /is a symbol/;
    }
    return described({ value: root, refused });
  });

/** Print a case briefly when a property fails (a whole cyclic value would not fit in a string). */
function described(c: HostileCase): HostileCase {
  return Object.assign(c, { [fc.toStringMethod]: () => inspect(c.value, { depth: 6, breakLength: 160 }) + (c.refused ? ` (refused: ${String(c.refused)})` : "") });
}

/** Deep chains around the limit, and far past it. */
export const deepCase: fc.Arbitrary<HostileCase> = fc.constantFrom(10, 998, 999, 1000, 1001, 10_000).chain((depth) =>
  fc.constantFrom("object", "array", "map").map((kind) => {
    let v: unknown = { bottom: true };
    for (let i = 0; i < depth; i++) v = kind === "object" ? { v } : kind === "array" ? [v] : new Map([["v", v]]);
    // the root is at depth 0, so `depth` wrappers put the bottom object at depth `depth`
    return described(depth > 1000 ? { value: v, refused: /nested more than 1000 levels/ } : { value: v });
  }),
);

function viewBytes(v: ArrayBufferView): number[] {
  return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
}

/**
 * Assert that `received` is `sent` as it crossed: equal structure and values
 * (`-0`, `NaN`, sparse holes, key order, null prototypes included), the same
 * sharing (a one-to-one map between objects: shared stays shared, cycles stay
 * cycles, distinct stays distinct), typed arrays with equal bytes over
 * buffers of their own.
 */
export function expectArrivedEqual(sent: unknown, received: unknown): void {
  const forward = new Map<unknown, unknown>();
  const backward = new Map<unknown, unknown>();
  const stack: Array<readonly [unknown, unknown, string]> = [[sent, received, "value"]];
  const fail = (path: string, what: string) => expect.fail(`${path}: ${what}`);
  while (stack.length > 0) {
    const [a, b, path] = stack.pop()!;
    if (typeof a !== "object" || a === null) {
      if (typeof a === "function" || typeof a === "symbol") fail(path, "a function or symbol arrived");
      if (!Object.is(a, b)) fail(path, `${String(a)} arrived as ${String(b)}`);
      continue;
    }
    if (typeof b !== "object" || b === null) fail(path, `an object arrived as ${String(b)}`);
    if (forward.has(a) || backward.has(b)) {
      if (forward.get(a) !== b || backward.get(b) !== a) fail(path, "sharing changed (a shared reference or cycle was lost or invented)");
      continue;
    }
    forward.set(a, b);
    backward.set(b, a);
    if (ArrayBuffer.isView(a)) {
      const bv = b as ArrayBufferView;
      if (!ArrayBuffer.isView(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) fail(path, "a typed array changed type");
      if (bv.byteOffset !== 0 || bv.buffer.byteLength !== bv.byteLength) fail(path, `a view arrived over a shared buffer (offset ${bv.byteOffset}, buffer ${bv.buffer.byteLength} for ${bv.byteLength} bytes)`);
      expect(viewBytes(bv), path).toEqual(viewBytes(a));
      continue;
    }
    if (a instanceof ArrayBuffer) {
      if (!(b instanceof ArrayBuffer)) fail(path, "an ArrayBuffer changed type");
      expect([...new Uint8Array(b as ArrayBuffer)], path).toEqual([...new Uint8Array(a)]);
      continue;
    }
    if (a instanceof Date) {
      if (!(b instanceof Date) || !Object.is(a.getTime(), b.getTime())) fail(path, "a Date changed");
      continue;
    }
    if (a instanceof RegExp) {
      if (!(b instanceof RegExp) || a.source !== b.source || a.flags !== b.flags) fail(path, "a RegExp changed");
      continue;
    }
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) fail(path, "the prototype changed");
    if (a instanceof Error) {
      const eb = b as Error;
      if (a.name !== eb.name || a.message !== eb.message || a.stack !== eb.stack) fail(path, "an error's name, message or stack changed");
      if ("cause" in a) stack.push([a.cause, eb.cause, `${path}.cause`]);
    }
    if (a instanceof Map) {
      const ea = [...a];
      const eb = [...(b as Map<unknown, unknown>)];
      if (ea.length !== eb.length) fail(path, "a Map changed size");
      ea.forEach(([k, v], i) => stack.push([k, eb[i]![0], `${path}<key ${i}>`], [v, eb[i]![1], `${path}.get(${i})`]));
      continue;
    }
    if (a instanceof Set) {
      const ia = [...a];
      const ib = [...(b as Set<unknown>)];
      if (ia.length !== ib.length) fail(path, "a Set changed size");
      ia.forEach((v, i) => stack.push([v, ib[i], `${path}<item ${i}>`]));
      continue;
    }
    if (Array.isArray(a) && (a.length !== (b as unknown[]).length)) fail(path, "an array changed length");
    const ka = Object.keys(a);
    const kb = Object.keys(b as object);
    expect(kb, `${path} keys`).toEqual(ka);
    for (const k of ka) stack.push([(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`]);
  }
}
