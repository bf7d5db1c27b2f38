import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, type Project } from "./lib/project.js";
import { startRedis, type RedisServer } from "./lib/redis.js";

// CI always has Redis (.ci/run installs it); elsewhere, no redis-server is a skip, not a failure
const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
let redis: RedisServer;
beforeAll(async () => {
  if (hasRedis || process.env.CI) redis = await startRedis();
});
afterAll(() => redis?.stop());

// both supported majors of BullMQ, each installed from npm into its own project
const combinations: Array<[string, string]> = [["5", "^5"], ["6", "^6"]];

describe.runIf(hasRedis || process.env.CI).each(combinations)("kernel + executor-cluster + bullmq@%s against a real Redis, from npm", (major, range) => {
  let p: Project;
  beforeAll(() => {
    p = createProject({ name: `kernel + executor-cluster + bullmq@${major}`, type: "module", fixtures: ["pipeline", "cluster", "types"] });
    p.install([tarball("@hamilton-ts/kernel"), tarball("@hamilton-ts/executor-cluster"), `bullmq@${range}`]);
    p.install(["@types/node@^20"], { dev: true });
  });
  afterAll(() => p?.remove());

  it("installs the bullmq major it asked for", () => {
    expect(JSON.parse(p.read("node_modules/bullmq/package.json")).version).toMatch(new RegExp(`^${major}\\.`));
  });

  it.each(["run.mjs", "run.cjs"])("runs a parallel block on BullMQ workers (%s)", (script) => {
    const r = p.node([script, "bullmq"], { env: { REDIS_URL: redis.url, QUEUE: `consumer-${major}-${script}` }, timeoutMs: 30_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it.each(["run.mjs", "run.cjs"])("runs it on child processes (%s)", (script) => {
    const r = p.node([script, "processes"], { timeoutMs: 30_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it.each(["nodenext", "bundler", "node10"])("type-checks with tsc --strict, moduleResolution %s", (resolution) => {
    const r = p.tsc(`tsconfig.${resolution}.json`);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
