import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type Project } from "./lib/project.js";

/** One line on stderr, naming the package to install, exit code 2. */
function expectMissing(r: { code: number | null; stderr: string; stdout: string }, pkg: string) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`needs ${pkg}, which is not installed`);
  expect(lines[0]).toContain(`npm install ${pkg}`);
}

describe("the CLI alone, from npm (no plugins)", () => {
  let p: Project;
  let cli: (args: string[], env?: Record<string, string>) => ReturnType<Project["node"]>;
  beforeAll(() => {
    p = createProject({ name: "cli alone", type: "module", fixtures: ["pipeline", "cli"] });
    // the kernel's tarball too: it is the CLI's one @hamilton-ts dependency, and not on the registry
    p.install([tarball("@hamilton-ts/cli"), tarball("@hamilton-ts/kernel")]);
    cli = (args, env) => p.node(["node_modules/.bin/hamilton-ts", ...args], { env });
  });
  afterAll(() => p?.remove());

  it("installs no plugin", () => {
    for (const plugin of ["results-dataframe", "results-arrow", "executor-threads", "executor-cluster"]) {
      expect(() => p.read(`node_modules/@hamilton-ts/${plugin}/package.json`)).toThrow();
    }
    expect(() => p.read("node_modules/danfojs-node/package.json")).toThrow();
  });

  it("runs a pipeline", () => {
    const r = cli(["run", "pipeline.mjs", "-O", "total", "-i", "count=5", "-q"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
    expect(JSON.parse(cli(["run", "pipeline.cjs", "-O", "total", "-i", "count=3", "-q"]).stdout)).toEqual({ total: 14 });
  });

  it("runs a TypeScript pipeline", () => {
    const r = cli(["run", "pipeline.ts", "-O", "total", "-i", "count=4", "-q", "-e", "sync"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 30 });
  });

  it("draws an SVG with no Graphviz on the machine", () => {
    const path = join(p.dir, "path-without-dot");
    mkdirSync(path);
    symlinkSync(process.execPath, join(path, "node"));
    const r = cli(["viz", "pipeline.mjs", "-O", "total", "-o", "graph.svg"], { PATH: path });
    expect(r.code, r.stderr).toBe(0);
    expect(p.read("graph.svg")).toMatch(/<svg [\s\S]*squared[\s\S]*<\/svg>/);
  });

  it("renders a Driver's graph to SVG from a library, in ESM and CJS (renderDot)", () => {
    const esm = `import { Builder } from "@hamilton-ts/kernel"; import { renderDot } from "@hamilton-ts/cli";
      const dr = await new Builder().withModules(new URL("./pipeline.mjs", import.meta.url)).build();
      process.stdout.write(await renderDot(dr.visualizeExecution(["total"], { inputs: { count: 2 } }), "svg"));`;
    const cjs = `const { Builder } = require("@hamilton-ts/kernel"); const { renderDot } = require("@hamilton-ts/cli");
      new Builder().withModules(__dirname + "/pipeline.cjs").build()
        .then((dr) => renderDot(dr.displayAllFunctions(), "svg")).then((svg) => process.stdout.write(svg));`;
    p.write("draw.mjs", esm);
    p.write("draw.cjs", cjs);
    for (const script of ["draw.mjs", "draw.cjs"]) {
      const r = p.node([script]);
      expect(r.stderr, script).toBe("");
      expect(r.stdout).toMatch(/^<\?xml[\s\S]*<title>squared&#45;&gt;total<\/title>[\s\S]*<\/svg>/);
    }
  });

  it.each([
    [["-e", "threads"], "@hamilton-ts/executor-threads"],
    [["-e", "processes"], "@hamilton-ts/executor-cluster"],
    [["-e", "bullmq", "--redis", "redis://127.0.0.1:1", "--queue", "q"], "@hamilton-ts/executor-cluster"],
    [["-r", "dataframe"], "@hamilton-ts/results-dataframe"],
    [["-r", "arrow"], "@hamilton-ts/results-arrow"],
    [["-o", "out.arrow"], "@hamilton-ts/results-arrow"],
    [["--cache"], "@hamilton-ts/cache"],
    [["--cache", "my-cache"], "@hamilton-ts/cache"],
  ])("%j without its plugin: one line naming %s", (flags, pkg) => {
    expectMissing(cli(["run", "pipeline.mjs", "-O", "total", "-i", "count=2", "-q", ...flags]), pkg);
  });

  it("gains an executor once its plugin is installed next to it", () => {
    p.install([tarball("@hamilton-ts/executor-threads")]);
    const r = cli(["run", "pipeline.mjs", "-O", "total", "-i", "count=5", "-q", "-e", "threads"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it("gains --cache once @hamilton-ts/cache is installed next to it: the second run is all hits", () => {
    p.install([tarball("@hamilton-ts/cache")]);
    const args = ["run", "pipeline.mjs", "-O", "total", "-i", "count=3", "--cache", "cli-cache"];
    const first = cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ total: 14 });
    expect(first.stderr).toMatch(/cache cli-cache: 0 hits, 4 misses, 4 stored/);
    const second = cli(args);
    expect(JSON.parse(second.stdout)).toEqual({ total: 14 });
    expect(second.stderr).toMatch(/cache cli-cache: 4 hits, 0 misses, 0 stored/);
  });
});
