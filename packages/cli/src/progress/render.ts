// How progress looks: the live line, log lines and the final summary.
import type { BlockProgress, ProgressSnapshot } from "./snapshot.js";

/** `850ms`, `1.24s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, "0")}s`;
}

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return "█".repeat(filled) + "░".repeat(width - filled);
}

function count(done: number, total: number | undefined, known: boolean): string {
  return total === undefined ? `${done}` : `${done}/${total}${known ? "" : "+"}`;
}

/** The live line: spinner, nodes, current block with a bar, ETA, elapsed. */
export function renderLine(s: ProgressSnapshot, spinner: string, columns: number): string {
  const parts = [`${spinner} ${count(s.nodesDone, s.nodesTotal, s.totalKnown)} nodes${s.nodesCached > 0 ? ` (${s.nodesCached} cached)` : ""}`];
  const b = s.currentBlock;
  if (b) {
    parts.push(`${bar(b.branchesDone, b.branchesTotal, 12)} block ${b.expander} ${count(b.branchesDone, b.branchesTotal, b.totalKnown)} branches`);
  }
  if (s.etaMs !== undefined) parts.push(`ETA ${formatDuration(s.etaMs)}`);
  parts.push(formatDuration(s.elapsedMs));
  const line = parts.join("  ·  ");
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 2)) + "…" : line;
}

/** The first log line of a run. */
export function renderStart(finalVars: readonly string[], staticNodes: number | undefined): string {
  const what = staticNodes === undefined ? "" : ` (${staticNodes} node${staticNodes === 1 ? "" : "s"} in the graph path)`;
  return `[hamilton-ts] run started for ${finalVars.join(", ")}${what}`;
}

/** A throttled log line about the whole run. */
export function renderLogNodes(s: ProgressSnapshot): string {
  const eta = s.etaMs === undefined ? "" : ` (ETA ${formatDuration(s.etaMs)})`;
  return `[hamilton-ts] ${count(s.nodesDone, s.nodesTotal, s.totalKnown)} nodes done${s.nodesCached > 0 ? ` (${s.nodesCached} cached)` : ""} after ${formatDuration(s.elapsedMs)}${eta}`;
}

/** A log line about a parallel block. */
export function renderLogBlock(b: BlockProgress, started: boolean, finished: boolean): string {
  if (started && b.branchesDone === 0) {
    return `[hamilton-ts] block ${b.expander}: ${b.totalKnown ? `${b.branchesTotal} branch${b.branchesTotal === 1 ? "" : "es"}` : "started"}`;
  }
  if (finished) return `[hamilton-ts] block ${b.expander}: ${b.branchesDone}/${b.branchesTotal} branches done in ${formatDuration(b.elapsedMs)}`;
  const eta = b.etaMs === undefined ? "" : ` (ETA ${formatDuration(b.etaMs)})`;
  return `[hamilton-ts] block ${b.expander}: ${count(b.branchesDone, b.branchesTotal, b.totalKnown)} branches done${eta}`;
}

function failure(error: unknown): string {
  const e = error as { nodeName?: unknown; name?: unknown } | undefined;
  if (e && e.name === "AbortError") return "aborted";
  if (e && typeof e.nodeName === "string") return `failed at node ${e.nodeName}`;
  return "failed";
}

/** The final lines: outcome and wall time, then the slowest nodes. */
export function renderFinal(opts: {
  success: boolean;
  error?: unknown;
  finalVars: readonly string[];
  snapshot: ProgressSnapshot;
  rows: number;
  color: boolean;
}): string {
  const s = opts.snapshot;
  const green = (t: string) => (opts.color ? `\x1b[32m${t}\x1b[0m` : t);
  const red = (t: string) => (opts.color ? `\x1b[31m${t}\x1b[0m` : t);
  const dim = (t: string) => (opts.color ? `\x1b[2m${t}\x1b[0m` : t);
  const branches = s.blocks.reduce((a, b) => a + b.branchesDone, 0);
  const ran = s.nodesDone - s.nodesCached;
  const cached = s.nodesCached > 0 ? `, ${s.nodesCached} cache hit${s.nodesCached === 1 ? "" : "s"}` : "";
  const what = `${ran} node run${ran === 1 ? "" : "s"}${cached}${branches > 0 ? ` (${branches} parallel branch${branches === 1 ? "" : "es"})` : ""}`;
  const slowest = s.timings[0];
  const slow = slowest ? ` · slowest ${slowest.name} ${formatDuration(slowest.totalMs)}${slowest.runs > 1 ? ` over ${slowest.runs} runs` : ""}` : "";
  const head = opts.success
    ? `${green("✔")} ${opts.finalVars.join(", ")} in ${formatDuration(s.elapsedMs)} wall · ${what}${slow}`
    : `${red("✖")} ${failure(opts.error)} after ${formatDuration(s.elapsedMs)} · ${what} done`;
  const lines = [head];
  const rows = s.timings.slice(0, opts.rows);
  if (opts.success && rows.length > 0) {
    const w = Math.max(4, ...rows.map((r) => r.name.length));
    lines.push(dim(`  ${"node".padEnd(w)}  ${"runs".padStart(6)}  ${"total".padStart(8)}  ${"avg".padStart(8)}  ${"max".padStart(8)}`));
    for (const r of rows) {
      lines.push(
        `  ${r.name.padEnd(w)}  ${String(r.runs).padStart(6)}  ${formatDuration(r.totalMs).padStart(8)}  ${formatDuration(r.avgMs).padStart(8)}  ${formatDuration(r.maxMs).padStart(8)}`,
      );
    }
    if (s.timings.length > rows.length) lines.push(dim(`  … ${s.timings.length - rows.length} more node${s.timings.length - rows.length === 1 ? "" : "s"}`));
  }
  return lines.join("\n") + "\n";
}
