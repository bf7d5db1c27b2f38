import { describe, expect, test } from "vitest";
import { Builder, Driver, GroupNodesIndividually, SimpleGraphAdapter, SynchronousLocalTaskExecutor, UnsupportedSpecificationVersionError } from "../src/index.js";
import type { GroupingNode, Task } from "../src/contracts.js";

const mod = { a: () => 1 };
const dynamic = () => new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true });

class OldExecutor {
  init() {}
  canSubmitTask() {
    return true;
  }
  submitTask(t: Task) {
    return t.run();
  }
  finalize() {}
}

describe("specificationVersion is checked at build()", () => {
  test("an executor must declare a known version; the error names it", async () => {
    const err = await dynamic().withLocalExecutor(new OldExecutor() as never).build().catch((e: unknown) => e);
    expect(UnsupportedSpecificationVersionError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ contract: "TaskExecutor", version: undefined, supported: ["v1"] });
    expect((err as Error).message).toMatch(/^OldExecutor implements TaskExecutor specification version undefined/);
    const v2 = Object.assign(new OldExecutor(), { specificationVersion: "v2" });
    await expect(dynamic().withRemoteExecutor(v2 as never).build()).rejects.toThrow(/OldExecutor implements TaskExecutor specification version "v2"/);
    expect(await (await dynamic().withLocalExecutor(new SynchronousLocalTaskExecutor()).build()).execute(["a"])).toEqual({ a: 1 });
  });

  test("a grouping strategy may omit it, but not declare an unknown one", async () => {
    const plain = { name: "MyGrouping", groupNodes: (nodes: readonly GroupingNode[]) => nodes.map((n) => [n.name]) };
    expect(await (await dynamic().withGroupingStrategy(plain).build()).execute(["a"])).toEqual({ a: 1 });
    const future = { ...plain, specificationVersion: "v3" };
    await expect(dynamic().withGroupingStrategy(future as never).build()).rejects.toThrow(/MyGrouping implements GroupingStrategy specification version "v3"/);
    expect(await (await dynamic().withGroupingStrategy(new GroupNodesIndividually()).build()).execute(["a"])).toEqual({ a: 1 });
  });

  test("graph adapters and result builders may omit it, but not declare an unknown one", async () => {
    class FutureAdapter extends SimpleGraphAdapter {
      override readonly specificationVersion = "v2" as never;
    }
    expect(() => new Driver({}, mod, { adapter: new FutureAdapter() })).toThrow(/FutureAdapter implements HamiltonGraphAdapter specification version "v2"/);
    await expect(new Builder().withModules(mod).withAdapters(new FutureAdapter()).build()).rejects.toThrow(UnsupportedSpecificationVersionError);
    const builder = { buildResult: (o: Record<string, unknown>) => Object.keys(o) };
    expect(await new Driver({}, mod, { adapter: builder }).execute(["a"])).toEqual(["a"]);
    expect(() => new Driver({}, mod, { adapter: { ...builder, specificationVersion: 2 } })).toThrow(/implements ResultMixin specification version 2/);
  });
});
