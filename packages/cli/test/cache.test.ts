// `hamilton-ts run --cache [dir]`: results kept in a folder between runs, and
// the summary line that says what the cache did.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cacheFlag } from "../src/commands/run.js";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const squares = fileURLToPath(new URL("./fixtures/squares.mjs", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "hamilton-ts-cli-cache-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("--cache [dir]", () => {
  it("takes an optional folder: alone, before a flag or a module, it means .hamilton-cache", () => {
    expect(cacheFlag(["--cache"])).toEqual(["--cache=.hamilton-cache"]);
    expect(cacheFlag(["--cache", "-O", "x"])).toEqual(["--cache=.hamilton-cache", "-O", "x"]);
    expect(cacheFlag(["--cache", "p.mjs", "-O", "x"])).toEqual(["--cache=.hamilton-cache", "p.mjs", "-O", "x"]);
    expect(cacheFlag(["--cache", "store", "p.ts"])).toEqual(["--cache=store", "p.ts"]);
    expect(cacheFlag(["--cache=store"])).toEqual(["--cache=store"]);
    expect(cacheFlag(["--", "--cache"])).toEqual(["--", "--cache"]);
  });

  it("a second run is all hits, the summary says so, and the result is the same", () => {
    const dir = join(tmp, "store");
    const first = cli(["run", squares, "-O", "total", "-i", "count=4", "--cache", dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ total: 30 });
    expect(first.stderr).toMatch(new RegExp(`cache ${dir}: 0 hits, \\d+ misses, \\d+ stored`));
    const second = cli(["run", squares, "-O", "total", "-i", "count=4", "--cache", dir]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ total: 30 });
    expect(second.stderr).toMatch(/: 6 hits, 0 misses, 0 stored/);
    // the progress summary counts the hits
    expect(second.stderr).toMatch(/1 node run, 6 cache hits/);
    expect(second.stderr).toMatch(/block item: 4\/4 branches done/);
  });

  it("alone, it uses .hamilton-cache in the working directory", () => {
    const r = cli(["run", squares, "-O", "total", "--cache"]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(tmp, ".hamilton-cache"))).toBe(true);
    expect(r.stderr).toMatch(/cache \.hamilton-cache: /);
  });
});
