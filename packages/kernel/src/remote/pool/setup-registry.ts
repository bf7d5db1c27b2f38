import { SerializationError } from "../../errors.js";
import type { ExecutorContext } from "../../executors/task-executor.js";
import { workerSetupOf, type WorkerSetup } from "../protocol.js";
import type { PoolTransport } from "./pool-transport.js";

/**
 * Graph setups by id: one per distinct (modules, config, codecs, graph), so a
 * worker receives each once and batches name it by number.
 */
export class SetupRegistry {
  private readonly setups: WorkerSetup[] = [];
  private readonly ids = new Map<string, number>();
  private readonly configIds = new WeakMap<object, number>();
  /** Runs of one driver share its config object: their ids, found without checking and serializing the setup again. */
  private readonly seen = new WeakMap<object, Map<string, number>>();

  constructor(private readonly transport: PoolTransport) {}

  /** The id of a run's setup. A config that cannot be sent is a SerializationError now, before any task. */
  idOf(context: ExecutorContext): number {
    const quick = [context.graphFingerprint, context.allowModuleOverrides, ...(context.codecModules ?? []), "|", ...context.modules.map((m) => m.location ?? m.name)].join("\u0000");
    let known = this.seen.get(context.config);
    const hit = known?.get(quick);
    if (hit !== undefined) return hit;
    const id = this.register(context);
    if (!known) this.seen.set(context.config, (known = new Map()));
    known.set(quick, id);
    return id;
  }

  private register(context: ExecutorContext): number {
    const setup = workerSetupOf(context);
    if (this.transport.checkValue) {
      try {
        this.transport.checkValue(setup);
      } catch (error) {
        throw new SerializationError(
          `The driver's config cannot be sent to ${this.transport.workerNoun}s (${error instanceof Error ? error.message : String(error)}). Keep config values plain data.`,
          undefined,
          { cause: error },
        );
      }
    }
    let key: string;
    try {
      key = JSON.stringify([setup, context.graphFingerprint], plainOnly);
    } catch {
      // config values JSON cannot tell apart (a Map, a class instance): one setup per config object
      let id = this.configIds.get(context.config);
      if (id === undefined) this.configIds.set(context.config, (id = this.setups.length));
      key = `config#${id}:${context.graphFingerprint}`;
    }
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.setups.push(setup) - 1;
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): WorkerSetup {
    return this.setups[id]!;
  }
}

/** JSON replacer that refuses what JSON would silently flatten (Map, Set, class instances, bigint). */
function plainOnly(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint" || typeof value === "function" || typeof value === "symbol") throw new TypeError("not plain");
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) throw new TypeError("not plain");
  return value;
}
