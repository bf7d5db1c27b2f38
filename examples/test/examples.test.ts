import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readmeExample } from "./readme.js";

const examples = fileURLToPath(new URL("..", import.meta.url));
const root = join(examples, "..");
const TOTAL_WORDS = 3241;

function node(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("README", () => {
  it("runs the 15-line example as written", () => {
    const blocks = readmeExample(readFileSync(join(root, "README.md"), "utf8"));
    expect(blocks.map((b) => b.file)).toEqual(["pipeline.ts", "run.ts"]);
    // about fifteen lines of code: not counting blank lines and the file-name headers
    const code = blocks.reduce((n, b) => n + b.code.split("\n").filter((l) => l.trim() !== "" && !/^\/\/ \S+\.ts$/.test(l)).length, 0);
    expect(code).toBeLessThanOrEqual(18);
    // inside examples/ so @hamilton-ts/* resolve as they would in a user's project
    const dir = join(examples, "out", "readme-example");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const b of blocks) writeFileSync(join(dir, b.file), b.code);
    const r = node(["--import", "tsx", join(dir, "run.ts")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(String(TOTAL_WORDS));
  });

  it("links to a README in every package", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    for (const pkg of ["kernel", "results-dataframe", "results-arrow", "executor-threads", "executor-cluster", "cli"]) {
      expect(readme).toContain(`packages/${pkg}/README.md`);
    }
  });
});

describe("examples/word-count (pnpm demo)", () => {
  it("prints the DataFrame, the total, and writes the Arrow file and the graph", () => {
    const out = join(examples, "word-count", "out");
    rmSync(out, { recursive: true, force: true });
    const r = node([join(examples, "word-count", "run.mjs")], { WORD_COUNT_LATENCY_MS: "0" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Total words: ${TOTAL_WORDS}`);
    expect(r.stdout).toContain("01-the-river.txt");
    expect(r.stdout).toMatch(/word-counts\.arrow/);
    expect(existsSync(join(out, "word-counts.arrow"))).toBe(true);
    expect(readFileSync(join(out, "word-count.svg"), "utf8")).toMatch(/<svg [\s\S]*cluster_url[\s\S]*<\/svg>/);
    expect(readFileSync(join(out, "word-count.dot"), "utf8")).toMatch(/^digraph/);
    // the progress display went to stderr, ending with the wall time and the slowest nodes
    expect(r.stderr).toMatch(/✔ file, words, top_words, total_words in .* wall/);
    expect(r.stderr).toContain("url_loaded");
  });

  it("writes its SVG on a machine without Graphviz (no `dot` on PATH)", () => {
    const out = join(examples, "word-count", "out");
    rmSync(join(out, "word-count.svg"), { force: true });
    // a PATH with node on it and nothing else
    const bin = mkdtempSync(join(tmpdir(), "hamilton-ts-no-dot-"));
    symlinkSync(process.execPath, join(bin, "node"));
    expect(spawnSync("dot", ["-V"], { env: { PATH: bin } }).error).toBeDefined(); // really no dot there
    const r = node([join(examples, "word-count", "run.mjs")], { WORD_COUNT_LATENCY_MS: "0", PATH: bin, HAMILTON_TS_DOT: "" });
    rmSync(bin, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "word-count.svg"), "utf8")).toContain("</svg>");
  });

  it("reads back the Arrow file it wrote", async () => {
    const { readArrowFile } = await import("@hamilton-ts/results-arrow/file");
    const table = await readArrowFile(join(examples, "word-count", "out", "word-counts.arrow"));
    expect(table.numRows).toBe(8);
    expect(table.schema.fields.map((f: { name: string }) => f.name)).toEqual(["file", "words", "top_word"]);
    const words = table.getChild("words")!.toArray() as ArrayLike<number>;
    expect(Array.from(words).reduce((a, b) => a + Number(b), 0)).toBe(TOTAL_WORDS);
  });
});

describe("examples/features", () => {
  it("runs with configWhen variants, an override and DataFrame results", () => {
    const r = node(["--import", "tsx", join(examples, "features", "run.ts")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Features with scaling=zscore");
    expect(r.stdout).toContain("Features with scaling=minmax");
    expect(r.stdout).toContain("override spend_mean = 1000");
    expect(r.stdout).toContain("spend_scaled");
  });
});

describe("examples/hello-world (Hamilton's hello_world with function modifiers)", () => {
  it("prints Hamilton's five columns with the values Hamilton computes", () => {
    const r = node(["--import", "tsx", join(examples, "hello-world", "run.ts")]);
    expect(r.code, r.stderr).toBe(0);
    for (const column of ["spend", "signups", "avg_3wk_spend", "spend_per_signup", "spend_zero_mean_unit_variance"]) expect(r.stdout).toContain(column);
    // pandas: (spend - spend.mean()) / spend.std() and spend / signups
    for (const v of ["-1.064405", "-0.483821", "0.677349", "1.257934", "13.333333", "43.333333", "0.125"]) expect(r.stdout).toContain(v);
    expect(r.stdout).toContain("owned by growth: spend_zero_mean_unit_variance");
  });
});
