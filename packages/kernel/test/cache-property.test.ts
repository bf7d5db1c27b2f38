// For random pipelines and random edits between runs (an input's value, a
// node's code, which nodes are disabled or recomputed, how nodes are grouped
// into tasks), a cached run always returns what an uncached run returns.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { InMemoryCacheStore } from "../src/cache/cache-store.js";
import type { FunctionGraph } from "../src/graph/function-graph.js";
import { engineOf, graphOf, nodesToCompute, runCached, type Module } from "./cache-harness.js";

interface NodeDef {
  deps: string[];
  /** The constant in the node's source: editing it is a code change. */
  c: number;
  /** The node returns an object, so fingerprints of structures key its dependents. */
  object: boolean;
  /** Its last dependency is an optional input with this default. */
  optional?: { name: string; default: number };
}

const INPUTS = ["in0", "in1", "in2"];

function moduleOf(defs: NodeDef[]): Module {
  const mod: Module = {};
  defs.forEach((d, i) => {
    const params = d.deps.map((p) => (d.optional && p === d.optional.name ? `${p} = ${d.optional.default}` : p));
    const sum = d.deps.map((p) => `(typeof ${p} === "object" ? ${p}.v : ${p})`).join(" + ") || "0";
    const body = `const v = ((${sum}) * 31 + ${d.c}) % 1000003; return ${d.object ? `{ v, list: [v, ${d.c}], tag: "n${i}" }` : "v"};`;
    mod[`n${i}`] = new Function(...params, body);
  });
  return mod;
}

function evaluate(graph: FunctionGraph, finalVars: string[], inputs: Record<string, unknown>): Record<string, unknown> {
  const env = new Map<string, unknown>(Object.entries(inputs));
  for (const n of nodesToCompute(graph, finalVars, { inputs })) {
    env.set(n.name, (n.spec!.fn as (...a: unknown[]) => unknown)(...n.deps.map((d) => env.get(d))));
  }
  return Object.fromEntries(finalVars.map((f) => [f, env.get(f)]));
}

const pipelines = fc
  .integer({ min: 1, max: 9 })
  .chain((size) =>
    fc.tuple(
      ...Array.from({ length: size }, (_, i) =>
        fc.record({
          deps: fc.subarray([...INPUTS, ...Array.from({ length: i }, (_, k) => `n${k}`)], { maxLength: 3 }),
          c: fc.integer({ min: 0, max: 50 }),
          object: fc.boolean(),
          optionalDefault: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        }),
      ),
    ),
  )
  .map((raw) =>
    raw.map((r): NodeDef => {
      const last = r.deps[r.deps.length - 1];
      const optional = r.optionalDefault !== undefined && last !== undefined && INPUTS.includes(last) ? { name: last, default: r.optionalDefault } : undefined;
      // an input with a default in one node must be optional in all: give it the default everywhere it is last
      return { deps: r.deps, c: r.c, object: r.object, optional };
    }),
  );

type Edit =
  | { kind: "input"; name: string; value: number | undefined }
  | { kind: "code"; node: number; c: number }
  | { kind: "behaviour"; node: number; behaviour: "disable" | "recompute" | "none" }
  | { kind: "grouping"; grouping: "each" | "all" | 2 };

const edits = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("input" as const), name: fc.constantFrom(...INPUTS), value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }),
    fc.record({ kind: fc.constant("code" as const), node: fc.nat(), c: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ kind: fc.constant("behaviour" as const), node: fc.nat(), behaviour: fc.constantFrom("disable" as const, "recompute" as const, "none" as const) }),
    fc.record({ kind: fc.constant("grouping" as const), grouping: fc.constantFrom("each" as const, "all" as const, 2 as const) }),
  ),
  { minLength: 1, maxLength: 8 },
);

describe("cache property (fast-check)", () => {
  test("a cached run equals an uncached run, across random pipelines and random edits", async () => {
    await fc.assert(
      fc.asyncProperty(pipelines, edits, async (generated, steps) => {
        const defs = structuredClone(generated); // edited below: fast-check replays the generated value when shrinking
        const store = new InMemoryCacheStore();
        const inputs: Record<string, number | undefined> = { in0: 1, in1: 2, in2: 3 };
        const behaviours = new Map<number, "disable" | "recompute">();
        let grouping: "each" | "all" | 2 = "each";
        // an input used with a default by one node must not be required by another: only request what can run
        const finalVars = defs.map((_, i) => `n${i}`);
        const check = async () => {
          const graph = graphOf(moduleOf(defs));
          const given = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
          const requestable = finalVars.filter((f) => nodesToCompute(graph, [f], { inputs: given }).every((n) => n.deps.every((d) => graph.get(d)!.spec || d in given || n.spec!.optionalDeps.has(d))));
          const list = (b: string) => [...behaviours].filter(([, x]) => x === b).map(([i]) => `n${i}`);
          const engine = engineOf(graph, { store, disable: list("disable"), recompute: list("recompute") });
          const cached = await runCached(engine, graph, requestable, { inputs: given, grouping });
          expect(cached.outputs).toEqual(evaluate(graph, requestable, given));
        };
        await check();
        await check();
        for (const step of steps) {
          if (step.kind === "input") inputs[step.name] = step.value;
          else if (step.kind === "code") defs[step.node % defs.length]!.c = step.c;
          else if (step.kind === "behaviour") {
            if (step.behaviour === "none") behaviours.delete(step.node % defs.length);
            else behaviours.set(step.node % defs.length, step.behaviour);
          } else grouping = step.grouping;
          await check();
        }
      }),
      { numRuns: 150 },
    );
  });
});
