import { decodeValue } from "../codec/decode-value.js";
import { encodeValue } from "../codec/encode-value.js";
import type { GraphNode } from "../graph/function-graph.js";
import type { CacheEngine } from "./cache-engine.js";
import { cacheKey, type KeyParts } from "./cache-keys.js";
import type { CacheEvent, CacheEventType } from "./cache-options.js";
import type { CacheEntry } from "./cache-store.js";
import { nodeCodeVersion } from "./code-version.js";
import { isUnhashable } from "./fingerprint.js";
import { InputVersions, PENDING, type Blocked, type InTaskVersion, type Version } from "./input-versions.js";
import { claimKey, waitForClaim, type Claim } from "./key-claims.js";
import { runSteps, wait, type Steps } from "./maybe-async.js";
import { missReason, rememberKeyParts } from "./miss-explanations.js";

/** Options of `CacheEngine.beginRun`. */
export interface RunCacheOptions {
  /** Stops waiting on another run's computation of a key when the run is aborted. */
  readonly signal?: AbortSignal;
  /** Called with every event as it is logged (progress displays count hits). */
  readonly onEvent?: (event: CacheEvent) => void;
}

/** A task as the cache sees it: its nodes in order and the values it receives. */
export interface CacheTask {
  readonly taskId: string;
  /** Item indices of the enclosing parallel blocks (explanations are kept per branch). */
  readonly path?: readonly number[];
  /** The task's nodes, in dependency order. */
  readonly nodes: readonly GraphNode[];
  /** Values of every dependency produced outside the task, by name (collect parameters as arrays; a branch's item under its expander's name). */
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** What to do with a task: which nodes are hits, which must run, what to record after. */
export interface CacheTaskPlan {
  readonly taskId: string;
  /** Values of the nodes that are hits (decoded, checked against their data version). */
  readonly hits: ReadonlyMap<string, unknown>;
  /** Nodes that must run, in order (a subsequence of the task's nodes). Empty: the task need not run at all. */
  readonly run: readonly GraphNode[];
  /** Nodes whose values `recordTask` needs: the task must return them besides its own outputs. */
  readonly record: readonly string[];
}

const enum Mode {
  /** Found in the store. */
  Hit,
  /** Runs, then is stored under its known key (a miss, or recompute). */
  Store,
  /** Runs; its key needs values computed in the same task, so it is known after the run. */
  Pending,
  /** Runs uncached, but its value's data version may key nodes after it. */
  Plain,
  /** Runs uncached and has no data version: an expander, a disabled or ignored node. */
  Opaque,
}

interface NodeState {
  readonly node: GraphNode;
  mode: Mode;
  parts?: KeyParts;
  claim?: Claim;
  dv?: Version | Promise<Version>;
  snapshot?: { readonly value: unknown } | { readonly error: string };
}

class TaskPlan implements CacheTaskPlan {
  settled = false;
  constructor(
    readonly task: CacheTask,
    readonly states: ReadonlyMap<string, NodeState>,
    readonly hits: ReadonlyMap<string, unknown>,
    readonly run: readonly GraphNode[],
    readonly record: readonly string[],
  ) {}
  get taskId(): string {
    return this.task.taskId;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cache's part of one run (from `CacheEngine.beginRun`). Values are
 * fingerprinted once per object per run: nodes must not change their inputs
 * in place (under thread and process executors they could not anyway).
 */
export class RunCache {
  private readonly versions: InputVersions;
  private readonly claims = new Set<Claim>();
  private readonly work = new Set<Promise<void>>();
  private listenerError: { readonly error: unknown } | undefined;

  constructor(
    private readonly engine: CacheEngine,
    readonly runId: string,
    private readonly log: CacheEvent[],
    private readonly options: RunCacheOptions,
  ) {
    this.versions = new InputVersions((name) => engine.behaviorOf(name));
  }

  /**
   * Decide which nodes of a task are hits. Call it before the task takes an
   * executor slot. Synchronous when nothing needs waiting for (a store that
   * answers at once, as the in-memory one does; no large values to digest; no
   * other run computing the same key); a promise otherwise.
   */
  planTask(task: CacheTask): CacheTaskPlan | Promise<CacheTaskPlan> {
    return runSteps(this.planSteps(task));
  }

  private *planSteps(task: CacheTask): Steps<CacheTaskPlan> {
    const states = new Map<string, NodeState>();
    const hits = new Map<string, unknown>();
    let claimed = false;
    try {
      for (const node of task.nodes) {
        const st: NodeState = { node, mode: Mode.Opaque };
        states.set(node.name, st);
        const { behavior, source } = this.engine.behaviorOf(node.name);
        if (node.isExpander) {
          this.emit(task, node, "recompute", "expanders always run; each branch is keyed by its item");
          continue;
        }
        if (behavior === "disable" || behavior === "ignore") {
          this.emit(task, node, behavior === "disable" ? "disabled" : "ignored", source);
          continue;
        }
        st.mode = Mode.Plain;
        const code = nodeCodeVersion(node.spec!);
        if (isUnhashable(code)) {
          this.emit(task, node, "unhashable", `not cached: ${code.reason}`);
          continue;
        }
        const inputs = yield* this.versions.forNode(node, inTask(states), task.inputs);
        if (inputs === PENDING) {
          st.mode = Mode.Pending;
          continue;
        }
        if (!Array.isArray(inputs)) {
          this.emit(task, node, (inputs as Blocked).blocked, (inputs as Blocked).reason);
          continue;
        }
        st.parts = yield* wait(cacheKey(node.name, code, inputs));
        st.mode = Mode.Store;
        if (behavior === "recompute") {
          this.emit(task, node, "recompute", source, st.parts.key);
          this.explained(task, node, st.parts, true);
          continue;
        }
        const found = yield* this.lookup(task, st, claimed);
        if (found) {
          st.mode = Mode.Hit;
          st.dv = found.dataVersion;
          hits.set(node.name, found.value);
          this.emit(task, node, "hit", found.reason, st.parts.key, found.dataVersion);
          this.explained(task, node, st.parts, false);
        } else {
          if (st.claim) claimed = true;
          this.emit(task, node, "miss", yield* this.missReason(task, node, st.parts), st.parts.key);
          this.explained(task, node, st.parts, true);
        }
      }
    } catch (error) {
      for (const st of states.values()) st.claim?.release();
      throw error;
    }
    // a task of hits (a re-run) allocates nothing more
    if (hits.size === states.size) return new TaskPlan(task, states, hits, NONE, NONE);
    const list = [...states.values()];
    const needed = new Set<string>();
    for (const st of list) {
      if (st.mode === Mode.Store || st.mode === Mode.Pending) needed.add(st.node.name);
      if (st.mode === Mode.Pending) for (const d of st.node.deps) if (states.get(d)?.mode === Mode.Plain) needed.add(d);
    }
    const run = list.filter((st) => st.mode !== Mode.Hit).map((st) => st.node);
    return new TaskPlan(task, states, hits, run, [...needed]);
  }

  /**
   * Record the values a task computed: fingerprints and copies every value to
   * store right now (so later changes to it do not reach the cache), then
   * writes in the background. Call it before the task's dependents are planned.
   */
  recordTask(plan: CacheTaskPlan, values: Readonly<Record<string, unknown>>): void {
    const p = this.own(plan);
    for (const name of p.record) {
      const st = p.states.get(name)!;
      if (!Object.prototype.hasOwnProperty.call(values, name)) {
        st.dv = { unhashable: true, reason: `the task did not return its value (every name in plan.record must be returned)` };
        continue;
      }
      const value = values[name];
      st.dv = this.versions.of(value);
      if (st.mode === Mode.Store || st.mode === Mode.Pending) st.snapshot = snapshot(value, name);
    }
    this.track(this.store(p));
  }

  /** The task failed: give up its keys, so runs waiting on them compute them. */
  taskFailed(plan: CacheTaskPlan): void {
    const p = this.own(plan);
    for (const st of p.states.values()) {
      if (st.mode === Mode.Pending) this.emit(p.task, st.node, "miss", "not computed: its task failed");
      st.claim?.release();
    }
  }

  /**
   * Wait for every write of this run and release what it still holds. Call it
   * when the run ends, however it ends. Rejects with the first error an
   * `onEvent` listener threw.
   */
  async finish(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work]);
    for (const claim of [...this.claims]) claim.release();
    if (this.listenerError) throw this.listenerError.error;
  }

  private own(plan: CacheTaskPlan): TaskPlan {
    if (!(plan instanceof TaskPlan)) throw new TypeError("hamilton-ts: pass the plan that planTask returned.");
    if (plan.settled) throw new Error(`hamilton-ts: task "${plan.taskId}" was already recorded or failed.`);
    plan.settled = true;
    return plan;
  }

  private track(work: Promise<void>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  private async store(p: TaskPlan): Promise<void> {
    for (const st of p.states.values()) {
      if (st.mode !== Mode.Store && st.mode !== Mode.Pending) continue;
      const node = st.node;
      try {
        if (st.mode === Mode.Pending) {
          const inputs = await runSteps(this.versions.forNode(node, inTask(p.states), p.task.inputs));
          if (!Array.isArray(inputs)) {
            const b = inputs === PENDING ? { blocked: "miss" as const, reason: "its inputs were not all computed" } : (inputs as Blocked);
            this.emit(p.task, node, b.blocked, b.reason);
            continue;
          }
          st.parts = await cacheKey(node.name, nodeCodeVersion(node.spec!) as string, inputs);
          const exists = await this.engine.store.has(st.parts.key).catch(() => false);
          const reason = exists ? "ran with its task (its inputs were computed there); the entry already existed" : await runSteps(this.missReason(p.task, node, st.parts));
          this.emit(p.task, node, "miss", reason, st.parts.key);
          this.explained(p.task, node, st.parts, !exists);
          if (exists) continue;
        }
        const dv = await st.dv!;
        if (isUnhashable(dv)) {
          this.emit(p.task, node, "unhashable", `its value cannot be fingerprinted, so it is not stored and nodes that read it are not cached in this run: ${dv.reason}`, st.parts!.key);
          continue;
        }
        const snap = st.snapshot!;
        if ("error" in snap) {
          this.emit(p.task, node, "store-error", `its value cannot be stored: ${snap.error}`, st.parts!.key, dv);
          continue;
        }
        await this.engine.store.set(st.parts!.key, { dataVersion: dv, value: snap.value });
        this.emit(p.task, node, "stored", "result stored", st.parts!.key, dv);
      } catch (error) {
        this.emit(p.task, node, "store-error", `writing the entry failed: ${message(error)}`, st.parts?.key);
      } finally {
        st.claim?.release();
      }
    }
  }

  /** Look a key up, waiting for a task that is computing it unless this task already holds keys (no deadlock). */
  private *lookup(task: CacheTask, st: NodeState, holdsClaims: boolean): Steps<{ value: unknown; dataVersion: string; reason: string } | undefined> {
    const key = st.parts!.key;
    let reason = "code and inputs unchanged";
    for (;;) {
      const found = yield* this.read(task, st.node, key);
      if (found) return { ...found, reason };
      const claim = this.engine.inflight.get(key);
      if (claim && !holdsClaims) {
        reason = claim.runId === this.runId ? "computed by another task of this run with the same key" : `computed by a concurrent run (${claim.runId})`;
        yield this.wait(claim.done);
        continue;
      }
      if (!claim) st.claim = this.claim(key);
      return undefined;
    }
  }

  private *read(task: CacheTask, node: GraphNode, key: string): Steps<{ value: unknown; dataVersion: string } | undefined> {
    let entry: CacheEntry | undefined;
    try {
      const getSync = this.engine.getSync;
      entry = getSync ? getSync(key) : yield* wait(this.engine.store.get(key));
    } catch (error) {
      this.emit(task, node, "store-error", `the entry cannot be read, so the node runs again: ${message(error)}`, key);
      return undefined;
    }
    if (!entry) return undefined;
    let value: unknown;
    try {
      // a codec it needs that is not registered here is a store-error: data (a file) never decides what to import
      value = decodeValue(entry.value, { single: true });
    } catch (error) {
      this.emit(task, node, "store-error", `the entry cannot be decoded, so the node runs again: ${message(error)}`, key);
      return undefined;
    }
    const engine = this.engine;
    if (engine.getSync && engine.verified.has(key)) {
      // an in-memory entry never changes and decodes the same way each time: checked once, on its first read
      this.versions.seed(value, entry.dataVersion);
      return { value, dataVersion: entry.dataVersion };
    }
    // a value that does not fingerprint as stored is never returned: a codec that does not round-trip, or a corrupt entry
    const dv = yield* wait(this.versions.of(value));
    if (isUnhashable(dv) || dv !== entry.dataVersion) {
      this.emit(task, node, "store-error", "the entry does not match its data version (corrupt, or its codec does not round-trip the value), so the node runs again", key);
      return undefined;
    }
    if (engine.getSync) engine.markVerified(key);
    return { value, dataVersion: dv };
  }

  private claim(key: string): Claim {
    return claimKey(this.engine.inflight, this.claims, this.runId, key);
  }

  private wait(done: Promise<void>): Promise<void> {
    return waitForClaim(done, this.options.signal);
  }

  private missReason(task: CacheTask, node: GraphNode, parts: KeyParts): Steps<string> {
    return missReason(this.engine, node.name, task.path, parts);
  }

  private explained(task: CacheTask, node: GraphNode, parts: KeyParts, persist: boolean): void {
    const write = rememberKeyParts(this.engine, node.name, task.path, parts, persist);
    if (write) this.track(write);
  }

  private emit(task: CacheTask, node: GraphNode, type: CacheEventType, reason: string, key?: string, dataVersion?: string): void {
    // no spreads: they take a slow path in V8, and this runs once or twice per node
    const event: { -readonly [K in keyof CacheEvent]: CacheEvent[K] } = { runId: this.runId, nodeName: node.name, taskId: task.taskId, type, reason };
    if (key !== undefined) event.key = key;
    if (dataVersion !== undefined) event.dataVersion = dataVersion;
    this.log.push(event);
    const onEvent = this.options.onEvent;
    if (onEvent) {
      try {
        onEvent(event);
      } catch (error) {
        // a throwing listener (a lifecycle hook) fails the run, from finish(), not the cache's bookkeeping
        this.listenerError ??= { error };
      }
    }
  }
}

const NONE: readonly never[] = [];

/** What the input versions see of the nodes of the same task: a known version, not yet (pending), or not in the task. */
function inTask(states: ReadonlyMap<string, NodeState>): InTaskVersion {
  return (name) => {
    const st = states.get(name);
    return st === undefined ? undefined : st.dv === undefined ? PENDING : st.dv;
  };
}

/** A private copy of a value, encoded through the codecs, made now so later changes to the value never reach the store. */
function snapshot(value: unknown, nodeName: string): { readonly value: unknown } | { readonly error: string } {
  try {
    return { value: structuredClone(encodeValue(value, { nodeName }).value) };
  } catch (error) {
    return { error: message(error) };
  }
}
