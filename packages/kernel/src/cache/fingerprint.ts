// Data versions: a fingerprint of a value that cannot lie.
//
// A value is written as a canonical byte encoding — a tag for its type, then its
// contents, every variable-length part prefixed by its length — and the data
// version is the SHA-256 of that encoding. Equal encodings mean equal values,
// so the rules below decide what "equal" means:
//
// - Primitives by type and value: 1, "1", 1n, true differ. Numbers by their
//   float64 bits, so -0 and 0 differ (Object.is); every NaN is one NaN.
// - Strings by their UTF-16 code units (UTF-8 when well formed), so lone
//   surrogates never merge with U+FFFD.
// - Arrays by length and elements in order; a hole differs from `undefined`
//   (runs of holes are written as one item, so `new Array(1e9)` is cheap).
//   Arrays of up to 4,096 elements also include own non-index properties (a
//   RegExp match's `index`, `groups`); longer ones do not (listing the keys of
//   a long array costs more than hashing it).
// - Plain objects by their own enumerable keys, sorted, and values: {a:1,b:2}
//   and {b:2,a:1} are equal. An object with a null prototype differs from {}.
//   Enumerable symbol keys count (registered symbols, by their key).
// - Map and Set by entries *in insertion order*: JavaScript defines their
//   iteration order and nodes read it (`[...set]`, `map.keys().next()`), so a
//   reordered Map is another value (a miss, never a false hit). A Map and an
//   object with the same entries differ.
// - Date by time; RegExp by source, flags and lastIndex; boxed primitives by
//   their value.
// - ArrayBuffer, SharedArrayBuffer, DataView, Node's Buffer and every typed
//   array by type and the bytes of the view (`byteOffset`/`byteLength`
//   respected): a Float32Array and an Int32Array with the same bytes differ.
//   Views of 4 KiB and more are digested on their own, in 4 MiB chunks
//   (natively: Node's hash in place, or Web Crypto), never copied into the
//   encoding; the encoding records their type and length, and the chunk
//   digests follow it.
// - Shared references and cycles: an object met again is written as a
//   reference to its first visit, so `[x, x]` differs from `[x, structuredClone(x)]`
//   and a cycle differs from any finite unrolling of it. The walk is iterative:
//   no depth limit, no stack overflow, no cut-off that could equate values.
// - Other objects (class instances) go through a registered fingerprinter
//   (`registerFingerprint`), tagged with its id; without one, and for
//   functions, unregistered symbols, Promises, Errors, WeakMaps and the like,
//   the value is *unhashable*: the caller must not cache what depends on it.
//
// The walk reads the whole value synchronously, before `fingerprint` returns
// its promise (Node hashes in place; Web Crypto copies what it digests when
// called), so a value changed afterwards does not change its fingerprint.

import { ByteWriter } from "./byte-writer.js";
import { sha256Text } from "./sha256.js";
import { Encoder, UnhashableError } from "./value-encoder.js";

/** A value's fingerprint: base64url SHA-256 of its canonical encoding (43 characters). */
export type DataVersion = string;

/** Why a value could not be fingerprinted; the caller must not cache anything keyed by it. */
export interface Unhashable {
  readonly unhashable: true;
  /** What the value (or the part of it at fault) is, where, and what to do. */
  readonly reason: string;
}

/** Whether a fingerprint result says "cannot be fingerprinted". */
export function isUnhashable(value: unknown): value is Unhashable {
  return typeof value === "object" && value !== null && (value as Unhashable).unhashable === true;
}

function finish(e: Encoder): DataVersion | Promise<DataVersion> {
  const structure = e.w.result();
  if (e.digests.length === 0) {
    return sha256Text(structure);
  }
  // the structure goes first, length-prefixed, then every chunk digest in walk order
  const head = new ByteWriter(structure.length + 10);
  head.varint(structure.length);
  head.raw(structure);
  const prefix = head.result();
  const combine = (parts: readonly Uint8Array[]): DataVersion | Promise<DataVersion> => {
    const all = new Uint8Array(prefix.length + parts.length * 32);
    all.set(prefix);
    parts.forEach((p, i) => all.set(p, prefix.length + i * 32));
    return sha256Text(all);
  };
  if (e.digests.every((d) => d instanceof Uint8Array)) return combine(e.digests as Uint8Array[]);
  return Promise.all(e.digests).then(combine);
}

/**
 * The data version of a value, synchronously when it holds no large binary
 * data, else a promise. For the cache engine's hot path; `fingerprint` is the
 * public form.
 */
export function fingerprintNow(value: unknown): DataVersion | Unhashable | Promise<DataVersion | Unhashable> {
  // one writer serves every call (allocation dominated small values); a fingerprinter that fingerprints inside gets its own
  const w = spareWriter ?? new ByteWriter();
  spareWriter = undefined;
  w.length = 0;
  const e = new Encoder(w);
  try {
    e.encode(value);
    return finish(e);
  } catch (error) {
    const reason =
      error instanceof UnhashableError
        ? error.message
        : `reading it threw (${error instanceof Error ? error.message : String(error)})`;
    return { unhashable: true, reason };
  } finally {
    // finish() has consumed the bytes (digested or copied) by now; a writer grown past 1 MiB is let go
    if (w.bytes.length <= 1 << 20) spareWriter = w;
  }
}

let spareWriter: ByteWriter | undefined;

/**
 * Fingerprint a value: its data version, or `Unhashable` with the reason when
 * it holds something that cannot be fingerprinted (a function, a class
 * instance without a registered fingerprinter). The value is read before this
 * returns, so later changes to it do not affect the result.
 *
 * @example
 * await fingerprint({ a: 1, b: [2, 3] }) === await fingerprint({ b: [2, 3], a: 1 }); // true
 * isUnhashable(await fingerprint(() => 1)); // true
 */
export async function fingerprint(value: unknown): Promise<DataVersion | Unhashable> {
  return fingerprintNow(value);
}
