// What the progress display knows about a run at one moment: plain data for
// custom displays, and what render.ts draws.

/** Time spent in one node, over all its runs (one per branch inside a block). */
export interface NodeTiming {
  readonly name: string;
  readonly runs: number;
  readonly totalMs: number;
  readonly avgMs: number;
  readonly maxMs: number;
}

/** Progress of one parallel block (all its expansions, for nested blocks). */
export interface BlockProgress {
  /** The parallelizable node that opens the block. */
  readonly expander: string;
  readonly branchesDone: number;
  /** Branches known so far (exact once `totalKnown`). */
  readonly branchesTotal: number;
  readonly totalKnown: boolean;
  /** Estimated ms until the block is done, when it can be told. */
  readonly etaMs: number | undefined;
  /** Since its first branch or expansion was seen. */
  readonly elapsedMs: number;
}

/** A point-in-time view of a run, for custom displays. */
export interface ProgressSnapshot {
  readonly running: boolean;
  readonly elapsedMs: number;
  readonly nodesDone: number;
  readonly nodesFailed: number;
  /** Nodes answered by the cache (`withCache`), included in `nodesDone`. */
  readonly nodesCached: number;
  /** Node runs expected so far (exact once `totalKnown`); undefined before the run's tasks are known. */
  readonly nodesTotal: number | undefined;
  readonly totalKnown: boolean;
  /** The block most recently active and not finished. */
  readonly currentBlock: BlockProgress | undefined;
  readonly blocks: readonly BlockProgress[];
  /** Per node name, slowest total first. */
  readonly timings: readonly NodeTiming[];
  readonly etaMs: number | undefined;
}
