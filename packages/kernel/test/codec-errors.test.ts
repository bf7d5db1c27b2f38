import { deserialize, serialize } from "node:v8";
import { describe, expect, test } from "vitest";
import {
  AbortError,
  DataValidationError,
  Driver,
  ExecutorError,
  GraphError,
  HamiltonError,
  InputValidationError,
  NodeExecutionError,
  SerializationError,
  TimeoutError,
  UnsupportedSpecificationVersionError,
} from "../src/index.js";
import { ERROR_CLASSES } from "../src/contracts.js";
import {
  deserializeError,
  deserializeThrown,
  errorFromWire,
  executorFailure,
  failureFor,
  runWireTask,
  serializeError,
  TaskRunner,
  type WireTaskRequest,
  type WireTaskResult,
} from "../src/remote.js";

/** What crosses: serialize, then v8 (processes, BullMQ) — structured clone keeps at least as much. */
const across = (e: unknown) => deserializeThrown(deserialize(serialize(serializeError(e))));

/** One instance of every kernel error class, with its fields set. */
const samples: Record<keyof typeof ERROR_CLASSES, HamiltonError> = {
  HamiltonError: new HamiltonError("base"),
  GraphError: new GraphError("graph differs"),
  InputValidationError: new InputValidationError("missing", { missingInputs: ["x"], unknownOutputs: ["y"], hint: "pass inputs" }),
  NodeExecutionError: new NodeExecutionError("n", "t", new TypeError("inner")),
  SerializationError: new SerializationError("cannot cross", "node_a"),
  AbortError: new AbortError(),
  TimeoutError: new TimeoutError("slow", "t[1]", 50),
  ExecutorError: new ExecutorError("MultiThreadingExecutor", "worker-died", "exited with code 1"),
  UnsupportedSpecificationVersionError: new UnsupportedSpecificationVersionError("TaskExecutor", "MyExecutor", "v9", ["v1"]),
  DataValidationError: new DataValidationError("checked", [
    { nodeName: "checked", taskId: "t", runId: "r", passed: false, importance: "fail", validator: "zod", message: "too small", issues: [{ message: "too small", path: [0] }] },
  ]),
};

describe("errors across a boundary", () => {
  test("every kernel error class comes back as itself, with its fields", () => {
    for (const [name, original] of Object.entries(samples)) {
      const back = across(original) as HamiltonError;
      const cls = ERROR_CLASSES[name as keyof typeof ERROR_CLASSES];
      expect(back, name).toBeInstanceOf(cls);
      expect(cls.isInstance(back), name).toBe(true);
      expect(HamiltonError.isInstance(back)).toBe(true);
      expect(back.name).toBe(original.name);
      expect(back.message).toBe(original.message);
      expect(back.stack).toBe(original.stack);
      expect({ ...back }).toEqual({ ...original });
    }
    expect((across(samples.InputValidationError) as InputValidationError).missingInputs).toEqual(["x"]);
    expect((across(samples.ExecutorError) as ExecutorError).reason).toBe("worker-died");
  });

  test("built-in errors come back as themselves; a custom class as an Error with its name", () => {
    for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      const back = across(new E("m"));
      expect(back).toBeInstanceOf(E);
      expect(Object.getPrototypeOf(back)).toBe(E.prototype);
    }
    const agg = across(new AggregateError([new TypeError("a"), "b"], "both")) as AggregateError;
    expect(agg).toBeInstanceOf(AggregateError);
    expect(agg.errors[0]).toBeInstanceOf(TypeError);
    expect(agg.errors[1]).toBe("b");
    const dom = across(new DOMException("stop", "AbortError")) as DOMException;
    expect(dom).toBeInstanceOf(DOMException);
    expect(dom.name).toBe("AbortError");
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const custom = across(new QuotaError("over")) as Error;
    expect(custom).toBeInstanceOf(Error);
    expect(custom.name).toBe("QuotaError");
  });

  test("own enumerable fields survive as data; what cannot cross is described, never a crash", () => {
    const e = Object.assign(new Error("boom"), { code: 42, detail: { at: [1, 2], when: new Date(5) }, fn: function retry() {}, inst: new (class Conn { host = "db" })() });
    Object.defineProperty(e, "bad", { enumerable: true, get: () => { throw new Error("getter"); } });
    const back = across(e) as Error & Record<string, unknown>;
    expect(back.code).toBe(42);
    expect(back.detail).toEqual({ at: [1, 2], when: new Date(5) });
    expect(back.fn).toBe("[function retry]");
    expect(back.inst).toEqual({ host: "db" });
    expect(back.bad).toMatch(/unreadable: getter/);
  });

  test("cause chains of any length, and cycles, survive", () => {
    const a = new Error("a");
    const b = new TypeError("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const back = across(b) as Error;
    expect(((back.cause as Error).cause as Error)).toBe(back);
    let long: Error = new Error("root");
    for (let i = 0; i < 5_000; i++) long = new Error(`e${i}`, { cause: long });
    let at = across(long) as Error;
    let n = 0;
    while (at.cause) (at = at.cause as Error), n++;
    expect(n).toBe(5_000);
    expect(at.message).toBe("root");
  });

  test("a thrown non-error value comes back as itself", () => {
    const np = Object.assign(Object.create(null) as Record<string, unknown>, { reason: "np" });
    for (const v of [null, undefined, "a string", 7, { code: 42 }, np, [1, { x: 1n }]]) {
      const back = across(v);
      if (typeof v === "object" && v !== null) expect(back).toEqual(v);
      else expect(back).toBe(v);
    }
    expect(Object.getPrototypeOf(across(np))).toBe(null);
    expect(deserializeError(serializeError({ code: 42 }))).toMatchObject({ name: "NonError", message: '{"code":42}', value: { code: 42 } });
  });

  test("a node that throws a null-prototype object fails as a NodeExecutionError naming it (the classic driver too)", async () => {
    const np = Object.assign(Object.create(null) as Record<string, unknown>, { code: 7 });
    const dr = new Driver({}, { a: () => { throw np; } });
    const e = (await dr.execute(["a"]).catch((x: unknown) => x)) as NodeExecutionError;
    expect(NodeExecutionError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("a");
    expect(e.message).toContain('{"code":7}');
    expect(e.cause).toBe(np);
  });
});

describe("a worker's failures, as the driver sees them", () => {
  const modules = [new URL("./fixtures/errors-pipeline.mjs", import.meta.url)];
  const request = (runner: TaskRunner, nodes: string[], extra: Partial<WireTaskRequest> = {}): WireTaskRequest => ({
    runId: "r",
    taskId: "t1",
    nodes,
    inputs: {},
    outputs: nodes,
    expanders: [],
    graphFingerprint: runner.fingerprint,
    ...extra,
  });
  const fail = async (runner: TaskRunner, req: WireTaskRequest): Promise<Error> => {
    const { result } = await runWireTask(runner, req);
    expect(result.ok).toBe(false);
    // the result crosses as v8 serialization would carry it
    return errorFromWire(deserialize(serialize(result)) as Extract<WireTaskResult, { ok: false }>, req.nodes);
  };

  test("a thrown { code: 42 } keeps code; a thrown null-prototype object names the node, not (task)", async () => {
    const runner = await TaskRunner.create({ modules });
    const coded = (await fail(runner, request(runner, ["throws_coded"]))) as NodeExecutionError;
    expect(NodeExecutionError.isInstance(coded)).toBe(true);
    expect(coded.nodeName).toBe("throws_coded");
    expect(coded.cause).toEqual({ code: 42 });
    const np = (await fail(runner, request(runner, ["throws_null_proto"]))) as NodeExecutionError;
    expect(np.nodeName).toBe("throws_null_proto");
    expect(Object.getPrototypeOf(np.cause)).toBe(null);
    const typed = (await fail(runner, request(runner, ["throws_typed"]))) as NodeExecutionError;
    expect(typed.cause).toBeInstanceOf(RangeError);
    expect((typed.cause as RangeError & { code: string }).code).toBe("E_TYPED");
  });

  test("a fingerprint mismatch is a GraphError in the driver (the CLI exits 2, not 1)", async () => {
    const runner = await TaskRunner.create({ modules });
    const e = await fail(runner, request(runner, ["throws_coded"], { graphFingerprint: "not-this-graph" }));
    expect(GraphError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toMatch(/graph differs/);
  });

  test("a remote expander's generator error names the expander", async () => {
    const runner = await TaskRunner.create({ modules });
    const e = (await fail(runner, request(runner, ["broken_items"], { expanders: ["broken_items"] }))) as NodeExecutionError;
    expect(e.nodeName).toBe("broken_items");
    expect((e.cause as Error).message).toBe("item 2 failed");
  });

  test("an output that cannot cross is a SerializationError naming the node", async () => {
    const runner = await TaskRunner.create({ modules });
    const e = await fail(runner, request(runner, ["returns_function"]));
    expect(SerializationError.isInstance(e)).toBe(true);
    expect((e as SerializationError).nodeName).toBe("returns_function");
  });

  test("failureFor never throws; infrastructure failures are an ExecutorError cause naming the node", () => {
    const hostile = Object.create(null) as object;
    Object.defineProperty(hostile, "x", { enumerable: true, get: () => { throw new Error("no"); } });
    expect(() => failureFor("t", hostile)).not.toThrow();
    const e = executorFailure("step", "t[3]", "MultiProcessingExecutor", "worker-died", "the child process exited with code 9");
    expect(e.nodeName).toBe("step");
    expect(ExecutorError.isInstance(e.cause)).toBe(true);
    expect((e.cause as ExecutorError).reason).toBe("worker-died");
    const back = errorFromWire(failureFor("t[3]", e)) as NodeExecutionError;
    expect((back.cause as ExecutorError).reason).toBe("worker-died");
  });
});
