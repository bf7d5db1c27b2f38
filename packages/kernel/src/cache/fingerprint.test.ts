// Fingerprints that cannot lie. Apache Hamilton's tests/caching/test_fingerprinting.py
// (in our words, for JavaScript's types), plus the failures Hamilton shipped:
// equal fingerprints for different timestamps (#1242), for arrays of another
// shape or dtype (#1617), and for values that differ below a depth limit (#1715).
import { describe, expect, test, vi } from "vitest";
import { registerFingerprint } from "./fingerprint-registry.js";
import { fingerprint, fingerprintNow, isUnhashable } from "./fingerprint.js";
import { digestBackend, sha256Sync, toBase64Url } from "./sha256.js";

const fp = (v: unknown) => fingerprint(v);
async function same(a: unknown, b: unknown): Promise<boolean> {
  const [x, y] = await Promise.all([fp(a), fp(b)]);
  expect(isUnhashable(x) || isUnhashable(y)).toBe(false);
  return x === y;
}
const nest = (levels: number, leaf: unknown) => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = { v };
  return v;
};

describe("primitives", () => {
  test("a fingerprint is 43 base64url characters (SHA-256), the same on every call", async () => {
    const a = await fp("hello-world");
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await fp("hello-world")).toBe(a);
  });

  test("pinned digests: the encoding and the hash do not drift between versions or machines", async () => {
    // if one of these changes, every stored cache entry misses: bump the key scheme on purpose, never by accident
    expect({
      undefined: await fp(undefined),
      null: await fp(null),
      string: await fp("hello-world"),
      number: await fp(17.31231),
      int: await fp(16474),
      bool: await fp(true),
      bigint: await fp(12345678901234567890n),
      list: await fp([0, true, "hello-world"]),
      object: await fp({ key: "value", 0: true, "17.0": null }),
      typed: await fp(new Int32Array([0, 1, 2, 3])),
    }).toMatchInlineSnapshot(`
      {
        "bigint": "iGgmCfHnl22VdSq0x-iRz0OjBO2xOAtn6msh91mNdvE",
        "bool": "CE_tCLl4r019GWp0RqhrWACeY2thHbFiEbZamq3_KcU",
        "int": "qSVYocDsARRC82xfvUj03sI-htQroCXYxUVIRXKHQro",
        "list": "mMxWxg9rGxs1fU6xqnu_GROOwCV5X-a9pL0KQKOhgks",
        "null": "S_USLzRFVMU73i67jNK349FgCtYxw4Wl18ziPHeFRZo",
        "number": "YAC_2LW7uN0WlP1iYOj2xANPpLmxcqqYfBh8RDg4uRk",
        "object": "zPemdoO4TD1IN-l6OPB_nrVZAi3r0ONbohCLrhZJfGc",
        "string": "Lzg0PFh375qQo8ECS6nWt4a4RYgpcKbd_8ch7BGn_00",
        "typed": "ZT5evtWxRqPlGdLCT4c1rnnl-lmj9yxj9MalTo_cm64",
        "undefined": "bjQLnP-zepicpUTmu3gKLHiQHT-zNzh2hRGjBhevoB0",
      }
    `);
  });

  test("values with the same text but another type differ: 1, '1', 1n, true, '1.0', [1], {0: 1}", async () => {
    const all = await Promise.all([1, "1", 1n, true, "1.0", [1], { 0: 1 }, new Number(1), new Date(1)].map(fp));
    expect(new Set(all).size).toBe(all.length);
  });

  test("-0 differs from 0 (Object.is); every NaN is one NaN", async () => {
    expect(await same(-0, 0)).toBe(false);
    expect(await same(NaN, 0 / 0)).toBe(true);
    expect(await same(NaN, Number("x"))).toBe(true);
    expect(await same([-0], [0])).toBe(false);
  });

  test("BigInts by value and sign", async () => {
    expect(await same(2n ** 100n, 2n ** 100n)).toBe(true);
    expect(await same(5n, -5n)).toBe(false);
    expect(await same(0n, -0n)).toBe(true); // there is no negative zero BigInt
    expect(await same(2n ** 64n, 2n ** 64n + 1n)).toBe(false);
  });

  test("strings: a lone surrogate never fingerprints like U+FFFD, long and non-ASCII strings by content", async () => {
    expect(await same("\uD800", "\uFFFD")).toBe(false);
    expect(await same("a\uDC00b", "a\uFFFDb")).toBe(false);
    expect(await same("é".repeat(200), "é".repeat(200))).toBe(true);
    expect(await same("x".repeat(300), "x".repeat(299) + "y")).toBe(false);
    // long strings are digested apart: still by every character, and unlike a byte array of their UTF-8
    const long = "é".repeat(200_000);
    expect(await same(long, "é".repeat(200_000))).toBe(true);
    expect(await same(long, "é".repeat(199_999) + "e")).toBe(false);
    expect(await same(long, "é".repeat(199_999))).toBe(false);
    expect(await same(long, new TextEncoder().encode(long))).toBe(false);
    expect(await same("\uD800".repeat(70_000), "\uFFFD".repeat(70_000))).toBe(false);
    expect(await same("", "\u0000")).toBe(false);
    // adjacent strings cannot trade characters: every string carries its length
    expect(await same(["ab", "c"], ["a", "bc"])).toBe(false);
  });

  test("registered symbols by key; a unique symbol is unhashable", async () => {
    expect(await same(Symbol.for("k"), Symbol.for("k"))).toBe(true);
    expect(await same(Symbol.for("k"), "k")).toBe(false);
    expect(isUnhashable(await fp(Symbol("k")))).toBe(true);
  });
});

describe("containers", () => {
  test("plain objects: key order does not matter, keys and values do", async () => {
    expect(await same({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(await same({ a: 1, b: 2 }, { a: 2, b: 1 })).toBe(false);
    expect(await same({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(await same({ 1: "x", 10: "y", 2: "z" }, { 2: "z", 10: "y", 1: "x" })).toBe(true);
  });

  test("a null-prototype object differs from {}, a Map from an object, a Set from an array", async () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(await same(bare, { a: 1 })).toBe(false);
    expect(await same(new Map([["a", 1]]), { a: 1 })).toBe(false);
    expect(await same(new Set([1, 2]), [1, 2])).toBe(false);
  });

  test("Map and Set keep insertion order (JavaScript defines it, and nodes read it)", async () => {
    expect(await same(new Map([["a", 1], ["b", 2]]), new Map([["a", 1], ["b", 2]]))).toBe(true);
    expect(await same(new Map([["a", 1], ["b", 2]]), new Map([["b", 2], ["a", 1]]))).toBe(false);
    expect(await same(new Set([1, 2]), new Set([2, 1]))).toBe(false);
    expect(await same(new Map([[{ k: 1 }, "v"]]), new Map([[{ k: 2 }, "v"]]))).toBe(false);
    // keys and values cannot trade places
    expect(await same(new Map([[1, 2]]), new Map([[2, 1]]))).toBe(false);
  });

  test("arrays: order, length, holes and undefined are all different", async () => {
    expect(await same([1, 2], [2, 1])).toBe(false);
    // eslint-disable-next-line no-sparse-arrays
    expect(await same([1, , 3], [1, undefined, 3])).toBe(false);
    expect(await same(new Array(3), [undefined, undefined, undefined])).toBe(false);
    expect(await same([[1, 2, 3], [4, 5, 6]], [1, 2, 3, 4, 5, 6])).toBe(false);
    expect(await same([[1, 2], [3]], [[1], [2, 3]])).toBe(false);
  });

  test("holes: runs of holes are equal however long the array, sparse or not; a huge sparse array is cheap", async () => {
    const sparse: unknown[] = [];
    sparse[5] = "x";
    sparse[2_000_000] = "y";
    const alsoSparse: unknown[] = new Array(2_000_001);
    alsoSparse[2_000_000] = "y";
    alsoSparse[5] = "x";
    expect(await same(sparse, alsoSparse)).toBe(true);
    const moved: unknown[] = [];
    moved[6] = "x";
    moved[2_000_000] = "y";
    expect(await same(sparse, moved)).toBe(false);
    // a long array with a hole where the probe looks is walked by its keys: every value still counts
    const probed = () => {
      const a = Array.from({ length: 1 << 20 }, (_, k) => k);
      delete a[0];
      return a;
    };
    const edited = probed();
    edited[500_000] = -1;
    expect(await same(probed(), probed())).toBe(true);
    expect(await same(probed(), edited)).toBe(false);
    const huge: unknown[] = new Array(1e9);
    huge[123_456_789] = 1;
    const started = Date.now();
    expect(await fp(huge)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.now() - started).toBeLessThan(10_000); // a hang guard, not a speed claim
  });

  test("own non-index properties of an array count (a RegExp match's index)", async () => {
    const a = /b/.exec("abc")!;
    const b = /b/.exec("bcd")!;
    expect([...a]).toEqual([...b]);
    expect(await same(a, b)).toBe(false);
    expect(await same(/b/.exec("abc"), /b/.exec("abc"))).toBe(true);
  });

  test("Dates by time (Hamilton #1242: two timestamps with one fingerprint), invalid Dates alike", async () => {
    expect(await same(new Date("2024-01-01T00:00:00.000Z"), new Date("2024-01-01T00:00:00.001Z"))).toBe(false);
    expect(await same(new Date(0), new Date(0))).toBe(true);
    expect(await same(new Date("x"), new Date("y"))).toBe(true);
    expect(await same(new Date(0), 0)).toBe(false);
  });

  test("RegExps by source, flags and lastIndex", async () => {
    expect(await same(/a/g, /a/g)).toBe(true);
    expect(await same(/a/g, /a/i)).toBe(false);
    expect(await same(/a/, /b/)).toBe(false);
    const r = /a/g;
    r.lastIndex = 3;
    expect(await same(r, /a/g)).toBe(false);
  });

  test("boxed primitives by value, and unlike the primitive", async () => {
    expect(await same(new String("a"), new String("a"))).toBe(true);
    expect(await same(new String("a"), "a")).toBe(false);
    expect(await same(new Boolean(false), new Boolean(true))).toBe(false);
  });

  test("a difference 20 or 2,000 levels deep changes the fingerprint (Hamilton #1715); 100,000 levels do not overflow", async () => {
    expect(await same(nest(20, 1), nest(20, 2))).toBe(false);
    expect(await same(nest(2000, 1), nest(2000, 2))).toBe(false);
    expect(await same(nest(2000, 1), nest(2000, 1))).toBe(true);
    expect(await same(nest(2000, 1), nest(2001, 1))).toBe(false);
    let deepArray: unknown = 0;
    for (let i = 0; i < 100_000; i++) deepArray = [deepArray];
    expect(await fp(deepArray)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("binary data", () => {
  test("typed arrays by type and bytes: a Float32Array and an Int32Array with the same bytes differ (Hamilton #1617)", async () => {
    const f = new Float32Array([1]);
    const i = new Int32Array([1065353216]);
    expect(new Uint8Array(f.buffer)).toEqual(new Uint8Array(i.buffer));
    expect(await same(f, i)).toBe(false);
    expect(await same(new Uint8Array([1, 2]), new Uint8ClampedArray([1, 2]))).toBe(false);
    expect(await same(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(await same(new Float64Array([1, 2]), [1, 2])).toBe(false);
  });

  test("ArrayBuffer, DataView and Uint8Array over the same bytes differ from one another", async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const all = await Promise.all([bytes, bytes.buffer, new DataView(bytes.buffer)].map(fp));
    expect(new Set(all).size).toBe(3);
    if (typeof Buffer !== "undefined") expect(await same(Buffer.from(bytes), bytes)).toBe(false);
  });

  test("a view's byteOffset and byteLength are respected: only its own bytes count", async () => {
    const pool = new Uint8Array(64).map((_, k) => k);
    const view = new Uint8Array(pool.buffer, 8, 16);
    expect(await same(view, pool.slice(8, 24))).toBe(true);
    expect(await same(new Float64Array(pool.buffer, 8, 2), new Float64Array(pool.slice(8, 24).buffer))).toBe(true);
    expect(await same(new DataView(pool.buffer, 4, 8), new DataView(pool.slice(4, 12).buffer))).toBe(true);
    expect(await same(new Uint8Array(pool.buffer, 8, 16), new Uint8Array(pool.buffer, 9, 16))).toBe(false);
  });

  test("large views (digested natively, in chunks): one changed byte anywhere changes the fingerprint", async () => {
    const n = 9 * 1024 * 1024 + 13; // three chunks, the last one partial
    const a = new Uint8Array(n).map((_, k) => k * 31);
    const base = await fp(a);
    for (const at of [0, 4 * 1024 * 1024 - 1, 4 * 1024 * 1024, n - 1]) {
      const b = a.slice();
      b[at] ^= 1;
      expect(await fp(b)).not.toBe(base);
    }
    expect(await fp(a.slice())).toBe(base);
    expect(await same(new Float64Array(a.buffer, 0, (n - 13) / 8), new Int32Array(a.buffer, 0, (n - 13) / 4))).toBe(false);
  });

  test("the value is read when fingerprint() is called: changing it afterwards does not change the result", async () => {
    const big = new Float64Array(1_000_000).fill(1.5);
    const expected = await fp(big.slice());
    const pending = fp(big);
    big.fill(2.5);
    const small = { a: [1, 2] };
    const pendingSmall = fp(small);
    small.a.push(3);
    expect(await pending).toBe(expected);
    expect(await pendingSmall).toBe(await fp({ a: [1, 2] }));
  });
});

describe("shared references and cycles", () => {
  test("no infinite loop on a cycle; a cycle differs from its unrolling; isomorphic cycles are equal", async () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const b: Record<string, unknown> = { n: 1 };
    b.self = b;
    expect(await same(a, b)).toBe(true);
    expect(await same(a, { n: 1, self: { n: 1, self: {} } })).toBe(false);
    let unrolled: Record<string, unknown> = { n: 1 };
    for (let i = 0; i < 50; i++) unrolled = { n: 1, self: unrolled };
    expect(await same(a, unrolled)).toBe(false);
    const m = new Map<string, unknown>();
    m.set("me", m);
    expect(await fp(m)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("a shared reference differs from two equal copies (mutating one would change the other)", async () => {
    const x = { v: 1 };
    expect(await same([x, x], [x, { v: 1 }])).toBe(false);
    expect(await same([x, x], structuredClone([x, x]))).toBe(true);
  });

  test("cycles through Maps, Sets and arrays", async () => {
    const s = new Set<unknown>();
    const arr: unknown[] = [s];
    s.add(arr);
    const t = new Set<unknown>();
    const arr2: unknown[] = [t];
    t.add(arr2);
    expect(await same(arr, arr2)).toBe(true);
  });
});

describe("unhashable values", () => {
  class Foo {
    constructor(readonly x = 1) {}
  }

  test("functions, class instances without a fingerprinter, Promises, Errors, WeakMaps: unhashable, with the path", async () => {
    for (const [value, what] of [
      [() => 1, "function"],
      [new Foo(), "instance of Foo"],
      [Promise.resolve(1), "Promise"],
      [new Error("x"), "Error"],
      [new WeakMap(), "instance of WeakMap"],
    ] as const) {
      const r = await fp({ outer: [0, { inner: value }] });
      expect(isUnhashable(r)).toBe(true);
      expect(isUnhashable(r) && r.reason).toContain(what);
      expect(isUnhashable(r) && r.reason).toContain(".outer[1].inner");
    }
  });

  test("unhashable propagates out of arrays, objects, Maps and Sets (Hamilton: it must not hash the sentinel as data)", async () => {
    for (const v of [[1, new Foo(), "x"], { a: new Foo() }, new Map([["k", new Foo()]]), new Set([1, new Foo()]), new Map([[new Foo(), 1]])]) {
      expect(isUnhashable(await fp(v))).toBe(true);
    }
  });

  test("a subclass of a built-in (it may carry more state) and a getter that throws are unhashable", async () => {
    class Tagged extends Uint8Array {}
    expect(isUnhashable(await fp(new Tagged(2)))).toBe(true);
    class MyMap extends Map {}
    expect(isUnhashable(await fp(new MyMap()))).toBe(true);
    const hostile = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    const r = await fp(hostile);
    expect(isUnhashable(r) && r.reason).toContain("threw");
  });

  test("a registered fingerprinter makes a class hashable, tagged by its id", async () => {
    class Point {
      constructor(readonly x: number, readonly y: number) {}
    }
    registerFingerprint({ id: "test/point", test: (v): v is Point => v instanceof Point, fingerprint: (p) => [p.x, p.y] });
    expect(await same(new Point(1, 2), new Point(1, 2))).toBe(true);
    expect(await same(new Point(1, 2), new Point(2, 1))).toBe(false);
    expect(await same(new Point(1, 2), [1, 2])).toBe(false);
    class Other {
      constructor(readonly x: number, readonly y: number) {}
    }
    registerFingerprint({ id: "test/other", test: (v): v is Other => v instanceof Other, fingerprint: (p) => [p.x, p.y] });
    expect(await same(new Point(1, 2), new Other(1, 2))).toBe(false);
    // a fingerprinter may return the value itself or nest others: no loop
    class Self {}
    registerFingerprint({ id: "test/self", test: (v): v is Self => v instanceof Self, fingerprint: (s) => s });
    expect(isUnhashable(await fp(new Self()))).toBe(false);
  });

  test("a fingerprinter that throws makes the value unhashable; one whose test throws is skipped", async () => {
    class Fragile {}
    registerFingerprint({ id: "test/fragile", test: (v): v is Fragile => v instanceof Fragile, fingerprint: () => { throw new Error("cannot"); } });
    const r = await fp([new Fragile()]);
    expect(isUnhashable(r) && r.reason).toMatch(/threw \(cannot\)/);
    registerFingerprint({ id: "test/throws-in-test", test: (v): v is never => { if (v instanceof Date) throw new Error("no dates"); return false; }, fingerprint: () => 0 });
    expect(await same(new Date(1), new Date(1))).toBe(true);
  });

  test("registerFingerprint refuses a fingerprinter without an id or functions", () => {
    expect(() => registerFingerprint({ id: "", test: () => false, fingerprint: () => 1 } as never)).toThrow(/id/);
    expect(() => registerFingerprint({ id: "x", test: 1, fingerprint: () => 1 } as never)).toThrow(/test/);
  });
});

describe("SHA-256", () => {
  test("the synchronous digest matches Web Crypto for every padding case", async () => {
    const data = new Uint8Array(70_000).map((_, k) => (k * 7 + 3) & 255);
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4095, 4096, 70_000]) {
      const slice = data.subarray(0, n);
      const native = new Uint8Array(await crypto.subtle.digest("SHA-256", slice));
      expect(toBase64Url(sha256Sync(slice)), `length ${n}`).toBe(toBase64Url(native));
    }
  });

  test("small values fingerprint synchronously (large ones too, with Node's hash)", () => {
    expect(typeof fingerprintNow({ a: 1 })).toBe("string");
    const large = fingerprintNow(new Uint8Array(1 << 20));
    if (digestBackend === "node") expect(typeof large).toBe("string");
    else expect(large).toBeInstanceOf(Promise);
  });

  test("every backend gives the same fingerprints: Node's hash, Web Crypto, and SHA-256 in JavaScript", async () => {
    const value = { big: new Float64Array(700_000).map((_, k) => k / 3), small: new Uint8Array(5000).fill(9), text: "x".repeat(300) };
    const expected = await fingerprint(value);
    const proc = globalThis.process as { getBuiltinModule?: unknown };
    const getBuiltin = proc.getBuiltinModule;
    const cryptoDescriptor = Object.getOwnPropertyDescriptor(globalThis, "crypto")!;
    const load = async () => {
      vi.resetModules();
      return (await import("./fingerprint.js")) as typeof import("./fingerprint.js");
    };
    try {
      proc.getBuiltinModule = undefined;
      const web = await load();
      expect((await import("./sha256.js")).digestBackend).toBe("web-crypto");
      expect(await web.fingerprint(value)).toBe(expected);
      Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
      const js = await load();
      expect((await import("./sha256.js")).digestBackend).toBe("js");
      expect(await js.fingerprint(value)).toBe(expected);
    } finally {
      proc.getBuiltinModule = getBuiltin;
      Object.defineProperty(globalThis, "crypto", cryptoDescriptor);
      vi.resetModules();
    }
  });
});
