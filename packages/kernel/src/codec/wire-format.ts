// What `encodeValue` puts on the wire, and how a receiver recognises it.
//
// A value that needs nothing done on arrival (the common case) crosses as
// itself: no wrapper, no copy. Anything else crosses inside one envelope at the
// top: the value (a copy where codec values were replaced) plus flat lists that
// say what to fix on arrival. The lists point into the value by object
// identity, which structured clone and v8 serialization keep, so decoding costs
// the length of the lists, not the size of the value. Only the top of a wire
// value is ever read as an envelope: user data deeper down is never
// interpreted, and user data at the top that carries the marker key travels
// inside an envelope, so it arrives as data.

/** The marker key of an envelope. */
export const WIRE_KEY = "__hamiltonCodec__";

/** The envelope format this kernel writes and reads. */
export const ENVELOPE_VERSION = 1;

/** The built-in codec that carries Error values with their class and own properties. */
export const ERROR_CODEC_ID = "hamilton-ts/error";

/** A typed array or DataView to rebuild over a buffer of its own. */
export const VIEW_PLAIN = 0;
/** A Node.js Buffer to rebuild over a buffer of its own (structured clone makes it a Uint8Array). */
export const VIEW_BUFFER = 1;

/** One codec-encoded value; the same object stands in for it wherever it occurred. */
export interface CodecEntry {
  readonly id: string;
  readonly module?: string;
  readonly data: unknown;
}

/** The envelope (see the top of this file). Lists are absent when empty. */
export interface Envelope {
  readonly [WIRE_KEY]: typeof ENVELOPE_VERSION;
  readonly value: unknown;
  /** The value itself stands for a codec entry or a view. */
  readonly root?: true;
  readonly codecs?: readonly CodecEntry[];
  /** Typed arrays and DataViews in the value, with their kind: `[view, kind, view, kind, …]`. */
  readonly views?: readonly unknown[];
  /** ArrayBuffers in the value itself (so a view over one of them gets a copy). */
  readonly buffers?: readonly unknown[];
  /** `[holder, key, …]`: `holder[key]` is a codec entry or a view to replace. */
  readonly puts?: readonly unknown[];
  /** Maps and Sets with a codec entry or a view among their keys, values or items. */
  readonly rebuilds?: readonly unknown[];
  /** Objects that had a null prototype (structured clone gives them Object.prototype). */
  readonly nullProto?: readonly unknown[];
}

/** Whether `v` is an envelope: a plain object carrying the marker key with this format's version. */
export function isEnvelope(v: unknown): v is Envelope {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return (v as Record<string, unknown>)[WIRE_KEY] === ENVELOPE_VERSION && Object.prototype.hasOwnProperty.call(v, "value");
}

/** Whether `v` is a plain object (Object.prototype or null prototype). */
export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Set an own data property, never a setter (`__proto__` included). */
export function defineOwn(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Call `fn` for each own element of an array, in index order, in time linear in
 * the number of elements that exist: a sparse array (`a[1e9] = 1`) is read by
 * its own keys, not by `length`.
 */
export function forEachElement(arr: readonly unknown[], fn: (item: unknown, index: number) => void): void {
  const n = arr.length;
  let i = 0;
  for (; i < n; i++) {
    const item = arr[i];
    if (item === undefined && !(i in arr)) break;
    fn(item, i);
  }
  if (i === n) return;
  // a hole: read the rest by own keys (indices come first, ascending)
  for (const key of Object.keys(arr)) {
    const idx = arrayIndex(key);
    if (idx === -1) break;
    if (idx > i) fn(arr[idx], idx);
  }
}

/** The array index a property key names, or -1. */
function arrayIndex(key: string): number {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === key ? n : -1;
}
