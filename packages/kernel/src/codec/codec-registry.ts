import { SerializationError } from "../errors.js";

/**
 * A codec carries values of one type across a thread, process or machine
 * boundary (specification v1). `encode` returns structured-cloneable data (and
 * optionally ArrayBuffers that may be transferred rather than copied).
 *
 * @example
 * registerCodec({
 *   id: "my-lib/point", module: "my-lib",
 *   test: (v): v is Point => v instanceof Point,
 *   encode: (p) => ({ data: [p.x, p.y] }),
 *   decode: (d) => new Point(...(d as [number, number])),
 * });
 */
export interface Codec<T = unknown> {
  /** Unique, stable id, e.g. `"apache-arrow/table"`. */
  readonly id: string;
  /** Module specifier whose import registers this codec, so a worker can load it on demand. */
  readonly module?: string;
  test(value: unknown): value is T;
  encode(value: T): EncodedValue;
  decode(data: unknown): T;
}

/** What a codec's `encode` returns. */
export interface EncodedValue {
  readonly data: unknown;
  /** Buffers inside `data` that may be transferred instead of copied. */
  readonly transfer?: readonly ArrayBuffer[];
}

/** The marker that stands in for a codec-encoded value on the wire. */
export const WIRE_KEY = "__hamiltonCodec__";

interface WireValue {
  [WIRE_KEY]: string;
  module?: string;
  data: unknown;
}

/** A value ready for `postMessage`/`process.send`/`v8.serialize`, with buffers to transfer. */
export interface WireEnvelope {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

interface Registry {
  readonly codecs: Map<string, Codec>;
  list: Codec[];
}

// One registry per realm, shared by every copy of the kernel that is loaded.
const REGISTRY_KEY = Symbol.for("hamilton-ts.codec-registry");
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = { codecs: new Map(), list: [] } as Registry) as Registry;

/** Register (or replace) a codec. Plugins call this when imported. */
export function registerCodec<T>(codec: Codec<T>): void {
  registry.codecs.set(codec.id, codec as Codec);
  registry.list = [...registry.codecs.values()];
}

/** Look up a registered codec by id. */
export function getCodec(id: string): Codec | undefined {
  return registry.codecs.get(id);
}

/** Every registered codec, in registration order. */
export function listCodecs(): readonly Codec[] {
  return registry.list;
}

const CLONEABLE_CTORS: ReadonlySet<unknown> = new Set(
  [Date, RegExp, ArrayBuffer, DataView, Boolean, String, Number, Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
    globalThis.Blob, globalThis.File, globalThis.ImageData, globalThis.SharedArrayBuffer].filter(Boolean),
);
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;

function describeType(value: unknown): string {
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "symbol") return `a symbol (${String(value)})`;
  if (typeof value === "object" && value !== null) {
    const ctor = (value as object).constructor;
    return `an instance of ${ctor?.name || "an anonymous class"}`;
  }
  return typeof value;
}

/** Options for `encodeValue`. */
export interface EncodeOptions {
  /** Names the node whose value this is, for error messages. */
  readonly nodeName?: string;
  /** Collect ArrayBuffers of typed arrays for transfer (the sender must not use them afterwards). */
  readonly transfer?: boolean;
}

/**
 * Prepare a value to cross a boundary: values with a registered codec are
 * encoded, plain data passes through for structured cloning, and anything that
 * cannot cross (a function, a symbol, a class instance with no codec) is a
 * SerializationError naming the node and the value's type.
 */
export function encodeValue(value: unknown, options: EncodeOptions = {}): WireEnvelope {
  // fast path for primitives: remote executors encode every task's inputs and outputs
  if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) return { value, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBuffer>();
  const where = options.nodeName ? ` of node "${options.nodeName}"` : "";
  const codecs = registry.list;

  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (v === null || typeof v !== "object") {
      if (typeof v === "function" || typeof v === "symbol") {
        throw new SerializationError(
          `The value${where}${path ? ` at ${path}` : ""} is ${describeType(v)}, which cannot cross to another thread, process or machine. ` +
            `Return plain data instead, or run this node with a local executor.`,
          options.nodeName,
        );
      }
      return v;
    }
    for (const c of codecs) {
      if (c.test(v)) {
        const enc = c.encode(v);
        if (options.transfer && enc.transfer) {
          for (const b of enc.transfer) if (!seen.has(b)) (seen.add(b), transfer.push(b));
        }
        const wire: WireValue = { [WIRE_KEY]: c.id, data: enc.data };
        if (c.module) wire.module = c.module;
        return wire;
      }
    }
    if (depth > 64) return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item === null || (typeof item !== "object" && typeof item !== "function" && typeof item !== "symbol")) continue;
        const enc = walk(item, `${path}[${i}]`, depth + 1);
        if (enc !== item) (out ??= v.slice())[i] = enc;
      }
      return out ?? v;
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto === Object.prototype || proto === null) {
      let out: Record<string, unknown> | undefined;
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key];
        if (item === null || (typeof item !== "object" && typeof item !== "function" && typeof item !== "symbol")) continue;
        const enc = walk(item, `${path}.${key}`, depth + 1);
        if (enc !== item) (out ??= { ...(v as Record<string, unknown>) })[key] = enc;
      }
      return out ?? v;
    }
    if (ArrayBuffer.isView(v)) {
      if (options.transfer && Object.getPrototypeOf(proto) === TypedArrayProto) {
        const buf = v.buffer;
        // only whole-buffer views: a slice of a pooled buffer must not detach the pool
        if (buf instanceof ArrayBuffer && buf.byteLength === v.byteLength && !seen.has(buf)) (seen.add(buf), transfer.push(buf));
      }
      return v;
    }
    if (v instanceof Map) {
      const out = new Map();
      for (const [k, item] of v) out.set(walk(k, `${path}<key>`, depth + 1), walk(item, `${path}.get(${String(k)})`, depth + 1));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      for (const item of v) out.add(walk(item, `${path}<item>`, depth + 1));
      return out;
    }
    if (CLONEABLE_CTORS.has((v as object).constructor) || v instanceof Error) return v;
    throw new SerializationError(
      `The value${where}${path ? ` at ${path}` : ""} is ${describeType(v)}, and no codec is registered for it, so it cannot cross ` +
        `to another thread, process or machine without losing its class. Return plain data, or register a codec with registerCodec().`,
      options.nodeName,
    );
  };

  return { value: walk(value, "", 0), transfer };
}

function isWire(v: unknown): v is WireValue {
  return typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[WIRE_KEY] === "string";
}

/** Modules whose codecs a wire value needs but this realm has not registered. */
export function missingCodecModules(wire: unknown): string[] {
  const missing = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== "object" || depth > 64) return;
    if (isWire(v)) {
      if (!registry.codecs.has(v[WIRE_KEY])) {
        if (!v.module) throw new SerializationError(`No codec "${v[WIRE_KEY]}" is registered here, and the sender did not say which module provides it.`);
        missing.add(v.module);
      }
      return;
    }
    if (Array.isArray(v)) for (const item of v) walk(item, depth + 1);
    else if (v instanceof Map) for (const [k, item] of v) (walk(k, depth + 1), walk(item, depth + 1));
    else if (v instanceof Set) for (const item of v) walk(item, depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype) for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key], depth + 1);
  };
  walk(wire, 0);
  return [...missing];
}

/** Undo `encodeValue` (synchronously): every codec the value needs must be registered. */
export function decodeValue(wire: unknown): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== "object" || depth > 64) return v;
    if (isWire(v)) {
      const codec = registry.codecs.get(v[WIRE_KEY]);
      if (!codec) {
        throw new SerializationError(
          `No codec "${v[WIRE_KEY]}" is registered here${v.module ? `; import "${v.module}" first (decodeValueAsync does so)` : ""}.`,
        );
      }
      return codec.decode(v.data);
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item !== null && typeof item === "object") v[i] = walk(item, depth + 1);
      }
      return v;
    }
    if (v instanceof Map) {
      const out = new Map();
      for (const [k, item] of v) out.set(walk(k, depth + 1), walk(item, depth + 1));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      for (const item of v) out.add(walk(item, depth + 1));
      return out;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key];
        if (item !== null && typeof item === "object") (v as Record<string, unknown>)[key] = walk(item, depth + 1);
      }
    }
    return v;
  };
  return walk(wire, 0);
}

/** Imports a module by specifier (codec modules register their codecs when imported). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const importByName: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

/**
 * Import codec modules (each registers its codecs); already registered ones cost
 * nothing. Workers pass an importer that can resolve plugin packages from where
 * the pipeline lives, which the kernel's own location may not (pnpm's layout).
 */
export async function loadCodecModules(specifiers: readonly string[], importModule: ModuleImporter = importByName): Promise<void> {
  const known = new Set(registry.list.map((c) => c.module));
  for (const s of specifiers) {
    if (known.has(s)) continue;
    try {
      await importModule(s);
    } catch (cause) {
      throw new SerializationError(
        `Cannot import codec module "${s}" here: ${cause instanceof Error ? cause.message : String(cause)}. ` +
          `Install it where the worker runs, or import it from the pipeline module.`,
        undefined,
        { cause },
      );
    }
  }
}

/** Like `decodeValue`, but first imports the modules of any codec not yet registered. */
export async function decodeValueAsync(wire: unknown, importModule?: ModuleImporter): Promise<unknown> {
  await loadCodecModules(missingCodecModules(wire), importModule);
  return decodeValue(wire);
}

/** An error as plain data, to cross a boundary with its name, message, stack, cause and own fields. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly cause?: SerializedError | { readonly value: unknown };
  readonly props?: Record<string, unknown>;
}

/** Turn any thrown value into plain data (see `deserializeError`). */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: "NonError", message: String(error), props: { value: safeClone(error) } };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === "cause" || key === "stack" || key === "message") continue;
    props[key] = safeClone((error as unknown as Record<string, unknown>)[key]);
  }
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(cause !== undefined && depth < 8 ? { cause: serializeError(cause, depth + 1) } : {}),
    ...(Object.keys(props).length > 0 ? { props } : {}),
  };
}

function safeClone(v: unknown): unknown {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  try {
    return JSON.parse(JSON.stringify(v)) as unknown;
  } catch {
    return String(v);
  }
}

/** Rebuild an Error from `serializeError` data, keeping the original stack. */
export function deserializeError(data: SerializedError): Error {
  const error = new Error(data.message);
  Object.defineProperty(error, "name", { value: data.name, writable: true, configurable: true, enumerable: false });
  if (data.stack !== undefined) Object.defineProperty(error, "stack", { value: data.stack, writable: true, configurable: true, enumerable: false });
  if (data.props) Object.assign(error, data.name === "NonError" && "value" in data.props ? {} : data.props);
  if (data.cause) {
    const c = data.cause as SerializedError;
    Object.defineProperty(error, "cause", {
      value: typeof c.name === "string" && typeof c.message === "string" ? deserializeError(c) : (data.cause as { value: unknown }).value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}
