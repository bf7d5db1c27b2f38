import { forEachElement } from "./wire-format.js";

/** The key of a Map child that is the entry's key (not its value). */
export const MAP_KEY: unique symbol = Symbol("map key");
/** The key of a Set's item. */
export const SET_ITEM: unique symbol = Symbol("set item");

/** A value's type in words, for error messages. */
export function describeType(value: unknown): string {
  if (typeof value === "function") return `a function${(value as { name?: string }).name ? ` (${(value as { name: string }).name})` : ""}`;
  if (typeof value === "symbol") return `a symbol (${String(value)})`;
  if (typeof value === "object" && value !== null) {
    let ctor: unknown;
    try {
      ctor = (value as { constructor?: unknown }).constructor;
    } catch {
      ctor = undefined;
    }
    const name = typeof ctor === "function" ? (ctor as { name?: string }).name : undefined;
    return `an instance of ${name || "an anonymous class"}`;
  }
  return typeof value;
}

function describeKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "bigint") return `${key}n`;
  if (typeof key === "object" && key !== null) return "{…}";
  return String(key);
}

function segment(holder: object, key: unknown): string {
  if (holder instanceof Map) return key === MAP_KEY ? "<key>" : `.get(${describeKey(key)})`;
  if (holder instanceof Set) return "<item>";
  if (Array.isArray(holder)) return `[${String(key)}]`;
  const k = String(key);
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/**
 * A path from `root` to `holder[key]` (e.g. `.rows[3].get("k")`), found
 * breadth-first. Only asked when a value cannot cross, so it costs nothing on
 * the way that works.
 */
export function describePath(root: unknown, holder: object, key: unknown): string {
  const parents = new Map<object, readonly [object, unknown]>();
  if (root !== holder && typeof root === "object" && root !== null) {
    const queue: object[] = [root];
    parents.set(root, [root, undefined]);
    const reach = (from: object, k: unknown, child: unknown): boolean => {
      if (typeof child !== "object" || child === null || parents.has(child)) return false;
      parents.set(child, [from, k]);
      queue.push(child);
      return child === holder;
    };
    search: for (let q = 0; q < queue.length; q++) {
      const c = queue[q]!;
      if (c instanceof Map) {
        for (const [k, v] of c) if (reach(c, MAP_KEY, k) || reach(c, k, v)) break search;
      } else if (c instanceof Set) {
        for (const v of c) if (reach(c, SET_ITEM, v)) break search;
      } else if (Array.isArray(c)) {
        let found = false;
        forEachElement(c, (v, i) => void (found ||= reach(c, i, v)));
        if (found) break;
      } else if (!ArrayBuffer.isView(c)) {
        for (const k of Object.keys(c)) if (reach(c, k, (c as Record<string, unknown>)[k])) break search;
      }
    }
  }
  const parts: string[] = [segment(holder, key)];
  for (let at: object = holder; at !== root; ) {
    const p = parents.get(at);
    if (!p) break;
    parts.push(segment(p[0], p[1]));
    at = p[0];
  }
  return parts.reverse().join("");
}
