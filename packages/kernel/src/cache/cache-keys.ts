import { fingerprintNow, isUnhashable, type DataVersion, type Unhashable } from "./fingerprint.js";

/** What a cache key is made of, kept per node to explain the next miss. */
export interface KeyParts {
  readonly key: string;
  /** The node's code version. */
  readonly code: string;
  /** Each dependency's name and data version (or a marker: ignored, a default). */
  readonly inputs: readonly (readonly [string, string])[];
}

/** Stands for an ignored dependency in its dependents' keys: its value never matters. */
export const IGNORED_INPUT = "<ignored>";

// Bump when the key layout or the fingerprint encoding changes: old entries then simply miss.
const KEY_SCHEME = "hamilton-ts/cache-key/v1";

/** The cache key of a node: a fingerprint of its name, code version and input data versions. */
export function cacheKey(nodeName: string, code: string, inputs: readonly (readonly [string, string])[]): KeyParts | Promise<KeyParts> {
  const key = fingerprintNow([KEY_SCHEME, nodeName, code, inputs]);
  const parts = (key: DataVersion | Unhashable): KeyParts => {
    // strings only: always fingerprintable
    if (isUnhashable(key)) throw new Error(`hamilton-ts: cache key of "${nodeName}" could not be computed: ${key.reason}`);
    return { key, code, inputs };
  };
  return typeof key === "object" && "then" in key ? key.then(parts) : parts(key);
}

/** Where the explanation of a node's last key is stored: per node, and per branch path. */
export function explainKey(nodeName: string, path: readonly number[] | undefined): string {
  return `explain:${nodeName}${path && path.length > 0 ? `[${path.join(",")}]` : ""}`;
}

/** Whether stored data is a `KeyParts` (an explanation record may come from an older version). */
export function isKeyParts(v: unknown): v is KeyParts {
  const p = v as KeyParts;
  return typeof v === "object" && v !== null && typeof p.key === "string" && typeof p.code === "string" && Array.isArray(p.inputs);
}

function names(list: readonly string[], what: string): string {
  return list.length === 1 ? `input ${list[0]} ${what}` : `inputs ${list.join(", ")} ${what}`;
}

/**
 * Why a key is not in the store, compared with the node's previous key:
 * `"code changed"`, `"input x changed"`, `"no entry"`, …
 */
export function explainMiss(previous: KeyParts | undefined, current: KeyParts): string {
  if (!previous) return "no entry";
  if (previous.key === current.key) return "no entry (an earlier run had this key but did not store it: it failed, or the entry was removed)";
  const reasons: string[] = [];
  if (previous.code !== current.code) reasons.push("code changed");
  const before = new Map(previous.inputs.map(([n, v]) => [n, v]));
  const now = new Map(current.inputs.map(([n, v]) => [n, v]));
  const changed: string[] = [];
  const added: string[] = [];
  for (const [n, v] of now) {
    if (!before.has(n)) added.push(n);
    else if (before.get(n) !== v) changed.push(n);
  }
  const removed = [...before.keys()].filter((n) => !now.has(n));
  if (changed.length > 0) reasons.push(names(changed, "changed"));
  if (added.length > 0) reasons.push(names(added, "added"));
  if (removed.length > 0) reasons.push(names(removed, "removed"));
  return reasons.length > 0 ? reasons.join("; ") : "no entry";
}
