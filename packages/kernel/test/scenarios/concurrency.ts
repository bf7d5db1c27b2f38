// The kernel's concurrency suite, for every executor's tests: many overlapping
// runs on one driver, with random inputs, aborts and failures mixed in. Every
// run that was not aborted must equal its sequential result, hooks' runIds
// must never mix, a run right after an abort must work, and nothing may hang.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Builder, type Driver } from "@hamilton-ts/kernel";
import type { GroupingStrategy, LifecycleAdapter } from "@hamilton-ts/kernel/contracts";
import { _expectedOf as expectedOf } from "./concurrent-runs.mjs";
import { groupings } from "./suite.js";

const pipeline = new URL("./concurrent-runs.mjs", import.meta.url);
const OUTPUTS = ["report", "tag"];

/** One run of a batch: its inputs, whether it fails, and when (if ever) it is aborted. */
export interface ConcurrentRun {
  readonly seed: number;
  readonly n: number;
  readonly delayMs: number;
  /** Item whose branch throws (-1: none). */
  readonly failAt: number;
  /** Abort right after `execute()` ("now"), after so many ms, or never. */
  readonly abort: "now" | number | undefined;
}

/** Records every hook call and the first sign of runs mixing. */
class RunWatcher implements LifecycleAdapter {
  readonly seedOf = new Map<string, number>();
  readonly ended = new Set<string>();
  readonly eachDone = new Map<string, number>();
  readonly expansions = new Map<string, number[]>();
  readonly problems: string[] = [];
  private check(runId: string, where: string): void {
    if (!this.seedOf.has(runId)) this.problems.push(`${where}: unknown runId ${runId}`);
    else if (this.ended.has(runId)) this.problems.push(`${where}: runId ${runId} after its postGraphExecute`);
  }
  preGraphExecute(a: { runId: string; inputs: Readonly<Record<string, unknown>> }): void {
    if (this.seedOf.has(a.runId)) this.problems.push(`runId ${a.runId} used twice`);
    this.seedOf.set(a.runId, a.inputs.seed as number);
  }
  postGraphExecute(a: { runId: string }): void {
    this.check(a.runId, "postGraphExecute");
    this.ended.add(a.runId);
  }
  postTaskGrouping(a: { runId: string }): void {
    this.check(a.runId, "postTaskGrouping");
  }
  postTaskExpansion(a: { runId: string; expander: string; items: number }): void {
    this.check(a.runId, "postTaskExpansion");
    const list = this.expansions.get(a.runId) ?? [];
    list.push(a.items);
    this.expansions.set(a.runId, list);
  }
  preTaskExecute(a: { runId: string }): void {
    this.check(a.runId, "preTaskExecute");
  }
  postTaskExecute(a: { runId: string; success: boolean; result?: Readonly<Record<string, unknown>> }): void {
    this.check(a.runId, "postTaskExecute");
    const tag = a.result?.tag;
    if (a.success && tag !== undefined && tag !== `seed-${this.seedOf.get(a.runId)}`) {
      this.problems.push(`run ${a.runId} (seed ${this.seedOf.get(a.runId)}) got a task result of another run: tag ${String(tag)}`);
    }
  }
  preNodeExecute(a: { runId: string }): void {
    this.check(a.runId, "preNodeExecute");
  }
  postNodeExecute(a: { runId: string; nodeName: string; success: boolean }): void {
    this.check(a.runId, "postNodeExecute");
    if (a.nodeName === "each" && a.success) this.eachDone.set(a.runId, (this.eachDone.get(a.runId) ?? 0) + 1);
  }
}

const runArb: fc.Arbitrary<Omit<ConcurrentRun, "seed">> = fc.record({
  n: fc.integer({ min: 0, max: 6 }),
  delayMs: fc.integer({ min: 0, max: 3 }),
  fails: fc.boolean(),
  failPick: fc.nat(),
  abort: fc.option(fc.oneof(fc.constant("now" as const), fc.integer({ min: 0, max: 12 })), { freq: 3 }),
}).map(({ n, delayMs, fails, failPick, abort }) => ({
  n,
  delayMs,
  failAt: fails && n > 0 ? failPick % n : -1,
  abort: abort ?? undefined,
}));

/** Start every run at once and wait for all of them; check each outcome. */
export async function runBatch(dr: Driver, watcher: RunWatcher, batch: readonly ConcurrentRun[]): Promise<void> {
  const outcomes = await Promise.all(
    batch.map(async (run) => {
      const ctl = new AbortController();
      const inputs = { seed: run.seed, n: run.n, fail_at: run.failAt, delay_ms: run.delayMs };
      const p = dr.execute(OUTPUTS, { inputs, signal: ctl.signal });
      if (run.abort === "now") ctl.abort(new Error("cancelled at once"));
      else if (run.abort !== undefined) setTimeout(() => ctl.abort(new Error("cancelled")), run.abort);
      try {
        return { run, ok: true as const, value: await p, aborted: ctl.signal.aborted };
      } catch (error) {
        return { run, ok: false as const, error: error as { name?: string; nodeName?: string; message?: string }, aborted: ctl.signal.aborted };
      }
    }),
  );
  for (const o of outcomes) {
    const what = `run ${JSON.stringify(o.run)}`;
    if (o.ok) {
      expect(o.run.failAt, `${what} succeeded though a branch throws`).toBe(-1);
      expect(o.value, what).toEqual(expectedOf(o.run));
    } else if (o.error.name === "AbortError") {
      expect(o.aborted, `${what} was never aborted: ${o.error.message}`).toBe(true);
    } else {
      expect(o.run.failAt, `${what} failed: ${o.error.message}`).toBeGreaterThanOrEqual(0);
      expect(o.error).toMatchObject({ name: "NodeExecutionError", nodeName: "each" });
    }
  }
  expect(watcher.problems).toEqual([]);
  // a run that succeeded saw its own branches, and only those
  for (const [runId, seed] of watcher.seedOf) {
    const o = outcomes.find((x) => x.run.seed === seed);
    if (!o?.ok) continue;
    expect(watcher.eachDone.get(runId) ?? 0, `node hooks of run seed ${seed}`).toBe(o.run.n);
    expect(watcher.expansions.get(runId), `postTaskExpansion of run seed ${seed}`).toEqual([o.run.n]);
  }
}

/** Options of `describeConcurrency`. */
export interface ConcurrencyOptions {
  readonly groupings?: ReadonlyArray<new () => GroupingStrategy>;
  /** Random batches per grouping strategy (default 12). */
  readonly numRuns?: number;
  /** Most runs in one batch (default 20). */
  readonly maxRuns?: number;
  /** Per-test hang guard in ms (default 30 000). */
  readonly timeoutMs?: number;
}

/**
 * Declare the concurrency tests under each grouping strategy. `configure`
 * receives a Builder with the suite's module (by location), dynamic
 * execution and the grouping set, and adds executors; one driver serves every
 * batch of a strategy, and is closed at the end.
 */
export function describeConcurrency(configure: (builder: Builder) => Builder, options: ConcurrencyOptions = {}): void {
  const timeout = options.timeoutMs ?? 30_000;
  describe.each((options.groupings ?? groupings).map((G) => [G.name, G] as const))("concurrent runs grouped by %s", (_name, Grouping) => {
    let dr: Driver;
    let watcher: RunWatcher;
    let nextSeed = 1;
    beforeAll(async () => {
      watcher = new RunWatcher();
      const builder = new Builder()
        .withModules(pipeline)
        .enableDynamicExecution({ allowExperimentalMode: true })
        .withGroupingStrategy(new Grouping())
        .withAdapters(watcher);
      dr = await configure(builder).build();
    });
    afterAll(() => dr?.close());

    test(
      "2 to 20 overlapping runs with aborts and failures: each equals its sequential result, hooks never mix",
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(runArb, { minLength: 2, maxLength: options.maxRuns ?? 20 }), async (runs) => {
            await runBatch(dr, watcher, runs.map((r) => ({ ...r, seed: nextSeed++ })));
          }),
          { numRuns: options.numRuns ?? 12 },
        );
      },
      timeout,
    );

    test(
      "a run right after an abort works",
      async () => {
        const ctl = new AbortController();
        const aborted = dr.execute(OUTPUTS, { inputs: { seed: nextSeed++, n: 6, fail_at: -1, delay_ms: 40 }, signal: ctl.signal });
        // abort while its branches are in flight, then run again at once
        await new Promise((r) => setTimeout(r, 15));
        ctl.abort();
        const seed = nextSeed++;
        const next = dr.execute(OUTPUTS, { inputs: { seed, n: 3, fail_at: -1, delay_ms: 0 } });
        await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
        expect(await next).toEqual(expectedOf({ seed, n: 3 }));
        expect(watcher.problems).toEqual([]);
      },
      timeout,
    );

    test(
      "ten identical runs at once equal ten in a row",
      async () => {
        const runs = Array.from({ length: 10 }, () => ({ seed: nextSeed++, n: 4 }));
        const together = await Promise.all(runs.map((r) => dr.execute(OUTPUTS, { inputs: { ...r, fail_at: -1, delay_ms: 1 } })));
        const inRow: unknown[] = [];
        for (const r of runs) inRow.push(await dr.execute(OUTPUTS, { inputs: { ...r, fail_at: -1, delay_ms: 1 } }));
        expect(together).toEqual(inRow);
        expect(together).toEqual(runs.map(expectedOf));
      },
      timeout,
    );
  });
}
