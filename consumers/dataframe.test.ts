import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type InstallFigures, type Project } from "./lib/project.js";
import { blocksUnder, npmInstallCommand, readme } from "./lib/readme.js";
import { tsxLoader, writeExample } from "./lib/readme-example.js";

const README = readme("results-dataframe");

describe("kernel + results-dataframe, installed with npm exactly as its README says", () => {
  let p: Project;
  let figures: InstallFigures;
  beforeAll(() => {
    // the README's npm `overrides` block, as the user pastes it into package.json
    const [snippet] = blocksUnder(README, "npm", "json");
    const packageJson = JSON.parse(snippet!) as Record<string, unknown>;
    p = createProject({ name: "kernel + results-dataframe", type: "module", packageJson, fixtures: ["dataframe"] });
    // the README's `npm install` line, with our packages' names swapped for their tarballs
    const [npm, install, ...specs] = npmInstallCommand(README, "npm");
    expect([npm, install]).toEqual(["npm", "install"]);
    figures = p.install(specs.map((s) => (s.startsWith("@hamilton-ts/") ? tarball(s) : s)));
    p.install(["@types/node@^20"], { dev: true });
  });
  afterAll(() => p?.remove());

  it("installs the pure-JS TensorFlow.js and the registry's xlsx, so no native download or CDN fetch happens", () => {
    expect(JSON.parse(p.read("node_modules/@tensorflow/tfjs-node/package.json")).name).toBe("@tensorflow/tfjs");
    expect(JSON.parse(p.read("node_modules/xlsx/package.json")).version).toBe("0.18.5");
    const lock = JSON.parse(p.read("package-lock.json")) as { packages: Record<string, { resolved?: string }> };
    const registry = new URL(p.exec("npm", ["config", "get", "registry"]).stdout.trim()).host;
    const elsewhere = Object.entries(lock.packages).filter(([, e]) => /^https?:/.test(e.resolved ?? "") && new URL(e.resolved!).host !== registry);
    expect(elsewhere).toEqual([]);
    expect(figures.seconds).toBeLessThan(240); // hang guard: without the overrides npm spends minutes, then fails
  });

  it("runs the README's example, and it type-checks with --strict", () => {
    writeExample(p, README);
    const r = p.node(["--import", tsxLoader, "example.ts"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cost_per_signup/);
    expect(r.stdout).toMatch(/web/);
    const t = p.tsc("tsconfig.example.json");
    expect(t.stdout + t.stderr).toBe("");
  });

  it("builds a DataFrame from CommonJS, keeping the index of the user's own frame", () => {
    const r = p.node(["run.cjs"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ frame: true, columns: ["cities.pop", "rank"], index: ["Paris", "Lyon"], values: [[2, 1], [1, 2]] });
  });
});
