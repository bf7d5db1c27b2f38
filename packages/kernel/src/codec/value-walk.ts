// The walk over a value that `encodeValue` makes, in time linear in its size:
// what each object is (a container, a leaf, a view, a codec value, a
// substitute), what the receiver must fix, and the first thing that cannot
// cross, as a SerializationError naming the node, the path and the type.
// wire-copy.ts then builds what goes on the wire from what the walk learned.
import { describeThrown, SerializationError } from "../errors.js";
import { listCodecs } from "./codec-registry.js";
import { serializeError } from "./error-data.js";
import { describePath, describeType, MAP_KEY, SET_ITEM } from "./value-path.js";
import { ERROR_CODEC_ID, forEachElement, VIEW_BUFFER, VIEW_PLAIN, WIRE_KEY, type CodecEntry } from "./wire-format.js";
import type { EncodeOptions } from "./encode-value.js";

/**
 * The deepest nesting that crosses. Structured clone and v8 serialization
 * recurse once per level and overflow the stack at about 1,900 levels on a
 * main thread; this leaves room for the caller's own frames.
 */
export const MAX_DEPTH = 1000;

/** How deep an error's own fields are carried (deeper parts are described): errors nest inside messages. */
const LOSSY_DEPTH = 100;

/** Errors raised because no codec accepts a class instance (a worker may import its allowed codec modules and retry). */
export const MISSING_CODEC = new WeakSet<SerializationError>();

// What the walk learned about an object it met (the seen-map's values).
export const LEAF = 0;
export const OBJECT = 1;
export const ARRAY = 2;
export const MAP = 3;
export const SET = 4;
/** A class instance copied as a plain object (lossy mode only). */
export const AS_PLAIN = 5;
export const ENTRY = 6;
export const VIEW = 7;
export const SUBSTITUTE = 8;

const ROOT: unique symbol = Symbol("root");

const VIEW_PROTOS: ReadonlySet<unknown> = new Set(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
    globalThis.BigInt64Array, globalThis.BigUint64Array, DataView].filter(Boolean).map((c) => c.prototype),
);
const BufferProto = (globalThis as { Buffer?: { prototype: object } }).Buffer?.prototype;
const SharedArrayBufferProto = globalThis.SharedArrayBuffer?.prototype;
// Values structured clone and v8 serialization carry as they are, with nothing inside to walk.
const LEAF_PROTOS: ReadonlySet<unknown> = new Set(
  [Date, RegExp, Boolean, Number, String, BigInt, globalThis.Blob, globalThis.File, globalThis.ImageData]
    .filter(Boolean)
    .map((c) => (c as { prototype: object }).prototype),
);

function isError(v: object): boolean {
  return v instanceof Error || Object.prototype.toString.call(v) === "[object Error]";
}

/** One walk over a value: what it holds, and what the receiver must fix. */
export class Walk {
  /** Every object met, with what it is (in first-visit order: the copy walks it again). */
  readonly seen = new Map<object, number>();
  // (created when first needed: most values have no codec value, substitute or Map to rebuild)
  entries: Map<object, CodecEntry> | undefined;
  substitutes: Map<unknown, string> | undefined;
  readonly views: unknown[] = [];
  readonly buffers: unknown[] = [];
  readonly puts: unknown[] = [];
  rebuilds: Set<object> | undefined;
  readonly nullProto: object[] = [];
  readonly transfer: ArrayBuffer[] = [];
  transferSeen: Set<ArrayBuffer> | undefined;
  /** Work list, four slots per item: holder, key, value, depth. */
  readonly stack: unknown[] = [];
  root = false;
  marker = false;
  copy = false;

  constructor(
    readonly value: unknown,
    readonly options: EncodeOptions,
    readonly lossy: boolean,
  ) {}

  run(): void {
    this.visit(this.value, ROOT, undefined, 0);
    const stack = this.stack;
    while (stack.length > 0) {
      const depth = stack.pop() as number;
      const v = stack.pop();
      const key = stack.pop();
      const holder = stack.pop();
      this.visit(v, holder, key, depth);
    }
  }

  private fail(holder: unknown, key: unknown, what: string, advice: string, cause?: unknown): SerializationError {
    const name = this.options.nodeName;
    const where = name !== undefined ? ` of node "${name}"` : "";
    const path = holder === ROOT ? "" : describePath(this.value, holder as object, key);
    return new SerializationError(
      `The value${where}${path ? ` at ${path}` : ""} ${what}. ${advice}`,
      name,
      cause !== undefined ? { cause } : undefined,
    );
  }

  private visit(v: unknown, holder: unknown, key: unknown, depth: number): void {
    const t = typeof v;
    if (t === "function" || t === "symbol") {
      if (this.lossy) {
        (this.substitutes ??= new Map()).set(v, t === "function" ? `[function ${(v as { name?: string }).name || "anonymous"}]` : String(v));
        this.copy = true;
        return;
      }
      throw this.fail(holder, key, `is ${describeType(v)}, which cannot cross to another thread, process or machine`,
        "Return plain data instead, or run this node with a local executor.");
    }
    if (t !== "object" || v === null) return;
    let kind = this.seen.get(v as object);
    if (kind === undefined) kind = this.classify(v as object, holder, key, depth);
    if (kind === ENTRY || kind === VIEW) this.recordUse(holder, key);
  }

  /** A codec value or a view sits at `holder[key]`: the receiver replaces it there. */
  private recordUse(holder: unknown, key: unknown): void {
    if (holder === ROOT) this.root = true;
    else {
      const hk = this.seen.get(holder as object);
      if (hk === MAP || hk === SET) (this.rebuilds ??= new Set()).add(holder as object);
      else this.puts.push(holder, key);
    }
  }

  /**
   * Push a child to visit. Primitives need nothing, and an object already met
   * is not walked again (only a codec value's or a view's place is noted).
   */
  private pushChild(holder: object, key: unknown, child: unknown, depth: number): void {
    if (child === null) return;
    const t = typeof child;
    if (t === "object") {
      const kind = this.seen.get(child as object);
      if (kind !== undefined) {
        if (kind === ENTRY || kind === VIEW) this.recordUse(holder, key);
        return;
      }
    } else if (t !== "function" && t !== "symbol") return;
    this.stack.push(holder, key, child, depth);
  }

  /** Reverse the items pushed since `start`, so children are visited in order (as the serializer recurses). */
  private reverseFrom(start: number): void {
    const s = this.stack;
    for (let i = start, j = s.length - 4; i < j; i += 4, j -= 4) {
      for (let k = 0; k < 4; k++) {
        const tmp = s[i + k];
        s[i + k] = s[j + k];
        s[j + k] = tmp;
      }
    }
  }

  /** Read a property; in lossy mode a getter that throws gives a description instead. */
  read(v: object, key: string): unknown {
    if (!this.lossy) return (v as Record<string, unknown>)[key];
    try {
      return (v as Record<string, unknown>)[key];
    } catch (error) {
      return `[unreadable: ${describeThrown(error)}]`;
    }
  }

  private container(v: object, kind: number, holder: unknown, key: unknown, depth: number): number {
    if (depth > (this.lossy ? LOSSY_DEPTH : MAX_DEPTH)) {
      if (this.lossy) {
        this.seen.set(v, SUBSTITUTE);
        (this.substitutes ??= new Map()).set(v, "[nested too deep]");
        this.copy = true;
        return SUBSTITUTE;
      }
      throw this.fail(holder, key, `is nested more than ${MAX_DEPTH} levels deep, deeper than structured clone and v8 serialization can carry`,
        "Flatten it (e.g. a linked list into an array) or run this node with a local executor.");
    }
    this.seen.set(v, kind);
    const start = this.stack.length;
    const d = depth + 1;
    // a decoder reads the top of a wire value as an envelope, and so the items of a transport's array or
    // record of values: the top's own items that carry the marker key send the value in an envelope too
    const top = depth === 0 && (kind === OBJECT || kind === ARRAY);
    if (kind === OBJECT || kind === AS_PLAIN) {
      // pushed last to first, so they pop first to last
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const child = this.read(v, keys[i]!);
        if (top) this.markerAt(child);
        this.pushChild(v, keys[i], child, d);
      }
      return kind;
    } else if (kind === ARRAY) {
      forEachElement(v as unknown[], (item, i) => {
        if (top) this.markerAt(item);
        this.pushChild(v, i, item, d);
      });
    } else if (kind === MAP) {
      for (const [k, item] of v as Map<unknown, unknown>) {
        this.pushChild(v, MAP_KEY, k, d);
        this.pushChild(v, k, item, d);
      }
    } else {
      for (const item of v as Set<unknown>) this.pushChild(v, SET_ITEM, item, d);
    }
    this.reverseFrom(start);
    return kind;
  }

  private markerAt(item: unknown): void {
    if (typeof item === "object" && item !== null && Object.prototype.hasOwnProperty.call(item, WIRE_KEY)) this.marker = true;
  }

  private classify(v: object, holder: unknown, key: unknown, depth: number): number {
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto === Object.prototype || proto === null) {
      if (proto === null) this.nullProto.push(v);
      if (depth === 0 && Object.prototype.hasOwnProperty.call(v, WIRE_KEY)) this.marker = true;
      return this.container(v, OBJECT, holder, key, depth);
    }
    if (proto === Array.prototype) return this.container(v, ARRAY, holder, key, depth);
    if (proto === Map.prototype) return this.container(v, MAP, holder, key, depth);
    if (proto === Set.prototype) return this.container(v, SET, holder, key, depth);
    if (ArrayBuffer.isView(v) && (VIEW_PROTOS.has(proto) || (proto === BufferProto && BufferProto !== undefined))) return this.view(v, proto, holder, key);
    if (proto === ArrayBuffer.prototype) {
      this.seen.set(v, LEAF);
      this.buffers.push(v);
      return LEAF;
    }
    if (proto === SharedArrayBufferProto && SharedArrayBufferProto !== undefined) {
      if (this.options.sharedMemory === false && !this.lossy) throw this.sharedMemoryError(holder, key);
      this.seen.set(v, LEAF);
      return LEAF;
    }
    if (LEAF_PROTOS.has(proto)) {
      this.seen.set(v, LEAF);
      return LEAF;
    }
    if (!this.lossy) {
      const entry = this.tryCodecs(v, holder, key);
      if (entry !== undefined) return entry;
    }
    if (isError(v)) {
      // lossy mode (an error's own fields): structured clone carries an error's class, message, stack and cause
      if (this.lossy) {
        this.seen.set(v, LEAF);
        return LEAF;
      }
      return this.entry(v, { id: ERROR_CODEC_ID, data: serializeError(v) });
    }
    if (this.lossy) {
      this.copy = true;
      return this.container(v, AS_PLAIN, holder, key, depth);
    }
    const error = this.fail(holder, key, `is ${describeType(v)}, and no codec is registered for it, so it cannot cross to another thread, process or machine without losing its class`,
      "Return plain data, or register a codec with registerCodec() (from @hamilton-ts/kernel/contracts).");
    MISSING_CODEC.add(error);
    throw error;
  }

  private sharedMemoryError(holder: unknown, key: unknown): SerializationError {
    return this.fail(holder, key, "is (or is a view of) a SharedArrayBuffer, which cannot cross to another process or machine",
      "Copy it into an ArrayBuffer, or run this node with a thread or local executor.");
  }

  private view(v: ArrayBufferView, proto: object | null, holder: unknown, key: unknown): number {
    const buffer = v.buffer;
    if (SharedArrayBufferProto !== undefined && Object.getPrototypeOf(buffer) === SharedArrayBufferProto) {
      if (this.options.sharedMemory === false && !this.lossy) throw this.sharedMemoryError(holder, key);
    } else if (this.options.transfer) {
      // only whole-buffer views: a slice of a pooled buffer must not detach the pool
      this.transferSeen ??= new Set();
      if (buffer.byteLength === v.byteLength && !this.transferSeen.has(buffer as ArrayBuffer)) {
        this.transferSeen.add(buffer as ArrayBuffer);
        this.transfer.push(buffer as ArrayBuffer);
      }
    }
    this.seen.set(v, VIEW);
    this.views.push(v, proto === BufferProto && BufferProto !== undefined ? VIEW_BUFFER : VIEW_PLAIN);
    return VIEW;
  }

  private tryCodecs(v: object, holder: unknown, key: unknown): number | undefined {
    const codecs = listCodecs();
    for (let i = 0; i < codecs.length; i++) {
      const c = codecs[i]!;
      let accepts: boolean;
      try {
        accepts = c.test(v);
      } catch (cause) {
        throw this.fail(holder, key, `could not be tested by codec "${c.id}"`, "The codec's test() threw; see the cause.", cause);
      }
      if (!accepts) continue;
      let encoded;
      try {
        encoded = c.encode(v);
      } catch (cause) {
        throw this.fail(holder, key, `could not be encoded by codec "${c.id}"`, "The codec's encode() threw; see the cause.", cause);
      }
      if (this.options.transfer && encoded.transfer) {
        const seen = (this.transferSeen ??= new Set());
        for (const b of encoded.transfer) if (!seen.has(b)) (seen.add(b), this.transfer.push(b));
      }
      return this.entry(v, c.module ? { id: c.id, module: c.module, data: encoded.data } : { id: c.id, data: encoded.data });
    }
    return undefined;
  }

  private entry(v: object, entry: CodecEntry): number {
    this.seen.set(v, ENTRY);
    (this.entries ??= new Map()).set(v, entry);
    this.copy = true;
    return ENTRY;
  }
}
