import { GraphError } from "../errors.js";
import type { FunctionGraph, GraphNode } from "./function-graph.js";

/**
 * A frame is the stack of parallel blocks a node runs inside, outermost first,
 * named by their expander nodes. `[]` is the top level; a node downstream of
 * expander `E` (and not yet collected) runs in frame `[..., E]`, once per item.
 */
export type Frame = readonly string[];

const TOP_FRAME: Frame = Object.freeze([]);

function isPrefix(short: Frame, long: Frame): boolean {
  if (short.length > long.length) return false;
  for (let i = 0; i < short.length; i++) if (short[i] !== long[i]) return false;
  return true;
}

/** Frames compare as strings often; this keeps a canonical instance per content. */
class FrameTable {
  private readonly byKey = new Map<string, Frame>([["", TOP_FRAME]]);
  extend(frame: Frame, expander: string): Frame {
    return this.intern([...frame, expander]);
  }
  pop(frame: Frame): Frame {
    return this.intern(frame.slice(0, -1));
  }
  private intern(frame: string[]): Frame {
    const key = frame.join("\u0000");
    let f = this.byKey.get(key);
    if (!f) this.byKey.set(key, (f = Object.freeze(frame)));
    return f;
  }
}

/**
 * Compute every considered node's frame. `fixed` nodes (inputs and overrides)
 * are top-level values and have no dependencies. Throws a GraphError naming the
 * node when it collects something outside any block, or mixes branches of
 * different blocks without collecting them.
 */
export function computeFrames(
  graph: FunctionGraph,
  considered: (n: GraphNode) => boolean,
  fixed: (n: GraphNode) => boolean,
): Map<string, Frame> {
  const frames = new Map<string, Frame>();
  const table = new FrameTable();
  for (const n of graph.order) {
    if (!considered(n)) continue;
    if (n.isInput || fixed(n)) {
      frames.set(n.name, TOP_FRAME);
      continue;
    }
    let frame = TOP_FRAME;
    let from = "";
    let collected: Array<[string, Frame]> | undefined;
    for (const d of n.deps) {
      const dn = graph.get(d)!;
      let inherited = frames.get(d) ?? TOP_FRAME;
      if (dn.isExpander) inherited = table.extend(inherited, d);
      if (n.spec!.collect.has(d)) {
        if (inherited.length === 0) {
          throw new GraphError(
            `Node "${n.name}" collects "${d}", but "${d}" is not inside a parallel block: ` +
              `collect a node that is downstream of a parallelizable() node.`,
          );
        }
        inherited = table.pop(inherited);
        (collected ??= []).push([d, inherited]);
      }
      if (inherited.length > frame.length) {
        if (!isPrefix(frame, inherited)) throw mixError(n, from, frame, d, inherited);
        frame = inherited;
        from = d;
      } else if (!isPrefix(inherited, frame)) {
        throw mixError(n, from, frame, d, inherited);
      }
    }
    for (const [d, f] of collected ?? []) {
      if (f !== frame) {
        throw new GraphError(
          `Node "${n.name}" collects "${d}" but also uses values from inside that same parallel block; ` +
            `a collecting node must sit outside the block it collects.`,
        );
      }
    }
    frames.set(n.name, frame);
  }
  return frames;
}

function mixError(n: GraphNode, a: string, fa: Frame, b: string, fb: Frame): GraphError {
  const block = (f: Frame) => f.map((e) => `parallelizable "${e}"`).join(" > ");
  return new GraphError(
    `Node "${n.name}" combines "${a}" (inside ${block(fa)}) with "${b}" (inside ${block(fb)}), ` +
      `which run in different parallel blocks. Collect one of them first, or nest one block inside the other.`,
  );
}
