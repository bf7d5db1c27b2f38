import { GraphError, type ValidationResult } from "../errors.js";
import { loadCodecModules, type ModuleImporter } from "../codec/codec-registry.js";
import type { NodeEvent } from "../executors/task-executor.js";
import { FunctionGraph } from "../graph/function-graph.js";
import { nodesFromModules } from "../node/from-modules.js";
import { LifecycleHooks } from "../lifecycle/lifecycle-hooks.js";
import { materialize, runNodes } from "../execution/run-task.js";
import { loadModules, type ModuleLocation } from "./module-location.js";

/** Import by name; if that fails, through `fallback` (when given). */
function importerFor(fallback: ModuleImporter | undefined): ModuleImporter {
  if (!fallback) return (s) => import(/* @vite-ignore */ s);
  return async (s) => {
    try {
      return await import(/* @vite-ignore */ s);
    } catch {
      return fallback(s);
    }
  };
}

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
}

/** How a worker builds its graph: the same locations and config as the driver. */
export interface TaskRunnerOptions {
  readonly modules: readonly ModuleLocation[];
  readonly config?: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides?: boolean;
  /** Codec modules to import before any task (from `ExecutorContext.codecModules`). */
  readonly codecModules?: readonly string[];
  /**
   * How to import a codec module that the kernel cannot resolve by itself, e.g.
   * `(s) => import(pathToFileURL(createRequire(pipelinePath).resolve(s)).href)`.
   */
  readonly importModule?: ModuleImporter;
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

  /** Imports codec modules for this worker: by name first, then through the worker's own importer. */
  readonly importModule: ModuleImporter;

  private constructor(graph: FunctionGraph, importModule: ModuleImporter) {
    this.graph = graph;
    this.fingerprint = graph.fingerprint();
    this.importModule = importModule;
  }

  static async create(options: TaskRunnerOptions): Promise<TaskRunner> {
    const sources = await loadModules(options.modules);
    const specs = nodesFromModules(sources, options.config ?? {}, { allowModuleOverrides: options.allowModuleOverrides });
    const runner = new TaskRunner(new FunctionGraph(specs), importerFor(options.importModule));
    // best effort: a pipeline module may register its codecs itself, and a value
    // that needs a missing codec still fails later with an error naming the module
    for (const m of options.codecModules ?? []) await loadCodecModules([m], runner.importModule).catch(() => undefined);
    return runner;
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

  /** Run a task; iterables returned by parallelizable nodes come back as arrays. */
  async run(req: RemoteTaskRequest, onNodeEvent?: (event: NodeEvent) => void): Promise<Record<string, unknown>> {
    this.check(req);
    const nodes = req.nodes.map((n) => this.graph.get(n)!);
    const hooks = onNodeEvent
      ? new LifecycleHooks([
          {
            preNodeExecute: (a: { nodeName: string }) => onNodeEvent({ type: "pre", nodeName: a.nodeName }),
            postNodeExecute: (a: { nodeName: string; success: boolean; error?: unknown; durationMs?: number }) =>
              onNodeEvent({ type: "post", nodeName: a.nodeName, success: a.success, error: a.error, durationMs: a.durationMs }),
          },
        ])
      : LifecycleHooks.none;
    // output checks report whatever node events the caller wants: their results always go back
    const onValidation = onNodeEvent && ((nodeName: string, results: readonly ValidationResult[]) => onNodeEvent({ type: "validation", nodeName, results }));
    const out = await runNodes(nodes, req.inputs, req.outputs, { runId: req.runId, taskId: req.taskId, hooks, adapter: undefined, onValidation });
    for (const e of req.expanders ?? []) if (e in out) out[e] = await materialize(out[e]);
    return out;
  }
}
