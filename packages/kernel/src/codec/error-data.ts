import { blankHamiltonError, describeThrown, HamiltonError } from "../errors.js";
import { decodeValue } from "./decode-value.js";
import { encodeLossy } from "./encode-value.js";
import { defineOwn } from "./wire-format.js";

/** One error (or thrown value) of a `SerializedError`. */
export interface SerializedErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /**
   * How to rebuild it: `"hamilton:<name>"` for a kernel error class, a built-in
   * constructor's name (`TypeError`, `AggregateError`, `DOMException`, …), or
   * absent for an `Error` (a custom class arrives as an `Error` with its `name`).
   */
  readonly class?: string;
  /** Own enumerable fields (encoded; what cannot cross is described instead). */
  readonly props?: unknown;
  /** The thrown value was not an error: this is it (encoded as `props` are). */
  readonly thrown?: { readonly value: unknown };
  /** The record of its `cause`: 0 is the top error, `i` is `related[i - 1]`. */
  readonly cause?: number;
  /** The records of an AggregateError's `errors`. */
  readonly errors?: readonly number[];
}

/**
 * A thrown value as plain data, to cross a boundary: an error with its class,
 * name, message, stack, own enumerable fields, cause chain and (for an
 * AggregateError) its errors; or any other thrown value itself. The top
 * error's record, plus the errors it leads to in a flat list, so a cause chain
 * of any length (or a cycle: an error that is its own cause) costs one record
 * per error and no depth.
 */
export interface SerializedError extends SerializedErrorRecord {
  readonly related?: readonly SerializedErrorRecord[];
}

const BUILTIN_ERRORS: Readonly<Record<string, ErrorConstructor | undefined>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError: globalThis.AggregateError as unknown as ErrorConstructor | undefined,
};
const DOMExceptionCtor = (globalThis as { DOMException?: new (message?: string, name?: string) => Error }).DOMException;

function isErrorLike(v: unknown): v is Error {
  return v instanceof Error || Object.prototype.toString.call(v) === "[object Error]";
}

function classOf(e: Error): string | undefined {
  if (HamiltonError.isInstance(e)) return `hamilton:${e.name}`;
  const proto = Object.getPrototypeOf(e) as unknown;
  if (DOMExceptionCtor && proto === DOMExceptionCtor.prototype) return "DOMException";
  for (const name of Object.keys(BUILTIN_ERRORS)) if (name !== "Error" && BUILTIN_ERRORS[name]?.prototype === proto) return name;
  return undefined;
}

function read(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch (error) {
    return `[unreadable: ${describeThrown(error)}]`;
  }
}

type MutableRecord = { -readonly [K in keyof SerializedErrorRecord]: SerializedErrorRecord[K] } & { errors?: number[] };

/**
 * Turn any thrown value into plain data (see `deserializeThrown`). Never
 * throws: a field that cannot be read or cannot cross is described instead.
 */
export function serializeError(error: unknown): SerializedError {
  const records: MutableRecord[] = [];
  const index = new Map<unknown, number>();
  const errors: Array<readonly [Error, number]> = [];
  const recordOf = (v: unknown): number => {
    const known = index.get(v);
    if (known !== undefined) return known;
    let rec: MutableRecord;
    if (!isErrorLike(v)) {
      rec = { name: "NonError", message: describeThrown(v), thrown: { value: encodeLossy(v) } };
    } else {
      const name = read(v, "name");
      const message = read(v, "message");
      const stack = read(v, "stack");
      rec = { name: typeof name === "string" ? name : "Error", message: typeof message === "string" ? message : describeThrown(message) };
      if (typeof stack === "string") rec.stack = stack;
      const cls = classOf(v);
      if (cls !== undefined) rec.class = cls;
    }
    const at = records.push(rec) - 1;
    // objects are recorded once: a shared cause stays shared, a cycle ends
    if (typeof v === "object" && v !== null) index.set(v, at);
    if (isErrorLike(v)) errors.push([v, at]);
    return at;
  };
  recordOf(error);
  for (let q = 0; q < errors.length; q++) {
    const [e, at] = errors[q]!;
    const rec = records[at]!;
    const props: Record<string, unknown> = {};
    let any = false;
    let keys: string[] = [];
    try {
      keys = Object.keys(e);
    } catch {
      // a proxy that refuses to list its keys: no fields
    }
    for (const key of keys) {
      if (key === "stack" || key === "message" || key === "cause" || key === "name") continue;
      defineOwn(props, key, read(e, key));
      any = true;
    }
    if (any) rec.props = encodeLossy(props);
    if (Object.prototype.hasOwnProperty.call(e, "cause")) rec.cause = recordOf(read(e, "cause"));
    const list = Object.prototype.hasOwnProperty.call(e, "errors") ? read(e, "errors") : undefined;
    if (Array.isArray(list)) rec.errors = list.map(recordOf);
  }
  const [top, ...related] = records;
  return related.length > 0 ? { ...top!, related } : top!;
}

/**
 * Rebuild the thrown value of `serializeError` data: an error of its class
 * (kernel classes through `ERROR_CLASSES`, built-ins as themselves, others as
 * `Error` with their name) with its stack, fields, cause and errors; or the
 * non-error value itself. Data from an untrusted sender is safe: a class is
 * looked up among own names only, fields are set as own properties.
 */
export function deserializeThrown(data: SerializedError): unknown {
  if (typeof data !== "object" || data === null) return data;
  const records: readonly SerializedErrorRecord[] = [data, ...(Array.isArray(data.related) ? data.related : [])];
  const built = records.map((r) => {
    if (typeof r !== "object" || r === null) return r;
    if (r.thrown && typeof r.thrown === "object") return decodeValue(r.thrown.value, { single: true });
    return blankError(r);
  });
  const at = (i: unknown): unknown => (typeof i === "number" && i >= 0 && i < built.length ? built[i] : undefined);
  records.forEach((r, i) => {
    const e = built[i];
    if (typeof r !== "object" || r === null || r.thrown || !isErrorLike(e)) return;
    if (typeof r.stack === "string") Object.defineProperty(e, "stack", { value: r.stack, writable: true, configurable: true, enumerable: false });
    if (r.props !== undefined) {
      const props = decodeValue(r.props, { single: true });
      if (typeof props === "object" && props !== null) for (const key of Object.keys(props)) defineOwn(e, key, (props as Record<string, unknown>)[key]);
    }
    if (r.cause !== undefined) Object.defineProperty(e, "cause", { value: at(r.cause), writable: true, configurable: true, enumerable: false });
    if (Array.isArray(r.errors)) Object.defineProperty(e, "errors", { value: r.errors.map(at), writable: true, configurable: true, enumerable: false });
  });
  return built[0];
}

function blankError(d: SerializedErrorRecord): Error {
  const message = typeof d.message === "string" ? d.message : "";
  const name = typeof d.name === "string" ? d.name : "Error";
  const cls = typeof d.class === "string" ? d.class : undefined;
  if (cls?.startsWith("hamilton:")) {
    const e = blankHamiltonError(cls.slice("hamilton:".length), message);
    if (e) {
      e.name = name;
      return e;
    }
  }
  if (cls === "DOMException" && DOMExceptionCtor) return new DOMExceptionCtor(message, name);
  const ctor = cls !== undefined && Object.prototype.hasOwnProperty.call(BUILTIN_ERRORS, cls) ? BUILTIN_ERRORS[cls] : undefined;
  // Reflect.construct makes a real error of that class without calling its constructor's own logic
  const e = Reflect.construct(Error, [message], ctor ?? Error) as Error;
  if (e.name !== name) Object.defineProperty(e, "name", { value: name, writable: true, configurable: true, enumerable: false });
  return e;
}

/**
 * Rebuild an Error from `serializeError` data, keeping the original stack. A
 * thrown non-error value comes back as an Error whose message describes it and
 * whose `value` is the value (see `deserializeThrown` for the value itself).
 */
export function deserializeError(data: SerializedError): Error {
  const thrown = deserializeThrown(data);
  if (isErrorLike(thrown)) return thrown;
  const e = new Error(typeof data.message === "string" ? data.message : describeThrown(thrown));
  Object.defineProperty(e, "name", { value: "NonError", writable: true, configurable: true, enumerable: false });
  defineOwn(e, "value", thrown);
  return e;
}
