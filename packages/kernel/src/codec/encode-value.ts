// Encoding a value to cross to another thread, process or machine: the public
// entry points, with fast paths for plain data. The walk itself is in
// value-walk.ts, what it puts on the wire in wire-copy.ts.
import { describeThrown, SerializationError } from "../errors.js";
import { envelopeOf } from "./wire-copy.js";
import { Walk } from "./value-walk.js";
import { WIRE_KEY } from "./wire-format.js";

export { MAX_DEPTH, MISSING_CODEC } from "./value-walk.js";

/** A value ready for `postMessage`/`process.send`/`v8.serialize`, with buffers to transfer. */
export interface WireEnvelope {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

/** Options for `encodeValue`. */
export interface EncodeOptions {
  /** Names the node (or input) whose value this is, for error messages. */
  readonly nodeName?: string;
  /** Collect ArrayBuffers of typed arrays for transfer (the sender must not use them afterwards). */
  readonly transfer?: boolean;
  /**
   * False when the value goes to another process or machine, where shared
   * memory cannot follow: a SharedArrayBuffer is then a SerializationError
   * rather than a failure of the transport. Default true (threads share it).
   */
  readonly sharedMemory?: boolean;
}

const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol");

/** A plain object (not carrying the marker key) or a dense array, holding primitives only: nothing to walk. */
function isFlat(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Object.prototype) {
    if (Object.prototype.hasOwnProperty.call(v, WIRE_KEY)) return false;
    for (const key in v) if (!isPrimitive((v as Record<string, unknown>)[key])) return false;
    return true;
  }
  if (proto === Array.prototype) {
    const a = v as unknown[];
    for (let i = 0; i < a.length; i++) {
      const item = a[i];
      if (!isPrimitive(item) || (item === undefined && !(i in a))) return false;
    }
    return true;
  }
  return false;
}

/**
 * Prepare a value to cross a boundary, in time linear in its size: shared
 * references and cycles are kept (as structured clone keeps them) and never
 * walked twice; values with a registered codec are encoded; typed arrays, Maps,
 * Sets, Dates, errors and other cloneable values pass. Plain data crosses as
 * itself, uncopied. Anything that cannot cross (a function, a symbol, a class
 * instance with no codec, a SharedArrayBuffer bound for another process,
 * nesting deeper than `MAX_DEPTH`) is a SerializationError naming the node,
 * the path and the value's type.
 */
export function encodeValue(value: unknown, options: EncodeOptions = {}): WireEnvelope {
  // fast paths for primitives and flat records and arrays of them: remote executors encode every task's inputs and outputs
  if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) return { value, transfer: [] };
  if (isFlat(value as object)) return { value, transfer: [] };
  const walk = new Walk(value, options, false);
  try {
    walk.run();
    return { value: envelopeOf(walk), transfer: walk.transfer };
  } catch (error) {
    if (SerializationError.isInstance(error)) throw error;
    // a getter or a proxy trap threw while the value was read
    const where = options.nodeName !== undefined ? ` of node "${options.nodeName}"` : "";
    throw new SerializationError(`The value${where} could not be read to cross to another thread, process or machine: ${describeThrown(error)}`, options.nodeName, { cause: error });
  }
}

/**
 * Encode for an error's own fields: what cannot cross is replaced by a short
 * description (a function by `[function name]`, a class instance by a plain
 * copy of its own fields) instead of failing, so an error always crosses.
 */
export function encodeLossy(value: unknown): unknown {
  if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) return value;
  const walk = new Walk(value, {}, true);
  try {
    walk.run();
    return envelopeOf(walk);
  } catch (error) {
    return `[unreadable: ${describeThrown(error)}]`;
  }
}
