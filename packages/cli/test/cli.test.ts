import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const squares = fixture("squares.mjs");
const tmp = mkdtempSync(join(tmpdir(), "hamilton-ts-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One clear line on stderr, no stack. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hamilton-ts: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe("hamilton-ts --help", () => {
  it.each([
    [[], 2, /Commands:/],
    [["--help"], 0, /Commands:/],
    [["run", "--help"], 0, /--outputs a,b/],
    [["viz", "--help"], 0, /--format dot\|svg\|png/],
    [["worker", "--help"], 0, /--redis url/],
  ])("%j", (args, code, pattern) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stdout).toMatch(pattern);
  });

  it("prints the version", () => {
    const r = cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("hamilton-ts run", () => {
  it("computes outputs and prints them as JSON on stdout", () => {
    const r = cli(["run", squares, "--outputs", "total,squares", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: 55, squares: [1, 4, 9, 16, 25] });
    expect(r.stderr).toBe("");
  });

  it("takes inputs from --input (JSON when it parses) and --inputs file.json", () => {
    expect(JSON.parse(cli(["run", squares, "-O", "total", "-q", "--input", "count=3"]).stdout)).toEqual({ total: 14 });
    const file = join(tmp, "inputs.json");
    writeFileSync(file, JSON.stringify({ count: 2 }));
    expect(JSON.parse(cli(["run", squares, "-O", "total", "-q", "--inputs", file]).stdout)).toEqual({ total: 5 });
    expect(JSON.parse(cli(["run", squares, "-O", "total", "-q", "--inputs", file, "-i", "count=4"]).stdout)).toEqual({ total: 30 });
  });

  it("applies --override and --config", () => {
    expect(JSON.parse(cli(["run", squares, "-O", "total", "-q", "--override", "squares=[1]", "--override", "n=2"]).stdout)).toEqual({ total: 5 });
    expect(JSON.parse(cli(["run", squares, "-O", "n", "-q", "-c", "count=7"]).stdout)).toEqual({ n: 7 });
  });

  it.each(["sync", "concurrent", "threads", "processes"])("runs under --executor %s", (executor) => {
    const r = cli(["run", squares, "-O", "total", "-q", "--executor", executor, "--max-tasks", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it("runs TypeScript modules through tsx, in worker threads too", () => {
    const r = cli(["run", fixture("typed.ts"), "-O", "total_norm", "-q", "-e", "threads"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total_norm: 18 });
  });

  it("prints a DataFrame or an Arrow Table as a table", () => {
    for (const result of ["dataframe", "arrow"]) {
      const r = cli(["run", squares, "-O", "items,squares", "-q", "--result", result]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/items\s+squares/);
      expect(r.stdout).toContain("[5 rows × 2 columns]");
    }
  });

  it("writes --out as .json, .csv and .arrow", async () => {
    const json = join(tmp, "out", "r.json");
    const csv = join(tmp, "out", "r.csv");
    const arrow = join(tmp, "out", "r.arrow");
    expect(cli(["run", squares, "-O", "items,squares,total", "-q", "--out", json]).code).toBe(0);
    expect(JSON.parse(readFileSync(json, "utf8"))).toEqual({ items: [1, 2, 3, 4, 5], squares: [1, 4, 9, 16, 25], total: 55 });
    expect(cli(["run", squares, "-O", "items,squares,total", "-q", "-o", csv]).code).toBe(0);
    expect(readFileSync(csv, "utf8").split("\n").slice(0, 3)).toEqual(["items,squares,total", "1,1,55", "2,4,55"]);
    const r = cli(["run", squares, "-O", "items,squares", "-o", arrow]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${arrow}`);
    const { readArrowFile } = await import("@hamilton-ts/results-arrow/file");
    const table = await readArrowFile(arrow);
    expect(table.numRows).toBe(5);
    expect(Array.from(table.getChild("squares")!.toArray() as ArrayLike<number>)).toEqual([1, 4, 9, 16, 25]);
  });

  it("logs progress on stderr when it is not a terminal, and stays quiet with --quiet", () => {
    const r = cli(["run", squares, "-O", "total"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[hamilton-ts] run started for total");
    expect(r.stderr).toContain("[hamilton-ts] block item: 5 branches");
    expect(r.stderr).toMatch(/block item: 5\/5 branches done/);
    expect(r.stderr).toMatch(/✔ total in .* wall · 8 node runs \(5 parallel branches\)/);
    expect(r.stderr).toMatch(/squared\s+5\s/);
    expect(cli(["run", squares, "-O", "total", "--quiet"]).stderr).toBe("");
  });

  describe("errors: one line, exit code 2", () => {
    it.each([
      ["an unknown flag", ["run", squares, "-O", "total", "--bogus"], /unknown option --bogus/],
      ["no outputs", ["run", squares], /no outputs/],
      ["a missing module", ["run", "./nope/missing.mjs", "-O", "x"], /module not found: \.\/nope\/missing\.mjs/],
      ["a module that fails to import", ["run", fixture("syntax-error.mjs"), "-O", "x"], /Cannot import module .*syntax-error\.mjs.*Unexpected token/],
      ["a missing input", ["run", fixture("failing.mjs"), "-O", "z"], /missing input "x" \(needed by "y"\): pass --input/],
      ["a nonexistent output", ["run", squares, "-O", "total,nope"], /unknown output "nope"/],
      ["a bad executor", ["run", squares, "-O", "total", "-e", "gpu"], /--executor must be one of sync, concurrent, threads, processes, bullmq/],
      ["a bad --out type", ["run", squares, "-O", "total", "-o", "r.xlsx"], /--out: unknown file type/],
      ["a bad --input", ["run", squares, "-O", "total", "-i", "count"], /--input expects key=value/],
      ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ])("%s", (_what, args, pattern) => {
      const r = cli(args);
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, pattern);
      expect(r.stdout).toBe("");
    });
  });

  it("a failing node: exit code 1, the node named, the stack only with --verbose", () => {
    const r = cli(["run", fixture("failing.mjs"), "-O", "z", "-q", "-i", "x=20"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe('hamilton-ts: error: Node "z" (task z) failed: too big: 40');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const v = cli(["run", fixture("failing.mjs"), "-O", "z", "-q", "-i", "x=20", "--verbose"]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/caused by: Error: too big: 40\n\s+at .*z .*failing\.mjs/);
  });
});

describe("hamilton-ts viz", () => {
  it("prints the whole graph as DOT", () => {
    const r = cli(["viz", squares]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "hamilton"/);
    expect(r.stdout).toContain('subgraph "cluster_item"');
    expect(r.stdout).toContain('"squared" -> "total" [style=bold, arrowhead=crow, label="collect"]');
  });

  it("draws the execution path of --outputs, marking overrides", () => {
    const r = cli(["viz", squares, "-O", "total", "--override", "n=3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "execution"/);
    expect(r.stdout).toMatch(/"n" \[[^\]]*fillcolor="#fff3b0"[^\]]*override/);
    expect(r.stdout).not.toContain('"items"');
  });

  it("renders SVG with no system Graphviz (WebAssembly)", () => {
    const svg = join(tmp, "g.svg");
    // PATH holds only node: no `dot` to find
    const path = join(tmp, "path-without-dot");
    mkdirSync(path);
    symlinkSync(process.execPath, join(path, "node"));
    expect(spawnSync("dot", ["-V"], { env: { PATH: path } }).error).toBeDefined();
    const r = spawnSync(process.execPath, [bin, "viz", squares, "-o", svg], { encoding: "utf8", env: { PATH: path }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(svg, "utf8");
    expect(text).toMatch(/^<\?xml[\s\S]*<svg /);
    expect(text).toContain("<title>squared&#45;&gt;total</title>");
    expect(text).toContain("</svg>");
    const stdout = cli(["viz", squares, "-O", "total", "-f", "svg"]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toContain("<svg ");
  });

  it.runIf(spawnSync("dot", ["-V"]).status === 0)("renders PNG, and SVG too with HAMILTON_TS_DOT, through Graphviz's dot", () => {
    const png = join(tmp, "g.png");
    expect(cli(["viz", squares, "-O", "total", "--format", "png", "-o", png]).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
    const r = cli(["viz", squares, "-f", "svg"], { HAMILTON_TS_DOT: "dot" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("<svg ");
  });

  it("says clearly when Graphviz is missing for PNG or for the binary HAMILTON_TS_DOT names", () => {
    const png = cli(["viz", squares, "-f", "png", "-o", join(tmp, "x.png")], { HAMILTON_TS_DOT: join(tmp, "no-such-dot") });
    expect(png.code).toBe(2);
    expectOneLine(png.stderr, /Graphviz "dot" was not found .*use --format svg \(no system tool needed\) or --format dot/);
    const svg = cli(["viz", squares, "-f", "svg"], { HAMILTON_TS_DOT: join(tmp, "no-such-dot") });
    expect(svg.code).toBe(2);
    expectOneLine(svg.stderr, /HAMILTON_TS_DOT names/);
  });
});

describe("hamilton-ts worker", () => {
  it("needs --redis and --queue", () => {
    expectOneLine(cli(["worker", "--module", squares, "--queue", "q"]).stderr, /--redis/);
    expectOneLine(cli(["worker", "--module", squares, "--redis", "redis://127.0.0.1:1"]).stderr, /--queue/);
    expectOneLine(cli(["worker", "--module", squares, "--queue", "q", "--redis", "http://x"]).stderr, /redis:\/\//);
  });

  const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
  describe.runIf(hasRedis)("with a real Redis", () => {
    let redis: ChildProcess | undefined;
    let url = "";
    beforeAll(async () => {
      const port = await freePort();
      redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      url = `redis://127.0.0.1:${port}`;
      await waitFor(() => spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG");
    });
    afterAll(() => {
      redis?.kill("SIGTERM");
    });

    it("serves tasks of `run --executor bullmq` and stops on SIGINT", async () => {
      const worker = spawn(process.execPath, [bin, "worker", "--redis", url, "--queue", "cli-test", "--module", squares, "--concurrency", "2"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      worker.stderr!.on("data", (d) => (stderr += String(d)));
      try {
        await waitFor(() => stderr.includes("serving queue"));
        const r = cli(["run", squares, "-O", "total", "-q", "-e", "bullmq", "--redis", url, "--queue", "cli-test"]);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
      } finally {
        const exited = new Promise<number | null>((resolve) => worker.on("exit", (code) => resolve(code)));
        worker.kill("SIGINT");
        expect(await exited).toBe(0);
      }
    });
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

