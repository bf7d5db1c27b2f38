import { GraphError, NodeExecutionError, type ValidationResult } from "../errors.js";
import type { NodeEvent } from "../executors/task-executor.js";
import { FunctionGraph } from "../graph/function-graph.js";
import { nodesFromModules } from "../node/from-modules.js";
import { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import { materialize, runNodes } from "../execution/run-task.js";
import { runItems } from "../execution/item-batch.js";
import { CodecModules } from "./codec-modules.js";
import { importerNear, type ModuleImporter } from "./module-importer.js";
import { loadModules, type ModuleLocation } from "./module-location.js";

/** A task as it reaches a worker: plain data only. */
export interface RemoteTaskRequest {
  readonly runId: string;
  readonly taskId: string;
  readonly nodes: readonly string[];
  /** Decoded input values by name. */
  readonly inputs: Record<string, unknown>;
  readonly outputs: readonly string[];
  readonly expanders?: readonly string[];
  /** The driver's graph fingerprint; a worker with a different graph refuses the task. */
  readonly graphFingerprint?: string;
  /**
   * Set for an item batch (`Task.items`): the input holding the items (an
   * array); the nodes run once per item and each output is an array of a
   * value per item. Item k's failure names task id `taskId` with `[k]` for its range.
   */
  readonly items?: string;
}

/** How a worker builds its graph: the same locations and config as the driver. */
export interface TaskRunnerOptions {
  readonly modules: readonly ModuleLocation[];
  readonly config?: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides?: boolean;
  /**
   * The codec modules this worker may import, each only when a value needs it
   * (never at start): the driver's `ExecutorContext.codecModules` for a worker
   * the driver set up, plus those the user names; for a BullMQ worker, only its
   * own list (a job is not trusted to extend it).
   */
  readonly codecModules?: readonly string[];
  /**
   * How to import a codec module. Default: `importerNear(modules)`, which
   * resolves it from the pipeline modules' folders and the working directory.
   */
  readonly importModule?: ModuleImporter;
}

/** Options of `TaskRunner.run`. */
export interface RunTaskOptions {
  /**
   * Report `pre`/`post` node events (when the driver has node hooks). `validation`
   * events are always reported.
   */
  readonly events?: boolean;
  /** Where node events go. */
  readonly onNodeEvent?: (event: NodeEvent) => void;
}

/**
 * The worker side of every remote executor: imports the driver's modules by
 * location, builds the same graph once, and runs tasks' nodes by name. Code never
 * travels; a task naming an unknown node, or sent by a driver whose graph
 * differs, is refused with a clear error.
 */
export class TaskRunner {
  readonly graph: FunctionGraph;
  readonly fingerprint: string;
  /** The codec modules this worker may import, and imports when a value needs them. */
  readonly codecs: CodecModules;
  /** Imports modules for this worker, resolved from the pipeline's location. */
  readonly importModule: ModuleImporter;

  private constructor(graph: FunctionGraph, codecs: CodecModules, importModule: ModuleImporter) {
    this.graph = graph;
    this.fingerprint = graph.fingerprint();
    this.codecs = codecs;
    this.importModule = importModule;
  }

  static async create(options: TaskRunnerOptions): Promise<TaskRunner> {
    const sources = await loadModules(options.modules);
    const specs = nodesFromModules(sources, options.config ?? {}, { allowModuleOverrides: options.allowModuleOverrides });
    const importModule = options.importModule ?? importerNear(options.modules);
    return new TaskRunner(new FunctionGraph(specs), new CodecModules({ allow: options.codecModules, importModule }), importModule);
  }

  /** Throw a GraphError if this worker cannot run the task as the driver meant it. */
  check(req: RemoteTaskRequest): void {
    if (req.graphFingerprint !== undefined && req.graphFingerprint !== this.fingerprint) {
      throw new GraphError(
        `Task ${req.taskId} was sent by a driver whose graph differs from this worker's (fingerprint ${req.graphFingerprint} vs ${this.fingerprint}). ` +
          `Start workers with the same modules and config as the driver.`,
      );
    }
    for (const name of req.nodes) {
      const n = this.graph.get(name);
      if (!n || n.isInput) throw new GraphError(`Task ${req.taskId} names node "${name}", which this worker's modules do not define.`);
    }
  }

  /**
   * Run a task; iterables returned by parallelizable nodes come back as arrays
   * (an error while drawing the items names the expander). Node events go to
   * `options.onNodeEvent` (a function alone receives every event).
   */
  async run(req: RemoteTaskRequest, optionsOrSink: RunTaskOptions | ((event: NodeEvent) => void) = {}): Promise<Record<string, unknown>> {
    // a sink alone: every event (pre, post and validation)
    const options: RunTaskOptions = typeof optionsOrSink === "function" ? { events: true, onNodeEvent: optionsOrSink } : optionsOrSink;
    this.check(req);
    const nodes = req.nodes.map((n) => this.graph.get(n)!);
    const sink = options.onNodeEvent;
    const hooks =
      sink && options.events
        ? new LifecycleHooks([
            {
              preNodeExecute: (a: { nodeName: string }) => sink({ type: "pre", nodeName: a.nodeName }),
              postNodeExecute: (a: { nodeName: string; success: boolean; error?: unknown; durationMs?: number }) =>
                sink({ type: "post", nodeName: a.nodeName, success: a.success, error: a.error, durationMs: a.durationMs }),
            },
          ])
        : LifecycleHooks.none;
    // output checks' results always go back, whatever node events the caller wants
    const onValidation = sink && ((nodeName: string, results: readonly ValidationResult[]) => sink({ type: "validation", nodeName, results }));
    const ctx = { runId: req.runId, taskId: req.taskId, hooks, adapter: undefined, onValidation };
    if (req.items !== undefined) return runItems(nodes, req.inputs, req.outputs, req.items, ctx);
    const out = await runNodes(nodes, req.inputs, req.outputs, ctx);
    for (const e of req.expanders ?? []) {
      if (!Object.prototype.hasOwnProperty.call(out, e)) continue;
      try {
        out[e] = await materialize(out[e]);
      } catch (error) {
        throw new NodeExecutionError(e, req.taskId, error);
      }
    }
    return out;
  }
}
