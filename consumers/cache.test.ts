import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type Project } from "./lib/project.js";

interface Outcome {
  readonly result: unknown;
  readonly events: string[];
}

const count = (events: readonly string[], event: string) => events.filter((e) => e === event).length;

describe("kernel + cache, from npm", () => {
  let p: Project;
  let run: (script: string, dir: string, n?: number) => Outcome;
  beforeAll(() => {
    p = createProject({ name: "kernel + cache", type: "module", fixtures: ["pipeline", "cache"] });
    p.install([tarball("@hamilton-ts/kernel"), tarball("@hamilton-ts/cache")]);
    run = (script, dir, n = 5) => {
      const r = p.node([script, dir, String(n)]);
      expect(r.stderr, script).toBe("");
      expect(r.code, script).toBe(0);
      return JSON.parse(r.stdout) as Outcome;
    };
  });
  afterAll(() => p?.remove());

  it.each(["run.mjs", "run.cjs"])("%s: a second run in a new process is answered from the folder", (script) => {
    const dir = `cache-${script.replace(".", "-")}`;
    const first = run(script, dir);
    expect(first.result).toEqual({ total: 55 });
    expect(count(first.events, "squared:stored")).toBe(5);
    expect(count(first.events, "total:stored")).toBe(1);
    expect(first.events.filter((e) => e.endsWith(":hit"))).toEqual([]);

    const second = run(script, dir);
    expect(second.result).toEqual({ total: 55 });
    // every branch and the collector are hits; only the expander runs (it always does)
    expect(count(second.events, "squared:hit")).toBe(5);
    expect(count(second.events, "total:hit")).toBe(1);
    expect(second.events.filter((e) => /:(miss|stored|store-error)$/.test(e))).toEqual([]);

    // a changed input: the new branches and the collector run, the five known ones are still hits
    const third = run(script, dir, 7);
    expect(third.result).toEqual({ total: 140 });
    expect(count(third.events, "squared:hit")).toBe(5);
    expect(count(third.events, "squared:miss")).toBe(2);
    expect(count(third.events, "total:miss")).toBe(1);
  });
});
