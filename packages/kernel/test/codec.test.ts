import { deserialize, serialize } from "node:v8";
import { describe, expect, test } from "vitest";
import { SerializationError } from "../src/index.js";
import { getCodec, registerCodec } from "../src/contracts.js";
import { decodeValue, decodeValueAsync, encodeValue, isEnvelope, MAX_DEPTH, missingCodecModules, WIRE_KEY } from "../src/remote.js";
import { expectArrivedEqual, PWNED_MODULE, wasPwned } from "./hostile-values.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

let decodes = 0;
registerCodec<Point>({
  id: "test/point",
  module: "test-points",
  test: (v): v is Point => v instanceof Point,
  encode: (p) => ({ data: [p.x, p.y] }),
  decode: (d) => (decodes++, new Point(...(d as [number, number]))),
});

const viaClone = (v: unknown, options = {}) => decodeValue(structuredClone(encodeValue(v, options).value));
const viaV8 = (v: unknown, options = {}) => decodeValue(deserialize(serialize(encodeValue(v, options).value)));
const crossings = { "structured clone": viaClone, "v8 serialization": viaV8 };

describe("encoding", () => {
  test("plain data crosses as itself: no wrapper, no copy", () => {
    const value = { a: [1, "two", null, { b: new Date(0), r: /x/g }], m: new Map([["k", new Set([1n, -0, Number.NaN])]]) };
    const { value: wire, transfer } = encodeValue(value);
    expect(wire).toBe(value);
    expect(transfer).toEqual([]);
    expectArrivedEqual(value, viaClone(value));
    expectArrivedEqual(value, viaV8(value));
  });

  test("a class instance without a codec is an error naming the node, the path and the type", () => {
    expect(() => encodeValue({ nested: [new (class Shape {})()] }, { nodeName: "shape" })).toThrow(SerializationError);
    expect(() => encodeValue({ nested: [new Point(1, 2), new (class Shape {})()] }, { nodeName: "shape" })).toThrow(
      /node "shape" at \.nested\[1\] is an instance of Shape, and no codec is registered/,
    );
    expect(() => encodeValue(new Map([["k", new (class Shape {})()]]), { nodeName: "m" })).toThrow(/at \.get\("k"\) is an instance of Shape/);
    // a subclass of a built-in would lose its class in structured clone
    expect(() => encodeValue({ m: new (class MyMap extends Map {})() }, { nodeName: "m" })).toThrow(/instance of MyMap/);
  });

  test("functions and symbols cannot cross, however deep they hide", () => {
    expect(() => encodeValue(() => 1, { nodeName: "fn_node" })).toThrow(/node "fn_node" is a function/);
    expect(() => encodeValue({ s: Symbol("x") }, { nodeName: "sym" })).toThrow(/at \.s is a symbol/);
    // the old walk stopped looking at 64 levels, and the function crashed the driver later
    let deep: unknown = { f: () => 1 };
    for (let i = 0; i < 200; i++) deep = { deep };
    expect(() => encodeValue(deep, { nodeName: "deep" })).toThrow(/node "deep" at (\.deep){200}\.f is a function/);
  });

  test("a registered codec encodes, crosses, and decodes; a value shared twice is encoded and decoded once", () => {
    const p = new Point(3, 4);
    const value = { p, list: [p, new Point(5, 6)], keyed: new Map([[p, "origin"]]), set: new Set([p]) };
    expect(getCodec("test/point")).toBeDefined();
    for (const cross of Object.values(crossings)) {
      decodes = 0;
      const back = cross(value) as typeof value;
      expect(back.p).toBeInstanceOf(Point);
      expect(back.list[0]).toBe(back.p);
      expect(back.list[1]).toEqual(new Point(5, 6));
      expect([...back.keyed.keys()][0]).toBe(back.p);
      expect([...back.set][0]).toBe(back.p);
      expect(decodes).toBe(2);
    }
    // the sender's value is untouched
    expect(value.list[0]).toBe(p);
  });

  test("typed arrays are listed for transfer only when they own their whole buffer", () => {
    const whole = new Float64Array(4);
    const view = new Uint8Array(new ArrayBuffer(16), 4, 4);
    const { transfer } = encodeValue({ whole, view, again: whole }, { transfer: true });
    expect(transfer).toEqual([whole.buffer]);
  });
});

describe("data that carries the wire's marker key", () => {
  const lookalikes = () => [
    { [WIRE_KEY]: "x", module: PWNED_MODULE, data: 1 },
    { [WIRE_KEY]: 1, value: 2, codecs: [{ id: "evil", module: PWNED_MODULE, data: 0 }], root: true },
    JSON.parse(`{"${WIRE_KEY}":"apache-arrow/table","module":"${PWNED_MODULE}","__proto__":{"polluted":1}}`) as unknown,
  ];

  test("round-trips as data, at the top, one level down and deep, and nothing is imported", async () => {
    for (const [name, cross] of Object.entries(crossings)) {
      for (const l of lookalikes()) {
        for (const value of [l, [l], { node: l }, { a: { b: [new Map([[1, l]])] } }]) {
          expectArrivedEqual(value, cross(value));
          const wire = deserialize(serialize(encodeValue(value).value));
          expect(missingCodecModules(wire), name).toEqual([]);
          expectArrivedEqual(value, await decodeValueAsync(wire));
        }
      }
    }
    expect(wasPwned()).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a crafted envelope naming a module off the allow-list is a SerializationError, never an import()", async () => {
    const crafted = { [WIRE_KEY]: 1, value: null, root: true, codecs: [{ id: "evil/codec", module: PWNED_MODULE, data: 1 }] };
    crafted.value = crafted.codecs[0] as never;
    const imported: string[] = [];
    const importModule = async (s: string) => void imported.push(s);
    await expect(decodeValueAsync(crafted, { importModule })).rejects.toThrow(/needs codec "evil\/codec" from module "data:text\/javascript.*not on this side's allow-list/);
    await expect(decodeValueAsync(crafted, { importModule })).rejects.toBeInstanceOf(SerializationError);
    expect(() => decodeValue(crafted)).toThrow(/No codec "evil\/codec" is registered here/);
    expect(imported).toEqual([]);
    expect(wasPwned()).toBe(false);
    // on the allow-list it is imported (by the importer given), and must register the codec
    await expect(decodeValueAsync(crafted, { importModule, allow: [PWNED_MODULE] })).rejects.toThrow(/importing .* did not register it/);
    expect(imported).toEqual([PWNED_MODULE]);
  });

  test("malformed envelopes are a SerializationError, never a TypeError, a hang or a polluted prototype", () => {
    const bad: unknown[] = [
      { [WIRE_KEY]: 1, value: 1, codecs: "nope" },
      { [WIRE_KEY]: 1, value: 1, codecs: [null] },
      { [WIRE_KEY]: 1, value: 1, views: [{}, 0] },
      { [WIRE_KEY]: 1, value: 1, puts: [null, "x"] },
      { [WIRE_KEY]: 1, value: 1, rebuilds: [{}] },
    ];
    for (const b of bad) expect(() => decodeValue(b, { nodeName: "n" })).toThrow(SerializationError);
    const target = {};
    const put = { [WIRE_KEY]: 1, value: target, puts: [target, "__proto__"], nullProto: [Object.prototype] };
    expect(decodeValue(put)).toBe(target);
    expect(Object.getPrototypeOf(Object.prototype)).toBe(null);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe("linear encoding and decoding", () => {
  test("2^26 paths through shared references cross at once, sharing kept", () => {
    let x: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 26; i++) x = { l: x, r: x };
    for (const cross of Object.values(crossings)) {
      const back = cross(x) as { l: unknown; r: unknown };
      expect(back.l).toBe(back.r);
      expectArrivedEqual(x, back);
    }
  }, 10_000);

  test("cycles and parent pointers are kept exactly", () => {
    const o: Record<string, unknown> = {};
    o.a = o;
    o.b = o;
    const root: { children: unknown[]; parent: null } = { children: [], parent: null };
    const nodes: Array<{ children: unknown[]; parent: unknown }> = [root];
    for (let i = 1; i < 2000; i++) {
      const parent = nodes[Math.floor((i - 1) / 2)]!;
      const n = { children: [], parent };
      parent.children.push(n);
      nodes.push(n);
    }
    for (const cross of Object.values(crossings)) {
      const back = cross({ o, root }) as { o: Record<string, unknown>; root: typeof root };
      expect(back.o.a).toBe(back.o);
      expect(back.o.b).toBe(back.o);
      expectArrivedEqual({ o, root }, back);
    }
  }, 10_000);

  test("sparse arrays are read by their own keys, not their length", () => {
    const sparse: unknown[] = [];
    sparse[2 ** 32 - 2] = { last: true };
    sparse[7] = new Float64Array(2);
    for (const cross of Object.values(crossings)) expectArrivedEqual(sparse, cross(sparse));
    // a crafted v8 payload: a sparse array of length 2^32-1 as a whole task, decoded at once
    const wire = deserialize(serialize({ inputs: sparse }));
    expect(missingCodecModules(wire)).toEqual([]);
    expect(decodeValue(wire)).toBe(wire);
  }, 10_000);

  test("nesting deeper than the serializers can carry is a SerializationError naming the node, not a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => encodeValue(deep, { nodeName: "deep_input" })).toThrow(SerializationError);
    expect(() => encodeValue(deep, { nodeName: "deep_input" })).toThrow(/node "deep_input" at \[0\]\[0\].* nested more than 1000 levels deep/);
    let ok: unknown = { end: true };
    for (let i = 0; i < MAX_DEPTH; i++) ok = { ok };
    for (const cross of Object.values(crossings)) expectArrivedEqual(ok, cross(ok));
  });
});

describe("typed arrays", () => {
  test("arrive over buffers of their own, through structured clone and v8", () => {
    const pooled = Buffer.from("hello"); // a view into Node's 8 KiB pool
    const slice = new Float64Array(new ArrayBuffer(64), 16, 3).fill(2.5);
    const dv = new DataView(new ArrayBuffer(9), 3, 5);
    dv.setUint8(0, 42);
    const value = { pooled, slice, dv, plain: new Int16Array([1, -1]) };
    for (const cross of Object.values(crossings)) {
      const back = cross(value) as typeof value;
      for (const v of Object.values(back) as ArrayBufferView[]) {
        expect(v.byteOffset).toBe(0);
        expect(v.buffer.byteLength).toBe(v.byteLength);
      }
      expect(Buffer.isBuffer(back.pooled)).toBe(true);
      expect(back.pooled.toString()).toBe("hello");
      expect([...back.slice]).toEqual([2.5, 2.5, 2.5]);
      expect(back.dv.getUint8(0)).toBe(42);
      expectArrivedEqual(value, back);
    }
  });

  test("two views of one buffer arrive over two buffers; one view referenced twice stays one view", () => {
    const buffer = new ArrayBuffer(8);
    const bytes = new Uint8Array(buffer);
    const words = new Uint16Array(buffer, 2, 2);
    for (const cross of Object.values(crossings)) {
      const back = cross({ bytes, words, again: bytes, buffer }) as { bytes: Uint8Array; words: Uint16Array; again: Uint8Array; buffer: ArrayBuffer };
      expect(back.again).toBe(back.bytes);
      expect(back.words.buffer).not.toBe(back.bytes.buffer);
      expect(back.bytes.buffer).not.toBe(back.buffer);
      back.bytes[2] = 9;
      expect(back.words[0]).toBe(0);
    }
  });

  test("a SharedArrayBuffer stays shared across threads and is refused for another process", () => {
    const shared = new Int32Array(new SharedArrayBuffer(8));
    const back = viaClone({ shared }) as { shared: Int32Array };
    expect(back.shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => encodeValue({ shared }, { nodeName: "s", sharedMemory: false })).toThrow(/node "s" at \.shared .*SharedArrayBuffer, which cannot cross to another process/);
    expect(() => encodeValue(new SharedArrayBuffer(1), { nodeName: "s", sharedMemory: false })).toThrow(SerializationError);
  });
});

describe("other values", () => {
  test("null-prototype objects keep their null prototype", () => {
    const np = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const value = [np, { inner: np }];
    expect(isEnvelope(encodeValue(value).value)).toBe(true);
    for (const cross of Object.values(crossings)) {
      const back = cross(value) as [Record<string, unknown>, { inner: unknown }];
      expect(Object.getPrototypeOf(back[0])).toBe(null);
      expect(back[1].inner).toBe(back[0]);
    }
  });

  test("error values keep their class, own fields and cause", () => {
    const e = Object.assign(new RangeError("out", { cause: new TypeError("in") }), { code: "E_RANGE" });
    for (const cross of Object.values(crossings)) {
      const back = cross({ e, again: e }) as { e: RangeError & { code: string }; again: unknown };
      expect(back.e).toBeInstanceOf(RangeError);
      expect(back.e.code).toBe("E_RANGE");
      expect(back.e.stack).toBe(e.stack);
      expect(back.e.cause).toBeInstanceOf(TypeError);
      expect(back.again).toBe(back.e);
    }
  });
});

describe("the driver's codec allow-list", () => {
  test("executors learn the modules of every registered codec", async () => {
    const { Builder } = await import("../src/index.js");
    let seen: readonly string[] | undefined;
    const spy = {
      specificationVersion: "v1",
      init: (ctx: { codecModules?: readonly string[] }) => void (seen = ctx.codecModules),
      canSubmitTask: () => true,
      submitTask: (t: { run: () => Promise<Record<string, unknown>> }) => t.run(),
      finalize: () => undefined,
    };
    const dr = await new Builder().withModules({ a: () => 1 }).enableDynamicExecution().withLocalExecutor(spy as never).build();
    await dr.execute(["a"]);
    expect(seen).toContain("test-points");
  });
});

describe("the marker key one level down, reached first from deeper", () => {
  test("a lookalike that is a direct item of the top, but met first inside a sibling, still arrives as data", () => {
    const lookalike = { [WIRE_KEY]: 1, value: "forged", root: true };
    for (const value of [[{ a: lookalike }, lookalike], { first: { a: lookalike }, second: lookalike }]) {
      expect(isEnvelope(encodeValue(value).value)).toBe(true);
      for (const cross of Object.values(crossings)) expectArrivedEqual(value, cross(value));
    }
  });
});
