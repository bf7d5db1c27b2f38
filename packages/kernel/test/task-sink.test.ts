// TaskExecutor.submitTaskTo: executors that report tasks to a sink rather than a promise each.
import { describe, expect, test } from "vitest";
import { Builder, collect, NodeExecutionError, parallelizable } from "../src/index.js";
import type { Task, TaskExecutor, TaskSink } from "../src/contracts.js";

/** Runs tasks in this thread and reports them to the sink: synchronously, or on a later turn. */
class SinkExecutor implements TaskExecutor {
  readonly specificationVersion = "v1" as const;
  viaSink = 0;
  viaPromise = 0;
  inFlight = 0;
  peak = 0;
  constructor(
    private readonly mode: "now" | "later" | "throw",
    private readonly maxTasks = 4,
  ) {}
  init() {}
  canSubmitTask() {
    return this.inFlight < this.maxTasks;
  }
  submitTask(task: Task) {
    this.viaPromise++;
    return task.run();
  }
  submitTaskTo(task: Task, sink: TaskSink) {
    if (this.mode === "throw") throw new Error("submitTaskTo broke");
    this.viaSink++;
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    const report = (ok: boolean, value: unknown) => {
      this.inFlight--;
      sink.taskSettled(task, ok, value);
    };
    const go = () => task.run().then((v) => report(true, v), (e: unknown) => report(false, e));
    if (this.mode === "now") go();
    else setTimeout(go, 0);
  }
  finalize() {}
}

const mod = {
  items: parallelizable((n: number) => Array.from({ length: n }, (_, i) => i)),
  doubled: (items: number) => {
    if (items === 13) throw new RangeError("thirteen");
    return items * 2;
  },
  total: collect("doubled", (doubled: number[]) => doubled.reduce((a, b) => a + b, 0)),
};

const driver = (executor: TaskExecutor) =>
  new Builder().withModules(mod).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();

describe("submitTaskTo", () => {
  for (const mode of ["now", "later"] as const) {
    test(`is used instead of submitTask, reported ${mode === "now" ? "before it returns" : "on a later turn"}; maxTasks holds`, async () => {
      const ex = new SinkExecutor(mode);
      const dr = await driver(ex);
      expect(await dr.execute(["total"], { inputs: { n: 13 } })).toEqual({ total: 156 });
      expect(ex.viaSink).toBe(13);
      expect(ex.viaPromise).toBe(0);
      expect(ex.peak).toBeLessThanOrEqual(4);
      // a failure reported to the sink fails the run with the node's error
      const error = await dr.execute(["total"], { inputs: { n: 20 } }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(NodeExecutionError);
      expect((error as NodeExecutionError).nodeName).toBe("doubled");
      expect((error as NodeExecutionError).taskId).toBe("block-items[13]");
      // and overlapping runs each get their own results
      const many = await Promise.all([3, 5, 8, 12].map((n) => dr.execute(["total"], { inputs: { n } })));
      expect(many).toEqual([3, 5, 8, 12].map((n) => ({ total: n * (n - 1) })));
    });
  }

  test("an executor whose submitTaskTo throws fails the run with that error, and the driver works on", async () => {
    const dr = await driver(new SinkExecutor("throw"));
    await expect(dr.execute(["total"], { inputs: { n: 3 } })).rejects.toThrow("submitTaskTo broke");
    await expect(dr.execute(["total"], { inputs: { n: 0 } })).resolves.toEqual({ total: 0 });
  });
});
