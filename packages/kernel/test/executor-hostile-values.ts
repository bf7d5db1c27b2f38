// The hostile-values property suite (hostile-values.ts, issue 9) through a
// real executor, for the thread, process and BullMQ suites: a value sent to a
// worker as a node's input and returned in its output arrives equal (sharing
// and cycles kept, typed arrays over buffers of their own), or the run fails
// with a SerializationError naming the node; a value the worker cannot send
// back fails the run the same way. Never a hang, a crash (the executor runs
// the next value as before), or an import of the `data:` module the values
// name (checked in the driver and in every worker that ran a branch).
import fc from "fast-check";
import { expect } from "vitest";
import { Builder, SerializationError } from "@hamilton-ts/kernel";
import type { TaskExecutor } from "@hamilton-ts/kernel/contracts";
import { deepCase, expectArrivedEqual, hostileCase, wasPwned } from "./hostile-values.js";

/** The fixture pipeline, for executors whose workers import it (BullMQ's `startWorker({ modules })`). */
export const HOSTILE_ECHO = new URL("./fixtures/hostile-echo.mjs", import.meta.url);

interface Echo {
  readonly value: unknown;
  readonly pwned: boolean;
}

export interface ExecutorHostileOptions {
  /** Values sent there and back (default 40). */
  readonly numRuns?: number;
  /** Values whose output carries a poison made in the worker (default 12). */
  readonly poisonRuns?: number;
  /** One run longer than this is a hang (default 20 s). */
  readonly hangMs?: number;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Run both properties on `executor` (one driver for all values, as an app would). */
export async function checkHostileValuesThrough(executor: TaskExecutor, options: ExecutorHostileOptions = {}): Promise<void> {
  const { numRuns = 40, poisonRuns = 12, hangMs = 20_000 } = options;
  const dr = await new Builder().withModules(HOSTILE_ECHO).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(executor).build();
  const run = async (inputs: Record<string, unknown>): Promise<Echo[]> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`a run did not settle within ${hangMs} ms (a hang)`)), hangMs);
    });
    try {
      return ((await Promise.race([dr.execute(["all"], { inputs }), hang])) as { all: Echo[] }).all;
    } finally {
      clearTimeout(timer);
    }
  };

  // there and back: an input of a branch in the worker, then the branch's output
  await fc.assert(
    fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: hostileCase }, { weight: 1, arbitrary: deepCase }), async (c) => {
      let out: Echo[];
      try {
        out = await run({ values: [c.value] });
      } catch (error) {
        expect(SerializationError.isInstance(error), `expected a SerializationError, got ${describeError(error)}`).toBe(true);
        expect(["item", "echoed"]).toContain((error as SerializationError).nodeName);
        if (!c.refused) throw error;
        expect((error as Error).message).toMatch(c.refused);
        return;
      }
      expect(c.refused, "a value that cannot cross was let through").toBeUndefined();
      expect(out).toHaveLength(1);
      expect(out[0]!.pwned, "a worker imported the data: module a value named").toBe(false);
      expectArrivedEqual(c.value, out[0]!.value);
    }),
    { numRuns, interruptAfterTimeLimit: 30_000 },
  );

  // a worker's output that cannot cross: the run fails naming the node, and the next run is fine
  await fc.assert(
    fc.asyncProperty(
      hostileCase.filter((c) => !c.refused),
      fc.constantFrom(["function", /is a function/], ["class", /instance of Hidden/], ["symbol", /is a symbol/]),
      async (c, [poison, message]) => {
        const error = await run({ values: [c.value], poison }).then(
          () => expect.fail("an output holding a value that cannot cross was let through"),
          (e: unknown) => e,
        );
        expect(SerializationError.isInstance(error), `expected a SerializationError, got ${describeError(error)}`).toBe(true);
        expect((error as SerializationError).nodeName).toBe("echoed");
        expect((error as Error).message).toMatch(message);
      },
    ),
    { numRuns: poisonRuns, interruptAfterTimeLimit: 15_000 },
  );

  // many values in one run: on executors that send branches as item batches
  // (warmed up first, so the pool has measured the block), each value still
  // arrives as it would alone, and a value that cannot cross is still named
  await run({ values: Array.from({ length: 3_000 }, (_, i) => i) });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof({ weight: 8, arbitrary: hostileCase }, { weight: 1, arbitrary: deepCase }), { minLength: 2, maxLength: 24 }), async (cases) => {
      let out: Echo[];
      try {
        out = await run({ values: cases.map((c) => c.value) });
      } catch (error) {
        expect(SerializationError.isInstance(error), `expected a SerializationError, got ${describeError(error)}`).toBe(true);
        expect(["item", "echoed"]).toContain((error as SerializationError).nodeName);
        const refused = cases.filter((c) => c.refused);
        if (refused.length === 0) throw error;
        expect(refused.some((c) => c.refused!.test((error as Error).message)), (error as Error).message).toBe(true);
        return;
      }
      expect(cases.filter((c) => c.refused), "a value that cannot cross was let through").toEqual([]);
      expect(out).toHaveLength(cases.length);
      cases.forEach((c, i) => {
        expect(out[i]!.pwned, "a worker imported the data: module a value named").toBe(false);
        expectArrivedEqual(c.value, out[i]!.value);
      });
    }),
    { numRuns: Math.ceil(numRuns / 2), interruptAfterTimeLimit: 30_000 },
  );

  // still healthy: a plain run on the same executor, several branches
  const healthy = await run({ values: [1, "two", [3]] });
  expect(healthy.map((e) => e.value)).toEqual([1, "two", [3]]);
  expect(wasPwned(), "the driver imported the data: module a value named").toBe(false);
}
