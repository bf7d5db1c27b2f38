import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { pluginLoadMessage } from "../src/plugins.js";

// Hamilton's file-processing example indexes its result by city: every output form must still say which row is which city.
const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const cities = fileURLToPath(new URL("./fixtures/cities.mjs", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "hamilton-ts-cli-df-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "run", cities, "-q", ...args], { encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("a DataFrame's index survives every output form", () => {
  it("JSON: records with the index first, as after pandas' reset_index()", () => {
    expect(JSON.parse(run("-O", "cities"))).toEqual({
      cities: [
        { index: "Paris", population: 2100000, area: 105 },
        { index: "Lyon", population: 520000, area: 48 },
        { index: "Nice", population: 340000, area: 72 },
      ],
    });
    const file = join(tmp, "cities.json");
    run("-O", "cities", "-o", file);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).cities[0])).toEqual(["index", "population", "area"]);
  });

  it("CSV: the index is the first column", () => {
    const file = join(tmp, "cities.csv");
    run("-O", "cities", "-o", file);
    expect(readFileSync(file, "utf8")).toBe("index,population,area\nParis,2100000,105\nLyon,520000,48\nNice,340000,72\n");
    run("-O", "population", "-r", "dataframe", "-o", file);
    expect(readFileSync(file, "utf8")).toBe("index,population\nParis,2100000\nLyon,520000\nNice,340000\n");
  });

  it("the printed table shows the labels and counts only real columns", () => {
    const out = run("-O", "cities", "-r", "dataframe");
    expect(out.split("\n")[0]).toMatch(/^index\s+population\s+area$/);
    expect(out).toMatch(/^Paris\s+2100000\s+105$/m);
    expect(out).toContain("[3 rows × 2 columns]");
  });

  it("a default 0..n-1 index labels nothing: no index column", () => {
    const file = join(tmp, "counts.csv");
    run("-O", "counts", "-o", file);
    expect(readFileSync(file, "utf8")).toBe("value\n10\n20\n30\n");
  });
});

describe("a danfo Series prints sensibly", () => {
  it("as a plain array when its index is the default", () => {
    expect(JSON.parse(run("-O", "counts"))).toEqual({ counts: [10, 20, 30] });
  });

  it("as records keeping label order and type when it is labelled", () => {
    expect(JSON.parse(run("-O", "years"))).toEqual({ years: [{ index: 2024, value: 3 }, { index: 1999, value: 1 }] });
    expect(JSON.parse(run("-O", "population")).population[0]).toEqual({ index: "Paris", population: 2100000 });
  });
});

describe("a missing plugin is one line naming the package to install", () => {
  const notFound = (what: string, code = "ERR_MODULE_NOT_FOUND") => Object.assign(new Error(`Cannot find package '${what}' imported from /app/node_modules/@hamilton-ts/cli/dist/bin.js`), { code });
  it("names the plugin itself", () => {
    expect(pluginLoadMessage("@hamilton-ts/executor-threads", "--executor threads", notFound("@hamilton-ts/executor-threads"))).toBe(
      "--executor threads needs @hamilton-ts/executor-threads, which is not installed: npm install @hamilton-ts/executor-threads (next to @hamilton-ts/cli)",
    );
  });
  it("names the package the plugin needs, not the plugin, when that is what is missing", () => {
    const e = Object.assign(new Error("Cannot find package 'bullmq' imported from /app/node_modules/@hamilton-ts/executor-cluster/dist/bullmq/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
    expect(pluginLoadMessage("@hamilton-ts/executor-cluster/bullmq", "--executor bullmq", e)).toBe(
      "--executor bullmq needs bullmq, which is not installed (@hamilton-ts/executor-cluster imports it): npm install bullmq (next to @hamilton-ts/cli)",
    );
  });
  it("says a plugin is not built when its entry file is missing", () => {
    const e = Object.assign(new Error("Cannot find module '/repo/packages/results-arrow/dist/index.js' imported from /repo/x.js"), { code: "ERR_MODULE_NOT_FOUND" });
    expect(pluginLoadMessage("@hamilton-ts/results-arrow", "--result arrow", e)).toMatch(/needs @hamilton-ts\/results-arrow, which is installed but not built/);
  });
});
