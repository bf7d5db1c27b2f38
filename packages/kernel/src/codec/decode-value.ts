import { HamiltonError, SerializationError } from "../errors.js";
import { getCodec } from "./codec-registry.js";
import { deserializeThrown, type SerializedError } from "./error-data.js";
import { defineOwn, ERROR_CODEC_ID, forEachElement, isEnvelope, isPlainObject, VIEW_BUFFER, type CodecEntry, type Envelope } from "./wire-format.js";

/** Options for `decodeValue`. */
export interface DecodeOptions {
  /** Names the node (or input) whose value this is, for error messages. */
  readonly nodeName?: string;
  /**
   * The wire value is one encoded value, not a transport's array or record of
   * them: only its top is looked at (constant time for plain data).
   */
  readonly single?: boolean;
}

/** A codec a wire value needs: its id and the module the sender said registers it. */
export interface NeededCodec {
  readonly id: string;
  readonly module: string | undefined;
}

const BufferCtor = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike, offset?: number, length?: number): Uint8Array } }).Buffer;
const SharedArrayBufferProto = globalThis.SharedArrayBuffer?.prototype;

function malformed(what: string, nodeName: string | undefined): SerializationError {
  return new SerializationError(
    `The value${nodeName !== undefined ? ` of "${nodeName}"` : ""} arrived malformed (${what}); it was not written by this version of hamilton-ts. ` +
      `Run the same @hamilton-ts/kernel version on both sides.`,
    nodeName,
  );
}

/** Each envelope in a wire value: the value itself, or the items of a transport's array or record of encoded values. */
function forEachEnvelope(wire: unknown, single: boolean | undefined, fn: (env: Envelope, replace: (decoded: unknown) => void) => void): unknown {
  if (isEnvelope(wire)) {
    let out: unknown;
    fn(wire, (d) => (out = d));
    return out;
  }
  if (single) return wire;
  if (Array.isArray(wire)) {
    forEachElement(wire, (item, i) => {
      if (isEnvelope(item)) fn(item, (d) => (wire[i] = d));
    });
  } else if (typeof wire === "object" && wire !== null && isPlainObject(wire)) {
    for (const key of Object.keys(wire)) {
      const item = (wire as Record<string, unknown>)[key];
      if (isEnvelope(item)) fn(item, (d) => defineOwn(wire, key, d));
    }
  }
  return wire;
}

function entriesOf(env: Envelope, nodeName: string | undefined): readonly CodecEntry[] {
  const codecs = env.codecs;
  if (codecs === undefined) return [];
  if (!Array.isArray(codecs)) throw malformed("its codec list is not an array", nodeName);
  for (const e of codecs) {
    if (typeof e !== "object" || e === null || typeof e.id !== "string" || (e.module !== undefined && typeof e.module !== "string")) {
      throw malformed("a codec entry has no string id", nodeName);
    }
  }
  return codecs;
}

/**
 * The codecs a wire value needs that this realm has not registered, with the
 * module each one's sender named. Costs the number of codec values inside, not
 * the size of the value.
 */
export function missingCodecs(wire: unknown, options: DecodeOptions = {}): NeededCodec[] {
  const out: NeededCodec[] = [];
  const ids = new Set<string>();
  forEachEnvelope(wire, options.single, (env) => {
    for (const e of entriesOf(env, options.nodeName)) {
      if (e.id === ERROR_CODEC_ID || ids.has(e.id) || getCodec(e.id)) continue;
      ids.add(e.id);
      out.push({ id: e.id, module: e.module });
    }
  });
  return out;
}

/**
 * Modules whose codecs a wire value needs but this realm has not registered.
 * A needed codec whose sender named no module is a SerializationError.
 */
export function missingCodecModules(wire: unknown): string[] {
  const modules = new Set<string>();
  for (const c of missingCodecs(wire)) {
    if (c.module === undefined) throw new SerializationError(`No codec "${c.id}" is registered here, and the sender did not say which module provides it.`);
    modules.add(c.module);
  }
  return [...modules];
}

function decodeEntry(e: CodecEntry, nodeName: string | undefined): unknown {
  if (e.id === ERROR_CODEC_ID) return deserializeThrown(e.data as SerializedError);
  const codec = getCodec(e.id);
  if (!codec) {
    throw new SerializationError(
      `No codec "${e.id}" is registered here${nodeName !== undefined ? ` to decode the value of "${nodeName}"` : ""}` +
        (e.module !== undefined ? `; the sender names module "${e.module}": import it here, or allow it (codecModules) so it is imported when needed.` : "."),
      nodeName,
    );
  }
  try {
    return codec.decode(e.data);
  } catch (cause) {
    throw new SerializationError(
      `Codec "${e.id}" could not decode the value${nodeName !== undefined ? ` of "${nodeName}"` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`,
      nodeName,
      { cause },
    );
  }
}

/**
 * A view over a buffer of its own: kept when it spans its whole buffer and no
 * other view or buffer in the value uses that buffer, copied otherwise (a view
 * into v8's message buffer or Node's buffer pool, a slice, one of two views
 * sharing a buffer). Shared memory stays shared.
 */
function ownView(v: ArrayBufferView, kind: unknown, claimed: Set<unknown>): ArrayBufferView {
  const buffer = v.buffer;
  if (SharedArrayBufferProto !== undefined && Object.getPrototypeOf(buffer) === SharedArrayBufferProto) return v;
  let own: ArrayBufferView = v;
  if (v.byteOffset !== 0 || v.byteLength !== buffer.byteLength || claimed.has(buffer)) {
    // copy the bytes (a Buffer's slice() would share them), then view them as the same type
    const bytes = (buffer as ArrayBuffer).slice(v.byteOffset, v.byteOffset + v.byteLength);
    own = v instanceof DataView ? new DataView(bytes) : new (standardCtorOf(v))(bytes);
  }
  claimed.add(own.buffer);
  if (kind === VIEW_BUFFER && BufferCtor) return BufferCtor.from(own.buffer, 0, own.byteLength);
  return own;
}

const TYPED_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  globalThis.BigInt64Array, globalThis.BigUint64Array].filter(Boolean);

/** The standard typed array constructor a view is an instance of (a Buffer is a Uint8Array). */
function standardCtorOf(v: ArrayBufferView): new (buffer: ArrayBuffer) => ArrayBufferView {
  for (const C of TYPED_ARRAYS) if (v instanceof C) return C as unknown as new (buffer: ArrayBuffer) => ArrayBufferView;
  return Uint8Array;
}

function unpack(env: Envelope, nodeName: string | undefined): unknown {
  const map = new Map<unknown, unknown>();
  for (const e of entriesOf(env, nodeName)) map.set(e, decodeEntry(e, nodeName));
  if (env.views !== undefined) {
    const views = env.views;
    if (!Array.isArray(views)) throw malformed("its view list is not an array", nodeName);
    const claimed = new Set<unknown>(Array.isArray(env.buffers) ? env.buffers : []);
    for (let i = 0; i + 1 < views.length; i += 2) {
      const v = views[i];
      if (!ArrayBuffer.isView(v)) throw malformed("a listed view is not a typed array", nodeName);
      if (!map.has(v)) map.set(v, ownView(v, views[i + 1], claimed));
    }
  }
  if (env.nullProto !== undefined) {
    if (!Array.isArray(env.nullProto)) throw malformed("its null-prototype list is not an array", nodeName);
    for (const o of env.nullProto) if (typeof o === "object" && o !== null && Object.getPrototypeOf(o) === Object.prototype) Object.setPrototypeOf(o, null);
  }
  const mapped = (x: unknown): unknown => (map.has(x) ? map.get(x) : x);
  if (env.puts !== undefined) {
    const puts = env.puts;
    if (!Array.isArray(puts)) throw malformed("its replacement list is not an array", nodeName);
    for (let i = 0; i + 1 < puts.length; i += 2) {
      const holder = puts[i];
      const key = puts[i + 1];
      if (typeof holder !== "object" || holder === null || (typeof key !== "string" && typeof key !== "number")) throw malformed("a replacement has no holder", nodeName);
      const current = (holder as Record<string, unknown>)[key];
      if (map.has(current)) defineOwn(holder, key, map.get(current));
    }
  }
  if (env.rebuilds !== undefined) {
    if (!Array.isArray(env.rebuilds)) throw malformed("its rebuild list is not an array", nodeName);
    for (const c of env.rebuilds) {
      if (c instanceof Map) {
        const entries = [...(c as Map<unknown, unknown>)];
        c.clear();
        for (const [k, v] of entries) c.set(mapped(k), mapped(v));
      } else if (c instanceof Set) {
        const items = [...(c as Set<unknown>)];
        c.clear();
        for (const v of items) c.add(mapped(v));
      } else throw malformed("a rebuild is neither a Map nor a Set", nodeName);
    }
  }
  return env.root === true ? mapped(env.value) : env.value;
}

/**
 * Undo `encodeValue` on what crossed (synchronously): every codec the value
 * needs must be registered. Costs the number of codec values, typed arrays
 * and null-prototype objects inside, not the size of the value; plain data is
 * returned as it arrived. Also accepts a transport's array or record of
 * encoded values (each one is decoded in place). Typed arrays arrive over
 * buffers of their own. Malformed input is a SerializationError, never a hang.
 */
export function decodeValue(wire: unknown, options: DecodeOptions = {}): unknown {
  try {
    return forEachEnvelope(wire, options.single, (env, replace) => replace(unpack(env, options.nodeName)));
  } catch (error) {
    if (HamiltonError.isInstance(error)) throw error;
    throw new SerializationError(
      `The value${options.nodeName !== undefined ? ` of "${options.nodeName}"` : ""} could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
      options.nodeName,
      { cause: error },
    );
  }
}
