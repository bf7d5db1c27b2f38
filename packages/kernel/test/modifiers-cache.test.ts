// Nodes a modifier makes are cached by the code the user wrote and what the
// modifier adds: a parameterized node's function is the kernel's adapter, so
// keying it by its own source would hit across a changed value() or body.
import { describe, expect, test } from "vitest";
import { InMemoryCacheStore } from "../src/cache/cache-store.js";
import { extractFields, parameterize, value } from "../src/index.js";
import { engineOf, eventsOf, graphOf, runCached } from "./cache-harness.js";

describe("code versions of modifier nodes", () => {
  test("a changed value(), body or fillWith is a miss; the same definition a hit", async () => {
    const store = new InMemoryCacheStore();
    const mod = (k: number, body: (base: number, k: number) => number, fill = 0) => ({
      base: () => 2,
      scaled: parameterize({ scaled_by: { k: value(k) } }, body),
      rec: extractFields(["present", "absent"], () => ({ present: 1 }), { fillWith: fill }),
    });
    const times = (base: number, k: number) => base * k;
    const plus = (base: number, k: number) => base + k;
    const run = async (m: Record<string, unknown>) => {
      const graph = graphOf(m);
      const engine = engineOf(graph, { store });
      const r = await runCached(engine, graph, ["scaled_by", "absent"]);
      return { out: r.outputs, scaled: eventsOf(engine, r.runId, "scaled_by"), absent: eventsOf(engine, r.runId, "absent") };
    };
    const first = await run(mod(2, times));
    expect(first.out).toEqual({ scaled_by: 4, absent: 0 });
    expect((await run(mod(2, times))).scaled).toContain("hit");
    const otherValue = await run(mod(3, times));
    expect(otherValue.out.scaled_by).toBe(6);
    expect(otherValue.scaled).not.toContain("hit");
    const otherBody = await run(mod(3, plus));
    expect(otherBody.out.scaled_by).toBe(5);
    expect(otherBody.scaled).not.toContain("hit");
    const otherFill = await run(mod(3, plus, 9));
    expect(otherFill.out.absent).toBe(9);
    expect(otherFill.absent).not.toContain("hit");
  });
});
