import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type Project } from "./lib/project.js";

describe("kernel + executor-threads, from npm", () => {
  let p: Project;
  beforeAll(() => {
    p = createProject({ name: "kernel + executor-threads", type: "module", fixtures: ["pipeline", "threads", "types"] });
    p.install([tarball("@hamilton-ts/kernel"), tarball("@hamilton-ts/executor-threads")]);
    p.install(["@types/node@^20"], { dev: true });
  });
  afterAll(() => p?.remove());

  it("runs a parallel block on worker threads from ESM", () => {
    const r = p.node(["run.mjs"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it("runs it from CommonJS, the pipeline a .cjs module", () => {
    const r = p.node(["run.cjs"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it("runs an ESM pipeline from a CommonJS driver, and a CommonJS pipeline from an ESM one", () => {
    expect(JSON.parse(p.node(["run.cjs", "pipeline.mjs"]).stdout)).toEqual({ total: 55 });
    expect(JSON.parse(p.node(["run.mjs", "./pipeline.cjs"]).stdout)).toEqual({ total: 55 });
  });

  it.each(["nodenext", "bundler"])("type-checks with tsc --strict, moduleResolution %s", (resolution) => {
    const r = p.tsc(`tsconfig.${resolution}.json`);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
