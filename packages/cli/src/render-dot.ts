import { spawnSync } from "node:child_process";
import { UsageError } from "./args.js";

/** What DOT text can be rendered to. */
export type GraphFormat = "svg" | "png";

/** Options of {@link renderDot}. */
export interface RenderDotOptions {
  /**
   * A Graphviz `dot` binary to render with instead of the bundled WebAssembly
   * Graphviz (default: the `HAMILTON_TS_DOT` environment variable, else none).
   * PNG always needs one: the WebAssembly build has no raster output.
   */
  readonly dot?: string;
}

type Viz = { renderString(dot: string, options: { format: string }): string };
let viz: Promise<Viz> | undefined;

/** One Graphviz instance per process: compiling the WebAssembly module is the slow part. */
function wasmGraphviz(): Promise<Viz> {
  viz ??= import("@viz-js/viz").then((m) => m.instance() as Promise<Viz>);
  return viz;
}

/**
 * Render the DOT text of `Driver.visualizeExecution()` or
 * `displayAllFunctions()` to SVG (a string) or PNG (bytes).
 *
 * SVG needs no system tool: Graphviz compiled to WebAssembly (`@viz-js/viz`)
 * renders it in process. PNG needs Graphviz's `dot` (`apt-get install
 * graphviz`, `brew install graphviz`), as does any render when `options.dot` or
 * `HAMILTON_TS_DOT` names a binary.
 *
 * @example
 * ```ts
 * import { renderDot } from "@hamilton-ts/cli";
 * await writeFile("graph.svg", await renderDot(dr.visualizeExecution(["total"]), "svg"));
 * ```
 */
export async function renderDot(dot: string, format: "svg", options?: RenderDotOptions): Promise<string>;
export async function renderDot(dot: string, format: "png", options?: RenderDotOptions): Promise<Uint8Array>;
export async function renderDot(dot: string, format: GraphFormat, options?: RenderDotOptions): Promise<string | Uint8Array>;
export async function renderDot(dot: string, format: GraphFormat, options: RenderDotOptions = {}): Promise<string | Uint8Array> {
  const bin = options.dot ?? (process.env.HAMILTON_TS_DOT || undefined);
  if (format === "svg" && bin === undefined) {
    const graphviz = await wasmGraphviz();
    try {
      return graphviz.renderString(dot, { format: "svg" });
    } catch (error) {
      throw new UsageError(`Graphviz (WebAssembly) cannot render this graph: ${firstLine(error)}`, { cause: error });
    }
  }
  const out = systemDot(bin ?? "dot", format, dot);
  return format === "svg" ? out.toString("utf8") : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function systemDot(bin: string, format: GraphFormat, dot: string): Buffer {
  const r = spawnSync(bin, [`-T${format}`], { input: dot, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") {
      const why = format === "png" ? "PNG needs Graphviz's dot" : `HAMILTON_TS_DOT names "${bin}"`;
      throw new UsageError(
        `Graphviz "dot" was not found (looked for "${bin}"): ${why}; install Graphviz (apt-get install graphviz, brew install graphviz), ` +
          `or use --format svg (no system tool needed) or --format dot`,
      );
    }
    throw new UsageError(`Graphviz "${bin}" failed to start: ${r.error.message}`);
  }
  if (r.status !== 0) throw new UsageError(`Graphviz "${bin}" failed: ${r.stderr.toString().trim().split("\n")[0]}`);
  return r.stdout;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
