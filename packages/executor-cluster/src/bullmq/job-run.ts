// The run a job's tasks belong to in the BullMQ worker's pool: one per (run
// setup, node events), shared by every job that names it.
import type { ExecutorContext } from "@hamilton-ts/kernel/contracts";
import type { TaskRunner } from "@hamilton-ts/kernel/remote";

/** The run a job's tasks belong to in the pool: one per (setup, node events), shared by every job naming it. */
export interface JobRun {
  readonly context: ExecutorContext;
  /** Never aborted: a job, once taken, runs to its end (BullMQ's locks decide whose it is). */
  readonly signal: AbortSignal;
  /** One node list per template, so tasks of many jobs share a shape and a batch size in the pool. */
  readonly nodeLists: Map<string, readonly string[]>;
  /** The graph in the main thread, built the first time a tiny task runs inline. */
  runner?: Promise<TaskRunner>;
}

const MAX_NODE_LISTS = 1024;
const never = new AbortController().signal;

/** A new run for a setup's context. */
export function jobRun(context: ExecutorContext): JobRun {
  return { context, signal: never, nodeLists: new Map() };
}

/** The one node list of a template in this run (tasks of many jobs then share a shape, a batch size and timings). */
export function nodeList(run: JobRun, nodes: readonly string[]): readonly string[] {
  const key = nodes.join("\u0000");
  let list = run.nodeLists.get(key);
  if (!list) {
    if (run.nodeLists.size >= MAX_NODE_LISTS) run.nodeLists.clear(); // crafted jobs may name endless lists: a bound, not a cache policy
    run.nodeLists.set(key, (list = nodes));
  }
  return list;
}
