import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type Project } from "./lib/project.js";
import { readme } from "./lib/readme.js";
import { tsxLoader, writeExample } from "./lib/readme-example.js";

describe("kernel + results-arrow, from npm", () => {
  let p: Project;
  beforeAll(() => {
    p = createProject({ name: "kernel + results-arrow", type: "module", fixtures: ["arrow", "types"] });
    p.install([tarball("@hamilton-ts/results-arrow"), tarball("@hamilton-ts/kernel"), "apache-arrow"]);
    p.install(["@types/node@^20"], { dev: true });
  });
  afterAll(() => p?.remove());

  it.each(["run.mjs", "run.cjs"])("builds an Arrow Table and writes and reads an .arrow file (%s)", (script) => {
    const r = p.node([script]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ rows: 2, columns: ["price", "volume"], volume: [100, 200] });
  });

  it("runs its README's example, and it type-checks with --strict", () => {
    writeExample(p, readme("results-arrow"));
    const r = p.node(["--import", tsxLoader, "example.ts"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(p.tsc("tsconfig.example.json").stdout).toBe("");
  });

  it("resolves results-arrow/file under moduleResolution node10", () => {
    const r = p.tsc("tsconfig.node10.json");
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
