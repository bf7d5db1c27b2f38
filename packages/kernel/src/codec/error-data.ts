import { blankHamiltonError, describeThrown, HamiltonError } from "../errors.js";
import { decodeValue } from "./decode-value.js";
import { encodeLossy } from "./encode-value.js";
import { defineOwn } from "./wire-format.js";

/**
 * A thrown value as plain data, to cross a boundary: an error with its class,
 * name, message, stack, own enumerable fields, cause chain and (for an
 * AggregateError) its errors; or any other thrown value itself. Structured
 * clone and v8 serialization keep its shared parts and cycles (an error that is
 * its own cause).
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /**
   * How to rebuild it: `"hamilton:<name>"` for a kernel error class, a built-in
   * constructor's name (`TypeError`, `AggregateError`, `DOMException`, …), or
   * absent for an `Error` (a custom class arrives as an `Error` with its `name`).
   */
  readonly class?: string;
  readonly cause?: SerializedError;
  readonly errors?: readonly SerializedError[];
  /** Own enumerable fields (encoded; what cannot cross is described instead). */
  readonly props?: unknown;
  /** The thrown value was not an error: this is it (encoded as `props` are). */
  readonly thrown?: { readonly value: unknown };
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

interface MutableRecord {
  name: string;
  message: string;
  stack?: string;
  class?: string;
  cause?: SerializedError;
  errors?: SerializedError[];
  props?: unknown;
  thrown?: { value: unknown };
}

/**
 * Turn any thrown value into plain data (see `deserializeError`). Never throws:
 * a field that cannot be read or cannot cross is described instead. Cause
 * chains of any length and cycles cost one step per error.
 */
export function serializeError(error: unknown): SerializedError {
  const seen = new Map<unknown, MutableRecord>();
  const queue: Error[] = [];
  const recordOf = (v: unknown): MutableRecord => {
    const known = seen.get(v);
    if (known) return known;
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
      queue.push(v);
    }
    // errors and objects are recorded once: shared causes stay shared, cycles end
    if (typeof v === "object" && v !== null) seen.set(v, rec);
    return rec;
  };
  const top = recordOf(error);
  for (let q = 0; q < queue.length; q++) {
    const e = queue[q]!;
    const rec = seen.get(e)!;
    const props: Record<string, unknown> = {};
    let any = false;
    for (const key of Object.keys(e)) {
      if (key === "stack" || key === "message" || key === "cause" || key === "name") continue;
      defineOwn(props, key, read(e, key));
      any = true;
    }
    if (any) rec.props = encodeLossy(props);
    if (Object.prototype.hasOwnProperty.call(e, "cause")) rec.cause = recordOf(read(e, "cause"));
    const errors = Object.prototype.hasOwnProperty.call(e, "errors") ? read(e, "errors") : undefined;
    if (Array.isArray(errors)) rec.errors = errors.map(recordOf);
  }
  return top;
}

/**
 * Rebuild the thrown value of `serializeError` data: an error of its class
 * (kernel classes through `ERROR_CLASSES`, built-ins as themselves, others as
 * `Error` with their name) with its stack, fields, cause and errors; or the
 * non-error value itself. Data from an untrusted sender is safe: a class is
 * looked up among own names only, fields are set as own properties.
 */
export function deserializeThrown(data: SerializedError): unknown {
  const built = new Map<object, unknown>();
  const pending: Array<readonly [SerializedError, Error]> = [];
  const build = (d: SerializedError): unknown => {
    if (typeof d !== "object" || d === null) return d;
    if (built.has(d)) return built.get(d);
    if (d.thrown && typeof d.thrown === "object") {
      const value = decodeValue(d.thrown.value);
      built.set(d, value);
      return value;
    }
    const e = blankError(d);
    built.set(d, e);
    pending.push([d, e]);
    return e;
  };
  const top = build(data);
  for (let q = 0; q < pending.length; q++) {
    const [d, e] = pending[q]!;
    if (typeof d.stack === "string") Object.defineProperty(e, "stack", { value: d.stack, writable: true, configurable: true, enumerable: false });
    if (d.props !== undefined) {
      const props = decodeValue(d.props);
      if (typeof props === "object" && props !== null) for (const key of Object.keys(props)) defineOwn(e, key, (props as Record<string, unknown>)[key]);
    }
    if (d.cause !== undefined) Object.defineProperty(e, "cause", { value: build(d.cause), writable: true, configurable: true, enumerable: false });
    if (Array.isArray(d.errors)) {
      Object.defineProperty(e, "errors", { value: d.errors.map(build), writable: true, configurable: true, enumerable: false });
    }
  }
  return top;
}

function blankError(d: SerializedError): Error {
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
