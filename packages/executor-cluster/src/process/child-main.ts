/**
 * The entry script of a `MultiProcessingExecutor` child process. It imports the
 * driver's modules by location (once per setup, cached across tasks and runs),
 * runs batches of tasks by node name, and sends results and node events back.
 * Code never travels: only task requests and values do.
 */
import { serialize } from "node:v8";
import { SerializationError } from "@hamilton-ts/kernel";
import { cachedTaskRunner, failureFor, runWireTask, serializeError, unpackTaskBatch } from "@hamilton-ts/kernel/remote";
import type { TaskRunner, TaskRunnerOptions, WireNodeEvent, WireTaskResult } from "@hamilton-ts/kernel/remote";
import { EventPacker } from "./batch-codec.js";
import type { ChildSetup, FromChild, PackedBatch, PackedResults, ToChild } from "./messages.js";

if (typeof process.send !== "function") {
  console.error("@hamilton-ts/executor-cluster: the process child script must be started by MultiProcessingExecutor (it needs an IPC channel).");
  process.exit(1);
}

const setups = new Map<number, ChildSetup>();
const runners = new Map<number, TaskRunner>();
let queue: Promise<void> = Promise.resolve();

function send(message: FromChild): void {
  try {
    process.send!(message);
  } catch (error) {
    // the parent is gone: nothing left to do
    if ((error as { code?: string }).code === "ERR_IPC_CHANNEL_CLOSED") process.exit(0);
    throw error;
  }
}

/** What the slow path needs to find a value v8 cannot serialize. */
interface BatchLayout {
  readonly taskIds: readonly string[];
  readonly outputNames: ReadonlyArray<readonly string[]>;
}

function sendResults(msg: PackedResults, layout: BatchLayout): void {
  try {
    send(msg);
    return;
  } catch {
    // v8 refused a value the codec walk let through: find it below
  }
  // resend task by task, turning each value that cannot be serialized into a SerializationError naming its node
  const failures = [...msg.failures];
  const values: unknown[] = [];
  const failed = new Set(failures.map(([i]) => i));
  let offset = 0;
  for (let i = 0; i < layout.taskIds.length; i++) {
    if (failed.has(i)) continue;
    const names = layout.outputNames[i]!;
    const own = msg.values.slice(offset, offset + names.length);
    offset += names.length;
    const bad = names.find((_n, k) => {
      try {
        serialize(own[k]);
        return false;
      } catch {
        return true;
      }
    });
    if (bad === undefined) values.push(...own);
    else {
      failures.push([
        i,
        failureFor(layout.taskIds[i]!, new SerializationError(`The value of node "${bad}" cannot be sent back from the child process: v8 cannot serialize it.`, bad)) as Failure,
      ]);
    }
  }
  send({ type: "results", batchId: msg.batchId, values, failures, events: msg.events, computeMs: msg.computeMs });
}

type Failure = Extract<WireTaskResult, { ok: false }>;

function runnerOptions(setup: ChildSetup): TaskRunnerOptions {
  const options = {
    modules: setup.modules,
    config: setup.config,
    allowModuleOverrides: setup.allowModuleOverrides,
    codecModules: setup.codecModules,
  };
  return options;
}

async function runBatch(msg: PackedBatch): Promise<void> {
  const start = performance.now();
  const setup = setups.get(msg.setupId);
  const values: unknown[] = [];
  const failures: Array<readonly [number, Failure]> = [];
  const events = new EventPacker();
  let runner: TaskRunner | undefined;
  let setupError: unknown;
  try {
    if (!setup) throw new Error(`child process ${process.pid} has no setup ${msg.setupId}`);
    runner = runners.get(msg.setupId) ?? (await cachedTaskRunner(runnerOptions(setup)));
    runners.set(msg.setupId, runner);
  } catch (error) {
    setupError = error;
  }
  const outputNames: Array<readonly string[]> = [];
  for (const { index, shape, request } of unpackTaskBatch(msg)) {
    outputNames.push(shape.outputs);
    if (!runner) {
      failures.push([index, failureFor(request.taskId, setupError) as Failure]);
      continue;
    }
    const onEvent = (e: WireNodeEvent) => {
      events.add(index, shape, e);
      if (msg.live) send({ type: "events", batchId: msg.batchId, events: events.take() });
    };
    // pre/post events only when the parent has node hooks; validation events always
    const { result } = await runWireTask(runner, request, { events: msg.events, onNodeEvent: onEvent, sharedMemory: false });
    if (result.ok) {
      const out = result.outputs as Record<string, unknown>;
      for (const name of shape.outputs) values.push(out[name]);
    } else failures.push([index, result]);
  }
  sendResults(
    { type: "results", batchId: msg.batchId, values, failures, events: events.take(), computeMs: performance.now() - start },
    { taskIds: msg.taskIds, outputNames },
  );
}

function fatal(origin: string) {
  return (error: unknown): void => {
    // exit once the message is flushed (or soon anyway): the parent still sees the exit if it is lost
    setTimeout(() => process.exit(70), 200);
    try {
      process.send!({ type: "fatal", error: serializeError(error), origin } satisfies FromChild, () => process.exit(70));
    } catch {
      process.exit(70);
    }
  };
}

process.on("uncaughtException", fatal("uncaughtException"));
process.on("unhandledRejection", fatal("unhandledRejection"));
// when the parent dies or lets go, so does the child
process.on("disconnect", () => process.exit(0));
process.on("message", (raw) => {
  const msg = raw as ToChild;
  if (msg.type === "setup") setups.set(msg.setupId, msg.setup);
  // one batch at a time, in arrival order: if the child dies, the parent knows which batch was running
  else if (msg.type === "batch") queue = queue.then(() => runBatch(msg));
});
send({ type: "ready" });
