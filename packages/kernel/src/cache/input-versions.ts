import type { GraphNode } from "../graph/function-graph.js";
import { IGNORED_INPUT } from "./cache-keys.js";
import type { CacheEventType, ResolvedBehavior } from "./cache-options.js";
import { parameterDefaultsOf } from "./code-version.js";
import { fingerprintNow, isUnhashable, type DataVersion, type Unhashable } from "./fingerprint.js";
import { wait, type Steps } from "./maybe-async.js";

/** A data version, or why there is none. */
export type Version = DataVersion | Unhashable;
/** A node cannot be keyed: the event to log and why. */
export type Blocked = { readonly blocked: CacheEventType; readonly reason: string };
/** Each dependency's name and data version (or marker), in parameter order. */
export type InputVersionList = readonly (readonly [string, string])[];
/** A dependency computed in the same task whose value is not known yet. */
export const PENDING: unique symbol = Symbol("pending");
/** The version of a dependency computed in the same task: known, PENDING, or undefined when it is not in the task. */
export type InTaskVersion = (name: string) => Version | Promise<Version> | typeof PENDING | undefined;

/**
 * The data versions of the values nodes receive, for one run: each object is
 * fingerprinted once (nodes must not change their inputs in place), a
 * parameter left to its default is keyed by its default, a collected input by
 * its items, an ignored dependency by a marker.
 */
export class InputVersions {
  private readonly memo = new WeakMap<object, Version | Promise<Version>>();
  /** Map keys compare by SameValueZero: 0 and -0 would be one key, so -0 is never memoised. */
  private readonly primitives = new Map<unknown, Version | Promise<Version>>();

  constructor(private readonly behaviorOf: (name: string) => ResolvedBehavior) {}

  /** The data version of a value, once per object per run. */
  of(value: unknown): Version | Promise<Version> {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      // items of a block are often numbers or short strings, met again by the collector: hashed once per run
      if ((typeof value === "string" && value.length > 256) || Object.is(value, -0)) return fingerprintNow(value);
      let v = this.primitives.get(value);
      if (v === undefined) this.primitives.set(value, (v = fingerprintNow(value)));
      return v;
    }
    let v = this.memo.get(value);
    if (v === undefined) this.memo.set(value, (v = fingerprintNow(value)));
    return v;
  }

  /** Tell the run an object's data version, known already (a hit whose entry was checked). */
  seed(value: unknown, version: DataVersion): void {
    if (value !== null && typeof value === "object") this.memo.set(value, version);
  }

  /** Every dependency's version, or why the node cannot be keyed, or PENDING while some come from its own task. */
  *forNode(node: GraphNode, inTask: InTaskVersion, inputs: Readonly<Record<string, unknown>>): Steps<InputVersionList | Blocked | typeof PENDING> {
    const out: (readonly [string, string])[] = [];
    let pending = false;
    let blocked: Blocked | undefined;
    const deps = node.deps;
    for (let i = 0; i < deps.length; i++) {
      const v = yield* this.one(node, i, inTask, inputs);
      if (v === PENDING) pending = true;
      else if (typeof v === "string") out.push([deps[i]!, v]);
      else blocked ??= v;
    }
    return blocked ?? (pending ? PENDING : out);
  }

  private *one(node: GraphNode, i: number, inTask: InTaskVersion, inputs: Readonly<Record<string, unknown>>): Steps<string | Blocked | typeof PENDING> {
    const name = node.deps[i]!;
    const { behavior, source } = this.behaviorOf(name);
    if (behavior === "ignore") return IGNORED_INPUT;
    if (behavior === "disable") return { blocked: "miss", reason: `input ${name} is disabled (${source}), so this node is not cached either` };
    const local = inTask(name);
    let v: Version;
    if (local === PENDING) return PENDING;
    if (local !== undefined) v = yield* wait(local);
    else {
      const value = inputs[name];
      const spec = node.spec!;
      if (value === undefined && spec.optionalDeps.has(name)) return yield* this.defaultVersion(spec.fn, i);
      v = spec.collect.has(name) ? yield* this.collected(value) : yield* wait(this.of(value));
    }
    if (isUnhashable(v)) {
      return {
        blocked: "unhashable",
        reason: `not cached: input ${name} cannot be fingerprinted (${v.reason}); register a fingerprinter for it (registerFingerprint) or ignore it (withCache({ ignore: ["${name}"] }))`,
      };
    }
    return v;
  }

  /** A parameter left to its default is keyed as its default value, so `foo()` and `foo(3)` share a key for `foo(x = 3)`. */
  private *defaultVersion(fn: Function, position: number): Steps<string> {
    const d = parameterDefaultsOf(fn)[position];
    if (!d) return "default=?"; // unreadable source: the code version (its source hash) covers the default
    if ("expression" in d) return `default=${d.expression}`;
    return (yield* wait(this.of(d.literal))) as string;
  }

  /** A collected input is keyed by its items' data versions, in item order. */
  private *collected(items: unknown): Steps<Version> {
    if (!Array.isArray(items)) return yield* wait(this.of(items));
    const parts: string[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = yield* wait(this.of(items[i]));
      if (isUnhashable(v)) return { unhashable: true, reason: `item ${i}: ${v.reason}` };
      parts[i] = v;
    }
    return yield* wait(fingerprintNow(["hamilton-ts/collected/v1", parts]));
  }
}
