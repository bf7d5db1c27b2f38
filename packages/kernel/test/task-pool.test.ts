// The TaskPool's own logic, against a scripted in-memory transport: fair
// sharing across runs, abort isolation, death and hang attribution with and
// without shared memory, retries, close, idle shutdown. Real threads and
// processes are tested in their packages.
import { describe, expect, test } from "vitest";
import { AbortError, ExecutorError, NodeExecutionError, TimeoutError } from "../src/index.js";
import type { ExecutorContext, NodeEvent, Task } from "../src/contracts.js";
import {
  TaskPool,
  unpackTaskBatch,
  type BatchMessage,
  type FromWorker,
  type PoolTransport,
  type PoolWorker,
  type StopReason,
  type ToWorker,
  type WorkerEvents,
  type WorkerPosition,
} from "../src/remote.js";
import { BatchSizer } from "../src/remote/pool/batch-sizer.js";

/** What a scripted worker does with a task, chosen by its `x` input. */
type Behaviour = "ok" | "die" | "hang" | "slow";

interface FakeOptions {
  /** Workers tell which task runs (as threads do through shared memory). */
  exact?: boolean;
  /** ms per task. */
  delay?: number;
  /** Workers die before saying they are ready. */
  failStart?: boolean;
  /** spawn() itself throws. */
  spawnThrows?: boolean;
}

const clock = () => performance.timeOrigin + performance.now();

/** A transport whose workers run in this thread: output `y = x * 2`, misbehaving as each task's `mode` input says. */
class FakeTransport implements PoolTransport<FakeWorker> {
  readonly executor = "FakeExecutor";
  readonly workerNoun = "fake worker";
  readonly workers: FakeWorker[] = [];
  constructor(readonly options: FakeOptions = {}) {}
  spawn(events: WorkerEvents): FakeWorker {
    if (this.options.spawnThrows) throw new Error("cannot find the worker script");
    const w = new FakeWorker(this.workers.length, this.options, events);
    this.workers.push(w);
    return w;
  }
  checkValue(value: unknown): void {
    structuredClone(value);
  }
}

class FakeWorker implements PoolWorker {
  readonly label: string;
  readonly received: ToWorker[] = [];
  stopped: StopReason | undefined;
  refs = 0;
  private pos: WorkerPosition | undefined;
  private chain: Promise<void>;
  private dead = false;
  constructor(
    readonly id: number,
    private readonly options: FakeOptions,
    private readonly events: WorkerEvents,
  ) {
    this.label = `fake ${id}`;
    // like a real worker, it listens (and says so) before it runs anything
    this.chain = new Promise((ready) =>
      setTimeout(() => {
        if (options.failStart) this.die({ code: 9, error: new Error("cannot load the loader") });
        else {
          this.post({ type: "ready" });
          ready();
        }
      }, 1),
    );
  }
  send(message: ToWorker): void {
    structuredClone(message);
    this.received.push(message);
    if (message.type === "batch") this.chain = this.chain.then(() => this.run(message));
  }
  position(): WorkerPosition | undefined {
    return this.options.exact ? this.pos : undefined;
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    this.refs--;
  }
  stop(reason: StopReason): void {
    this.stopped = reason;
    this.die({ signal: "SIGKILL" });
  }
  private post(m: FromWorker): void {
    if (!this.dead) this.events.message(m);
  }
  private die(exit: { code?: number; signal?: string; error?: unknown }): void {
    if (this.dead) return;
    this.dead = true;
    setTimeout(() => this.events.exit(exit), 1);
  }
  private async run(msg: BatchMessage): Promise<void> {
    if (msg.timed) this.post({ type: "started", seq: msg.seq });
    const done: number[] = [];
    const outputs: unknown[] = [];
    for (const { index, request } of unpackTaskBatch(msg.batch)) {
      if (this.dead) return;
      this.pos = { seq: msg.seq, task: index, node: 0, since: clock() };
      const { x, mode } = request.inputs as { x: number; mode?: Behaviour };
      if (mode === "die") return this.die({ code: 3 });
      if (mode === "hang") return new Promise<void>(() => undefined);
      await new Promise((r) => setTimeout(r, mode === "slow" ? 60 : (this.options.delay ?? 0)));
      done.push(index);
      outputs.push(x * 2);
    }
    this.post({ type: "results", seq: msg.seq, done, outputs, failures: [], busyMs: 1 });
  }
}

let runs = 0;
/** A run whose tasks are of one template (`nodes`: pass the same array to make two runs' tasks one template). */
function newRun(nodes: readonly string[] = ["y"]): { context: ExecutorContext; ctl: AbortController; task: (x: number, mode?: Behaviour, timeoutMs?: number) => Task } {
  const runId = `run-${++runs}`;
  const context: ExecutorContext = {
    runId,
    modules: [{ name: "m", exports: {}, location: "file:///fake/pipeline.mjs" }],
    config: {},
    allowModuleOverrides: false,
    graphFingerprint: "f",
    wantsNodeEvents: false,
  };
  const ctl = new AbortController();
  let n = 0;
  return {
    context,
    ctl,
    task: (x, mode, timeoutMs) => ({
      runId,
      context,
      taskId: `y[${n++}]`,
      nodes,
      inputs: mode ? { x, mode } : { x },
      outputs: nodes,
      expanders: [],
      path: [n],
      isBlock: true,
      block: "items",
      purpose: "branch",
      attempt: 1,
      timeoutMs,
      signal: ctl.signal,
      run: () => Promise.reject(new Error("remote only")),
      reportNodeEvent: (_e: NodeEvent) => undefined,
    }),
  };
}

function pool(transport: FakeTransport, options: Partial<ConstructorParameters<typeof TaskPool>[1]> = {}): TaskPool {
  return new TaskPool(transport, { maxTasks: 2, idleTimeoutMs: 0, ...options });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Error,
  );
}

describe("TaskPool: runs share the pool", () => {
  test("many runs at once: maxTasks caps workers across runs, every task gets its own answer, runs take turns", async () => {
    const t = new FakeTransport({ delay: 1 });
    const p = pool(t);
    const rs = [newRun(), newRun(), newRun()];
    for (const r of rs) p.init(r.context);
    const all = rs.map((r) => Promise.all(Array.from({ length: 30 }, (_, i) => p.submitTask(r.task(i)))));
    const results = await Promise.all(all);
    for (const out of results) expect(out.map((o) => o.y)).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(t.workers.length).toBe(2);
    // the first batches sent cover more than one run: no run waits for another to drain
    const firstRuns = t.workers.flatMap((w) => w.received.filter((m): m is BatchMessage => m.type === "batch").slice(0, 2).map((m) => m.batch.runId));
    expect(new Set(firstRuns).size).toBeGreaterThan(1);
    for (const r of rs) p.finalize();
  });

  test("a worker receives each graph setup once, whatever the number of runs", async () => {
    const t = new FakeTransport();
    const p = pool(t, { maxTasks: 1 });
    for (let k = 0; k < 3; k++) {
      const r = newRun();
      p.init(r.context);
      await p.submitTask(r.task(1));
      p.finalize();
    }
    expect(t.workers[0]!.received.filter((m) => m.type === "setup")).toHaveLength(1);
  });

  test("aborting one run stops only the workers running its tasks; other runs' tasks there run again", async () => {
    const t = new FakeTransport();
    const p = pool(t, { maxTasks: 2, chunkSize: 1 });
    const a = newRun();
    const b = newRun();
    p.init(a.context);
    p.init(b.context);
    const aTask = p.submitTask(a.task(1, "hang"));
    const bTasks = [p.submitTask(b.task(1, "slow")), p.submitTask(b.task(2, "slow"))];
    await new Promise((r) => setTimeout(r, 20));
    a.ctl.abort(new Error("user pressed stop"));
    const e = await rejection(aTask);
    expect(AbortError.isInstance(e)).toBe(true);
    expect(e.message).toContain("user pressed stop");
    expect((await Promise.all(bTasks)).map((o) => o.y)).toEqual([2, 4]);
    expect(t.workers.filter((w) => w.stopped === "abort")).toHaveLength(1);
    // a new run right after the abort works
    const c = newRun();
    p.init(c.context);
    expect(await p.submitTask(c.task(5))).toEqual({ y: 10 });
  });

  test("aborting a run whose batch waits in a worker behind another run's: the worker is kept, the waiting tasks reject, the others finish", async () => {
    const t = new FakeTransport();
    const p = pool(t, { maxTasks: 1 });
    const nodes = ["y"];
    const warm = newRun(nodes);
    p.init(warm.context);
    // the template's tasks are known to be short: a worker may hold a second batch while it runs one
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.submitTask(warm.task(i))));
    const a = newRun(nodes);
    const b = newRun(nodes);
    p.init(a.context);
    p.init(b.context);
    const bTasks = [0, 1, 2].map((i) => p.submitTask(b.task(i, i === 0 ? "slow" : "ok")));
    await new Promise((r) => setTimeout(r, 10));
    const aTasks = [0, 1, 2].map((i) => p.submitTask(a.task(i)));
    await new Promise((r) => setTimeout(r, 10));
    const batches = t.workers[0]!.received.filter((m): m is BatchMessage => m.type === "batch");
    expect(batches.at(-1)!.batch.runId).toBe(a.context.runId); // a's batch waits in the worker's pipeline
    a.ctl.abort(new Error("stop a"));
    for (const e of await Promise.all(aTasks.map(rejection))) expect(AbortError.isInstance(e)).toBe(true);
    expect((await Promise.all(bTasks)).map((o) => o.y)).toEqual([0, 2, 4]);
    expect(t.workers.map((w) => w.stopped)).toEqual([undefined]);
    expect(await p.submitTask(b.task(5))).toEqual({ y: 10 });
  });

  test("a task of an already aborted run is refused at once", async () => {
    const p = pool(new FakeTransport());
    const r = newRun();
    r.ctl.abort();
    expect(AbortError.isInstance(await rejection(p.submitTask(r.task(1))))).toBe(true);
  });
});

describe("TaskPool: dead workers", () => {
  test.each([
    ["shared memory names the task", true],
    ["suspects are re-run alone", false],
  ])("the task that killed its worker is found (%s); its batch mates succeed", async (_label, exact) => {
    const t = new FakeTransport({ exact });
    const p = pool(t, { maxTasks: 1 });
    const r = newRun();
    p.init(r.context);
    // warm the sizer so that tasks travel together
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.submitTask(r.task(i))));
    const tasks = Array.from({ length: 20 }, (_, i) => p.submitTask(r.task(i, i === 7 ? "die" : "ok")));
    const settled = await Promise.allSettled(tasks);
    const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [[i, s.reason as NodeExecutionError] as const] : []));
    expect(failed.map(([i]) => i)).toEqual([7]);
    const e = failed[0]![1];
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("y");
    expect(e.message).toMatch(/fake worker running task y\[\d+\] \(fake \d\) died: it exited with code 3/);
    expect(ExecutorError.isInstance(e.cause)).toBe(true);
    expect(e.cause).toMatchObject({ reason: "worker-died", executor: "FakeExecutor", exitCode: 3 });
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(19);
  });

  test("retries run the task again in a new worker, a bounded number of times", async () => {
    const t = new FakeTransport({ exact: true });
    const p = pool(t, { retries: 2 });
    const r = newRun();
    p.init(r.context);
    const e = await rejection(p.submitTask(r.task(1, "die")));
    expect(e.message).toContain("tried 3 times (retries: 2)");
    expect(t.workers.length).toBe(3);
  });

  test("a worker that cannot start fails its tasks with reason worker-start", async () => {
    const p = pool(new FakeTransport({ failStart: true }));
    const r = newRun();
    p.init(r.context);
    const e = await rejection(p.submitTask(r.task(1)));
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.message).toMatch(/failed to start: it exited with code 9 \(cannot load the loader\)/);
    expect(e.cause).toMatchObject({ reason: "worker-start" });
  });
});

test("a transport that cannot spawn at all fails the tasks with reason worker-start, not the process", async () => {
  const p = pool(new FakeTransport({ spawnThrows: true }));
  const r = newRun();
  p.init(r.context);
  const e = await rejection(p.submitTask(r.task(1)));
  expect(e.message).toMatch(/failed to start: it could not be started or reached \(cannot find the worker script\)/);
  expect(e.cause).toMatchObject({ reason: "worker-start" });
});

describe("TaskPool: hung workers", () => {
  test.each([
    ["shared memory names the task", true],
    ["suspects are re-run alone", false],
  ])("a task over its timeout fails with a TimeoutError naming its node; its worker is replaced and its batch mates re-run (%s)", async (_label, exact) => {
    const t = new FakeTransport({ exact });
    const p = pool(t, { maxTasks: 1, taskTimeoutMs: 150 });
    const r = newRun();
    p.init(r.context);
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.submitTask(r.task(i))));
    const t0 = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => p.submitTask(r.task(i, i === 4 ? "hang" : "ok"))));
    expect(performance.now() - t0).toBeLessThan(5000);
    const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [[i, s.reason as TimeoutError] as const] : []));
    expect(failed.map(([i]) => i)).toEqual([4]);
    const e = failed[0]![1];
    expect(TimeoutError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ nodeName: "y", timeoutMs: 150 });
    expect(e.message).toMatch(/timed out after 150 ms: the fake worker running it \(fake \d\) was stopped and replaced/);
    expect(t.workers.some((w) => w.stopped === "timeout")).toBe(true);
  });

  test("the task's own timeoutMs wins when it is shorter than taskTimeoutMs", async () => {
    const p = pool(new FakeTransport({ exact: true }), { taskTimeoutMs: 60_000 });
    const r = newRun();
    p.init(r.context);
    const e = await rejection(p.submitTask(r.task(1, "hang", 50)));
    expect(e).toMatchObject({ name: "TimeoutError", timeoutMs: 50 });
  });
});

describe("TaskPool: lifecycle", () => {
  test("close() fails what waits or runs with an ExecutorError (closed); the pool works again after", async () => {
    const t = new FakeTransport();
    const p = pool(t, { maxTasks: 1 });
    const r = newRun();
    p.init(r.context);
    const running = p.submitTask(r.task(1, "hang"));
    const waiting = p.submitTask(r.task(2));
    await new Promise((res) => setTimeout(res, 10));
    p.close();
    for (const e of await Promise.all([rejection(running), rejection(waiting)])) {
      expect(ExecutorError.isInstance(e)).toBe(true);
      expect(e).toMatchObject({ reason: "closed", executor: "FakeExecutor" });
      expect(e.message).toMatch(/task y\[\d\]/);
    }
    const again = newRun();
    p.init(again.context);
    expect(await p.submitTask(again.task(3))).toEqual({ y: 6 });
  });

  test("workers hold the process only while they have work, and stop idleTimeoutMs after the last run", async () => {
    const t = new FakeTransport();
    const p = pool(t, { maxTasks: 1, idleTimeoutMs: 30 });
    const r = newRun();
    p.init(r.context);
    await p.submitTask(r.task(1));
    expect(t.workers[0]!.refs).toBe(0);
    p.finalize();
    expect(p.workerCount).toBe(1);
    await new Promise((res) => setTimeout(res, 80));
    expect(p.workerCount).toBe(0);
    expect(t.workers[0]!.stopped).toBe("idle");
  });

  test("options are checked, naming the executor", () => {
    const t = new FakeTransport();
    expect(() => new TaskPool(t, { maxTasks: 0 })).toThrow(/FakeExecutor: maxTasks must be an integer >= 1, got 0/);
    expect(() => new TaskPool(t, { maxTasks: 1, taskTimeoutMs: -1 })).toThrow(/taskTimeoutMs/);
  });
});

describe("BatchSizer", () => {
  test("one task per message until it knows better, then follows the mean task time", () => {
    const s = new BatchSizer(512);
    expect(s.size()).toBe(1);
    s.observe(200, 1);
    expect([s.size(), s.depth()]).toEqual([1, 1]);
    const fast = new BatchSizer(512);
    for (let i = 0; i < 5; i++) fast.observe(0.5, 100);
    expect([fast.size(), fast.depth(), fast.tiny()]).toEqual([512, 2, true]);
    const capped = new BatchSizer(7);
    capped.observe(0.5, 100);
    expect(capped.size()).toBe(7);
  });
});
