// What goes on the wire once a value has been walked (value-walk.ts): the value
// itself when nothing needs fixing on arrival, else an envelope holding a copy
// (codec values replaced by their entries; the sender's value is untouched) and
// the lists that tell the receiver what to fix.
import { defineOwn, ENVELOPE_VERSION, forEachElement, WIRE_KEY } from "./wire-format.js";
import { ARRAY, AS_PLAIN, MAP, OBJECT, SET, type Walk } from "./value-walk.js";

/** The envelope of a finished walk, or the value itself when nothing needs doing on arrival. */
export function envelopeOf(walk: Walk): unknown {
  if (!walk.copy && !walk.root && walk.views.length === 0 && walk.nullProto.length === 0 && !walk.marker) return walk.value;
  let tr = (o: unknown): unknown => o;
  let value = walk.value;
  if (walk.copy) {
    const copies = copyContainers(walk);
    tr = (o) => copies.get(o as object) ?? o;
    value = mapped(walk, walk.value, copies);
  }
  // codec entries before the value: the serializer then writes their data near the top, not as deep as
  // the value they replaced (inside the value they are back-references); the value keeps its own depth
  const env: Record<string, unknown> = { [WIRE_KEY]: ENVELOPE_VERSION };
  if (walk.entries) env.codecs = [...walk.entries.values()];
  env.value = value;
  if (walk.root) env.root = true;
  if (walk.views.length > 0) {
    env.views = walk.views;
    if (walk.buffers.length > 0) env.buffers = walk.buffers;
  }
  if (walk.puts.length > 0) env.puts = walk.puts.map((x, i) => (i % 2 === 0 ? tr(x) : x));
  if (walk.rebuilds) env.rebuilds = [...walk.rebuilds].map(tr);
  if (walk.nullProto.length > 0) env.nullProto = walk.nullProto.map(tr);
  return env;
}

function mapped(walk: Walk, x: unknown, copies: Map<object, object>): unknown {
  if (x === null || (typeof x !== "object" && typeof x !== "function" && typeof x !== "symbol")) return x;
  const e = walk.entries?.get(x as object);
  if (e !== undefined) return e;
  const s = walk.substitutes?.get(x);
  if (s !== undefined) return s;
  return copies.get(x as object) ?? x;
}

/** Copy every container (so the sender's value is untouched), with codec values replaced by their entries. */
function copyContainers(walk: Walk): Map<object, object> {
  const copies = new Map<object, object>();
  for (const [c, kind] of walk.seen) {
    if (kind !== OBJECT && kind !== ARRAY && kind !== MAP && kind !== SET && kind !== AS_PLAIN) continue;
    const shell =
      kind === ARRAY ? new Array<unknown>((c as unknown[]).length)
      : kind === MAP ? new Map()
      : kind === SET ? new Set()
      : kind === OBJECT && Object.getPrototypeOf(c) === null ? Object.create(null)
      : {};
    copies.set(c, shell as object);
  }
  for (const [c, kind] of walk.seen) {
    const out = copies.get(c);
    if (out === undefined) continue;
    if (kind === OBJECT || kind === AS_PLAIN) {
      for (const k of Object.keys(c)) {
        const item = mapped(walk, walk.read(c, k), copies);
        if (k === "__proto__") defineOwn(out, k, item);
        else (out as Record<string, unknown>)[k] = item;
      }
    } else if (kind === ARRAY) {
      forEachElement(c as unknown[], (item, i) => ((out as unknown[])[i] = mapped(walk, item, copies)));
    } else if (kind === MAP) {
      for (const [k, item] of c as Map<unknown, unknown>) (out as Map<unknown, unknown>).set(mapped(walk, k, copies), mapped(walk, item, copies));
    } else if (kind === SET) {
      for (const item of c as Set<unknown>) (out as Set<unknown>).add(mapped(walk, item, copies));
    }
  }
  return copies;
}
