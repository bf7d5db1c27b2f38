// The canonical byte encoding of a value that fingerprints digest: an
// iterative walk that writes a tag per type, then contents, every
// variable-length part prefixed by its length. The rules (what counts as equal)
// are described in fingerprint.ts.

import { isWellFormedString, type ByteWriter } from "./byte-writer.js";
import { listFingerprinters } from "./fingerprint-registry.js";
import { NATIVE_DIGEST_MIN_BYTES, sha256 } from "./sha256.js";

const enum Tag {
  Undefined = 0,
  Null,
  False,
  True,
  Number,
  BigInt,
  StringUtf8,
  StringUtf16,
  Symbol,
  Array = 16,
  Hole,
  Object,
  NullProtoObject,
  Map,
  Set,
  Date,
  RegExp,
  Boxed,
  Bytes = 32,
  Blob,
  /** A long well-formed string, as UTF-8 digested apart (no multi-megabyte copy into the encoding). */
  StringBlob,
  Custom = 48,
  Ref = 64,
}

/** Strings at least this long are digested apart, like large views. */
const LONG_STRING = 64 * 1024;
const utf8 = new TextEncoder();

/** Arrays up to this length include their own non-index properties. */
const ARRAY_EXTRAS_MAX = 4096;
/** Chunk size of separately digested views (Web Crypto digests chunks in parallel on its threads). Part of the definition: every backend cuts alike. */
const CHUNK = 4 * 1024 * 1024;

// Byte views by exact prototype; a subclass needs its own fingerprinter (it may hold more state).
const VIEW_CODES = new Map<object, number>();
[
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array", "DataView", "ArrayBuffer", "SharedArrayBuffer",
].forEach((name, i) => {
  const ctor = (globalThis as unknown as Record<string, { prototype: object } | undefined>)[name];
  if (ctor) VIEW_CODES.set(ctor.prototype, i + 1);
});
const NodeBuffer = (globalThis as { Buffer?: { prototype: object } }).Buffer;
if (NodeBuffer) VIEW_CODES.set(NodeBuffer.prototype, 32);

const BOXED = new Map<object, (v: object) => unknown>([
  [Number.prototype, (v) => Number.prototype.valueOf.call(v)],
  [String.prototype, (v) => String.prototype.valueOf.call(v)],
  [Boolean.prototype, (v) => Boolean.prototype.valueOf.call(v)],
  [BigInt.prototype, (v) => BigInt.prototype.valueOf.call(v)],
  [Symbol.prototype, (v) => Symbol.prototype.valueOf.call(v)],
]);

/** Thrown by the walk when it meets something it cannot fingerprint; `fingerprintNow` turns it into `Unhashable`. */
export class UnhashableError extends Error {}

/** A container being written: its children are visited in order, one at a time. */
interface Frame {
  readonly container: unknown;
  /** Children to write: array elements, or [key, value, key, value, …] pairs. */
  readonly items: ArrayLike<unknown>;
  /** Keys for object frames (children are the values of these keys), else undefined. */
  readonly keys: readonly PropertyKey[] | undefined;
  /** Array frames check for holes. */
  readonly holes: boolean;
  /** For a sparse array: its present indices, ascending (holes between them are skipped, not visited). */
  readonly present?: readonly number[];
  /** Position in `present`. */
  p?: number;
  i: number;
}

function describe(v: unknown): string {
  if (typeof v === "function") return `a function${v.name ? ` (${v.name})` : ""}`;
  if (typeof v === "symbol") return `a symbol (${String(v)}) that is not registered with Symbol.for`;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  const name = proto?.constructor?.name;
  if (v instanceof Promise) return "a Promise (await it inside the node instead of returning it)";
  if (v instanceof Error) return `an Error (${(v as Error).name})`;
  return `an instance of ${name || "an anonymous class"}`;
}

function pathOf(frames: readonly Frame[]): string {
  let out = "";
  for (const f of frames) {
    const at = f.i - 1;
    if (f.keys) {
      const k = f.keys[at];
      out += typeof k === "string" && /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${typeof k === "symbol" ? String(k) : JSON.stringify(k)}]`;
    } else if (f.container instanceof Map) out += at % 2 === 0 ? `<key ${at / 2}>` : `.get(<key ${(at - 1) / 2}>)`;
    else if (f.container instanceof Set) out += `<item ${at}>`;
    else out += `[${at}]`;
  }
  return out;
}

/** The canonical encoding of one value, with the digests of its large views still pending. */
export class Encoder {
  constructor(readonly w: ByteWriter) {}
  readonly digests: Array<Uint8Array | Promise<Uint8Array>> = [];
  private readonly seen = new Map<object, number>();
  private readonly frames: Frame[] = [];

  encode(root: unknown): void {
    this.value(root);
    const frames = this.frames;
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      if (f.i >= (f.keys ? f.keys.length : f.items.length)) {
        frames.pop();
        continue;
      }
      const i = f.i++;
      if (f.keys) {
        const k = f.keys[i]!;
        this.key(k);
        this.value((f.items as unknown as Record<PropertyKey, unknown>)[k as string]);
        continue;
      }
      if (f.present) {
        // sparse: jump to the next present index, writing the run of holes before it
        const next = f.present[f.p!] ?? f.items.length;
        if (next > i) {
          this.holes(next - i);
          f.i = next;
          continue;
        }
        f.p!++;
      }
      const v = f.items[i];
      if (typeof v === "number") this.w.tagF64(Tag.Number, v);
      else if (v === undefined && f.holes && !(i in (f.items as object))) {
        let j = i + 1;
        while (j < f.items.length && f.items[j] === undefined && !(j in (f.items as object))) j++;
        this.holes(j - i);
        f.i = j;
      } else this.value(v);
    }
  }

  /** A maximal run of holes, however the array was walked. */
  private holes(count: number): void {
    this.w.u8(Tag.Hole);
    this.w.varint(count);
  }

  private key(k: PropertyKey): void {
    if (typeof k === "string") this.w.string(k, Tag.StringUtf8, Tag.StringUtf16);
    else this.value(k);
  }

  private fail(v: unknown): never {
    const where = pathOf(this.frames);
    throw new UnhashableError(`${where ? `the value at ${where}` : "the value"} is ${describe(v)}`);
  }

  /** Write a primitive, or open a container (pushing a frame for its children). */
  private value(v: unknown): void {
    const w = this.w;
    switch (typeof v) {
      case "number":
        w.tagF64(Tag.Number, v);
        return;
      case "string":
        if (v.length >= LONG_STRING && isWellFormedString(v)) this.digested(Tag.StringBlob, 0, utf8.encode(v));
        else w.string(v, Tag.StringUtf8, Tag.StringUtf16);
        return;
      case "boolean":
        w.u8(v ? Tag.True : Tag.False);
        return;
      case "undefined":
        w.u8(Tag.Undefined);
        return;
      case "bigint":
        w.u8(Tag.BigInt);
        w.string(v.toString(16), Tag.StringUtf8, Tag.StringUtf16);
        return;
      case "symbol": {
        const key = Symbol.keyFor(v);
        if (key === undefined) this.fail(v);
        w.u8(Tag.Symbol);
        w.string(key, Tag.StringUtf8, Tag.StringUtf16);
        return;
      }
      case "function":
        this.fail(v);
    }
    if (v === null) {
      w.u8(Tag.Null);
      return;
    }
    const obj = v as object;
    const ref = this.seen.get(obj);
    if (ref !== undefined) {
      w.u8(Tag.Ref);
      w.varint(ref);
      return;
    }
    this.seen.set(obj, this.seen.size);
    const proto = Object.getPrototypeOf(obj) as object | null;
    if (proto === Array.prototype) return this.array(obj as unknown[]);
    if (proto === Object.prototype || proto === null) return this.object(obj, proto === null ? Tag.NullProtoObject : Tag.Object);
    for (const fp of listFingerprinters()) {
      if (!matches(fp, obj)) continue;
      w.u8(Tag.Custom);
      w.string(fp.id, Tag.StringUtf8, Tag.StringUtf16);
      // the returned data is written in place of the value; it may hold further fingerprinted values
      this.value(fp.fingerprint(obj));
      return;
    }
    const view = VIEW_CODES.get(proto);
    if (view !== undefined) return this.bytes(obj, view);
    if (proto === Map.prototype) {
      const map = obj as Map<unknown, unknown>;
      w.u8(Tag.Map);
      w.varint(map.size);
      const items: unknown[] = new Array(map.size * 2);
      let j = 0;
      for (const [k, item] of map) (items[j++] = k), (items[j++] = item);
      this.frames.push({ container: map, items, keys: undefined, holes: false, i: 0 });
      return;
    }
    if (proto === Set.prototype) {
      const set = obj as Set<unknown>;
      w.u8(Tag.Set);
      w.varint(set.size);
      this.frames.push({ container: set, items: [...set], keys: undefined, holes: false, i: 0 });
      return;
    }
    if (proto === Date.prototype) {
      w.tagF64(Tag.Date, (obj as Date).getTime());
      return;
    }
    if (proto === RegExp.prototype) {
      const re = obj as RegExp;
      w.u8(Tag.RegExp);
      w.string(re.source, Tag.StringUtf8, Tag.StringUtf16);
      w.string(re.flags, Tag.StringUtf8, Tag.StringUtf16);
      w.tagF64(Tag.Number, Number(re.lastIndex));
      return;
    }
    const unbox = BOXED.get(proto);
    if (unbox) {
      w.u8(Tag.Boxed);
      this.value(unbox(obj));
      return;
    }
    this.fail(obj);
  }

  private array(arr: unknown[]): void {
    const w = this.w;
    w.u8(Tag.Array);
    w.varint(arr.length);
    if (arr.length <= ARRAY_EXTRAS_MAX) {
      const extras = Object.keys(arr).filter((k) => !isIndex(k, arr.length));
      w.varint(extras.length);
      // extras are written after the elements: push them first, below the elements' frame
      if (extras.length > 0) this.frames.push({ container: arr, items: arr, keys: extras.sort(), holes: false, i: 0 });
    }
    this.frames.push({ container: arr, items: arr, keys: undefined, holes: true, i: 0, ...(looksSparse(arr) ? { present: presentIndices(arr), p: 0 } : {}) });
  }

  private object(obj: object, tag: Tag): void {
    const w = this.w;
    const keys: PropertyKey[] = Object.keys(obj).sort();
    let symbols = Object.getOwnPropertySymbols(obj);
    if (symbols.length > 0) symbols = symbols.filter((s) => Object.prototype.propertyIsEnumerable.call(obj, s));
    if (symbols.length > 0) {
      for (const s of symbols) if (Symbol.keyFor(s) === undefined) this.fail(s);
      keys.push(...symbols.sort((a, b) => (Symbol.keyFor(a)! < Symbol.keyFor(b)! ? -1 : 1)));
    }
    w.u8(tag);
    w.varint(keys.length);
    this.frames.push({ container: obj, items: obj as ArrayLike<unknown>, keys, holes: false, i: 0 });
  }

  private bytes(obj: object, code: number): void {
    const w = this.w;
    const b =
      obj instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && obj instanceof SharedArrayBuffer)
        ? new Uint8Array(obj as ArrayBuffer)
        : new Uint8Array((obj as ArrayBufferView).buffer, (obj as ArrayBufferView).byteOffset, (obj as ArrayBufferView).byteLength);
    if (b.byteLength < NATIVE_DIGEST_MIN_BYTES) {
      w.u8(Tag.Bytes);
      w.u8(code);
      w.varint(b.byteLength);
      w.raw(b);
      return;
    }
    this.digested(Tag.Blob, code, b);
  }

  /** Large bytes: the encoding records tag, type and length; the chunks' digests follow the encoding, in order. */
  private digested(tag: Tag, code: number, b: Uint8Array): void {
    const w = this.w;
    w.u8(tag);
    w.u8(code);
    w.varint(b.byteLength);
    for (let at = 0; at < b.byteLength; at += CHUNK) this.digests.push(sha256(b.subarray(at, Math.min(at + CHUNK, b.byteLength))));
  }
}

/** Arrays at least this long are probed for sparseness, so `new Array(1e9)` is not walked index by index. */
const SPARSE_PROBE_MIN = 1 << 20;

// A probe, not a proof: either walk gives the same encoding; this only picks the faster one.
function looksSparse(arr: readonly unknown[]): boolean {
  const n = arr.length;
  if (n < SPARSE_PROBE_MIN) return false;
  for (let k = 0; k <= 16; k++) if (!(Math.floor(((n - 1) * k) / 16) in arr)) return true;
  return false;
}

function presentIndices(arr: readonly unknown[]): number[] {
  const out: number[] = [];
  for (const key of Object.keys(arr)) if (isIndex(key, arr.length)) out.push(Number(key));
  return out; // Object.keys lists integer keys in ascending order
}

// a fingerprinter whose test throws on a value it was not written for simply does not handle it
function matches(fp: { test(v: unknown): boolean }, v: object): boolean {
  try {
    return fp.test(v) === true;
  } catch {
    return false;
  }
}

function isIndex(key: string, length: number): boolean {
  const n = Number(key);
  return n >>> 0 === n && n < length && String(n) === key;
}
