import { describe, expect, test } from "vitest";
import { Builder, collect, DefaultAdapter, DictResult, Driver, parallelizable, SimpleGraphAdapter } from "../src/index.js";
import { ResultMixin, type LifecycleAdapter, type NodeCall } from "../src/contracts.js";

const pipeline = {
  a: (x: number) => x + 1,
  items: parallelizable((a: number) => [a, a + 1]),
  each: (items: number) => items * 10,
  all: collect("each", (each: number[]) => each.reduce((s, v) => s + v, 0)),
};

function recorder(tag: string, log: string[]): LifecycleAdapter {
  return {
    preGraphExecute: (a) => void log.push(`${tag}:preGraph:${a.finalVars.join(",")}`),
    postGraphExecute: (a) => void log.push(`${tag}:postGraph:${a.success}`),
    preTaskExecute: (a) => void log.push(`${tag}:preTask:${a.taskId}`),
    postTaskExecute: (a) => void log.push(`${tag}:postTask:${a.taskId}:${a.success}`),
    preNodeExecute: (a) => void log.push(`${tag}:preNode:${a.nodeName}@${a.taskId}:${JSON.stringify(a.kwargs)}`),
    postNodeExecute: (a) => void log.push(`${tag}:postNode:${a.nodeName}:${a.success}:${JSON.stringify(a.result)}`),
  };
}

describe("lifecycle hooks", () => {
  test("every hook fires, for several adapters in the order given", async () => {
    const log: string[] = [];
    const dr = await new Builder()
      .withModules(pipeline)
      .enableDynamicExecution({ allowExperimentalMode: true })
      .withAdapters(recorder("A", log), recorder("B", log))
      .build();
    expect(await dr.execute(["all"], { inputs: { x: 1 } })).toEqual({ all: 50 });
    expect(log[0]).toBe("A:preGraph:all");
    expect(log[1]).toBe("B:preGraph:all");
    expect(log.at(-2)).toBe("A:postGraph:true");
    expect(log.at(-1)).toBe("B:postGraph:true");
    expect(log).toContain("A:preNode:each@block-items[1]:{\"items\":3}");
    expect(log).toContain("B:postNode:each:true:30");
    expect(log).toContain("A:preTask:all");
    expect(log).toContain("A:postTask:block-items[0]:true");
    const aNodes = log.filter((l) => l.startsWith("A:preNode")).map((l) => l.split(":")[2]!.split("@")[0]);
    expect(aNodes.sort()).toEqual(["a", "all", "each", "each", "items"]);
    // A's hook for a node always precedes B's
    expect(log.indexOf("A:postNode:all:true:50")).toBe(log.indexOf("B:postNode:all:true:50") - 1);
  });

  test("post hooks report failures", async () => {
    const log: string[] = [];
    const dr = new Driver({}, { bad: () => { throw new Error("x"); } }, { adapters: [recorder("A", log)] });
    await expect(dr.execute(["bad"])).rejects.toThrow();
    // the classic executor runs the whole plan as one task, "classic"
    expect(log).toEqual([
      "A:preGraph:bad",
      "A:preTask:classic",
      "A:preNode:bad@classic:{}",
      "A:postNode:bad:false:undefined",
      "A:postTask:classic:false",
      "A:postGraph:false",
    ]);
  });

  test("node hooks get plain objects: every field is an own property, kwargs included", async () => {
    const pre: object[] = [];
    const post: object[] = [];
    const dr = new Driver({}, { a: (x: number, constructor: number) => x + constructor }, {
      adapters: [{ preNodeExecute: (a: object) => void pre.push({ ...a }), postNodeExecute: (a: object) => void post.push({ ...a }) }],
    });
    await dr.execute(["a"], { inputs: { x: 1, constructor: 2 } });
    expect(pre).toEqual([{ runId: expect.any(String), taskId: "classic", nodeName: "a", nodeTags: {}, kwargs: { x: 1, constructor: 2 }, attempt: 1 }]);
    expect(post).toEqual([{ ...pre[0], success: true, result: 3, error: undefined, durationMs: expect.any(Number) }]);
  });

  test("doNodeExecute replaces how nodes run; doBuildResult replaces the result", async () => {
    const wrapper: LifecycleAdapter = {
      doNodeExecute: ({ nodeName, kwargs, execute }) => {
        const out = execute({ ...kwargs });
        return nodeName === "a" ? (out as number) * 100 : out;
      },
      doBuildResult: ({ outputs }) => `result=${JSON.stringify(outputs)}`,
    };
    const dr = await new Builder().withModules(pipeline).withAdapters(wrapper).build();
    expect(await dr.execute(["a"], { inputs: { x: 1 } })).toBe('result={"a":200}');
    expect(await dr.rawExecute(["a"], { inputs: { x: 1 } })).toEqual({ a: 200 });
  });
});

describe("result builders and graph adapters", () => {
  class CountResult extends ResultMixin {
    static override buildResult(outputs: Record<string, unknown>): number {
      return Object.keys(outputs).length;
    }
  }

  test("ResultMixin's static buildResult is what the instance uses", async () => {
    expect(CountResult.buildResult({ a: 1, b: 2 })).toBe(2);
    expect(new CountResult().buildResult({ a: 1 })).toBe(1);
    const dr = new Driver({}, { p: () => 1, q: () => 2 }, { adapter: new CountResult() });
    expect(await dr.execute(["p", "q"])).toBe(2);
    expect(await dr.rawExecute(["p", "q"])).toEqual({ p: 1, q: 2 });
  });

  test("DictResult and DefaultAdapter give a plain object", async () => {
    expect(DictResult.buildResult({ a: 1 })).toEqual({ a: 1 });
    const dr = new Driver({}, { p: () => 1 }, { adapter: new DefaultAdapter() });
    expect(await dr.execute(["p"])).toEqual({ p: 1 });
  });

  test("a graph adapter executes nodes and checks input types", async () => {
    class Doubling extends SimpleGraphAdapter {
      override checkInputType(name: string, value: unknown): boolean {
        return name !== "x" || typeof value === "number";
      }
      override executeNode(node: NodeCall, kwargs: Record<string, unknown>): unknown {
        return (node.callable(kwargs) as number) * 2;
      }
    }
    const dr = new Driver({}, { a: (x: number) => x + 1 }, { adapter: new Doubling(new CountResult()) });
    expect(await dr.execute(["a"], { inputs: { x: 1 } })).toBe(1);
    expect(await dr.rawExecute(["a"], { inputs: { x: 1 } })).toEqual({ a: 4 });
    await expect(dr.execute(["a"], { inputs: { x: "1" } })).rejects.toThrow(/rejected the type of input "x"/);
  });

  test("Builder.withAdapter takes a graph adapter", async () => {
    const dr = await new Builder().withModules({ p: () => 1 }).withAdapter(new SimpleGraphAdapter(new CountResult())).build();
    expect(await dr.execute(["p"])).toBe(1);
  });
});
